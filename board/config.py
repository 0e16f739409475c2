"""Configuration: defaults here, then instance/config.py (or BOARD_CONFIG), then BOARD_* variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

DEFAULT_SECRET_KEY = "dev-only-change-me"


class Defaults:
    SECRET_KEY = DEFAULT_SECRET_KEY
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled with instance/board.sqlite3 below
    BASE_URL = "http://127.0.0.1:5000"
    TOWN_NAME = "Neumarkt i.d.OPf."
    TOWN_ACCENT_COLOR = "#0b6e4f"
    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"
    LANGUAGES = ("de", "en")
    POSTS_PER_PAGE = 20
    TITLE_MAX_LENGTH = 120
    BODY_MAX_LENGTH = 5000
    # A post's lifetime in days by kind until the expiry issue makes this per category.
    LIFETIME_DAYS = {"offer": 30, "request": 30, "notice": 14, "event": 60}
    MAX_RENEWALS = 5
    # Form posts are small; a 10 MB body is refused before it reaches a view.
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_PARTS = 200
    WTF_CSRF_CHECK_DEFAULT = False  # board.site checks every POST; see check_csrf there
    WTF_CSRF_TIME_LIMIT = 6 * 3600  # a resident typing slowly on a phone still gets through
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    LOGIN_LINK_MAX_AGE = 30 * 60
    CONFIRM_LINK_MAX_AGE = 7 * 24 * 3600
    RESET_LINK_MAX_AGE = 2 * 3600
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_TIMEOUT = 10
    MAIL_SENDER = "Schwarzes Brett <brett@localhost>"
    MAIL_MAX_ATTEMPTS = 8
    MAIL_SEND_AFTER_REQUEST = True
    REDIS_URL: str | None = None
    RATELIMIT_CONTACT = "5 per hour;20 per day"
    RATELIMIT_AUTH = "10 per minute;50 per hour"
    RATELIMIT_POSTING = "10 per hour"
    EMBED_ORIGINS: tuple[str, ...] = ()


# Variables read from the environment, with the type each is parsed into.
_ENV_TYPES: dict[str, type] = {
    "DATABASE_URL": str,
    "SECRET_KEY": str,
    "BASE_URL": str,
    "TOWN_NAME": str,
    "TOWN_ACCENT_COLOR": str,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_USE_TLS": bool,
    "MAIL_USE_SSL": bool,
    "MAIL_SENDER": str,
    "REDIS_URL": str,
    "EMBED_ORIGINS": tuple,
}


def _parse(kind: type, raw: str) -> Any:
    if kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind is int:
        return int(raw)
    if kind is tuple:
        return tuple(part for part in raw.replace(",", " ").split() if part)
    return raw


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Apply defaults, the town's config file, the environment, then explicit overrides."""
    app.config.from_object(Defaults)
    config_file = os.environ.get("BOARD_CONFIG") or str(Path(app.instance_path) / "config.py")
    if Path(config_file).is_file():
        app.config.from_pyfile(config_file)
    for name, kind in _ENV_TYPES.items():
        raw = os.environ.get(f"BOARD_{name}")
        if raw is not None:
            app.config[name] = _parse(kind, raw)
    if overrides:
        app.config.update(overrides)
    if app.config.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'board.sqlite3'}"
        )
    app.config["SQLALCHEMY_DATABASE_URI"] = _with_psycopg3(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["REDIS_URL"] and not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    app.config["BASE_URL"] = app.config["BASE_URL"].rstrip("/")
    if app.config["BASE_URL"].startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True


def _with_psycopg3(url: str) -> str:
    """Let a plain postgresql:// URL use psycopg 3, the driver we install."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # A gunicorn worker waits up to 15 s for another's write instead of failing at once.
        return {"connect_args": {"timeout": 15}}
    return {"pool_pre_ping": True}


def refuse_default_secret(app: Flask) -> None:
    """Outside debug and testing, a known secret key would let anyone forge sessions and links."""
    if app.debug or app.testing:
        return
    if app.config["SECRET_KEY"] in (DEFAULT_SECRET_KEY, "", None):
        raise RuntimeError(
            "Refusing to start with the default secret key. Set BOARD_SECRET_KEY in the environment "
            "or SECRET_KEY in instance/config.py, e.g. to the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
