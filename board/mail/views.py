from __future__ import annotations

from flask import abort, current_app, make_response, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from board.extensions import db
from board.mail import bp
from board.mail.models import OutboxMail


def mail_viewer_enabled() -> bool:
    """Only a demo or a developer's machine: debug mode and no real mail server configured."""
    return current_app.debug and not current_app.config["MAIL_SERVER"]


@bp.get("/_mail")
def outbox() -> ResponseReturnValue:
    """List the newest mails, so someone trying the demo can click their links."""
    if not mail_viewer_enabled():
        abort(404)
    mails = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc()).limit(50)).all()
    response = make_response(render_template("mail/outbox.html", mails=mails))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
