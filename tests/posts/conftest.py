"""Helpers for the posting tests: a browser per person, logging in, and the board's categories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from board.accounts.models import User
from board.extensions import db
from board.posts.models import Category, District, Post
from tests import factories
from tests.conftest import (  # noqa: F401  (re-exported for the tests here)
    BASE_URL,
    BrowserLikeClient,
    Mailbox,
    expired_csrf_token,
    links_in,
    local,
)


class PersonClient(BrowserLikeClient):
    """One person's browser (BrowserLikeClient commits the test's writes before each request)."""


@pytest.fixture
def client(app: Flask) -> PersonClient:
    return PersonClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def other_client(app: Flask) -> PersonClient:
    """A second browser: another phone, another person."""
    return PersonClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def categories(app: Flask) -> dict[str, Category]:
    made = {
        "verschenken": factories.category("verschenken", "Verschenken", "Give away"),
        "verleihen": factories.category("verleihen", "Verleihen", "Lend"),
        "veranstaltungen": factories.category("veranstaltungen", "Veranstaltungen", "Events"),
    }
    db.session.commit()
    return made


@pytest.fixture
def districts(app: Flask) -> dict[str, District]:
    made = {
        "woffenbach": factories.district("woffenbach", "Woffenbach"),
        "pölling": factories.district("poelling", "Pölling"),
    }
    db.session.commit()
    return made


def log_in_as(client: BrowserLikeClient, user: User) -> None:
    """Log in by putting the user into the session, as Flask-Login's login_user() would."""
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def mailed_links(mailbox: Mailbox, address: str) -> list[str]:
    return [local(link) for link in links_in(mailbox.last_to(address))]


def offer(category: Category, /, **changes: Any) -> dict[str, Any]:
    """The posting form as a resident fills it in."""
    return {
        "kind": "offer",
        "category": str(category.id),
        "title": "Kinderfahrrad zu verschenken",
        "body": "20 Zoll, blau, gut erhalten. Abzuholen in Woffenbach.",
        **changes,
    }


POSTER_EMAIL = "petra.poster@example.org"


@pytest.fixture
def poster(app: Flask) -> User:
    """The resident whose posts the tests look at (no password: hashing one is slow)."""
    made = factories.user(email=POSTER_EMAIL, password=None)
    db.session.commit()
    return made


@pytest.fixture
def new_post(poster: User, categories: dict[str, Category]) -> Callable[..., Post]:
    """Put a post on the board (published an hour ago unless told otherwise), by the poster."""

    def make(title: str = "Kinderwagen zu verschenken", **fields: Any) -> Post:
        fields.setdefault("author", poster)
        made = factories.post(title=title, **fields)
        db.session.commit()
        return made

    return make
