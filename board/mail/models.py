from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from board.extensions import db, str_enum
from board.timeutil import UTCDateTime, utcnow


class MailStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its next_attempt_at
    SENDING = "sending"  # claimed by a sender until claimed_until
    SENT = "sent"
    FAILED = "failed"  # gave up after MAIL_MAX_ATTEMPTS; kept for the town to look at


class OutboxMail(db.Model):
    """A mail is a row before it is anything else, so an SMTP outage loses nothing."""

    __table_args__ = (Index("ix_outbox_mail_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    reply_to: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[MailStatus] = mapped_column(
        str_enum(MailStatus, length=10),
        default=MailStatus.QUEUED,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A sender that claims a mail holds it until this time; a crashed sender's claim runs out.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Which sender run holds the claim: a sender whose claim ran out and was retaken skips the mail.
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    # The language the mail was rendered in (the recipient's), for the town looking at the outbox.
    locale: Mapped[str] = mapped_column(String(5), default="de")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A one-click address that ends what the mail is about (RFC 8058), for List-Unsubscribe.
    list_unsubscribe: Mapped[str | None] = mapped_column(String(500))
    last_error: Mapped[str | None] = mapped_column(Text)
