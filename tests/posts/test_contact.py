"""The contact relay: a visitor writes, the poster answers by e-mail, no page shows an address."""

from __future__ import annotations

from datetime import timedelta

import pytest

from board.extensions import db
from board.posts.models import Post
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests.conftest import body_of
from tests.posts.conftest import POSTER_EMAIL, expired_csrf_token

VISITOR = "vera.besucherin@example.org"


def message(**changes: str) -> dict[str, str]:
    return {
        "name": "Vera Besucherin",
        "email": VISITOR,
        "message": "Ist der Kinderwagen noch zu haben? Ich könnte morgen um 17 Uhr kommen.",
        **changes,
    }


def contact_count(post: Post) -> int:
    db.session.expire_all()
    return db.session.get(Post, post.id).contact_count


def test_a_visitor_writes_and_the_poster_gets_a_mail_to_answer(client, new_post, mailbox):
    post = new_post(title="Kinderwagen zu verschenken")

    page = client.get(f"/posts/{post.id}/contact")
    answer = client.submit(f"/posts/{post.id}/contact", message())

    assert page.status_code == 200
    assert "Kinderwagen zu verschenken" in page.text
    assert answer.status_code == 303
    assert answer.location == f"/posts/{post.id}"
    assert "Ihre Nachricht ist unterwegs." in client.get(answer.location).text
    mail = mailbox.last_to(POSTER_EMAIL)
    assert mail["Reply-To"] == VISITOR
    assert "Kinderwagen zu verschenken" in mail["Subject"]
    text = body_of(mail)
    assert "Ich könnte morgen um 17 Uhr kommen." in text
    assert "Vera Besucherin" in text
    assert f"http://board.test/posts/{post.id}" in text
    assert VISITOR not in str(mail["To"])
    assert contact_count(post) == 1


def test_the_name_is_optional(client, new_post, mailbox):
    post = new_post()

    client.submit(f"/posts/{post.id}/contact", message(name=""))

    assert "Jemand hat Ihnen" in body_of(mailbox.last_to(POSTER_EMAIL))


def test_the_posters_address_appears_on_no_page(client, new_post, mailbox):
    post = new_post(title="Bohrmaschine zu verleihen", body="Mit Koffer.")
    pages = [
        client.get("/"),
        client.get("/?q=bohrmaschine"),
        client.get(f"/posts/{post.id}"),
        client.get(f"/posts/{post.id}/contact"),
        client.submit(f"/posts/{post.id}/contact", message(email="kaputt")),
    ]
    sent = client.submit(f"/posts/{post.id}/contact", message())
    pages.append(client.get(sent.location))

    for page in pages:
        assert page.status_code in (200, 422)
        assert POSTER_EMAIL not in page.text
        assert "petra.poster" not in page.text


def test_only_a_post_on_the_board_can_be_contacted(client, new_post, mailbox):
    off_the_board = [
        new_post(status=status, expires_at=utcnow() + timedelta(days=3))
        for status in (PostStatus.DRAFT, PostStatus.PENDING, PostStatus.CLOSED, PostStatus.REMOVED)
    ]
    off_the_board.append(new_post(expires_at=utcnow() - timedelta(minutes=1)))  # no job ran yet

    for post in off_the_board:
        assert client.get(f"/posts/{post.id}/contact").status_code == 404, post.status
        answer = client.submit(f"/posts/{post.id}/contact", message(), page="/posts/new")
        assert answer.status_code == 404, post.status
        assert contact_count(post) == 0
    assert mailbox.messages == []


MISTAKES = [
    ({"email": ""}, "Bitte geben Sie Ihre E-Mail-Adresse ein."),
    ({"email": "vera@"}, "Bitte geben Sie eine gültige E-Mail-Adresse ein"),
    ({"message": ""}, "Bitte schreiben Sie eine Nachricht."),
    ({"message": "x" * 5001}, "höchstens 5000 Zeichen"),
    ({"name": "V" * 81}, "Der Name darf höchstens 80 Zeichen lang sein."),
]


def test_a_mistake_keeps_the_message_and_sends_nothing(client, new_post, mailbox):
    post = new_post()

    for changes, error in MISTAKES:
        form = message(**changes)
        answer = client.submit(f"/posts/{post.id}/contact", form)
        assert answer.status_code == 422, changes
        assert error in answer.text, changes
        assert form["message"][:100] in answer.text, changes
    assert mailbox.messages == []
    assert contact_count(post) == 0


def test_line_breaks_in_name_and_title_cannot_add_mail_headers(client, new_post, mailbox):
    post = new_post(title="Fahrrad\r\nBcc: title@evil.example")

    answer = client.submit(
        f"/posts/{post.id}/contact",
        message(name="Eve\r\nBcc: name@evil.example\r\n\r\nHallo"),
    )

    assert answer.status_code == 303  # the name's line breaks became spaces
    assert len(mailbox.messages) == 1
    for mail in mailbox.messages:
        assert mail["Bcc"] is None
        assert "\n" not in mail["Subject"] and "\r" not in mail["Subject"]
        assert "evil.example" not in str(mail["To"]) + str(mail["Reply-To"] or "")
    assert not mailbox.sent_to("evil.example")


def test_a_reply_to_address_with_line_breaks_is_refused(client, new_post, mailbox):
    post = new_post()

    answer = client.submit(
        f"/posts/{post.id}/contact", message(email=f"{VISITOR}\r\nBcc: evil@evil.example")
    )

    assert answer.status_code == 422
    assert mailbox.messages == []


def test_markup_in_a_message_reaches_the_poster_as_plain_text(client, new_post, mailbox):
    post = new_post()

    client.submit(
        f"/posts/{post.id}/contact", message(message="<script>alert(1)</script> & <b>fett</b>")
    )

    assert "<script>alert(1)</script> & <b>fett</b>" in body_of(mailbox.last_to(POSTER_EMAIL))


def test_a_flood_of_messages_is_stopped_with_429_and_retry_after(app, client, new_post, mailbox):
    app.config["RATELIMIT_CONTACT"] = "3 per hour"
    post = new_post()

    answers = [client.submit(f"/posts/{post.id}/contact", message()) for _ in range(3)]
    flood = client.submit(f"/posts/{post.id}/contact", message())

    assert [a.status_code for a in answers] == [303, 303, 303]
    assert flood.status_code == 429
    assert int(flood.headers["Retry-After"]) > 0
    assert "Zu viele Anfragen" in flood.text
    assert len(mailbox.sent_to(POSTER_EMAIL)) == 3
    assert contact_count(post) == 3


def test_the_towns_default_contact_limit_applies(client, new_post, mailbox):
    post = new_post()

    answers = [client.submit(f"/posts/{post.id}/contact", message()) for _ in range(6)]

    assert [a.status_code for a in answers] == [303] * 5 + [429]


@pytest.mark.parametrize("token", [None, "forged"])
def test_a_message_without_a_valid_csrf_token_is_refused(client, new_post, mailbox, token):
    post = new_post()
    form = message()
    if token:
        form["csrf_token"] = token

    answer = client.post(f"/posts/{post.id}/contact", data=form)

    assert answer.status_code == 400
    assert mailbox.messages == []
    assert contact_count(post) == 0


def test_a_message_typed_too_slowly_comes_back_to_be_sent_again(app, client, new_post, mailbox):
    post = new_post()
    old_token = expired_csrf_token(app, client, f"/posts/{post.id}/contact")

    answer = client.post(f"/posts/{post.id}/contact", data={**message(), "csrf_token": old_token})

    assert answer.status_code == 422
    assert "Das Formular war zu lange geöffnet" in answer.text
    assert "Ich könnte morgen um 17 Uhr kommen." in answer.text
    assert mailbox.messages == []
