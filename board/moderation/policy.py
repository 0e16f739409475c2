"""Who waits for a moderator: the town's policy, trust, and spam signals, decided in one place.

board.posts.services calls `review_for(post, now)` whenever a post is submitted, resubmitted or
renewed; the answer decides between the queue and the board.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from board.accounts.models import User
from board.extensions import db
from board.moderation.spam import spam_signals
from board.organisations.models import Membership, Organisation, OrganisationKind
from board.posts.models import Post, PostSource
from board.posts.status import PostStatus

# Codes stored in Post.review_reason (why a post is in the queue or off the board).
NEW_AUTHOR = "new_author"
EVERY_POST = "every_post"
SPAM = "spam"
EDITED = "edited"
REPORTS = "reports"
MODERATOR = "moderator"
SUSPENSION = "suspension"
APPEAL = "appeal"
RESUBMITTED = "resubmitted"


@dataclass(frozen=True)
class Review:
    """A post must wait for a moderator, and why (a Post.review_reason code and details)."""

    reason: str
    note: str = ""


@dataclass(frozen=True)
class Verdict:
    """What happens to a submitted post: it waits (review), or it is published, perhaps
    to be looked at afterwards (the "post" policy)."""

    review: Review | None
    look_afterwards: bool = False


def verdict_for(post: Post, now: datetime) -> Verdict:
    author = post.author
    if author.is_moderator or speaks_for_the_town(author) or post.source is PostSource.ASSISTED:
        return Verdict(None)
    if signals := spam_signals(post, now):
        return Verdict(Review(SPAM, ", ".join(signals)))
    policy = current_app.config["MODERATION_POLICY"]
    if policy == "pre":
        return Verdict(Review(EVERY_POST))
    if policy == "post":
        return Verdict(None, look_afterwards=True)
    if is_trusted(author):
        return Verdict(None)
    return Verdict(Review(NEW_AUTHOR))


def may_schedule(user: User | None) -> bool:
    """Planning a post ahead is for those who publish at once anyway: the administration,
    verified organisations, moderators (a resident's post would wait for review regardless)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_moderator or speaks_for_the_town(user):
        return True
    return _member_of(user, Organisation.is_verified.is_(True))


def speaks_for_the_town(user: User) -> bool:
    """A member of the administration: the town's own notices never wait."""
    return _member_of(user, Organisation.kind == OrganisationKind.ADMINISTRATION)


def is_trusted(user: User) -> bool:
    """Marked trusted, a member of a verified organisation, or enough posts already let through."""
    if user.is_trusted or user.is_moderator:
        return True
    if user.id is None:
        return False
    if _member_of(user, Organisation.is_verified.is_(True)):
        return True
    return approved_posts(user) >= current_app.config["MODERATION_TRUST_AFTER"]


def approved_posts(user: User) -> int:
    """Posts of the person that reached the board and were not taken down since."""
    query = select(func.count(Post.id)).where(
        Post.author_id == user.id,
        Post.published_at.is_not(None),
        Post.status.not_in([PostStatus.REJECTED, PostStatus.REMOVED, PostStatus.HIDDEN]),
    )
    return int(db.session.scalar(query) or 0)


def _member_of(user: User, condition: object) -> bool:
    if user.id is None:
        return False
    query = (
        select(Membership.id)
        .join(Organisation)
        .where(Membership.user_id == user.id, condition)  # type: ignore[arg-type]
        .limit(1)
    )
    return db.session.scalar(query) is not None
