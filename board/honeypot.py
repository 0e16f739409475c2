"""A honeypot on the public forms: a field people never see, that form-filling bots fill in.

The field sits in a wrapper that CSS moves off screen and aria-hidden hides from screen readers;
the input itself is left out of the tab order and autofill. A form that comes back with it filled
in was sent by a program: the view stores and sends nothing, and answers as if all went well, so
the bot learns nothing to adapt to.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from wtforms import Field, StringField

FIELD_NAME = "website"  # a name bots are keen to fill in


class HoneypotMixin:
    """Mix into a FlaskForm to give it the honeypot field (render it with _honeypot.html)."""

    website = StringField(
        _l("Bitte leer lassen"),
        render_kw={"tabindex": "-1", "autocomplete": "off"},
    )


def is_bot(form: Any) -> bool:
    """True when the form's honeypot came back filled in; logs it (without what was typed)."""
    field: Field | None = getattr(form, FIELD_NAME, None)
    if field is None or not (field.data or "").strip():
        return False
    current_app.logger.info(
        "honeypot filled in on %s %s: nothing stored or sent", request.method, request.path
    )
    return True
