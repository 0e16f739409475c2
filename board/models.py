"""Imports every feature's models, so relationships resolve and migrations see all tables."""

from board.accounts.models import Role, User
from board.jobs.models import JobState
from board.mail.models import MailStatus, OutboxMail
from board.moderation.models import (
    Action,
    ModerationAction,
    ReasonTemplate,
    Report,
    ReportReason,
)
from board.organisations.models import Membership, Organisation, OrganisationKind
from board.posts.cache import BoardVersion
from board.posts.models import Category, District, Post, PostKind, PostSource
from board.posts.status import PostStatus

__all__ = [
    "Action",
    "JobState",
    "ModerationAction",
    "ReasonTemplate",
    "Report",
    "ReportReason",
    "BoardVersion",
    "Category",
    "District",
    "MailStatus",
    "Membership",
    "Organisation",
    "OrganisationKind",
    "OutboxMail",
    "Post",
    "PostKind",
    "PostSource",
    "PostStatus",
    "Role",
    "User",
]
