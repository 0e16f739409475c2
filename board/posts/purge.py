"""Erasing posts' personal data: after the retention time (jobs) or when their author leaves."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, update

from board.extensions import db
from board.moderation.models import Action, ModerationAction, Report
from board.posts.models import Post


def erase_posts(ids: Sequence[int], now: datetime) -> None:
    """Erase the text and everything personal of these posts; the rows stay for the counts.

    What stays is what the town's evaluation needs and nothing that tells who wrote what: kind,
    category, district, status, the dates and the contact counter. Erasing twice changes nothing.
    """
    if not ids:
        return
    db.session.execute(delete(Report).where(Report.post_id.in_(ids)))
    _forget_texts_in_the_audit_log(ids)
    db.session.execute(
        update(Post)
        .where(Post.id.in_(ids), Post.purged_at.is_(None))
        .values(
            title="",
            body="",
            search_text="",
            source_ref=None,
            submission_key=None,
            author_id=None,
            review_note=None,
            manage_secret=secrets.token_urlsafe(16),  # every private link dies
            purged_at=now,
        )
        .execution_options(synchronize_session=False)
    )


def _forget_texts_in_the_audit_log(post_ids: Sequence[int]) -> None:
    """The audit log keeps who decided what, when and on which rule, and the moderators'
    reasons (the town answers for its decisions); copies of the post's text and the author's own
    words go with the post. A retention rule run here, not an edit: the app itself cannot change
    an entry (ModerationAction's mapper events), and this Core statement is the one exception."""
    authors_words = (Action.APPEAL, Action.RESUBMIT, Action.HOLD)
    db.session.execute(
        update(ModerationAction)
        .where(ModerationAction.post_id.in_(post_ids), ModerationAction.action == Action.EDIT)
        .values(details={"purged": True})
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(ModerationAction)
        .where(ModerationAction.post_id.in_(post_ids), ModerationAction.action.in_(authors_words))
        .values(reason="")
        .execution_options(synchronize_session=False)
    )
