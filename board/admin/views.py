"""What only the town's administrators see: the evaluation figures, as a page and as CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, format_timedelta, get_locale
from flask_babel import gettext as _

from board.accounts.login import role_required
from board.accounts.models import User
from board.admin import bp
from board.admin.figures import (
    DEFAULT_WEEKS,
    MAX_WEEKS,
    WeekFigures,
    clamp_weeks,
    figures,
    right_now,
    weeks_back,
)
from board.moderation.permissions import may_moderate
from board.posts.models import PostKind
from board.timeutil import BERLIN, utcnow


def _is_admin(user: User) -> bool:
    return may_moderate(user) and user.is_admin


# Anonymous visitors log in first; anyone else who is not an admin gets 403 (logged).
admin_required = role_required(_is_admin, "admin")


@bp.app_template_filter("duration")
def duration(span: timedelta) -> str:
    """A wait as a reader says it: "3 Stunden", "2 Tage" (rounded, in their language)."""
    return format_timedelta(span, threshold=1.5)


@bp.get("")
@admin_required
def index() -> ResponseReturnValue:
    return render_template("admin/index.html", now_figures=right_now(utcnow()))


@bp.get("/figures")
@admin_required
def figures_page() -> ResponseReturnValue:
    now = utcnow()
    count = clamp_weeks(request.args.get("weeks"))
    rows = figures(weeks_back(now, count), now)
    return render_template(
        "admin/figures.html",
        rows=rows,
        weeks=count,
        choices=sorted({4, DEFAULT_WEEKS, 26, 52, MAX_WEEKS, count}),
        kinds=list(PostKind),
    )


@bp.get("/figures.csv")
@admin_required
def figures_csv() -> ResponseReturnValue:
    """The same figures for a spreadsheet, as Excel opens it by a double click in the reader's
    language: a BOM (else umlauts break), semicolons and decimal commas in German."""
    now = utcnow()
    count = clamp_weeks(request.args.get("weeks"))
    rows = figures(weeks_back(now, count), now)
    out = io.StringIO()
    out.write("\ufeff")
    delimiter = ";" if str(get_locale()) == "de" else ","
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(_csv_header())
    writer.writerows(_csv_row(row) for row in rows)
    filename = f"schwarzes-brett-auswertung-{now.astimezone(BERLIN):%Y-%m-%d}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _csv_header() -> list[str]:
    return [
        _("Woche"),
        _("Beginn"),
        _("Biete"),
        _("Suche"),
        _("Veranstaltung"),
        _("Info"),
        _("Neue Beiträge"),
        _("Kontaktanfragen"),
        _("Erledigt"),
        _("Abgelaufen"),
        _("Entscheidungen"),
        _("Abgelehnt"),
        _("Wartezeit Median (Stunden)"),
        _("Ausgeblendet"),
    ]


def _csv_row(row: WeekFigures) -> list[str | int]:
    year, week = row.week.iso
    wait = row.median_wait
    return [
        f"{year}-W{week:02d}",
        row.week.start.date().isoformat(),
        row.published[PostKind.OFFER],
        row.published[PostKind.REQUEST],
        row.published[PostKind.EVENT],
        row.published[PostKind.NOTICE],
        row.published_total,
        row.contacts,
        row.closed,
        row.expired,
        row.decisions,
        row.rejected,
        format_decimal(wait.total_seconds() / 3600, "0.0") if wait is not None else "",
        row.taken_off,
    ]
