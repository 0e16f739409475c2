"""Who is logged in: Flask-Login wiring, sessions that end when the password changes, and views
kept to a role."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from board.accounts.models import User
from board.extensions import db, login_manager

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


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


def role_required(may_enter: Callable[[User], bool], what: str) -> Callable[[F], F]:
    """A view decorator: anonymous visitors log in first; a user may_enter refuses gets 403,
    logged as "refused <what>"."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined,no-any-return]
            if not may_enter(current_user):
                log.warning(
                    "refused %s: user %s %s %s", what, current_user.id, request.method, request.path
                )
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
