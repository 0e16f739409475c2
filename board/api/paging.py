"""Paging through the board for machines: a keyset cursor, not page numbers.

A news site walks the list with `next` until it is null. With page numbers, a post published
meanwhile pushes one post onto the next page (seen twice), and one expiring pulls one back (never
seen). A cursor says "older than this post", so the walk has no duplicates and no gaps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import and_, or_, select

from board.api.schema import API_COLUMNS
from board.extensions import db
from board.posts.models import Post
from board.posts.queries import BoardFilter, visible_posts

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_ID = 2**31 - 1  # Post.id is a 32-bit integer on PostgreSQL
_LIMIT = re.compile(r"[0-9]{1,3}")


class BadParameter(ValueError):
    """A query parameter the API cannot use; the message tells the client which and why."""


@dataclass(frozen=True)
class Position:
    """Where a page ends: its last post, in the board's order (newest first, then by id)."""

    published_at: datetime
    post_id: int


def _serializer() -> URLSafeSerializer:
    # Not timed: the same position gives the same cursor, so the same page has the same ETag.
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="board.api.cursor")


def encode_cursor(position: Position) -> str:
    return str(_serializer().dumps([position.published_at.isoformat(), position.post_id]))


def decode_cursor(cursor: str) -> Position:
    """The position a cursor we handed out stands for; anything else is refused."""
    try:
        moment, post_id = _serializer().loads(cursor)
        published_at = datetime.fromisoformat(moment)
    except (BadData, ValueError, TypeError) as error:
        raise BadParameter("cursor is not one this API handed out; use the 'next' link") from error
    if published_at.tzinfo is None or type(post_id) is not int or not 0 < post_id <= MAX_ID:
        raise BadParameter("cursor is not one this API handed out; use the 'next' link")
    return Position(published_at, post_id)


def parse_limit(value: str | None) -> int:
    """How many posts a page holds: 1 to 100, 20 if not given. Nothing is clamped silently."""
    if value is None:
        return DEFAULT_LIMIT
    value = value.strip()
    if not _LIMIT.fullmatch(value) or not 1 <= int(value) <= MAX_LIMIT:
        raise BadParameter(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(value)


@dataclass(frozen=True)
class PostPage:
    posts: list[Post]
    # Where the next page starts; None on the last page.
    next_position: Position | None
    # When time alone changes this page: the first expiry among its posts and the one after it
    # (that one decides whether there is a next page). None: nothing listed.
    first_expiry: datetime | None


def page_of_posts(
    board_filter: BoardFilter, after: Position | None, limit: int, now: datetime
) -> PostPage:
    """The visible posts after a position (or from the newest), at most `limit` of them."""
    # A published post always has published_at; the clause keeps the cursor total anyway.
    query = visible_posts(board_filter, now).where(Post.published_at.is_not(None))
    if after is not None:
        query = query.where(
            or_(
                Post.published_at < after.published_at,
                and_(Post.published_at == after.published_at, Post.id < after.post_id),
            )
        )
    found = list(db.session.scalars(query.options(*API_COLUMNS).limit(limit + 1)))
    posts = found[:limit]
    next_position = None
    if len(found) > limit:
        last = posts[-1]
        assert last.published_at is not None
        next_position = Position(last.published_at, last.id)
    first_expiry = min((post.expires_at for post in found), default=None)
    return PostPage(posts, next_position, first_expiry)


def visible_post(post_id: int, now: datetime) -> Post | None:
    """One post if the public may see it now; pending, hidden, expired or missing: None."""
    query = select(Post).where(
        Post.id == post_id, Post.visible_clause(now), Post.published_at.is_not(None)
    )
    return db.session.scalars(query.options(*API_COLUMNS)).one_or_none()
