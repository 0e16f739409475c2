"""Subscriptions' scheduled work: the digests of new posts, and the purge of unconfirmed ones.

A subscription is due when its digest time has come since its watermark (sent_until): daily
ones at 18:00 Berlin time, weekly ones on Mondays at 18:00. A fixed time of day rather than
"a day after the last one", so the mail comes when people read mail, not at the minute of night
someone once pressed the button; after downtime the next run catches up with one mail.

Each due subscription's watermark moves to `now` by a conditional UPDATE on its old value, in
the transaction that queues its mail: a second run, or a second process, finds nothing to claim.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from flask import current_app, url_for
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import joinedload

from board.accounts.models import User
from board.extensions import db
from board.mail.services import queue_mail
from board.posts.models import Post
from board.posts.queries import visible_posts
from board.security import external_url
from board.subscriptions import services
from board.subscriptions.models import Frequency, Subscription
from board.timeutil import BERLIN

log = logging.getLogger(__name__)

DIGEST_TIME = time(18, 0)
MAX_LISTED = 20


def last_digest_time(frequency: Frequency, now: datetime) -> datetime:
    """The latest digest time at or before `now` (UTC): 18:00 Berlin, for weekly on a Monday."""
    local = now.astimezone(BERLIN)
    day = local.date()
    if frequency is Frequency.WEEKLY:
        day -= timedelta(days=day.weekday())
    moment = datetime.combine(day, DIGEST_TIME, tzinfo=BERLIN)
    if moment > local:
        moment = datetime.combine(
            day - timedelta(days=7 if frequency is Frequency.WEEKLY else 1),
            DIGEST_TIME,
            tzinfo=BERLIN,
        )
    return moment.astimezone(now.tzinfo)


def _due(now: datetime) -> list[tuple[int, datetime]]:
    clauses = [
        and_(
            Subscription.frequency == frequency,
            Subscription.sent_until < last_digest_time(frequency, now),
        )
        for frequency in Frequency
    ]
    query = (
        select(Subscription.id, Subscription.sent_until)
        .join(User, User.id == Subscription.user_id)
        .where(
            Subscription.confirmed_at.is_not(None),
            User.deleted_at.is_(None),
            or_(*clauses),
        )
        .order_by(Subscription.id)
    )
    return [(row.id, row.sent_until) for row in db.session.execute(query)]


def claim(subscription_id: int, sent_until: datetime, now: datetime) -> bool:
    """Move the watermark from the value we read to `now`; False if another run moved it."""
    moved = db.session.execute(
        update(Subscription)
        .where(Subscription.id == subscription_id, Subscription.sent_until == sent_until)
        .values(sent_until=now)
        .execution_options(synchronize_session=False)
    )
    return moved.rowcount == 1  # type: ignore[attr-defined]


def new_posts(subscription: Subscription, since: datetime, now: datetime) -> tuple[list[Post], int]:
    """The visible posts matching the subscription, published in (since, now], newest first:
    the first MAX_LISTED and how many there are in all."""
    query = visible_posts(services.board_filter(services.watch_of(subscription)), now).where(
        Post.published_at > since
    )
    posts = list(
        db.session.scalars(
            query.options(joinedload(Post.district), joinedload(Post.category)).limit(MAX_LISTED)
        ).unique()
    )
    if len(posts) < MAX_LISTED:
        return posts, len(posts)
    total = db.session.scalar(
        select(func.count()).select_from(query.order_by(None).with_only_columns(Post.id).subquery())
    )
    return posts, total or 0


def send_subscription_digests(now: datetime) -> str:
    """Mail each due subscription the posts new since its last digest (nothing new: no mail)."""
    sent = 0
    for subscription_id, sent_until in _due(now):
        if not claim(subscription_id, sent_until, now):
            continue
        subscription = db.session.get(Subscription, subscription_id)
        if subscription is None:
            continue
        posts, total = new_posts(subscription, sent_until, now)
        if posts:
            _mail_digest(subscription, posts, total)
            sent += 1
    return f"{sent} digests"


def _mail_digest(subscription: Subscription, posts: list[Post], total: int) -> None:
    user = subscription.user
    end_url = services.end_url(subscription)
    queue_mail(
        user.email,
        "subscription_digest",
        locale=user.locale,
        list_unsubscribe=services.one_click_url(subscription),
        watch=services.watch_of(subscription),
        posts=[(post, external_url(url_for("posts.detail", post_id=post.id))) for post in posts],
        total=total,
        more=total - len(posts),
        board_url=services.board_url(subscription),
        end_url=end_url,
        frequency=subscription.frequency,
    )


def purge_unconfirmed_subscriptions(now: datetime) -> str:
    """Delete guests' subscriptions whose confirmation link nobody pressed."""
    cutoff = now - timedelta(days=current_app.config["PURGE_UNCONFIRMED_DAYS"])
    removed = db.session.execute(
        delete(Subscription)
        .where(Subscription.confirmed_at.is_(None), Subscription.created_at <= cutoff)
        .execution_options(synchronize_session=False)
    )
    return f"{removed.rowcount} unconfirmed subscriptions deleted"  # type: ignore[attr-defined]
