"""Reading the board: the public listing with its filters, used by the page, feeds and API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, load_only
from werkzeug.datastructures import MultiDict

from board.extensions import db
from board.organisations.models import Organisation
from board.posts.cache import cached_choices
from board.posts.models import Category, District, Post, PostKind
from board.posts.status import PostStatus
from board.search import search_terms

MAX_PAGE = 500  # deeper pages are never wanted by people and only cost the database


@dataclass(frozen=True)
class CategoryChoice:
    """A category as the board's filter shows it: plain values, safe to keep between requests."""

    id: int
    slug: str
    name_de: str
    name_en: str

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_de


@dataclass(frozen=True)
class DistrictChoice:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class BoardChoices:
    """What the board's filters offer, in the order they offer it."""

    categories: tuple[CategoryChoice, ...]
    districts: tuple[DistrictChoice, ...]

    def category(self, slug: str) -> CategoryChoice | None:
        return next((c for c in self.categories if c.slug == slug), None)

    def district(self, slug: str) -> DistrictChoice | None:
        return next((d for d in self.districts if d.slug == slug), None)


def board_choices() -> BoardChoices:
    """The categories and districts, from this process's memory until the board changes."""
    return cached_choices(_load_choices)


def _load_choices() -> BoardChoices:
    return BoardChoices(
        tuple(CategoryChoice(c.id, c.slug, c.name_de, c.name_en) for c in all_categories()),
        tuple(DistrictChoice(d.id, d.slug, d.name) for d in all_districts()),
    )


@dataclass(frozen=True)
class BoardFilter:
    """The board's query string, checked: unknown values are dropped, never an error page."""

    kind: PostKind | None = None
    category: CategoryChoice | None = None
    district: DistrictChoice | None = None
    q: str = ""
    page: int = 1

    @property
    def is_filtered(self) -> bool:
        return bool(self.kind or self.category or self.district or self.q)

    def query_args(self, **changes: object) -> dict[str, object]:
        """The filter as URL arguments, for links that keep it (pagination, chips)."""
        args: dict[str, object] = {
            "kind": self.kind.value if self.kind else None,
            "category": self.category.slug if self.category else None,
            "district": self.district.slug if self.district else None,
            "q": self.q or None,
            "page": self.page if self.page > 1 else None,
        }
        args.update(changes)
        return {key: value for key, value in args.items() if value not in (None, "")}


def parse_filter(args: MultiDict[str, str], choices: BoardChoices | None = None) -> BoardFilter:
    choices = choices or board_choices()
    kind_value = args.get("kind", "")
    kind = PostKind(kind_value) if kind_value in PostKind._value2member_map_ else None
    category = choices.category(args.get("category", "").strip())
    district = choices.district(args.get("district", "").strip())
    page_text = args.get("page", "1").strip()
    page = int(page_text) if page_text.isdecimal() and len(page_text) < 6 else 1
    q = " ".join(args.get("q", "").split())[:100]
    return BoardFilter(kind, category, district, q, min(max(page, 1), MAX_PAGE))


def visible_posts(board_filter: BoardFilter, now: datetime) -> Select[tuple[Post]]:
    """Published, unexpired posts matching the filter, newest first."""
    query = select(Post).where(Post.visible_clause(now))
    if board_filter.kind:
        query = query.where(Post.kind == board_filter.kind)
    if board_filter.category:
        query = query.where(Post.category_id == board_filter.category.id)
    if board_filter.district:
        query = query.where(Post.district_id == board_filter.district.id)
    for term in search_terms(board_filter.q):
        query = query.where(Post.search_text.contains(term, autoescape=True))
    return query.order_by(Post.published_at.desc(), Post.id.desc())


@dataclass(frozen=True)
class BoardPage:
    posts: list[Post]
    has_next: bool
    # When this page stops being right by time alone: the first expiry among its posts and
    # those on the pages before it (one of those leaving shifts this page), or the next planned
    # post's appearance, whichever comes first. None: nothing shown and nothing planned.
    first_expiry: datetime | None


# What a card (_macros.post_card) shows, and nothing else: no search text, secrets or counters.
CARD_COLUMNS = (
    load_only(
        Post.id,
        Post.kind,
        Post.title,
        Post.body,
        Post.category_id,
        Post.district_id,
        Post.organisation_id,
        Post.event_start_at,
        Post.published_at,
        Post.expires_at,
    ),
    joinedload(Post.category).load_only(Category.name_de, Category.name_en),
    joinedload(Post.district).load_only(District.name),
    joinedload(Post.organisation).load_only(
        Organisation.name, Organisation.kind, Organisation.is_verified
    ),
)


def board_page(board_filter: BoardFilter, now: datetime, per_page: int) -> BoardPage:
    """One page of the board and whether another follows (no COUNT over the whole board)."""
    offset = (board_filter.page - 1) * per_page
    # A planned post appears by time alone too (Post.visible_clause), at the top: the page is
    # wrong from then on as well. Asked along with a query made anyway, so it costs none.
    arrival = (
        select(func.min(Post.published_at))
        .where(Post.status == PostStatus.SCHEDULED, Post.published_at > now)
        .scalar_subquery()
    )
    query = visible_posts(board_filter, now).options(*CARD_COLUMNS).add_columns(arrival)
    query = query.limit(per_page + 1).offset(offset)
    rows = db.session.execute(query).all()
    posts = [row[0] for row in rows]
    if offset == 0:
        first_expiry = min((post.expires_at for post in posts), default=None)
        # An empty page had no row to bring the answer along: it is right for this moment only.
        next_arrival = rows[0][1] if rows else now
    else:
        before_and_on = (
            visible_posts(board_filter, now)
            .with_only_columns(Post.expires_at)
            .limit(offset + per_page + 1)
            .subquery()
        )
        first_expiry, next_arrival = db.session.execute(
            select(func.min(before_and_on.c.expires_at), arrival)
        ).one()
    stale_at = min((t for t in (first_expiry, next_arrival) if t is not None), default=None)
    return BoardPage(posts[:per_page], len(posts) > per_page, stale_at)


def all_categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name_de)))


def all_districts() -> list[District]:
    return list(db.session.scalars(select(District).order_by(District.name)))
