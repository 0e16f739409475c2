"""A post's status: the one state machine, in one place.

Every status change in the code goes through transition(); a change the table below does not allow
raises InvalidTransition instead of silently corrupting a post's history.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import update

if TYPE_CHECKING:
    from board.posts.models import Post


class PostStatus(enum.StrEnum):
    DRAFT = "draft"  # saved, waiting for its author's e-mail confirmation (guests)
    PENDING = "pending"  # waiting for a moderator
    SCHEDULED = "scheduled"  # approved, published at a later time
    PUBLISHED = "published"
    HIDDEN = "hidden"  # taken off the board (reports, a moderator, a suspended author)
    RETURNED = "returned"  # sent back to its author by a moderator, to change and resubmit
    EXPIRED = "expired"
    CLOSED = "closed"  # "erledigt": its author is done with it
    REJECTED = "rejected"
    REMOVED = "removed"


S = PostStatus

ALLOWED: dict[PostStatus, frozenset[PostStatus]] = {
    S.DRAFT: frozenset({S.PENDING, S.PUBLISHED, S.SCHEDULED, S.REMOVED, S.CLOSED}),
    S.PENDING: frozenset(
        {S.PUBLISHED, S.SCHEDULED, S.REJECTED, S.RETURNED, S.REMOVED, S.CLOSED, S.DRAFT}
    ),
    # Once its time has come a scheduled post is on the board (before the job marks it
    # published), so reports and moderators can take it off like a published one.
    S.SCHEDULED: frozenset(
        {S.PUBLISHED, S.EXPIRED, S.CLOSED, S.REMOVED, S.PENDING, S.HIDDEN, S.REJECTED, S.RETURNED}
    ),
    # Reviewed after publication (policy "post"), a published post can still be rejected.
    S.PUBLISHED: frozenset(
        {S.EXPIRED, S.CLOSED, S.REMOVED, S.HIDDEN, S.PENDING, S.REJECTED, S.RETURNED}
    ),
    # A hidden post goes back to the queue when its author appeals.
    S.HIDDEN: frozenset({S.PUBLISHED, S.PENDING, S.REMOVED, S.REJECTED, S.RETURNED, S.CLOSED}),
    # The author changes a returned post and submits it again (or gives up on it).
    S.RETURNED: frozenset({S.PENDING, S.PUBLISHED, S.CLOSED, S.REMOVED}),
    # An expired or closed post comes back by renewal.
    S.EXPIRED: frozenset({S.PUBLISHED, S.PENDING, S.CLOSED, S.REMOVED}),
    S.CLOSED: frozenset({S.PUBLISHED, S.PENDING, S.REMOVED}),
    S.REJECTED: frozenset({S.PENDING, S.REMOVED}),
    S.REMOVED: frozenset(),
}

# Statuses a post's author may still change the text of.
EDITABLE = frozenset({S.DRAFT, S.PENDING, S.SCHEDULED, S.PUBLISHED, S.RETURNED})
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
    if target is S.SCHEDULED:
        # On the board from its planned time on: visibility needs no job (Post.visible_clause).
        post.published_at = post.publish_at
    if target is S.CLOSED:
        post.closed_at = now


class AlreadyChanged(Exception):
    """Someone else changed the post's status first (a second moderator, its author, a job)."""

    def __init__(self, expected: PostStatus, target: PostStatus) -> None:
        super().__init__(f"expected {expected} before moving to {target}")
        self.expected = expected
        self.target = target


def transition_guarded(post: Post, target: PostStatus, now: datetime) -> None:
    """transition(), made safe against a concurrent change of the same post.

    The status is written by a conditional UPDATE on the status this process last read, so of two
    moderators deciding the same post at once exactly one wins; the other gets AlreadyChanged
    instead of a second transition (the database, not Python, decides who was first).
    """
    from board.extensions import db
    from board.posts.models import Post as PostModel

    expected = post.status
    if not can_transition(expected, target):
        raise InvalidTransition(expected, target)
    changed = db.session.execute(
        update(PostModel)
        .where(PostModel.id == post.id, PostModel.status == expected)
        .values(status=target, status_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.refresh(post)
        raise AlreadyChanged(expected, target)
    # Mirror the change on the loaded object (and stamp published_at / closed_at as usual);
    # the flush that follows writes the same status again, which changes nothing.
    transition(post, target, now)


def bulk_transition(
    source: PostStatus, target: PostStatus, condition: object, now: datetime
) -> list[int]:
    """Move every post in `source` matching `condition` to `target` in one statement (jobs).

    The same table decides as for one post; the statement only touches posts still in `source`,
    so running it twice, or in two processes, moves each post once. Returns the ids moved.
    """
    from board.extensions import db
    from board.posts.models import Post as PostModel

    if not can_transition(source, target):
        raise InvalidTransition(source, target)
    moved = db.session.execute(
        update(PostModel)
        .where(PostModel.status == source, condition)  # type: ignore[arg-type]
        .values(status=target, status_changed_at=now)
        .returning(PostModel.id)
        .execution_options(synchronize_session=False)
    )
    return [row[0] for row in moved]
