from flask import Blueprint, Flask

bp = Blueprint("accounts", __name__)

from board.accounts import privacy, views  # noqa: E402,F401  (registers the routes)


def init_app(app: Flask) -> None:
    from board.accounts.login import init_login

    init_login(app)
