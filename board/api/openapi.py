"""The OpenAPI 3.1 document of the JSON API: the contract tests hold the API to (tests/api)."""

from __future__ import annotations

from typing import Any

from board.api.paging import DEFAULT_LIMIT, MAX_ID, MAX_LIMIT
from board.organisations.models import OrganisationKind
from board.posts.models import PostKind


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [schema, {"type": "null"}]}


def _query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", **schema},
    }


_TIMESTAMP = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601 with the offset of Europe/Berlin",
}
_URL = {"type": "string", "format": "uri"}

_SCHEMAS: dict[str, Any] = {
    "Category": {
        "type": "object",
        "required": ["slug", "name_de", "name_en"],
        "additionalProperties": False,
        "properties": {
            "slug": {"type": "string", "description": "the value of the `category` filter"},
            "name_de": {"type": "string"},
            "name_en": {"type": "string"},
        },
    },
    "District": {
        "type": "object",
        "required": ["slug", "name"],
        "additionalProperties": False,
        "properties": {
            "slug": {"type": "string", "description": "the value of the `district` filter"},
            "name": {"type": "string"},
        },
    },
    "Organisation": {
        "type": "object",
        "required": ["slug", "name", "kind", "verified", "url"],
        "additionalProperties": False,
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": [kind.value for kind in OrganisationKind]},
            "verified": {"type": "boolean", "description": "checked by the town"},
            "url": {**_URL, "description": "the organisation's page on the board"},
        },
    },
    "Event": {
        "type": "object",
        "required": ["start", "end"],
        "additionalProperties": False,
        "properties": {"start": _TIMESTAMP, "end": _nullable(_TIMESTAMP)},
    },
    "Post": {
        "type": "object",
        "required": [
            "id",
            "url",
            "kind",
            "title",
            "text",
            "category",
            "district",
            "organisation",
            "event",
            "published_at",
            "expires_at",
        ],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            "url": {**_URL, "description": "the post on the board"},
            "kind": {
                "type": "string",
                "enum": [kind.value for kind in PostKind],
                "description": "offer: Biete, request: Suche, event: Veranstaltung, notice: Info",
            },
            "title": {"type": "string"},
            "text": {
                "type": "string",
                "description": "plain text as the poster wrote it, not HTML: escape it to show it",
            },
            "category": _ref("Category"),
            "district": _nullable(_ref("District")),
            "organisation": _nullable(_ref("Organisation")),
            "event": _nullable(_ref("Event")),
            "published_at": _TIMESTAMP,
            "expires_at": {
                **_TIMESTAMP,
                "description": "the post leaves the board at this moment",
            },
        },
    },
    "PostList": {
        "type": "object",
        "required": ["items", "next"],
        "additionalProperties": False,
        "properties": {
            "items": {"type": "array", "items": _ref("Post"), "maxItems": MAX_LIMIT},
            "next": {
                **_nullable(_URL),
                "description": "the next page with the same filters; null on the last page",
            },
        },
    },
    "CategoryList": {
        "type": "object",
        "required": ["items"],
        "additionalProperties": False,
        "properties": {"items": {"type": "array", "items": _ref("Category")}},
    },
    "DistrictList": {
        "type": "object",
        "required": ["items"],
        "additionalProperties": False,
        "properties": {"items": {"type": "array", "items": _ref("District")}},
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {"error": {"type": "string", "description": "what went wrong, in English"}},
    },
}

_HEADERS = {
    "ETag": {
        "description": "send it back in If-None-Match to get 304 while nothing changed",
        "required": True,
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "public, max-age of at most 30 seconds (never past a listed post's expiry)",
        "required": True,
        "schema": {"type": "string"},
    },
    "Access-Control-Allow-Origin": {"required": True, "schema": {"type": "string", "const": "*"}},
}

_IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "the ETag of an earlier answer",
    "schema": {"type": "string"},
}


def _ok(schema: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": _HEADERS,
        "content": {"application/json": {"schema": _ref(schema)}},
    }


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


_NOT_MODIFIED = {"description": "not modified: the If-None-Match ETag is still current"}
_NOT_FOUND = _error("not found")
_UNAVAILABLE = _error("the database is busy; retry after the Retry-After seconds")


def _get(summary: str, operation_id: str, **fields: Any) -> dict[str, Any]:
    return {"get": {"summary": summary, "operationId": operation_id, "tags": ["board"], **fields}}


def openapi_document(base_url: str) -> dict[str, Any]:
    """The document, with this town's board as the server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Schwarzes Brett API",
            "version": "1.0.0",
            "summary": "The town's public notice board, read-only.",
            "description": (
                "Current posts of the board (published and not expired) with the board's filters. "
                "Public data only: no e-mail addresses or authors. Any origin may read it (CORS). "
                "Answers carry an ETag and a short public Cache-Control; send If-None-Match to "
                "get 304 while nothing changed."
            ),
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": base_url}],
        "tags": [{"name": "board"}],
        "paths": {
            "/api/v1/posts": _get(
                "Current posts, newest first",
                "listPosts",
                description=(
                    "The filters are those of the board page. As there, a value the board does "
                    "not know (an unknown kind, category or district) is ignored, not an error. "
                    "Follow `next` until it is null to read every post exactly once, even while "
                    "posts are being published."
                ),
                parameters=[
                    _query("kind", "offer, request, event or notice"),
                    _query("category", "a category's slug (see /api/v1/categories)"),
                    _query("district", "a district's slug (see /api/v1/districts)"),
                    _query("q", "search words; every word must occur (first 100 characters)"),
                    _query(
                        "cursor",
                        "where a page starts: take it from `next`, never build it",
                        format="board-cursor",  # opaque and signed: any other string is a 400
                    ),
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "description": "posts per page; outside 1 to 100 is a 400 error",
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_LIMIT,
                            "default": DEFAULT_LIMIT,
                        },
                    },
                    _IF_NONE_MATCH,
                ],
                responses={
                    "200": _ok("PostList", "a page of posts"),
                    "304": _NOT_MODIFIED,
                    "400": _error("a limit or cursor the API cannot use"),
                    "503": _UNAVAILABLE,
                },
            ),
            "/api/v1/posts/{post_id}": _get(
                "One current post",
                "getPost",
                parameters=[
                    {
                        "name": "post_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                    },
                    _IF_NONE_MATCH,
                ],
                responses={
                    "200": _ok("Post", "the post"),
                    "304": _NOT_MODIFIED,
                    "404": {
                        **_NOT_FOUND,
                        "description": "no such post, or not on the board (not yet, or no more)",
                    },
                    "503": _UNAVAILABLE,
                },
            ),
            "/api/v1/categories": _get(
                "The board's categories",
                "listCategories",
                parameters=[_IF_NONE_MATCH],
                responses={
                    "200": _ok("CategoryList", "every category, in the board's order"),
                    "304": _NOT_MODIFIED,
                    "503": _UNAVAILABLE,
                },
            ),
            "/api/v1/districts": _get(
                "The town's districts (Ortsteile)",
                "listDistricts",
                parameters=[_IF_NONE_MATCH],
                responses={
                    "200": _ok("DistrictList", "every district"),
                    "304": _NOT_MODIFIED,
                    "503": _UNAVAILABLE,
                },
            ),
            "/api/openapi.json": _get(
                "This document",
                "getOpenAPI",
                parameters=[_IF_NONE_MATCH],
                responses={
                    "200": {
                        "description": "the OpenAPI document",
                        "headers": _HEADERS,
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "304": _NOT_MODIFIED,
                },
            ),
        },
        "components": {"schemas": _SCHEMAS},
    }
