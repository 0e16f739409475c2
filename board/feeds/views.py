from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from board.feeds import bp
from board.feeds.atom import MEDIA_TYPE as ATOM_TYPE
from board.feeds.atom import FeedHead, build_atom
from board.feeds.ical import MEDIA_TYPE as ICAL_TYPE
from board.feeds.ical import build_calendar
from board.feeds.queries import (
    FeedFilter,
    OrganisationChoice,
    UnknownOrganisation,
    calendar_posts,
    events_only,
    feed_etag,
    feed_posts,
    parse_feed_filter,
)
from board.organisations.models import Organisation
from board.posts.cache import current_version
from board.posts.queries import BoardFilter
from board.security import external_url
from board.timeutil import utcnow

MAX_AGE = 300  # seconds a reader or proxy may keep a feed: a hidden post is gone within five


@bp.get("/feeds/posts.atom")
def posts() -> ResponseReturnValue:
    """Serve the board's current posts as Atom, with the board's filters and `organisation`."""
    version, now, locale = current_version(), utcnow(), str(get_locale())
    feed_filter = _filter_or_404()
    shown = feed_posts(feed_filter, now)
    etag = feed_etag("atom", version, locale, feed_filter, shown)
    args = feed_filter.query_args()
    head = FeedHead(
        self_url=external_url(url_for("feeds.posts", **args)),
        page_url=_page_url(feed_filter),
        title=feed_filter.title(locale),
        board_name=_("Schwarzes Brett %(town)s", town=current_app.config["TOWN_NAME"]),
        locale=locale,
    )
    return _conditional(etag, ATOM_TYPE, lambda: build_atom(head, shown, now))


@bp.get("/feeds/events.ics")
def events() -> ResponseReturnValue:
    """Serve the current event posts as an iCalendar to subscribe to, with the board's filters."""
    version, now, locale = current_version(), utcnow(), str(get_locale())
    feed_filter = events_only(_filter_or_404())
    shown = calendar_posts(feed_filter, now)
    etag = feed_etag("ics", version, locale, feed_filter, shown)
    name = feed_filter.title(locale, what=_("Veranstaltungen"))
    return _conditional(etag, ICAL_TYPE, lambda: build_calendar(name, shown, locale))


def _filter_or_404() -> FeedFilter:
    try:
        return parse_feed_filter(request.args)
    except UnknownOrganisation:
        abort(404)


def _page_url(feed_filter: FeedFilter) -> str:
    if feed_filter.organisation:
        return external_url(url_for("organisations.detail", slug=feed_filter.organisation.slug))
    return external_url(url_for("posts.index", **feed_filter.board.query_args(page=None)))


def _conditional(etag: str, media_type: str, build: Callable[[], bytes]) -> Response:
    """304 for a reader that has this version already; else the feed, built only then."""
    if request.if_none_match.contains_weak(etag):
        response = current_app.response_class(status=304, content_type=media_type)
    else:
        response = current_app.response_class(build(), content_type=media_type)
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.vary.add("Accept-Language")
    # Public data: any web page may read the feeds (a town website's own calendar widget).
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# ---------------------------------------------------------------- autodiscovery in page heads


@bp.app_template_global()
def atom_feed_title(
    board_filter: BoardFilter | None = None, organisation: Organisation | None = None
) -> str:
    """The title a page's <link rel="alternate"> gives its Atom feed (the feed's own title)."""
    return _head_filter(board_filter, organisation).title(str(get_locale()))


@bp.app_template_global()
def calendar_title(board_filter: BoardFilter | None = None) -> str:
    return _head_filter(board_filter, None).title(str(get_locale()), what=_("Veranstaltungen"))


def _head_filter(board_filter: BoardFilter | None, organisation: Organisation | None) -> FeedFilter:
    chosen = None
    if organisation is not None:
        chosen = OrganisationChoice(organisation.id, organisation.slug, organisation.name)
    return FeedFilter(board_filter or BoardFilter(), chosen)
