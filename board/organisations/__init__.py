from flask import Blueprint

bp = Blueprint("organisations", __name__)

from board.organisations import views  # noqa: E402,F401  (registers the routes)
