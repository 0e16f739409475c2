"""The feeds tests use the posting tests' people, categories and districts, and a clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from board.timeutil import utcnow
from tests.posts.conftest import (  # noqa: F401  (fixtures, re-exported for the tests here)
    POSTER_EMAIL,
    categories,
    districts,
    new_post,
    poster,
)


class Clock:
    """The time the feeds see; tests move it forward instead of sleeping."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("board.feeds.views.utcnow", clock)
    monkeypatch.setattr("board.posts.cache.utcnow", clock)
    return clock
