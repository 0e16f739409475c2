"""Reports from the public: anyone may flag a post; enough distinct people take it off the board."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from board.accounts.models import User
from board.extensions import db
from board.mail.services import queue_mail
from board.moderation import policy
from board.moderation.models import Action, Report, ReportReason
from board.moderation.services import ModerationError, appeal_url, record
from board.posts.models import Post
from board.posts.status import AlreadyChanged, PostStatus, transition_guarded


def reporter_key(user: User | None, remote_addr: str | None) -> str:
    """Who reported, as far as counting goes: the account, else a keyed hash of the address.

    The hash tells two reporters apart and one reporter from themselves without keeping the
    address (it cannot be turned back without the board's secret key).
    """
    if user is not None and user.is_authenticated:
        return f"user:{user.id}"
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, f"report:{remote_addr or '-'}".encode(), hashlib.sha256)
    return f"addr:{digest.hexdigest()[:40]}"


def report_post(
    post: Post,
    key: str,
    reporter: User | None,
    reason: ReportReason,
    text: str,
    now: datetime,
) -> bool:
    """Record a report; True when it was the one that took the post off the board."""
    if not post.is_visible(now):
        raise ModerationError(_l("Dieser Beitrag ist nicht mehr auf dem Brett."))
    if has_reported(post, key):
        raise ModerationError(_l("Sie haben diesen Beitrag schon gemeldet. Danke!"))
    try:
        with db.session.begin_nested():
            db.session.add(
                Report(
                    post_id=post.id,
                    reporter_key=key,
                    reporter_id=reporter.id
                    if reporter is not None and reporter.is_authenticated
                    else None,
                    reason=reason,
                    text=text.strip(),
                    created_at=now,
                )
            )
    except IntegrityError as error:  # the same person twice at once: still one report
        raise ModerationError(_l("Sie haben diesen Beitrag schon gemeldet. Danke!")) from error
    if count_open_reports(post) < current_app.config["MODERATION_REPORTS_TO_HIDE"]:
        return False
    return _hide_after_reports(post, now)


def has_reported(post: Post, key: str) -> bool:
    query = select(Report.id).where(Report.post_id == post.id, Report.reporter_key == key)
    return db.session.scalar(query) is not None


def count_open_reports(post: Post) -> int:
    query = select(func.count(Report.id)).where(
        Report.post_id == post.id, Report.resolved_at.is_(None)
    )
    return int(db.session.scalar(query) or 0)


def _hide_after_reports(post: Post, now: datetime) -> bool:
    before = post.status  # published, or scheduled and due
    try:
        transition_guarded(post, PostStatus.HIDDEN, now)
    except AlreadyChanged:
        return False  # another report (or a moderator) got there first
    post.review_reason = policy.REPORTS
    entry = record(
        Action.AUTO_HIDE,
        None,
        now,
        post=post,
        from_status=before,
        to_status=PostStatus.HIDDEN,
        details={"reports": count_open_reports(post)},
    )
    author = post.author
    queue_mail(
        author.email,
        "moderation_hidden",
        locale=author.locale,
        post=post,
        automated=True,
        reason=None,
        appeal_url=appeal_url(post, entry),
    )
    return True
