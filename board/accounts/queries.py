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
    """A published post past its expiry is expired for its author too, job run or not."""
    if post.status is S.PUBLISHED and post.expires_at <= now:
        return S.EXPIRED
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
