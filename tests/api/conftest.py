"""The news site's side of the board: posts of every sort, and a clock the tests move."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import schemathesis

from board.extensions import db
from board.organisations.models import OrganisationKind
from board.posts.models import Post, PostKind
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests import factories
from tests.posts import conftest as board_fixtures

# The board's fixtures, shared rather than copied: the same poster, categories and districts.
poster = board_fixtures.poster
categories = board_fixtures.categories
districts = board_fixtures.districts
new_post = board_fixtures.new_post


# Posts in every status but published, and one published whose time is up (whether or not
# the expiry job has run yet): none of them may ever reach the API.
NOT_ON_THE_BOARD = {
    "Entwurf eines Gasts": PostStatus.DRAFT,
    "Wartet auf Freigabe": PostStatus.PENDING,
    "Geplant für morgen": PostStatus.SCHEDULED,
    "Von Meldungen verborgen": PostStatus.HIDDEN,
    "Abgelehnt": PostStatus.REJECTED,
    "Entfernt": PostStatus.REMOVED,
    "Erledigt": PostStatus.CLOSED,
    "Als abgelaufen markiert": PostStatus.EXPIRED,
    "Gestern abgelaufen": PostStatus.PUBLISHED,
}


@pytest.fixture
def town(
    poster: Any, categories: Any, districts: Any, new_post: Callable[..., Post]
) -> dict[str, Post]:
    """A board with a bit of everything, and posts that must never reach the API."""
    now = utcnow()
    verein = factories.organisation("Obst- und Gartenbauverein", verified=True)
    rathaus = factories.organisation("Stadt Neumarkt", kind=OrganisationKind.ADMINISTRATION)
    shown = {
        "Kinderwagen zu verschenken": new_post(
            "Kinderwagen zu verschenken", district=districts["woffenbach"]
        ),
        "Suche Nachhilfe in Mathe": new_post(
            "Suche Nachhilfe in Mathe",
            kind=PostKind.REQUEST,
            district=districts["pölling"],
            published_at=now - timedelta(hours=2),
        ),
        "Apfelfest im Vereinsgarten": new_post(
            "Apfelfest im Vereinsgarten",
            kind=PostKind.EVENT,
            category=categories["veranstaltungen"],
            organisation=verein,
            event_start_at=now + timedelta(days=3),
            event_end_at=now + timedelta(days=3, hours=4),
            published_at=now - timedelta(hours=3),
        ),
        "Sperrmüll am Montag": new_post(
            "Sperrmüll am Montag",
            kind=PostKind.NOTICE,
            organisation=rathaus,
            published_at=now - timedelta(hours=4),
        ),
    }
    hidden = {
        title: new_post(
            title,
            body="Bitte melden unter geheim@example.org",
            status=status,
            expires_at=now - timedelta(days=1) if status is PostStatus.PUBLISHED else None,
        )
        for title, status in NOT_ON_THE_BOARD.items()
    }
    db.session.commit()
    return {**shown, **hidden}


@pytest.fixture
def api_schema(app: Any, town: dict[str, Post]) -> Any:
    """The API's own OpenAPI document, loaded from the app, for schemathesis to test against."""
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)
