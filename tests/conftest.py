"""Shared fixtures: an app on a fresh database (SQLite, or PostgreSQL when configured), a client
that behaves like a browser with forms, and a real SMTP server catching the board's mail."""

from __future__ import annotations

import contextvars
import os
import re
import secrets
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from board import create_app, timeutil
from board.extensions import db, limiter

PG_URL = os.environ.get("BOARD_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def pytest_report_header() -> str:
    if PG_URL:
        return f"databases: SQLite and PostgreSQL ({make_url(PG_URL).render_as_string()})"
    return "databases: SQLite only (set BOARD_TEST_DATABASE_URL to run on PostgreSQL too)"


# ---------------------------------------------------------------- SMTP


@dataclass
class Mailbox:
    """What a real SMTP server (aiosmtpd) received."""

    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def sent_to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def last_to(self, address: str) -> EmailMessage:
        found = self.sent_to(address)
        assert found, f"no mail to {address}; got mail to {[str(m['To']) for m in self.messages]}"
        return found[-1]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def links_in(message: EmailMessage) -> list[str]:
    return re.findall(r"https?://\S+", body_of(message))


# Redirect targets that must never take a visitor off the board (BAD_INPUTS 14).
FOREIGN_REDIRECTS = [
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "http:///evil.example",
    "javascript:alert(1)",
    "/\r\nLocation: https://evil.example",
    " //evil.example",
    "\t//evil.example",
    "evil.example/path",
]

BASE_URL = "http://board.test"  # the app fixture's configured address, used in mailed links


def local(url: str) -> str:
    """The path of a link from a mail, which must point at the configured base URL."""
    assert url.startswith(BASE_URL + "/"), url
    return url[len(BASE_URL) :]


class _SignedLongAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 7 * 3600


def expired_csrf_token(app: Flask, client: FlaskClient, page: str) -> str:
    """A CSRF token as the page handed it out seven hours ago (the limit is six)."""
    client.get(page)
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    serializer = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="wtf-csrf-token", signer=_SignedLongAgo
    )
    return serializer.dumps(raw)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[Mailbox, int]) -> Mailbox:
    box, _ = smtp_server
    box.clear()
    return box


# ---------------------------------------------------------------- databases


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database of our own: a SQLite file, or board_test_<random> on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'board.sqlite3'}"
        return
    assert PG_URL
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"board_test_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"PostgreSQL at BOARD_TEST_DATABASE_URL is not reachable: {error}")
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class BrowserLikeClient(FlaskClient):
    """A test client that sends forms the way a browser does: with the page's CSRF token.

    Responses are buffered so the app's after-response work (mail delivery) has run when a
    request returns, as it has for a real visitor by the time they read their inbox.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)
        if has_app_context():
            # The request sees only committed rows, and an open test transaction would hold
            # SQLite's write lock and make the request wait: commit what the test wrote so far.
            db.session.commit()
        # Each request runs in a fresh context of its own, as in production: its own app context,
        # `g`, database session and Flask-Login user, not the test's. Afterwards the test's
        # session forgets what it loaded, so it reads what the request wrote.
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response

    def csrf_token(self, page: str = "/login") -> str:
        html = self.get(page).text
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def submit(self, url: str, data: dict[str, Any], page: str | None = None, **kwargs: Any) -> Any:
        """POST a form with the CSRF token taken from the page that shows it (default: url)."""
        data = {**data, "csrf_token": self.csrf_token(page or url)}
        return self.post(url, data=data, **kwargs)


@pytest.fixture
def app_config(
    database_url: str, smtp_server: tuple[Mailbox, int], tmp_path: Any
) -> dict[str, Any]:
    _, port = smtp_server
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BASE_URL": BASE_URL,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_SENDER": "Schwarzes Brett <brett@board.test>",
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Posts go on the board at once (and are reviewed afterwards), so stories about posting
        # need no moderator; tests/moderation sets the town's default policy ("trust") itself.
        "MODERATION_POLICY": "post",
    }


@pytest.fixture
def app(app_config: dict[str, Any], tmp_path: Any) -> Iterator[Flask]:
    app = create_app(app_config)
    app.instance_path = str(tmp_path / "instance")
    app.test_client_class = BrowserLikeClient
    with app.app_context():
        db.create_all()
        limiter.reset()
        yield app
        db.session.remove()
        empty_the_database()
        db.engine.dispose()


def empty_the_database() -> None:
    """Leave nothing behind for the next test.

    On PostgreSQL, emptying the tables takes a fifth of the time of dropping and creating them
    (which was most of a test's time there). TRUNCATE, not DELETE: fresh tables hand rows back in
    the order they were written, as after CREATE, and the ids start from 1 again. A test that
    changed the schema (migrations) gets a fresh one. SQLite drops its tables fast enough.
    """
    if db.engine.dialect.name != "postgresql":
        db.drop_all()
        return
    with db.engine.begin() as conn:
        present = set(
            conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
        )
        if present != set(db.metadata.tables):
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            return
        tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def client(app: Flask) -> BrowserLikeClient:
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


def wait_for(condition: Any, timeout: float = 5.0) -> Any:
    """Poll for something another thread or process does; fail clearly when it never happens."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


@pytest.fixture
def instance(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    """A town's instance folder of its own, and an environment without the developer's BOARD_*."""
    for name in list(os.environ):
        if name.startswith("BOARD_") or name == "FLASK_DEBUG":
            monkeypatch.delenv(name)
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(folder))
    return folder


# ---------------------------------------------------------------- time


class Clock:
    """The time every part of the board reads (pages, feeds, API, jobs, mail); tests move it on
    instead of sleeping."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Stop the board's clock at now; every module that reads `utcnow` reads this one instead."""
    real = timeutil.utcnow
    clock = Clock(real().replace(microsecond=0))
    for name, module in list(sys.modules.items()):
        mine = name == "board" or name.startswith("board.") or name == "tests.factories"
        if mine and getattr(module, "utcnow", None) is real:
            monkeypatch.setattr(module, "utcnow", clock)
    return clock
