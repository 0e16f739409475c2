"""The read-only JSON API: the public board for news sites, apps and scripts (DESIGN §6, §9).

Everything here is public and the same for every caller: any origin may read it (CORS `*`, no
credentials), caches may keep it briefly, and a conditional GET answers 304 while nothing changed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from flask import current_app, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Response

from board.api import bp
from board.api.openapi import openapi_document
from board.api.paging import (
    BadParameter,
    Position,
    decode_cursor,
    encode_cursor,
    page_of_posts,
    parse_limit,
    visible_post,
)
from board.api.schema import category_item, district_item, post_item
from board.extensions import db
from board.posts.queries import board_choices, parse_filter
from board.security import external_url
from board.timeutil import utcnow

# Short: a post a moderator hides must not live on in caches for long.
MAX_AGE = 30
DOCUMENT_MAX_AGE = 3600
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    # Not CORS-safelisted, so a script could not read them otherwise.
    "Access-Control-Expose-Headers": "ETag",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match",
    "Access-Control-Max-Age": "86400",
}


@bp.get("/api/v1/posts")
def posts() -> ResponseReturnValue:
    """List current posts with the board's filters, newest first, a page at a time."""
    try:
        limit = parse_limit(request.args.get("limit"))
        cursor = request.args.get("cursor")
        after = decode_cursor(cursor) if cursor is not None else None
    except BadParameter as error:
        return api_error(400, str(error))
    board_filter = parse_filter(request.args)
    now = utcnow()
    page = page_of_posts(board_filter, after, limit, now)
    data = {
        "items": [post_item(post) for post in page.posts],
        "next": _next_url(page.next_position, board_filter.query_args(page=None), limit),
    }
    return cached_json(data, _max_age(page.first_expiry, now))


@bp.get("/api/v1/posts/<int(max=2147483647):post_id>")
def post(post_id: int) -> ResponseReturnValue:
    """Show one current post; any other (pending, hidden, expired, gone) is simply not found."""
    now = utcnow()
    found = visible_post(post_id, now)
    if found is None:
        return api_error(404, "no such post on the board")
    return cached_json(post_item(found), _max_age(found.expires_at, now))


@bp.get("/api/v1/categories")
def categories() -> ResponseReturnValue:
    """List the board's categories in the board's order."""
    return cached_json({"items": [category_item(c) for c in board_choices().categories]}, MAX_AGE)


@bp.get("/api/v1/districts")
def districts() -> ResponseReturnValue:
    """List the town's districts (Ortsteile)."""
    return cached_json({"items": [district_item(d) for d in board_choices().districts]}, MAX_AGE)


@bp.get("/api/openapi.json")
def openapi() -> ResponseReturnValue:
    """Describe this API as an OpenAPI 3.1 document."""
    return cached_json(openapi_document(current_app.config["BASE_URL"]), DOCUMENT_MAX_AGE)


# ---------------------------------------------------------------- responses


def json_response(data: Any, status: int = 200) -> Response:
    """JSON with <, > and & escaped, so even a page pasting it into a <script> stays safe."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return current_app.response_class(text, status=status, mimetype="application/json")


def cached_json(data: Any, max_age: int) -> Response:
    """A 200 with an ETag of its own body, or a 304 when the client already has that body.

    Hashing the body makes the ETag change exactly when what is shown changes: a write to the
    board, a post reaching its expiry, a cursor pointing elsewhere – nothing to forget.
    """
    response = json_response(data)
    response.set_etag(hashlib.blake2b(response.get_data(), digest_size=16).hexdigest())
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response.make_conditional(request)


def api_error(status: int, message: str) -> Response:
    response = json_response({"error": message}, status)
    # A 404 for a hidden post must not be kept: the post may come back after review.
    response.cache_control.no_store = True
    return response


def _max_age(first_expiry: datetime | None, now: datetime) -> int:
    """No cache may keep a list or post past the moment a post in it expires."""
    if first_expiry is None:
        return MAX_AGE
    return max(0, min(MAX_AGE, int((first_expiry - now).total_seconds())))


def _next_url(position: Position | None, filter_args: dict[str, object], limit: int) -> str | None:
    if position is None:
        return None
    args: dict[str, object] = {**filter_args, "cursor": encode_cursor(position)}
    if "limit" in request.args:
        args["limit"] = limit
    return external_url(url_for("api.posts", **args))


# ---------------------------------------------------------------- the API's own HTTP rules


@bp.before_app_request
def answer_unroutable_api_requests() -> ResponseReturnValue | None:
    """A wrong path or method under /api gets a JSON error (with Allow), not the HTML error page.

    Registered before the site's CSRF check, which would otherwise answer a POST to a GET-only
    API URL with an HTML 400 instead of 405.
    """
    error = request.routing_exception
    if not _is_api() or not isinstance(error, HTTPException):
        return None
    if isinstance(error, MethodNotAllowed):
        response = api_error(405, "this API is read-only; use GET")
        response.allow.update(error.valid_methods or ())
        return response
    if error.code == 404:
        return api_error(404, "no such API endpoint; see /api/openapi.json")
    return None


@bp.after_app_request
def allow_any_origin(response: Response) -> Response:
    """Public, read-only data with no credentials: any web page may read it."""
    if _is_api():
        response.headers.update(CORS_HEADERS)
        if request.method == "OPTIONS":
            response.headers.update(PREFLIGHT_HEADERS)
        # The API is stateless and its answers are publicly cacheable, so it must never send a
        # session cookie: a shared cache would hand one person's login to the next. Yet the
        # site's security_headers (which ran just before this: after_request runs in reverse)
        # asks Flask-Login for current_user, which answers a lone remember cookie by writing a
        # fresh session. Forget that write; the next page of the site makes it again.
        session.modified = False
    return response


@bp.errorhandler(OperationalError)
def database_unavailable(error: OperationalError) -> ResponseReturnValue:
    """The database is busy or restarting: ask the client to retry, in JSON."""
    current_app.logger.warning("database unavailable: %s", error)
    db.session.rollback()
    response = api_error(503, "the board is busy; try again in a minute")
    response.headers["Retry-After"] = "30"
    return response


def _is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")
