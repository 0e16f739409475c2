"""The honeypot: people never see or fill it in; a form sent with it filled in stores and sends
nothing, and the sender gets the answer a person would have got."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import func, select

from board.accounts.models import User
from board.extensions import db
from board.mail.models import OutboxMail
from board.moderation.models import Report
from board.posts.models import Post
from board.posts.status import PostStatus
from tests import factories
from tests.moderation.conftest import browser_for
from tests.posts.conftest import offer

BOT_URL = "https://cheap-pills.example"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def on_the_board(waiting_post):
    return waiting_post(status=PostStatus.PUBLISHED)


@pytest.fixture
def public_forms(on_the_board) -> list[str]:
    return [
        "/posts/new",
        f"/posts/{on_the_board.id}/contact",
        f"/posts/{on_the_board.id}/report",
        "/register",
    ]


def test_every_public_form_has_the_honeypot_hidden_from_people(app, client, public_forms):
    for url in public_forms:
        html = client.get(url).text
        (wrapper,) = re.findall(r'<div class="hp" aria-hidden="true">.*?</div>', html, re.S)
        assert '<label for="website">Bitte leer lassen</label>' in wrapper
        (field,) = re.findall(r"<input[^>]*>", wrapper)
        for attribute in ('name="website"', 'tabindex="-1"', 'autocomplete="off"', 'value=""'):
            assert attribute in field, (url, field)
        assert wrapper in html.split("<form", 1)[1].split("</form>", 1)[0], url


def test_the_honeypot_is_moved_off_screen_by_the_stylesheet(app, client):
    css = client.get("/static/css/board.css").text
    rule = re.search(r"\.hp\s*\{([^}]*)\}", css)
    assert rule and "left: -10000px" in rule.group(1)


def test_a_bot_posting_as_a_guest_is_told_to_check_its_mail_and_nothing_is_kept(
    app, client, categories, mailbox, caplog
):
    caplog.set_level(logging.INFO, logger=app.logger.name)
    form = {**offer(categories["verschenken"]), "email": "bot@example.org", "website": BOT_URL}

    answer = client.submit("/posts/new", form)

    assert answer.status_code == 303
    assert answer.location == "/posts/check-mail"
    assert count(Post) == 0 and count(OutboxMail) == 0
    assert db.session.scalar(select(User).where(User.email == "bot@example.org")) is None
    assert mailbox.messages == []
    assert any("honeypot" in r.getMessage() and r.levelno == logging.INFO for r in caplog.records)
    assert BOT_URL not in caplog.text  # what the bot typed is not copied into the log


def test_a_logged_in_bot_does_not_post_either(app, categories, resident):
    browser = browser_for(app, resident)

    answer = browser.submit("/posts/new", {**offer(categories["verschenken"]), "website": "x"})

    assert answer.status_code == 303
    assert count(Post) == 0


def test_a_bot_writing_to_a_poster_sends_nothing_but_is_thanked(app, client, on_the_board, mailbox):
    message = {
        "name": "Bot",
        "email": "bot@example.org",
        "message": "Buy now!",
        "website": BOT_URL,
    }

    answer = client.submit(f"/posts/{on_the_board.id}/contact", message)

    assert answer.status_code == 303
    assert answer.location == f"/posts/{on_the_board.id}"
    assert "Ihre Nachricht ist unterwegs." in client.get(answer.location).text
    assert count(OutboxMail) == 0 and mailbox.messages == []
    db.session.expire_all()
    assert db.session.get(Post, on_the_board.id).contact_count == 0


def test_a_bot_registering_gets_the_usual_page_and_no_account(app, client, mailbox):
    form = {
        "email": "bot@example.org",
        "display_name": "Bot",
        "password": "ein-langes-passwort",
        "website": BOT_URL,
    }

    answer = client.submit("/register", form)

    assert answer.status_code == 303
    assert count(User) == 0 and count(OutboxMail) == 0
    person = browser_for(app).submit(
        "/register", {**form, "email": "ida@example.org", "website": ""}
    )
    assert answer.location == person.location
    assert count(User) == 1


def test_a_bot_reporting_is_thanked_and_nothing_counts(app, client, on_the_board):
    answer = client.submit(
        f"/posts/{on_the_board.id}/report", {"reason": "spam", "website": BOT_URL}
    )

    assert answer.status_code == 200
    assert "Danke für Ihre Meldung" in answer.text
    assert count(Report) == 0


def test_what_a_bot_put_in_the_honeypot_is_never_shown_back(app, client, on_the_board):
    answer = client.submit(
        f"/posts/{on_the_board.id}/contact", {"message": "", "email": "x", "website": BOT_URL}
    )

    assert answer.status_code == 422
    assert BOT_URL not in answer.text


def test_a_person_leaving_it_empty_is_not_taken_for_a_bot(app, client, on_the_board, mailbox):
    factories.user(email="someone@example.org", password=None)
    message = {"email": "vera@example.org", "message": "Noch da?", "website": "  "}

    answer = client.submit(f"/posts/{on_the_board.id}/contact", message)

    assert answer.status_code == 303
    assert count(OutboxMail) == 1
