"""The town's evaluation figures, week by week: is the board working?

Counted from what the purge keeps (kind, dates, status, the contact counter) and from the audit
log, so a week's figures stay the same after its posts' texts are erased. Weeks are ISO weeks in
Berlin time, Monday to Sunday. A town's year is a few thousand posts, so the rows of the period
are read once and counted here rather than grouped in SQL that SQLite and PostgreSQL spell
differently.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from board.accounts.models import User
from board.extensions import db
from board.moderation.models import Action, ModerationAction
from board.organisations.models import Organisation
from board.posts.models import Post, PostKind
from board.posts.status import PostStatus
from board.timeutil import BERLIN

DEFAULT_WEEKS = 12
MAX_WEEKS = 104
# What a moderator decides on a waiting post, and what puts a post in the queue.
DECISIONS = (Action.APPROVE, Action.REJECT, Action.REQUEST_CHANGES)
INTO_THE_QUEUE = (Action.HOLD, Action.RESUBMIT, Action.APPEAL)
TAKEN_OFF = (Action.HIDE, Action.AUTO_HIDE)


@dataclass(frozen=True)
class Week:
    start: datetime  # Monday 00:00 in Berlin, as an aware datetime
    end: datetime  # the next Monday 00:00

    @property
    def iso(self) -> tuple[int, int]:
        year, week, _ = self.start.isocalendar()
        return year, week


@dataclass
class WeekFigures:
    week: Week
    is_current: bool
    published: dict[PostKind, int] = field(default_factory=lambda: dict.fromkeys(PostKind, 0))
    contacts: int = 0  # contact requests to the posts that went up this week
    closed: int = 0  # marked "erledigt" by their author this week
    expired: int = 0
    decisions: int = 0
    rejected: int = 0
    waits: list[timedelta] = field(default_factory=list)
    taken_off: int = 0

    @property
    def published_total(self) -> int:
        return sum(self.published.values())

    @property
    def median_wait(self) -> timedelta | None:
        return statistics.median(self.waits) if self.waits else None


@dataclass(frozen=True)
class Now:
    on_the_board: int
    waiting: int
    accounts: int
    verified_organisations: int


def weeks_back(now: datetime, count: int) -> list[Week]:
    """The current week and the `count - 1` before it, newest first."""
    local = now.astimezone(BERLIN)
    monday = (local - timedelta(days=local.weekday())).date()
    weeks = []
    for back in range(count):
        day = monday - timedelta(weeks=back)
        start = datetime(day.year, day.month, day.day, tzinfo=BERLIN)
        following = day + timedelta(weeks=1)
        end = datetime(following.year, following.month, following.day, tzinfo=BERLIN)
        weeks.append(Week(start, end))
    return weeks


def clamp_weeks(raw: str | None) -> int:
    """The number of weeks asked for in the query string, within 1 and MAX_WEEKS."""
    try:
        count = int(raw or DEFAULT_WEEKS)
    except ValueError:
        return DEFAULT_WEEKS
    return min(max(count, 1), MAX_WEEKS)


def figures(weeks: list[Week], now: datetime) -> list[WeekFigures]:
    rows = [WeekFigures(week, is_current=week.start <= now < week.end) for week in weeks]
    start, end = min(w.start for w in weeks), min(max(w.end for w in weeks), now)

    by_monday = {row.week.start.date(): row for row in rows}

    def row_for(moment: datetime | None) -> WeekFigures | None:
        if moment is None:
            return None
        local = moment.astimezone(BERLIN)
        return by_monday.get((local - timedelta(days=local.weekday())).date())

    for published_at, kind, contacts in _published(start, end):
        if row := row_for(published_at):
            row.published[kind] += 1
            row.contacts += contacts
    for closed_at in _between(Post.closed_at, start, end):
        if row := row_for(closed_at):
            row.closed += 1
    for expires_at in _expired(start, end):
        if row := row_for(expires_at):
            row.expired += 1
    for decided_at, action, wait in _decisions(start, end):
        if row := row_for(decided_at):
            row.decisions += 1
            row.rejected += action is Action.REJECT
            if wait is not None:
                row.waits.append(wait)
    for taken_off_at in _taken_off(start, end):
        if row := row_for(taken_off_at):
            row.taken_off += 1
    return rows


def _published(start: datetime, end: datetime) -> Iterable[tuple[datetime, PostKind, int]]:
    """Posts that first went on the board in the period (renewals do not count again)."""
    return db.session.execute(  # type: ignore[return-value]
        select(Post.published_at, Post.kind, Post.contact_count).where(
            Post.published_at >= start, Post.published_at < end
        )
    ).all()


def _between(column: object, start: datetime, end: datetime) -> Iterable[datetime]:
    return db.session.scalars(select(column).where(column >= start, column < end))  # type: ignore[arg-type,operator]


def _expired(start: datetime, end: datetime) -> Iterable[datetime]:
    """Posts whose time ran out in the period (whether or not the expiry job has marked them)."""
    return db.session.scalars(
        select(Post.expires_at).where(
            Post.expires_at >= start,
            Post.expires_at < end,
            Post.status.in_([PostStatus.EXPIRED, PostStatus.PUBLISHED]),
        )
    )


def _decisions(
    start: datetime, end: datetime
) -> Iterable[tuple[datetime, Action, timedelta | None]]:
    """Each decision on a waiting post, with how long the post had waited for it.

    The wait runs from the latest time the post went into the queue before the decision; a post
    reviewed after it was published (policy "post") had no such moment and has no wait.
    """
    decision = aliased(ModerationAction)
    queued = aliased(ModerationAction)
    entered = (
        select(func.max(queued.created_at))
        .where(
            queued.post_id == decision.post_id,
            queued.action.in_(INTO_THE_QUEUE),
            queued.created_at <= decision.created_at,
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(decision.created_at, decision.action, entered).where(
            decision.action.in_(DECISIONS),
            decision.created_at >= start,
            decision.created_at < end,
        )
    )
    return [(at, action, at - since if since else None) for at, action, since in rows]


def _taken_off(start: datetime, end: datetime) -> Iterable[datetime]:
    return db.session.scalars(
        select(ModerationAction.created_at).where(
            ModerationAction.action.in_(TAKEN_OFF),
            ModerationAction.created_at >= start,
            ModerationAction.created_at < end,
        )
    )


def right_now(now: datetime) -> Now:
    count = lambda query: db.session.scalar(query) or 0  # noqa: E731
    return Now(
        on_the_board=count(select(func.count(Post.id)).where(Post.visible_clause(now))),
        waiting=count(select(func.count(Post.id)).where(Post.status == PostStatus.PENDING)),
        accounts=count(
            select(func.count(User.id)).where(
                User.registered_at.is_not(None), User.deleted_at.is_(None)
            )
        ),
        verified_organisations=count(
            select(func.count(Organisation.id)).where(Organisation.is_verified.is_(True))
        ),
    )
