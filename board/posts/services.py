"""Posting: write, confirm, change, close and renew posts, and pass messages on to their authors.

Plain functions taking `now`; they raise PostingError for what the rules do not allow and never
commit. Every status change goes through board.posts.status.transition.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from board.accounts.models import User
from board.accounts.services import find_user
from board.extensions import db
from board.mail.services import queue_mail
from board.posts.models import Category, Post, PostKind, PostSource
from board.posts.status import EDITABLE, RENEWABLE, PostStatus, can_transition, transition
from board.security import InvalidLink, external_url, sign, unsign

# Nobody plans a town's event further ahead; 31.12.9999 is a typo, not a plan.
EVENT_MAX_AHEAD = timedelta(days=2 * 365)
EVENT_MAX_LENGTH = timedelta(days=366)
EVENT_DEFAULT_LENGTH = timedelta(days=1)

MANAGE_PURPOSE = "post-manage"
CONFIRM_PURPOSE = "post-confirm"
RENEW_PURPOSE = "post-renew"


class PostingError(Exception):
    """An action on a post that the rules do not allow; its message is for the person who tried."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


class EventTimeError(Exception):
    """Event times that cannot be right; `field` is "start" or "end"."""

    def __init__(self, field: str, message: Any) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message


@dataclass(frozen=True)
class PostInput:
    """What the author decides about a post; everything else is the board's to set."""

    kind: PostKind
    category_id: int
    district_id: int | None
    title: str
    body: str
    event_start_at: datetime | None = None
    event_end_at: datetime | None = None
    # Shorter than the board's default, if the author wants (days).
    lifetime_days: int | None = None
    # On the board from then on, not at once (the administration's notices, planned ahead).
    publish_at: datetime | None = None
    # Whose post it is, when the author was offered the choice (a member of an organisation);
    # otherwise a change leaves it as it was.
    organisation_id: int | None = None
    sets_organisation: bool = False


# ---------------------------------------------------------------- rules


def check_event_times(
    start: datetime | None,
    end: datetime | None,
    now: datetime,
    keep_start: datetime | None = None,
) -> None:
    """Raise EventTimeError unless an event's times make sense (aware UTC datetimes).

    `keep_start` is the start an edited event already had: it may lie in the past (the event is
    under way), a newly chosen start may not.
    """
    if start is None:
        raise EventTimeError("start", _l("Bitte geben Sie an, wann die Veranstaltung beginnt."))
    if start < now.replace(second=0, microsecond=0) and start != keep_start:
        raise EventTimeError("start", _l("Der Beginn liegt in der Vergangenheit."))
    if start > now + EVENT_MAX_AHEAD:
        raise EventTimeError(
            "start", _l("Bitte wählen Sie einen Termin innerhalb der nächsten zwei Jahre.")
        )
    if end is not None and end <= start:
        raise EventTimeError("end", _l("Das Ende muss nach dem Beginn liegen."))
    if end is not None and end - start > EVENT_MAX_LENGTH:
        raise EventTimeError("end", _l("Eine Veranstaltung kann höchstens ein Jahr dauern."))
    if (end or start + EVENT_DEFAULT_LENGTH) <= now:
        raise EventTimeError("end", _l("Diese Veranstaltung ist schon vorbei."))


def expiry_for(post: Post, now: datetime) -> datetime:
    """When a post leaves the board: events when they end, everything else after its lifetime
    counted from when it goes on the board (now, or its planned publication)."""
    if post.kind is PostKind.EVENT and post.event_start_at is not None:
        return post.event_end_at or post.event_start_at + EVENT_DEFAULT_LENGTH
    start = post.publish_at if post.publish_at and post.publish_at > now else now
    return start + timedelta(days=lifetime_days(post))


def default_lifetime_days(kind: PostKind, category_slug: str | None) -> int:
    """The town's lifetime for a post of this kind in this category (before any choice)."""
    config = current_app.config
    by_category = config["LIFETIME_DAYS_BY_CATEGORY"]
    if category_slug in by_category:
        return int(by_category[category_slug])
    return int(config["LIFETIME_DAYS"][kind.value])


def lifetime_days(post: Post) -> int:
    """The post's lifetime: the default, or the author's shorter choice; never over the maximum."""
    slug = post.category.slug if post.category is not None else None
    days = default_lifetime_days(post.kind, slug)
    if post.lifetime_days:
        days = min(days, post.lifetime_days)
    return max(1, min(days, current_app.config["MAX_LIFETIME_DAYS"]))


def status_on_submission(post: Post, now: datetime) -> PostStatus:
    """The status a post takes once its author has submitted (and, as a guest, confirmed) it.

    The one place moderation plugs in (board.moderation.policy): the queue, or the board.
    """
    from board.moderation import policy
    from board.moderation.services import hold_for_review

    verdict = policy.verdict_for(post, now)
    if verdict.review is not None:
        hold_for_review(post, verdict.review, now)
        return PostStatus.PENDING
    post.is_awaiting_review = verdict.look_afterwards
    return status_when_approved(post, now)


def status_when_approved(post: Post, now: datetime) -> PostStatus:
    """On the board now, or scheduled for the time its author planned."""
    if post.publish_at is not None and post.publish_at > now:
        return PostStatus.SCHEDULED
    return PostStatus.PUBLISHED


def allowed_actions(post: Post) -> frozenset[str]:
    """What the author may do with the post now: "edit", "close", "renew"."""
    actions = set()
    if post.status in EDITABLE:
        actions.add("edit")
    if can_transition(post.status, PostStatus.CLOSED):
        actions.add("close")
    if renewal_refused(post) is None:
        actions.add("renew")
    return frozenset(actions)


# ---------------------------------------------------------------- writing


def guest_author(address: str, locale: str, now: datetime) -> User:
    """The user behind a guest's e-mail address, made on first use (no account, no password)."""
    user = find_user(address)
    if user is None:
        user = User(email=address.lower(), locale=locale, created_at=now)
        db.session.add(user)
    elif user.is_suspended:
        raise PostingError(
            _l("Mit dieser E-Mail-Adresse können zurzeit keine Beiträge erstellt werden.")
        )
    return user


def find_submitted(submission_key: str) -> Post | None:
    """The post a form with this one-time key already made, if any (a double tap or a retry)."""
    return db.session.scalar(select(Post).where(Post.submission_key == submission_key))


def create_post(
    data: PostInput,
    author: User,
    source: PostSource,
    submission_key: str,
    now: datetime,
) -> Post:
    """Make a post: published at once for a confirmed account, else a draft until its mail link."""
    post = Post(
        author=author,
        source=source,
        submission_key=submission_key,
        status=PostStatus.DRAFT,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
    )
    _apply(post, data)
    post.expires_at = expiry_for(post, now)
    db.session.add(post)
    if source is PostSource.WEB and author.email_confirmed_at is not None:
        _submit(post, now)
    else:
        db.session.flush()  # the links in the mail need the post's id
        queue_mail(
            author.email,
            "post_confirm",
            locale=author.locale,
            post=post,
            confirm_url=confirm_url(post),
            manage_url=manage_url(post),
        )
    return post


def confirm_post(post: Post, now: datetime) -> bool:
    """Publish a draft whose author clicked the e-mailed link; False if there was nothing to do."""
    if post.status is not PostStatus.DRAFT:
        return False
    post.author.email_confirmed_at = post.author.email_confirmed_at or now
    _submit(post, now)
    return True


def check_editable(post: Post) -> None:
    """Raise PostingError, saying why, when the post's text may no longer change (e.g. closed)."""
    if post.status not in EDITABLE:
        raise PostingError(_not_editable_message(post))


def update_post(post: Post, data: PostInput, now: datetime) -> None:
    """Change a post's text and details; its status and expiry stay the board's business."""
    check_editable(post)
    was_event = post.kind is PostKind.EVENT
    not_yet_public = post.published_at is None or post.status is PostStatus.SCHEDULED
    days_before = lifetime_days(post)
    _apply(post, data)
    post.updated_at = now
    if post.status is PostStatus.SCHEDULED:
        _replan(post, now)
    if post.kind is PostKind.EVENT or was_event or not_yet_public:
        post.expires_at = expiry_for(post, now)  # its lifetime counts from when it goes up
    else:
        # On the board already: a shorter or longer lifetime (chosen, or another category's)
        # counts from when the current one began, never from the edit, so editing cannot
        # stand in for renewing. Shortened into the past, the post leaves the board now.
        post.expires_at += timedelta(days=lifetime_days(post) - days_before)
    _review_after_edit(post, now)


def _replan(post: Post, now: datetime) -> None:
    """A planned post whose author moved its time, or emptied it to publish at once."""
    if post.publish_at is not None and post.publish_at > now:
        post.published_at = post.publish_at  # visibility follows published_at, not publish_at
    else:
        post.published_at = None
        transition(post, PostStatus.PUBLISHED, now)


def _review_after_edit(post: Post, now: datetime) -> None:
    """A changed text gets the review a new one would; a returned post goes back to the queue."""
    from board.moderation import policy
    from board.moderation.models import Action
    from board.moderation.services import Reason, hold_for_review, record

    if post.status is PostStatus.RETURNED:
        transition(post, PostStatus.PENDING, now)
        post.review_reason, post.review_note = policy.RESUBMITTED, None
        record(
            Action.RESUBMIT,
            post.author,
            now,
            post=post,
            from_status=PostStatus.RETURNED,
            to_status=PostStatus.PENDING,
            reason=Reason(),
        )
        return
    if post.status not in (PostStatus.PUBLISHED, PostStatus.SCHEDULED):  # approved, or planned
        return
    verdict = policy.verdict_for(post, now)
    if verdict.review is not None:
        transition(post, PostStatus.PENDING, now)
        hold_for_review(post, policy.Review(policy.EDITED, verdict.review.note), now)
    elif verdict.look_afterwards:
        post.is_awaiting_review = True


def close_post(post: Post, now: datetime) -> bool:
    """Mark a post "erledigt"; False when it already was."""
    if post.status is PostStatus.CLOSED:
        return False
    if not can_transition(post.status, PostStatus.CLOSED):
        raise PostingError(_l("Dieser Beitrag kann nicht mehr als erledigt markiert werden."))
    transition(post, PostStatus.CLOSED, now)
    post.updated_at = now
    return True


def renew_post(post: Post, now: datetime) -> None:
    """Give a post a fresh lifetime from now, bringing an expired or closed one back."""
    if (refusal := renewal_refused(post)) is not None:
        raise PostingError(refusal)
    if post.status is not PostStatus.PUBLISHED:
        transition(post, status_on_submission(post, now), now)
    post.expires_at = expiry_for(post, now)
    post.renew_count += 1
    post.updated_at = now


def send_contact_message(
    post: Post, name: str | None, address: str, message: str, now: datetime
) -> None:
    """Relay a visitor's message to the author; their reply goes straight to the visitor."""
    if not post.is_visible(now):
        raise PostingError(_l("Dieser Beitrag ist nicht mehr auf dem Brett."))
    queue_mail(
        post.author.email,
        "post_contact",
        locale=post.author.locale,
        reply_to=address,
        post=post,
        sender_name=name or "",
        sender_address=address,
        message=message,
        post_url=external_url(url_for("posts.detail", post_id=post.id)),
        manage_url=manage_url(post),
    )
    post.contact_count = Post.contact_count + 1  # type: ignore[assignment]  # in SQL: both of two at once count


def _submit(post: Post, now: datetime) -> None:
    transition(post, status_on_submission(post, now), now)
    post.expires_at = expiry_for(post, now)


def _apply(post: Post, data: PostInput) -> None:
    post.kind = data.kind
    post.category = db.session.get(Category, data.category_id)  # its lifetime may differ
    post.lifetime_days = data.lifetime_days
    if post.status in (PostStatus.DRAFT, PostStatus.PENDING, PostStatus.SCHEDULED):
        post.publish_at = data.publish_at  # once on the board, its publication is history
    post.district_id = data.district_id
    if data.sets_organisation:
        post.organisation_id = data.organisation_id
    post.set_text(data.title, data.body)
    is_event = data.kind is PostKind.EVENT
    post.event_start_at = data.event_start_at if is_event else None
    post.event_end_at = data.event_end_at if is_event else None


def _not_editable_message(post: Post) -> Any:
    if post.status is PostStatus.CLOSED:
        return _l("Dieser Beitrag ist erledigt und kann nicht mehr bearbeitet werden.")
    if post.status is PostStatus.EXPIRED:
        return _l("Dieser Beitrag ist abgelaufen. Verlängern Sie ihn, um ihn wieder zu bearbeiten.")
    return _l("Dieser Beitrag kann nicht mehr bearbeitet werden.")


def renewal_refused(post: Post) -> Any | None:
    if post.kind is PostKind.EVENT:
        return _l(
            "Veranstaltungen stehen bis zu ihrem Ende am Brett. Ändern Sie bei Bedarf den Termin."
        )
    if post.status not in RENEWABLE:
        return _l("Dieser Beitrag kann nicht verlängert werden.")
    limit = current_app.config["MAX_RENEWALS"]
    if post.renew_count >= limit:
        return _l(
            "Dieser Beitrag wurde schon %(num)d-mal verlängert. Bitte schreiben Sie einen neuen.",
            num=limit,
        )
    return None


# ---------------------------------------------------------------- private links


def manage_token(post: Post) -> str:
    """The token of the author's private management link; it works until manage_secret changes."""
    return sign(MANAGE_PURPOSE, [post.id, post.manage_secret])


def manage_token_valid(post: Post, token: str) -> bool:
    return _token_matches(post, token, MANAGE_PURPOSE, max_age=None)


def confirm_token(post: Post) -> str:
    return sign(CONFIRM_PURPOSE, [post.id, post.manage_secret])


def confirm_token_valid(post: Post, token: str) -> bool:
    max_age = current_app.config["CONFIRM_LINK_MAX_AGE"]
    return _token_matches(post, token, CONFIRM_PURPOSE, max_age=max_age)


def renew_token(post: Post) -> str:
    """The reminder's one-tap renew link: bound to the renewal it offers, so it works once."""
    return sign(RENEW_PURPOSE, [post.id, post.renew_count, post.manage_secret])


def renew_token_state(post: Post, token: str) -> str:
    """ "valid", "used" (the post was renewed since the link was made) or "invalid"."""
    try:
        payload = unsign(RENEW_PURPOSE, token, max_age=current_app.config["RENEW_LINK_MAX_AGE"])
    except InvalidLink:
        return "invalid"
    if not (isinstance(payload, list) and len(payload) == 3 and payload[0] == post.id):
        return "invalid"
    if not hmac.compare_digest(str(payload[2]), post.manage_secret):
        return "invalid"
    return "valid" if payload[1] == post.renew_count else "used"


def renew_url(post: Post) -> str:
    return external_url(url_for("posts.renew_link", post_id=post.id, token=renew_token(post)))


def close_url(post: Post) -> str:
    """The reminder's "erledigt" link: the private management token, to the close button."""
    return external_url(url_for("posts.close_link", post_id=post.id, token=manage_token(post)))


def manage_url(post: Post) -> str:
    return external_url(url_for("posts.manage", post_id=post.id, token=manage_token(post)))


def confirm_url(post: Post) -> str:
    return external_url(url_for("posts.confirm", post_id=post.id, token=confirm_token(post)))


def _token_matches(post: Post, token: str, purpose: str, max_age: int | None) -> bool:
    try:
        payload = unsign(purpose, token, max_age=max_age)
    except InvalidLink:
        return False
    if not (isinstance(payload, list) and len(payload) == 2 and payload[0] == post.id):
        return False
    return hmac.compare_digest(str(payload[1]), post.manage_secret)
