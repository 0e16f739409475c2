from flask import Blueprint

bp = Blueprint("moderation", __name__)

# The queue and decisions (views), people (people), the audit log (audit), and what the public
# and authors use: reports and appeals (public).
from board.moderation import audit, people, public, views  # noqa: E402,F401  (registers routes)
