"""Fixtures for the outbox: a test mail template, a page that queues a mail, a picky SMTP server."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask, request
from jinja2 import ChoiceLoader, FileSystemLoader

from board.extensions import db
from board.mail.services import queue_mail
from board.timeutil import utcnow
from tests.conftest import free_port

TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture(autouse=True)
def mail_templates(app: Flask) -> None:
    """Make templates/mail/_test/notice.txt (kept with these tests) available to queue_mail."""
    app.jinja_env.loader = ChoiceLoader(
        [FileSystemLoader(str(TEMPLATES)), app.jinja_env.loader]  # type: ignore[list-item]
    )


@pytest.fixture
def queue_notice() -> Callable[..., Any]:
    """Queue the test notice the way a feature does, with believable context."""

    def queue(to: str = "anna@example.org", **context: Any) -> Any:
        values = {
            "title": "Kinderfahrrad zu verschenken",
            "message": "Ist das Fahrrad noch da? Viele Grüße, Bernd",
            "link": "http://board.test/posts/1",
            "when": datetime(2025, 3, 1, 12, tzinfo=utcnow().tzinfo),
        }
        values.update(context)
        locale = values.pop("locale", "de")
        reply_to = values.pop("reply_to", None)
        return queue_mail(to, "_test/notice", locale=locale, reply_to=reply_to, **values)

    return queue


@pytest.fixture
def notify_page(app: Flask, queue_notice: Callable[..., Any]) -> str:
    """A page that queues a mail and commits, like a contact form does after it is sent."""

    def notify() -> str:
        queue_notice(
            request.args.get("to", "anna@example.org"), locale=request.args.get("locale", "de")
        )
        db.session.commit()
        return "Ihre Nachricht ist unterwegs."

    app.add_url_rule("/_test/notify", "test_notify", notify)
    return "/_test/notify"


class PickyMailbox:
    """An SMTP server that refuses some recipients: unknown@ for good (550), later@ for now (450),
    and takes the message for slow@ only on a second try (451 at DATA)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refused_data: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(  # noqa: N802  (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("unknown@"):
            return "550 5.1.1 No such user here"
        if address.startswith("later@"):
            return "450 4.2.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            if "slow@example.org" in envelope.rcpt_tos and "slow" not in self.refused_data:
                self.refused_data.add("slow")
                return "451 4.3.0 Temporary local problem, try again"
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def picky_smtp(app: Flask) -> Iterator[PickyMailbox]:
    handler = PickyMailbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield handler
    controller.stop()
