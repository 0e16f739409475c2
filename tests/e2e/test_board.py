"""A resident on a phone, without JavaScript, reading the board in a real browser."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from board.extensions import db
from board.posts.models import PostKind
from board.timeutil import utcnow
from tests import factories
from tests.e2e.conftest import PHONE, scroll_width


@pytest.fixture
def town(app: Any) -> dict[str, Any]:
    """A few posts of every kind, committed so the server thread sees them."""
    now = utcnow()
    woffenbach = factories.district("woffenbach", "Woffenbach")
    holzheim = factories.district("holzheim", "Holzheim")
    author = factories.user(password=None)  # hashing a password per post would cost seconds
    posts = {
        "bikes": factories.post(
            title="Zwei Fahrräder für Kinder",
            kind=PostKind.OFFER,
            author=author,
            district=woffenbach,
            published_at=now - timedelta(hours=1),
        ),
        "ladder": factories.post(
            title="Leiter zum Ausleihen gesucht",
            kind=PostKind.REQUEST,
            author=author,
            district=holzheim,
            published_at=now - timedelta(days=2),
        ),
        "fest": factories.post(
            title="Apfelfest am Vereinsgelände",
            kind=PostKind.EVENT,
            author=author,
            published_at=now - timedelta(days=3),
            event_start_at=now + timedelta(days=5),
        ),
        "road": factories.post(
            title="Dammstraße gesperrt",
            kind=PostKind.NOTICE,
            author=author,
            published_at=now - timedelta(days=4),
        ),
    }
    db.session.commit()
    return posts


def card_titles(page: Any) -> list[str]:
    return page.locator(".card h2").all_inner_texts()


def test_phone_shows_newest_posts_first_with_kind_district_and_age(phone: Any, town: Any) -> None:
    phone.goto("/")

    assert card_titles(phone) == [
        "Zwei Fahrräder für Kinder",
        "Leiter zum Ausleihen gesucht",
        "Apfelfest am Vereinsgelände",
        "Dammstraße gesperrt",
    ]
    first = phone.locator(".card").first
    assert first.locator(".badge").inner_text().lower() == "biete"
    assert "vor 1 Stunde · Woffenbach" in first.inner_text()
    create = phone.get_by_role("link", name="Beitrag erstellen")
    assert create.is_visible()
    assert create.bounding_box()["y"] < PHONE["height"]


def test_search_without_javascript_finds_plural_and_umlaut(phone: Any, town: Any) -> None:
    phone.goto("/")

    phone.get_by_role("searchbox", name="Suchbegriff").fill("fahrrad")
    phone.get_by_role("button", name="Suchen").click()

    assert "q=fahrrad" in phone.url
    assert card_titles(phone) == ["Zwei Fahrräder für Kinder"]
    assert phone.get_by_role("searchbox", name="Suchbegriff").input_value() == "fahrrad"


def test_search_without_results_says_so_and_leads_back(phone: Any, town: Any) -> None:
    phone.goto("/?q=Klavier")

    assert "Nichts gefunden für „Klavier“" in phone.locator("main").inner_text()
    phone.get_by_role("link", name="Alle Beiträge zeigen").click()
    assert len(card_titles(phone)) == 4


def test_kind_chip_filters_the_board_and_marks_itself(phone: Any, town: Any) -> None:
    phone.goto("/")

    phone.locator("nav.kinds").get_by_role("link", name="Suche").click()

    assert "kind=request" in phone.url
    assert card_titles(phone) == ["Leiter zum Ausleihen gesucht"]
    assert phone.locator("nav.kinds [aria-current=page]").inner_text() == "Suche"


def test_filters_open_without_javascript_and_combine_with_search(phone: Any, town: Any) -> None:
    phone.goto("/")

    phone.locator("details.filters summary").click()
    phone.get_by_label("Ortsteil").select_option(label="Holzheim")
    phone.get_by_role("button", name="Suchen").click()

    assert "district=holzheim" in phone.url
    assert card_titles(phone) == ["Leiter zum Ausleihen gesucht"]
    assert phone.locator("details.filters").get_attribute("open") is not None


def test_pages_fit_a_360px_phone_without_sideways_scrolling(
    browser: Any, live_server: str, town: Any
) -> None:
    long = factories.post(
        title="Donaudampfschifffahrtsgesellschaftskapitänsmützenaufbewahrungsschrank",
        body="Details: https://example.org/" + "sehr-langer-pfad-" * 12,
        author=town["bikes"].author,
    )
    db.session.commit()
    paths = ["/", "/?q=nichtda", f"/posts/{long.id}", "/register", "/login", "/posts/999999"]

    widths = scroll_width(browser, live_server, paths)

    assert widths == {path: PHONE["width"] for path in paths}
