"""Accounts: registration, password and link logins, password changes and resets.

Mailed links carry a signed payload {"u": user id, "f": fingerprint, "t": issued at}. The
fingerprint hashes the user's link nonce, address and (pending) password hash, so a link stops
working when it is used (the nonce is replaced), when the password changes, or when a newer
registration replaces the pending password. Nothing about a link is stored in the database.

No account enumeration: the request services (register, login link, reset) return nothing and
do the same visible work for known and unknown addresses; only the mail that goes out differs,
and it goes to the address's owner.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, url_for
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from board.accounts import models
from board.accounts.models import User, new_session_token
from board.extensions import db
from board.mail.services import queue_mail
from board.security import InvalidLink, external_url, safe_next, sign, unsign

# Checked against when nobody has the address, so a wrong address costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password anyone has")


class LinkPurpose(enum.StrEnum):
    CONFIRM = "confirm"
    LOGIN = "login"
    RESET = "reset"


_MAX_AGE_SETTING = {
    LinkPurpose.CONFIRM: "CONFIRM_LINK_MAX_AGE",
    LinkPurpose.LOGIN: "LOGIN_LINK_MAX_AGE",
    LinkPurpose.RESET: "RESET_LINK_MAX_AGE",
}

_LINK_ENDPOINT = {
    LinkPurpose.CONFIRM: "accounts.confirm",
    LinkPurpose.LOGIN: "accounts.use_link",
    LinkPurpose.RESET: "accounts.reset",
}


class LoginFailed(Exception):
    """Unknown address, wrong password, or an account without a password yet."""


class AccountSuspended(Exception):
    """A moderator suspended this account."""


class WrongPassword(Exception):
    """The current password given to change it was wrong."""


def find_user(address: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == address.lower()))


# ---------------------------------------------------------------- mailed links


def link_max_age(purpose: LinkPurpose) -> int:
    return int(current_app.config[_MAX_AGE_SETTING[purpose]])


def _fingerprint(user: User) -> str:
    material = "\n".join(
        (user.link_nonce, user.email, user.password_hash or "", user.pending_password_hash or "")
    )
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def make_link(user: User, purpose: LinkPurpose, now: datetime, **extra: Any) -> str:
    """An absolute, signed, expiring link for a mail (from BASE_URL, never the Host header)."""
    payload = {"u": user.id, "f": _fingerprint(user), "t": int(now.timestamp()), **extra}
    token = sign(f"accounts.{purpose}", payload)
    return external_url(url_for(_LINK_ENDPOINT[purpose], token=token))


def check_link(purpose: LinkPurpose, token: str, now: datetime) -> tuple[User, dict[str, Any]]:
    """The user a link belongs to and its payload, if it is genuine, fresh and unused.

    Reading a link never uses it up: mail scanners open links, only a POST may act on them.
    """
    max_age = link_max_age(purpose)
    # unsign checks the signature time against the clock; the issue time in the payload is checked
    # against `now`, which is what lets tests (and callers) reason about time without sleeping.
    payload = unsign(f"accounts.{purpose}", token, max_age)
    if not (
        isinstance(payload, dict)
        and isinstance(payload.get("u"), int)
        and isinstance(payload.get("f"), str)
        and isinstance(payload.get("t"), int)
    ):
        raise InvalidLink("invalid")
    if now.timestamp() - payload["t"] > max_age:
        raise InvalidLink("expired")
    user = db.session.get(User, payload["u"])
    if user is None or not hmac.compare_digest(payload["f"], _fingerprint(user)):
        raise InvalidLink("used")
    return user, payload


def _use_up_links(user: User) -> None:
    """Replace the link nonce, atomically: of two requests racing with one link, one wins."""
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, User.link_nonce == user.link_nonce)
        .values(link_nonce=new_session_token())
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidLink("used")


def _mark_address_proven(user: User, now: datetime) -> None:
    """Whoever used a mailed link reads this address: a guest row becomes an account."""
    user.email_confirmed_at = user.email_confirmed_at or now
    user.registered_at = user.registered_at or now


def record_login(user: User, now: datetime) -> None:
    user.last_login_at = now


# ---------------------------------------------------------------- registration


def register(
    address: str, password: str, display_name: str | None, locale: str, now: datetime
) -> None:
    """Start a registration: mail a confirmation link, or a login link if the account exists.

    A guest's row (from posting without an account) becomes the account, keeping its posts. The
    password waits in pending_password_hash until the link is confirmed, so someone typing a
    stranger's address can neither lock them out nor take over their posts.
    """
    # Hashed whatever happens, so the answer takes as long for known as for unknown addresses.
    pending_hash = generate_password_hash(password, method=models.PASSWORD_HASH_METHOD)
    user = find_user(address)
    if user is not None and user.is_registered:
        queue_mail(
            user.email,
            "account_exists",
            locale=user.locale,
            login_link=make_link(user, LinkPurpose.LOGIN, now),
            reset_link=make_link(user, LinkPurpose.RESET, now),
            login_valid_for=timedelta(seconds=link_max_age(LinkPurpose.LOGIN)),
        )
        return
    if user is None:
        user = User(email=address, created_at=now)
        db.session.add(user)
    user.locale = locale
    user.pending_password_hash = pending_hash
    db.session.flush()
    extra = {"n": display_name} if display_name else {}
    queue_mail(
        user.email,
        "account_confirm",
        locale=locale,
        link=make_link(user, LinkPurpose.CONFIRM, now, **extra),
        valid_for=timedelta(seconds=link_max_age(LinkPurpose.CONFIRM)),
    )


def confirm_registration(token: str, now: datetime) -> User:
    """Use a confirmation link: the pending password takes effect and the account is ready."""
    user, payload = check_link(LinkPurpose.CONFIRM, token, now)
    if user.pending_password_hash is None:
        raise InvalidLink("used")
    if user.is_suspended:
        raise AccountSuspended
    _use_up_links(user)
    user.set_password_hash(user.pending_password_hash)
    if isinstance(payload.get("n"), str):
        user.display_name = payload["n"]
    _mark_address_proven(user, now)
    record_login(user, now)
    return user


# ---------------------------------------------------------------- logging in


def authenticate(address: str, password: str, now: datetime) -> User:
    """The user with this address and password (only they learn that an account is suspended)."""
    user = find_user(address)
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        raise LoginFailed
    if not user.check_password(password):
        raise LoginFailed
    if user.is_suspended:
        raise AccountSuspended
    record_login(user, now)
    return user


def request_login_link(address: str, next_url: str | None, now: datetime) -> None:
    """Mail a one-time login link to the address, if anyone (account or guest) has it."""
    user = find_user(address)
    if user is None or user.is_suspended:
        return
    extra = {"next": target} if (target := safe_next(next_url, "")) else {}
    queue_mail(
        user.email,
        "account_login_link",
        locale=user.locale,
        link=make_link(user, LinkPurpose.LOGIN, now, **extra),
        valid_for=timedelta(seconds=link_max_age(LinkPurpose.LOGIN)),
    )


def login_with_link(token: str, now: datetime) -> tuple[User, str | None]:
    """Use a login link; returns the user and where they wanted to go."""
    user, payload = check_link(LinkPurpose.LOGIN, token, now)
    if user.is_suspended:
        raise AccountSuspended
    _use_up_links(user)
    # A registration left unconfirmed stays unconfirmed: its password was typed by whoever
    # registered, not necessarily by the person reading this mailbox.
    user.pending_password_hash = None
    _mark_address_proven(user, now)
    record_login(user, now)
    next_url = payload.get("next")
    return user, next_url if isinstance(next_url, str) else None


# ---------------------------------------------------------------- passwords


def request_reset(address: str, now: datetime) -> None:
    """Mail a password reset link to the address, if anyone has it."""
    user = find_user(address)
    if user is None or user.is_suspended:
        return
    queue_mail(
        user.email,
        "account_reset",
        locale=user.locale,
        link=make_link(user, LinkPurpose.RESET, now),
        valid_for=timedelta(seconds=link_max_age(LinkPurpose.RESET)),
    )


def reset_password(token: str, password: str, now: datetime) -> User:
    """Use a reset link to set a new password; every other session and link ends."""
    user, _ = check_link(LinkPurpose.RESET, token, now)
    if user.is_suspended:
        raise AccountSuspended
    _use_up_links(user)
    user.set_password(password)
    _mark_address_proven(user, now)
    record_login(user, now)
    _tell_password_changed(user)
    return user


def change_password(user: User, current: str | None, new: str, now: datetime) -> None:
    """Set a new password; other sessions, remember cookies and mailed links stop working.

    Someone who logged in by link and never had a password sets one without a current one.
    """
    if user.password_hash and not user.check_password(current or ""):
        raise WrongPassword
    user.set_password(new)
    _tell_password_changed(user)


def _tell_password_changed(user: User) -> None:
    queue_mail(
        user.email,
        "account_password_changed",
        locale=user.locale,
        reset_url=external_url(url_for("accounts.reset_request")),
    )


def end_all_sessions(user: User) -> None:
    """Log out: a copied session or remember cookie is worthless afterwards, on every device."""
    user.session_token = new_session_token()
