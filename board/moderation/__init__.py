from flask import Blueprint

bp = Blueprint("moderation", __name__)

from board.moderation import views  # noqa: E402,F401  (registers the routes)
