"""The forms the public and authors fill in: a report on a post, an appeal against a decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, ValidationError

from board.honeypot import HoneypotMixin
from board.moderation.labels import REPORT_REASON_LABELS
from board.moderation.models import ReportReason
from board.posts.forms import ConfigLength, _paragraphs, _plain_text

REPORT_TEXT_MAX_LENGTH = 1000


def _required_for_other(form: ReportForm, field: Field) -> None:
    # "Anderes" alone tells a moderator nothing; the other reasons speak for themselves.
    if form.reason.data == ReportReason.OTHER.value and not (field.data or "").strip():
        raise ValidationError(_l("Bitte beschreiben Sie kurz, was mit dem Beitrag nicht stimmt."))


class ReportForm(HoneypotMixin, FlaskForm):
    reason = RadioField(
        _l("Was stimmt mit dem Beitrag nicht?"),
        choices=[
            SelectChoice(reason.value, label) for reason, label in REPORT_REASON_LABELS.items()
        ],
        validate_choice=False,  # AnyOf says it once, in our words
        validators=[
            InputRequired(_l("Bitte wählen Sie einen Grund.")),
            AnyOf([reason.value for reason in ReportReason], _l("Bitte wählen Sie einen Grund.")),
        ],
    )
    text = TextAreaField(
        _l("Ihre Erläuterung"),
        filters=[_paragraphs],
        validators=[
            _required_for_other,
            Length(
                max=REPORT_TEXT_MAX_LENGTH,
                message=_l(
                    "Bitte kürzen Sie auf höchstens %(max)d Zeichen.", max=REPORT_TEXT_MAX_LENGTH
                ),
            ),
            _plain_text,
        ],
        render_kw={"rows": 4, "maxlength": REPORT_TEXT_MAX_LENGTH},
    )


class AppealForm(FlaskForm):
    message = TextAreaField(
        _l("Ihre Nachricht an die Moderation"),
        filters=[_paragraphs],
        validators=[
            DataRequired(_l("Bitte schreiben Sie, warum der Beitrag erscheinen sollte.")),
            ConfigLength("BODY_MAX_LENGTH"),
            _plain_text,
        ],
        render_kw={"rows": 8},
    )
