"""A person's rights over their data, from /account: a copy of it, and deleting the account."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user

from board.accounts import bp
from board.accounts.deletion import LastAdmin, delete_account, is_last_admin
from board.accounts.export import personal_data
from board.accounts.forms import DeleteAccountForm
from board.accounts.views import limited
from board.extensions import db
from board.site import form_checks_csrf
from board.timeutil import BERLIN, utcnow


@bp.get("/account/export")
@login_required
def export() -> ResponseReturnValue:
    """Everything the board holds about the person, as a JSON file to keep or take elsewhere."""
    now = utcnow()
    document = json.dumps(personal_data(current_user, now), ensure_ascii=False, indent=2)
    filename = f"schwarzes-brett-meine-daten-{now.astimezone(BERLIN):%Y-%m-%d}.json"
    return Response(
        document,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",  # personal data: no copy in any cache on the way
        },
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@form_checks_csrf
@login_required
@limited
def delete() -> ResponseReturnValue:
    """Delete one's account after typing one's address (and password, where there is one)."""
    form = DeleteAccountForm()
    form.password.flags.required = bool(current_user.password_hash)
    if is_last_admin(current_user):
        return render_template("accounts/delete.html", form=None, last_admin=True), 409
    if form.is_submitted() and _every_check_passes(form):
        try:
            erased = delete_account(current_user._get_current_object(), utcnow())
        except LastAdmin:  # another admin left in the meantime
            db.session.rollback()
            return render_template("accounts/delete.html", form=None, last_admin=True), 409
        db.session.commit()
        session.clear()
        logout_user()
        flash(_goodbye(erased), "success")
        return redirect(url_for("posts.index"), 303)
    status = (400 if "csrf_token" in form.errors else 422) if form.errors else 200
    return render_template("accounts/delete.html", form=form, last_admin=False), status


def _every_check_passes(form: DeleteAccountForm) -> bool:
    """The form's own checks and the account's, all run, so every mistake shows at once."""
    valid = form.validate()
    confirmed = _confirmed(form)
    return valid and confirmed


def _confirmed(form: DeleteAccountForm) -> bool:
    """Does the typed address match, and the password where the account has one?"""
    typed = (form.confirm_email.data or "").strip().lower()
    if typed != current_user.email and not form.confirm_email.errors:
        form.confirm_email.errors.append(
            _("Das ist nicht die Adresse dieses Kontos (%(email)s).", email=current_user.email)
        )
    if current_user.password_hash:
        if not form.password.data:
            form.password.errors.append(_("Bitte geben Sie Ihr Passwort ein."))
        elif not current_user.check_password(form.password.data):
            form.password.errors.append(_("Das Passwort stimmt nicht."))
    return not form.errors


def _goodbye(erased: int) -> str:
    if not erased:
        return _("Ihr Konto ist gelöscht.")
    return ngettext(
        "Ihr Konto und Ihr Beitrag sind gelöscht.",
        "Ihr Konto und Ihre %(num)d Beiträge sind gelöscht.",
        erased,
    )
