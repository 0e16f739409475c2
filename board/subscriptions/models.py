from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from board.extensions import db, str_enum
from board.posts.models import PostKind
from board.timeutil import UTCDateTime, utcnow

if TYPE_CHECKING:
    from board.accounts.models import User
    from board.posts.models import Category, District


class Frequency(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


def new_secret() -> str:
    return secrets.token_urlsafe(16)


class Subscription(db.Model):
    """A person watching a board search: new matching posts reach them by e-mail."""

    # One row per person and filter: the same search twice (or a double tap) is one subscription.
    # The constraint's index, led by user_id, also finds a person's subscriptions.
    __table_args__ = (UniqueConstraint("user_id", "filter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[PostKind | None] = mapped_column(str_enum(PostKind))
    # A category or district the town removes takes the subscriptions watching it along.
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    q: Mapped[str | None] = mapped_column(String(100))
    # kind|category id|district id|q, the filter in one comparable value (NULLs are never equal).
    filter_key: Mapped[str] = mapped_column(String(140))
    frequency: Mapped[Frequency] = mapped_column(str_enum(Frequency, length=10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None until a guest pressed the button behind the mailed link (double opt-in).
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Posts published up to this moment were already considered for a mail.
    sent_until: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Part of the mailed links (confirm, end): a guessed id alone ends nobody's subscription.
    secret: Mapped[str] = mapped_column(String(32), default=new_secret)

    user: Mapped[User] = relationship()
    category: Mapped[Category | None] = relationship()
    district: Mapped[District | None] = relationship()
