"""Paper for the physical notice board: a poster per post and a weekly overview."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from board.extensions import db
from board.posts.models import Post
from board.posts.queries import board_choices, parse_filter
from board.printing import bp
from board.printing.overview import weekly_overview
from board.printing.qr import qr_svg, short_link
from board.sanitize import render_text
from board.security import external_url
from board.timeutil import utcnow

STRIPS = 8  # tear-off strips across an A4 sheet, each wide enough for a scannable QR code
# What fits on the poster beside the QR code at 14 pt; the full text is one scan away.
BODY_LINES = 12
LINE_CHARS = 42


@bp.get("/posts/<int(max=2147483647):post_id>/print")
def post(post_id: int) -> ResponseReturnValue:
    """Show a post as an A4 poster with a QR code and tear-off strips."""
    poster = db.get_or_404(Post, post_id)
    if not poster.is_visible(utcnow()):
        abort(404)
    link = external_url(url_for("posts.detail", post_id=poster.id))
    body, shortened = _fitting(poster.body)
    return render_template(
        "printing/post.html",
        post=poster,
        body=render_text(body),
        shortened=shortened,
        link=short_link(link),
        qr=qr_svg(link, _("QR-Code zu diesem Beitrag: %(link)s", link=short_link(link))),
        strip_qr=qr_svg(link, _("QR-Code zum Beitrag"), "qr qr-strip"),
        strips=range(STRIPS),
        locale=str(get_locale()),
    )


@bp.get("/print/week")
def week() -> ResponseReturnValue:
    """Show this week's posts by category as a sheet for the town hall's notice board."""
    choices = board_choices()
    district = parse_filter(request.args, choices).district
    board = external_url(url_for("posts.index", district=district.slug if district else None))
    return render_template(
        "printing/week.html",
        overview=weekly_overview(choices.categories, district, utcnow()),
        districts=choices.districts,
        board_link=short_link(board),
        qr=qr_svg(board, _("QR-Code zum Schwarzen Brett: %(link)s", link=short_link(board))),
        link_base=short_link(external_url("")),
        locale=str(get_locale()),
    )


def _fitting(text: str) -> tuple[str, bool]:
    """The text cut at a word so the poster stays one page, and whether it was cut.

    Measured in lines of the poster's text column: many short lines fill it as surely as a long
    paragraph does.
    """
    kept: list[str] = []
    room = BODY_LINES
    for line in text.strip().splitlines():
        needs = max(1, -(-len(line) // LINE_CHARS))
        if needs <= room:
            kept.append(line)
            room -= needs
            continue
        if room:
            head = line[: room * LINE_CHARS]
            words = head.rsplit(None, 1)
            kept.append(words[0] if len(words) == 2 else head)
        return "\n".join(kept).rstrip(" ,;:.-–\n") + " …", True
    return text, False
