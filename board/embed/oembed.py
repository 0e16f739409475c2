"""oEmbed (https://oembed.com): TYPO3 and WordPress turn a pasted link to the board or to a post
into the widget. Only links to this board are answered, and only for what the public sees."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from board.extensions import db
from board.inputs import clean_text
from board.posts.models import Post
from board.posts.queries import BoardFilter, parse_filter

MAX_ID = 2147483647  # the id column's range: a larger number is no post (and PostgreSQL refuses it)
_POST_PATH = re.compile(r"/posts/([0-9]{1,10})/?")

BOARD_SIZE = (600, 640)
POST_SIZE = (600, 320)
_SIZE = re.compile(r"[0-9]{1,5}")


@dataclass(frozen=True)
class BoardLink:
    """A link to the board's front page, with its filters."""

    filter: BoardFilter


@dataclass(frozen=True)
class PostLink:
    post: Post


def resolve(url: str, own_hosts: set[str], now: datetime) -> BoardLink | PostLink | None:
    """What a pasted link shows, if it is this board's page or a post the public sees."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # e.g. an unclosed [ in the host
        return None
    if parts.scheme not in ("http", "https") or parts.netloc.lower() not in own_hosts:
        return None
    if parts.path in ("", "/"):
        args = MultiDict([(clean_text(k), clean_text(v)) for k, v in parse_qsl(parts.query)])
        return BoardLink(parse_filter(args))
    match = _POST_PATH.fullmatch(parts.path)
    if not match or int(match.group(1)) > MAX_ID:
        return None
    post = db.session.get(Post, int(match.group(1)))
    if post is None or not post.is_visible(now):
        return None
    return PostLink(post)


def size(default: tuple[int, int], maxwidth: str | None, maxheight: str | None) -> tuple[int, int]:
    """The iframe's width and height: the default, made smaller to fit the consumer's maximum."""
    width, height = default
    return _fit(width, maxwidth), _fit(height, maxheight)


def _fit(value: int, maximum: str | None) -> int:
    text = (maximum or "").strip()
    if _SIZE.fullmatch(text) and int(text) > 0:
        return min(value, int(text))
    return value


def iframe_html(src: str, title: str, width: int, height: int) -> str:
    return str(
        Markup(
            '<iframe src="{}" title="{}" width="{}" height="{}" loading="lazy" '
            'style="border:0;max-width:100%"></iframe>'
        ).format(src, title, width, height)
    )
