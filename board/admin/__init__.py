from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The evaluation figures (views) and the organisations; the town's other settings are
# configuration for now.
from board.admin import organisations, views  # noqa: E402,F401  (registers the routes)
