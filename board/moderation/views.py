"""The moderation queue and the decisions on a post, made for volunteers on a phone.

Every view here checks who asks before anything else (moderator_required); the services check
again. A decision commits here, after the service call; a refused one is rolled back and the
moderator is told why, keeping what they typed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import Forbidden

from board.accounts.login import role_required
from board.accounts.models import User
from board.extensions import db
from board.moderation import bp, policy, queries, services
from board.moderation.forms import (
    CorrectTextForm,
    HideForm,
    ReasonTemplateForm,
    RejectForm,
    RequestChangesForm,
    seen_status,
)
from board.moderation.labels import REPORT_REASON_LABELS
from board.moderation.models import ModerationAction, ReasonTemplate
from board.moderation.permissions import NotAllowed, check_may_decide, may_moderate
from board.moderation.reasons import active_reasons
from board.posts.models import Post
from board.posts.status import PostStatus
from board.sanitize import render_text
from board.site import form_checks_csrf
from board.timeutil import utcnow

log = logging.getLogger(__name__)
S = PostStatus


# Why a post waits or is off the board (Post.review_reason), in a moderator's words.
_REVIEW_REASONS = {
    policy.EVERY_POST: _l("Alle Beiträge werden vorab geprüft"),
    policy.EDITED: _l("Nach Änderung erneut zu prüfen"),
    policy.REPORTS: _l("Von mehreren Personen gemeldet"),
    policy.MODERATOR: _l("Von der Moderation ausgeblendet"),
    policy.SUSPENSION: _l("Das Konto der Person ist gesperrt"),
    policy.RESUBMITTED: _l("Nach Änderung erneut eingereicht"),
}


# ---------------------------------------------------------------- who may come in


# Anonymous visitors log in first; anyone else who is not a moderator gets 403 (logged).
moderator_required = role_required(may_moderate, "moderation")


@bp.errorhandler(NotAllowed)
def not_allowed(error: NotAllowed) -> ResponseReturnValue:
    """A step this moderator may not take (their own post): 403, and the reason why."""
    db.session.rollback()
    log.warning("refused moderation step: user %s %s", current_user.id, request.path)
    flash(str(error.message), "error")
    return render_template("error.html", error=Forbidden()), 403


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


# ---------------------------------------------------------------- the queue


@bp.get("/moderation")
@moderator_required
def queue() -> ResponseReturnValue:
    """Show what waits: posts to approve, reported posts, unreviewed and hidden ones."""
    now = utcnow()
    pending, reported = queries.pending_posts(), queries.reported_posts()
    unreviewed, hidden = queries.unreviewed_posts(now), queries.hidden_posts()
    shown = [*pending, *(post for post, _ in reported), *unreviewed, *hidden]
    return render_template(
        "moderation/queue.html",
        pending=pending,
        reported=reported,
        unreviewed=unreviewed,
        hidden=hidden,
        approved=approved_counts(post.author_id for post in shown),
        me=_me(),
        now=now,
        locale=str(get_locale()),
    )


def approved_counts(author_ids: Iterable[int]) -> dict[int, int]:
    """How many posts each author got onto the board (policy.approved_posts) in one query."""
    ids = set(author_ids)
    if not ids:
        return {}
    query = (
        select(Post.author_id, func.count(Post.id))
        .where(
            Post.author_id.in_(ids),
            Post.published_at.is_not(None),
            Post.status.not_in([S.REJECTED, S.REMOVED, S.HIDDEN]),
        )
        .group_by(Post.author_id)
    )
    return {author_id: count for author_id, count in db.session.execute(query).tuples()}


# ---------------------------------------------------------------- one post


@bp.get("/moderation/posts/<int(max=2147483647):post_id>")
@moderator_required
def post(post_id: int) -> ResponseReturnValue:
    """Show a post with its author, reports and history, and the decisions it allows."""
    return _decision_page(db.get_or_404(Post, post_id))


def _decision_page(
    post: Post, code: int = 200, error: object = None, **typed: FlaskForm
) -> ResponseReturnValue:
    """The post page; `typed` are forms sent back with what the moderator wrote in them."""
    reasons = active_reasons()
    forms = {
        "reject": RejectForm(formdata=None, reasons=reasons),
        "hide": HideForm(formdata=None, reasons=reasons),
        "changes": RequestChangesForm(formdata=None),
        "edit": CorrectTextForm(
            formdata=None, data={"edit_title": post.title, "edit_body": post.body}
        ),
        **typed,
    }
    reports = services.open_reports(post)
    history = db.session.scalars(
        select(ModerationAction)
        .where(ModerationAction.post_id == post.id)
        .options(joinedload(ModerationAction.actor))
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
    ).all()
    html = render_template(
        "moderation/post.html",
        post=post,
        body=render_text(post.body),
        reports=reports,
        history=history,
        decisions=allowed_decisions(post, _me(), has_reports=bool(reports)),
        approved=approved_counts([post.author_id]),
        error=error,
        forms=forms,
        locale=str(get_locale()),
        now=utcnow(),
    )
    return html, code


def allowed_decisions(post: Post, moderator: User, has_reports: bool) -> frozenset[str]:
    """The forms a post's page offers (the services decide again when one is sent)."""
    if post.author_id == moderator.id:
        return frozenset()
    status, offered = post.status, set()
    if status is S.PENDING or (status is S.PUBLISHED and post.is_awaiting_review):
        offered.add("approve")
    if status in (S.PENDING, S.PUBLISHED, S.HIDDEN):
        offered |= {"reject", "changes"}
    if status is S.PUBLISHED:
        offered.add("hide")
        if has_reports:
            offered.add("dismiss")
    if status is S.HIDDEN:
        offered.add("restore")
    if status not in (S.REMOVED, S.DRAFT):
        offered.add("edit")
    return frozenset(offered)


# ---------------------------------------------------------------- decisions


def _post_to_decide(post_id: int) -> Post:
    """The post a decision is about, refused at once (403) if it is the moderator's own."""
    found = db.get_or_404(Post, post_id)
    check_may_decide(_me(), found)
    return found


def _seen() -> PostStatus | None:
    return seen_status(request.form.get("seen"))


def _done(message: str) -> ResponseReturnValue:
    db.session.commit()
    flash(message, "info")
    return redirect(url_for("moderation.queue"), 303)


def _one_tap(post: Post, decide: Callable[[], Any], message: str) -> ResponseReturnValue:
    """A decision without words: done, or back to the post page with why not."""
    try:
        decide()
    except services.ModerationError as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(url_for("moderation.post", post_id=post.id), 303)
    return _done(message)


def _with_words(
    post: Post, name: str, form: FlaskForm, decide: Callable[[], Any], message: str
) -> ResponseReturnValue:
    """A decision with a reason or text: on any refusal the page comes back with the text."""
    if not form.validate_on_submit():
        # An expired token is a 400 too, but the moderator gets their words and a fresh token.
        return _decision_page(post, 400 if "csrf_token" in form.errors else 422, **{name: form})
    try:
        decide()
    except services.ModerationError as refused:
        db.session.rollback()
        return _decision_page(post, 409, refused.message, **{name: form})
    return _done(message)


@bp.post("/moderation/posts/<int(max=2147483647):post_id>/approve")
@moderator_required
def approve(post_id: int) -> ResponseReturnValue:
    """Let a waiting post onto the board: one tap from the queue."""
    post, seen = _post_to_decide(post_id), _seen()
    return _one_tap(
        post,
        lambda: services.approve(post, _me(), utcnow(), seen),
        _("Freigegeben: „%(title)s“", title=post.title),
    )


@bp.post("/moderation/posts/<int(max=2147483647):post_id>/restore")
@moderator_required
def restore(post_id: int) -> ResponseReturnValue:
    """Put a hidden post back on the board."""
    post, seen = _post_to_decide(post_id), _seen()
    return _one_tap(
        post,
        lambda: services.restore(post, _me(), utcnow(), seen),
        _("Wieder auf dem Brett: „%(title)s“", title=post.title),
    )


@bp.post("/moderation/posts/<int(max=2147483647):post_id>/dismiss-reports")
@moderator_required
def dismiss_reports(post_id: int) -> ResponseReturnValue:
    """Keep a reported post on the board; its reports are settled."""
    post, seen = _post_to_decide(post_id), _seen()
    return _one_tap(
        post,
        lambda: services.dismiss_reports(post, _me(), utcnow(), seen),
        _("Meldungen zurückgewiesen: „%(title)s“ bleibt auf dem Brett.", title=post.title),
    )


@bp.post("/moderation/posts/<int(max=2147483647):post_id>/reject")
@form_checks_csrf
@moderator_required
def reject(post_id: int) -> ResponseReturnValue:
    """Refuse a post, with a reason the author reads (and may appeal)."""
    post = _post_to_decide(post_id)
    form = RejectForm(reasons=active_reasons())
    return _with_words(
        post,
        "reject",
        form,
        lambda: services.reject(post, _me(), form.reason(), utcnow(), form.seen_status),
        _("Abgelehnt: „%(title)s“. Die Person bekommt eine E-Mail.", title=post.title),
    )


@bp.post("/moderation/posts/<int(max=2147483647):post_id>/hide")
@form_checks_csrf
@moderator_required
def hide(post_id: int) -> ResponseReturnValue:
    """Take a published post off the board, with a reason the author reads."""
    post = _post_to_decide(post_id)
    form = HideForm(reasons=active_reasons())
    return _with_words(
        post,
        "hide",
        form,
        lambda: services.hide(post, _me(), form.reason(), utcnow(), form.seen_status),
        _("Ausgeblendet: „%(title)s“. Die Person bekommt eine E-Mail.", title=post.title),
    )


@bp.post("/moderation/posts/<int(max=2147483647):post_id>/request-changes")
@form_checks_csrf
@moderator_required
def request_changes(post_id: int) -> ResponseReturnValue:
    """Send a post back to its author with what to change."""
    post = _post_to_decide(post_id)
    form = RequestChangesForm()
    return _with_words(
        post,
        "changes",
        form,
        lambda: services.request_changes(
            post, _me(), form.changes_message.data, utcnow(), form.seen_status
        ),
        _("Zurück an die Person: „%(title)s“. Sie bekommt Ihre Nachricht.", title=post.title),
    )


@bp.post("/moderation/posts/<int(max=2147483647):post_id>/edit")
@form_checks_csrf
@moderator_required
def edit(post_id: int) -> ResponseReturnValue:
    """Correct an obvious typo; the author is told, the before and after are kept."""
    post = _post_to_decide(post_id)
    form = CorrectTextForm()
    if not form.validate_on_submit():
        return _decision_page(post, 400 if "csrf_token" in form.errors else 422, edit=form)
    try:
        changed = services.correct_text(
            post,
            _me(),
            form.edit_title.data,
            form.edit_body.data,
            form.edit_note.data or "",
            utcnow(),
        )
    except services.ModerationError as refused:
        db.session.rollback()
        return _decision_page(post, 409, refused.message, edit=form)
    db.session.commit()
    flash(_("Korrigiert. Die Person bekommt eine E-Mail.") if changed else _("Nichts geändert."))
    return redirect(url_for("moderation.post", post_id=post.id), 303)


# ---------------------------------------------------------------- reason templates


@bp.get("/moderation/reasons")
@moderator_required
def reasons() -> ResponseReturnValue:
    """List the reasons moderators pick from, active ones first."""
    templates = db.session.scalars(
        select(ReasonTemplate).order_by(
            ReasonTemplate.is_active.desc(), ReasonTemplate.position, ReasonTemplate.id
        )
    ).all()
    return render_template("moderation/reasons.html", templates=templates)


@bp.route("/moderation/reasons/new", methods=["GET", "POST"])
@form_checks_csrf
@moderator_required
def new_reason() -> ResponseReturnValue:
    """Add a reason to the list moderators pick from."""
    form = ReasonTemplateForm()
    if not form.validate_on_submit():
        return _reason_form(form, None)
    last = db.session.scalar(select(func.max(ReasonTemplate.position))) or 0
    template = ReasonTemplate(position=last + 1, created_at=utcnow())
    form.populate_obj(template)
    db.session.add(template)
    db.session.commit()
    flash(_("Begründung „%(title)s“ hinzugefügt.", title=template.title), "info")
    return redirect(url_for("moderation.reasons"), 303)


@bp.route("/moderation/reasons/<int(max=2147483647):reason_id>/edit", methods=["GET", "POST"])
@form_checks_csrf
@moderator_required
def edit_reason(reason_id: int) -> ResponseReturnValue:
    """Change a reason's words; decisions already taken keep the words they were taken with."""
    template = db.get_or_404(ReasonTemplate, reason_id)
    form = ReasonTemplateForm(obj=template)
    if not form.validate_on_submit():
        return _reason_form(form, template)
    form.populate_obj(template)
    db.session.commit()
    flash(_("Begründung „%(title)s“ gespeichert.", title=template.title), "info")
    return redirect(url_for("moderation.reasons"), 303)


def _reason_form(form: ReasonTemplateForm, template: ReasonTemplate | None) -> ResponseReturnValue:
    code = 200 if request.method == "GET" else 400 if "csrf_token" in form.errors else 422
    return render_template("moderation/reason_form.html", form=form, template=template), code


@bp.post("/moderation/reasons/<int(max=2147483647):reason_id>/active")
@moderator_required
def toggle_reason(reason_id: int) -> ResponseReturnValue:
    """Stop offering a reason (or offer it again); nothing is deleted."""
    template = db.get_or_404(ReasonTemplate, reason_id)
    template.is_active = request.form.get("active") == "1"
    db.session.commit()
    if template.is_active:
        flash(_("„%(title)s“ wird wieder angeboten.", title=template.title), "info")
    else:
        flash(_("„%(title)s“ wird nicht mehr angeboten.", title=template.title), "info")
    return redirect(url_for("moderation.reasons"), 303)


# ---------------------------------------------------------------- words for the pages


# How moderators see each other, in every moderation template (services.display_name).
bp.add_app_template_global(services.display_name, "display_name")


@bp.context_processor
def moderation_words() -> dict[str, object]:
    return {
        "why_waiting": why_waiting,
        "author_line": author_line,
        "report_reason_label": lambda reason: str(REPORT_REASON_LABELS[reason]),
    }


def why_waiting(post: Post, approved: int = 0) -> str:
    """Why a post is in the queue or off the board, as a moderator reads it."""
    reason, note = post.review_reason, (post.review_note or "").strip()
    if reason == policy.NEW_AUTHOR:
        if approved:
            return ngettext(
                "Neue Person: %(num)d Beitrag freigegeben",
                "Neue Person: %(num)d Beiträge freigegeben",
                approved,
            )
        return _("Erster Beitrag einer neuen Person")
    if reason == policy.SPAM:
        return _("Spamverdacht: %(signals)s", signals=spam_words(note))
    if reason == policy.APPEAL:
        return _("Einspruch: %(message)s", message=note)
    if reason == policy.EDITED and note:
        return _(
            "Nach Änderung erneut zu prüfen. Spamverdacht: %(signals)s", signals=spam_words(note)
        )
    if reason in _REVIEW_REASONS:
        return str(_REVIEW_REASONS[reason])
    return note


def spam_words(note: str) -> str:
    """The spam signals (board.moderation.spam codes, "links:5, duplicate") in words."""
    words = []
    for signal in filter(None, (part.strip() for part in note.split(", "))):
        code, _sep, detail = signal.partition(":")
        if code == "links" and detail.isdecimal():
            words.append(ngettext("%(num)d Link", "%(num)d Links", int(detail)))
        elif code == "blocklist":
            words.append(_("Sperrwort „%(word)s“", word=detail))
        elif code == "duplicate":
            words.append(_("gleicher Text schon einmal"))
        elif code == "burst" and detail.isdecimal():
            words.append(_("%(num)d Beiträge in kurzer Zeit", num=int(detail)))
        else:
            words.append(signal)
    return ", ".join(words)


def author_line(user: User, approved: int) -> str:
    """ "Rita · neu" or "Rita · 3 freigegeben": who wrote it, and how well the board knows them."""
    if not approved:
        return _("%(name)s · neu", name=services.display_name(user))
    return ngettext(
        "%(name)s · %(num)d freigegeben",
        "%(name)s · %(num)d freigegeben",
        approved,
        name=services.display_name(user),
    )


# ---------------------------------------------------------------- the navigation's number


@bp.app_context_processor
def moderation_navigation() -> dict[str, object]:
    # A function the navigation calls: the count costs a query only on pages a moderator sees,
    # never on anonymous (cached) pages, nor when a mail template is rendered.
    return {"moderation_waiting": waiting_for_me}


def waiting_for_me() -> int | None:
    """How much waits in the queue, for a moderator; None for everyone else."""
    if not may_moderate(current_user):
        return None
    return queries.queue_counts(utcnow()).total
