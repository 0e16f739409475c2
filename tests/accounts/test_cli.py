"""`flask --app board create-user`: how a town makes its first admin."""

from __future__ import annotations

from board.accounts.models import Role
from tests.accounts.conftest import link_from, log_in, user_by_email


def test_create_user_makes_a_confirmed_admin_who_can_log_in(runner, client):
    args = ["create-user", "Rathaus@Neumarkt.de", "--role", "admin", "--password", "geheim 12345"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "rathaus@neumarkt.de: admin" in result.output
    user = user_by_email("rathaus@neumarkt.de")
    assert user.role is Role.ADMIN
    assert user.is_registered
    assert user.email_confirmed_at is not None
    assert log_in(client, "rathaus@neumarkt.de", "geheim 12345").location == "/account"


def test_create_user_without_password_logs_in_by_link(runner, client, mailbox):
    result = runner.invoke(args=["create-user", "moderation@neumarkt.de", "--role", "moderator"])
    assert result.exit_code == 0, result.output
    user = user_by_email("moderation@neumarkt.de")
    assert user.role is Role.MODERATOR
    assert user.password_hash is None
    client.submit("/login/link", {"link_email": "moderation@neumarkt.de"}, page="/login")
    assert client.submit(link_from(mailbox, "moderation@neumarkt.de"), {}).location == "/account"


def test_create_user_changes_the_role_of_an_existing_account(runner):
    runner.invoke(args=["create-user", "anna@example.org", "--password", "anfangs-passwort"])
    assert user_by_email("anna@example.org").role is Role.RESIDENT
    result = runner.invoke(args=["create-user", "anna@example.org", "--role", "moderator"])
    assert result.exit_code == 0, result.output
    user = user_by_email("anna@example.org")
    assert user.role is Role.MODERATOR
    assert user.check_password("anfangs-passwort")  # no --password: the old one stays


def test_create_user_refuses_an_invalid_address(runner):
    result = runner.invoke(args=["create-user", "kein-at-zeichen", "--role", "admin"])
    assert result.exit_code == 2
    assert "not a valid e-mail address" in result.output
    assert user_by_email("kein-at-zeichen") is None


def test_create_user_refuses_an_unknown_role(runner):
    result = runner.invoke(args=["create-user", "anna@example.org", "--role", "kaiser"])
    assert result.exit_code == 2
    assert user_by_email("anna@example.org") is None
