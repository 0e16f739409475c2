from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user

from board.extensions import db
from board.posts import bp
from board.posts.labels import kind_label, status_label
from board.posts.models import Post, PostKind
from board.posts.queries import all_categories, all_districts, board_page, parse_filter
from board.sanitize import render_text
from board.timeutil import utcnow


# Globals, not a context processor: macros imported without context see them too.
bp.add_app_template_global(kind_label, "kind_label")
bp.add_app_template_global(status_label, "status_label")
bp.add_app_template_global(PostKind, "PostKind")


@bp.get("/")
def index() -> ResponseReturnValue:
    """Show the board: current posts, newest first, with filters and search."""
    board_filter = parse_filter(request.args)
    posts, has_next = board_page(board_filter, utcnow(), current_app.config["POSTS_PER_PAGE"])
    return render_template(
        "posts/index.html",
        posts=posts,
        has_next=has_next,
        filter=board_filter,
        categories=all_categories(),
        districts=all_districts(),
        locale=str(get_locale()),
    )


@bp.get("/posts/<int:post_id>")
def detail(post_id: int) -> ResponseReturnValue:
    """Show one post; only its author (and moderators) see it before or after it is public."""
    post = db.get_or_404(Post, post_id)
    if not post.is_visible(utcnow()) and not _may_see_unpublished(post):
        abort(404)
    return render_template(
        "posts/detail.html", post=post, body=render_text(post.body), locale=str(get_locale())
    )


def _may_see_unpublished(post: Post) -> bool:
    if not current_user.is_authenticated:
        return False
    return post.author_id == current_user.id or current_user.is_moderator


# Placeholders so the board can link; the posting feature replaces them.
@bp.route("/posts/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    return render_template("error.html", error=None, message="new")


@bp.route("/posts/<int:post_id>/contact", methods=["GET", "POST"])
def contact(post_id: int) -> ResponseReturnValue:
    return render_template("error.html", error=None, message="contact")
