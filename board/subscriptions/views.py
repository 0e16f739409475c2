from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from board.extensions import db
from board.honeypot import is_bot
from board.security import InvalidLink
from board.site import form_checks_csrf, limited_per_address, private_page
from board.subscriptions import bp, services
from board.subscriptions.forms import SubscribeForm
from board.subscriptions.models import Frequency, Subscription
from board.timeutil import utcnow

bp.add_app_template_global(services.describe, "describe_watch")
bp.add_app_template_global(services.watch_of, "watch_of")
bp.add_app_template_global(services.frequency_label, "frequency_label")
bp.add_app_template_global(services.subscriptions_of, "subscriptions_of")


# No mail bombs through confirmations.
limited = limited_per_address("RATELIMIT_SUBSCRIBE", "subscribe:")


def _has_confirmed_address() -> bool:
    return bool(current_user.is_authenticated and current_user.email_confirmed_at)


@bp.route("/subscriptions/new", methods=["GET", "POST"])
@form_checks_csrf
@limited
def new() -> ResponseReturnValue:
    """Subscribe to the board search in the query string: at once, or after a mailed link."""
    locale = str(get_locale())
    try:
        watch = services.parse_watch(request.args)
    except services.FilterError as error:
        page = render_template("subscriptions/new.html", form=None, problem=str(error))
        return page, 422
    form = SubscribeForm()
    if _has_confirmed_address():
        del form.email
    if form.validate_on_submit():
        if is_bot(form):  # the usual answer; nothing stored or sent
            return redirect(url_for("subscriptions.mail_sent"), 303)
        frequency = Frequency(form.frequency.data)
        if _has_confirmed_address():
            return _subscribe_now(watch, frequency)
        try:
            services.request_subscription(form.email.data, watch, frequency, locale, utcnow())
            db.session.commit()
        except IntegrityError:  # the same request twice at once: the first one's mail counts
            db.session.rollback()
        return redirect(url_for("subscriptions.mail_sent"), 303)
    status = (400 if "csrf_token" in form.errors else 422) if form.errors else 200
    page = render_template("subscriptions/new.html", form=form, watch=watch, locale=locale)
    return page, status


def _subscribe_now(watch: services.Watch, frequency: Frequency) -> ResponseReturnValue:
    try:
        is_new = services.subscribe(current_user, watch, frequency, utcnow())[1]
        db.session.commit()
    except services.TooMany:
        db.session.rollback()
        page = render_template("subscriptions/too_many.html", limit=services.MAX_PER_PERSON)
        return page, 409
    except IntegrityError:  # a double tap: the first one made it
        db.session.rollback()
        is_new = False
    if is_new:
        flash(_("Sie werden benachrichtigt, sobald es Neues gibt."), "success")
    else:
        flash(_("Diese Suche haben Sie schon abonniert."), "success")
    return redirect(url_for("accounts.account") + "#my-subscriptions", 303)


@bp.get("/subscriptions/mail-sent")
def mail_sent() -> ResponseReturnValue:
    """Tell the guest to look in their mailbox for the confirmation link."""
    return render_template("subscriptions/mail_sent.html")


def _link_invalid() -> Response:
    return private_page(render_template("subscriptions/link_invalid.html"), 400)


@bp.route("/subscriptions/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> ResponseReturnValue:
    """Confirm a guest's subscription; the GET only shows a button, so mail scanners do nothing."""
    now = utcnow()
    try:
        subscription = services.check_confirm_token(token, now)
    except InvalidLink:
        return _link_invalid()
    outcome = "offer"
    if subscription.confirmed_at is not None:
        outcome = "already"
    elif request.method == "POST":
        try:
            services.confirm_subscription(subscription, now)
            db.session.commit()
            outcome = "confirmed"
        except services.TooMany:
            db.session.rollback()
            return private_page(
                render_template("subscriptions/too_many.html", limit=services.MAX_PER_PERSON), 409
            )
    page = render_template(
        "subscriptions/confirm.html",
        outcome=outcome,
        subscription=subscription,
        locale=subscription.user.locale,
    )
    return private_page(page)


@bp.route("/subscriptions/end/<token>", methods=["GET", "POST"])
def end(token: str) -> ResponseReturnValue:
    """End a subscription from a mail's link, without logging in (a button, for the scanners)."""
    try:
        subscription = services.check_end_token(token)
    except InvalidLink:
        return _link_invalid()
    if subscription is None:
        return private_page(render_template("subscriptions/end.html", outcome="already"))
    if request.method == "GET":
        page = render_template(
            "subscriptions/end.html",
            outcome="offer",
            subscription=subscription,
            locale=str(get_locale()),
        )
        return private_page(page)
    services.end_subscription(subscription)
    db.session.commit()
    return private_page(render_template("subscriptions/end.html", outcome="ended"))


@bp.post("/subscriptions/one-click/<token>")
def one_click(token: str) -> ResponseReturnValue:
    """RFC 8058 one-click unsubscribe: a mail program's POST, authenticated by the token alone."""
    try:
        subscription = services.check_end_token(token)
    except InvalidLink:
        return private_page(_("Dieser Link ist ungültig."), 400)
    if subscription is not None:
        services.end_subscription(subscription)
        db.session.commit()
    return private_page(_("Die Benachrichtigung ist beendet."))


# A mail program posts without a session or CSRF token; the signed token in the URL is the proof
# (board.site.check_csrf skips views marked like this).
one_click.checks_csrf_in_form = True  # type: ignore[attr-defined]


@bp.post("/subscriptions/<int(max=2147483647):subscription_id>/end")
@login_required
def end_own(subscription_id: int) -> ResponseReturnValue:
    """End one of one's own subscriptions from the account page."""
    subscription = db.session.get(Subscription, subscription_id)
    if subscription is None or subscription.user_id != current_user.id:
        abort(404)
    services.end_subscription(subscription)
    db.session.commit()
    flash(_("Die Benachrichtigung ist beendet."), "success")
    return redirect(url_for("accounts.account") + "#my-subscriptions", 303)
