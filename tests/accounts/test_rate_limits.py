"""Floods of login, registration, reset and link requests get 429 with Retry-After."""

from __future__ import annotations

import re

import pytest

from board.extensions import db
from tests import factories
from tests.accounts.conftest import PASSWORD, log_in

TOO_MANY = "Zu viele Anfragen"


def token_of(client, page: str = "/login") -> str:
    html = client.get(page).text
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture
def bernd(app):
    factories.user(email="bernd@example.org")
    db.session.commit()
    return "bernd@example.org"


def test_a_login_flood_gets_429_with_retry_after(app, client, bernd):
    assert app.config["RATELIMIT_AUTH"].startswith("10 per minute")
    token = token_of(client)
    answers = [
        client.post("/login", data={"email": bernd, "password": "geraten", "csrf_token": token})
        for _ in range(11)
    ]
    assert [a.status_code for a in answers[:10]] == [200] * 10
    flooded = answers[10]
    assert flooded.status_code == 429
    assert int(flooded.headers["Retry-After"]) > 0
    assert TOO_MANY in flooded.text
    # Even the right password waits now: guessing gains nothing from the flood.
    assert log_in(client, bernd, PASSWORD).status_code == 429


def test_guessing_one_account_from_many_addresses_is_limited_too(client, bernd):
    token = token_of(client)
    statuses = [
        client.post(
            "/login",
            data={"email": bernd, "password": "geraten", "csrf_token": token},
            environ_base={"REMOTE_ADDR": f"203.0.113.{n}"},
        ).status_code
        for n in range(11)
    ]
    assert statuses[-1] == 429
    # Someone else, elsewhere, logs in as usual.
    factories.user(email="clara@example.org")
    db.session.commit()
    other = client.post(
        "/login",
        data={"email": "clara@example.org", "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert other.status_code == 303


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/register", {"email": "neu@example.org", "password": "kurz"}),
        ("/login/link", {"link_email": "neu@example.org"}),
        ("/reset", {"email": "neu@example.org"}),
        ("/login/link/kaputt", {}),
        ("/register/confirm/kaputt", {}),
        ("/reset/kaputt", {"password": "irgendein passwort"}),
    ],
)
def test_floods_of_other_account_requests_get_429(client, mailbox, url, data):
    token = token_of(client)
    statuses = [client.post(url, data={**data, "csrf_token": token}).status_code for _ in range(11)]
    assert 429 not in statuses[:10]
    assert statuses[10] == 429
    assert len(mailbox.messages) <= 10


def test_a_flood_does_not_block_reading_the_board(client, bernd):
    token = token_of(client)
    for _ in range(11):
        client.post("/login", data={"email": bernd, "password": "x", "csrf_token": token})
    assert client.get("/").status_code == 200
    assert client.get("/login").status_code == 200
