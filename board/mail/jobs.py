"""The outbox's scheduled work."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete

from board.extensions import db
from board.mail.models import MailStatus, OutboxMail
from board.mail.services import deliver_outbox


def send_outbox(now: datetime) -> str:
    """Deliver what is due (deliver_outbox claims each mail atomically and commits as it goes)."""
    return f"{deliver_outbox(now)} sent"


def purge_old_mail(now: datetime) -> str:
    """Delete sent and given-up mails after a while: they hold addresses and texts."""
    cutoff = now - timedelta(days=current_app.config["PURGE_MAIL_DAYS"])
    removed = db.session.execute(
        delete(OutboxMail)
        .where(
            OutboxMail.status.in_([MailStatus.SENT, MailStatus.FAILED]),
            OutboxMail.created_at <= cutoff,
        )
        .execution_options(synchronize_session=False)
    )
    return f"{removed.rowcount} old mails deleted"  # type: ignore[attr-defined]
