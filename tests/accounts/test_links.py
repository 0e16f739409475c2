"""Mailed links (confirm, login, reset): one button, single use, expiring, tamper-proof."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy.orm.attributes import set_committed_value

from board.accounts import services
from board.accounts.models import User
from board.accounts.services import LinkPurpose
from board.extensions import db
from board.security import InvalidLink
from board.timeutil import utcnow
from tests import factories
from tests.accounts.conftest import PASSWORD, link_from, local, log_in, user_by_email
from tests.conftest import body_of

INVALID = "Dieser Link ist ungültig oder abgelaufen"
PATHS = {
    LinkPurpose.CONFIRM: "/register/confirm/",
    LinkPurpose.LOGIN: "/login/link/",
    LinkPurpose.RESET: "/reset/",
}


@pytest.fixture
def bernd(app):
    factories.user(email="bernd@example.org")
    db.session.commit()
    return "bernd@example.org"


def mailed_link(app, email: str, purpose: LinkPurpose, issued_ago: timedelta = timedelta()) -> str:
    """A link as the board would have mailed it `issued_ago` (for a pending registration too)."""
    user = user_by_email(email)
    if purpose is LinkPurpose.CONFIRM:
        user.pending_password_hash = user.password_hash
        user.password_hash = None
        db.session.add(user)
        db.session.commit()
        user = user_by_email(email)
    with app.test_request_context():
        return local(services.make_link(user, purpose, utcnow() - issued_ago))


def use(client, link: str, purpose: LinkPurpose, password: str = "ganz neues passwort"):
    """Press the button (or, for a reset, send the new password) on the link's page.

    The CSRF token comes from the login page: an invalid link's page has no form to take it from.
    """
    data = {"password": password} if purpose is LinkPurpose.RESET else {}
    return client.submit(link, data, page="/login")


@pytest.mark.parametrize("purpose", list(LinkPurpose))
def test_opening_a_link_uses_nothing_up(app, client, bernd, purpose):
    """Mail scanners prefetch links: a GET shows a page with a button and changes nothing."""
    link = mailed_link(app, bernd, purpose)
    before = user_by_email(bernd)
    for _ in range(3):
        page = client.get(link)
        assert page.status_code == 200
        assert '<form method="post"' in page.text
    after = user_by_email(bernd)
    assert (after.link_nonce, after.password_hash, after.registered_at) == (
        before.link_nonce,
        before.password_hash,
        before.registered_at,
    )
    assert client.get("/account").status_code == 302
    assert use(client, link, purpose).status_code == 303


@pytest.mark.parametrize("purpose", list(LinkPurpose))
def test_a_link_works_only_once(app, client, other_client, bernd, purpose):
    link = mailed_link(app, bernd, purpose)
    assert use(client, link, purpose).status_code == 303
    for method in (other_client.get, lambda url: use(other_client, url, purpose)):
        again = method(link)
        assert again.status_code == 400
        assert INVALID in again.text
    assert other_client.get("/account").status_code == 302


@pytest.mark.parametrize("purpose", list(LinkPurpose))
def test_an_expired_link_gets_a_friendly_page_with_a_way_on(app, client, bernd, purpose):
    max_age = services.link_max_age(purpose)
    fresh_enough = mailed_link(app, bernd, purpose, timedelta(seconds=max_age - 60))
    assert client.get(fresh_enough).status_code == 200

    stale = mailed_link(app, bernd, purpose, timedelta(seconds=max_age + 1))
    for answer in (client.get(stale), use(client, stale, purpose)):
        assert answer.status_code == 400
        assert INVALID in answer.text
        assert 'href="/login"' in answer.text
        assert 'href="/reset"' in answer.text
    assert client.get("/account").status_code == 302


def test_the_configured_lifetimes_apply(app, bernd):
    assert services.link_max_age(LinkPurpose.LOGIN) == app.config["LOGIN_LINK_MAX_AGE"]
    assert services.link_max_age(LinkPurpose.CONFIRM) == app.config["CONFIRM_LINK_MAX_AGE"]
    assert services.link_max_age(LinkPurpose.RESET) == app.config["RESET_LINK_MAX_AGE"]
    link = mailed_link(app, bernd, LinkPurpose.LOGIN, timedelta(minutes=5))
    app.config["LOGIN_LINK_MAX_AGE"] = 60
    with pytest.raises(InvalidLink):
        services.check_link(LinkPurpose.LOGIN, link.rsplit("/", 1)[1], utcnow())


def tampered(token: str) -> list[str]:
    payload, stamp, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return [
        f"{payload}.{stamp}.{flipped}",
        f"{payload[:-2]}xy.{stamp}.{signature}",
        f"{payload}.{stamp}",
        "not-a-token",
        "%00",
        "x" * 5000,
        "eyJ1IjoxfQ.awdCvw.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ]


@pytest.mark.parametrize("purpose", list(LinkPurpose))
def test_a_tampered_link_gets_the_same_friendly_page(app, client, bernd, purpose):
    link = mailed_link(app, bernd, purpose)
    prefix, token = link.rsplit("/", 1)
    for bad in tampered(token):
        for answer in (client.get(f"{prefix}/{bad}"), use(client, f"{prefix}/{bad}", purpose)):
            assert answer.status_code == 400, bad
            assert INVALID in answer.text
    assert client.get("/account").status_code == 302
    assert use(client, link, purpose).status_code == 303  # the genuine link still works


def test_a_link_for_one_purpose_does_not_open_another(app, client, bernd):
    token = mailed_link(app, bernd, LinkPurpose.LOGIN).rsplit("/", 1)[1]
    assert INVALID in client.get(f"/reset/{token}").text
    assert INVALID in client.get(f"/register/confirm/{token}").text
    assert INVALID in use(client, f"/reset/{token}", LinkPurpose.RESET).text


@pytest.mark.parametrize("purpose", [LinkPurpose.LOGIN, LinkPurpose.RESET])
def test_links_from_before_a_password_change_stop_working(
    app, client, other_client, bernd, purpose
):
    link = mailed_link(app, bernd, purpose)
    log_in(client, bernd)
    change = {"current_password": PASSWORD, "password": "neu und lang genug"}
    client.submit("/account/password", change)
    answer = use(other_client, link, purpose)
    assert answer.status_code == 400
    assert INVALID in answer.text
    assert user_by_email(bernd).check_password("neu und lang genug")


def test_using_a_link_burns_the_other_links_mailed_before_it(app, client, bernd):
    login_link = mailed_link(app, bernd, LinkPurpose.LOGIN)
    reset_link = mailed_link(app, bernd, LinkPurpose.RESET)
    assert use(client, login_link, LinkPurpose.LOGIN).status_code == 303
    assert INVALID in client.get(reset_link).text


def test_two_presses_racing_with_one_link_let_only_one_in(app, bernd):
    """Both requests find the link valid; the conditional UPDATE lets only the first use it."""
    token = mailed_link(app, bernd, LinkPurpose.LOGIN).rsplit("/", 1)[1]
    as_the_slower_request_read_it = user_by_email(bernd)

    services.login_with_link(token, utcnow())  # the faster request
    db.session.commit()

    user = db.session.get(User, as_the_slower_request_read_it.id)
    set_committed_value(user, "link_nonce", as_the_slower_request_read_it.link_nonce)
    with pytest.raises(InvalidLink):
        services.login_with_link(token, utcnow())
    db.session.rollback()


def test_links_in_mails_use_the_configured_address_not_the_host_header(client, mailbox, bernd):
    forged = "http://evil.example"
    page = client.get("/login", base_url=forged).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post(
        "/login/link", data={"link_email": bernd, "csrf_token": token}, base_url=forged
    )
    assert answer.status_code == 303
    links = [link for link in body_of(mailbox.last_to(bernd)).split() if "://" in link]
    assert links
    assert all(link.startswith("http://board.test/") for link in links)


@pytest.mark.parametrize("purpose", list(LinkPurpose))
def test_a_suspended_user_is_told_so_at_the_link(app, client, purpose):
    factories.user(email="gesperrt@example.org")
    db.session.commit()
    link = mailed_link(app, "gesperrt@example.org", purpose)
    user = user_by_email("gesperrt@example.org")
    user.is_suspended = True
    db.session.add(user)
    db.session.commit()
    answer = use(client, link, purpose)
    assert answer.status_code == 403
    assert "Ihr Konto ist gesperrt" in answer.text
    assert client.get("/account").status_code == 302


def test_a_link_button_needs_the_csrf_token(app, client, bernd):
    link = mailed_link(app, bernd, LinkPurpose.LOGIN)
    assert client.post(link).status_code == 400
    assert client.get("/account").status_code == 302
    assert use(client, link, LinkPurpose.LOGIN).status_code == 303  # not used up by the refusal


# ---------------------------------------------------------------- password reset


def test_forgotten_password_reset_by_mailed_link(client, other_client, mailbox, bernd):
    log_in(other_client, bernd)  # an old session somewhere else
    answer = client.submit("/reset", {"email": "Bernd@example.org"})
    assert answer.status_code == 303
    assert "neues Passwort" in client.get(answer.location).text

    link = link_from(mailbox, bernd)
    assert link.startswith("/reset/")
    assert "2 Stunden" in body_of(mailbox.last_to(bernd))
    form = client.get(link)
    assert "Neues Passwort" in form.text

    done = client.submit(link, {"password": "ganz neues passwort"})
    assert done.location == "/account"
    assert "Ihr neues Passwort gilt ab sofort" in client.get("/account").text
    assert other_client.get("/account").status_code == 302
    assert "geändert" in mailbox.last_to(bernd)["Subject"]
    assert "stimmen nicht" in log_in(other_client, bernd, PASSWORD).text
    assert log_in(other_client, bernd, "ganz neues passwort").location == "/account"


def test_a_reset_request_answers_the_same_for_any_address(client, mailbox, bernd):
    known = client.submit("/reset", {"email": bernd})
    unknown = client.submit("/reset", {"email": "niemand@example.org"})
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    assert len(mailbox.sent_to(bernd)) == 1
    assert mailbox.sent_to("niemand@example.org") == []


def test_a_too_short_new_password_keeps_the_reset_link_usable(client, mailbox, bernd):
    client.submit("/reset", {"email": bernd})
    link = link_from(mailbox, bernd)
    page = client.submit(link, {"password": "kurz"})
    assert page.status_code == 200
    assert "mindestens 10 Zeichen" in page.text
    assert client.submit(link, {"password": "jetzt lang genug"}).location == "/account"


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Bitte geben Sie Ihre E-Mail-Adresse ein"),
        ("kein-at-zeichen", "gültige E-Mail-Adresse"),
    ],
)
def test_a_bad_address_for_a_reset_comes_back_as_a_form_error(client, mailbox, email, message):
    page = client.submit("/reset", {"email": email})
    assert page.status_code == 200
    assert message in page.text
    assert mailbox.messages == []


def test_a_reset_turns_a_guest_into_an_account(client, mailbox):
    factories.user(email="gast@example.org", password=None, registered=False)
    db.session.commit()
    client.submit("/reset", {"email": "gast@example.org"})
    client.submit(link_from(mailbox, "gast@example.org"), {"password": "mein erstes passwort"})
    user = user_by_email("gast@example.org")
    assert user.is_registered
    assert user.check_password("mein erstes passwort")
