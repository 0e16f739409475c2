"""What the public and authors use: reporting a post, and answering a decision (appeal)."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from board.extensions import configured_limit, db, limiter
from board.honeypot import is_bot
from board.moderation import bp, reports, services
from board.moderation.models import Action, ModerationAction, ReportReason
from board.moderation.public_forms import AppealForm, ReportForm
from board.posts.models import Post
from board.sanitize import render_text
from board.security import InvalidLink, unsign
from board.site import form_checks_csrf, private_page
from board.timeutil import utcnow


def _reached_the_board(response: Response) -> bool:
    """Every report that got past the form counts against the limit, not a form sent back."""
    return response.status_code != 422


@bp.route("/posts/<int(max=2147483647):post_id>/report", methods=["GET", "POST"])
@limiter.limit(
    configured_limit("RATELIMIT_REPORT"), methods=["POST"], deduct_when=_reached_the_board
)
@form_checks_csrf
def report(post_id: int) -> ResponseReturnValue:
    """Let anyone flag a post; enough different people take it off the board until reviewed."""
    post = db.get_or_404(Post, post_id)
    now = utcnow()
    if not post.is_visible(now):
        abort(404)
    key = reports.reporter_key(current_user, request.remote_addr)
    if request.method == "GET" and reports.has_reported(post, key):
        return _report_page(post, state="already")
    form = ReportForm()
    if not form.validate_on_submit():
        return _form_page("moderation/report.html", form, post=post, state="form")
    if is_bot(form):
        return _report_page(post, state="thanks")
    reporter = current_user._get_current_object() if current_user.is_authenticated else None
    try:
        reports.report_post(
            post, key, reporter, ReportReason(form.reason.data), form.text.data or "", now
        )
    except services.ModerationError as error:  # reported already, or gone off the board meanwhile
        db.session.rollback()
        return _report_page(post, state="refused", message=error.message)
    db.session.commit()
    return _report_page(post, state="thanks")


def _report_page(post: Post, state: str, message: object = None) -> ResponseReturnValue:
    return render_template("moderation/report.html", post=post, state=state, message=message)


@bp.route("/moderation/appeal/<token>", methods=["GET", "POST"])
@form_checks_csrf
def appeal(token: str) -> ResponseReturnValue:
    """Let an author object to a decision on their post; it goes back to the queue with their words.

    No login: the signed link from the decision's mail is the authority.
    """
    try:
        post, decision = services.decision_to_appeal(token)
    except services.ModerationError as error:
        return _appeal_closed(token, error.message)
    form = AppealForm()
    if not form.validate_on_submit():
        return private_page(
            *_form_page(
                "moderation/appeal.html", form, **_appeal_context(post, decision), state="form"
            )
        )
    try:
        services.appeal(token, form.message.data, utcnow())
    except services.ModerationError as error:
        db.session.rollback()
        return _appeal_closed(token, error.message)
    db.session.commit()
    return private_page(render_template("moderation/appeal.html", post=post, state="sent"))


def _appeal_context(post: Post, decision: ModerationAction) -> dict[str, Any]:
    return {
        "post": post,
        "decision": decision,
        "body": render_text(post.body),
        "reason": render_text(decision.reason),
        "locale": str(get_locale()),
    }


def _appeal_closed(token: str, message: object) -> ResponseReturnValue:
    """The link leads nowhere any more: say why, in the author's terms; nothing changes."""
    if _appealed_already(token):
        message = None  # the page says so in its own words
    page = render_template("moderation/appeal.html", state="closed", message=message)
    return private_page(page, 410)


def _appealed_already(token: str) -> bool:
    """The link was used: the post's latest step is the author's appeal (a second tap, a reload)."""
    try:
        post_id, _ = unsign(
            services.APPEAL_PURPOSE, token, max_age=current_app.config["APPEAL_LINK_MAX_AGE"]
        )
    except (InvalidLink, ValueError, TypeError):
        return False
    post = db.session.get(Post, post_id) if isinstance(post_id, int) else None
    last = services.last_action(post) if post is not None else None
    return last is not None and last.action is Action.APPEAL


# ---------------------------------------------------------------- helpers


def _form_page(template: str, form: FlaskForm, **context: object) -> tuple[str, int]:
    """The form (again): with the visitor's text and errors after a POST; a forged token is a 400.

    Only an expired token comes back as a form, since only a real visitor of ours can hold one.
    """
    csrf_errors = form.errors.get("csrf_token", [])
    if csrf_errors and not any("expired" in str(error) for error in csrf_errors):
        raise CSRFError(str(csrf_errors[0]))
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status
