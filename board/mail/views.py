from __future__ import annotations

from flask import abort, current_app, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from board.extensions import db
from board.mail import bp
from board.mail.models import OutboxMail


@bp.get("/_mail")
def outbox() -> ResponseReturnValue:
    """List the newest mails (debug mode only), so someone trying the demo can click their links."""
    if not current_app.debug:
        abort(404)
    mails = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc()).limit(50)).all()
    return render_template("mail/outbox.html", mails=mails)
