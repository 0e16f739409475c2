"""A post's status: the one state machine, in one place.

Every status change in the code goes through transition(); a change the table below does not allow
raises InvalidTransition instead of silently corrupting a post's history.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from board.posts.models import Post


class PostStatus(enum.StrEnum):
    DRAFT = "draft"  # saved, waiting for its author's e-mail confirmation (guests)
    PENDING = "pending"  # waiting for a moderator
    SCHEDULED = "scheduled"  # approved, published at a later time
    PUBLISHED = "published"
    HIDDEN = "hidden"  # hidden by reports until a moderator decides
    EXPIRED = "expired"
    CLOSED = "closed"  # "erledigt": its author is done with it
    REJECTED = "rejected"
    REMOVED = "removed"


S = PostStatus

ALLOWED: dict[PostStatus, frozenset[PostStatus]] = {
    S.DRAFT: frozenset({S.PENDING, S.PUBLISHED, S.SCHEDULED, S.REMOVED, S.CLOSED}),
    S.PENDING: frozenset({S.PUBLISHED, S.SCHEDULED, S.REJECTED, S.REMOVED, S.CLOSED, S.DRAFT}),
    S.SCHEDULED: frozenset({S.PUBLISHED, S.CLOSED, S.REMOVED, S.PENDING}),
    S.PUBLISHED: frozenset({S.EXPIRED, S.CLOSED, S.REMOVED, S.HIDDEN, S.PENDING}),
    S.HIDDEN: frozenset({S.PUBLISHED, S.REMOVED, S.REJECTED, S.CLOSED}),
    # An expired or closed post comes back by renewal.
    S.EXPIRED: frozenset({S.PUBLISHED, S.PENDING, S.CLOSED, S.REMOVED}),
    S.CLOSED: frozenset({S.PUBLISHED, S.PENDING, S.REMOVED}),
    S.REJECTED: frozenset({S.PENDING, S.REMOVED}),
    S.REMOVED: frozenset(),
}

# Statuses a post's author may still change the text of.
EDITABLE = frozenset({S.DRAFT, S.PENDING, S.SCHEDULED, S.PUBLISHED})
# Statuses from which an author may renew a post onto the board again.
RENEWABLE = frozenset({S.PUBLISHED, S.EXPIRED, S.CLOSED})


class InvalidTransition(Exception):
    def __init__(self, current: PostStatus, target: PostStatus) -> None:
        super().__init__(f"cannot go from {current} to {target}")
        self.current = current
        self.target = target


def can_transition(current: PostStatus, target: PostStatus) -> bool:
    return target in ALLOWED[current]


def transition(post: Post, target: PostStatus, now: datetime) -> None:
    """Move a post to another status, stamping the time the move means."""
    if not can_transition(post.status, target):
        raise InvalidTransition(post.status, target)
    post.status = target
    post.status_changed_at = now
    if target is S.PUBLISHED and post.published_at is None:
        post.published_at = now
    if target is S.CLOSED:
        post.closed_at = now
