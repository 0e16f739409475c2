from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from board.accounts.forms import email_field
from board.honeypot import HoneypotMixin
from board.subscriptions.models import Frequency


class SubscribeForm(HoneypotMixin, FlaskForm):
    frequency = RadioField(
        _l("Wie oft?"),
        choices=[
            SelectChoice(Frequency.DAILY.value, _l("täglich (um 18 Uhr, wenn es Neues gibt)")),
            SelectChoice(
                Frequency.WEEKLY.value, _l("wöchentlich (montags um 18 Uhr, wenn es Neues gibt)")
            ),
        ],
        default=Frequency.DAILY.value,
        validators=[
            InputRequired(_l("Bitte wählen Sie, wie oft Sie eine E-Mail bekommen möchten."))
        ],
    )
    email = email_field()
