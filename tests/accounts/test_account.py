"""The account page, changing the password and logging out: what ends which session."""

from __future__ import annotations

from datetime import timedelta

import pytest

from board.accounts.models import User
from board.extensions import db
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests import factories
from tests.accounts.conftest import PASSWORD, expired_csrf_token, link_from, log_in, user_by_email

NEW_PASSWORD = "ein ganz neues passwort"


@pytest.fixture
def bernd(app):
    factories.user(email="bernd@example.org")
    db.session.commit()
    return "bernd@example.org"


def change_password(client, current=PASSWORD, new=NEW_PASSWORD):
    return client.submit("/account/password", {"current_password": current, "password": new})


def test_the_account_page_needs_a_login(client):
    answer = client.get("/account")
    assert answer.status_code == 302
    assert answer.location == "/login?next=%2Faccount"


def test_the_account_lists_ones_own_posts_by_status(client, bernd):
    author = db.session.query(User).filter_by(email=bernd).one()
    now = utcnow()
    factories.post(title="Biete Rasenmäher", author=author, status=PostStatus.PUBLISHED)
    factories.post(title="Suche Babysitter", author=author, status=PostStatus.PENDING)
    factories.post(title="Fahrrad verschenkt", author=author, status=PostStatus.CLOSED)
    factories.post(
        title="Alte Zeitschriften",
        author=author,
        status=PostStatus.PUBLISHED,
        expires_at=now - timedelta(hours=1),
    )
    own_id = factories.post(title="Kinderbett", author=author).id
    factories.post(title="Fremder Beitrag")
    db.session.commit()

    log_in(client, bernd)
    page = client.get("/account").text
    for heading in ("Veröffentlicht", "Wird geprüft", "Erledigt", "Abgelaufen"):
        assert heading in page
    assert "Biete Rasenmäher" in page
    assert "Suche Babysitter" in page
    assert "Fahrrad verschenkt" in page
    assert f'href="/posts/{own_id}"' in page
    assert "Fremder Beitrag" not in page
    # A post past its expiry is listed as expired even if no job has run yet.
    expired_section = page.split("Abgelaufen", 1)[1]
    assert "Alte Zeitschriften" in expired_section
    assert page.index("Veröffentlicht") < page.index("Wird geprüft") < page.index("Erledigt")


def test_an_account_without_posts_says_how_to_start(client, bernd):
    log_in(client, bernd)
    page = client.get("/account").text
    assert "Sie haben noch keine Beiträge geschrieben" in page
    assert 'href="/posts/new"' in page


def test_changing_the_password_logs_out_every_other_device(client, other_client, app, bernd):
    log_in(other_client, bernd, remember=True)
    remember = other_client.get_cookie("remember_token").value
    log_in(client, bernd)

    answer = change_password(client)
    assert answer.status_code == 303
    assert "Ihr Passwort ist geändert" in client.get("/account").text  # this device stays in

    assert other_client.get("/account").status_code == 302  # its session cookie is worthless
    restarted_browser = app.test_client()
    restarted_browser.set_cookie("remember_token", remember)
    assert restarted_browser.get("/account").status_code == 302  # and so is its remember cookie

    assert "stimmen nicht" in log_in(other_client, bernd, PASSWORD).text
    assert log_in(other_client, bernd, NEW_PASSWORD).location == "/account"


def test_a_remembered_device_stays_remembered_after_its_own_password_change(app, client, bernd):
    log_in(client, bernd, remember=True)
    change_password(client)
    fresh = app.test_client()
    fresh.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert fresh.get("/account").status_code == 200


def test_changing_the_password_mails_the_owner(client, mailbox, bernd):
    log_in(client, bernd)
    change_password(client)
    mail = mailbox.last_to(bernd)
    assert "geändert" in mail["Subject"]


def test_a_wrong_current_password_changes_nothing(client, bernd):
    log_in(client, bernd)
    page = change_password(client, current="falsches passwort")
    assert page.status_code == 200
    assert "Das bisherige Passwort stimmt nicht" in page.text
    assert user_by_email(bernd).check_password(PASSWORD)


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("", "Bitte wählen Sie ein Passwort"),
        ("kurz", "mindestens 10 Zeichen"),
        ("x" * 201, "höchstens 200 Zeichen"),
    ],
)
def test_a_bad_new_password_comes_back_as_a_form_error(client, bernd, new, message):
    log_in(client, bernd)
    page = change_password(client, new=new)
    assert page.status_code == 200
    assert message in page.text
    assert user_by_email(bernd).check_password(PASSWORD)


def test_someone_who_only_used_links_sets_a_first_password(client, mailbox):
    factories.user(email="gast@example.org", password=None, registered=False)
    db.session.commit()
    client.submit("/login/link", {"link_email": "gast@example.org"}, page="/login")
    client.submit(link_from(mailbox, "gast@example.org"), {})
    form = client.get("/account/password").text
    assert "Bisheriges Passwort" not in form
    assert client.submit("/account/password", {"password": NEW_PASSWORD}).status_code == 303
    assert user_by_email("gast@example.org").check_password(NEW_PASSWORD)


def test_change_password_without_csrf_token_changes_nothing(client, bernd):
    log_in(client, bernd)
    page = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD}
    )
    assert page.status_code == 400
    assert user_by_email(bernd).check_password(PASSWORD)


def test_an_expired_change_password_form_comes_back(app, client, bernd):
    log_in(client, bernd)
    stale = expired_csrf_token(app, client, "/account/password")
    page = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "csrf_token": stale,
        },
    )
    assert page.status_code == 400
    assert "Das Formular war zu lange geöffnet" in page.text
    assert user_by_email(bernd).check_password(PASSWORD)


# ---------------------------------------------------------------- logging out


def test_logout_is_a_post_with_a_csrf_token(client, bernd):
    log_in(client, bernd)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # a cross-site form cannot log anyone out
    assert client.get("/account").status_code == 200

    answer = client.submit("/logout", {}, page="/account")
    assert answer.status_code == 303
    assert "Sie sind abgemeldet" in client.get("/").text
    assert client.get("/account").status_code == 302


def test_old_cookies_are_worthless_after_logout(app, client, bernd):
    log_in(client, bernd, remember=True)
    session_cookie = client.get_cookie("session").value
    remember = client.get_cookie("remember_token").value
    client.submit("/logout", {}, page="/account")

    for name, value in (("session", session_cookie), ("remember_token", remember)):
        replay = app.test_client()
        replay.set_cookie(name, value)
        assert replay.get("/account").status_code == 302, name


def test_the_header_shows_who_is_logged_in(client, bernd):
    assert "Anmelden" in client.get("/").text
    log_in(client, bernd)
    page = client.get("/").text
    assert "Mein Konto" in page
    assert "Abmelden" in page


def test_pages_of_a_logged_in_person_are_not_cached(client, bernd):
    log_in(client, bernd)
    assert "no-store" in client.get("/account").headers["Cache-Control"]


def test_a_remembered_device_reading_a_feed_gets_no_session_cookie_on_the_public_answer(
    app, client, bernd
):
    """A shared cache must never be handed a login along with a public feed."""
    log_in(client, bernd, remember=True)
    browser = app.test_client()
    browser.set_cookie("remember_token", client.get_cookie("remember_token").value)

    feed = browser.get("/feeds/posts.atom")

    assert feed.status_code == 200
    assert "public" in feed.headers["Cache-Control"]
    assert "Set-Cookie" not in feed.headers
    assert browser.get("/account").status_code == 200  # a page that asks still logs them in


def test_every_status_has_its_place_on_the_account_page():
    from board.accounts.queries import ACCOUNT_ORDER
    from board.posts.status import PostStatus

    assert set(ACCOUNT_ORDER) == set(PostStatus)


def test_a_post_sent_back_for_changes_is_listed_for_its_author(client, bernd):
    from board.accounts.services import find_user
    from board.posts.status import PostStatus

    factories.post(title="Bitte ändern", author=find_user(bernd), status=PostStatus.RETURNED)
    db.session.commit()
    log_in(client, bernd)
    page = client.get("/account")

    assert page.status_code == 200
    assert "Bitte ändern" in page.text
