"""Configuration layers: defaults → instance/config.py (or BOARD_CONFIG) → BOARD_* variables →
what create_app() is given."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import request

from board import create_app

TESTING = {"TESTING": True}


def test_defaults_run_on_sqlite_in_the_instance_folder_and_write_mail_to_files(instance):
    app = create_app(TESTING)

    assert app.instance_path == str(instance)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'board.sqlite3'}"
    assert app.config["MAIL_SERVER"] is None
    assert app.config["TOWN_NAME"] == "Neumarkt i.d.OPf."
    assert app.config["EMBED_ORIGINS"] == ()
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"connect_args": {"timeout": 15}}


def test_the_towns_config_file_overrides_the_defaults(instance):
    (instance / "config.py").write_text(
        'TOWN_NAME = "Musterstadt"\nSECRET_KEY = "a-long-random-secret-for-musterstadt"\n'
        'MAIL_SERVER = "mail.musterstadt.de"\nlowercase_is_ignored = 1\n'
    )

    app = create_app()

    assert app.config["TOWN_NAME"] == "Musterstadt"
    assert app.config["MAIL_SERVER"] == "mail.musterstadt.de"
    assert "lowercase_is_ignored" not in app.config


def test_board_config_names_another_file_instead_of_the_instance_one(
    instance, monkeypatch, tmp_path
):
    (instance / "config.py").write_text('TOWN_NAME = "Aus dem Instanzordner"\n')
    other = tmp_path / "stadt.py"
    other.write_text('TOWN_NAME = "Aus BOARD_CONFIG"\n')
    monkeypatch.setenv("BOARD_CONFIG", str(other))

    assert create_app(TESTING).config["TOWN_NAME"] == "Aus BOARD_CONFIG"


def test_a_board_config_that_names_no_file_stops_the_start(instance, monkeypatch, tmp_path):
    monkeypatch.setenv("BOARD_CONFIG", str(tmp_path / "tippfehler.py"))

    with pytest.raises(RuntimeError, match="tippfehler.py"):
        create_app(TESTING)


def test_environment_variables_override_the_config_file(instance, monkeypatch):
    (instance / "config.py").write_text('TOWN_NAME = "Aus der Datei"\nMAIL_PORT = 25\n')
    monkeypatch.setenv("BOARD_TOWN_NAME", "Aus der Umgebung")
    monkeypatch.setenv("BOARD_MAIL_PORT", "587")
    monkeypatch.setenv("BOARD_MAIL_USE_TLS", "true")
    monkeypatch.setenv("BOARD_MAIL_SERVER", "smtp.example.de")
    monkeypatch.setenv("BOARD_MAIL_USERNAME", "brett")
    monkeypatch.setenv("BOARD_MAIL_PASSWORD", "geheim")
    monkeypatch.setenv("BOARD_MAIL_SENDER", "Brett <brett@example.de>")
    monkeypatch.setenv("BOARD_BASE_URL", "https://brett.example.de/")

    config = create_app(TESTING).config

    assert config["TOWN_NAME"] == "Aus der Umgebung"
    assert config["MAIL_PORT"] == 587
    assert config["MAIL_USE_TLS"] is True
    assert config["MAIL_SERVER"] == "smtp.example.de"
    assert (config["MAIL_USERNAME"], config["MAIL_PASSWORD"]) == ("brett", "geheim")
    assert config["MAIL_SENDER"] == "Brett <brett@example.de>"
    assert config["BASE_URL"] == "https://brett.example.de"
    assert config["SESSION_COOKIE_SECURE"] is True  # served over HTTPS


def test_explicit_settings_override_the_environment(instance, monkeypatch):
    monkeypatch.setenv("BOARD_TOWN_NAME", "Aus der Umgebung")
    monkeypatch.setenv("BOARD_DATABASE_URL", "postgresql://board@db.example.de/board")

    config = create_app(
        {**TESTING, "TOWN_NAME": "Ausdrücklich", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    ).config

    assert config["TOWN_NAME"] == "Ausdrücklich"
    assert config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://board@db/board", "postgresql+psycopg://board@db/board"),
        ("postgres://board:pw@db:5433/board", "postgresql+psycopg://board:pw@db:5433/board"),
        ("postgresql+psycopg://board@db/board", "postgresql+psycopg://board@db/board"),
        ("sqlite:////srv/brett/board.sqlite3", "sqlite:////srv/brett/board.sqlite3"),
    ],
)
def test_a_plain_postgresql_url_uses_psycopg_3(instance, monkeypatch, url, expected):
    monkeypatch.setenv("BOARD_DATABASE_URL", url)

    config = create_app(TESTING).config

    assert config["SQLALCHEMY_DATABASE_URI"] == expected
    if expected.startswith("postgresql"):
        assert config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}


def test_database_url_in_the_config_file_is_used(instance):
    (instance / "config.py").write_text('DATABASE_URL = "postgresql://board@db/board"\n')

    uri = create_app(TESTING).config["SQLALCHEMY_DATABASE_URI"]

    assert uri == "postgresql+psycopg://board@db/board"


def test_redis_url_shares_rate_limits_across_workers(instance, monkeypatch):
    monkeypatch.setenv("BOARD_REDIS_URL", "redis://127.0.0.1:6379/0")

    assert create_app(TESTING).config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.neumarkt.de", ("https://www.neumarkt.de",)),
        (
            "https://www.neumarkt.de, https://Verein.Example.org:8443/",
            ("https://www.neumarkt.de", "https://verein.example.org:8443"),
        ),
        ("https://a.de https://a.de", ("https://a.de",)),
        ("", ()),
    ],
)
def test_embed_origins_are_read_as_a_list(instance, monkeypatch, raw, expected):
    monkeypatch.setenv("BOARD_EMBED_ORIGINS", raw)

    assert create_app(TESTING).config["EMBED_ORIGINS"] == expected


@pytest.mark.parametrize(
    "raw",
    [
        "https://a.de; script-src *",
        "https://a.de/pfad",
        "*",
        "'self'",
        "javascript:alert(1)",
        "https://a.de\nX-Evil: 1",
    ],
)
def test_an_embed_origin_that_is_not_an_origin_stops_the_start(instance, monkeypatch, raw):
    monkeypatch.setenv("BOARD_EMBED_ORIGINS", raw)

    with pytest.raises(RuntimeError, match="EMBED_ORIGINS"):
        create_app(TESTING)


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("BOARD_MAIL_PORT", "fünfundzwanzig", "BOARD_MAIL_PORT must be a whole number"),
        ("BOARD_MAIL_USE_TLS", "vielleicht", "BOARD_MAIL_USE_TLS must be true or false"),
        ("BOARD_MAIL_SENDER", "Brett <brett@example.de>\r\nBcc: x@y.de", "MAIL_SENDER"),
        ("BOARD_MAIL_SENDER", "kein Absender", "MAIL_SENDER"),
    ],
)
def test_a_malformed_environment_variable_says_which_and_why(
    instance, monkeypatch, name, raw, message
):
    monkeypatch.setenv(name, raw)

    with pytest.raises(RuntimeError, match=message):
        create_app(TESTING)


@pytest.mark.parametrize("secret", [None, "dev-only-change-me", ""])
def test_production_refuses_to_start_with_the_default_secret_key(instance, monkeypatch, secret):
    if secret is not None:
        monkeypatch.setenv("BOARD_SECRET_KEY", secret)

    with pytest.raises(RuntimeError) as refused:
        create_app()

    message = str(refused.value)
    assert "BOARD_SECRET_KEY" in message and "instance/config.py" in message
    assert "secrets.token_hex" in message  # says how to make one


def test_production_starts_with_a_secret_key_from_the_environment(instance, monkeypatch):
    monkeypatch.setenv("BOARD_SECRET_KEY", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4")

    app = create_app()

    assert not app.debug and not app.testing


@pytest.mark.parametrize("mode", [{"DEBUG": True}, {"TESTING": True}])
def test_debug_and_testing_may_use_the_default_secret_key(instance, mode):
    assert create_app(mode).config["SECRET_KEY"] == "dev-only-change-me"


def test_the_example_config_is_valid_and_does_not_ship_a_usable_secret(instance, monkeypatch):
    example = Path(__file__).parent.parent / "instance" / "config.example.py"
    monkeypatch.setenv("BOARD_CONFIG", str(example))

    with pytest.raises(RuntimeError, match="default secret key"):
        create_app()
    assert create_app(TESTING).config["TOWN_NAME"] == "Neumarkt i.d.OPf."


@pytest.mark.parametrize(("proxies", "seen"), [(None, "127.0.0.1"), ("1", "203.0.113.7")])
def test_behind_a_reverse_proxy_the_visitors_address_is_taken_from_it(
    instance, monkeypatch, proxies, seen
):
    if proxies:
        monkeypatch.setenv("BOARD_PROXY_COUNT", proxies)
    app = create_app(TESTING)
    app.add_url_rule("/_address", "address", lambda: request.remote_addr or "")

    page = app.test_client().get(
        "/_address",
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )

    assert page.text == seen  # without a proxy, anyone could claim any address
