"""The weekly overview for the paper board in the town hall: current posts by category."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from board.extensions import db
from board.posts.models import Post
from board.posts.queries import (
    CARD_COLUMNS,
    BoardFilter,
    CategoryChoice,
    DistrictChoice,
    visible_posts,
)

WEEK = timedelta(days=7)
# A sheet people read standing in a corridor: beyond this many posts the QR code says the rest.
MAX_POSTS = 300


@dataclass(frozen=True)
class Section:
    category: CategoryChoice
    posts: list[Post]


@dataclass(frozen=True)
class WeeklyOverview:
    starts_at: datetime
    ends_at: datetime
    district: DistrictChoice | None
    sections: list[Section]
    has_more: bool

    def leaves_early(self, post: Post) -> bool:
        """Whether the post comes off the board before the sheet is taken down."""
        return post.expires_at < self.ends_at


def weekly_overview(
    categories: Sequence[CategoryChoice],
    district: DistrictChoice | None,
    now: datetime,
    limit: int = MAX_POSTS,
) -> WeeklyOverview:
    """The posts on the board now (newest first), grouped by the categories in the order given."""
    query = visible_posts(BoardFilter(district=district), now).options(*CARD_COLUMNS)
    posts = list(db.session.scalars(query.limit(limit + 1)))
    by_category: dict[int, list[Post]] = {}
    for post in posts[:limit]:
        by_category.setdefault(post.category_id, []).append(post)
    sections = [
        Section(category, by_category[category.id])
        for category in categories
        if category.id in by_category
    ]
    return WeeklyOverview(now, now + WEEK, district, sections, len(posts) > limit)
