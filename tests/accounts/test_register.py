"""Registering: e-mail confirmation, no enumeration, guests becoming accounts, bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from board.accounts.models import User
from board.extensions import db
from board.mail.models import OutboxMail
from board.posts.status import PostStatus
from tests import factories
from tests.accounts.conftest import (
    expired_csrf_token,
    link_from,
    log_in,
    user_by_email,
    visible_text,
)
from tests.conftest import body_of

NEW = {"email": "anna.berger@example.org", "password": "sonnenblume am fenster"}


def count(model: type) -> int:
    db.session.rollback()
    found = db.session.scalar(select(func.count()).select_from(model))
    db.session.rollback()
    return found


def test_register_confirm_by_mailed_link_and_see_the_account(client, mailbox):
    page = client.get("/register")
    assert page.status_code == 200
    assert "Konto anlegen" in page.text

    answer = client.submit("/register", {**NEW, "display_name": "Anna"})
    assert answer.status_code == 303
    assert "Bitte prüfen Sie Ihr E-Mail-Postfach" in client.get(answer.location).text

    mail = mailbox.last_to("anna.berger@example.org")
    assert "bestätigen" in mail["Subject"]
    link = link_from(mailbox, "anna.berger@example.org")
    assert link.startswith("/register/confirm/")

    button_page = client.get(link)
    assert button_page.status_code == 200
    assert "Konto bestätigen und anmelden" in button_page.text
    assert client.get("/account").status_code == 302  # opening the link alone logs nobody in

    confirmed = client.submit(link, {})
    assert confirmed.status_code == 303
    assert confirmed.location == "/account"
    account = client.get("/account")
    assert account.status_code == 200
    assert "Mein Konto" in account.text
    assert "anna.berger@example.org" in account.text
    assert "Willkommen! Ihr Konto ist bestätigt" in account.text

    user = user_by_email("anna.berger@example.org")
    assert user.display_name == "Anna"
    assert user.email_confirmed_at is not None
    assert user.registered_at is not None
    assert user.last_login_at is not None
    assert user.check_password(NEW["password"])


def test_opening_the_confirmation_link_confirms_nothing(client, mailbox):
    """Mail scanners fetch links; only pressing the button on the page confirms."""
    client.submit("/register", NEW)
    link = link_from(mailbox, NEW["email"])
    for _ in range(3):
        assert client.get(link).status_code == 200
    user = user_by_email(NEW["email"])
    assert user.registered_at is None
    assert user.password_hash is None
    assert client.submit(link, {}).status_code == 303


def test_password_login_works_only_after_confirmation(client, other_client, mailbox):
    client.submit("/register", NEW)
    refused = log_in(other_client, NEW["email"], NEW["password"])
    assert "E-Mail-Adresse oder Passwort stimmen nicht" in refused.text

    client.submit(link_from(mailbox, NEW["email"]), {})
    assert log_in(other_client, NEW["email"], NEW["password"]).location == "/account"


def test_registering_a_known_address_answers_exactly_like_a_new_one(client, mailbox):
    owner = factories.user(email="bernd@example.org", locale="de")
    old_hash = owner.password_hash
    db.session.commit()

    for_new = client.submit("/register", NEW)
    for_known = client.submit("/register", {**NEW, "email": "bernd@example.org"})
    assert (for_new.status_code, for_new.location) == (for_known.status_code, for_known.location)
    assert visible_text(client.get(for_new.location).text) == visible_text(
        client.get(for_known.location).text
    )

    # The owner hears that someone tried, with a way in; the stranger's password does nothing.
    mail = mailbox.last_to("bernd@example.org")
    assert "schon eines" in body_of(mail)
    assert link_from(mailbox, "bernd@example.org", 0).startswith("/login/link/")
    assert link_from(mailbox, "bernd@example.org", 1).startswith("/reset/")
    assert user_by_email("bernd@example.org").password_hash == old_hash
    assert "stimmen nicht" in log_in(client, "bernd@example.org", NEW["password"]).text


def test_a_guest_who_registers_keeps_their_posts(client, mailbox):
    guest = factories.user(email="gast@example.org", password=None, registered=False)
    factories.post(title="Suche Leiterwagen", author=guest, status=PostStatus.PUBLISHED)
    guest_id = guest.id
    db.session.commit()

    client.submit("/register", {**NEW, "email": "Gast@Example.org"})
    client.submit(link_from(mailbox, "gast@example.org"), {})

    account = client.get("/account")
    assert "Suche Leiterwagen" in account.text
    user = user_by_email("gast@example.org")
    assert user.id == guest_id
    assert user.is_registered
    assert user.check_password(NEW["password"])
    assert count(User) == 1  # the guest row became the account


def test_someone_registering_a_guests_address_cannot_set_its_password(client, mailbox):
    """The pending password only counts once the address's owner presses the mailed button."""
    guest_id = factories.user(email="gast@example.org", password=None, registered=False).id
    db.session.commit()
    client.submit("/register", {**NEW, "email": "gast@example.org"})
    user = user_by_email("gast@example.org")
    assert user.password_hash is None
    assert not user.is_registered
    assert user.id == guest_id


def test_a_second_registration_replaces_the_first_pending_password(client, mailbox):
    client.submit("/register", {**NEW, "password": "erstes passwort 111"})
    first_link = link_from(mailbox, NEW["email"])
    client.submit("/register", {**NEW, "password": "zweites passwort 222"})
    second_link = link_from(mailbox, NEW["email"])

    assert "ungültig oder abgelaufen" in client.get(first_link).text
    client.submit(second_link, {})
    user = user_by_email(NEW["email"])
    assert user.check_password("zweites passwort 222")
    assert not user.check_password("erstes passwort 111")


def test_a_short_password_gets_a_clear_message_and_keeps_the_address(client, mailbox):
    page = client.submit("/register", {**NEW, "password": "kurz"})
    assert page.status_code == 200
    assert "mindestens 10 Zeichen" in page.text
    assert 'value="anna.berger@example.org"' in page.text
    assert count(User) == 0
    assert mailbox.sent_to(NEW["email"]) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "", "Bitte geben Sie Ihre E-Mail-Adresse ein"),
        ("email", "anna", "gültige E-Mail-Adresse"),
        ("email", "anna@", "gültige E-Mail-Adresse"),
        ("email", "anna berger@example.org", "gültige E-Mail-Adresse"),
        ("email", "anna@example.org\r\nBcc: x@evil.example", "Steuerzeichen"),
        ("email", "a" * 250 + "@example.org", "zu lang"),
        ("password", "", "Bitte wählen Sie ein Passwort"),
        ("password", "x" * 201, "höchstens 200 Zeichen"),
        ("display_name", "A" * 81, "höchstens 80 Zeichen"),
    ],
)
def test_bad_input_comes_back_as_a_form_error(client, mailbox, field, value, message):
    page = client.submit("/register", {**NEW, field: value})
    assert page.status_code == 200
    assert "Bitte prüfen Sie Ihre Angaben" in page.text
    assert message in page.text
    assert count(User) == 0
    assert count(OutboxMail) == 0


def test_invisible_characters_never_reach_the_database(client, mailbox):
    """NUL (PostgreSQL refuses it), bidi overrides, zero-width spaces: dropped on the way in."""
    typed = {
        "email": "anna\x00.berger@example.org",
        "display_name": "An\u202ena\x00\u200b",
        "password": "sonnen\x00blume am fenster",
    }
    assert client.submit("/register", typed).status_code == 303
    client.submit(link_from(mailbox, "anna.berger@example.org"), {})
    user = user_by_email("anna.berger@example.org")
    assert user.display_name == "Anna"
    assert user.check_password("sonnenblume am fenster")


def test_a_name_with_a_line_break_is_kept_on_one_line(client, mailbox):
    client.submit("/register", {**NEW, "display_name": "Anna\r\nBcc: x@evil.example"})
    client.submit(link_from(mailbox, NEW["email"]), {})
    assert user_by_email(NEW["email"]).display_name == "Anna Bcc: x@evil.example"


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_register_without_a_valid_csrf_token_changes_nothing(client, mailbox, token):
    data = dict(NEW)
    if token is not None:
        data["csrf_token"] = token
    page = client.post("/register", data=data)
    assert page.status_code == 400
    assert count(User) == 0
    assert mailbox.sent_to(NEW["email"]) == []


def test_a_form_left_open_too_long_comes_back_with_the_typed_address(app, client, mailbox):
    stale = expired_csrf_token(app, client, "/register")
    page = client.post("/register", data={**NEW, "csrf_token": stale})
    assert page.status_code == 400
    assert "Das Formular war zu lange geöffnet" in page.text
    assert 'value="anna.berger@example.org"' in page.text
    assert count(User) == 0

    # The page carries a fresh token: sending it again just works.
    again = client.submit("/register", NEW)
    assert again.status_code == 303


def test_the_confirmation_mail_is_in_the_language_the_visitor_used(client, mailbox):
    client.set_cookie("lang", "en")
    client.submit("/register", NEW)
    assert user_by_email(NEW["email"]).locale == "en"
    # Durations come from CLDR, so they show the language even before the catalogs exist.
    assert "1 week" in body_of(mailbox.last_to(NEW["email"]))


def test_the_already_registered_mail_is_in_the_account_holders_language(client, mailbox):
    factories.user(email="bernd@example.org", locale="en")
    db.session.commit()
    client.submit("/register", {**NEW, "email": "bernd@example.org"})
    assert "30 minutes" in body_of(mailbox.last_to("bernd@example.org"))


def test_logged_in_visitors_are_sent_from_register_to_their_account(client):
    factories.user(email="bernd@example.org")
    db.session.commit()
    log_in(client, "bernd@example.org")
    assert client.get("/register").location == "/account"
