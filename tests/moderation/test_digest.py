"""The moderators' summary mail: once per rhythm, never for an empty queue, and late is fine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from board.extensions import db
from board.mail.models import OutboxMail
from board.moderation.digest import digest_due, send_digest_if_due
from board.moderation.queries import QueueCounts
from board.posts.status import PostStatus

pytestmark = pytest.mark.usefixtures("in_request")

# 25 Nov 2026, Berlin is UTC+1: 07:00 Berlin is 06:00 UTC.
BEFORE_SEVEN = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)
AFTER_SEVEN = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)
WAITING = QueueCounts(pending=2, oldest_waiting_since=datetime(2026, 11, 24, 20, 0, tzinfo=UTC))


def config(**changes):
    return {
        "MODERATION_DIGEST": "daily",
        "MODERATION_DIGEST_HOUR": 7,
        "MODERATION_DIGEST_STALE_HOURS": 12,
        **changes,
    }


def test_daily_summary_goes_out_after_seven_berlin_time_once_a_day():
    assert not digest_due(config(), WAITING, None, BEFORE_SEVEN)
    assert digest_due(config(), WAITING, None, AFTER_SEVEN)
    assert not digest_due(config(), WAITING, AFTER_SEVEN, AFTER_SEVEN + timedelta(hours=5))
    assert digest_due(config(), WAITING, AFTER_SEVEN, AFTER_SEVEN + timedelta(days=1))


def test_in_summer_seven_oclock_is_five_utc():
    summer = datetime(2026, 7, 1, 5, 5, tzinfo=UTC)
    assert digest_due(config(), WAITING, None, summer)


def test_a_scheduler_that_was_down_all_morning_still_sends_todays_summary_once():
    late = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    yesterday = AFTER_SEVEN - timedelta(days=1)
    assert digest_due(config(), WAITING, yesterday, late)
    assert not digest_due(config(), WAITING, late, late + timedelta(minutes=1))


def test_no_summary_for_an_empty_queue_or_when_switched_off():
    assert not digest_due(config(), QueueCounts(), None, AFTER_SEVEN)
    assert not digest_due(config(MODERATION_DIGEST="off"), WAITING, None, AFTER_SEVEN)


def test_stale_summary_only_when_something_waited_too_long():
    stale = config(MODERATION_DIGEST="stale")
    fresh = QueueCounts(pending=1, oldest_waiting_since=AFTER_SEVEN - timedelta(hours=2))
    assert not digest_due(stale, fresh, None, AFTER_SEVEN)
    old = QueueCounts(pending=1, oldest_waiting_since=AFTER_SEVEN - timedelta(hours=13))
    assert digest_due(stale, old, None, AFTER_SEVEN)
    assert not digest_due(stale, old, AFTER_SEVEN - timedelta(hours=1), AFTER_SEVEN)


def test_every_moderator_gets_the_summary_in_their_language(
    app, waiting_post, moderator, second_moderator, admin, resident
):
    second_moderator.locale = "en"
    waiting_post()
    now = datetime.now(UTC).replace(hour=12)
    assert send_digest_if_due(now) == 3
    db.session.commit()
    assert send_digest_if_due(now + timedelta(minutes=1)) == 0  # the job runs every minute

    mails = db.session.scalars(select(OutboxMail).order_by(OutboxMail.to_address)).all()
    assert sorted(m.to_address for m in mails) == sorted(
        [moderator.email, second_moderator.email, admin.email]
    )
    german = next(m for m in mails if m.to_address == moderator.email)
    assert "Zur Freigabe: 1" in german.body_text
    assert "http://board.test/moderation" in german.body_text
    assert next(m for m in mails if m.to_address == second_moderator.email).locale == "en"


def test_a_suspended_moderator_gets_no_summary(app, waiting_post, moderator, second_moderator):
    second_moderator.is_suspended = True
    waiting_post(status=PostStatus.PENDING)
    assert send_digest_if_due(datetime.now(UTC).replace(hour=12)) == 1
