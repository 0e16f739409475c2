from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from board.extensions import configured_limit, db, limiter
from board.honeypot import is_bot
from board.moderation.policy import may_schedule
from board.organisations.models import Organisation
from board.organisations.queries import manages, organisations_of
from board.posts import bp, forms, services
from board.posts.cache import serve_board
from board.posts.labels import kind_label, status_label
from board.posts.models import Post, PostKind, PostSource
from board.posts.queries import board_choices, board_page, parse_filter
from board.posts.status import PostStatus
from board.sanitize import render_text
from board.site import berlin_datetime, form_checks_csrf, private_page
from board.timeutil import utcnow

# Statuses whose publication time can still be planned (not yet on the board).
PLANNABLE = frozenset({PostStatus.DRAFT, PostStatus.PENDING, PostStatus.SCHEDULED})

# Globals, not a context processor: macros imported without context see them too.
bp.add_app_template_global(kind_label, "kind_label")
bp.add_app_template_global(status_label, "status_label")
bp.add_app_template_global(PostKind, "PostKind")


@bp.get("/")
def index() -> ResponseReturnValue:
    """Show the board: current posts, newest first, with filters and search."""
    return serve_board(_render_board)


def _render_board(now: datetime) -> tuple[str, datetime | None]:
    """The board's HTML at `now`, and when time alone makes it wrong (its first post expires)."""
    choices = board_choices()
    board_filter = parse_filter(request.args, choices)
    page = board_page(board_filter, now, current_app.config["POSTS_PER_PAGE"])
    html = render_template(
        "posts/index.html",
        posts=page.posts,
        has_next=page.has_next,
        filter=board_filter,
        categories=choices.categories,
        districts=choices.districts,
        locale=str(get_locale()),
    )
    return html, page.first_expiry


@bp.get("/posts/<int(max=2147483647):post_id>")
def detail(post_id: int) -> ResponseReturnValue:
    """Show one post; only its author (and moderators) see it before or after it is public."""
    post = db.get_or_404(Post, post_id)
    looks_after = _looks_after(post)
    is_moderator = current_user.is_authenticated and current_user.is_moderator
    if not post.is_visible(utcnow()) and not (looks_after or is_moderator):
        abort(404)
    return render_template(
        "posts/detail.html",
        post=post,
        body=render_text(post.body),
        locale=str(get_locale()),
        actions=services.allowed_actions(post) if looks_after else frozenset(),
    )


def _looks_after(post: Post) -> bool:
    """Its author, or for an organisation's post also the organisation's managers (DESIGN §2:
    several members look after an association's posts): edit, close, renew."""
    if not current_user.is_authenticated:
        return False
    return post.author_id == current_user.id or manages(current_user, post.organisation_id)


# ---------------------------------------------------------------- posting


def _posted(response: Response) -> bool:
    """Only what got through counts against the posting limit, not a form sent back with errors."""
    return response.status_code == 303


@bp.route("/posts/new", methods=["GET", "POST"])
@limiter.limit(configured_limit("RATELIMIT_POSTING"), methods=["POST"], deduct_when=_posted)
@form_checks_csrf
def new() -> ResponseReturnValue:
    """Write a post: an account's goes up at once, a guest's once the e-mailed link is clicked."""
    now, locale = utcnow(), str(get_locale())
    form_class = forms.PostForm if current_user.is_authenticated else forms.GuestPostForm
    form = form_class(
        now=now,
        locale=locale,
        can_schedule=may_schedule(current_user),
        speaks_for=_speaks_for(None),
    )
    if not form.validate_on_submit():
        return _form_page("posts/new.html", form)
    if is_bot(form):  # answered as a guest's post would be: nothing saved, no mail
        return redirect(url_for("posts.check_mail"), 303)
    try:
        post = _create_once(form, form.submitted_key(), now, locale)
    except services.PostingError as error:
        flash(str(error.message), "error")
        return _form_page("posts/new.html", form)
    if post.status is PostStatus.DRAFT:
        return redirect(url_for("posts.check_mail"), 303)
    flash(_where_it_went(post), "info")
    return redirect(url_for("posts.detail", post_id=post.id), 303)


def _speaks_for(post: Post | None) -> list[Organisation]:
    """Whom the author may post for: their organisations (and, when they change a post, the one
    it already belongs to). Only offered to the author logged in, not to a private link's holder."""
    if not current_user.is_authenticated or (post and post.author_id != current_user.id):
        return []
    mine = organisations_of(current_user)
    if post and post.organisation and post.organisation not in mine:
        mine.append(post.organisation)
    return mine


def _where_it_went(post: Post) -> str:
    """Tell the author whether their post is on the board or waits for a moderator."""
    if post.status is PostStatus.PENDING:
        return _(
            "Danke! Ihr Beitrag wird kurz geprüft und erscheint dann auf dem Brett. "
            "Sie bekommen eine E-Mail, sobald er freigegeben ist."
        )
    if post.status is PostStatus.SCHEDULED:
        when = berlin_datetime(post.published_at, "date_time")
        return _("Ihr Beitrag erscheint am %(date)s auf dem Brett.", date=when)
    return _("Ihr Beitrag ist jetzt auf dem Brett.")


def _create_once(form: forms.PostForm, key: str, now: datetime, locale: str) -> Post:
    """Create and commit the post, unless the same form (its one-time key) already made it.

    Two copies of one form sent at the same moment race to the key's unique constraint: the loser
    rolls back and answers with the winner's post.
    """
    for attempt in range(2):
        if found := services.find_submitted(key):
            return found
        try:
            if current_user.is_authenticated:
                author, source = current_user._get_current_object(), PostSource.WEB
            else:
                author = services.guest_author(form.email.data, locale, now)
                source = PostSource.GUEST
            post = services.create_post(form.values(), author, source, key, now)
            db.session.commit()
            return post
        except IntegrityError:
            db.session.rollback()
            if attempt:  # a guest address created at the same moment is found on the retry
                raise
    raise AssertionError("unreachable")


@bp.get("/posts/check-mail")
def check_mail() -> ResponseReturnValue:
    """Tell a guest to confirm their post by the link in the mail just sent."""
    return render_template("posts/check_mail.html")


@bp.route("/posts/<int(max=2147483647):post_id>/confirm/<token>", methods=["GET", "POST"])
def confirm(post_id: int, token: str) -> ResponseReturnValue:
    """Show a guest's draft with one button that publishes it.

    Only the button's POST publishes: mail scanners fetch links (GET) but never press buttons.
    """
    post = db.get_or_404(Post, post_id)
    if not services.confirm_token_valid(post, token):
        return private_page(render_template("posts/link_invalid.html"), 404)
    if request.method == "GET" and post.status is PostStatus.DRAFT:
        page = render_template(
            "posts/confirm.html", post=post, body=render_text(post.body), locale=str(get_locale())
        )
        return private_page(page)
    if services.confirm_post(post, utcnow()):
        db.session.commit()
        if post.status is PostStatus.PENDING:
            flash(_where_it_went(post), "info")
        else:
            flash(_("Danke! Ihr Beitrag ist bestätigt und steht jetzt auf dem Brett."), "info")
    manage_page = url_for("posts.manage", post_id=post.id, token=services.manage_token(post))
    return redirect(manage_page, 303)


@bp.get("/posts/<int(max=2147483647):post_id>/manage/<token>")
def manage(post_id: int, token: str) -> ResponseReturnValue:
    """The author's private page for one post: its state, the link to keep, what can be done."""
    post = db.get_or_404(Post, post_id)
    if not services.manage_token_valid(post, token):
        return private_page(render_template("posts/link_invalid.html"), 404)
    from board.moderation.services import request_to_author

    page = render_template(
        "posts/manage.html",
        post=post,
        token=token,
        body=render_text(post.body),
        locale=str(get_locale()),
        manage_url=services.manage_url(post),
        confirm_token=services.confirm_token(post) if post.status is PostStatus.DRAFT else None,
        actions=services.allowed_actions(post),
        moderators_request=request_to_author(post),
    )
    return private_page(page)


@bp.route("/posts/<int(max=2147483647):post_id>/edit", methods=["GET", "POST"])
@form_checks_csrf
def edit(post_id: int) -> ResponseReturnValue:
    """Change one's own post, logged in or through the private management link."""
    post = db.get_or_404(Post, post_id)
    token = _authorise(post)
    try:
        services.check_editable(post)
    except services.PostingError as error:
        return _refused(error, post, token)
    now = utcnow()
    form = forms.PostForm(
        now=now,
        locale=str(get_locale()),
        keep_start=post.event_start_at,
        can_schedule=post.status in PLANNABLE and may_schedule(current_user),
        speaks_for=_speaks_for(post),
    )
    if request.method == "GET":
        form.fill_from(post)
    if not form.validate_on_submit():
        return _form_page("posts/edit.html", form, post=post, token=token)
    services.update_post(post, form.values(), now)
    db.session.commit()
    if post.status is PostStatus.PENDING:
        flash(
            _("Ihre Änderungen sind gespeichert. Der Beitrag wird jetzt noch einmal geprüft."),
            "info",
        )
    else:
        flash(_("Ihre Änderungen sind gespeichert."), "info")
    return redirect(_home_of(post, token), 303)


@bp.post("/posts/<int(max=2147483647):post_id>/close")
def close(post_id: int) -> ResponseReturnValue:
    """Mark one's own post "erledigt": it leaves the board."""
    post = db.get_or_404(Post, post_id)
    token = _authorise(post)
    try:
        services.close_post(post, utcnow())
    except services.PostingError as error:
        return _refused(error, post, token)
    db.session.commit()
    flash(_("Der Beitrag ist als erledigt markiert. Danke für die Rückmeldung!"), "info")
    return redirect(_home_of(post, token), 303)


@bp.post("/posts/<int(max=2147483647):post_id>/renew")
def renew(post_id: int) -> ResponseReturnValue:
    """Keep one's own post on the board for another full lifetime."""
    post = db.get_or_404(Post, post_id)
    token = _authorise(post)
    try:
        services.renew_post(post, utcnow())
    except services.PostingError as error:
        return _refused(error, post, token)
    db.session.commit()
    if post.status is PostStatus.PENDING:
        flash(_where_it_went(post), "info")
    else:
        flash(_("Der Beitrag ist verlängert."), "info")
    return redirect(_home_of(post, token), 303)


# ---------------------------------------------------------------- the reminder's links
# Mail scanners fetch links (GET) but never press buttons: a link only shows its one button,
# and only the button's POST changes the post. Neither needs a login.


@bp.route("/posts/<int(max=2147483647):post_id>/renew/<token>", methods=["GET", "POST"])
@form_checks_csrf
def renew_link(post_id: int, token: str) -> ResponseReturnValue:
    """The reminder's renew link: the post and one "Verlängern" button that works once."""
    post = db.get_or_404(Post, post_id)
    state = services.renew_token_state(post, token)
    if state == "invalid":
        return private_page(render_template("posts/link_invalid.html"), 404)
    form, now = FlaskForm(), utcnow()
    if state == "used":  # tapped twice, or renewed meanwhile: the link has done its work
        return _link_page("posts/renew_link.html", form, post, "used")
    if (refusal := services.renewal_refused(post)) is not None:
        return _link_page("posts/renew_link.html", form, post, "refused", message=refusal)
    if request.method == "GET" or not form.validate():
        days = services.lifetime_days(post)
        return _link_page("posts/renew_link.html", form, post, "offer", days=days)
    services.renew_post(post, now)
    db.session.commit()
    return _link_page("posts/renew_link.html", form, post, "renewed")


@bp.route("/posts/<int(max=2147483647):post_id>/close/<token>", methods=["GET", "POST"])
@form_checks_csrf
def close_link(post_id: int, token: str) -> ResponseReturnValue:
    """The reminder's "erledigt" link: the post and one "Erledigt" button."""
    post = db.get_or_404(Post, post_id)
    if not services.manage_token_valid(post, token):
        return private_page(render_template("posts/link_invalid.html"), 404)
    form = FlaskForm()
    if post.status is PostStatus.CLOSED:  # tapped twice: nothing more to do
        return _link_page("posts/close_link.html", form, post, "already")
    if "close" not in services.allowed_actions(post):
        message = _("Dieser Beitrag kann nicht mehr als erledigt markiert werden.")
        return _link_page("posts/close_link.html", form, post, "refused", message=message)
    if request.method == "GET" or not form.validate():
        return _link_page("posts/close_link.html", form, post, "offer")
    services.close_post(post, utcnow())
    db.session.commit()
    return _link_page("posts/close_link.html", form, post, "closed")


def _link_page(
    template: str, form: FlaskForm, post: Post, outcome: str, **context: object
) -> ResponseReturnValue:
    """A private link's page; a press with a forged token is a 400, one left open too long
    shows the button again (422) with a fresh token; a refused press says so (409)."""
    status = 200
    if request.method == "POST" and outcome == "offer":
        csrf_errors = form.errors.get("csrf_token", [])
        if not any("expired" in str(error) for error in csrf_errors):
            raise CSRFError(str(csrf_errors[0]) if csrf_errors else "CSRF")
        status = 422
    elif request.method == "POST" and outcome == "refused":
        status = 409
    page = render_template(
        template,
        form=form,
        post=post,
        outcome=outcome,
        body=render_text(post.body),
        locale=str(get_locale()),
        manage_url=url_for("posts.manage", post_id=post.id, token=services.manage_token(post)),
        **context,
    )
    return private_page(page, status)


# ---------------------------------------------------------------- contact


@bp.route("/posts/<int(max=2147483647):post_id>/contact", methods=["GET", "POST"])
@limiter.limit(configured_limit("RATELIMIT_CONTACT"), methods=["POST"], deduct_when=_posted)
@form_checks_csrf
def contact(post_id: int) -> ResponseReturnValue:
    """Write to a post's author through the board; neither side's address is shown on a page."""
    post = db.get_or_404(Post, post_id)
    now = utcnow()
    if not post.is_visible(now):
        abort(404)
    form = forms.ContactForm()
    if not form.validate_on_submit():
        return _form_page("posts/contact.html", form, post=post)
    if is_bot(form):  # the same answer as for a real message, but nothing is sent
        flash(_("Ihre Nachricht ist unterwegs. Die Antwort kommt per E-Mail an Sie."), "info")
        return redirect(url_for("posts.detail", post_id=post.id), 303)
    services.send_contact_message(post, form.name.data, form.email.data, form.message.data, now)
    db.session.commit()
    flash(_("Ihre Nachricht ist unterwegs. Die Antwort kommt per E-Mail an Sie."), "info")
    return redirect(url_for("posts.detail", post_id=post.id), 303)


# ---------------------------------------------------------------- helpers


def _form_page(template: str, form: FlaskForm, **context: object) -> ResponseReturnValue:
    """The form (again): with the visitor's text and errors after a POST; a forged token is a 400.

    Only an expired token comes back as a form, since only a real visitor of ours can hold one.
    """
    csrf_errors = form.errors.get("csrf_token", [])
    if csrf_errors and not any("expired" in str(error) for error in csrf_errors):
        raise CSRFError(str(csrf_errors[0]))
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


def _authorise(post: Post) -> str | None:
    """Let the author in: logged in (gives None) or with the management link (gives its token)."""
    token = request.values.get("token", "")
    if token and services.manage_token_valid(post, token):
        return token
    if _looks_after(post):
        return None
    if not current_user.is_authenticated and not token:
        abort(redirect(url_for("accounts.login", next=url_for("posts.detail", post_id=post.id))))
    current_app.logger.warning(
        "refused %s %s to user %s", request.method, request.path, current_user.get_id()
    )
    abort(403)


def _refused(error: services.PostingError, post: Post, token: str | None) -> ResponseReturnValue:
    flash(str(error.message), "error")
    return redirect(_home_of(post, token), 303)


def _home_of(post: Post, token: str | None) -> str:
    if token:
        return url_for("posts.manage", post_id=post.id, token=token)
    return url_for("posts.detail", post_id=post.id)
