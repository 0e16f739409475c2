"""Reading the board: the public listing with its filters, used by the page, feeds and API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from board.extensions import db
from board.posts.models import Category, District, Post, PostKind
from board.search import search_terms

MAX_PAGE = 500  # deeper pages are never wanted by people and only cost the database


@dataclass(frozen=True)
class BoardFilter:
    """The board's query string, checked: unknown values are dropped, never an error page."""

    kind: PostKind | None = None
    category: Category | None = None
    district: District | None = None
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


def parse_filter(args: MultiDict[str, str]) -> BoardFilter:
    kind_value = args.get("kind", "")
    kind = PostKind(kind_value) if kind_value in PostKind._value2member_map_ else None
    category = district = None
    if slug := args.get("category", "").strip():
        category = db.session.scalar(select(Category).filter_by(slug=slug[:80]))
    if slug := args.get("district", "").strip():
        district = db.session.scalar(select(District).filter_by(slug=slug[:80]))
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


def board_page(board_filter: BoardFilter, now: datetime, per_page: int) -> tuple[list[Post], bool]:
    """One page of the board and whether another follows (no COUNT over the whole board)."""
    query = (
        visible_posts(board_filter, now)
        .options(
            joinedload(Post.category), joinedload(Post.district), joinedload(Post.organisation)
        )
        .limit(per_page + 1)
        .offset((board_filter.page - 1) * per_page)
    )
    posts = list(db.session.scalars(query))
    return posts[:per_page], len(posts) > per_page


def all_categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name_de)))


def all_districts() -> list[District]:
    return list(db.session.scalars(select(District).order_by(District.name)))
