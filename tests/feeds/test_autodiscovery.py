"""Feed readers and calendar apps find the feeds from the page a resident is looking at."""

from __future__ import annotations

import re
from html import unescape

import feedparser
import icalendar

from tests import factories


def alternates(html: str) -> dict[str, list[tuple[str, str]]]:
    """The page head's <link rel="alternate"> by type: (title, href) pairs."""
    found: dict[str, list[tuple[str, str]]] = {}
    head = html.split("</head>", 1)[0]
    for tag in re.findall(r'<link rel="alternate"[^>]*>', head):
        attributes = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        found.setdefault(attributes["type"], []).append(
            (unescape(attributes["title"]), unescape(attributes["href"]))
        )
    return found


def test_every_page_points_feed_readers_to_the_boards_feed(client):
    links = alternates(client.get("/login").text)

    assert links["application/atom+xml"] == [
        ("Schwarzes Brett Neumarkt i.d.OPf.", "/feeds/posts.atom")
    ]


def test_the_board_page_offers_the_feed_and_calendar_of_its_filter(
    client, new_post, categories, districts
):
    new_post(title="Bohrmaschine", category=categories["verleihen"])

    page = client.get("/?kind=offer&category=verleihen&page=2&q=Bohr%20%26%20Co")
    links = alternates(page.text)

    assert links["application/atom+xml"] == [
        (
            "Biete · Verleihen · Suche: Bohr & Co · Schwarzes Brett Neumarkt i.d.OPf.",
            "/feeds/posts.atom?kind=offer&category=verleihen&q=Bohr+%26+Co",
        )
    ]
    assert links["text/calendar"] == [
        (
            "Veranstaltungen · Verleihen · Suche: Bohr & Co · Schwarzes Brett Neumarkt i.d.OPf.",
            "/feeds/events.ics?category=verleihen&q=Bohr+%26+Co",
        )
    ]
    assert "Als Feed abonnieren" in page.text
    assert "Kalender abonnieren" in page.text


def test_the_advertised_feeds_answer_with_what_the_board_shows(client, new_post, categories):
    new_post(title="Bohrmaschine", category=categories["verleihen"])
    new_post(title="Bücherkiste", category=categories["verschenken"])
    links = alternates(client.get("/?category=verleihen").text)

    feed = feedparser.parse(client.get(links["application/atom+xml"][0][1]).data)
    calendar = client.get(links["text/calendar"][0][1])

    assert [entry.title for entry in feed.entries] == ["Bohrmaschine"]
    assert calendar.status_code == 200
    assert icalendar.Calendar.from_ical(calendar.data)["X-WR-CALNAME"].startswith(
        "Veranstaltungen · Verleihen"
    )


def test_an_organisations_page_offers_its_own_feed_first(client, new_post):
    verein = factories.organisation(name="Obst- & Gartenbauverein")
    new_post(title="Baumschnittkurs", organisation=verein)

    links = alternates(client.get(f"/organisations/{verein.slug}").text)

    assert links["application/atom+xml"] == [
        (
            "Obst- & Gartenbauverein · Schwarzes Brett Neumarkt i.d.OPf.",
            f"/feeds/posts.atom?organisation={verein.slug}",
        ),
        ("Schwarzes Brett Neumarkt i.d.OPf.", "/feeds/posts.atom"),
    ]
    feed = feedparser.parse(client.get(links["application/atom+xml"][0][1]).data)
    assert [entry.title for entry in feed.entries] == ["Baumschnittkurs"]


def test_a_search_with_markup_stays_text_in_the_link_title(client):
    page = client.get('/?q="><script>alert(1)</script>')

    assert "<script>alert(1)</script>" not in page.text
    title = alternates(page.text)["application/atom+xml"][0][0]
    assert title.startswith('Suche: "><script>alert(1)</script>')
