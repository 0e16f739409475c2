from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, and_, bindparam, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from board.extensions import db, str_enum
from board.posts.status import PostStatus
from board.search import fold
from board.timeutil import UTCDateTime, utcnow

if TYPE_CHECKING:
    from board.accounts.models import User
    from board.organisations.models import Organisation


class PostKind(enum.StrEnum):
    OFFER = "offer"
    REQUEST = "request"
    EVENT = "event"
    NOTICE = "notice"


class PostSource(enum.StrEnum):
    WEB = "web"
    GUEST = "guest"
    ASSISTED = "assisted"
    IMPORT = "import"


class Category(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_de: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_de


class District(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))


def new_manage_secret() -> str:
    return secrets.token_urlsafe(16)


class Post(db.Model):
    __table_args__ = (
        # The board's one hot query (visible_clause, newest first) reads this index backwards
        # and stops after a page. No other index leads with status or kind: without statistics
        # SQLite would take such an index for selective, then sort every visible post.
        Index(
            "ix_post_on_board",
            "published_at",
            "id",
            postgresql_where=text("status IN ('published', 'scheduled')"),
            sqlite_where=text("status IN ('published', 'scheduled')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PostKind] = mapped_column(str_enum(PostKind))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    # Title and body folded for search (lower case, umlauts and ß spelled out plainly).
    search_text: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    event_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    event_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None only once the post's personal data is purged (board/posts/jobs.py: purge_old_posts).
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    source: Mapped[PostSource] = mapped_column(str_enum(PostSource), default=PostSource.WEB)
    source_ref: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[PostStatus] = mapped_column(str_enum(PostStatus), default=PostStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the post went (or, scheduled, goes) on the board.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A publication time the author chose ahead (status scheduled once approved).
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # A shorter lifetime the author chose, in days; None: the board's default for the post.
    lifetime_days: Mapped[int | None] = mapped_column()
    # The expiry the author was last reminded of: one reminder per lifetime, however often
    # the job runs.
    reminded_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the text and everything personal was erased; the row stays for the town's counts.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    renew_count: Mapped[int] = mapped_column(default=0)
    contact_count: Mapped[int] = mapped_column(default=0)
    # Why the post is in the moderation queue or off the board (board.moderation.policy codes:
    # "new_author", "spam", "reports", "appeal", ...) and what the moderator should read.
    review_reason: Mapped[str | None] = mapped_column(String(40))
    review_note: Mapped[str | None] = mapped_column(Text)
    # Published without review under the "post" policy: a moderator still has to look at it.
    is_awaiting_review: Mapped[bool] = mapped_column(default=False, index=True)
    # Part of the guest's private management link; replacing it revokes old links.
    manage_secret: Mapped[str] = mapped_column(String(32), default=new_manage_secret)
    # The posting form's one-time key: a double tap or a resubmit finds the post already made.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    author: Mapped[User] = relationship()
    category: Mapped[Category] = relationship()
    district: Mapped[District | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    def set_text(self, title: str, body: str) -> None:
        self.title = title
        self.body = body
        self.search_text = fold(f"{title}\n{body}")

    def is_visible(self, now: datetime) -> bool:
        return (
            self.status in ON_THE_BOARD
            and self.published_at is not None
            and self.published_at <= now < self.expires_at
        )

    @classmethod
    def visible_clause(cls, now: datetime) -> ColumnElement[bool]:
        """What the public sees: published, its time come and not yet gone, whether or not a job
        has run (a scheduled post appears at its time, an expired one leaves at its time)."""
        # The statuses as literals, not bound parameters: only then can SQLite see that the
        # partial index ix_post_on_board (WHERE status IN (…)) applies.
        on_the_board = bindparam("on_the_board", ON_THE_BOARD, expanding=True, literal_execute=True)
        return and_(cls.status.in_(on_the_board), cls.published_at <= now, cls.expires_at > now)


# A scheduled post is on the board from its published_at on, before the job marks it published.
ON_THE_BOARD = (PostStatus.PUBLISHED, PostStatus.SCHEDULED)
