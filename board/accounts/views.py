from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError

from board.accounts import bp, services
from board.accounts.forms import (
    ChangePasswordForm,
    LinkRequestForm,
    LoginForm,
    NewPasswordForm,
    RegisterForm,
    ResetRequestForm,
)
from board.accounts.models import User
from board.accounts.queries import own_posts_by_status
from board.accounts.services import AccountSuspended, LinkPurpose, LoginFailed, WrongPassword
from board.extensions import db
from board.honeypot import is_bot
from board.security import InvalidLink, safe_next
from board.site import form_checks_csrf, limited_per_address
from board.timeutil import utcnow

limited = limited_per_address("RATELIMIT_AUTH", "address:", ("email", "link_email"))


def _log_in(user: User, remember: bool, next_url: str | None, message: str) -> ResponseReturnValue:
    """Start a fresh session for the user (nothing from before carries over) and send them on."""
    session.clear()
    login_user(user, remember=remember)
    db.session.commit()
    flash(message, "success")
    return redirect(safe_next(next_url, url_for("accounts.account")), 303)


def _form_status(form: FlaskForm) -> int:
    """A form refused for its CSRF token comes back with the text, but answers 400."""
    return 400 if "csrf_token" in form.errors else 200


def _link_invalid() -> ResponseReturnValue:
    return render_template("accounts/link_invalid.html"), 400


def _suspended() -> ResponseReturnValue:
    return render_template("accounts/suspended.html"), 403


@bp.route("/register", methods=["GET", "POST"])
@form_checks_csrf
@limited
def register() -> ResponseReturnValue:
    """Register with an e-mail address and a password; the mailed link completes it."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"), 303)
    form = RegisterForm()
    if form.validate_on_submit():
        if is_bot(form):  # the usual answer; no account, no mail
            return redirect(url_for("accounts.mail_sent", what="register"), 303)
        try:
            services.register(
                form.email.data,
                form.password.data,
                form.display_name.data or None,
                locale=str(get_locale()),
                now=utcnow(),
            )
            db.session.commit()
        except IntegrityError:  # the same new address twice at once: the first one's mail counts
            db.session.rollback()
        return redirect(url_for("accounts.mail_sent", what="register"), 303)
    return render_template("accounts/register.html", form=form), _form_status(form)


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
@limited
def confirm(token: str) -> ResponseReturnValue:
    """Confirm a registration; the GET only shows a button, so mail scanners confirm nothing."""
    try:
        if request.method == "GET":
            services.check_link(LinkPurpose.CONFIRM, token, utcnow())
            return render_template("accounts/confirm.html")
        user = services.confirm_registration(token, utcnow())
    except InvalidLink:
        return _link_invalid()
    except AccountSuspended:
        return _suspended()
    return _log_in(
        user,
        remember=request.form.get("remember") == "y",
        next_url=None,
        message=_("Willkommen! Ihr Konto ist bestätigt und Sie sind angemeldet."),
    )


@bp.route("/login", methods=["GET", "POST"])
@form_checks_csrf
@limited
def login() -> ResponseReturnValue:
    """Log in with a password; the same page offers a login link by e-mail."""
    form = LoginForm(next=request.args.get("next", ""))
    failed = False
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, utcnow())
        except AccountSuspended:
            return _suspended()
        except LoginFailed:
            failed = True
        else:
            return _log_in(user, form.remember.data, form.next.data, _("Sie sind angemeldet."))
    link_form = LinkRequestForm(formdata=None, next=form.next.data, link_email=form.email.data)
    page = render_template("accounts/login.html", form=form, link_form=link_form, failed=failed)
    return page, _form_status(form)


@bp.post("/login/link")
@form_checks_csrf
@limited
def request_link() -> ResponseReturnValue:
    """Mail a one-time login link (same answer whether or not the address is known)."""
    link_form = LinkRequestForm()
    if link_form.validate_on_submit():
        services.request_login_link(link_form.link_email.data, link_form.next.data, utcnow())
        db.session.commit()
        return redirect(url_for("accounts.mail_sent", what="link"), 303)
    form = LoginForm(formdata=None, next=link_form.next.data)
    page = render_template("accounts/login.html", form=form, link_form=link_form, failed=False)
    return page, _form_status(link_form)


@bp.route("/login/link/<token>", methods=["GET", "POST"])
@limited
def use_link(token: str) -> ResponseReturnValue:
    """Log in with a mailed link; the GET only shows a button, so mail scanners use up nothing."""
    try:
        if request.method == "GET":
            services.check_link(LinkPurpose.LOGIN, token, utcnow())
            return render_template("accounts/use_link.html")
        user, next_url = services.login_with_link(token, utcnow())
    except InvalidLink:
        return _link_invalid()
    except AccountSuspended:
        return _suspended()
    remember = request.form.get("remember") == "y"
    return _log_in(user, remember, next_url, _("Sie sind angemeldet."))


@bp.get("/mail-sent")
def mail_sent() -> ResponseReturnValue:
    """Tell the visitor to look in their mailbox (in words that do not reveal any account)."""
    what = request.args.get("what", "")
    return render_template("accounts/mail_sent.html", what=what)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Log out on every device: copied session and remember cookies stop working."""
    if current_user.is_authenticated:
        services.end_all_sessions(current_user)
        db.session.commit()
    session.clear()
    logout_user()
    flash(_("Sie sind abgemeldet."), "success")
    return redirect(url_for("posts.index"), 303)


@bp.route("/reset", methods=["GET", "POST"])
@form_checks_csrf
@limited
def reset_request() -> ResponseReturnValue:
    """Ask for a password reset link (same answer whether or not the address is known)."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_reset(form.email.data, utcnow())
        db.session.commit()
        return redirect(url_for("accounts.mail_sent", what="reset"), 303)
    return render_template("accounts/reset_request.html", form=form), _form_status(form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@form_checks_csrf
@limited
def reset(token: str) -> ResponseReturnValue:
    """Choose a new password through a mailed reset link."""
    form = NewPasswordForm()
    try:
        services.check_link(LinkPurpose.RESET, token, utcnow())
        if form.validate_on_submit():
            user = services.reset_password(token, form.password.data, utcnow())
            message = _("Ihr neues Passwort gilt ab sofort. Sie sind angemeldet.")
            return _log_in(user, remember=False, next_url=None, message=message)
    except InvalidLink:
        return _link_invalid()
    except AccountSuspended:
        return _suspended()
    return render_template("accounts/reset.html", form=form), _form_status(form)


@bp.get("/account")
@login_required
def account() -> ResponseReturnValue:
    """Show the account: one's own posts, grouped by status."""
    groups = own_posts_by_status(current_user, utcnow())
    return render_template("accounts/account.html", groups=groups, locale=str(get_locale()))


@bp.route("/account/password", methods=["GET", "POST"])
@form_checks_csrf
@login_required
@limited
def change_password() -> ResponseReturnValue:
    """Change one's password; every other session of the account ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.password.data, utcnow()
            )
        except WrongPassword:
            form.current_password.errors.append(_("Das bisherige Passwort stimmt nicht."))
        else:
            # This device stays logged in (remembered if it was); every other one is logged out.
            cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            message = _("Ihr Passwort ist geändert. Andere Geräte sind abgemeldet.")
            user = current_user._get_current_object()
            return _log_in(user, cookie in request.cookies, None, message)
    return render_template("accounts/change_password.html", form=form), _form_status(form)
