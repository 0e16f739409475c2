"""Spam signals: cheap checks that send a post to the queue instead of onto the board.

None of them rejects anything; a moderator looks and decides. They only have to be cheap and
hard to trip by accident for an ordinary resident.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from board.extensions import db
from board.posts.models import Post
from board.posts.status import PostStatus
from board.search import fold

# What a resident's phone turns into a link, and what a spammer writes to dodge that.
_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_DOMAIN = re.compile(r"(?:https?://)?(?:www\.)?([a-z0-9.-]+\.[a-z]{2,})", re.IGNORECASE)


def spam_signals(post: Post, now: datetime) -> list[str]:
    """Why the post looks like spam, as short codes with details; empty when it does not."""
    config = current_app.config
    text = f"{post.title}\n{post.body}"
    signals = []
    links = _LINK.findall(text)
    if len(links) > config["SPAM_MAX_LINKS"]:
        signals.append(f"links:{len(links)}")
    if (word := blocklisted(text, config["SPAM_BLOCKLIST"])) is not None:
        signals.append(f"blocklist:{word}")
    if _posted_before(post, now - timedelta(days=config["SPAM_DUPLICATE_DAYS"])):
        signals.append("duplicate")
    recent = _posts_since(post, now - timedelta(minutes=config["SPAM_BURST_MINUTES"]))
    if recent > config["SPAM_BURST_POSTS"]:
        signals.append(f"burst:{recent}")
    return signals


def blocklisted(text: str, blocklist: tuple[str, ...] | list[str]) -> str | None:
    """The first blocked word, phrase or domain the text contains, however it is spelt."""
    folded = fold(text)
    domains = {match.lower() for match in _DOMAIN.findall(text)}
    for entry in blocklist:
        needle = fold(entry).strip()
        if not needle:
            continue
        if "." in needle and any(d == needle or d.endswith("." + needle) for d in domains):
            return entry
        if re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", folded):
            return entry
    return None


def _posted_before(post: Post, since: datetime) -> bool:
    """The same title and text, by anyone, recently: spammers use more than one address."""
    query = select(Post.id).where(
        Post.search_text == post.search_text,
        Post.created_at >= since,
        Post.status != PostStatus.DRAFT,  # a guest's unconfirmed first try is no repeat
    )
    if post.id is not None:
        query = query.where(Post.id != post.id)
    return db.session.scalar(query.limit(1)) is not None


def _posts_since(post: Post, since: datetime) -> int:
    """How many posts the author has started since then, this one included."""
    query = select(func.count(Post.id)).where(
        Post.author_id == post.author.id, Post.created_at >= since
    )
    return int(db.session.scalar(query) or 0)
