"""The weekly overview: a sheet for the town hall's notice board listing what is on the board."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from board.extensions import db
from board.posts.models import PostKind
from board.posts.queries import CategoryChoice
from board.posts.status import PostStatus
from board.printing.overview import weekly_overview
from tests import factories
from tests.conftest import BASE_URL
from tests.printing.conftest import NOW
from tests.printing.svg_qr import decode_svg, svgs_in


def sheet(client, query: str = "") -> str:
    page = client.get("/print/week" + query)
    assert page.status_code == 200
    return page.text


def section_titles(html: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", html)


def titles_in(html: str) -> list[str]:
    return re.findall(r"</span> <strong>(.*?)</strong>", html)


def line_of(html: str, title: str) -> str:
    """The overview's line (list item) that names the post."""
    match = re.search(
        rf"<li>(?:(?!</li>).)*?<strong>{re.escape(title)}</strong>.*?</li>", html, re.S
    )
    assert match, f"no line for {title!r}"
    return match[0]


def test_the_sheet_lists_posts_by_category_in_the_boards_order(client, put_up, categories):
    put_up("Kinderwagen", category=categories["verschenken"])
    put_up("Mitfahrt nach Regensburg", category=categories["mitfahren"])
    put_up("Apfelfest", category=categories["veranstaltungen"], kind=PostKind.EVENT)
    put_up("Bücherkiste", category=categories["verschenken"], published_at=NOW)

    html = sheet(client)

    assert section_titles(html) == ["Veranstaltungen", "Verschenken", "Mitfahren"]
    # Newest first within a category, as on the board.
    assert titles_in(html) == [
        "Apfelfest",
        "Bücherkiste",
        "Kinderwagen",
        "Mitfahrt nach Regensburg",
    ]


def test_each_line_has_the_kind_the_district_and_the_short_link(client, put_up, districts):
    post = put_up("Kinderwagen", kind=PostKind.OFFER, district=districts["pölling"])

    html = sheet(client)

    line = line_of(html, "Kinderwagen")
    assert '<span class="badge kind-offer">Biete</span>' in line
    assert "Pölling" in line
    assert f"board.test/posts/{post.id}" in line


@pytest.mark.parametrize(
    "status", [PostStatus.PENDING, PostStatus.HIDDEN, PostStatus.DRAFT, PostStatus.CLOSED]
)
def test_only_posts_on_the_board_are_on_the_sheet(client, put_up, status):
    put_up("Öffentlich")
    put_up("Nicht öffentlich", status=status)
    put_up("Abgelaufen", expires_at=NOW - timedelta(seconds=1))

    html = sheet(client)

    assert titles_in(html) == ["Öffentlich"]


def test_the_sheets_qr_code_opens_the_board(client, put_up):
    put_up()

    [code] = svgs_in(sheet(client))

    assert decode_svg(code) == f"{BASE_URL}/"
    assert code.attrs["role"] == "img"
    assert code.attrs["aria-label"] == "QR-Code zum Schwarzen Brett: board.test/"


def test_the_sheet_says_which_week_it_is_for_in_berlin_time(client, put_up, clock):
    # 23:30 UTC on Sunday is already Monday in Berlin.
    clock(datetime(2026, 11, 22, 23, 30, tzinfo=UTC))

    assert "Aushang vom 23.11. bis 30.11.2026" in sheet(client)


def test_a_week_across_new_year_names_both_years(client, put_up, clock):
    clock(datetime(2026, 12, 28, 9, 0, tzinfo=UTC))

    assert "Aushang vom 28.12.2026 bis 04.01.2027" in sheet(client)


def test_a_post_leaving_the_board_before_the_week_is_over_is_marked(client, put_up):
    put_up("Bleibt", expires_at=NOW + timedelta(days=20))
    put_up("Geht bald", expires_at=NOW + timedelta(days=3, hours=2))

    html = sheet(client)

    leaving = line_of(html, "Geht bald")
    staying = line_of(html, "Bleibt")
    assert "nur bis 26.11." in leaving
    assert "nur bis" not in staying


def test_the_sheet_for_one_district_lists_its_posts_and_opens_its_board(client, put_up, districts):
    put_up("In Woffenbach", district=districts["woffenbach"])
    put_up("In Pölling", district=districts["pölling"])
    put_up("Ohne Ortsteil")

    html = sheet(client, "?district=woffenbach")

    assert titles_in(html) == ["In Woffenbach"]
    assert "Aktuelle Beiträge in Woffenbach" in html
    [code] = svgs_in(html)
    assert decode_svg(code) == f"{BASE_URL}/?district=woffenbach"
    assert '<option value="woffenbach" selected>' in html


@pytest.mark.parametrize("query", ["?district=atlantis", "?district=", "?district=%00", "?x=1"])
def test_an_unknown_district_gives_the_whole_town(client, put_up, districts, query):
    put_up("In Woffenbach", district=districts["woffenbach"])
    put_up("Ohne Ortsteil")

    html = sheet(client, query)

    assert sorted(titles_in(html)) == ["In Woffenbach", "Ohne Ortsteil"]
    assert decode_svg(svgs_in(html)[0]) == f"{BASE_URL}/"


def test_an_empty_board_gives_a_sheet_that_says_so(client, categories, clock):
    html = sheet(client)

    assert "Zurzeit stehen keine Beiträge auf dem Brett." in html
    assert decode_svg(svgs_in(html)[0]) == f"{BASE_URL}/"


@pytest.mark.parametrize(
    "title", ['<script>alert("x")</script>', "<img src=x onerror=alert(1)>", "Tom & Jerry"]
)
def test_nasty_titles_are_text_on_the_sheet(client, put_up, title):
    put_up(title)

    html = sheet(client)

    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert str(titles_in(html)[0]) == (
        title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
    )


def count_queries(client, path: str) -> int:
    statements: list[str] = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


def test_the_sheet_costs_the_same_queries_for_two_posts_or_twenty(
    client, put_up, categories, districts
):
    put_up("Eins")
    put_up("Zwei", district=districts["woffenbach"])
    few = count_queries(client, "/print/week")

    for number, category in enumerate(list(categories.values()) * 6):
        organisation = factories.organisation(name=f"Verein {number}")
        put_up(
            f"Beitrag {number}",
            category=category,
            district=districts["pölling"] if number % 2 else districts["woffenbach"],
            organisation=organisation,
        )
    many = count_queries(client, "/print/week")

    assert many == few


def test_a_very_full_board_is_cut_with_a_pointer_to_the_rest(app, put_up, categories):
    for number in range(4):
        put_up(f"Beitrag {number}")
    in_order = [categories[slug] for slug in ("veranstaltungen", "verschenken", "mitfahren")]
    choices = [CategoryChoice(c.id, c.slug, c.name_de, c.name_en) for c in in_order]

    overview = weekly_overview(choices, None, NOW, limit=3)

    assert overview.has_more
    assert [len(section.posts) for section in overview.sections] == [3]
    assert weekly_overview(choices, None, NOW, limit=4).has_more is False
