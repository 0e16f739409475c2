"""Helpers for the account tests: log in through the real form, follow links from real mails."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from board.accounts.models import User
from board.extensions import db
from tests.conftest import (  # noqa: F401  (re-exported for the tests here)
    BASE_URL,
    BrowserLikeClient,
    Mailbox,
    expired_csrf_token,
    links_in,
    local,
)

PASSWORD = "richtig-langes-passwort"  # what tests.factories.user() sets


def link_from(mailbox: Mailbox, address: str, index: int = 0) -> str:
    return local(links_in(mailbox.last_to(address))[index])


def visible_text(html: str) -> str:
    """A page without its per-request parts (CSRF tokens), for comparing two answers."""
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", html)


def log_in(
    client: BrowserLikeClient, email: str, password: str = PASSWORD, remember: bool = False
) -> Any:
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.submit("/login", data)


def user_by_email(email: str) -> User | None:
    """The user as the database holds it now, detached, with the test's transaction ended.

    Requests run in their own sessions; a transaction left open here would hold SQLite's write
    lock (tests write, so they BEGIN IMMEDIATE) and make the next request wait.
    """
    db.session.rollback()
    user = db.session.query(User).filter_by(email=email).one_or_none()
    if user is not None:
        db.session.expunge(user)
    db.session.rollback()
    return user


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still scrypt, at a test-sized cost: the default's 0.1 s per hash adds up over 100 tests."""
    monkeypatch.setattr("board.accounts.models.PASSWORD_HASH_METHOD", "scrypt:1024:8:1")


@pytest.fixture
def other_client(app: Flask) -> BrowserLikeClient:
    """A second browser (another phone, another person)."""
    return app.test_client()  # type: ignore[return-value]
