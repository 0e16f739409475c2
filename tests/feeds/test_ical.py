"""The events calendar: what a resident's phone calendar subscribes to at /feeds/events.ics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from board.posts.models import PostKind
from board.posts.status import PostStatus
from board.timeutil import BERLIN, utcnow
from tests import factories
from tests.conftest import BASE_URL

from .conftest import POSTER_EMAIL

SUMMER = datetime(2030, 7, 13, 10, 0, tzinfo=BERLIN)  # CEST, UTC+2
WINTER = datetime(2031, 1, 18, 10, 0, tzinfo=BERLIN)  # CET, UTC+1


def read_calendar(client, url: str = "/feeds/events.ics") -> icalendar.Calendar:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.data)


def summaries(calendar: icalendar.Calendar) -> list[str]:
    return [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]


@pytest.fixture
def event(new_post):
    def make(title: str = "Sommerfest", start: datetime = SUMMER, **fields):
        return new_post(title=title, kind=PostKind.EVENT, event_start_at=start, **fields)

    return make


def test_the_calendar_describes_itself_and_its_time_zone(client, event):
    event()

    calendar = read_calendar(client)

    assert calendar["VERSION"] == "2.0"
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert "Schwarzes Brett" in calendar["PRODID"]
    assert calendar["X-WR-CALNAME"] == "Veranstaltungen · Schwarzes Brett Neumarkt i.d.OPf."
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_an_event_has_a_stable_uid_a_utc_stamp_and_what_the_board_shows(
    client, event, districts, categories
):
    published = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    post = event(
        title="Sommerfest im Pfarrgarten",
        body="Mit Kaffee und Kuchen.\nEintritt frei.",
        start=SUMMER,
        event_end_at=SUMMER + timedelta(hours=5),
        district=districts["woffenbach"],
        category=categories["veranstaltungen"],
        published_at=published,
    )

    (entry,) = read_calendar(client).walk("VEVENT")

    assert entry["UID"] == f"post-{post.id}@board.test"
    assert entry.decoded("DTSTAMP") == published
    assert entry["DTSTAMP"].to_ical() == b"20260601T120000Z"
    assert entry["SUMMARY"] == "Sommerfest im Pfarrgarten"
    assert entry["DESCRIPTION"] == "Mit Kaffee und Kuchen.\nEintritt frei."
    assert entry["URL"] == f"{BASE_URL}/posts/{post.id}"
    assert entry["LOCATION"] == "Woffenbach"
    assert entry["CATEGORIES"].cats == ["Veranstaltungen"]
    assert entry.decoded("DTEND") - entry.decoded("DTSTART") == timedelta(hours=5)
    # The same calendar twice is the same bytes (a subscribed app sees nothing changed).
    assert client.get("/feeds/events.ics").data == client.get("/feeds/events.ics").data


@pytest.mark.parametrize(
    ("start", "utc_hour", "local"),
    [(SUMMER, 8, b"20300713T100000"), (WINTER, 9, b"20310118T100000")],
    ids=["summer time", "winter time"],
)
def test_times_are_berlin_time_in_summer_and_winter(client, event, start, utc_hour, local):
    event(start=start, event_end_at=start + timedelta(hours=2))

    response = client.get("/feeds/events.ics")
    (entry,) = icalendar.Calendar.from_ical(response.data).walk("VEVENT")

    assert b"DTSTART;TZID=Europe/Berlin:" + local in response.data
    assert entry["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert entry["DTEND"].params["TZID"] == "Europe/Berlin"
    assert entry.decoded("DTSTART").astimezone(UTC).hour == utc_hour
    assert entry.decoded("DTEND").astimezone(UTC).hour == utc_hour + 2


def test_an_event_without_an_end_has_only_a_start(client, event):
    event(start=SUMMER)

    (entry,) = read_calendar(client).walk("VEVENT")

    assert "DTEND" not in entry
    assert entry.decoded("DTSTART") == SUMMER


def test_only_dated_events_are_in_the_calendar_soonest_first(client, event, new_post):
    event(title="Herbstmarkt", start=SUMMER + timedelta(days=60))
    event(title="Sommerfest", start=SUMMER)
    new_post(title="Kinderwagen zu verschenken", kind=PostKind.OFFER)
    new_post(title="Termin folgt", kind=PostKind.EVENT)

    assert summaries(read_calendar(client)) == ["Sommerfest", "Herbstmarkt"]


@pytest.mark.parametrize(
    "status",
    [PostStatus.DRAFT, PostStatus.PENDING, PostStatus.HIDDEN, PostStatus.REJECTED],
)
def test_events_that_are_not_public_never_appear(client, event, status):
    event(title="Öffentlich")
    event(title="Nicht öffentlich", status=status)

    assert summaries(read_calendar(client)) == ["Öffentlich"]


def test_an_expired_event_post_is_gone_even_before_a_job_marks_it(client, event):
    event(title="Öffentlich")
    event(title="Abgelaufen", expires_at=utcnow() - timedelta(minutes=1))

    assert summaries(read_calendar(client)) == ["Öffentlich"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=verleihen", ["Werkzeugtausch"]),
        ("district=poelling", ["Seniorennachmittag"]),
        ("q=werkzeug", ["Werkzeugtausch"]),
        ("kind=offer", ["Werkzeugtausch", "Seniorennachmittag"]),  # a calendar is events
    ],
)
def test_the_board_filters_apply(client, event, categories, districts, query, expected):
    event(title="Werkzeugtausch", category=categories["verleihen"], start=SUMMER)
    event(
        title="Seniorennachmittag",
        district=districts["pölling"],
        start=SUMMER + timedelta(days=1),
    )

    assert summaries(read_calendar(client, f"/feeds/events.ics?{query}")) == expected


def test_the_calendar_name_says_what_is_filtered(client, event, districts):
    calendar = read_calendar(client, "/feeds/events.ics?district=woffenbach&kind=offer")

    assert (
        calendar["X-WR-CALNAME"]
        == "Veranstaltungen · Woffenbach · Schwarzes Brett Neumarkt i.d.OPf."
    )


def test_an_organisations_calendar_and_an_unknown_one(client, event):
    verein = factories.organisation(name="Obst- und Gartenbauverein")
    event(title="Baumschnittkurs", organisation=verein)
    event(title="Sommerfest", start=SUMMER + timedelta(days=1))

    assert summaries(read_calendar(client, f"/feeds/events.ics?organisation={verein.slug}")) == [
        "Baumschnittkurs"
    ]
    assert client.get("/feeds/events.ics?organisation=gibt-es-nicht").status_code == 404


@pytest.mark.parametrize(
    "query", ["kind=bogus", "category=%00", "district=x", "page=-5", "q=%00", "q=%20"]
)
def test_invalid_filter_values_are_ignored(client, event, query):
    event()

    assert summaries(read_calendar(client, f"/feeds/events.ics?{query}")) == ["Sommerfest"]


@pytest.mark.parametrize("query", ["q=" + "ü" * 3000, "q=%ED%A0%80", "q=%25_%5C"])
def test_odd_search_text_finds_nothing_but_never_fails(client, event, query):
    event()

    assert summaries(read_calendar(client, f"/feeds/events.ics?{query}")) == []


def test_nasty_titles_keep_the_calendar_valid(client, event):
    title = "Fest; mit, Komma\\ <script>&\x0cFF\x1b 🎉"
    event(title=title, body="Zeile 1\r\nZeile 2\x07\nEND:VCALENDAR\nBEGIN:VEVENT")

    response = client.get("/feeds/events.ics")
    calendar = icalendar.Calendar.from_ical(response.data)
    (entry,) = calendar.walk("VEVENT")

    assert entry["SUMMARY"] == "Fest; mit, Komma\\ <script>&FF 🎉"
    assert entry["DESCRIPTION"] == "Zeile 1\nZeile 2\nEND:VCALENDAR\nBEGIN:VEVENT"
    assert len(calendar.walk("VEVENT")) == 1  # the text could not start a component of its own
    assert not any(0 < byte < 32 and byte not in (9, 10, 13) for byte in response.data)


def test_lines_end_in_crlf_and_are_folded_at_75_octets(client, event):
    event(title="Sommerfest " * 10, body="Lang " * 200)

    data = client.get("/feeds/events.ics").data

    lines = data.split(b"\r\n")
    assert lines[-1] == b""
    assert b"\n" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 75


def test_no_e_mail_address_is_in_the_calendar(client, event):
    verein = factories.organisation(name="Obst- und Gartenbauverein")
    event(organisation=verein)

    data = client.get("/feeds/events.ics").data

    assert POSTER_EMAIL.encode() not in data
    assert b"@example" not in data
