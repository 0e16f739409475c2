"""The audit log page: every moderation step, who took it and why, for moderators and admins.

Read-only by design: there is no URL that changes or deletes an entry (and the model refuses to).
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from board.accounts.models import Role
from board.moderation import bp, services
from board.moderation.audit_queries import BOARD, log_actors, log_page, parse_log_filter, word_diff
from board.moderation.labels import ACTION_LABELS
from board.moderation.models import Action, ModerationAction
from board.moderation.people import role_label
from board.moderation.views import moderator_required
from board.posts.labels import status_label
from board.posts.status import PostStatus

PER_PAGE = 30

# Steps the author takes on their own post: the log names their role, not their address.
BY_AUTHOR = frozenset({Action.APPEAL, Action.RESUBMIT})


@bp.app_template_global()
def audit_action_label(action: Action) -> str:
    return str(ACTION_LABELS[action])


@bp.app_template_global()
def audit_actor(entry: ModerationAction) -> str:
    """Who took the step, as moderators know each other."""
    if entry.action in BY_AUTHOR:
        return str(_l("Autor/in"))
    if entry.actor is None:
        return str(_l("Schwarzes Brett (automatisch)"))
    return services.display_name(entry.actor)


@bp.app_template_global()
def audit_status(value: str | None) -> str:
    """A status stored in the log, in words (an unknown old value is shown as it is)."""
    if value in PostStatus._value2member_map_:
        return status_label(PostStatus(value))
    return value or ""


@bp.app_template_global()
def audit_details(entry: ModerationAction) -> dict[str, Any]:
    """The entry's details made readable: an edit's changes, a role's before and after."""
    details = entry.details if isinstance(entry.details, dict) else {}
    shown: dict[str, Any] = {}
    before, after = details.get("before"), details.get("after")
    if entry.action is Action.EDIT and isinstance(before, dict) and isinstance(after, dict):
        shown["edit"] = [
            (label, word_diff(str(before.get(key, "")), str(after.get(key, ""))))
            for key, label in (("title", _l("Titel")), ("body", _l("Text")))
            if before.get(key) != after.get(key)
        ]
    if entry.action is Action.SET_ROLE:
        shown["roles"] = [
            role_label(Role(value)) if value in Role._value2member_map_ else str(value)
            for value in (before, after)
        ]
    for key in ("posts_hidden", "posts_restored", "reports"):
        if isinstance(details.get(key), int):
            shown[key] = details[key]
    return shown


@bp.get("/moderation/log")
@moderator_required
def log() -> ResponseReturnValue:
    """Browse the audit log, newest first, narrowed by action, person, post and dates."""
    log_filter = parse_log_filter(request.args)
    page = log_page(log_filter, PER_PAGE)
    return render_template(
        "moderation/log.html",
        log_filter=log_filter,
        page=page,
        actors=log_actors(),
        actions=ACTION_LABELS,
        board_actor=BOARD,
    )
