"""Posting without an account: an address, one confirmation click, a private management link."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from board.accounts.models import User
from board.extensions import db
from board.mail.models import MailStatus, OutboxMail
from board.mail.services import deliver_outbox
from board.posts.models import Post, PostSource
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests import factories
from tests.conftest import body_of, free_port
from tests.posts.conftest import mailed_links, offer

GUEST = "gerda.gast@example.org"


def request_form(categories, **changes):
    """The posting form as a guest fills it in: a request, with only an e-mail address."""
    form = {
        "kind": "request",
        "title": "Suche Leiter für einen Nachmittag",
        "body": "Für die Dachrinne, gern mit Rückgabe am selben Tag.",
        "email": GUEST,
        **changes,
    }
    return offer(categories["verleihen"], **form)


def only_post() -> Post:
    return db.session.scalars(select(Post)).one()


def test_a_guest_post_waits_for_the_mailed_link(client, categories, mailbox):
    answer = client.submit("/posts/new", request_form(categories))

    assert answer.status_code == 303
    assert answer.location == "/posts/check-mail"
    assert "Bitte sehen Sie in Ihr E-Mail-Postfach" in client.get(answer.location).text
    post = only_post()
    assert post.status is PostStatus.DRAFT
    assert post.source is PostSource.GUEST
    assert post.author.email == GUEST
    assert post.author.registered_at is None
    assert post.author.password_hash is None
    assert "Suche Leiter" not in client.get("/").text
    assert client.get(f"/posts/{post.id}").status_code == 404

    mail = mailbox.last_to(GUEST)
    assert "Suche Leiter für einen Nachmittag" in mail["Subject"]
    confirm, manage = mailed_links(mailbox, GUEST)
    assert confirm.startswith(f"/posts/{post.id}/confirm/")
    assert manage.startswith(f"/posts/{post.id}/manage/")


def test_opening_the_link_shows_the_post_and_one_button_but_publishes_nothing(
    client, categories, mailbox
):
    """Mail scanners open links; only pressing the button publishes."""
    client.submit("/posts/new", request_form(categories))
    confirm, _ = mailed_links(mailbox, GUEST)

    for _ in range(3):
        page = client.get(confirm)
        assert page.status_code == 200
    assert "Suche Leiter für einen Nachmittag" in page.text
    assert page.text.count("<button") == 1
    assert "Jetzt veröffentlichen" in page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert only_post().status is PostStatus.DRAFT


def test_pressing_the_button_publishes_and_shows_the_management_link(client, categories, mailbox):
    client.submit("/posts/new", request_form(categories))
    confirm, manage = mailed_links(mailbox, GUEST)

    answer = client.submit(confirm, {})

    assert answer.status_code == 303
    assert answer.location.startswith(manage.rsplit("/", 1)[0] + "/")
    page = client.get(answer.location)
    assert "Ihr Beitrag ist bestätigt" in page.text
    assert f'value="http://board.test{answer.location}"' in page.text  # the link to keep
    assert "Ihren Beitrag verwalten" in client.get(manage).text  # the mailed one works as well
    assert "Konto mit dieser Adresse anlegen" in page.text
    assert 'href="/register"' in page.text
    assert "Suche Leiter für einen Nachmittag" in client.get("/").text
    post = only_post()
    assert post.status is PostStatus.PUBLISHED
    assert post.author.email_confirmed_at is not None
    assert abs(post.expires_at - (utcnow() + timedelta(days=30))) < timedelta(minutes=1)


def test_pressing_the_button_twice_is_harmless(client, other_client, categories, mailbox):
    client.submit("/posts/new", request_form(categories))
    confirm, manage = mailed_links(mailbox, GUEST)
    client.submit(confirm, {})
    published_at = only_post().published_at

    again = client.submit(confirm, {}, page="/posts/new")
    from_another_phone = other_client.submit(confirm, {}, page="/posts/new")

    assert again.status_code == from_another_phone.status_code == 303
    management_pages = manage.rsplit("/", 1)[0] + "/"
    assert again.location.startswith(management_pages)
    assert from_another_phone.location.startswith(management_pages)
    assert only_post().published_at == published_at
    assert client.get(confirm).location.startswith(management_pages)  # the link leads there now


def test_a_confirmation_link_confirms_only_its_own_post(client, categories, mailbox):
    client.submit("/posts/new", request_form(categories))
    confirm, _ = mailed_links(mailbox, GUEST)
    other = factories.post(title="Fremder Entwurf", status=PostStatus.DRAFT)
    db.session.commit()
    token = confirm.rsplit("/", 1)[1]

    for link in (
        f"/posts/{other.id}/confirm/{token}",  # another post's id
        confirm[:-3] + "abc",  # tampered
        confirm.replace("/confirm/", "/manage/"),  # for another purpose
    ):
        answer = client.get(link)
        assert answer.status_code == 404, link
        assert "Dieser Link ist ungültig oder abgelaufen" in answer.text
    forged = client.submit(f"/posts/{other.id}/confirm/{token}", {}, page="/posts/new")
    assert forged.status_code == 404
    assert all(post.status is PostStatus.DRAFT for post in db.session.scalars(select(Post)))


def test_an_expired_confirmation_link_gets_a_friendly_page(app, client, categories, mailbox):
    client.submit("/posts/new", request_form(categories))
    confirm, manage = mailed_links(mailbox, GUEST)
    app.config["CONFIRM_LINK_MAX_AGE"] = -1  # every link is too old

    page = client.get(confirm)

    assert page.status_code == 404
    assert "Dieser Link ist ungültig oder abgelaufen" in page.text
    management = client.get(manage)
    assert "Dieser Beitrag ist noch nicht bestätigt." in management.text


def test_the_management_link_can_publish_a_draft_whose_confirmation_link_expired(
    app, client, categories, mailbox
):
    client.submit("/posts/new", request_form(categories))
    _, manage = mailed_links(mailbox, GUEST)
    page = client.get(manage).text
    button_link = page.split('action="', 1)[1].split('"', 1)[0]

    answer = client.submit(button_link, {}, page=manage)

    assert answer.status_code == 303
    assert only_post().status is PostStatus.PUBLISHED


def test_one_address_is_one_person_however_it_is_typed(client, categories, mailbox):
    client.submit("/posts/new", request_form(categories))
    client.submit(
        "/posts/new",
        request_form(categories, title="Suche Schubkarre", email="  Gerda.Gast@Example.ORG "),
    )

    assert db.session.scalar(select(func.count(User.id))) == 1
    assert len(mailbox.sent_to(GUEST)) == 2


def test_a_guest_posting_with_an_account_holders_address_still_needs_the_link(
    client, categories, mailbox
):
    holder = factories.user(email=GUEST, password=None)
    db.session.commit()

    answer = client.submit("/posts/new", request_form(categories))

    assert answer.location == "/posts/check-mail"
    post = only_post()
    assert post.status is PostStatus.DRAFT
    assert post.author_id == holder.id
    assert mailbox.last_to(GUEST)


NOT_ADDRESSES = [
    "",
    "gerda",
    "gerda@",
    "gerda@localhost",
    "ge rda@example.org",
    f"{GUEST}\r\nBcc: x@evil.example",
]


def test_a_guest_needs_a_real_address(client, categories, mailbox):
    for address in NOT_ADDRESSES:
        answer = client.submit("/posts/new", request_form(categories, email=address))

        assert answer.status_code == 422, address
        assert "Bitte prüfen Sie Ihre Angaben" in answer.text
        assert "Für die Dachrinne" in answer.text
    assert db.session.scalar(select(func.count(Post.id))) == 0
    assert mailbox.messages == []


def test_a_suspended_address_cannot_post_as_a_guest(client, categories, mailbox):
    factories.user(email=GUEST, password=None, is_suspended=True)
    db.session.commit()

    answer = client.submit("/posts/new", request_form(categories))

    assert answer.status_code == 422
    assert "können zurzeit keine Beiträge erstellt werden" in answer.text
    assert "Für die Dachrinne" in answer.text
    assert db.session.scalar(select(func.count(Post.id))) == 0


def test_with_the_mail_server_down_the_post_is_kept_and_the_mail_waits(
    app, client, categories, mailbox
):
    app.config["MAIL_SERVER"], working_port = "127.0.0.1", app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nothing listens there

    answer = client.submit("/posts/new", request_form(categories))

    assert answer.status_code == 303
    assert "Bitte sehen Sie in Ihr E-Mail-Postfach" in client.get(answer.location).text
    assert only_post().status is PostStatus.DRAFT
    waiting = db.session.scalars(select(OutboxMail)).one()
    assert waiting.status is MailStatus.QUEUED
    assert waiting.attempts == 1
    assert waiting.to_address == GUEST
    assert mailbox.messages == []

    app.config["MAIL_PORT"] = working_port  # the server is back; the next run delivers
    db.session.commit()
    with app.test_request_context():
        assert deliver_outbox(now=utcnow() + timedelta(hours=1)) == 1
    confirm, _ = mailed_links(mailbox, GUEST)
    client.submit(confirm, {})
    assert only_post().status is PostStatus.PUBLISHED


def test_the_confirmation_mail_is_plain_text_with_the_title_as_typed(client, categories, mailbox):
    client.submit("/posts/new", request_form(categories, title="Suche <b>Leiter</b> & Eimer"))

    mail = mailbox.last_to(GUEST)
    assert "Suche <b>Leiter</b> & Eimer" in mail["Subject"]
    assert "Suche <b>Leiter</b> & Eimer" in body_of(mail)
    assert "&lt;" not in body_of(mail)
