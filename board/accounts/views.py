from __future__ import annotations

from flask import redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required, logout_user

from board.accounts import bp


# Placeholders so the shared layout can link; the accounts feature replaces them.
@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    return render_template("error.html", error=None, message="login")


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    return render_template("error.html", error=None, message="register")


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    return redirect(url_for("posts.index"), 303)


@bp.get("/account")
@login_required
def account() -> ResponseReturnValue:
    return render_template("error.html", error=None, message="account")
