from flask import Blueprint

bp = Blueprint("embed", __name__)

from board.embed import views  # noqa: E402,F401  (registers the routes)
