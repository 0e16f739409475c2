from flask import Blueprint

bp = Blueprint("posts", __name__)

from board.posts import views  # noqa: E402,F401  (registers the routes)
