"""Fixtures for the widget tests: a town that lets its own website frame the board, and posts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from board.accounts.models import User
from board.extensions import db
from board.posts.models import Category, District, Post
from tests import factories

TOWN_SITE = "https://www.neumarkt.de"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "EMBED_ORIGINS": (TOWN_SITE, "https://*.landkreis.example")}


@pytest.fixture
def categories(app: Flask) -> dict[str, Category]:
    made = {
        "verschenken": factories.category("verschenken", "Verschenken", "Give away"),
        "verleihen": factories.category("verleihen", "Verleihen", "Lend"),
    }
    db.session.commit()
    return made


@pytest.fixture
def districts(app: Flask) -> dict[str, District]:
    made = {"woffenbach": factories.district("woffenbach", "Woffenbach")}
    db.session.commit()
    return made


AUTHOR_EMAIL = "petra.poster@example.org"


@pytest.fixture
def author(app: Flask) -> User:
    """Whoever wrote the posts (no password: hashing one is slow)."""
    made = factories.user(email=AUTHOR_EMAIL, password=None)
    db.session.commit()
    return made


@pytest.fixture
def new_post(author: User, categories: dict[str, Category]) -> Callable[..., Post]:
    """Put a post on the board (published an hour ago unless told otherwise)."""

    def make(title: str = "Kinderwagen zu verschenken", **fields: Any) -> Post:
        fields.setdefault("author", author)
        made = factories.post(title=title, **fields)
        db.session.commit()
        return made

    return make
