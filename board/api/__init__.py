from flask import Blueprint

bp = Blueprint("api", __name__)

from board.api import views  # noqa: E402,F401  (registers the routes)
