"""Small security helpers shared by every feature: safe redirects and signed links."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


def safe_next(target: str | None, fallback: str = "/") -> str:
    """A local path to send the user on to; anything pointing elsewhere becomes the fallback."""
    if not target:
        return fallback
    target = target.strip()
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"board.{purpose}")


def sign(purpose: str, payload: Any) -> str:
    return _serializer(purpose).dumps(payload)


class InvalidLink(Exception):
    """A signed link that is forged, for another purpose, or too old."""


def unsign(purpose: str, token: str, max_age: int | None) -> Any:
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise InvalidLink("expired") from error
    except BadSignature as error:
        raise InvalidLink("invalid") from error


def external_url(path: str) -> str:
    """An absolute link for mails, built from the configured base URL, never the Host header."""
    return current_app.config["BASE_URL"] + path
