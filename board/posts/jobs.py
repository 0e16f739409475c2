"""The posts' scheduled work: each an idempotent statement driven by timestamps, taking `now`.

Visibility never waits for these (Post.visible_clause): they tidy the status up, remind and
erase. Run twice, late, or in two processes, each has its effect once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update

from board.extensions import db
from board.mail.services import queue_mail
from board.posts.models import Post, PostKind
from board.posts.purge import erase_posts
from board.posts.services import close_url, manage_url, renew_url, renewal_refused
from board.posts.status import PostStatus, bulk_transition

log = logging.getLogger(__name__)
S = PostStatus
# What stays with its author for a while after it left the board, then is erased.
FINISHED = (S.EXPIRED, S.CLOSED, S.REJECTED, S.REMOVED)


def expire_posts(now: datetime) -> str:
    """Mark posts whose time is up as expired (the board stopped showing them at that moment)."""
    moved = bulk_transition(S.PUBLISHED, S.EXPIRED, Post.expires_at <= now, now)
    # A scheduled post whose whole lifetime passed while no job ran.
    moved += bulk_transition(S.SCHEDULED, S.EXPIRED, Post.expires_at <= now, now)
    return f"{len(moved)} expired"


def publish_scheduled(now: datetime) -> str:
    """Mark scheduled posts whose time has come as published (they show from that time on)."""
    moved = bulk_transition(
        S.SCHEDULED, S.PUBLISHED, and_(Post.published_at <= now, Post.expires_at > now), now
    )
    return f"{len(moved)} published"


def send_reminders(now: datetime) -> str:
    """Tell authors a few days ahead that their post expires, with a one-tap renew link.

    One reminder per lifetime: the post records the expiry it was reminded of (reminded_for),
    claimed by a conditional UPDATE, so a second run or a second process sends nothing.
    """
    window = timedelta(days=current_app.config["REMINDER_DAYS_BEFORE"])
    due = select(Post.id).where(
        Post.visible_clause(now),
        Post.kind != PostKind.EVENT,  # events end; there is nothing to renew
        Post.author_id.is_not(None),
        Post.expires_at <= now + window,
        or_(Post.reminded_for.is_(None), Post.reminded_for != Post.expires_at),
    )
    sent = 0
    for post_id in list(db.session.scalars(due)):
        if not _claim_reminder(post_id):
            continue
        post = db.session.get(Post, post_id)
        if post is None or post.published_at is None:
            continue
        if post.expires_at - post.published_at <= window:
            continue  # a short-lived post: a reminder now would arrive with the confirmation
        _mail_reminder(post)
        sent += 1
    return f"{sent} reminders"


def _claim_reminder(post_id: int) -> bool:
    claimed = db.session.execute(
        update(Post)
        .where(
            Post.id == post_id,
            or_(Post.reminded_for.is_(None), Post.reminded_for != Post.expires_at),
        )
        .values(reminded_for=Post.expires_at)
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1  # type: ignore[attr-defined]


def _mail_reminder(post: Post) -> None:
    can_renew = renewal_refused(post) is None
    author = post.author
    queue_mail(
        author.email,
        "post_reminder",
        locale=author.locale,
        post=post,
        renew_url=renew_url(post) if can_renew else None,
        close_url=close_url(post),
        manage_url=manage_url(post),
    )


def purge_old_posts(now: datetime) -> str:
    """Erase the text and everything personal of posts long off the board; counts remain."""
    cutoff = now - timedelta(days=current_app.config["PURGE_AFTER_DAYS"])
    old = select(Post.id).where(
        Post.purged_at.is_(None),
        or_(
            and_(Post.status.in_(FINISHED), Post.status_changed_at <= cutoff),
            and_(Post.status == S.PUBLISHED, Post.expires_at <= cutoff),
        ),
    )
    ids = list(db.session.scalars(old))
    erase_posts(ids, now)
    return f"{len(ids)} purged"


def purge_unconfirmed_drafts(now: datetime) -> str:
    """Delete guests' drafts whose confirmation link nobody ever pressed."""
    cutoff = now - timedelta(days=current_app.config["PURGE_UNCONFIRMED_DAYS"])
    removed = db.session.execute(
        delete(Post)
        .where(Post.status == S.DRAFT, Post.created_at <= cutoff)
        .execution_options(synchronize_session=False)
    )
    return f"{removed.rowcount} drafts deleted"  # type: ignore[attr-defined]
