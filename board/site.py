"""What every page shares: locale, security headers, error pages, health and language switch."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from babel import Locale
from babel.dates import format_datetime, match_skeleton
from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    has_request_context,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext, ngettext
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from board.extensions import configured_limit, csrf, db, limiter
from board.security import safe_next
from board.timeutil import BERLIN, utcnow

bp = Blueprint("site", __name__)
F = TypeVar("F", bound=Callable[..., Any])

LANG_COOKIE = "lang"


def select_locale() -> str:
    """The visitor's chosen language, else their browser's, else German."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a job rendering a mail: queue_mail forces the recipient's
        return languages[0]
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Tell a load balancer whether the database answers, and when each job last succeeded."""
    from board.scheduler import job_health

    try:
        db.session.execute(text("SELECT 1"))
        jobs = job_health()
    except (OperationalError, ProgrammingError):  # down, or not migrated yet (no tables)
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok", jobs=jobs)


@bp.get("/language/<code>")
def language(code: str) -> ResponseReturnValue:
    """Switch the interface language and go back where the visitor was."""
    response = redirect(safe_next(request.args.get("next")), 303)
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    return response


def relative_age(moment: datetime | None, now: datetime | None = None) -> str:
    """ "vor 2 Tagen" – how old a post is, in words a resident reads at a glance."""
    if moment is None:
        return ""
    seconds = max(0, int(((now or utcnow()) - moment).total_seconds()))
    if seconds < 3600:
        minutes = max(1, seconds // 60)
        return ngettext("vor %(num)d Minute", "vor %(num)d Minuten", minutes)
    if seconds < 86400:
        return ngettext("vor %(num)d Stunde", "vor %(num)d Stunden", seconds // 3600)
    return ngettext("vor %(num)d Tag", "vor %(num)d Tagen", seconds // 86400)


# Each style: the date (a CLDR length or a skeleton, None for none) and whether the locale's short
# time follows it. Babel's locale data orders the parts, so German keeps its "25. November 2026,
# 14:00" and an English reader gets "November 25, 2026, 2:00 PM".
DATE_STYLES: dict[str, tuple[str | None, bool]] = {
    "date_time": ("long", True),  # 25. November 2026, 14:00
    "weekday_date_time": ("full", True),  # Mittwoch, 25. November 2026, 14:00
    "short_date": ("yMMMd", False),  # 25. Nov. 2026
    "short_date_time": ("yMMMd", True),  # 25. Nov. 2026, 14:00
    "weekday_day_month_time": ("MMMEd", True),  # Mi., 25. Nov., 14:00
    "numeric_weekday_time": ("MEd", True),  # Mi., 25.11., 14:00
    "day_month": ("MMdd", False),  # 25.11.
    "numeric_date": ("yMMdd", False),  # 25.11.2026
    "time": (None, True),  # 14:00
}
_LENGTHS = ("full", "long", "medium", "short")


@cache
def _date_pattern(locale: Locale, style: str) -> str:
    date, with_time = DATE_STYLES[style]  # an unknown style is a template's bug: fail loudly
    time = locale.time_formats["short"].pattern
    if date is None:
        return time
    if date in _LENGTHS:
        glue = locale.datetime_formats[date]
        date = locale.date_formats[date].pattern
    else:
        glue = locale.datetime_formats["long" if "MMMM" in date else "medium"]
        skeletons = locale.datetime_skeletons
        best = date if date in skeletons else match_skeleton(date, skeletons)
        if best is None:
            raise KeyError(f"{locale}: no date format for the skeleton {date!r}")
        date = skeletons[best].pattern
    # The glue quotes its own literals ("{1} 'um' {0}"), so one pattern formats both parts.
    return glue.replace("{1}", date).replace("{0}", time) if with_time else date


def berlin_datetime(moment: datetime | None, style: str) -> str:
    """A moment in Berlin's wall time, in one of DATE_STYLES, as the reader's language writes it."""
    if moment is None:
        return ""
    locale = get_locale() or Locale.parse("de")
    return format_datetime(moment, _date_pattern(locale, style), tzinfo=BERLIN, locale=locale)


def _accent_style(color: str) -> tuple[Markup, str]:
    """The town's accent colour as an inline style and the CSP hash that allows exactly it."""
    css = f":root{{--accent:{color}}}"
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    # The colour is checked to be a hex value at start-up (_checked_colour), so this is safe.
    return Markup(f"<style>{css}</style>"), f"'sha256-{digest}'"  # noqa: S704


def init_app(app: Flask) -> None:
    accent_tag, accent_hash = _accent_style(_checked_colour(app.config["TOWN_ACCENT_COLOR"]))

    def content_policy(frame_ancestors: str) -> str:
        # Styles a view allowed for this response alone (allow_inline_style) join the accent's.
        styles = " ".join(("'self'", accent_hash, *g.get("csp_style_hashes", ())))
        return (
            "default-src 'self'; img-src 'self' data:; "
            f"style-src {styles}; script-src 'self'; object-src 'none'; "
            f"base-uri 'none'; form-action 'self'; frame-ancestors {frame_ancestors}"
        )

    @app.context_processor
    def globals_for_templates() -> dict[str, object]:
        return {
            "town_name": app.config["TOWN_NAME"],
            "accent_style": accent_tag,
            "current_locale": str(get_locale()),  # follows force_locale (mails)
        }

    app.jinja_env.filters["age"] = relative_age
    app.jinja_env.filters["berlin"] = berlin_datetime
    app.jinja_env.globals["now"] = utcnow
    app.jinja_env.globals["BERLIN"] = BERLIN

    @app.after_request
    def security_headers(response):  # type: ignore[no-untyped-def]
        if getattr(app.view_functions.get(request.endpoint or ""), "is_frameable", False):
            # The embed widget: framed by the town's websites (EMBED_ORIGINS, checked at start)
            # and by the board itself (the webmaster page's preview), by no other site. It
            # never depends on who looks, so it neither varies on nor reads the cookies.
            ancestors = " ".join(("'self'", *app.config["EMBED_ORIGINS"]))
            response.headers.setdefault("Content-Security-Policy", content_policy(ancestors))
        else:
            response.headers.setdefault("Content-Security-Policy", content_policy("'none'"))
            response.headers.setdefault("X-Frame-Options", "DENY")
            # Only when the response looked at who is asking: asking here would log in a
            # remember cookie and set a session cookie on a public, cacheable answer (a feed).
            user = g.get("_login_user")
            if user is not None and user.is_authenticated:
                response.headers.setdefault("Cache-Control", "private, no-store")
            response.vary.add("Cookie")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("Permissions-Policy", "interest-cohort=()")
        return response

    @app.before_request
    def check_csrf() -> None:
        # Views with a text form check CSRF through their FlaskForm, so an expired token gives
        # the form back with the resident's text and a fresh token; other POSTs are checked here.
        view = app.view_functions.get(request.endpoint or "")
        if request.method == "POST" and not getattr(view, "checks_csrf_in_form", False):
            csrf.protect()

    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(OperationalError, _database_unavailable)


def form_checks_csrf(view: F) -> F:
    """Mark a view whose FlaskForm checks the CSRF token itself (and keeps the text on failure)."""
    view.checks_csrf_in_form = True  # type: ignore[attr-defined]
    return view


def frameable(view: F) -> F:
    """Mark a view the town's websites may show in an iframe (the embed widget)."""
    view.is_frameable = True  # type: ignore[attr-defined]
    return view


def limited_per_address(
    config_key: str, prefix: str, fields: tuple[str, ...] = ("email",)
) -> Callable[[F], F]:
    """Limit a view's POSTs per client and, where an address is typed in one of the fields, per
    address (guessing, mail bombs); both limits are the configuration's config_key."""

    def typed_address() -> str:
        typed = next((value for name in fields if (value := request.form.get(name))), "")
        return typed.strip().lower()[:254]

    def decorator(view: F) -> F:
        per_address = limiter.limit(
            configured_limit(config_key),
            key_func=lambda: prefix + typed_address(),
            exempt_when=lambda: not typed_address(),
            methods=["POST"],
        )
        per_client = limiter.limit(configured_limit(config_key), methods=["POST"])
        return per_client(per_address(view))

    return decorator


def private_page(body: str, status: int = 200) -> Response:
    """A page whose URL is a secret: not cached, not indexed, not passed on as a referrer."""
    response = current_app.make_response((body, status))
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def allow_inline_style(css: str) -> Markup:
    """A <style> element that this response's CSP allows by its hash (never 'unsafe-inline').

    Only for CSS built from checked values (a hex colour), never from a visitor's text.
    """
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    g.csp_style_hashes = (*g.get("csp_style_hashes", ()), f"'sha256-{digest}'")
    return Markup(f"<style>{css}</style>")  # noqa: S704


def _checked_colour(color: str) -> str:
    if not (
        color.startswith("#")
        and len(color) in (4, 7)
        and all(c in "0123456789abcdefABCDEF" for c in color[1:])
    ):
        raise RuntimeError(f"TOWN_ACCENT_COLOR must be a hex colour like #0b6e4f, not {color!r}")
    return color


def _http_error(error: HTTPException) -> ResponseReturnValue:
    if request.path.startswith(("/api/", "/healthz")):
        return jsonify(error=error.name), error.code or 500
    response = make_response(render_template("error.html", error=error), error.code or 500)
    if error.code == 429:
        response.headers.setdefault("Retry-After", "60")
    return response


def _csrf_error(error: CSRFError) -> ResponseReturnValue:
    return render_template("error.html", error=error, csrf=True), 400


def _database_unavailable(error: OperationalError) -> ResponseReturnValue:
    """The database is locked or gone for a moment: ask to try again rather than crash."""
    current_app.logger.warning("database unavailable: %s", error)
    db.session.rollback()
    response = make_response(
        render_template(
            "error.html",
            error=None,
            message=gettext(
                "Die Datenbank ist gerade ausgelastet. "
                "Bitte versuchen Sie es in einer Minute erneut."
            ),
        ),
        503,
    )
    response.headers["Retry-After"] = "30"
    return response
