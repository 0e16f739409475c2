"""Fixtures for the print pages: a fixed clock, the town's categories in board order, posts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from board.extensions import db
from board.posts.models import Category, District, Post
from tests import factories

# A Monday morning in Berlin (10:00 CET).
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """Set the time the print pages see; they start at NOW."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr("board.printing.views.utcnow", lambda: moment)

    set_to(NOW)
    return set_to


@pytest.fixture
def categories(app: Flask) -> dict[str, Category]:
    """Three categories whose board order (position) is not their alphabetical order."""
    made = {}
    for position, (slug, de, en) in enumerate(
        [
            ("veranstaltungen", "Veranstaltungen", "Events"),
            ("verschenken", "Verschenken", "Give away"),
            ("mitfahren", "Mitfahren", "Lifts"),
        ]
    ):
        made[slug] = factories.category(slug, de, en)
        made[slug].position = position
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


@pytest.fixture
def put_up(app: Flask, categories: dict[str, Category], clock: Any) -> Callable[..., Post]:
    """A post on the board at NOW: published an hour before, for 30 days unless told otherwise."""
    author = factories.user(password=None)

    def make(title: str = "Kinderwagen zu verschenken", **fields: Any) -> Post:
        fields.setdefault("author", author)
        fields.setdefault("category", categories["verschenken"])
        fields.setdefault("published_at", NOW - timedelta(hours=1))
        fields.setdefault("expires_at", NOW + timedelta(days=30))
        made = factories.post(title=title, **fields)
        db.session.commit()
        return made

    return make
