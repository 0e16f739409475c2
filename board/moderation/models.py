"""What moderation keeps: reports from the public, the audit log, the reasons moderators pick."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from board.extensions import db, str_enum
from board.timeutil import UTCDateTime, utcnow

if TYPE_CHECKING:
    from board.accounts.models import User
    from board.posts.models import Post


class ReportReason(enum.StrEnum):
    SPAM = "spam"
    OFFENSIVE = "offensive"
    COMMERCIAL = "commercial"
    PERSONAL_DATA = "personal_data"
    OTHER = "other"


class Report(db.Model):
    """One person's flag on a post. The same reporter counts once per post (unique key)."""

    __table_args__ = (UniqueConstraint("post_id", "reporter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    # "user:<id>" for someone logged in, else a keyed hash of the client's address: it tells
    # reporters apart without storing who they are.
    reporter_key: Mapped[str] = mapped_column(String(80))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[ReportReason] = mapped_column(str_enum(ReportReason))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a moderator decided on the post; a resolved report no longer counts.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    post: Mapped[Post] = relationship()


class Action(enum.StrEnum):
    # decisions of a moderator
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"
    HIDE = "hide"
    RESTORE = "restore"
    EDIT = "edit"
    DISMISS_REPORTS = "dismiss_reports"
    SUSPEND = "suspend"
    UNSUSPEND = "unsuspend"
    TRUST = "trust"
    UNTRUST = "untrust"
    SET_ROLE = "set_role"
    # the town's administrators on its organisations (values: at most 20 characters, see str_enum)
    ORGANISATION_CREATE = "org_create"
    ORGANISATION_EDIT = "org_edit"
    ORGANISATION_VERIFY = "org_verify"
    ORGANISATION_UNVERIFY = "org_unverify"
    MEMBER_ADD = "member_add"
    MEMBER_REMOVE = "member_remove"
    MEMBER_ROLE = "member_role"
    # done by the board itself (no moderator)
    HOLD = "hold"  # a new post waits in the queue (policy or spam signals)
    AUTO_HIDE = "auto_hide"  # enough distinct reports
    # done by the author
    APPEAL = "appeal"
    RESUBMIT = "resubmit"


class ModerationAction(db.Model):
    """The audit log: who did what to which post or user, when, and why. Append-only.

    Reason and rule are copied, not referenced: a reason template edited later must not change
    what a past decision said.
    """

    __table_args__ = (Index("ix_moderation_action_post_time", "post_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    action: Mapped[Action] = mapped_column(str_enum(Action), index=True)
    # None: the board did it (reports, spam signals, policy) or the author (appeal).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"))
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    # Before/after of an edit, the role given, the signals that held a post: JSON.
    details: Mapped[dict[str, Any]] = mapped_column(db.JSON, default=dict)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    subject_user: Mapped[User | None] = relationship(foreign_keys=[subject_user_id])
    post: Mapped[Post | None] = relationship()

    @property
    def is_automated(self) -> bool:
        return self.action in (Action.HOLD, Action.AUTO_HIDE)


class AuditLogIsAppendOnly(Exception):
    pass


@event.listens_for(ModerationAction, "before_update")
@event.listens_for(ModerationAction, "before_delete")
def _refuse_rewriting_history(mapper: Any, connection: Any, target: ModerationAction) -> None:
    raise AuditLogIsAppendOnly(f"moderation action {target.id} cannot be changed or deleted")


class ReasonTemplate(db.Model):
    """A reason moderators pick when rejecting or hiding, edited by the town's moderators."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    # The rule of the board's terms the decision rests on (the statement of reasons names it).
    rule: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
