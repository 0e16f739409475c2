"""A suspended person: logged out at once, told why at every log-in, posts off the board until
they are let back in; the mails about it go out in their language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from board.accounts.models import User
from board.accounts.services import LinkPurpose, make_link
from board.extensions import db
from board.mail.models import OutboxMail
from board.moderation import policy
from board.posts.models import Post
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests import factories
from tests.conftest import body_of, local, wait_for
from tests.moderation.conftest import browser_for
from tests.posts.conftest import offer

S = PostStatus
PASSWORD = "richtig-langes-passwort"  # the factories' default
SUSPENDED = "Ihr Konto ist gesperrt"


@pytest.fixture
def paula(app):
    """A resident with a password, so she can log in the way people do."""
    made = factories.user(email="paula.post@example.org", display_name="Paula")
    db.session.commit()
    return made


def suspend(app, moderator, person: User, reason: str = "Wiederholt gewerbliche Anzeigen."):
    browser = browser_for(app, moderator)
    page = f"/moderation/people/{person.id}"
    answer = browser.submit(f"{page}/suspend", {"text": reason}, page=page)
    assert answer.status_code == 303, answer.text
    return browser


def unsuspend(browser, person: User) -> None:
    page = f"/moderation/people/{person.id}"
    assert browser.submit(f"{page}/unsuspend", {}, page=page).status_code == 303


def log_in(browser, email: str, password: str = PASSWORD):
    return browser.submit("/login", {"email": email, "password": password})


def test_a_logged_in_person_is_logged_out_by_the_suspension_and_cannot_post(
    app, paula, moderator, categories
):
    phone = browser_for(app)
    assert log_in(phone, paula.email).status_code == 303
    assert phone.get("/account").status_code == 200

    suspend(app, moderator, paula)

    account = phone.get("/account")
    assert account.status_code == 302 and account.location.startswith("/login")
    assert "Abmelden" not in phone.get("/").text
    # The form she still has open comes back as a guest's, and her address may not post.
    answer = phone.submit("/posts/new", offer(categories["verschenken"], email=paula.email))
    assert answer.status_code == 422
    assert "können zurzeit keine Beiträge erstellt werden" in answer.text
    assert db.session.scalar(select(func.count(Post.id))) == 0


def test_a_remember_cookie_does_not_bring_a_suspended_person_back(app, paula, moderator):
    phone = browser_for(app)
    phone.submit("/login", {"email": paula.email, "password": PASSWORD, "remember": "y"})
    assert phone.get_cookie("remember_token") is not None
    suspend(app, moderator, paula)
    phone.delete_cookie("session")  # the browser was closed: only the remember cookie is left
    assert phone.get_cookie("session") is None

    assert phone.get("/account").status_code == 302


def test_logging_in_with_a_password_says_the_account_is_suspended(app, paula, moderator):
    suspend(app, moderator, paula)
    phone = browser_for(app)

    answer = log_in(phone, paula.email)

    assert answer.status_code == 403
    assert SUSPENDED in answer.text
    assert phone.get("/account").status_code == 302


def test_a_login_link_mailed_before_the_suspension_says_so_too(app, paula, moderator):
    with app.test_request_context():
        link = local(make_link(paula, LinkPurpose.LOGIN, utcnow()))
    suspend(app, moderator, paula)
    phone = browser_for(app)

    answer = phone.submit(link, {}, page="/login")

    assert answer.status_code == 403
    assert SUSPENDED in answer.text
    assert phone.get("/account").status_code == 302


def test_asking_for_a_login_link_sends_none_and_answers_as_for_anyone(
    app, paula, moderator, mailbox
):
    suspend(app, moderator, paula)
    wait_for(lambda: mailbox.sent_to(paula.email))  # the suspension mail
    mailbox.clear()
    phone = browser_for(app)

    answer = phone.submit("/login/link", {"link_email": paula.email}, page="/login")
    unknown = phone.submit("/login/link", {"link_email": "niemand@example.org"}, page="/login")

    assert (answer.status_code, answer.location) == (unknown.status_code, unknown.location)
    assert mailbox.sent_to(paula.email) == []


def test_the_persons_posts_leave_the_board_and_come_back_when_let_in_again(
    app, resident, moderator, waiting_post
):
    on_board = waiting_post(status=S.PUBLISHED, title="Bohrmaschine zu verleihen")
    hidden_by_a_moderator = waiting_post(
        status=S.HIDDEN, title="Schon vorher ausgeblendet", review_reason=policy.MODERATOR
    )
    expired = waiting_post(
        status=S.PUBLISHED,
        title="Längst abgelaufen",
        expires_at=utcnow() - timedelta(days=1),
    )
    visitor = browser_for(app)
    assert "Bohrmaschine zu verleihen" in visitor.get("/").text

    moderation = suspend(app, moderator, resident)

    assert "Bohrmaschine zu verleihen" not in visitor.get("/").text
    assert visitor.get(f"/posts/{on_board.id}").status_code == 404
    assert "Bohrmaschine zu verleihen" not in visitor.get("/feeds/posts.atom").text
    assert visitor.get(f"/api/v1/posts/{on_board.id}").status_code == 404

    unsuspend(moderation, resident)

    assert "Bohrmaschine zu verleihen" in visitor.get("/").text
    assert visitor.get(f"/posts/{on_board.id}").status_code == 200
    assert db.session.get(Post, hidden_by_a_moderator.id).status is S.HIDDEN
    assert visitor.get(f"/posts/{hidden_by_a_moderator.id}").status_code == 404
    assert visitor.get(f"/posts/{expired.id}").status_code == 404


def test_a_person_let_in_again_can_log_in(app, paula, moderator):
    moderation = suspend(app, moderator, paula)
    unsuspend(moderation, paula)
    phone = browser_for(app)
    assert log_in(phone, paula.email).status_code == 303
    assert phone.get("/account").status_code == 200


def test_the_person_is_told_why_by_mail_and_told_again_when_let_in(
    app, resident, moderator, mailbox
):
    moderation = suspend(app, moderator, resident, reason="Mehrfach <b>Werbung</b> gepostet.")
    suspended = wait_for(lambda: mailbox.sent_to(resident.email))[-1]
    text = body_of(suspended)
    assert "gesperrt" in str(suspended["Subject"])
    assert "Mehrfach <b>Werbung</b> gepostet." in text  # plain text: as written, not as HTML
    assert "ehrenamtliche Moderatorin" in text

    unsuspend(moderation, resident)

    mails = wait_for(
        lambda: len(mailbox.sent_to(resident.email)) == 2 and mailbox.sent_to(resident.email)
    )
    assert "wieder frei" in str(mails[-1]["Subject"])


def test_the_mails_go_out_in_the_persons_language(app, resident, moderator, mailbox):
    """English words come with the English catalogue; here: the mail goes out, in English mode."""
    resident.locale = "en"
    db.session.commit()

    moderation = suspend(app, moderator, resident, reason="Repeated adverts.")
    suspended = wait_for(lambda: mailbox.sent_to(resident.email))[-1]
    assert "Repeated adverts." in body_of(suspended)
    unsuspend(moderation, resident)
    wait_for(lambda: len(mailbox.sent_to(resident.email)) == 2)

    mails = db.session.scalars(
        select(OutboxMail).where(OutboxMail.to_address == resident.email).order_by(OutboxMail.id)
    )
    assert [(mail.template, mail.locale) for mail in mails] == [
        ("account_suspended", "en"),
        ("account_unsuspended", "en"),
    ]
