from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from board.extensions import db, str_enum
from board.timeutil import UTCDateTime, utcnow

if TYPE_CHECKING:
    from board.organisations.models import Membership


class Role(enum.StrEnum):
    RESIDENT = "resident"
    MODERATOR = "moderator"
    ADMIN = "admin"


# werkzeug's scrypt with its default cost (N=2**15): about 0.1 s and 32 MB per guess.
PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105  (a hash method, not a password)


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    """A person known by an e-mail address.

    A guest who posts with only an address gets a user row without a password; registering or
    logging in by e-mailed link later turns it into a full account that keeps the posts.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(80))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        str_enum(Role),
        default=Role.RESIDENT,
    )
    locale: Mapped[str] = mapped_column(String(5), default="de")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the person proved they read this address (confirmation or login link).
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the person registered (or logged in by link): from then on it is an account.
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_trusted: Mapped[bool] = mapped_column(default=False)
    is_suspended: Mapped[bool] = mapped_column(default=False)
    # Part of the session identity: changing it (password change, "log out everywhere")
    # turns every existing session and remember cookie into an anonymous one.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    # Part of every mailed link's fingerprint: replacing it on use makes each link single-use
    # without touching sessions (a login link must not log out the person's other devices).
    link_nonce: Mapped[str] = mapped_column(String(32), default=new_session_token)
    # The password chosen at registration, in force only once the mailed link is confirmed.
    # Kept here rather than in the link: a hash in a URL lands in mail archives and proxy logs.
    pending_password_hash: Mapped[str | None] = mapped_column(String(255))
    # Set when the person deleted their account: the row stays, emptied, only so the audit log's
    # "who" and "about whom" keep pointing somewhere (board/accounts/deletion.py).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return not self.is_suspended and self.deleted_at is None

    @property
    def is_registered(self) -> bool:
        return self.registered_at is not None

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.MODERATOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def set_password(self, password: str) -> None:
        self.set_password_hash(generate_password_hash(password, method=PASSWORD_HASH_METHOD))

    def set_password_hash(self, password_hash: str) -> None:
        """A new password ends every other session and every mailed link issued before it."""
        self.password_hash = password_hash
        self.pending_password_hash = None
        self.session_token = new_session_token()
        self.link_nonce = new_session_token()

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash or "", password)
