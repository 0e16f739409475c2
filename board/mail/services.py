"""The e-mail outbox: queue a mail as a row, deliver queued rows over SMTP with retries.

A request queues mails inside its own transaction; right after the response has gone out (and the
transaction is committed) the same process delivers what is due. `flask run-jobs` and the
scheduler deliver whatever that missed (SMTP down, process killed), so nothing is ever lost.

Delivery is at least once, and in practice exactly once: a sender claims mails (FOR UPDATE SKIP
LOCKED on PostgreSQL, the write lock on SQLite), renews its claim right before each mail and
records the result right after it, so two senders never send the same mail. Only a sender killed
between handing a mail to the server and recording that can cause a mail to go out twice.
"""

from __future__ import annotations

import logging
import re
import secrets
import smtplib
import ssl
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app, g, render_template
from flask_babel import force_locale
from sqlalchemy import or_, select, update

from board.extensions import db
from board.mail.models import MailStatus, OutboxMail
from board.timeutil import utcnow

log = logging.getLogger(__name__)

# How long a claimed mail belongs to one sender; a sender killed mid-run loses it after this.
CLAIM_FOR = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)
# Mails claimed at a time: small, so a slow SMTP server holds few mails away from other senders.
BATCH = 20

# One plain mailbox: no display name, no list, no whitespace or control characters.
_ADDRESS = re.compile(r"[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+")


class InvalidAddress(ValueError):
    """An address that is not exactly one plain mailbox; it never reaches a mail header."""


def checked_address(address: str) -> str:
    """The address itself, or InvalidAddress for anything that could add a header or recipient."""
    if any(not ch.isprintable() for ch in address):
        raise InvalidAddress(f"control characters in address {address!r}")
    address = address.strip()
    if len(address) > 254 or not _ADDRESS.fullmatch(address):
        raise InvalidAddress(f"not a single plain address: {address!r}")
    return address


def ascii_domain(address: str) -> str:
    """anna@müller.de as anna@xn--mller-kva.de, which every mail server takes (IDNA 2008)."""
    if address.isascii():
        return address
    try:
        valid = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return address  # the server will refuse it, and the mail is given up
    local = address.rpartition("@")[0]
    return f"{local}@{valid.ascii_domain}"


def one_line(text: str) -> str:
    """A header value without CR/LF or other control characters (no header injection)."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _clean_body(text: str) -> str:
    """Body text the database and SMTP accept: no NUL or other control bytes, no lone surrogates."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(
        ch
        for ch in text
        if ch in "\n\t" or not (ord(ch) < 32 or ord(ch) == 127 or 0xD800 <= ord(ch) <= 0xDFFF)
    )
    return text.strip() + "\n"


def queue_mail(
    to: str,
    template: str,
    locale: str = "de",
    reply_to: str | None = None,
    list_unsubscribe: str | None = None,
    **context: Any,
) -> OutboxMail:
    """Render templates/mail/<template>.txt in the recipient's language and queue it.

    The template's first line is the subject, the rest after a blank line the body. The mail is
    sent once the caller's transaction is committed. An address with CR/LF or anything but one
    plain mailbox raises InvalidAddress (callers validate addresses in their forms first); CR/LF
    that user text brings into the subject is flattened to spaces. `list_unsubscribe`, an https
    or http URL that ends what the mail is about when POSTed to, becomes the List-Unsubscribe
    headers (RFC 2369, RFC 8058 one-click).
    """
    to_address = checked_address(to)
    reply_address = checked_address(reply_to) if reply_to else None
    languages = current_app.config["LANGUAGES"]
    locale = locale if locale in languages else languages[0]
    with force_locale(locale):
        rendered = render_template(f"mail/{template}.txt", **context)
    subject, _, body = rendered.lstrip().partition("\n")
    mail = OutboxMail(
        to_address=to_address,
        reply_to=reply_address,
        subject=one_line(subject)[:200],
        body_text=_clean_body(body),
        template=template,
        locale=locale,
        status=MailStatus.QUEUED,
        attempts=0,
        next_attempt_at=utcnow(),
        list_unsubscribe=list_unsubscribe,
    )
    db.session.add(mail)
    g.mail_queued = True
    return mail


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after each failed attempt, at most six hours."""
    return min(timedelta(minutes=2 ** min(max(attempts - 1, 0), 20)), MAX_BACKOFF)


def claim_due_mails(now: datetime, token: str, limit: int = BATCH) -> list[int]:
    """Mark due mails as being sent by the sender `token` and return their ids (commits).

    Rows are locked with FOR UPDATE SKIP LOCKED on PostgreSQL, so two senders never take the same
    mail; on SQLite the write transaction (BEGIN IMMEDIATE) serialises senders. A claim runs out
    after CLAIM_FOR, so a sender killed mid-delivery does not strand its mails. Every claim counts
    as an attempt, so even a mail that kills its sender is given up after MAIL_MAX_ATTEMPTS.
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
    ids = []
    for mail in rows:
        if mail.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            _give_up(mail, "the sender stopped while delivering this mail, too often")
            continue
        mail.status = MailStatus.SENDING
        mail.claimed_until = now + CLAIM_FOR
        mail.claimed_by = token
        mail.attempts += 1
        ids.append(mail.id)
    db.session.commit()
    return ids


def deliver_outbox(now: datetime | None = None, limit: int | None = None) -> int:
    """Send every due mail once; return how many went out. Safe to run in several processes.

    Commits as it goes (each mail's result is recorded as soon as it is known), so call it
    outside a request's unit of work. `limit` caps how many mails this call takes on.
    """
    started = time.monotonic()
    now = now or utcnow()

    def clock() -> datetime:
        """`now` moved on by the time this run has taken (tests pass `now`, SMTP takes time)."""
        return now + timedelta(seconds=time.monotonic() - started)

    sent = taken = 0
    while limit is None or taken < limit:
        size = BATCH if limit is None else min(BATCH, limit - taken)
        token = secrets.token_hex(8)
        ids = claim_due_mails(now, token, size)
        taken += len(ids)
        if ids:
            sent += send_claimed(ids, token, clock)
        if len(ids) < size:
            break
    if sent:
        log.info("outbox: sent %d mail(s)", sent)
    return sent


def send_claimed(ids: list[int], token: str, clock: Callable[[], datetime]) -> int:
    """Send the mails `token` has claimed, skipping any whose claim another sender has taken."""
    try:
        transport = _open_transport()
    except Exception as error:  # server down, TLS or login refused, folder not writable
        _release(ids, token, clock(), error)
        return 0
    sent = 0
    try:
        for index, mail_id in enumerate(ids):
            if not _renew_claim(mail_id, token, clock()):
                continue  # our claim ran out and another sender took the mail over
            mail = db.session.get(OutboxMail, mail_id, populate_existing=True)
            assert mail is not None
            try:
                transport.send(build_message(mail), mail)
            except (ValueError, TypeError, smtplib.SMTPNotSupportedError) as error:
                _give_up(mail, error)  # the mail itself is bad: retrying cannot help
            except smtplib.SMTPRecipientsRefused as error:
                if all(code >= 500 for code, _ in error.recipients.values()):
                    _give_up(mail, error)  # the address does not exist
                else:
                    _record_failure(mail, clock(), error)  # greylisting and the like
            except smtplib.SMTPResponseException as error:
                _record_failure(mail, clock(), error)  # the server answered: this mail only
            except OSError as error:  # (SMTPServerDisconnected is one, as is every SMTP error)
                # The connection (or the disk) is gone: the rest of the batch waits as well.
                _record_failure(mail, clock(), error)
                db.session.commit()
                _release(ids[index + 1 :], token, clock(), error)
                break
            except Exception as error:  # one bad mail must not hold up the others
                log.exception("outbox: mail %d failed", mail.id)
                _record_failure(mail, clock(), error)
            else:
                mail.status = MailStatus.SENT
                mail.sent_at = clock()
                mail.claimed_until = None
                mail.claimed_by = None
                sent += 1
            db.session.commit()
    finally:
        transport.close()
    return sent


def _renew_claim(mail_id: int, token: str, moment: datetime) -> bool:
    """Extend our claim right before sending; False when another sender has taken the mail."""
    result = db.session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.id == mail_id,
            OutboxMail.claimed_by == token,
            OutboxMail.status == MailStatus.SENDING,
        )
        .values(claimed_until=moment + CLAIM_FOR)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def build_message(mail: OutboxMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = ascii_domain(checked_address(mail.to_address))
    if mail.reply_to:
        message["Reply-To"] = ascii_domain(checked_address(mail.reply_to))
    message["Subject"] = one_line(mail.subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=_sender_domain())
    message["Auto-Submitted"] = "auto-generated"
    if mail.list_unsubscribe:
        message["List-Unsubscribe"] = f"<{one_line(mail.list_unsubscribe)}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(mail.body_text)
    message["Content-Language"] = mail.locale  # after set_content, which clears Content-*
    return message


def _sender_domain() -> str:
    sender = current_app.config["MAIL_SENDER"]
    return sender.rsplit("@", 1)[-1].strip(" >") or "localhost"


def _error_text(error: Exception | str) -> str:
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return text[:1000]


def _record_failure(mail: OutboxMail, moment: datetime, error: Exception) -> None:
    """Retry later with backoff, or give up once MAIL_MAX_ATTEMPTS attempts have failed."""
    if mail.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        _give_up(mail, error)
        return
    mail.status = MailStatus.QUEUED
    mail.last_error = _error_text(error)
    mail.claimed_until = None
    mail.claimed_by = None
    mail.next_attempt_at = moment + backoff(mail.attempts)
    log.warning("outbox: mail %d will be retried at %s: %s", mail.id, mail.next_attempt_at, error)


def _give_up(mail: OutboxMail, error: Exception | str) -> None:
    """Stop trying; the row stays (status failed) for the town to look at."""
    mail.status = MailStatus.FAILED
    mail.last_error = _error_text(error)
    mail.claimed_until = None
    mail.claimed_by = None
    log.error("outbox: giving up on mail %d to %s: %s", mail.id, mail.to_address, error)


def _release(ids: list[int], token: str, moment: datetime, error: Exception) -> None:
    """Hand claimed mails back for a later attempt after the server could not be reached."""
    if not ids:
        return
    mails = db.session.scalars(
        select(OutboxMail).where(
            OutboxMail.id.in_(ids),
            OutboxMail.claimed_by == token,
            OutboxMail.status == MailStatus.SENDING,
        )
    ).all()
    for mail in mails:
        _record_failure(mail, moment, error)
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
        try:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                self.smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                self.smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        except BaseException:
            self.smtp.close()
            raise

    def send(self, message: EmailMessage, mail: OutboxMail) -> None:
        self.smtp.send_message(message)

    def close(self) -> None:
        try:
            self.smtp.quit()
        except (OSError, smtplib.SMTPException):
            self.smtp.close()


class _FileTransport:
    """Without an SMTP server (the demo), mails become .eml files in instance/mail/."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder

    def send(self, message: EmailMessage, mail: OutboxMail) -> None:
        stamp = utcnow().strftime("%Y%m%dT%H%M%S")
        target = self.folder / f"{stamp}-{mail.id}.eml"
        partial = target.with_suffix(".part")
        partial.write_bytes(message.as_bytes(policy=policy.SMTPUTF8))
        partial.replace(target)  # a reader never sees half a mail

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
            deliver_outbox(limit=BATCH)
        except Exception:  # the mails stay queued for run-jobs; the visitor has their answer
            log.exception("outbox: delivery after request failed")
            db.session.rollback()
