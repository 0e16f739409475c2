"""The board on other websites: the iframe widget, its webmaster page and oEmbed.

The widget pages (/embed, /embed/posts/<id>) are the only pages other sites may frame
(site.frameable). They read no cookie and no session and set none, so a cached copy is the same
for everyone; their language comes from the query string (the embedding site's language), not from
the visitor.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import partial
from urllib.parse import urlencode

from flask import (
    Flask,
    current_app,
    jsonify,
    render_template,
    request,
    request_finished,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from board.embed import bp, widget
from board.embed.oembed import BOARD_SIZE, POST_SIZE, PostLink, iframe_html, resolve, size
from board.extensions import db
from board.posts.cache import serve_board
from board.posts.labels import kind_label
from board.posts.models import Post
from board.posts.queries import (
    CARD_COLUMNS,
    BoardFilter,
    board_choices,
    board_page,
    parse_filter,
)
from board.security import external_url
from board.site import allow_inline_style, frameable
from board.timeutil import utcnow

WIDGET_ENDPOINTS = ("embed.board", "embed.post")

# The webmaster page's few own rules, allowed by their hash (board.css is every page's).
HELP_CSS = (
    ".embed-form{display:grid;gap:0 1rem;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr))}"
    ".embed-preview iframe{display:block;width:100%;border:0}"
    ".snippet{min-height:6rem;font-family:ui-monospace,monospace;font-size:.875rem}"
)


@bp.get("/embed")
@frameable
def board() -> ResponseReturnValue:
    """Show the newest posts compactly, for an iframe on the town's website."""
    options, style = _widget_options()
    board_filter = replace(parse_filter(request.args), page=1)
    with force_locale(options.lang):
        return serve_board(partial(_render_board, board_filter, options, style))


def _render_board(
    board_filter: BoardFilter, options: widget.WidgetOptions, style: Markup, now: datetime
) -> tuple[str, datetime | None]:
    page = board_page(board_filter, now, options.limit)
    html = _render_widget(
        "embed/board.html",
        posts=page.posts,
        filter=board_filter,
        options=options,
        widget_style=style,
    )
    return html, page.first_expiry


@bp.get("/embed/posts/<int(max=2147483647):post_id>")
@frameable
def post(post_id: int) -> ResponseReturnValue:
    """Show one post as a card, for a post link pasted into a town's website (oEmbed)."""
    options, style = _widget_options()
    with force_locale(options.lang):
        try:
            return serve_board(partial(_render_post, post_id, options, style))
        except NotFound:
            # Said inside the frame, not with the board's full error page and its menu.
            page = _render_widget("embed/missing.html", options=options, widget_style=style)
            return page, 404


def _render_post(
    post_id: int, options: widget.WidgetOptions, style: Markup, now: datetime
) -> tuple[str, datetime | None]:
    query = select(Post).where(Post.id == post_id, Post.visible_clause(now)).options(*CARD_COLUMNS)
    found = db.session.scalar(query)
    if found is None:
        raise NotFound()
    html = _render_widget("embed/post.html", post=found, options=options, widget_style=style)
    return html, found.expires_at


@bp.after_request
def widget_headers(response: Response) -> Response:
    if request.endpoint in WIDGET_ENDPOINTS:
        response.headers["X-Robots-Tag"] = "noindex"
        # The language comes from ?lang=, not from the visitor's browser (see serve_board).
        response.vary.discard("Accept-Language")
    return response


@request_finished.connect
def _vary_on_nothing_personal(sender: Flask, response: Response, **extra: object) -> None:
    """Let caches share a widget page between visitors.

    Flask adds "Vary: Cookie" once anything has looked into the session, and Flask-Login looks
    after every request. A widget page reads no cookie (_render_widget renders it without
    current_user), so unless a cookie is being set, that header would only split caches.
    Sent as the response is finished, after Flask's own session handling.
    """
    if request.endpoint in WIDGET_ENDPOINTS and "Set-Cookie" not in response.headers:
        response.vary.discard("Cookie")


def _render_widget(template: str, **context: object) -> str:
    """A widget page, rendered without the app's context processors: Flask-Login's loads
    current_user from the session, which would make the response vary on the visitor's cookie
    (and a remember cookie would even be answered with a fresh session cookie)."""
    env = current_app.jinja_env
    return env.get_template(template).render(town_name=current_app.config["TOWN_NAME"], **context)


def _widget_options() -> tuple[widget.WidgetOptions, Markup]:
    """The widget's options, and its colours as a <style> that this response's CSP allows by
    hash: made on every request, since a kept page's body is served without rendering."""
    config = current_app.config
    options = widget.parse_options(
        request.args, tuple(config["LANGUAGES"]), config["EMBED_ORIGINS"], _own_origins()
    )
    accent = options.accent or widget.parse_accent(config["TOWN_ACCENT_COLOR"]) or "0b6e4f"
    return options, allow_inline_style(widget.accent_css(accent))


def _own_origins() -> tuple[str, ...]:
    """The board's own origin(s): its configured address and the one this request came to."""
    own = (
        widget.normal_origin(current_app.config["BASE_URL"]),
        widget.normal_origin(request.host_url),
    )
    return tuple(origin for origin in own if origin)


# ---------------------------------------------------------------- the webmaster page


@bp.get("/embed/help", endpoint="help")
def help_page() -> ResponseReturnValue:
    """Explain embedding to a town's webmaster: pick filters and colours, preview, copy."""
    choices = board_choices()
    board_filter = replace(parse_filter(request.args, choices), page=1)
    config = current_app.config
    options = widget.parse_options(request.args, tuple(config["LANGUAGES"]), (), ())
    args = {**board_filter.query_args(page=None), **options.query_args(config["LANGUAGES"][0])}
    widget_url = external_url(url_for("embed.board", **args))
    filter_args = board_filter.query_args(page=None)
    return render_template(
        "embed/help.html",
        filter=board_filter,
        options=options,
        categories=choices.categories,
        districts=choices.districts,
        locale=str(get_locale()),
        preview_args=args,
        script_snippet=widget.script_snippet(external_url("/static/embed.js"), args),
        iframe_snippet=widget.iframe_snippet(widget_url, _("Schwarzes Brett"), 600),
        # Built by hand: the feeds blueprint may not have these routes yet in every checkout.
        atom_url=external_url(
            "/feeds/posts.atom" + ("?" + urlencode(filter_args) if filter_args else "")
        ),
        ical_url=external_url("/feeds/events.ics"),
        board_url=external_url(url_for("posts.index", **filter_args)),
        origins=config["EMBED_ORIGINS"],
        oembed_url=external_url(url_for("embed.oembed")),
        accent_invalid=bool(request.args.get("accent", "").strip()) and options.accent is None,
        help_style=allow_inline_style(HELP_CSS),
    )


# ---------------------------------------------------------------- oEmbed


@bp.get("/oembed")
def oembed() -> ResponseReturnValue:
    """Describe a link to the board or to a post as an embeddable iframe (oEmbed, JSON)."""
    url = request.args.get("url", "").strip()
    if not url:
        return jsonify(error=_("Der Parameter url fehlt.")), 400
    if request.args.get("format", "json").strip().lower() != "json":
        return jsonify(error=_("Nur das Format json wird unterstützt.")), 501
    found = resolve(url, _own_hosts(), utcnow())
    if found is None:
        return jsonify(error=_("Diese Adresse gehört nicht zu einem öffentlichen Beitrag.")), 404
    town = current_app.config["TOWN_NAME"]
    if isinstance(found, PostLink):
        title, default = found.post.title, POST_SIZE
        src = external_url(url_for("embed.post", post_id=found.post.id))
    else:
        title, default = _board_title(found.filter, town), BOARD_SIZE
        src = external_url(url_for("embed.board", **found.filter.query_args(page=None)))
    width, height = size(default, request.args.get("maxwidth"), request.args.get("maxheight"))
    return jsonify(
        version="1.0",
        type="rich",
        provider_name=town,
        provider_url=external_url("/"),
        title=title,
        html=iframe_html(src, title, width, height),
        width=width,
        height=height,
    )


def _own_hosts() -> set[str]:
    """The host names a link to this board may carry: the configured one and this request's."""
    configured = current_app.config["BASE_URL"].split("://", 1)[-1].split("/", 1)[0]
    return {configured.lower(), request.host.lower()}


def _board_title(board_filter: BoardFilter, town: str) -> str:
    parts = [kind_label(board_filter.kind)] if board_filter.kind else []
    if board_filter.category:
        parts.append(board_filter.category.name(str(get_locale())))
    if board_filter.district:
        parts.append(board_filter.district.name)
    if board_filter.q:
        parts.append(f"„{board_filter.q}“")
    name = _("Schwarzes Brett %(town)s", town=town)
    return " · ".join(parts) + " – " + name if parts else name


def oembed_link(path: str, title: str) -> Markup:
    """The discovery <link> for a page of the board (its path), for a page's <head>."""
    href = external_url(url_for("embed.oembed", url=external_url(path), format="json"))
    return Markup(
        '<link rel="alternate" type="application/json+oembed" href="{}" title="{}">'
    ).format(href, title)


bp.add_app_template_global(oembed_link, "oembed_link")
