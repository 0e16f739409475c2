"""What waits for moderators: the queue's lists and the counts shown in the navigation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from board.extensions import db
from board.moderation import policy
from board.moderation.models import Report
from board.posts.models import Post
from board.posts.status import PostStatus

S = PostStatus


@dataclass(frozen=True)
class QueueCounts:
    pending: int = 0
    reported: int = 0
    unreviewed: int = 0
    oldest_waiting_since: datetime | None = None

    @property
    def total(self) -> int:
        return self.pending + self.reported + self.unreviewed


def _with_author() -> tuple[object, ...]:
    return (joinedload(Post.author), joinedload(Post.category), joinedload(Post.district))


def pending_posts(limit: int = 100) -> list[Post]:
    """Posts waiting for a decision, the longest-waiting first."""
    query = (
        select(Post)
        .where(Post.status == S.PENDING)
        .options(*_with_author())
        .order_by(Post.status_changed_at, Post.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def reported_posts(limit: int = 100) -> list[tuple[Post, list[Report]]]:
    """Posts hidden by reports, then published posts with open reports; each with its reports."""
    has_open_reports = (
        select(Report.id).where(Report.post_id == Post.id, Report.resolved_at.is_(None)).exists()
    )
    hidden_by_reports = (Post.status == S.HIDDEN) & (Post.review_reason == policy.REPORTS)
    query = (
        select(Post)
        .where(hidden_by_reports | ((Post.status == S.PUBLISHED) & has_open_reports))
        .options(*_with_author())
        .order_by((Post.status == S.HIDDEN).desc(), Post.status_changed_at, Post.id)
        .limit(limit)
    )
    posts = list(db.session.scalars(query))
    reports = open_reports_of([post.id for post in posts])
    return [(post, reports.get(post.id, [])) for post in posts]


def open_reports_of(post_ids: list[int]) -> dict[int, list[Report]]:
    """The open reports of several posts in one query, oldest first."""
    found: dict[int, list[Report]] = {post_id: [] for post_id in post_ids}
    if not post_ids:
        return found
    query = (
        select(Report)
        .where(Report.post_id.in_(post_ids), Report.resolved_at.is_(None))
        .order_by(Report.created_at, Report.id)
    )
    for report in db.session.scalars(query):
        found[report.post_id].append(report)
    return found


def unreviewed_posts(now: datetime, limit: int = 100) -> list[Post]:
    """Published at once under the "post" policy and not yet looked at (still on the board)."""
    query = (
        select(Post)
        .where(Post.is_awaiting_review.is_(True), Post.visible_clause(now))
        .options(*_with_author())
        .order_by(Post.published_at, Post.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def hidden_posts(limit: int = 100) -> list[Post]:
    """Posts a moderator or a suspension took off the board (reports are listed above)."""
    query = (
        select(Post)
        .where(Post.status == S.HIDDEN, Post.review_reason != policy.REPORTS)
        .options(*_with_author())
        .order_by(Post.status_changed_at.desc(), Post.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def queue_counts(now: datetime) -> QueueCounts:
    """The navigation's numbers, in one round trip."""
    open_report_posts = (
        select(func.count(func.distinct(Report.post_id)))
        .join(Post, Post.id == Report.post_id)
        .where(Report.resolved_at.is_(None), Post.status == S.PUBLISHED)
        .scalar_subquery()
    )
    hidden_by_reports = (
        select(func.count(Post.id))
        .where(Post.status == S.HIDDEN, Post.review_reason == policy.REPORTS)
        .scalar_subquery()
    )
    pending = select(func.count(Post.id)).where(Post.status == S.PENDING).scalar_subquery()
    oldest = select(func.min(Post.status_changed_at)).where(Post.status == S.PENDING)
    unreviewed = (
        select(func.count(Post.id))
        .where(Post.is_awaiting_review.is_(True), Post.visible_clause(now))
        .scalar_subquery()
    )
    row = db.session.execute(
        select(
            pending,
            open_report_posts + hidden_by_reports,
            unreviewed,
            oldest.scalar_subquery(),
        )
    ).one()
    return QueueCounts(int(row[0]), int(row[1]), int(row[2]), row[3])
