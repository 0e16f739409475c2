"""Accounts' scheduled work."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from board.accounts.models import Role, User
from board.extensions import db
from board.moderation.models import ModerationAction, Report
from board.organisations.models import Membership
from board.posts.models import Post


def purge_unconfirmed_people(now: datetime) -> str:
    """Delete addresses nobody confirmed (typos, strangers' addresses) that left nothing behind."""
    cutoff = now - timedelta(days=current_app.config["PURGE_UNCONFIRMED_DAYS"])
    removed = db.session.execute(
        delete(User)
        .where(
            User.email_confirmed_at.is_(None),
            User.created_at <= cutoff,
            User.role == Role.RESIDENT,
            ~select(Post.id).where(Post.author_id == User.id).exists(),
            ~select(Membership.id).where(Membership.user_id == User.id).exists(),
            ~select(Report.id).where(Report.reporter_id == User.id).exists(),
            ~select(ModerationAction.id)
            .where(
                (ModerationAction.actor_id == User.id)
                | (ModerationAction.subject_user_id == User.id)
            )
            .exists(),
        )
        .execution_options(synchronize_session=False)
    )
    return f"{removed.rowcount} unconfirmed addresses deleted"  # type: ignore[attr-defined]
