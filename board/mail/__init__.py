from flask import Blueprint, Flask

bp = Blueprint("mail", __name__)

from board.mail import views  # noqa: E402,F401  (registers the routes)


def init_app(app: Flask) -> None:
    from board.mail.services import init_delivery

    init_delivery(app)
