"""The Atom feed: what a feed reader or a local news site gets from /feeds/posts.atom."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import feedparser
import pytest

from board.extensions import db
from board.feeds.atom import xml_text
from board.organisations.models import OrganisationKind
from board.posts.models import PostKind
from board.posts.status import PostStatus
from board.timeutil import BERLIN, utcnow
from tests import factories
from tests.conftest import BASE_URL
from tests.posts.test_board_speed import counted_statements

from .conftest import POSTER_EMAIL

ATOM = "{http://www.w3.org/2005/Atom}"


def strict_xml(data: bytes) -> ET.Element:
    """Our own feed, parsed by a parser that forgives nothing (feedparser is lenient)."""
    return ET.fromstring(data)  # noqa: S314  (the board's own output, not untrusted input)


def read_feed(client, url: str = "/feeds/posts.atom") -> feedparser.FeedParserDict:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    strict_xml(response.data)
    feed = feedparser.parse(response.data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def titles(feed: feedparser.FeedParserDict) -> list[str]:
    return [entry.title for entry in feed.entries]


def test_the_feed_lists_current_posts_newest_first(client, new_post):
    now = utcnow()
    new_post(title="Gartenstühle abzugeben", published_at=now - timedelta(days=3))
    new_post(title="Suche Nachhilfe in Mathe", published_at=now - timedelta(minutes=5))
    new_post(title="Rasenmäher zu verleihen", published_at=now - timedelta(hours=6))

    feed = read_feed(client)

    assert titles(feed) == [
        "Suche Nachhilfe in Mathe",
        "Rasenmäher zu verleihen",
        "Gartenstühle abzugeben",
    ]
    assert feed.feed.title == "Schwarzes Brett Neumarkt i.d.OPf."
    assert feed.feed.id == f"{BASE_URL}/feeds/posts.atom"


def test_an_entry_links_to_its_post_and_carries_what_the_board_shows(client, new_post, categories):
    published = datetime(2025, 3, 1, 9, 30, tzinfo=BERLIN)
    post = new_post(
        title="Bohrmaschine zu verleihen",
        body="Schlagbohrmaschine mit Koffer.\n\nAbholung in Pölling.",
        category=categories["verleihen"],
        published_at=published,
    )

    entry = read_feed(client).entries[0]

    assert entry.link == f"{BASE_URL}/posts/{post.id}"
    assert entry.id == f"{BASE_URL}/posts/{post.id}"
    assert entry.published == "2025-03-01T08:30:00Z"
    assert entry.updated == "2025-03-01T08:30:00Z"
    assert [(tag.term, tag.label) for tag in entry.tags] == [("verleihen", "Verleihen")]
    assert entry.content[0].type == "text/html"
    assert (
        "<p>Schlagbohrmaschine mit Koffer.</p><p>Abholung in Pölling.</p>" in entry.content[0].value
    )
    assert "Biete · Verleihen" in entry.content[0].value


def test_an_event_entry_says_when_it_happens(client, new_post):
    new_post(
        title="Sommerfest",
        kind=PostKind.EVENT,
        event_start_at=datetime(2030, 7, 13, 15, 0, tzinfo=BERLIN),
    )

    entry = read_feed(client).entries[0]

    assert "Samstag, 13. Juli 2030, 15:00" in entry.content[0].value


def test_the_author_is_the_organisation_or_the_board_never_a_person(client, new_post):
    verein = factories.organisation(name="Obst- und Gartenbauverein")
    new_post(title="Baumschnittkurs", organisation=verein)
    new_post(title="Kinderwagen zu verschenken")

    response = client.get("/feeds/posts.atom")
    feed = read_feed(client)

    authors = {entry.title: entry.author for entry in feed.entries}
    assert authors == {
        "Baumschnittkurs": "Obst- und Gartenbauverein",
        "Kinderwagen zu verschenken": "Schwarzes Brett Neumarkt i.d.OPf.",
    }
    assert POSTER_EMAIL not in response.text
    assert "@" not in response.text


def test_the_feed_holds_at_most_fifty_entries(client, poster, categories):
    for number in range(55):
        factories.post(title=f"Beitrag {number}", author=poster)
    db.session.commit()

    assert len(read_feed(client).entries) == 50


def test_the_feed_asks_the_database_the_same_few_questions_however_many_posts(
    client, poster, categories, districts
):
    verein = factories.organisation(name="Obst- und Gartenbauverein")
    for number in range(30):
        factories.post(
            title=f"Beitrag {number}",
            author=poster,
            district=districts["woffenbach"],
            organisation=verein,
        )
    db.session.commit()

    with counted_statements() as seen:
        read_feed(client)

    assert len(seen) <= 4, seen  # version, categories, districts, posts


@pytest.mark.parametrize(
    "status",
    [
        PostStatus.DRAFT,
        PostStatus.PENDING,
        PostStatus.SCHEDULED,
        PostStatus.HIDDEN,
        PostStatus.REJECTED,
        PostStatus.EXPIRED,
        PostStatus.CLOSED,
        PostStatus.REMOVED,
    ],
)
def test_posts_that_are_not_public_never_appear(client, new_post, status):
    new_post(title="Öffentlich")
    new_post(title="Nicht öffentlich", status=status)

    assert titles(read_feed(client)) == ["Öffentlich"]


def test_an_expired_post_is_gone_even_before_a_job_marks_it(client, new_post):
    new_post(title="Öffentlich")
    new_post(
        title="Gestern abgelaufen",
        status=PostStatus.PUBLISHED,
        published_at=utcnow() - timedelta(days=31),
        expires_at=utcnow() - timedelta(days=1),
    )

    assert titles(read_feed(client)) == ["Öffentlich"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=request", ["Suche Babybett"]),
        ("category=verleihen", ["Bohrmaschine"]),
        ("district=poelling", ["Suche Babybett"]),
        ("q=bohr", ["Bohrmaschine"]),
        ("kind=offer&district=woffenbach", ["Bohrmaschine"]),
    ],
)
def test_the_board_filters_apply(client, new_post, categories, districts, query, expected):
    new_post(
        title="Bohrmaschine",
        kind=PostKind.OFFER,
        category=categories["verleihen"],
        district=districts["woffenbach"],
    )
    new_post(title="Suche Babybett", kind=PostKind.REQUEST, district=districts["pölling"])

    assert titles(read_feed(client, f"/feeds/posts.atom?{query}")) == expected


def test_the_feed_title_and_id_say_what_is_filtered(client, new_post, categories, districts):
    feed = read_feed(
        client, "/feeds/posts.atom?district=woffenbach&category=verleihen&kind=offer&page=3"
    )

    assert feed.feed.title == "Biete · Verleihen · Woffenbach · Schwarzes Brett Neumarkt i.d.OPf."
    # One id per filter, however the query was written; the page number is no part of a feed.
    assert feed.feed.id == (
        f"{BASE_URL}/feeds/posts.atom?kind=offer&category=verleihen&district=woffenbach"
    )
    assert feed.feed.link == f"{BASE_URL}/?kind=offer&category=verleihen&district=woffenbach"


def test_an_organisations_feed_shows_only_its_posts(client, new_post):
    verein = factories.organisation(name="Obst- und Gartenbauverein")
    rathaus = factories.organisation(name="Stadt Neumarkt", kind=OrganisationKind.ADMINISTRATION)
    new_post(title="Baumschnittkurs", organisation=verein)
    new_post(title="Sperrmülltermine", organisation=rathaus)
    new_post(title="Kinderwagen zu verschenken")

    feed = read_feed(client, f"/feeds/posts.atom?organisation={verein.slug}")

    assert titles(feed) == ["Baumschnittkurs"]
    assert feed.feed.title == "Obst- und Gartenbauverein · Schwarzes Brett Neumarkt i.d.OPf."
    assert feed.feed.link == f"{BASE_URL}/organisations/{verein.slug}"


def test_an_unknown_organisation_is_a_404_not_an_empty_feed(client, new_post):
    """A typo in a subscribed URL should show up, not look like a quiet association."""
    new_post(title="Kinderwagen zu verschenken")

    assert client.get("/feeds/posts.atom?organisation=gibt-es-nicht").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "kind=bogus",
        "kind=",
        "category=gibt-es-nicht",
        "district=%00",
        "page=-1",
        "page=99999999999999999999",
        "page=abc",
        "q=" + "x" * 5000,
        "q=%00%FF%FE",
        "q=%ED%A0%80",  # a lone surrogate, as UTF-8 bytes
        "kind=offer&kind=request",
        "organisation=",
    ],
)
def test_invalid_filter_values_are_ignored(client, new_post, query):
    new_post(title="Kinderwagen zu verschenken")

    response = client.get(f"/feeds/posts.atom?{query}")

    assert response.status_code == 200
    assert feedparser.parse(response.data).bozo == 0


def test_an_organisation_slug_with_a_nul_byte_is_a_404_on_every_database(client):
    assert client.get("/feeds/posts.atom?organisation=a%00b").status_code == 404


# No NUL: PostgreSQL refuses to store one (test_xml_text shows the feed would drop it).
NASTY = "<script>alert('x')</script> & \"Zitat\" ]]> \x0cForm\x1ffeed \U0001f389 \u202eRTL"


def test_nasty_titles_and_texts_keep_the_feed_valid(client, new_post):
    new_post(title=NASTY[:120], body=f"{NASTY}\n<img src=x onerror=alert(1)>")

    response = client.get("/feeds/posts.atom")
    entry = read_feed(client).entries[0]

    assert entry.title == NASTY.replace("\x0c", "").replace("\x1f", "")[:118]
    assert b"<script>" not in response.data
    assert b"<img" not in response.data
    # Escaped once for the HTML content, once more for the XML: the reader shows the text.
    assert "&lt;img src=x onerror=alert(1)&gt;" in entry.content[0].value
    raw = strict_xml(response.data).find(f"{ATOM}entry/{ATOM}content")
    assert raw is not None and raw.get("type") == "html"
    assert "&lt;script&gt;" in (raw.text or "")


def test_an_english_reader_gets_english_category_names(client, new_post, categories):
    new_post(title="Bohrmaschine", category=categories["verleihen"])

    response = client.get("/feeds/posts.atom?category=verleihen", headers={"Accept-Language": "en"})
    feed = feedparser.parse(response.data)

    assert feed.feed.title.startswith("Lend · ")
    assert feed.entries[0].tags[0].label == "Lend"
    assert "Accept-Language" in response.headers["Vary"]


def test_xml_text_drops_what_xml_forbids_and_keeps_the_rest():
    assert xml_text("a\x00b\x0bc\x0cd\ud800e\ufffef\tg\nh\ri 🎉 ü") == "abcdef\tg\nh\ri 🎉 ü"
