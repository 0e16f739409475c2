"""Moderation decisions: plain functions taking the moderator and `now`, never committing.

Every decision on a post
- checks who may take it (board.moderation.permissions),
- checks the post is still in the state the moderator saw (`seen`), and changes its status by a
  conditional UPDATE (board.posts.status.transition_guarded), so of two moderators deciding the
  same post at once one wins and the other is told who was first,
- writes one audit entry, and
- tells the author by mail, in their language, with the reasons and a way to answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from board.accounts.models import Role, User, new_session_token
from board.extensions import db
from board.mail.services import queue_mail
from board.moderation import permissions, policy
from board.moderation.models import Action, ModerationAction, ReasonTemplate, Report
from board.posts.models import ON_THE_BOARD, Post
from board.posts.status import AlreadyChanged, PostStatus, transition_guarded
from board.security import InvalidLink, external_url, sign, unsign

S = PostStatus
APPEAL_PURPOSE = "moderation-appeal"
# Statuses from which an author may ask for a decision to be looked at again.
APPEALABLE = frozenset({S.REJECTED, S.HIDDEN})


class ModerationError(Exception):
    """A moderation step that cannot be taken; the message is for the person who tried."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


class AlreadyDecided(ModerationError):
    """Someone else decided on the post since the moderator looked at it."""

    def __init__(self, post: Post) -> None:
        last = last_action(post)
        if last is not None and last.actor is not None:
            message = _l(
                "Schon entschieden von %(name)s: Der Beitrag ist jetzt „%(status)s“.",
                name=display_name(last.actor),
                status=_status_label(post.status),
            )
        else:
            message = _l(
                "Der Beitrag hat sich inzwischen geändert und ist jetzt „%(status)s“.",
                status=_status_label(post.status),
            )
        super().__init__(message)


@dataclass(frozen=True)
class Reason:
    """Why a moderator decided: the rule it rests on and the words the author reads."""

    rule: str = ""
    text: str = ""

    @classmethod
    def from_template(cls, template: ReasonTemplate | None, extra: str) -> Reason:
        parts = [template.text.strip()] if template else []
        if extra.strip():
            parts.append(extra.strip())
        return cls(template.rule.strip() if template else "", "\n\n".join(parts))


# ---------------------------------------------------------------- decisions on posts


def approve(post: Post, moderator: User, now: datetime, seen: PostStatus | None = None) -> None:
    """Let a waiting post onto the board, or mark a post published under "post" as looked at."""
    permissions.check_may_decide(moderator, post)
    if post.status is S.PUBLISHED and post.is_awaiting_review:
        _check_seen(post, seen)
        _mark_reviewed(post)
        _resolve_reports(post, now)
        record(Action.APPROVE, moderator, now, post=post, from_status=S.PUBLISHED)
        return
    from board.posts.services import status_when_approved

    target = status_when_approved(post, now)  # a planned post waits for its time
    _decide(post, moderator, Action.APPROVE, {S.PENDING}, target, now, seen)
    _tell_author(post, "moderation_approved", post_url=_post_url(post))


def reject(
    post: Post, moderator: User, reason: Reason, now: datetime, seen: PostStatus | None = None
) -> None:
    """Refuse a post for good (its author may appeal)."""
    _require_reason(reason)
    entry = _decide(
        post,
        moderator,
        Action.REJECT,
        {S.PENDING, S.PUBLISHED, S.SCHEDULED, S.HIDDEN},
        S.REJECTED,
        now,
        seen,
        reason=reason,
    )
    _tell_author(post, "moderation_rejected", reason=reason, appeal_url=appeal_url(post, entry))


def request_changes(
    post: Post, moderator: User, message: str, now: datetime, seen: PostStatus | None = None
) -> None:
    """Send a post back to its author with what to change; it returns to the queue when resent."""
    reason = Reason(text=message.strip())
    _require_reason(reason)
    _decide(
        post,
        moderator,
        Action.REQUEST_CHANGES,
        {S.PENDING, S.PUBLISHED, S.SCHEDULED, S.HIDDEN},
        S.RETURNED,
        now,
        seen,
        reason=reason,
    )
    from board.posts.services import manage_url

    _tell_author(post, "moderation_returned", reason=reason, manage_url=manage_url(post))


def hide(
    post: Post, moderator: User, reason: Reason, now: datetime, seen: PostStatus | None = None
) -> None:
    """Take a published post off the board until further notice (its author may appeal)."""
    _require_reason(reason)
    entry = _decide(post, moderator, Action.HIDE, ON_THE_BOARD, S.HIDDEN, now, seen, reason=reason)
    post.review_reason = policy.MODERATOR
    _tell_author(
        post,
        "moderation_hidden",
        reason=reason,
        automated=False,
        appeal_url=appeal_url(post, entry),
    )


def restore(post: Post, moderator: User, now: datetime, seen: PostStatus | None = None) -> None:
    """Put a hidden post back on the board; the reports against it are settled."""
    _decide(post, moderator, Action.RESTORE, {S.HIDDEN}, S.PUBLISHED, now, seen)
    _tell_author(post, "moderation_restored", post_url=_post_url(post))


def dismiss_reports(
    post: Post, moderator: User, now: datetime, seen: PostStatus | None = None
) -> None:
    """Keep a reported post on the board: the reports so far are settled and count no more."""
    permissions.check_may_decide(moderator, post)
    _check_seen(post, seen)
    if post.status is not S.PUBLISHED or not open_reports(post):
        raise AlreadyDecided(post)
    _resolve_reports(post, now)
    record(Action.DISMISS_REPORTS, moderator, now, post=post, from_status=S.PUBLISHED)


def correct_text(
    post: Post, moderator: User, title: str, body: str, note: str, now: datetime
) -> bool:
    """Fix an obvious typo in a post, keeping the before and after; False if nothing changed."""
    permissions.check_may_decide(moderator, post)
    if post.status in (S.REMOVED, S.DRAFT):
        raise ModerationError(_l("Dieser Beitrag kann nicht mehr bearbeitet werden."))
    before = {"title": post.title, "body": post.body}
    after = {"title": title.strip(), "body": body.strip()}
    if before == after:
        return False
    post.set_text(after["title"], after["body"])
    post.updated_at = now
    record(
        Action.EDIT,
        moderator,
        now,
        post=post,
        from_status=post.status,
        to_status=post.status,
        reason=Reason(text=note.strip()),
        details={"before": before, "after": after},
    )
    _tell_author(
        post,
        "moderation_edited",
        note=note.strip(),
        before=before,
        after=after,
        post_url=_post_url(post),
    )
    return True


# ---------------------------------------------------------------- the author answers


def appeal_url(post: Post, entry: ModerationAction) -> str:
    token = sign(APPEAL_PURPOSE, [post.id, entry.id])
    return external_url(url_for("moderation.appeal", token=token))


def decision_to_appeal(token: str) -> tuple[Post, ModerationAction]:
    """The post and decision an appeal link is about; ModerationError if it is no longer open."""
    try:
        post_id, action_id = unsign(
            APPEAL_PURPOSE, token, max_age=current_app.config["APPEAL_LINK_MAX_AGE"]
        )
    except (InvalidLink, ValueError, TypeError) as error:
        raise ModerationError(
            _l("Dieser Link ist ungültig oder zu alt. Bitte antworten Sie auf die E-Mail.")
        ) from error
    post, entry = db.session.get(Post, post_id), db.session.get(ModerationAction, action_id)
    if post is None or entry is None or entry.post_id != post.id:
        raise ModerationError(_l("Diesen Beitrag gibt es nicht mehr."))
    if post.status not in APPEALABLE or last_action(post) is not entry:
        raise ModerationError(
            _l(
                "Über diesen Beitrag wurde inzwischen neu entschieden; "
                "ein Einspruch ist nicht mehr nötig."
            )
        )
    return post, entry


def appeal(token: str, message: str, now: datetime) -> Post:
    """The author objects to a decision: the post goes back to the queue with their words."""
    post, _ = decision_to_appeal(token)
    message = message.strip()
    if not message:
        raise ModerationError(_l("Bitte schreiben Sie, warum der Beitrag erscheinen sollte."))
    before = post.status
    try:
        transition_guarded(post, S.PENDING, now)
    except AlreadyChanged as error:
        raise AlreadyDecided(post) from error
    post.review_reason, post.review_note = policy.APPEAL, message
    record(
        Action.APPEAL,
        post.author,
        now,
        post=post,
        from_status=before,
        to_status=S.PENDING,
        reason=Reason(text=message),
    )
    return post


def hold_for_review(post: Post, review: policy.Review, now: datetime) -> None:
    """Note that the board itself put a post in the queue, and why (audit log, latency figures)."""
    post.review_reason, post.review_note = review.reason, review.note or None
    record(
        Action.HOLD,
        None,
        now,
        post=post,
        to_status=S.PENDING,
        reason=Reason(text=review.note),
        details={"reason": review.reason},
    )


# ---------------------------------------------------------------- people


def suspend(user: User, moderator: User, reason: Reason, now: datetime) -> int:
    """Lock a person out and take their posts off the board; returns how many posts went."""
    permissions.check_may_manage_user(moderator, user)
    _require_reason(reason)
    if not _flip_suspension(user, True):
        raise ModerationError(_l("Dieses Konto ist bereits gesperrt."))
    user.session_token = new_session_token()  # every session and remember cookie ends now
    hidden = 0
    for post in _posts_of(user, S.PUBLISHED):
        try:
            transition_guarded(post, S.HIDDEN, now)
        except AlreadyChanged:
            continue
        post.review_reason = policy.SUSPENSION
        hidden += 1
    record(
        Action.SUSPEND,
        moderator,
        now,
        subject=user,
        reason=reason,
        details={"posts_hidden": hidden},
    )
    queue_mail(user.email, "account_suspended", locale=user.locale, reason=reason)
    return hidden


def unsuspend(user: User, moderator: User, now: datetime) -> int:
    """Let a person back in; the posts hidden by the suspension return to the board."""
    permissions.check_may_manage_user(moderator, user)
    if not _flip_suspension(user, False):
        raise ModerationError(_l("Dieses Konto ist nicht gesperrt."))
    restored = 0
    for post in _posts_of(user, S.HIDDEN):
        if post.review_reason != policy.SUSPENSION:
            continue  # hidden for its own reasons: that stays a moderator's call
        try:
            transition_guarded(post, S.PUBLISHED, now)
        except AlreadyChanged:
            continue
        post.review_reason = None
        restored += 1
    record(Action.UNSUSPEND, moderator, now, subject=user, details={"posts_restored": restored})
    queue_mail(user.email, "account_unsuspended", locale=user.locale)
    return restored


def set_trusted(user: User, moderator: User, trusted: bool, now: datetime) -> None:
    """Let a person's posts skip the queue (or no longer)."""
    permissions.check_may_manage_user(moderator, user)
    if user.is_trusted == trusted:
        return
    user.is_trusted = trusted
    record(Action.TRUST if trusted else Action.UNTRUST, moderator, now, subject=user)


def set_role(user: User, admin: User, role: Role, now: datetime) -> None:
    """Make someone a moderator or admin, or a resident again (admins only)."""
    permissions.check_may_set_role(admin, user)
    if user.role is role:
        return
    before = user.role
    user.role = role
    record(
        Action.SET_ROLE,
        admin,
        now,
        subject=user,
        details={"before": before.value, "after": role.value},
    )


# ---------------------------------------------------------------- reading


def open_reports(post: Post) -> list[Report]:
    return list(
        db.session.scalars(
            select(Report)
            .where(Report.post_id == post.id, Report.resolved_at.is_(None))
            .order_by(Report.created_at)
        )
    )


def last_action(post: Post) -> ModerationAction | None:
    """The latest decision on the post (edits and reports settled do not count)."""
    return db.session.scalar(
        select(ModerationAction)
        .where(
            ModerationAction.post_id == post.id,
            ModerationAction.action.not_in([Action.EDIT, Action.DISMISS_REPORTS]),
        )
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
        .limit(1)
    )


def request_to_author(post: Post) -> str | None:
    """What the moderator asked the author to change, while the post is back with them."""
    if post.status is not S.RETURNED:
        return None
    entry = last_action(post)
    return entry.reason if entry is not None and entry.action is Action.REQUEST_CHANGES else None


def display_name(user: User) -> str:
    """How moderators see each other: a chosen name, else the part of the address before @."""
    if user.deleted_at is not None:
        return str(_l("gelöschtes Konto"))
    return user.display_name or user.email.partition("@")[0]


def record(
    action: Action,
    actor: User | None,
    now: datetime,
    *,
    post: Post | None = None,
    subject: User | None = None,
    from_status: PostStatus | None = None,
    to_status: PostStatus | None = None,
    reason: Reason | None = None,
    details: dict[str, Any] | None = None,
) -> ModerationAction:
    """Add one entry to the audit log."""
    entry = ModerationAction(
        action=action,
        actor=actor,
        post=post,
        subject_user=subject if subject is not None else (post.author if post else None),
        from_status=from_status.value if from_status else None,
        to_status=to_status.value if to_status else None,
        rule=reason.rule if reason else "",
        reason=reason.text if reason else "",
        details=details or {},
        created_at=now,
    )
    db.session.add(entry)
    db.session.flush()  # the appeal link in the author's mail names the entry
    return entry


# ---------------------------------------------------------------- the steps in between


def _decide(
    post: Post,
    moderator: User,
    action: Action,
    sources: set[PostStatus] | tuple[PostStatus, ...],
    target: PostStatus,
    now: datetime,
    seen: PostStatus | None,
    reason: Reason | None = None,
) -> ModerationAction:
    permissions.check_may_decide(moderator, post)
    _check_seen(post, seen)
    before = post.status
    if before not in sources:
        raise AlreadyDecided(post)
    try:
        transition_guarded(post, target, now)
    except AlreadyChanged as error:
        raise AlreadyDecided(post) from error
    _mark_reviewed(post)
    if target is not S.HIDDEN:
        post.review_reason = post.review_note = None
    _resolve_reports(post, now)
    return record(
        action, moderator, now, post=post, from_status=before, to_status=target, reason=reason
    )


def _check_seen(post: Post, seen: PostStatus | None) -> None:
    """The moderator decided on what they saw: a post changed since then is not theirs to decide."""
    if seen is not None and post.status is not seen:
        raise AlreadyDecided(post)


def _mark_reviewed(post: Post) -> None:
    if post.is_awaiting_review:
        post.is_awaiting_review = False


def _resolve_reports(post: Post, now: datetime) -> None:
    db.session.execute(
        update(Report)
        .where(Report.post_id == post.id, Report.resolved_at.is_(None))
        .values(resolved_at=now)
        .execution_options(synchronize_session=False)
    )


def _flip_suspension(user: User, suspended: bool) -> bool:
    """Suspend or let back in by a conditional UPDATE: of two moderators at once, one does it."""
    changed = db.session.execute(
        update(User)
        .where(User.id == user.id, User.is_suspended.is_not(suspended))
        .values(is_suspended=suspended)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user, ["is_suspended"])
    return changed.rowcount == 1  # type: ignore[attr-defined]


def _require_reason(reason: Reason) -> None:
    if not reason.text.strip():
        raise ModerationError(
            _l("Bitte wählen Sie eine Begründung oder schreiben Sie eine. Die Person erfährt sie.")
        )


def _posts_of(user: User, status: PostStatus) -> list[Post]:
    return list(
        db.session.scalars(select(Post).where(Post.author_id == user.id, Post.status == status))
    )


def _post_url(post: Post) -> str:
    return external_url(url_for("posts.detail", post_id=post.id))


def _tell_author(post: Post, template: str, **context: Any) -> None:
    author = post.author
    queue_mail(author.email, template, locale=author.locale, post=post, **context)


def _status_label(status: PostStatus) -> str:
    from board.posts.labels import status_label

    return status_label(status)
