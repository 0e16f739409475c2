"""The e-mail outbox: queue a mail as a row, deliver queued rows over SMTP with retries.

A request queues mails inside its own transaction; right after the response has gone out (and the
transaction is committed) the same process delivers what is due. `flask run-jobs` and the
scheduler deliver whatever that missed (SMTP down, process killed), so nothing is ever lost.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, render_template
from flask_babel import force_locale
from sqlalchemy import or_, select

from board.extensions import db
from board.mail.models import MailStatus, OutboxMail
from board.timeutil import utcnow

log = logging.getLogger(__name__)

CLAIM_FOR = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)


def one_line(text: str) -> str:
    """A header value without CR/LF or other control characters (no header injection)."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def queue_mail(
    to: str,
    template: str,
    locale: str = "de",
    reply_to: str | None = None,
    **context: Any,
) -> OutboxMail:
    """Render templates/mail/<template>.txt in the recipient's language and queue it.

    The template's first line is the subject, the rest after a blank line the body.
    """
    with force_locale(locale):
        rendered = render_template(f"mail/{template}.txt", **context)
    subject, _, body = rendered.lstrip().partition("\n")
    mail = OutboxMail(
        to_address=one_line(to),
        reply_to=one_line(reply_to) if reply_to else None,
        subject=one_line(subject)[:200],
        body_text=body.strip() + "\n",
        template=template,
        next_attempt_at=utcnow(),
    )
    db.session.add(mail)
    g.mail_queued = True
    return mail


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after each failure, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def claim_due_mails(now: datetime, limit: int = 50) -> list[int]:
    """Mark due mails as being sent by us and return their ids.

    Rows are locked with FOR UPDATE SKIP LOCKED on PostgreSQL, so two senders never take the same
    mail; on SQLite the write transaction (BEGIN IMMEDIATE) serialises senders. A claim runs out
    after CLAIM_FOR, so a sender killed mid-delivery does not strand its mails.
    """
    due = or_(
        (OutboxMail.status == MailStatus.QUEUED) & (OutboxMail.next_attempt_at <= now),
        (OutboxMail.status == MailStatus.SENDING) & (OutboxMail.claimed_until < now),
    )
    rows = db.session.scalars(
        select(OutboxMail)
        .where(due)
        .order_by(OutboxMail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for mail in rows:
        mail.status = MailStatus.SENDING
        mail.claimed_until = now + CLAIM_FOR
    ids = [mail.id for mail in rows]
    db.session.commit()
    return ids


def deliver_outbox(now: datetime | None = None, limit: int = 50) -> int:
    """Send every due mail once; return how many went out. Safe to run from several processes."""
    now = now or utcnow()
    sent = 0
    ids = claim_due_mails(now, limit)
    if not ids:
        return 0
    try:
        transport = _open_transport()
    except (OSError, smtplib.SMTPException) as error:
        _fail_all(ids, now, error)
        return 0
    try:
        for mail_id in ids:
            mail = db.session.get(OutboxMail, mail_id)
            if mail is None or mail.status is not MailStatus.SENDING:
                continue
            try:
                transport.send(build_message(mail))
            except (OSError, smtplib.SMTPException) as error:
                _record_failure(mail, now, error)
            else:
                mail.status = MailStatus.SENT
                mail.sent_at = utcnow()
                mail.attempts += 1
                mail.claimed_until = None
                sent += 1
            db.session.commit()
    finally:
        transport.close()
    if sent:
        log.info("outbox: sent %d mail(s)", sent)
    return sent


def build_message(mail: OutboxMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = mail.to_address
    if mail.reply_to:
        message["Reply-To"] = mail.reply_to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=_sender_domain())
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body_text)
    return message


def _sender_domain() -> str:
    sender = current_app.config["MAIL_SENDER"]
    return sender.rsplit("@", 1)[-1].strip(" >") or "localhost"


def _record_failure(mail: OutboxMail, now: datetime, error: Exception) -> None:
    mail.attempts += 1
    mail.last_error = f"{type(error).__name__}: {error}"[:1000]
    mail.claimed_until = None
    if mail.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        mail.status = MailStatus.FAILED
        log.error("outbox: giving up on mail %d to %s: %s", mail.id, mail.to_address, error)
    else:
        mail.status = MailStatus.QUEUED
        mail.next_attempt_at = now + backoff(mail.attempts)
        log.warning("outbox: mail %d will be retried: %s", mail.id, error)


def _fail_all(ids: list[int], now: datetime, error: Exception) -> None:
    for mail_id in ids:
        mail = db.session.get(OutboxMail, mail_id)
        if mail is not None:
            _record_failure(mail, now, error)
    db.session.commit()


class _SMTPTransport:
    def __init__(self, config: dict[str, Any]) -> None:
        host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
        if config["MAIL_USE_SSL"]:
            self.smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            self.smtp = smtplib.SMTP(host, port, timeout=timeout)
            if config["MAIL_USE_TLS"]:
                self.smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            self.smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")

    def send(self, message: EmailMessage) -> None:
        self.smtp.send_message(message)

    def close(self) -> None:
        try:
            self.smtp.quit()
        except (OSError, smtplib.SMTPException):
            self.smtp.close()


class _FileTransport:
    """Without an SMTP server (the demo), mails become files in instance/mail/."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        (self.folder / f"{stamp}.eml").write_bytes(bytes(message))

    def close(self) -> None:
        pass


def mail_folder() -> Path:
    return Path(current_app.instance_path) / "mail"


def _open_transport() -> _SMTPTransport | _FileTransport:
    if current_app.config["MAIL_SERVER"]:
        return _SMTPTransport(current_app.config)
    return _FileTransport(mail_folder())


def init_delivery(app: Flask) -> None:
    """Deliver mails right after a response that queued some has been sent."""

    @app.after_request
    def deliver_after_response(response):  # type: ignore[no-untyped-def]
        if g.get("mail_queued") and app.config["MAIL_SEND_AFTER_REQUEST"]:
            response.call_on_close(lambda: _deliver_in_context(app))
        return response


def _deliver_in_context(app: Flask) -> None:
    with app.app_context():
        try:
            deliver_outbox()
        except Exception:  # the mails stay queued for run-jobs; the visitor has their answer
            log.exception("outbox: delivery after request failed")
            db.session.rollback()
