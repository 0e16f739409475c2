"""What a feed shows: the board's filter (plus one organisation), its posts, title and ETag."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, undefer
from werkzeug.datastructures import MultiDict

from board.extensions import db
from board.organisations.models import Organisation
from board.posts.labels import kind_label
from board.posts.models import Category, Post, PostKind
from board.posts.queries import CARD_COLUMNS, BoardFilter, parse_filter, visible_posts

MAX_ENTRIES = 50  # a feed is "what is new", not an archive
MAX_EVENTS = 200  # a calendar shows every current event, but stays a small download
# Part of every ETag: a release that changes what a feed looks like must not be answered by a 304.
FORMAT_VERSION = "1"

# A feed needs a little more than a card: the category's slug (its Atom term) and the event's end.
FEED_COLUMNS = (
    *CARD_COLUMNS,
    undefer(Post.event_end_at),
    joinedload(Post.category).undefer(Category.slug),
)


@dataclass(frozen=True)
class OrganisationChoice:
    id: int
    slug: str
    name: str


class UnknownOrganisation(Exception):
    """A feed asked for an organisation that does not exist (any more)."""


@dataclass(frozen=True)
class FeedFilter:
    """The board's filter, and optionally one organisation whose posts alone are shown."""

    board: BoardFilter
    organisation: OrganisationChoice | None = None

    def query_args(self, **changes: object) -> dict[str, object]:
        """The filter as URL arguments, the same for every way of writing it (feed ids, ETags)."""
        args = self.board.query_args(page=None, **changes)
        if self.organisation:
            args["organisation"] = self.organisation.slug
        return args

    def title(self, locale: str, what: str | None = None) -> str:
        """E.g. "Biete · Verleihen · Schwarzes Brett Neumarkt": the filter, then the board."""
        parts = [what] if what else []
        if self.board.kind and not what:
            parts.append(kind_label(self.board.kind))
        if self.board.category:
            parts.append(self.board.category.name(locale))
        if self.board.district:
            parts.append(self.board.district.name)
        if self.organisation:
            parts.append(self.organisation.name)
        if self.board.q:
            parts.append(_("Suche: %(q)s", q=self.board.q))
        parts.append(_("Schwarzes Brett %(town)s", town=current_app.config["TOWN_NAME"]))
        return " · ".join(parts)


def parse_feed_filter(args: MultiDict[str, str]) -> FeedFilter:
    """The board's filters as `/` reads them, plus `organisation=<slug>` (unknown: an error)."""
    board = replace(parse_filter(args), page=1)
    slug = args.get("organisation", "").strip()
    if not slug:
        return FeedFilter(board)
    found = db.session.execute(
        select(Organisation.id, Organisation.slug, Organisation.name).where(
            Organisation.slug == slug[:80]
        )
    ).one_or_none()
    if found is None:
        raise UnknownOrganisation(slug)
    return FeedFilter(board, OrganisationChoice(*found))


def events_only(feed_filter: FeedFilter) -> FeedFilter:
    return replace(feed_filter, board=replace(feed_filter.board, kind=PostKind.EVENT))


def feed_posts(feed_filter: FeedFilter, now: datetime) -> list[Post]:
    """The newest visible posts the filter matches, as the board shows them."""
    query = visible_posts(feed_filter.board, now)
    if feed_filter.organisation:
        query = query.where(Post.organisation_id == feed_filter.organisation.id)
    return list(db.session.scalars(query.options(*FEED_COLUMNS).limit(MAX_ENTRIES)))


def calendar_posts(feed_filter: FeedFilter, now: datetime) -> list[Post]:
    """Visible event posts with a date (a calendar entry needs one), in the order they happen."""
    query = visible_posts(events_only(feed_filter).board, now).where(
        Post.event_start_at.is_not(None)
    )
    if feed_filter.organisation:
        query = query.where(Post.organisation_id == feed_filter.organisation.id)
    query = query.order_by(None).order_by(Post.event_start_at, Post.id)
    return list(db.session.scalars(query.options(*FEED_COLUMNS).limit(MAX_EVENTS)))


def feed_etag(
    kind: str, version: int, locale: str, feed_filter: FeedFilter, posts: list[Post]
) -> str:
    """Changes whenever the feed's content may: a write to the board, or time.

    The board version covers every write. Time changes a feed when a shown post expires or a
    scheduled post's time comes (both without any write): the posts shown, by id, and the first
    expiry among them cover that.
    """
    first_expiry = min((post.expires_at for post in posts), default=None)
    shown = ",".join(str(post.id) for post in posts)
    parts = (
        FORMAT_VERSION,
        kind,
        current_app.config["BASE_URL"],
        current_app.config["TOWN_NAME"],
        str(version),
        locale,
        repr(sorted(feed_filter.query_args().items())),
        first_expiry.isoformat() if first_expiry else "-",
        shown,
    )
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()
