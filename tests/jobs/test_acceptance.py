"""Issue 4's acceptance, as one story with the clock in the test's hand.

Petra gives away a child's bike; the town hall plans a road closure notice. Days pass: the notice
appears at its time, Petra is reminded once, renews with one tap, the post leaves the board on
time without any job, the job marks it expired once, and months later nothing personal is left.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from board.extensions import db
from board.organisations.models import OrganisationKind
from board.posts import services
from board.posts.models import Post
from board.posts.status import PostStatus
from board.scheduler import run_all_due
from board.timeutil import BERLIN
from tests import factories
from tests.conftest import links_in, local
from tests.jobs.conftest import DAY, POSTER_EMAIL, fresh, log_in_as
from tests.posts.conftest import offer

BIKE = "Kinderfahrrad zu verschenken"
CLOSURE = "Straßensperrung Hauptstraße"


def every_job(app, now) -> dict[str, str]:
    """What cron's `flask run-jobs` does at `now`."""
    db.session.commit()
    results = run_all_due(app, now)
    db.session.expire_all()
    assert not [job for job, result in results.items() if result.startswith("failed")], results
    return results


def the_post(title: str) -> Post:
    post = db.session.scalar(select(Post).where(Post.title == title))
    assert post is not None
    return post


def test_posts_keep_the_board_fresh_by_themselves(
    app, client, other_client, mailbox, clock, poster, categories
):
    start = clock.set(clock.now.replace(second=0))
    visitor = client
    petra = other_client
    log_in_as(petra, poster)
    clerk_browser = app.test_client()
    clerk = factories.user(email="rathaus@example.org", password=None)
    factories.organisation("Gemeinde", OrganisationKind.ADMINISTRATION, members=(clerk,))
    log_in_as(clerk_browser, clerk)

    # Petra gives a bike away; it stays the offers' 30 days.
    petra.submit("/posts/new", offer(categories["verschenken"], title=BIKE))
    bike = the_post(BIKE)
    assert bike.expires_at == start + 30 * DAY
    assert BIKE in visitor.get("/").text

    # The town hall plans its notice for the day after tomorrow, 7 o'clock.
    appears = (start + 2 * DAY).astimezone(BERLIN).replace(hour=7, minute=0)
    clerk_browser.submit(
        "/posts/new",
        offer(
            categories["verschenken"],
            kind="notice",
            title=CLOSURE,
            body="Wegen Kanalarbeiten ist die Hauptstraße von 7 bis 18 Uhr gesperrt.",
            publish_at=appears.strftime("%Y-%m-%dT%H:%M"),
        ),
    )
    closure = the_post(CLOSURE)
    assert closure.status is PostStatus.SCHEDULED
    assert CLOSURE not in visitor.get("/").text

    # It appears at its time, before any job has run.
    clock.set(appears - timedelta(minutes=1))
    assert CLOSURE not in visitor.get("/").text
    clock.set(appears)
    assert CLOSURE in visitor.get("/").text
    assert fresh(closure).status is PostStatus.SCHEDULED
    assert every_job(app, clock.now)["publish_scheduled"] == "1 published"
    assert every_job(app, clock.advance(minutes=1))["publish_scheduled"] == "0 published"
    assert CLOSURE in visitor.get("/").text

    # Three days before the bike's time is up, Petra is reminded, once.
    assert every_job(app, start + 27 * DAY - timedelta(minutes=1))["send_reminders"] == (
        "0 reminders"
    )
    assert mailbox.sent_to(POSTER_EMAIL) == []
    every_job(app, clock.set(start + 27 * DAY))
    every_job(app, clock.advance(minutes=15))
    [reminder] = mailbox.sent_to(POSTER_EMAIL)
    assert BIKE in str(reminder["Subject"])

    # One tap on the mailed link renews the bike, once.
    renew = next(local(link) for link in links_in(reminder) if "/renew/" in link)
    form = {"csrf_token": visitor.csrf_token(renew)}  # the link works without logging in
    renewed_at = clock.advance(hours=3)
    visitor.post(renew, data=form)
    visitor.post(renew, data=form)
    assert fresh(bike).expires_at == renewed_at + 30 * DAY
    assert fresh(bike).renew_count == 1
    assert "schon benutzt" in visitor.get(renew).text
    until = fresh(bike).expires_at

    # The new lifetime brings a new reminder, and the bike leaves on time without any job.
    every_job(app, until - 3 * DAY)
    assert len(mailbox.sent_to(POSTER_EMAIL)) == 2
    clock.set(until - timedelta(seconds=1))
    assert BIKE in visitor.get("/").text
    clock.set(until)
    for page in ("/", "/api/v1/posts", "/feeds/posts.atom", "/embed"):
        assert BIKE not in visitor.get(page).text, page
    assert visitor.get(f"/posts/{bike.id}").status_code == 404
    assert fresh(bike).status is PostStatus.PUBLISHED  # nothing ran: only time passed

    # The expiry job marks it expired, once; Petra can still renew it for a while.
    assert every_job(app, until + timedelta(minutes=1))["expire_posts"] == "1 expired"
    assert every_job(app, until + timedelta(minutes=2))["expire_posts"] == "0 expired"
    assert fresh(bike).status is PostStatus.EXPIRED
    assert fresh(bike).status_changed_at == until + timedelta(minutes=1)
    assert BIKE in petra.get("/account").text

    # Months later the purge leaves only what the town counts.
    with app.test_request_context():
        manage = local(services.manage_url(fresh(bike)))
    clock.set(until + timedelta(minutes=1) + (app.config["PURGE_AFTER_DAYS"] + 1) * DAY)
    every_job(app, clock.now)
    purged = db.session.get(Post, bike.id)
    assert purged is not None
    assert (purged.title, purged.body, purged.search_text, purged.author_id) == ("", "", "", None)
    assert (purged.kind.value, purged.category_id) == ("offer", categories["verschenken"].id)
    assert BIKE not in petra.get("/account").text
    assert visitor.get(manage).status_code == 404
    assert not re.search("Kinderfahrrad", repr(purged.__dict__))
