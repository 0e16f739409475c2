"""Who is logged in: Flask-Login wiring, with sessions that end when the password changes."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from board.accounts.models import User
from board.extensions import db, login_manager


def init_login(app: Flask) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Bitte melden Sie sich an, um fortzufahren.")
    login_manager.login_message_category = "info"
    # "strong" would log people out whenever their mobile network changes their address.
    login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Find the user of a session; a stale session token (password changed) means nobody."""
    raw_id, _, token = user_id.partition(":")
    if not raw_id.isdecimal() or not token:
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or user.session_token != token or not user.is_active:
        return None
    return user
