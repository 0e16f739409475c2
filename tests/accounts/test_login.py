"""Logging in: with a password or an e-mailed link, safely redirected, without enumeration."""

from __future__ import annotations

import pytest

from board.extensions import db
from tests import factories
from tests.accounts.conftest import (
    PASSWORD,
    expired_csrf_token,
    link_from,
    log_in,
    user_by_email,
    visible_text,
)
from tests.conftest import FOREIGN_REDIRECTS, body_of


@pytest.fixture
def bernd(app):
    factories.user(email="bernd@example.org", display_name="Bernd")
    db.session.commit()
    return "bernd@example.org"


def test_login_page_offers_password_and_link_on_one_page(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "Anmeldelink schicken" in page.text
    assert 'type="password"' in page.text
    assert page.text.count('name="csrf_token"') >= 2
    assert 'id="csrf_token"' not in page.text  # two forms, no duplicate ids


def test_password_login_lands_on_the_account(client, bernd):
    answer = log_in(client, bernd)
    assert answer.status_code == 303
    assert answer.location == "/account"
    assert "Bernd" in client.get("/account").text
    assert user_by_email(bernd).last_login_at is not None


def test_the_address_is_matched_whatever_its_case(client, bernd):
    assert log_in(client, "  Bernd@EXAMPLE.org ").location == "/account"


def test_wrong_password_and_unknown_address_get_the_same_answer(client, bernd):
    wrong_password = log_in(client, bernd, "falsches-passwort")
    unknown = log_in(client, "niemand@example.org", "falsches-passwort")
    assert wrong_password.status_code == unknown.status_code == 200
    assert "E-Mail-Adresse oder Passwort stimmen nicht" in wrong_password.text
    assert visible_text(wrong_password.text).replace(bernd, "X") == visible_text(
        unknown.text
    ).replace("niemand@example.org", "X")
    assert client.get("/account").status_code == 302


def test_a_guest_without_password_cannot_log_in_with_one(client):
    factories.user(email="gast@example.org", password=None, registered=False)
    db.session.commit()
    assert "Bitte geben Sie Ihr Passwort ein" in log_in(client, "gast@example.org", "").text
    assert "stimmen nicht" in log_in(client, "gast@example.org", "irgendein passwort").text
    assert client.get("/account").status_code == 302


def test_a_failed_login_keeps_the_address_in_both_forms(client, bernd):
    page = log_in(client, bernd, "falsches-passwort")
    assert page.text.count('value="bernd@example.org"') == 2


def test_a_suspended_user_is_told_clearly(client):
    factories.user(email="gesperrt@example.org", is_suspended=True)
    db.session.commit()
    page = log_in(client, "gesperrt@example.org")
    assert page.status_code == 403
    assert "Ihr Konto ist gesperrt" in page.text
    assert client.get("/account").status_code == 302
    # Only someone who knows the password learns of the suspension.
    assert "stimmen nicht" in log_in(client, "gesperrt@example.org", "falsch-falsch").text


def test_login_honours_a_local_next(client, bernd):
    page = client.get("/login?next=/posts/7")
    assert 'value="/posts/7"' in page.text
    answer = client.submit(
        "/login?next=/posts/7",
        {
            "email": bernd,
            "password": PASSWORD,
            "next": "/posts/7",
        },
    )
    assert answer.location == "/posts/7"


@pytest.mark.parametrize("target", FOREIGN_REDIRECTS)
def test_login_never_sends_anyone_to_another_site(client, bernd, target):
    answer = client.submit("/login", {"email": bernd, "password": PASSWORD, "next": target})
    assert answer.status_code == 303
    assert answer.location == "/account"


def test_login_starts_a_fresh_session(client, bernd):
    with client.session_transaction() as session:
        session["left_over"] = "from before"
    log_in(client, bernd)
    with client.session_transaction() as session:
        assert "left_over" not in session
        assert session["_user_id"].startswith(str(user_by_email(bernd).id) + ":")


def test_remember_me_keeps_the_login_beyond_the_browser_session(app, client, other_client, bernd):
    log_in(client, bernd, remember=True)
    remember = client.get_cookie("remember_token")
    assert remember is not None
    # A browser restart drops the session cookie; the remember cookie logs the person back in.
    other_client.set_cookie("remember_token", remember.value)
    assert other_client.get("/account").status_code == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "", "password": PASSWORD}, "Bitte geben Sie Ihre E-Mail-Adresse ein"),
        ({"email": "bernd@example.org", "password": ""}, "Bitte geben Sie Ihr Passwort ein"),
        ({"email": "bernd", "password": PASSWORD}, "gültige E-Mail-Adresse"),
        ({"email": "b" * 300 + "@example.org", "password": PASSWORD}, "zu lang"),
        ({"email": "bernd@example.org", "password": "p" * 201}, "zu lang"),
    ],
)
def test_bad_login_input_comes_back_as_a_form_error(client, bernd, data, message):
    page = client.submit("/login", data)
    assert page.status_code == 200
    assert message in page.text
    assert client.get("/account").status_code == 302


def test_nul_bytes_in_the_login_form_are_no_error(client, bernd):
    """PostgreSQL refuses NUL; the request layer drops it before any query."""
    answer = client.submit("/login", {"email": "bernd\x00@example.org", "password": PASSWORD})
    assert answer.location == "/account"


@pytest.mark.parametrize("token", [None, "forged"])
def test_login_without_a_valid_csrf_token_logs_nobody_in(client, bernd, token):
    data = {"email": bernd, "password": PASSWORD}
    if token:
        data["csrf_token"] = token
    page = client.post("/login", data=data)
    assert page.status_code == 400
    assert client.get("/account").status_code == 302


def test_an_expired_login_form_comes_back_with_the_address(app, client, bernd):
    stale = expired_csrf_token(app, client, "/login")
    page = client.post("/login", data={"email": bernd, "password": PASSWORD, "csrf_token": stale})
    assert page.status_code == 400
    assert "Das Formular war zu lange geöffnet" in page.text
    assert 'value="bernd@example.org"' in page.text


# ---------------------------------------------------------------- login by link


def test_a_login_link_logs_in_without_a_password(client, mailbox, bernd):
    answer = client.submit("/login/link", {"link_email": bernd}, page="/login")
    assert answer.status_code == 303
    assert "Anmeldelink geschickt" in client.get(answer.location).text

    link = link_from(mailbox, bernd)
    assert link.startswith("/login/link/")
    assert "30 Minuten" in body_of(mailbox.last_to(bernd))
    assert "Jetzt anmelden" in client.get(link).text
    assert client.get("/account").status_code == 302  # the GET alone does nothing

    assert client.submit(link, {}).location == "/account"
    assert client.get("/account").status_code == 200


def test_a_login_link_request_answers_the_same_for_any_address(client, mailbox, bernd):
    known = client.submit("/login/link", {"link_email": bernd}, page="/login")
    unknown = client.submit("/login/link", {"link_email": "niemand@example.org"}, page="/login")
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    assert len(mailbox.sent_to(bernd)) == 1
    assert mailbox.sent_to("niemand@example.org") == []


def test_a_login_link_takes_the_person_where_they_wanted_to_go(client, mailbox, bernd):
    page = client.get("/login?next=/posts/7")
    assert page.text.count('value="/posts/7"') == 2
    client.submit("/login/link", {"link_email": bernd, "next": "/posts/7"}, page="/login")
    assert client.submit(link_from(mailbox, bernd), {}).location == "/posts/7"


def test_a_login_link_ignores_a_foreign_next(client, mailbox, bernd):
    client.submit("/login/link", {"link_email": bernd, "next": "//evil.example"}, page="/login")
    assert client.submit(link_from(mailbox, bernd), {}).location == "/account"


def test_a_login_link_turns_a_guest_into_an_account(client, mailbox):
    factories.user(email="gast@example.org", password=None, registered=False)
    db.session.commit()
    client.submit("/login/link", {"link_email": "gast@example.org"}, page="/login")
    client.submit(link_from(mailbox, "gast@example.org"), {})
    user = user_by_email("gast@example.org")
    assert user.is_registered
    assert user.email_confirmed_at is not None
    assert user.last_login_at is not None
    assert client.get("/account").status_code == 200


def test_a_login_link_does_not_adopt_a_strangers_pending_password(client, mailbox):
    """Someone registered this guest address; the owner logs in by link instead of confirming."""
    factories.user(email="gast@example.org", password=None, registered=False)
    db.session.commit()
    client.submit("/register", {"email": "gast@example.org", "password": "fremdes passwort"})
    client.submit("/login/link", {"link_email": "gast@example.org"}, page="/login")
    client.submit(link_from(mailbox, "gast@example.org"), {})
    user = user_by_email("gast@example.org")
    assert user.password_hash is None
    assert user.pending_password_hash is None


def test_no_login_link_for_a_suspended_user(client, mailbox):
    factories.user(email="gesperrt@example.org", is_suspended=True)
    db.session.commit()
    answer = client.submit("/login/link", {"link_email": "gesperrt@example.org"}, page="/login")
    assert answer.status_code == 303
    assert mailbox.sent_to("gesperrt@example.org") == []


def test_a_bad_address_for_a_login_link_comes_back_as_a_form_error(client, mailbox):
    page = client.submit("/login/link", {"link_email": "nicht-eine-adresse"}, page="/login")
    assert page.status_code == 200
    assert "gültige E-Mail-Adresse" in page.text
    assert 'value="nicht-eine-adresse"' in page.text
    assert mailbox.messages == []
