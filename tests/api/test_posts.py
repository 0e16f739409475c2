"""A local news site reads the board through the JSON API: current posts, filtered, page by page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from board.accounts.models import User
from board.extensions import db
from board.posts.models import Post, PostKind
from board.posts.status import PostStatus, transition
from board.timeutil import utcnow
from tests.api.conftest import NOT_ON_THE_BOARD
from tests.conftest import BASE_URL, local
from tests.posts.test_board_speed import counted_statements

SHOWN = [
    "Kinderwagen zu verschenken",
    "Suche Nachhilfe in Mathe",
    "Apfelfest im Vereinsgarten",
    "Sperrmüll am Montag",
]


def titles(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json["items"]]


def walk(client, url: str) -> list[dict]:
    """Follow `next` from the first page to the last, as an integration script would."""
    items: list[dict] = []
    while url:
        page = client.get(url)
        assert page.status_code == 200, page.text
        items += page.json["items"]
        url = page.json["next"] and local(page.json["next"])
    return items


def test_a_news_site_gets_the_current_posts_newest_first(client, town):
    page = client.get("/api/v1/posts")

    assert page.headers["Content-Type"] == "application/json"
    assert titles(page) == SHOWN
    assert page.json["next"] is None


def test_a_post_says_what_the_board_shows_and_links_to_it(client, town):
    fest = town["Apfelfest im Vereinsgarten"]

    item = client.get(f"/api/v1/posts/{fest.id}").json

    assert item["url"] == f"{BASE_URL}/posts/{fest.id}"
    assert item["kind"] == "event"
    assert item["category"] == {
        "slug": "veranstaltungen",
        "name_de": "Veranstaltungen",
        "name_en": "Events",
    }
    assert item["district"] is None
    assert item["organisation"]["name"] == "Obst- und Gartenbauverein"
    assert item["organisation"]["verified"] is True
    assert item["organisation"]["url"].startswith(f"{BASE_URL}/organisations/")
    assert set(item["event"]) == {"start", "end"}
    # Times carry their offset (Berlin: +01:00 in winter, +02:00 in summer).
    assert item["event"]["start"][-6:] in ("+01:00", "+02:00")
    assert item["expires_at"][-6:] in ("+01:00", "+02:00")
    assert item == client.get("/api/v1/posts?kind=event").json["items"][0]


def test_a_post_without_district_organisation_or_date_says_null(client, town):
    item = client.get(f"/api/v1/posts/{town['Suche Nachhilfe in Mathe'].id}").json

    assert item["district"] == {"slug": "poelling", "name": "Pölling"}
    assert item["organisation"] is None
    assert item["event"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=request", ["Suche Nachhilfe in Mathe"]),
        ("category=veranstaltungen", ["Apfelfest im Vereinsgarten"]),
        ("district=woffenbach", ["Kinderwagen zu verschenken"]),
        ("q=SPERRMUELL", ["Sperrmüll am Montag"]),
        ("kind=offer&district=poelling", []),
        # As on the board: values it does not know are ignored, not an error.
        ("kind=bogus&category=gibt-es-nicht&district=%00", SHOWN),
    ],
)
def test_the_boards_filters_work_the_same_in_the_api(client, town, query, expected):
    assert titles(client.get(f"/api/v1/posts?{query}")) == expected


def test_posts_not_on_the_board_never_reach_the_api(client, town):
    listed = titles(client.get("/api/v1/posts?limit=100"))
    searched = titles(client.get("/api/v1/posts?q=geheim"))

    for title in NOT_ON_THE_BOARD:
        assert title not in listed
        single = client.get(f"/api/v1/posts/{town[title].id}")
        assert single.status_code == 404, title
        assert single.json == {"error": "no such post on the board"}
    assert searched == []


def test_a_hidden_post_and_a_missing_one_look_the_same(client, town):
    hidden = client.get(f"/api/v1/posts/{town['Von Meldungen verborgen'].id}")
    missing = client.get("/api/v1/posts/999999")

    assert hidden.status_code == missing.status_code == 404
    assert hidden.data == missing.data
    assert hidden.headers["Cache-Control"] == "no-store"  # it may come back after review


@pytest.mark.parametrize("post_id", ["0", "-1", "2147483648", "99999999999999999999", "abc"])
def test_impossible_post_ids_are_not_found_not_a_crash(client, town, post_id):
    response = client.get(f"/api/v1/posts/{post_id}")

    assert response.status_code == 404
    assert "error" in response.json


def test_no_address_author_status_or_secret_ever_leaves_the_api(client, town):
    addresses = db.session.scalars(select(User.email)).all()
    bodies = [
        client.get("/api/v1/posts?limit=100").text,
        *(client.get(f"/api/v1/posts/{post.id}").text for post in town.values()),
    ]
    secrets = [post.manage_secret for post in town.values()]

    for body in bodies:
        assert "@" not in body
        for private in [*addresses, *secrets, "author", "status", "contact_count"]:
            assert private not in body
    for item in client.get("/api/v1/posts").json["items"]:
        assert set(item) == {
            "id",
            "url",
            "kind",
            "title",
            "text",
            "category",
            "district",
            "organisation",
            "event",
            "published_at",
            "expires_at",
        }


def test_markup_in_a_post_arrives_as_the_text_the_resident_typed(client, new_post):
    payload = '<script>alert(1)</script><img src=x onerror="alert(2)"> & Co'
    post = new_post(title="Fahrrad <b>gratis</b>", body=payload)

    response = client.get(f"/api/v1/posts/{post.id}")

    assert response.json["text"] == payload
    assert response.json["title"] == "Fahrrad <b>gratis</b>"
    # Escaped even inside the JSON text, for pages that paste it into a <script> block.
    assert "<" not in response.text and ">" not in response.text


# ---------------------------------------------------------------- paging


def test_paging_with_next_reads_every_post_once(client, new_post):
    now = utcnow()
    for number in range(1, 26):
        new_post(f"Beitrag {number:02d}", published_at=now - timedelta(minutes=number))
    # Two posts published in the same microsecond: the id breaks the tie.
    same_moment = now - timedelta(minutes=30)
    new_post("Zwilling A", published_at=same_moment)
    new_post("Zwilling B", published_at=same_moment)

    first = client.get("/api/v1/posts?limit=4")
    items = walk(client, "/api/v1/posts?limit=4")

    assert len(first.json["items"]) == 4
    assert first.json["next"].startswith(f"{BASE_URL}/api/v1/posts?")
    assert [item["title"] for item in items] == [
        *(f"Beitrag {number:02d}" for number in range(1, 26)),
        "Zwilling B",
        "Zwilling A",
    ]


def test_the_next_link_keeps_the_filters_and_the_limit(client, new_post):
    for number in range(5):
        new_post(f"Suche Werkzeug {number}", kind=PostKind.REQUEST)
        new_post(f"Biete Werkzeug {number}", kind=PostKind.OFFER)

    items = walk(client, "/api/v1/posts?kind=request&q=werkzeug&limit=2")
    first = client.get("/api/v1/posts?kind=request&q=werkzeug&limit=2")

    assert sorted(item["title"] for item in items) == [f"Suche Werkzeug {n}" for n in range(5)]
    assert "kind=request" in first.json["next"] and "limit=2" in first.json["next"]


def test_a_post_published_while_paging_causes_no_duplicate_or_gap(client, new_post):
    now = utcnow()
    for number in range(1, 7):
        new_post(f"Beitrag {number}", published_at=now - timedelta(hours=number))

    first = client.get("/api/v1/posts?limit=3")
    new_post("Ganz neu", published_at=now)  # lands on page one, which the site already has
    already_read = db.session.get(Post, first.json["items"][0]["id"])
    transition(already_read, PostStatus.CLOSED, utcnow())  # and one the site has read leaves
    db.session.commit()
    rest = walk(client, local(first.json["next"]))

    seen = [item["title"] for item in first.json["items"] + rest]
    assert seen == [f"Beitrag {number}" for number in range(1, 7)]


def test_paging_is_done_in_one_query_however_long_the_page(client, new_post):
    for number in range(60):
        new_post(f"Beitrag {number}", published_at=utcnow() - timedelta(minutes=number))
    client.get("/api/v1/posts")  # categories and districts are now in memory

    with counted_statements() as seen:
        page = client.get("/api/v1/posts?limit=50")

    assert len(page.json["items"]) == 50
    assert len(seen) <= 2  # the board version and the page of posts


BAD_LIMITS = ["0", "-1", "101", "1000000000000", "zwanzig", "2.5", "", " ", "1e2", "²"]


@pytest.mark.parametrize("limit", BAD_LIMITS)
def test_a_limit_out_of_range_is_a_clear_400(client, town, limit):
    response = client.get("/api/v1/posts", query_string={"limit": limit})

    assert response.status_code == 400
    assert response.json == {"error": "limit must be a whole number from 1 to 100"}


def test_the_limit_may_be_anything_from_one_to_a_hundred(client, town):
    assert len(titles(client.get("/api/v1/posts?limit=1"))) == 1
    assert len(titles(client.get("/api/v1/posts?limit=100"))) == len(SHOWN)
    assert len(titles(client.get("/api/v1/posts?limit=+3+"))) == 3


BAD_CURSORS = [
    "garbage",
    "",
    "WyIyMDI2LTExLTI1VDIxOjM5OjUzLjk0ODI2OSswMDowMCIsMl0.forged",
    "%00%ff",
    "x" * 5000,
]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_garbage_cursor_is_a_400_not_a_crash(client, town, cursor):
    response = client.get("/api/v1/posts", query_string={"cursor": cursor})

    assert response.status_code == 400
    assert "cursor" in response.json["error"]


def test_a_cursor_signed_with_another_key_is_refused(app, client, town):
    url = local(client.get("/api/v1/posts?limit=1").json["next"])
    app.config["SECRET_KEY"] = "a-different-deployment"

    assert client.get(url).status_code == 400


def test_a_well_signed_cursor_with_nonsense_inside_is_refused(app, client, town):
    signer = URLSafeSerializer(app.config["SECRET_KEY"], salt="board.api.cursor")
    nonsense = [
        ["2026-01-01T00:00:00", 1],  # no time zone
        ["gestern", 1],
        ["2026-01-01T00:00:00+00:00", 2**40],  # no such id can exist
        ["2026-01-01T00:00:00+00:00", "1"],
        7,
    ]
    for payload in nonsense:
        response = client.get("/api/v1/posts", query_string={"cursor": signer.dumps(payload)})
        assert response.status_code == 400, payload


ODD_VALUES = [
    "%00",  # NUL: PostgreSQL refuses it in text
    "%ED%A0%80",  # a lone surrogate
    "%E2%80%AE",  # right-to-left override
    "a%E2%80%8Bb",  # zero-width space
    "%FF%FE",  # not UTF-8 at all
    "%25",  # LIKE's wildcards and escape
    "_",
    "%5C",
    "%27%3B%20DROP%20TABLE%20post%3B%20--",
]


@pytest.mark.parametrize("value", ODD_VALUES)
def test_odd_characters_in_any_parameter_never_crash_the_api(client, town, value):
    for name in ["kind", "category", "district", "q"]:
        assert client.get(f"/api/v1/posts?{name}={value}").status_code == 200, name
    assert client.get(f"/api/v1/posts?limit={value}").status_code == 400
    assert client.get(f"/api/v1/posts?cursor={value}").status_code == 400
    assert client.get(f"/api/v1/posts/{value}").status_code == 404
    assert len(titles(client.get("/api/v1/posts"))) == len(SHOWN)
