"""The reminder on a phone: the mail comes a few days before a post leaves the board, one tap on
its link keeps the post for another lifetime, and the same link opened again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from board.extensions import db
from board.posts.models import Post
from board.posts.status import PostStatus
from board.scheduler import all_jobs, run_job
from board.site import berlin_datetime
from board.timeutil import utcnow
from tests import factories
from tests.conftest import Mailbox, links_in, wait_for
from tests.e2e.conftest import scroll_width

AUTHOR = "petra.poster@example.org"


@pytest.fixture
def old_offer(app: Flask) -> Post:
    """An offer put up 28 days ago: two days of its 30 are left."""
    author = factories.user(email=AUTHOR, password=None)
    post = factories.post(
        title="Kinderwagen zu verschenken",
        body="Gut erhalten, abzuholen in Woffenbach.",
        author=author,
        published_at=utcnow() - timedelta(days=28),
        expires_at=utcnow() + timedelta(days=2),
    )
    db.session.commit()
    return post


def reminder_links(app: Flask, mailbox: Mailbox, live_server: str) -> dict[str, str]:
    """Run the reminder and mail jobs as the scheduler does; the links in the mail that came."""
    for job in all_jobs():
        if job.id in ("send_reminders", "send_outbox"):
            run_job(app, job)
    mail = wait_for(lambda: mailbox.sent_to(AUTHOR) and mailbox.last_to(AUTHOR))
    assert "läuft bald ab" in str(mail["Subject"])
    links = [link for link in links_in(mail) if link.startswith(live_server)]
    return {
        "renew": next(link for link in links if "/renew/" in link),
        "close": next(link for link in links if "/close/" in link),
    }


@dataclass(frozen=True)
class Stored:
    status: PostStatus
    renew_count: int
    expires_at: datetime


def stored(post: Post) -> Stored:
    """What the database holds now; the read ends at once, so the server may write (SQLite)."""
    db.session.expire_all()
    found = db.session.get(Post, post.id)
    assert found is not None
    facts = Stored(found.status, found.renew_count, found.expires_at)
    db.session.rollback()
    return facts


def test_the_author_renews_from_the_reminder_with_one_tap_and_a_second_visit_changes_nothing(
    app: Flask, phone: Any, browser: Any, mailbox: Mailbox, live_server: str, old_offer: Post
) -> None:
    links = reminder_links(app, mailbox, live_server)

    phone.goto(links["renew"])
    assert phone.get_by_role("heading", level=1).inner_text() == "Beitrag verlängern"
    assert "Kinderwagen zu verschenken" in phone.locator("main").inner_text()
    assert stored(old_offer).renew_count == 0  # opening the link is not renewing
    phone.get_by_role("button", name="Verlängern").tap()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Beitrag verlängert")
    renewed = stored(old_offer)
    until = berlin_datetime(renewed.expires_at, "date_time")
    assert f"Ihr Beitrag ist verlängert bis {until}." in phone.locator("main").inner_text()
    assert renewed.renew_count == 1
    assert renewed.expires_at - utcnow() > timedelta(days=29)

    phone.goto(links["renew"])
    assert phone.get_by_role("heading", level=1).inner_text() == "Schon verlängert"
    assert f"bereits verlängert und steht bis {until}" in phone.locator("main").inner_text()
    assert phone.get_by_role("button", name="Verlängern").count() == 0
    assert stored(old_offer).renew_count == 1
    assert stored(old_offer).expires_at == renewed.expires_at

    widths = scroll_width(browser, live_server, [links["renew"].removeprefix(live_server)])
    assert all(width <= 360 for width in widths.values()), widths


def test_the_author_says_erledigt_from_the_reminder_and_the_post_leaves_the_board(
    app: Flask, phone: Any, mailbox: Mailbox, live_server: str, old_offer: Post
) -> None:
    links = reminder_links(app, mailbox, live_server)

    phone.goto(links["close"])
    phone.get_by_role("button", name="Erledigt").tap()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Erledigt – danke!")
    assert stored(old_offer).status is PostStatus.CLOSED
    phone.goto("/")
    assert "Kinderwagen zu verschenken" not in phone.locator("main").inner_text()
    phone.goto(links["close"])
    assert phone.get_by_role("heading", level=1).inner_text() == "Schon erledigt"
