"""The digest job: when a subscription is due, what a mail lists, and that it goes out once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from board.extensions import db
from board.mail.models import MailStatus, OutboxMail
from board.subscriptions import services
from board.subscriptions.jobs import claim, last_digest_time
from board.subscriptions.models import Frequency, Subscription
from tests import factories
from tests.conftest import body_of, free_port
from tests.subscriptions.conftest import (
    DIGESTS,
    WEDNESDAY_EVENING,
    WEDNESDAY_MORNING,
    run_digests,
    stored_subscriptions,
)

ANNA = "anna@example.org"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("frequency", "now", "expected"),
    [
        # Winter (UTC+1): 18:00 Berlin is 17:00 UTC.
        (Frequency.DAILY, utc(2026, 11, 25, 16, 59), utc(2026, 11, 24, 17, 0)),
        (Frequency.DAILY, utc(2026, 11, 25, 17, 0), utc(2026, 11, 25, 17, 0)),
        (Frequency.DAILY, utc(2026, 11, 25, 23, 30), utc(2026, 11, 25, 17, 0)),  # 00:30 Berlin
        # Summer (UTC+2): 16:00 UTC.
        (Frequency.DAILY, utc(2026, 7, 1, 16, 0), utc(2026, 7, 1, 16, 0)),
        # The day the clocks go back (25 October 2026): still 18:00 on the wall.
        (Frequency.DAILY, utc(2026, 10, 25, 18, 0), utc(2026, 10, 25, 17, 0)),
        # Weekly: Mondays. 23 November 2026 is a Monday.
        (Frequency.WEEKLY, utc(2026, 11, 25, 17, 30), utc(2026, 11, 23, 17, 0)),
        (Frequency.WEEKLY, utc(2026, 11, 23, 16, 59), utc(2026, 11, 16, 17, 0)),
        (Frequency.WEEKLY, utc(2026, 11, 23, 17, 0), utc(2026, 11, 23, 17, 0)),
    ],
)
def test_digests_are_due_at_18_berlin_daily_or_on_mondays(frequency, now, expected):
    assert last_digest_time(frequency, now) == expected


@pytest.fixture
def anna(app, town):
    made = factories.user(email=ANNA, password=None)
    db.session.commit()
    return made


def subscribe(user, frequency=Frequency.DAILY, **watch):
    subscription, _ = services.subscribe(
        user, services.Watch(**watch), frequency, WEDNESDAY_MORNING
    )
    db.session.commit()
    return subscription


def test_a_weekly_subscription_waits_for_monday(app, mailbox, anna):
    subscribe(anna, Frequency.WEEKLY)
    factories.post("Sofa", published_at=WEDNESDAY_MORNING + timedelta(hours=1))
    db.session.commit()
    assert run_digests(app, WEDNESDAY_EVENING) == "0 digests"
    assert run_digests(app, WEDNESDAY_EVENING + timedelta(days=4)) == "0 digests"  # Sunday
    monday = WEDNESDAY_EVENING + timedelta(days=5)
    assert run_digests(app, monday) == "1 digests"
    assert "Sofa" in body_of(mailbox.last_to(ANNA))
    assert "montags" in body_of(mailbox.last_to(ANNA))


def test_nothing_new_means_no_mail_and_the_watermark_moves_on(app, mailbox, anna):
    subscribe(anna, q="klavier")
    factories.post("Sofa", published_at=WEDNESDAY_MORNING + timedelta(hours=1))
    db.session.commit()
    assert run_digests(app, WEDNESDAY_EVENING) == "0 digests"
    assert mailbox.sent_to(ANNA) == []
    assert stored_subscriptions()[0].sent_until == WEDNESDAY_EVENING


def test_a_long_digest_lists_twenty_and_links_to_the_rest(app, mailbox, anna):
    subscribe(anna, q="stuhl")
    for number in range(23):
        factories.post(
            f"Stuhl Nummer {number:02d}",
            published_at=WEDNESDAY_MORNING + timedelta(minutes=number + 1),
        )
    db.session.commit()
    run_digests(app, WEDNESDAY_EVENING)
    mail = mailbox.last_to(ANNA)
    text = body_of(mail)
    assert "23 Beiträge" in mail["Subject"]
    assert "Stuhl Nummer 22" in text  # newest first
    assert "Stuhl Nummer 03" in text
    assert "Stuhl Nummer 02" not in text
    assert "und 3 weitere Beiträge" in text
    assert "http://board.test/?q=stuhl" in text


def test_the_mail_is_in_the_subscribers_language(app, mailbox, anna):
    anna.locale = "en"
    subscribe(anna, kind=None, category=factories.category("verschenken"))
    factories.post("Sofa", published_at=WEDNESDAY_MORNING + timedelta(hours=1))
    db.session.commit()
    run_digests(app, WEDNESDAY_EVENING)
    mail = mailbox.last_to(ANNA)
    assert mail["Content-Language"] == "en"


def test_a_watermark_claimed_by_another_run_is_not_claimed_again(app, anna):
    subscription = subscribe(anna)
    old = subscription.sent_until
    assert claim(subscription.id, old, WEDNESDAY_EVENING)
    # A second process that read the same old watermark before the first one committed.
    assert not claim(subscription.id, old, WEDNESDAY_EVENING + timedelta(seconds=1))
    db.session.commit()
    assert stored_subscriptions()[0].sent_until == WEDNESDAY_EVENING


def test_two_runs_send_one_mail(app, mailbox, anna):
    from board.scheduler import run_job

    subscribe(anna)
    factories.post("Sofa", published_at=WEDNESDAY_MORNING + timedelta(hours=1))
    db.session.commit()
    results = [run_job(app, DIGESTS, now=WEDNESDAY_EVENING) for _ in range(2)]
    assert results == ["1 digests", "0 digests"]
    db.session.rollback()
    assert db.session.query(OutboxMail).filter_by(template="subscription_digest").count() == 1


def test_with_smtp_down_the_digest_waits_in_the_outbox(app, mailbox, anna):
    subscribe(anna)
    factories.post("Sofa", published_at=WEDNESDAY_MORNING + timedelta(hours=1))
    db.session.commit()
    app.config["MAIL_PORT"] = free_port()  # nobody listens there
    assert run_digests(app, WEDNESDAY_EVENING) == "1 digests"
    db.session.rollback()
    mail = db.session.query(OutboxMail).filter_by(template="subscription_digest").one()
    assert mail.status is MailStatus.QUEUED
    assert mail.list_unsubscribe and "/subscriptions/one-click/" in mail.list_unsubscribe
    assert mailbox.sent_to(ANNA) == []


def test_a_deleted_category_takes_its_subscriptions_along(app, anna):
    category = factories.category("moebel")
    subscribe(anna, category=category)
    db.session.delete(category)
    db.session.commit()
    assert db.session.query(Subscription).count() == 0
