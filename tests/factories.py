"""Makers of the board's objects for tests, with believable defaults."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from board.accounts.models import Role, User
from board.extensions import db
from board.organisations.models import Membership, Organisation, OrganisationKind
from board.posts.models import Category, District, Post, PostKind, PostSource
from board.posts.status import PostStatus
from board.timeutil import utcnow

_seq = itertools.count(1)


def category(
    slug: str = "verschenken", name_de: str = "Verschenken", name_en: str = "Give away"
) -> Category:
    found = db.session.query(Category).filter_by(slug=slug).one_or_none()
    if found:
        return found
    item = Category(slug=slug, name_de=name_de, name_en=name_en)
    db.session.add(item)
    db.session.flush()
    return item


def district(slug: str = "woffenbach", name: str = "Woffenbach") -> District:
    found = db.session.query(District).filter_by(slug=slug).one_or_none()
    if found:
        return found
    item = District(slug=slug, name=name)
    db.session.add(item)
    db.session.flush()
    return item


def user(
    email: str | None = None,
    password: str | None = "richtig-langes-passwort",
    role: Role = Role.RESIDENT,
    registered: bool = True,
    **fields: Any,
) -> User:
    now = utcnow()
    item = User(
        email=email or f"person{next(_seq)}@example.org",
        role=role,
        email_confirmed_at=now if registered else None,
        registered_at=now if registered else None,
        **fields,
    )
    if password:
        item.set_password(password)
    db.session.add(item)
    db.session.flush()
    return item


def organisation(
    name: str = "Obst- und Gartenbauverein",
    kind: OrganisationKind = OrganisationKind.ASSOCIATION,
    verified: bool = True,
    members: tuple[User, ...] = (),
) -> Organisation:
    item = Organisation(slug=f"org-{next(_seq)}", name=name, kind=kind, is_verified=verified)
    db.session.add(item)
    db.session.flush()
    for member in members:
        db.session.add(Membership(user=member, organisation=item))
    db.session.flush()
    return item


# Statuses with a publication time (for a scheduled post: the planned one).
_HAS_BEEN_PUBLISHED = {
    PostStatus.PUBLISHED,
    PostStatus.SCHEDULED,
    PostStatus.HIDDEN,
    PostStatus.EXPIRED,
    PostStatus.CLOSED,
}


def post(
    title: str = "Kinderwagen zu verschenken",
    body: str = "Gut erhalten, abzuholen in Woffenbach.",
    kind: PostKind = PostKind.OFFER,
    status: PostStatus = PostStatus.PUBLISHED,
    author: User | None = None,
    published_at: datetime | None = None,
    expires_at: datetime | None = None,
    **fields: Any,
) -> Post:
    now = utcnow()
    # A scheduled post's publication lies ahead unless the test says otherwise.
    later = status is PostStatus.SCHEDULED
    published = published_at or (now + timedelta(days=1) if later else now - timedelta(hours=1))
    item = Post(
        kind=kind,
        status=status,
        author=author or user(),
        category=fields.pop("category", None) or category(),
        published_at=published if status in _HAS_BEEN_PUBLISHED else None,
        expires_at=expires_at or (now + timedelta(days=30)),
        source=fields.pop("source", PostSource.WEB),
        **fields,
    )
    item.set_text(title, body)
    db.session.add(item)
    db.session.flush()
    return item
