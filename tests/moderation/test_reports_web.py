"""Reporting a post from its page: anyone may, each person counts once, enough of them hide it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from board.extensions import db
from board.moderation.models import Action, ModerationAction, Report
from board.posts.models import Post
from board.posts.status import PostStatus
from tests.conftest import BrowserLikeClient, body_of, expired_csrf_token, links_in, wait_for
from tests.moderation.conftest import browser_for

S = PostStatus


def visitor(app: Any, address: str, user: Any = None) -> BrowserLikeClient:
    """Another person's phone, with its own network address."""
    client = browser_for(app, user)
    client.environ_base["REMOTE_ADDR"] = address
    return client


def spam(**changes: str) -> dict[str, str]:
    return {"reason": "spam", "text": "", **changes}


def reports_of(post: Post) -> list[Report]:
    return list(db.session.scalars(select(Report).where(Report.post_id == post.id)))


def status_of(post: Post) -> PostStatus:
    db.session.expire_all()
    return db.session.get(Post, post.id).status


@pytest.fixture
def on_the_board(waiting_post):
    return waiting_post(status=S.PUBLISHED)


def test_a_visitor_finds_the_report_link_on_the_post_and_reports_it(app, on_the_board):
    post = on_the_board
    client = visitor(app, "203.0.113.1")

    detail = client.get(f"/posts/{post.id}")
    form = client.get(f"/posts/{post.id}/report")
    answer = client.submit(f"/posts/{post.id}/report", spam(reason="commercial", text="Werbung"))

    assert f'href="/posts/{post.id}/report"' in detail.text
    assert form.status_code == 200
    assert "Kinderwagen zu verschenken" in form.text
    for label in ("Spam", "Beleidigend", "Gewerblich", "Persönliche Daten", "Anderes"):
        assert label in form.text
    assert answer.status_code == 200
    assert "Danke für Ihre Meldung" in answer.text
    (report,) = reports_of(post)
    assert (report.reason.value, report.text, report.reporter_id) == ("commercial", "Werbung", None)
    assert report.reporter_key.startswith("addr:")
    assert "203.0.113.1" not in report.reporter_key  # the address itself is not kept


def test_a_logged_in_resident_reports_under_their_account(app, on_the_board, categories):
    from tests import factories

    neighbour = factories.user(email="nina.nachbarin@example.org", password=None)
    client = visitor(app, "203.0.113.2", neighbour)

    client.submit(f"/posts/{on_the_board.id}/report", spam())

    (report,) = reports_of(on_the_board)
    assert report.reporter_key == f"user:{neighbour.id}"
    assert report.reporter_id == neighbour.id


def test_a_reason_alone_is_enough(app, on_the_board):
    answer = visitor(app, "203.0.113.14").submit(
        f"/posts/{on_the_board.id}/report", {"reason": "personal_data"}
    )

    assert "Danke für Ihre Meldung" in answer.text
    (report,) = reports_of(on_the_board)
    assert (report.reason.value, report.text) == ("personal_data", "")


def test_other_needs_a_few_words_and_keeps_what_was_chosen(app, on_the_board):
    client = visitor(app, "203.0.113.3")

    answer = client.submit(f"/posts/{on_the_board.id}/report", spam(reason="other", text="   "))

    assert answer.status_code == 422
    assert "Bitte beschreiben Sie kurz" in answer.text
    assert re.search(r'<input checked[^>]*value="other"', answer.text)
    assert reports_of(on_the_board) == []


def test_the_reason_must_be_one_of_those_offered(app, on_the_board):
    client = visitor(app, "203.0.113.4")

    missing = client.submit(f"/posts/{on_the_board.id}/report", {"text": "egal"})
    made_up = client.submit(f"/posts/{on_the_board.id}/report", spam(reason="status"))

    for answer in (missing, made_up):
        assert answer.status_code == 422
        assert "Bitte wählen Sie einen Grund." in answer.text
    assert reports_of(on_the_board) == []


def test_a_long_text_comes_back_to_be_shortened(app, on_the_board):
    client = visitor(app, "203.0.113.5")
    long_text = "Das ist Werbung. " * 70  # about 1,200 characters

    answer = client.submit(f"/posts/{on_the_board.id}/report", spam(text=long_text))

    assert answer.status_code == 422
    assert "höchstens 1000 Zeichen" in answer.text
    assert long_text.strip() in answer.text
    assert reports_of(on_the_board) == []


def test_the_same_person_counts_once(app, on_the_board):
    client = visitor(app, "203.0.113.6")

    url = f"/posts/{on_the_board.id}/report"
    client.submit(url, spam())
    # Back button, send again (the page with the form is gone, its token is not).
    again = client.submit(url, spam(reason="offensive"), page="/login")
    page = client.get(url)
    # The same phone, cookies cleared: still the same address, still the same person.
    fresh = visitor(app, "203.0.113.6")
    third = fresh.submit(url, spam(), page="/login")

    assert "Sie haben diesen Beitrag schon gemeldet" in again.text
    assert "Sie haben diesen Beitrag schon gemeldet" in page.text
    assert 'name="reason"' not in page.text
    assert "Sie haben diesen Beitrag schon gemeldet" in third.text
    assert len(reports_of(on_the_board)) == 1
    assert status_of(on_the_board) is S.PUBLISHED


def test_three_different_people_take_a_post_off_the_board(app, on_the_board, mailbox):
    post = on_the_board
    author_address = post.author.email
    people = [visitor(app, f"198.51.100.{n}") for n in (1, 2, 3)]

    for person in people[:2]:
        person.submit(f"/posts/{post.id}/report", spam())
    still_there = people[0].get("/").text
    last = people[2].submit(f"/posts/{post.id}/report", spam(reason="offensive"))

    assert "Kinderwagen zu verschenken" in still_there
    assert "Danke für Ihre Meldung" in last.text
    assert status_of(post) is S.HIDDEN
    assert "Kinderwagen zu verschenken" not in people[0].get("/").text
    assert people[0].get(f"/posts/{post.id}").status_code == 404
    assert people[0].get(f"/posts/{post.id}/report").status_code == 404
    entry = db.session.scalar(select(ModerationAction).where(ModerationAction.post_id == post.id))
    assert entry.action is Action.AUTO_HIDE and entry.actor_id is None
    mail = wait_for(lambda: mailbox.sent_to(author_address))[-1]
    assert "Kinderwagen zu verschenken" in mail["Subject"]
    assert "Mehrere Personen haben ihn unabhängig voneinander gemeldet" in body_of(mail)
    assert any("/moderation/appeal/" in link for link in links_in(mail))


def test_a_hidden_post_waits_in_the_moderators_queue_with_its_reports(app, on_the_board, moderator):
    post = on_the_board
    for n in (1, 2, 3):
        visitor(app, f"198.51.100.{n}").submit(f"/posts/{post.id}/report", spam())

    from board.moderation.queries import reported_posts

    with app.test_request_context():
        reported = reported_posts()
    assert [(p.id, len(r)) for p, r in reported] == [(post.id, 3)]
    if "moderation.queue" in app.view_functions:  # the queue page (built alongside)
        queue = browser_for(app, moderator).get("/moderation")
        assert "Kinderwagen zu verschenken" in queue.text


def test_the_number_of_reports_that_hide_is_the_towns_choice(app, on_the_board):
    app.config["MODERATION_REPORTS_TO_HIDE"] = 2
    for n in (1, 2):
        visitor(app, f"198.51.100.{n}").submit(f"/posts/{on_the_board.id}/report", spam())

    assert status_of(on_the_board) is S.HIDDEN


@pytest.mark.parametrize(
    "status", [S.PENDING, S.HIDDEN, S.REJECTED, S.EXPIRED, S.CLOSED, S.DRAFT, S.RETURNED]
)
def test_only_a_post_on_the_board_can_be_reported(app, waiting_post, status):
    post = waiting_post(status=status)
    client = visitor(app, "203.0.113.7")
    token = client.csrf_token("/login")

    page = client.get(f"/posts/{post.id}/report")
    sent = client.post(f"/posts/{post.id}/report", data={**spam(), "csrf_token": token})

    assert page.status_code == 404 and sent.status_code == 404
    assert reports_of(post) == []


def test_an_expired_post_cannot_be_reported_even_before_the_job_ran(app, on_the_board):
    from datetime import timedelta

    from board.timeutil import utcnow

    on_the_board.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    assert visitor(app, "203.0.113.8").get(f"/posts/{on_the_board.id}/report").status_code == 404


def test_unknown_posts_are_not_found(app, categories):
    client = visitor(app, "203.0.113.9")
    assert client.get("/posts/999999/report").status_code == 404
    assert client.get("/posts/99999999999/report").status_code == 404


def test_a_report_flood_from_one_client_is_stopped(app, waiting_post):
    posts = [waiting_post(f"Angebot Nummer {n}", status=S.PUBLISHED) for n in range(7)]
    client = visitor(app, "203.0.113.10")

    answers = [client.submit(f"/posts/{post.id}/report", spam()) for post in posts]

    assert [a.status_code for a in answers[:5]] == [200] * 5
    assert answers[5].status_code == 429
    assert answers[5].headers["Retry-After"]
    assert "Zu viele Anfragen" in answers[5].text
    total = db.session.scalar(select(func.count(Report.id)))
    assert total == 5
    # Someone else on another network is not affected.
    other = visitor(app, "203.0.113.11").submit(f"/posts/{posts[6].id}/report", spam())
    assert other.status_code == 200


def test_a_forged_report_without_the_form_token_changes_nothing(app, on_the_board):
    client = visitor(app, "203.0.113.12")

    missing = client.post(f"/posts/{on_the_board.id}/report", data=spam())
    forged = client.post(
        f"/posts/{on_the_board.id}/report", data={**spam(), "csrf_token": "forged"}
    )

    assert missing.status_code == 400 and forged.status_code == 400
    assert reports_of(on_the_board) == []


def test_a_form_left_open_too_long_comes_back_with_the_text(app, on_the_board):
    client = visitor(app, "203.0.113.13")
    page = f"/posts/{on_the_board.id}/report"
    old_token = expired_csrf_token(app, client, page)

    answer = client.post(
        page,
        data={**spam(reason="other", text="Telefonnummer eines Dritten"), "csrf_token": old_token},
    )

    assert answer.status_code == 422
    assert "Telefonnummer eines Dritten" in answer.text
    assert "Das Formular war zu lange geöffnet" in answer.text
    assert reports_of(on_the_board) == []
    again = client.submit(page, spam(reason="other", text="Telefonnummer eines Dritten"))
    assert "Danke für Ihre Meldung" in again.text


def test_report_text_with_markup_is_kept_as_typed_and_shown_as_text(app, on_the_board, moderator):
    typed = '<script>alert(1)</script><img src=x onerror="alert(2)"> Werbung'
    for n in (1, 2, 3):
        visitor(app, f"198.51.100.{n}").submit(
            f"/posts/{on_the_board.id}/report", spam(reason="other", text=typed)
        )

    assert {r.text for r in reports_of(on_the_board)} == {typed}
    if "moderation.queue" in app.view_functions:  # where moderators read reports
        queue = browser_for(app, moderator).get("/moderation").text
        assert "<script>alert(1)</script>" not in queue
        assert "<img src=x" not in queue
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in queue


def test_the_report_link_is_not_shown_where_there_is_nothing_to_report(app, waiting_post):
    post = waiting_post(status=S.PENDING)
    author = browser_for(app, post.author)

    page = author.get(f"/posts/{post.id}")

    assert page.status_code == 200
    assert f"/posts/{post.id}/report" not in page.text
