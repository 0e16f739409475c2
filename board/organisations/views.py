from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from sqlalchemy import select

from board.extensions import db
from board.organisations import bp
from board.organisations.models import Organisation
from board.posts import queries  # a module, not names: queries imports our models
from board.posts.models import Post
from board.timeutil import utcnow

MAX_POSTS_SHOWN = 50


@bp.get("/organisations/<slug>")
def detail(slug: str) -> ResponseReturnValue:
    """Show an association or the town administration with its current posts."""
    organisation = db.first_or_404(select(Organisation).filter_by(slug=slug[:80]))
    posts = db.session.scalars(
        queries.visible_posts(queries.BoardFilter(), utcnow())
        .where(Post.organisation_id == organisation.id)
        .options(*queries.CARD_COLUMNS)
        .limit(MAX_POSTS_SHOWN)
    ).all()
    return render_template(
        "organisations/detail.html",
        organisation=organisation,
        posts=posts,
        locale=str(get_locale()),
    )
