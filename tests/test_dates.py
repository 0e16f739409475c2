"""Dates as each reader's language writes them, always in Berlin's wall time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import render_template_string
from flask_babel import force_locale

from board.extensions import db
from board.posts.models import PostKind
from tests import factories

WINTER = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # 14:00 in Berlin (CET, UTC+1)
SUMMER = datetime(2026, 7, 5, 7, 5, tzinfo=UTC)  # 09:05 in Berlin (CEST, UTC+2)
NNBSP = "\u202f"  # CLDR's narrow no-break space before AM/PM

STYLES = [
    # style, German winter, German summer, English winter, English summer
    (
        "date_time",
        "25. November 2026, 14:00",
        "5. Juli 2026, 09:05",
        f"November 25, 2026, 2:00{NNBSP}PM",
        f"July 5, 2026, 9:05{NNBSP}AM",
    ),
    (
        "weekday_date_time",
        "Mittwoch, 25. November 2026, 14:00",
        "Sonntag, 5. Juli 2026, 09:05",
        f"Wednesday, November 25, 2026, 2:00{NNBSP}PM",
        f"Sunday, July 5, 2026, 9:05{NNBSP}AM",
    ),
    ("short_date", "25. Nov. 2026", "5. Juli 2026", "Nov 25, 2026", "Jul 5, 2026"),
    (
        "short_date_time",
        "25. Nov. 2026, 14:00",
        "5. Juli 2026, 09:05",
        f"Nov 25, 2026, 2:00{NNBSP}PM",
        f"Jul 5, 2026, 9:05{NNBSP}AM",
    ),
    (
        "weekday_day_month_time",
        "Mi., 25. Nov., 14:00",
        "So., 5. Juli, 09:05",
        f"Wed, Nov 25, 2:00{NNBSP}PM",
        f"Sun, Jul 5, 9:05{NNBSP}AM",
    ),
    (
        "numeric_weekday_time",
        "Mi., 25.11., 14:00",
        "So., 5.7., 09:05",
        f"Wed, 11/25, 2:00{NNBSP}PM",
        f"Sun, 7/5, 9:05{NNBSP}AM",
    ),
    ("day_month", "25.11.", "05.07.", "11/25", "7/5"),
    ("numeric_date", "25.11.2026", "05.07.2026", "11/25/2026", "7/5/2026"),
    ("time", "14:00", "09:05", f"2:00{NNBSP}PM", f"9:05{NNBSP}AM"),
]


def rendered(moment: datetime | None, style: str, locale: str) -> str:
    with force_locale(locale):
        return render_template_string("{{ moment|berlin(style) }}", moment=moment, style=style)


@pytest.mark.parametrize(("style", "de_winter", "de_summer", "en_winter", "en_summer"), STYLES)
def test_each_style_reads_right_in_german_and_english(
    app, style, de_winter, de_summer, en_winter, en_summer
):
    with app.test_request_context():
        assert rendered(WINTER, style, "de") == de_winter
        assert rendered(SUMMER, style, "de") == de_summer
        assert rendered(WINTER, style, "en") == en_winter
        assert rendered(SUMMER, style, "en") == en_summer


def test_a_late_evening_in_utc_is_the_next_day_in_berlin(app):
    with app.test_request_context():
        assert rendered(datetime(2026, 11, 25, 23, 30, tzinfo=UTC), "date_time", "de") == (
            "26. November 2026, 00:30"
        )


def test_no_moment_renders_as_nothing(app):
    with app.test_request_context():
        assert rendered(None, "date_time", "de") == ""


@pytest.mark.parametrize("style", ["medium", "d. MMM yyyy", "datetime"])
def test_an_unknown_style_fails_the_page(app, style):
    with app.test_request_context(), pytest.raises(KeyError):
        rendered(WINTER, style, "de")


def test_an_english_reader_sees_an_event_in_english_order(client):
    post = factories.post(
        title="Apfelfest",
        kind=PostKind.EVENT,
        category=factories.category("veranstaltungen", "Veranstaltungen", "Events"),
        event_start_at=WINTER,
        event_end_at=datetime(2026, 11, 25, 16, 30, tzinfo=UTC),
    )
    db.session.commit()

    english = client.get(f"/posts/{post.id}", headers={"Accept-Language": "en"}).text
    german = client.get(f"/posts/{post.id}", headers={"Accept-Language": "de"}).text

    assert f"Wednesday, November 25, 2026, 2:00{NNBSP}PM – 5:30{NNBSP}PM" in english
    assert "25. November" not in english
    assert "Mittwoch, 25. November 2026, 14:00 – 17:30" in german
