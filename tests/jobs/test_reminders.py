"""The reminder before a post leaves the board: once per lifetime, a few days ahead, with a link
that renews it in one tap and one that marks it done; and delivered once even when the mail
server is down at the time."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest

from board.extensions import db
from board.mail.models import MailStatus
from board.posts import jobs, services
from board.posts.models import PostKind
from board.posts.status import PostStatus
from tests.conftest import body_of, free_port, links_in, local
from tests.jobs.conftest import DAY, POSTER_EMAIL, at_once, fresh, queued_mails, run

RENEW_LINK = re.compile(r"/posts/(\d+)/renew/([^/\s]+)$")
CLOSE_LINK = re.compile(r"/posts/(\d+)/close/([^/\s]+)$")


def reminders(app, now) -> str:
    """The reminder job, then the outbox, as `flask run-jobs` runs them."""
    result = run(app, "send_reminders", now)
    run(app, "send_outbox", now)
    return result


def mailed_link(message, pattern: re.Pattern[str]) -> str:
    found = [local(link) for link in links_in(message) if pattern.search(link)]
    assert len(found) == 1, links_in(message)
    return found[0]


def on_the_page(html: str) -> str:
    """The page's words without tags, in one line."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# ---------------------------------------------------------------- once, a few days ahead


def test_the_author_is_reminded_once_three_days_before_the_post_leaves(
    app, mailbox, clock, offer_in
):
    start = clock.now
    post = offer_in("Kinderwagen zu verschenken", days=30)

    assert reminders(app, start + 27 * DAY - timedelta(minutes=1)) == "0 reminders"
    assert reminders(app, start + 27 * DAY) == "1 reminders"
    assert reminders(app, start + 27 * DAY + timedelta(minutes=15)) == "0 reminders"
    assert reminders(app, start + 29 * DAY) == "0 reminders"

    [mail] = mailbox.sent_to(POSTER_EMAIL)
    assert mail["Subject"] == "Ihr Beitrag „Kinderwagen zu verschenken“ läuft bald ab"
    with app.test_request_context():
        leaves = app.jinja_env.filters["berlin"](post.expires_at, "date_time")
    assert leaves in body_of(mail)
    assert fresh(post).reminded_for == post.expires_at


def test_the_days_ahead_are_the_towns_to_choose(app, mailbox, clock, offer_in):
    app.config["REMINDER_DAYS_BEFORE"] = 7
    offer_in(days=30)

    assert reminders(app, clock.now + 22 * DAY) == "0 reminders"
    assert reminders(app, clock.now + 23 * DAY) == "1 reminders"


def test_the_reminder_carries_a_renew_link_and_a_done_link_for_this_post(
    app, mailbox, clock, offer_in
):
    post = offer_in(days=30)
    reminders(app, clock.now + 27 * DAY)
    mail = mailbox.last_to(POSTER_EMAIL)

    renew = mailed_link(mail, RENEW_LINK)
    close = mailed_link(mail, CLOSE_LINK)

    renew_id, renew_token = RENEW_LINK.search(renew).groups()  # type: ignore[union-attr]
    close_id, close_token = CLOSE_LINK.search(close).groups()  # type: ignore[union-attr]
    assert int(renew_id) == int(close_id) == post.id
    assert services.renew_token_state(fresh(post), renew_token) == "valid"
    assert services.manage_token_valid(fresh(post), close_token)


def test_the_renew_link_extends_the_post_once_without_logging_in(
    app, client, mailbox, clock, offer_in
):
    post = offer_in(days=30)
    reminders(app, clock.advance(days=27))
    renew = mailed_link(mailbox.last_to(POSTER_EMAIL), RENEW_LINK)
    old_expiry = fresh(post).expires_at

    opened = client.get(renew)  # what a mail scanner fetches, too
    assert opened.status_code == 200
    assert "Verlängern" in opened.text
    assert fresh(post).expires_at == old_expiry

    form = {"csrf_token": client.csrf_token(renew)}
    tapped_at = clock.advance(hours=2)
    pressed = client.post(renew, data=form)
    assert "Ihr Beitrag ist verlängert" in on_the_page(pressed.text)
    assert fresh(post).expires_at == tapped_at + 30 * DAY
    assert fresh(post).renew_count == 1

    clock.advance(minutes=5)
    again = client.post(renew, data=form)  # the button tapped again, or the link opened again
    assert again.status_code == 200
    assert "schon benutzt" in on_the_page(again.text)
    assert "schon benutzt" in on_the_page(client.get(renew).text)
    assert fresh(post).expires_at == tapped_at + 30 * DAY
    assert fresh(post).renew_count == 1


def test_the_done_link_takes_the_post_off_the_board_and_no_reminder_follows(
    app, client, mailbox, clock, offer_in
):
    post = offer_in("Kinderwagen zu verschenken", days=30)
    reminders(app, clock.advance(days=27))
    close = mailed_link(mailbox.last_to(POSTER_EMAIL), CLOSE_LINK)

    assert "Erledigt" in client.get(close).text
    client.submit(close, {})

    assert fresh(post).status is PostStatus.CLOSED
    assert "Kinderwagen zu verschenken" not in client.get("/").text
    assert reminders(app, clock.advance(days=1)) == "0 reminders"


def test_after_a_renewal_the_next_reminder_comes_for_the_new_expiry(
    app, client, mailbox, clock, offer_in
):
    post = offer_in(days=30)
    reminders(app, clock.advance(days=27))
    client.submit(mailed_link(mailbox.last_to(POSTER_EMAIL), RENEW_LINK), {})
    new_expiry = fresh(post).expires_at

    assert reminders(app, clock.advance(hours=1)) == "0 reminders"
    assert reminders(app, new_expiry - 3 * DAY - timedelta(minutes=1)) == "0 reminders"
    assert reminders(app, new_expiry - 3 * DAY) == "1 reminders"
    assert reminders(app, new_expiry - 2 * DAY) == "0 reminders"

    first, second = mailbox.sent_to(POSTER_EMAIL)
    assert RENEW_LINK.search(mailed_link(first, RENEW_LINK))
    assert mailed_link(second, RENEW_LINK) != mailed_link(first, RENEW_LINK)
    assert fresh(post).reminded_for == new_expiry


def test_the_last_possible_lifetime_is_reminded_without_a_renew_link(app, mailbox, clock, offer_in):
    app.config["MAX_RENEWALS"] = 2
    offer_in(days=30, renew_count=2)

    assert reminders(app, clock.now + 27 * DAY) == "1 reminders"

    mail = mailbox.last_to(POSTER_EMAIL)
    assert not [link for link in links_in(mail) if RENEW_LINK.search(link)]
    assert "kann nicht mehr verlängert werden" in body_of(mail)
    assert mailed_link(mail, CLOSE_LINK)


# ---------------------------------------------------------------- no reminder


def test_events_are_not_reminded_they_simply_end(app, mailbox, clock, new_post, categories):
    new_post(
        "Flohmarkt am Kirchplatz",
        kind=PostKind.EVENT,
        category=categories["veranstaltungen"],
        published_at=clock.now - 20 * DAY,
        event_start_at=clock.now + DAY,
        expires_at=clock.now + 2 * DAY,
    )

    assert reminders(app, clock.now) == "0 reminders"
    assert mailbox.sent_to(POSTER_EMAIL) == []


@pytest.mark.parametrize("status", [PostStatus.PUBLISHED, PostStatus.EXPIRED])
def test_a_post_that_has_already_left_the_board_is_not_reminded(
    app, mailbox, clock, offer_in, status
):
    offer_in(published_at=clock.now - 31 * DAY, days=30, status=status)

    assert reminders(app, clock.now) == "0 reminders"
    assert mailbox.sent_to(POSTER_EMAIL) == []


@pytest.mark.parametrize(
    "status", [PostStatus.CLOSED, PostStatus.HIDDEN, PostStatus.PENDING, PostStatus.REMOVED]
)
def test_a_post_off_the_board_for_another_reason_is_not_reminded(
    app, mailbox, clock, offer_in, status
):
    offer_in(published_at=clock.now - 28 * DAY, days=30, status=status)

    assert reminders(app, clock.now) == "0 reminders"


def test_a_short_lived_post_gets_no_reminder_on_top_of_its_confirmation(
    app, mailbox, clock, offer_in
):
    start = clock.now
    offer_in(days=3)

    for hours in (0, 1, 24, 71):
        assert reminders(app, start + timedelta(hours=hours)) == "0 reminders"
    assert mailbox.sent_to(POSTER_EMAIL) == []


def test_a_post_a_little_longer_than_the_window_is_reminded(app, mailbox, clock, offer_in):
    start = clock.now
    offer_in(days=4)

    assert reminders(app, start + DAY - timedelta(minutes=1)) == "0 reminders"
    assert reminders(app, start + DAY) == "1 reminders"


# ---------------------------------------------------------------- faults


def test_with_the_mail_server_down_the_reminder_waits_and_goes_out_once_later(
    app, mailbox, clock, offer_in
):
    offer_in("Kinderwagen zu verschenken", days=30)
    working_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nothing listens there: the server is down
    due = clock.advance(days=27)

    assert run(app, "send_reminders", due) == "1 reminders"
    assert run(app, "send_outbox", due) == "0 sent"

    [waiting] = queued_mails()
    assert waiting.status is MailStatus.QUEUED
    assert waiting.attempts == 1
    assert waiting.last_error
    assert mailbox.sent_to(POSTER_EMAIL) == []

    app.config["MAIL_PORT"] = working_port  # the server is back
    assert run(app, "send_outbox", clock.advance(seconds=30)) == "0 sent"  # not due yet
    assert run(app, "send_outbox", clock.advance(minutes=2)) == "1 sent"
    assert run(app, "send_outbox", clock.advance(minutes=1)) == "0 sent"
    assert run(app, "send_reminders", clock.now) == "0 reminders"

    [sent] = queued_mails()
    assert sent.status is MailStatus.SENT
    assert len(mailbox.sent_to(POSTER_EMAIL)) == 1


def test_a_reminder_job_run_hours_late_still_reminds_once(app, mailbox, clock, offer_in):
    start = clock.now
    offer_in(days=30)

    assert reminders(app, start + 27 * DAY + timedelta(hours=6)) == "1 reminders"
    assert reminders(app, start + 27 * DAY + timedelta(hours=7)) == "0 reminders"
    assert len(mailbox.sent_to(POSTER_EMAIL)) == 1


def test_a_reminder_job_that_runs_after_the_post_left_sends_nothing(app, mailbox, clock, offer_in):
    start = clock.now
    post = offer_in(days=30)

    # The scheduler was down for the three days of the reminder window and a little more.
    late = start + 30 * DAY + timedelta(hours=6)
    assert reminders(app, late) == "0 reminders"
    assert run(app, "expire_posts", late) == "1 expired"

    assert mailbox.sent_to(POSTER_EMAIL) == []
    assert fresh(post).status is PostStatus.EXPIRED


def test_two_processes_reminding_at_once_send_one_mail(app, mailbox, clock, offer_in):
    for number in range(5):
        offer_in(f"Angebot {number}", days=30)

    results = at_once(app, jobs.send_reminders, clock.now + 27 * DAY)
    run(app, "send_outbox", clock.now + 27 * DAY)

    assert results == ["0 reminders", "5 reminders"]
    assert len(mailbox.sent_to(POSTER_EMAIL)) == 5


def test_a_process_that_found_the_post_due_before_another_reminded_it_sends_nothing(
    app, mailbox, clock, offer_in, monkeypatch
):
    """Both read the post as due; one claims it first; the other's claim finds it taken."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer at a time read and write: no interleaving to test")
    offer_in(days=30)
    first_done = threading.Event()
    claim = jobs._claim_reminder

    def claim_after_the_first(post_id: int) -> bool:
        if threading.current_thread().name == "second":
            assert first_done.wait(timeout=10)
        return claim(post_id)

    monkeypatch.setattr(jobs, "_claim_reminder", claim_after_the_first)
    due = clock.now + 27 * DAY
    results: dict[str, str] = {}

    def remind(name: str) -> None:
        with app.test_request_context("/", base_url=app.config["BASE_URL"], method="POST"):
            results[name] = jobs.send_reminders(due)
            db.session.commit()
        if name == "first":
            first_done.set()

    db.session.commit()
    second = threading.Thread(target=remind, args=("second",), name="second")
    second.start()
    remind("first")
    second.join(timeout=20)

    assert results == {"first": "1 reminders", "second": "0 reminders"}
    assert len(queued_mails()) == 1
