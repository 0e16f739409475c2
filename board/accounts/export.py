"""Everything the board holds about a person, as one JSON document (DSGVO Art. 15 and 20).

Machine-readable and complete rather than pretty: the account, memberships, every post in every
status with its text, the reports the person made, the decisions taken about them or their posts
(without the moderators' names: those are the moderators' data) and the mails sent to them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from board.accounts.models import User
from board.extensions import db
from board.mail.models import OutboxMail
from board.moderation.models import ModerationAction, Report
from board.organisations.models import Membership
from board.posts.models import Post
from board.security import external_url
from board.subscriptions.models import Subscription

FORMAT_VERSION = 1


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def personal_data(user: User, now: datetime) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "exported_at": _when(now),
        "account": _account(user),
        "memberships": _memberships(user),
        "posts": _posts(user),
        "reports": _reports(user),
        "decisions": _decisions(user),
        "mails": _mails(user),
        "subscriptions": _subscriptions(user),
    }


def _account(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role.value,
        "language": user.locale,
        "has_password": bool(user.password_hash),
        "trusted": user.is_trusted,
        "suspended": user.is_suspended,
        "created_at": _when(user.created_at),
        "email_confirmed_at": _when(user.email_confirmed_at),
        "registered_at": _when(user.registered_at),
        "last_login_at": _when(user.last_login_at),
    }


def _memberships(user: User) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(Membership)
        .where(Membership.user_id == user.id)
        .options(selectinload(Membership.organisation))
        .order_by(Membership.id)
    )
    return [
        {
            "organisation": membership.organisation.name,
            "manager": membership.is_manager,
            "since": _when(membership.created_at),
        }
        for membership in rows
    ]


def _posts(user: User) -> list[dict[str, Any]]:
    posts = db.session.scalars(
        select(Post)
        .where(Post.author_id == user.id)
        .options(
            selectinload(Post.category),
            selectinload(Post.district),
            selectinload(Post.organisation),
        )
        .order_by(Post.created_at, Post.id)
    )
    return [
        {
            "id": post.id,
            "url": external_url(url_for("posts.detail", post_id=post.id)),
            "kind": post.kind.value,
            "status": post.status.value,
            "title": post.title,
            "text": post.body,
            "category": post.category.slug,
            "district": post.district.slug if post.district else None,
            "organisation": post.organisation.name if post.organisation else None,
            "event_start_at": _when(post.event_start_at),
            "event_end_at": _when(post.event_end_at),
            "created_at": _when(post.created_at),
            "published_at": _when(post.published_at),
            "expires_at": _when(post.expires_at),
            "closed_at": _when(post.closed_at),
            "renewals": post.renew_count,
            "contact_requests": post.contact_count,
        }
        for post in posts
    ]


def _reports(user: User) -> list[dict[str, Any]]:
    reports = db.session.scalars(
        select(Report).where(Report.reporter_id == user.id).order_by(Report.created_at)
    )
    return [
        {
            "post_id": report.post_id,
            "reason": report.reason.value,
            "text": report.text,
            "created_at": _when(report.created_at),
        }
        for report in reports
    ]


def _decisions(user: User) -> list[dict[str, Any]]:
    """What the board and its moderators decided about the person or their posts."""
    own_posts = select(Post.id).where(Post.author_id == user.id)
    entries = db.session.scalars(
        select(ModerationAction)
        .where(
            or_(
                ModerationAction.subject_user_id == user.id,
                ModerationAction.post_id.in_(own_posts),
            )
        )
        .order_by(ModerationAction.created_at, ModerationAction.id)
    )
    return [
        {
            "at": _when(entry.created_at),
            "action": entry.action.value,
            "post_id": entry.post_id,
            "from_status": entry.from_status,
            "to_status": entry.to_status,
            "rule": entry.rule,
            "reason": entry.reason,
            "automated": entry.is_automated,
        }
        for entry in entries
    ]


def _subscriptions(user: User) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(Subscription)
        .where(Subscription.user_id == user.id)
        .options(selectinload(Subscription.category), selectinload(Subscription.district))
        .order_by(Subscription.id)
    )
    return [
        {
            "kind": row.kind.value if row.kind else None,
            "category": row.category.slug if row.category else None,
            "district": row.district.slug if row.district else None,
            "q": row.q,
            "frequency": row.frequency.value,
            "created_at": _when(row.created_at),
            "confirmed_at": _when(row.confirmed_at),
            "sent_until": _when(row.sent_until),
        }
        for row in rows
    ]


def _mails(user: User) -> list[dict[str, Any]]:
    mails = db.session.scalars(
        select(OutboxMail).where(OutboxMail.to_address == user.email).order_by(OutboxMail.id)
    )
    return [
        {
            "subject": mail.subject,
            "text": mail.body_text,
            "status": mail.status.value,
            "queued_at": _when(mail.created_at),
            "sent_at": _when(mail.sent_at),
        }
        for mail in mails
    ]
