"""Configuration: defaults, then instance/config.py (or BOARD_CONFIG), then BOARD_* variables,
then what create_app() is given."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from flask import Config, Flask
from werkzeug.middleware.proxy_fix import ProxyFix

# Known to everyone, so refused outside debug and testing (refuse_default_secret).
DEFAULT_SECRET_KEY = "dev-only-change-me"  # noqa: S105


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
    # A post's lifetime in days by kind, unless its category has its own (by category slug,
    # e.g. {"mitfahren": 7}); the author may choose shorter. Events leave when they end.
    LIFETIME_DAYS = {"offer": 30, "request": 30, "notice": 14, "event": 60}
    LIFETIME_DAYS_BY_CATEGORY: dict[str, int] = {}
    MAX_LIFETIME_DAYS = 60
    MAX_RENEWALS = 5
    # The reminder with a one-tap renew link goes out this many days before a post expires.
    REMINDER_DAYS_BEFORE = 3
    # How long a renew link in a reminder works (it also stops once used).
    RENEW_LINK_MAX_AGE = 30 * 24 * 3600
    # Expired, closed, rejected and removed posts stay with their author this long (to renew
    # or look up), then their text and everything personal is erased; counts remain.
    PURGE_AFTER_DAYS = 90
    # Unconfirmed guest drafts and registrations are deleted after this many days.
    PURGE_UNCONFIRMED_DAYS = 14
    # Sent mails (they hold addresses and texts) are deleted after this many days.
    PURGE_MAIL_DAYS = 30
    # Run the job scheduler inside the web app (guarded by a database lock so that only one
    # process runs it). The default is a separate `flask --app board scheduler` process.
    SCHEDULER_IN_PROCESS = False
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
    # Backoff 1, 2, 4 … minutes, at most 6 hours: 12 attempts span about 20 hours of outage.
    MAIL_MAX_ATTEMPTS = 12
    MAIL_SEND_AFTER_REQUEST = True
    REDIS_URL: str | None = None
    RATELIMIT_CONTACT = "5 per hour;20 per day"
    RATELIMIT_AUTH = "10 per minute;50 per hour"
    RATELIMIT_POSTING = "10 per hour"
    RATELIMIT_REPORT = "5 per hour;20 per day"
    # Subscribing mails a confirmation to a typed address: this often per client and address.
    RATELIMIT_SUBSCRIBE = "10 per hour;30 per day"
    EMBED_ORIGINS: tuple[str, ...] = ()
    # Moderation (board/moderation/policy.py). "pre": every post waits for a moderator;
    # "post": published at once, reviewed afterwards; "trust": the first posts of a new person
    # wait, trusted people, verified organisations and the administration publish at once.
    MODERATION_POLICY = "trust"
    # Under "trust": how many of a person's posts a moderator must have let through before
    # their posts publish at once.
    MODERATION_TRUST_AFTER = 1
    # Distinct reporters that take a post off the board until a moderator decides.
    MODERATION_REPORTS_TO_HIDE = 3
    # Mail to moderators about what waits: "off", "daily" (at DIGEST_HOUR, Berlin time) or
    # "stale" (when the oldest waiting post is older than MODERATION_DIGEST_STALE_HOURS).
    MODERATION_DIGEST = "daily"
    MODERATION_DIGEST_HOUR = 7
    MODERATION_DIGEST_STALE_HOURS = 12
    # How long an author may appeal a decision (the DSA asks for at least six months).
    APPEAL_LINK_MAX_AGE = 183 * 24 * 3600
    # Spam signals: a post with any of them waits in the queue instead of being published.
    SPAM_MAX_LINKS = 3
    # Words, phrases or domains (case and umlaut spelling ignored), e.g. ("casino", "bit.ly").
    SPAM_BLOCKLIST: tuple[str, ...] = ()
    # The same text posted again within this many days.
    SPAM_DUPLICATE_DAYS = 30
    # More than SPAM_BURST_POSTS posts by one person within SPAM_BURST_MINUTES.
    SPAM_BURST_POSTS = 4
    SPAM_BURST_MINUTES = 60
    # The town's categories (slug, German, English) and districts (slug, name), written to the
    # database by `flask --app board sync-town` (board/posts/town.py).
    CATEGORIES: tuple[tuple[str, str, str], ...] = (
        ("nachbarschaftshilfe", "Nachbarschaftshilfe", "Neighbourly help"),
        ("verschenken", "Verschenken", "Give away"),
        ("verleihen", "Verleihen", "Lend and borrow"),
        ("mitfahren", "Mitfahren", "Lifts"),
        ("ehrenamt-gesucht", "Ehrenamt gesucht", "Volunteers wanted"),
        ("veranstaltungen", "Veranstaltungen", "Events"),
        ("tiere", "Tiere", "Animals"),
        ("kinder-familie", "Kinder & Familie", "Children & family"),
        ("garten", "Garten", "Garden"),
        ("sonstiges", "Sonstiges", "Other"),
    )
    DISTRICTS: tuple[tuple[str, str], ...] = ()
    # How long a process may serve a kept board page (board/posts/cache.py); 0 turns it off.
    PAGE_CACHE_SECONDS = 30
    # Reverse proxies in front of the board (1 for nginx or Caddy before gunicorn): their
    # X-Forwarded-For and -Proto are trusted, so rate limits see the visitor's address.
    PROXY_COUNT = 0


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
    "MODERATION_POLICY": str,
    "MODERATION_REPORTS_TO_HIDE": int,
    "MODERATION_DIGEST": str,
    "SCHEDULER_IN_PROCESS": bool,
    "PROXY_COUNT": int,
}


def _parse(name: str, kind: type, raw: str) -> Any:
    if kind is bool:
        value = raw.strip().lower()
        if value not in {"1", "true", "yes", "on", "0", "false", "no", "off", ""}:
            raise RuntimeError(f"BOARD_{name} must be true or false, not {raw!r}")
        return value in {"1", "true", "yes", "on"}
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise RuntimeError(f"BOARD_{name} must be a whole number, not {raw!r}") from None
    if kind is tuple:
        return tuple(part for part in raw.replace(",", " ").split() if part)
    return raw


def _apply(config: Config, layer: dict[str, Any]) -> None:
    """Put one layer over the ones before it; its DATABASE_URL beats an earlier layer's URI."""
    config.update(layer)
    if layer.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = layer["DATABASE_URL"]


def _file_layer(app: Flask) -> dict[str, Any]:
    named = os.environ.get("BOARD_CONFIG")
    config_file = Path(named) if named else Path(app.instance_path) / "config.py"
    if not config_file.is_file():
        if named:  # a typo here would silently run the town on defaults
            raise RuntimeError(f"BOARD_CONFIG names {named!r}, but there is no such file.")
        return {}
    values = Config(app.root_path)
    values.from_pyfile(str(config_file.resolve()))
    return dict(values)


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Apply defaults, the town's config file, the environment, then explicit overrides."""
    app.config.from_object(Defaults)
    _apply(app.config, _file_layer(app))
    _apply(
        app.config,
        {
            name: _parse(name, kind, os.environ[f"BOARD_{name}"])
            for name, kind in _ENV_TYPES.items()
            if f"BOARD_{name}" in os.environ
        },
    )
    _apply(app.config, overrides or {})
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'board.sqlite3'}"
        )
    app.config["SQLALCHEMY_DATABASE_URI"] = _with_psycopg3(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        # Per process unless Redis is configured: enough for one machine, documented in README.
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"] or "memory://"
    app.config["BASE_URL"] = app.config["BASE_URL"].rstrip("/")
    if app.config["BASE_URL"].startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config["EMBED_ORIGINS"] = _checked_origins(app.config["EMBED_ORIGINS"])
    _check_sender(app.config["MAIL_SENDER"])
    _check_choice(app.config, "MODERATION_POLICY", ("pre", "post", "trust"))
    _check_choice(app.config, "MODERATION_DIGEST", ("off", "daily", "stale"))


def _check_choice(config: Config, name: str, choices: tuple[str, ...]) -> None:
    """A misspelt policy must stop the start, not silently moderate differently."""
    value = str(config[name]).strip().lower()
    if value not in choices:
        raise RuntimeError(f"{name} must be one of {', '.join(choices)}, not {config[name]!r}.")
    config[name] = value


# scheme://host[:port], nothing else: the value goes into a CSP frame-ancestors header.
_ORIGIN = re.compile(r"https?://(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?")


def _checked_origins(origins: Any) -> tuple[str, ...]:
    """The sites allowed to embed the board, each an origin like https://www.neumarkt.de."""
    if isinstance(origins, str):
        origins = origins.replace(",", " ").split()
    checked = []
    for origin in origins:
        value = str(origin).strip().rstrip("/").lower()
        if not _ORIGIN.fullmatch(value):
            raise RuntimeError(
                f"EMBED_ORIGINS: {origin!r} is not an origin like https://www.example.de "
                "(scheme and host, optionally a port; no path, quotes or semicolons)."
            )
        checked.append(value)
    return tuple(dict.fromkeys(checked))


def _check_sender(sender: str) -> None:
    if "@" not in sender or any(not ch.isprintable() for ch in sender):
        raise RuntimeError(
            f"MAIL_SENDER must be an address like 'Schwarzes Brett <brett@example.de>', "
            f"not {sender!r}."
        )


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


def trust_proxies(app: Flask) -> None:
    """Behind PROXY_COUNT reverse proxies, take the client's address and scheme from them."""
    count = app.config["PROXY_COUNT"]
    if count:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count
        )


def refuse_default_secret(app: Flask) -> None:
    """Outside debug and testing, a known secret key would let anyone forge sessions and links."""
    if app.debug or app.testing:
        return
    if app.config["SECRET_KEY"] in (DEFAULT_SECRET_KEY, "", None):
        raise RuntimeError(
            "Refusing to start with the default secret key. Set BOARD_SECRET_KEY in the "
            "environment or SECRET_KEY in instance/config.py, e.g. to the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
