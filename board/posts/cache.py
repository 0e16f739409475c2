"""The board page from memory, and never wrong for it.

Rendering twenty cards costs several times more than a trivial request, so each process keeps
the board pages it rendered for anonymous visitors. A kept page is served only while all three
hold:

- the *board version* is unchanged: one row, bumped in the same transaction as any write to the
  tables a page shows (post, category, district, organisation). The bump is done at the database
  driver level, so every writer – services, bulk jobs, raw SQL run through the app – is seen,
  and every process and host reads the same number, one cheap query per request;
- no post it shows (or pushes onto a later page) has reached its ``expires_at``: visibility
  changes with time, not only with writes, so a page's entry ends at its first post's expiry;
- it is younger than ``PAGE_CACHE_SECONDS`` (default 30): "vor 5 Minuten" stays right to
  within a minute, and a change made outside the app (psql by hand) shows within that time.

Only visitors without a session or remember cookie get kept pages: nothing in their page can
depend on who they are (no flashed message, no CSRF token, no account menu). Everyone else gets a
fresh render, as does any render that touched the session.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import current_app, g, request, session
from flask_babel import get_locale
from sqlalchemy import event, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.wrappers import Response

from board.extensions import db
from board.timeutil import utcnow

T = TypeVar("T")

MAX_PAGES = 256  # per process: bounded however many query strings visitors invent
CHOICES_TTL = timedelta(seconds=60)


class BoardVersion(db.Model):
    """One row whose value changes whenever anything the board shows changes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


# ---------------------------------------------------------------- the board version

# A write to a table the board page shows, however it was issued (ORM flush, bulk ORM
# statement, Core, text()): the statement SQLAlchemy hands the driver starts like this.
# Deleting a user counts too, in case their posts go with them by a cascade in the database.
_WRITES_BOARD = re.compile(
    r'\s*(?:(?:insert\s+into|update|delete\s+from)\s+"?(?:post|category|district|organisation)"?'
    r'|delete\s+from\s+"?user"?)[\s(]',
    re.IGNORECASE,
)
_CHANGED = "board_changed"
_BUMP = (
    "INSERT INTO board_version (id, value) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET value = board_version.value + 1"
)


# A Core statement on the table, not an ORM query: this runs on every board request.
_READ_VERSION = select(BoardVersion.__table__.c.value).where(BoardVersion.__table__.c.id == 1)


@event.listens_for(Engine, "before_cursor_execute")
def _note_board_write(
    conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    if _WRITES_BOARD.match(statement):
        conn.info[_CHANGED] = True


@event.listens_for(Engine, "commit")
def _bump_board_version(conn: Connection) -> None:
    """Bump the version in the transaction that changed the board, just before it commits.

    Taken last, the row lock is held only for the commit itself, so writers never deadlock on it.
    Straight on the driver's cursor: the connection is in the middle of committing.
    """
    if not conn.info.pop(_CHANGED, False):
        return
    cursor = conn.connection.cursor()
    savepoint = conn.dialect.name == "postgresql"  # there an error would abort the transaction
    try:
        if savepoint:
            cursor.execute("SAVEPOINT board_version")
        cursor.execute(_BUMP)
        if savepoint:
            cursor.execute("RELEASE SAVEPOINT board_version")
    except Exception:  # noqa: BLE001  (no board_version table yet, e.g. while migrating)
        if savepoint:
            cursor.execute("ROLLBACK TO SAVEPOINT board_version")
    finally:
        cursor.close()


@event.listens_for(Engine, "rollback")
def _forget_board_write(conn: Connection) -> None:
    conn.info.pop(_CHANGED, None)


def current_version() -> int:
    """The board version, read once per request and before anything the page shows.

    Reading it first means whatever the page then reads is at least as new as the version it is
    kept under (on PostgreSQL each statement sees the latest commits; on SQLite the session's
    read transaction takes its snapshot after this).
    """
    if "board_version" not in g:
        # On a connection of its own: a kept page then needs no ORM session at all. On
        # PostgreSQL outside a transaction, which saves the BEGIN and ROLLBACK round trips
        # (SQLite's connections begin their transactions themselves: see board.extensions).
        engine = db.engine
        options = {"isolation_level": "AUTOCOMMIT"} if engine.dialect.name == "postgresql" else {}
        with engine.connect().execution_options(**options) as conn:
            g.board_version = conn.execute(_READ_VERSION).scalar() or 0
    return int(g.board_version)


# ---------------------------------------------------------------- the process's memory


@dataclass(frozen=True)
class _Kept:
    value: Any
    version: int
    stale_at: datetime

    def is_fresh(self, version: int, now: datetime) -> bool:
        return self.version == version and now < self.stale_at


class _Store:
    """What one app keeps in one process; gunicorn's workers each have their own."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pages: OrderedDict[tuple[str, str], _Kept] = OrderedDict()
        self.choices: _Kept | None = None

    def page(self, key: tuple[str, str]) -> _Kept | None:
        with self.lock:
            kept = self.pages.get(key)
            if kept is not None:
                self.pages.move_to_end(key)
            return kept

    def keep_page(self, key: tuple[str, str], kept: _Kept) -> None:
        with self.lock:
            self.pages[key] = kept
            self.pages.move_to_end(key)
            while len(self.pages) > MAX_PAGES:
                self.pages.popitem(last=False)


def _store() -> _Store:
    return current_app.extensions.setdefault("board_cache", _Store())  # type: ignore[no-any-return]


def cached_choices(load: Callable[[], T]) -> T:
    """The board's categories and districts, loaded again only when the board changed."""
    store, version, now = _store(), current_version(), utcnow()
    kept = store.choices
    if kept is None or not kept.is_fresh(version, now):
        kept = store.choices = _Kept(load(), version, now + CHOICES_TTL)
    return kept.value  # type: ignore[no-any-return]


# ---------------------------------------------------------------- the page


@dataclass(frozen=True)
class _Page:
    body: bytes
    etag: str


def _ttl() -> timedelta:
    return timedelta(seconds=current_app.config["PAGE_CACHE_SECONDS"])


def _same_for_everyone() -> bool:
    """A visitor without a session or remember cookie: their page depends on nothing of theirs."""
    cookies = request.cookies
    return (
        current_app.config["SESSION_COOKIE_NAME"] not in cookies
        and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in cookies
    )


def serve_board(render: Callable[[datetime], tuple[str, datetime | None]]) -> Response:
    """The board page: kept for anonymous visitors while it is still right, else rendered.

    ``render(now)`` returns the page's HTML and when it goes stale: the first ``expires_at`` among
    the posts it shows and those before it (a post leaving page 1 shifts page 2).
    """
    version, now, ttl = current_version(), utcnow(), _ttl()
    if ttl <= timedelta(0) or not _same_for_everyone():
        html, _ = render(now)
        return current_app.response_class(html, mimetype="text/html")
    store = _store()
    key = (str(get_locale()), request.url)
    kept = store.page(key)
    if kept is None or not kept.is_fresh(version, now):
        html, first_expiry = render(now)
        body = html.encode()
        page = _Page(body, hashlib.blake2b(body, digest_size=16).hexdigest())
        if session.modified:  # the render flashed or made a CSRF token: this page is theirs
            return current_app.response_class(body, mimetype="text/html")
        stale_at = min(now + ttl, first_expiry) if first_expiry else now + ttl
        kept = _Kept(page, version, stale_at)
        store.keep_page(key, kept)
    response = current_app.response_class(kept.value.body, mimetype="text/html")
    response.set_etag(kept.value.etag)
    # A browser asks again each time (cheap with the ETag: 304 without a body).
    response.cache_control.no_cache = True
    response.vary.add("Accept-Language")
    return response.make_conditional(request)
