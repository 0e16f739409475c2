from flask import Blueprint

bp = Blueprint("subscriptions", __name__)

from board.subscriptions import views  # noqa: E402,F401  (registers the routes)
