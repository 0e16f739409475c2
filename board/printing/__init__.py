from flask import Blueprint

bp = Blueprint("printing", __name__)

from board.printing import views  # noqa: E402,F401  (registers the routes)
