"""Helpers for the subscription tests: a town with categories and districts, jobs run the way
the scheduler runs them (with the real outbox and SMTP), links taken from real mails."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from board.extensions import db
from board.mail.jobs import send_outbox
from board.scheduler import Job, run_job
from board.subscriptions.jobs import send_subscription_digests
from board.subscriptions.models import Subscription
from tests import factories
from tests.conftest import Mailbox, body_of, links_in, local

# A Wednesday, 10:00 in Berlin (winter time, UTC+1): the day's digest time (18:00) lies ahead.
WEDNESDAY_MORNING = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WEDNESDAY_EVENING = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)  # 18:30 in Berlin

DIGESTS = Job("send_subscription_digests", send_subscription_digests)
OUTBOX = Job("send_outbox", send_outbox)


@pytest.fixture
def town(app: Flask, clock) -> None:
    """The categories and districts the board's filters offer, at a fixed Wednesday morning."""
    clock.set(WEDNESDAY_MORNING)
    factories.category("verschenken", "Verschenken", "Give away")
    factories.category("moebel", "Möbel", "Furniture")
    factories.district("woffenbach", "Woffenbach")
    factories.district("altstadt", "Altstadt")
    db.session.commit()


def run_digests(app: Flask, now: datetime) -> str:
    """The digest job, then the outbox, as `run-jobs` runs them; returns the digest's result."""
    result = run_job(app, DIGESTS, now=now)
    run_job(app, OUTBOX, now=now)
    return result


def stored_subscriptions() -> list[Subscription]:
    db.session.rollback()
    rows = list(db.session.scalars(select(Subscription).order_by(Subscription.id)))
    db.session.rollback()
    return rows


def subscription_count() -> int:
    db.session.rollback()
    count = db.session.scalar(select(func.count(Subscription.id))) or 0
    db.session.rollback()
    return count


def link_containing(mailbox: Mailbox, address: str, part: str) -> str:
    found = [link for link in links_in(mailbox.last_to(address)) if part in link]
    assert found, body_of(mailbox.last_to(address))
    return local(found[0])
