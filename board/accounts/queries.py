"""Reading what belongs to one account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from board.accounts.models import User
from board.extensions import db
from board.posts.models import Post
from board.posts.status import PostStatus

S = PostStatus

# What a person wants to see first on their account page: what is live, then what waits.
ACCOUNT_ORDER = (
    S.PUBLISHED,
    S.RETURNED,  # the moderators asked for a change: near the top, it needs the author
    S.DRAFT,
    S.PENDING,
    S.SCHEDULED,
    S.HIDDEN,
    S.EXPIRED,
    S.CLOSED,
    S.REJECTED,
    S.REMOVED,
)


def shown_status(post: Post, now: datetime) -> PostStatus:
    """What the post is for its author now, job run or not: past its expiry it is expired, a
    scheduled post whose time has come is published (as the board shows them)."""
    if post.status in (S.PUBLISHED, S.SCHEDULED) and post.expires_at <= now:
        return S.EXPIRED
    if post.is_visible(now):
        return S.PUBLISHED
    return post.status


def own_posts_by_status(user: User, now: datetime) -> list[tuple[PostStatus, list[Post]]]:
    """The user's posts, newest first, grouped by status in ACCOUNT_ORDER; empty groups left out."""
    posts = db.session.scalars(
        select(Post)
        .where(Post.author_id == user.id)
        .options(joinedload(Post.category), joinedload(Post.district))
        .order_by(Post.created_at.desc(), Post.id.desc())
    ).all()
    groups: dict[PostStatus, list[Post]] = {status: [] for status in ACCOUNT_ORDER}
    for post in posts:
        groups[shown_status(post, now)].append(post)
    return [(status, items) for status, items in groups.items() if items]
