"""Moderation's people: residents, moderators and an admin, each with their own browser.

The town's default policy ("trust") applies here, unlike in the posting tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from board.accounts.models import Role, User
from board.extensions import db
from board.posts.models import Category, Post
from board.posts.status import PostStatus
from tests import factories
from tests.conftest import BrowserLikeClient
from tests.posts.conftest import (  # noqa: F401  (fixtures and helpers shared with posting)
    categories,
    log_in_as,
    offer,
)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "MODERATION_POLICY": "trust"}


def browser_for(app: Flask, user: User | None = None) -> BrowserLikeClient:
    """A fresh browser, logged in as the user if one is given."""
    client = BrowserLikeClient(app, app.response_class, use_cookies=True)
    if user is not None:
        log_in_as(client, user)
    return client


@pytest.fixture
def resident(app: Flask) -> User:
    made = factories.user(email="rita.resident@example.org", password=None, display_name="Rita")
    db.session.commit()
    return made


@pytest.fixture
def moderator(app: Flask) -> User:
    made = factories.user(
        email="moritz.moderator@example.org",
        password=None,
        role=Role.MODERATOR,
        display_name="Moritz",
    )
    db.session.commit()
    return made


@pytest.fixture
def second_moderator(app: Flask) -> User:
    made = factories.user(
        email="mona.moderator@example.org",
        password=None,
        role=Role.MODERATOR,
        display_name="Mona",
    )
    db.session.commit()
    return made


@pytest.fixture
def admin(app: Flask) -> User:
    made = factories.user(
        email="anton.admin@example.org", password=None, role=Role.ADMIN, display_name="Anton"
    )
    db.session.commit()
    return made


@pytest.fixture
def waiting_post(
    resident: User,
    categories: dict[str, Category],  # noqa: F811  (the fixture imported above)
) -> Callable[..., Post]:
    """A post of the resident in a given status (pending unless told otherwise)."""

    def make(title: str = "Kinderwagen zu verschenken", **fields: Any) -> Post:
        fields.setdefault("author", resident)
        fields.setdefault("status", PostStatus.PENDING)
        fields.setdefault("category", categories["verschenken"])
        made = factories.post(title=title, **fields)
        db.session.commit()
        return made

    return make


@pytest.fixture
def in_request(app: Flask) -> Any:
    """A request context, as the services have inside a view (mails build links with url_for)."""
    with app.test_request_context():
        yield
