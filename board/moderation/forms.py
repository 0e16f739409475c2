"""The moderators' forms: decisions on a post, typo corrections, and the reason templates.

Every decision form carries `seen`, the status the moderator saw when the page was drawn: a post
someone else decided meanwhile is then refused instead of decided twice.

Several of these forms share one page, so each form's fields have names of their own (the page's
ids must be unique); the CSRF token and `seen` are written into the page by hand, without ids.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from board.moderation.models import ReasonTemplate
from board.moderation.services import Reason
from board.posts.forms import (  # the posting form's own rules, so corrections keep them too
    _one_line,
    _paragraphs,
    _plain_text,
    body_field,
    title_field,
)
from board.posts.status import PostStatus

REASON_TEXT_MAX = 2000
_NOT_OFFERED = _l("Bitte wählen Sie einen der angebotenen Einträge.")
_NO_REASON = _l("Bitte wählen Sie eine Begründung oder schreiben Sie eine. Die Person erfährt sie.")


def seen_status(value: str | None) -> PostStatus | None:
    """The status a form says the moderator saw; None (no check) for anything else."""
    try:
        return PostStatus(value or "")
    except ValueError:
        return None


class DecisionForm(FlaskForm):
    """A decision without words (approve, restore, dismiss reports): only what was seen."""

    seen = HiddenField()

    @property
    def seen_status(self) -> PostStatus | None:
        return seen_status(self.seen.data)


class _ReasonedForm(DecisionForm):
    """A reason template, free text, or both: the author reads the template's text, then ours."""

    template_field = ""
    text_field = ""

    def __init__(self, *args: Any, reasons: list[ReasonTemplate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reasons = {reason.id: reason for reason in reasons}
        # A first choice of none, so a template tapped by mistake can be taken back.
        self._template.choices = [SelectChoice("", _l("Keine Vorlage, nur eigener Text"))] + [
            SelectChoice(r.id, r.title) for r in reasons
        ]

    @property
    def _template(self) -> RadioField:
        return getattr(self, self.template_field)  # type: ignore[no-any-return]

    @property
    def _text(self) -> TextAreaField:
        return getattr(self, self.text_field)  # type: ignore[no-any-return]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        chosen = self._template.data
        if chosen is not None and chosen not in self.reasons:
            self._template.errors = [*self._template.errors, _NOT_OFFERED]
            return False
        if valid and chosen is None and not (self._text.data or "").strip():
            self._text.errors = [*self._text.errors, _NO_REASON]
            return False
        return valid

    def reason(self) -> Reason:
        return Reason.from_template(self.reasons.get(self._template.data), self._text.data or "")


def _template_id(value: Any) -> int | None:
    """A chosen template's id; none chosen is None, anything else an id no template has."""
    if value in (None, ""):
        return None
    text = str(value)
    return int(text) if text.isdecimal() and len(text) < 10 else -1


def _reason_fields() -> tuple[RadioField, TextAreaField]:
    template = RadioField(
        _l("Begründung aus der Liste"),
        coerce=_template_id,
        validators=[Optional()],
        validate_choice=False,  # validate() says it in our words (and the list can be empty)
    )
    text = TextAreaField(
        _l("Begründung in eigenen Worten"),
        filters=[_paragraphs],
        validators=[
            Length(max=REASON_TEXT_MAX, message=_l("Bitte höchstens %(max)d Zeichen.")),
            _plain_text,
        ],
        render_kw={"rows": 4},
    )
    return template, text


class RejectForm(_ReasonedForm):
    template_field, text_field = "reject_reason", "reject_text"
    reject_reason, reject_text = _reason_fields()


class HideForm(_ReasonedForm):
    template_field, text_field = "hide_reason", "hide_text"
    hide_reason, hide_text = _reason_fields()


class RequestChangesForm(DecisionForm):
    changes_message = TextAreaField(
        _l("Was soll die Person ändern?"),
        filters=[_paragraphs],
        validators=[
            DataRequired(_l("Bitte schreiben Sie, was geändert werden soll.")),
            Length(max=REASON_TEXT_MAX, message=_l("Bitte höchstens %(max)d Zeichen.")),
            _plain_text,
        ],
        render_kw={"rows": 4},
    )


class CorrectTextForm(FlaskForm):
    """Fix an obvious typo: the same limits as the posting form, and a note for the author."""

    edit_title = title_field()
    edit_body = body_field(_l("Der Text darf nicht leer sein."))
    edit_note = StringField(
        _l("Hinweis an die Person"),
        filters=[_one_line],
        validators=[
            Length(max=500, message=_l("Bitte höchstens %(max)d Zeichen.")),
            _plain_text,
        ],
    )


class ReasonTemplateForm(FlaskForm):
    title = StringField(
        _l("Kurzer Titel (für die Moderation)"),
        filters=[_one_line],
        validators=[
            DataRequired(_l("Bitte geben Sie einen kurzen Titel ein.")),
            Length(max=120, message=_l("Bitte höchstens %(max)d Zeichen.")),
            _plain_text,
        ],
    )
    rule = TextAreaField(
        _l("Regel, auf der die Entscheidung beruht"),
        filters=[_paragraphs],
        validators=[
            Length(max=500, message=_l("Bitte höchstens %(max)d Zeichen.")),
            _plain_text,
        ],
        render_kw={"rows": 2},
    )
    text = TextAreaField(
        _l("Text für die Person, die den Beitrag geschrieben hat"),
        filters=[_paragraphs],
        validators=[
            DataRequired(_l("Bitte schreiben Sie den Text für die Person.")),
            Length(max=REASON_TEXT_MAX, message=_l("Bitte höchstens %(max)d Zeichen.")),
            _plain_text,
        ],
        render_kw={"rows": 4},
    )
