"""An iCalendar document (RFC 5545) of event posts, in Europe/Berlin time."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from urllib.parse import urlsplit

import icalendar
from flask import current_app, url_for

from board.posts.models import Post
from board.security import external_url
from board.timeutil import BERLIN

MEDIA_TYPE = "text/calendar; charset=utf-8"
REFRESH = timedelta(hours=1)  # how often subscribed calendar apps should look again

# RFC 5545 text allows no control characters but the tab (line breaks are written as \n).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def ical_text(text: str) -> str:
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def build_calendar(name: str, posts: list[Post], locale: str) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{ical_text(current_app.config['TOWN_NAME'])}//Schwarzes Brett//DE")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", ical_text(name))
    calendar.add("x-wr-calname", ical_text(name))
    calendar.add("x-wr-timezone", "Europe/Berlin")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH).to_ical().decode())
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    for post in posts:
        calendar.add_component(_event(post, host, locale))
    calendar.add_missing_timezones()  # the VTIMEZONE for Europe/Berlin that TZID refers to
    return calendar.to_ical()


def _event(post: Post, host: str, locale: str) -> icalendar.Event:
    assert post.event_start_at is not None  # calendar_posts selects only dated events
    event = icalendar.Event()
    event.add("uid", f"post-{post.id}@{host}")
    # When the post went up (what the board shows), so a calendar is the same bytes until it
    # changes, and its ETag can say so.
    event.add("dtstamp", (post.published_at or post.expires_at).astimezone(UTC))
    event.add("dtstart", post.event_start_at.astimezone(BERLIN))
    if post.event_end_at and post.event_end_at > post.event_start_at:
        event.add("dtend", post.event_end_at.astimezone(BERLIN))
    event.add("summary", ical_text(post.title))
    event.add("description", ical_text(post.body))
    event.add("url", external_url(url_for("posts.detail", post_id=post.id)))
    if post.district:
        event.add("location", ical_text(post.district.name))
    event.add("categories", [ical_text(post.category.name(locale))])
    return event
