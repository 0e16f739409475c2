from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from board.extensions import db
from board.organisations import bp
from board.organisations.models import Organisation
from board.posts.models import Post
from board.timeutil import utcnow

MAX_POSTS_SHOWN = 50


@bp.get("/organisations/<slug>")
def detail(slug: str) -> ResponseReturnValue:
    """Show an association or the town administration with its current posts."""
    organisation = db.first_or_404(select(Organisation).filter_by(slug=slug[:80]))
    posts = db.session.scalars(
        select(Post)
        .where(Post.visible_clause(utcnow()), Post.organisation_id == organisation.id)
        .options(
            joinedload(Post.category), joinedload(Post.district), joinedload(Post.organisation)
        )
        .order_by(Post.published_at.desc())
        .limit(MAX_POSTS_SHOWN)
    ).all()
    return render_template(
        "organisations/detail.html",
        organisation=organisation,
        posts=posts,
        locale=str(get_locale()),
    )
