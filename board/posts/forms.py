"""The posting and contact forms: what a resident types, checked and turned into plain values."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from board.accounts.forms import email_field
from board.honeypot import HoneypotMixin
from board.inputs import BIDI_CONTROLS
from board.posts.labels import KIND_LABELS
from board.posts.models import Category, District, Post, PostKind
from board.posts.services import EventTimeError, PostInput, check_event_times
from board.timeutil import BERLIN

if TYPE_CHECKING:
    from board.organisations.models import Organisation

SCHEDULE_MAX_AHEAD = timedelta(days=183)
_SKIPPED_HOUR = _l(
    "Diese Uhrzeit gibt es wegen der Zeitumstellung nicht. Bitte wählen Sie eine Stunde später."
)
_NOT_OFFERED = _l("Bitte wählen Sie einen der angebotenen Einträge.")
_SUBMISSION_KEY = re.compile(r"[A-Za-z0-9_-]{20,64}")


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


# ---------------------------------------------------------------- filters and validators


def _one_line(value: Any) -> Any:
    """Single-line fields: any line break or run of spaces becomes one space (no header tricks)."""
    return " ".join(value.split()) if isinstance(value, str) else value


def _paragraphs(value: Any) -> Any:
    """Multi-line text: one kind of line break, no trailing blanks, NFC (so "ä" is one letter)."""
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", value).strip()


def _plain_text(form: FlaskForm, field: Field) -> None:
    # The request already drops NUL and friends (board.inputs); this guards anything that slips by.
    if any(
        (unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t") or ch in BIDI_CONTROLS
        for ch in field.data or ""
    ):
        raise ValidationError(_l("Enthält unzulässige Steuerzeichen. Bitte geben Sie es neu ein."))


class ConfigLength:
    """At most as many characters as the town's configuration allows (e.g. TITLE_MAX_LENGTH)."""

    def __init__(self, config_key: str) -> None:
        self.config_key = config_key

    def __call__(self, form: FlaskForm, field: Field) -> None:
        limit = current_app.config[self.config_key]
        length = len(field.data or "")
        if length > limit:
            raise ValidationError(
                _l(
                    "Bitte kürzen Sie auf höchstens %(max)d Zeichen (jetzt %(len)d).",
                    max=limit,
                    len=length,
                )
            )


def _choice_id(value: Any) -> int | None:
    """A select's value as an id: empty means none chosen, garbage an id that matches nothing."""
    if value in (None, ""):
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    return int(text) if text.isdecimal() and len(text) < 10 else -1


class BerlinDateTimeField(DateTimeLocalField):
    """A date and time as people in the town mean it (Europe/Berlin), handed on as aware UTC.

    Phones send "2025-05-01T18:00" from the datetime-local picker; a browser without one lets
    people type "01.05.2025 18:00", which is accepted too.
    """

    FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, format=list(self.FORMATS), **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = " ".join(str(v) for v in valuelist).strip() if valuelist else ""
        self.data = None
        if not text:
            return
        for fmt in self.FORMATS:
            try:
                self.data = datetime.strptime(text, fmt)  # noqa: DTZ007  (Berlin wall time)
                break
            except ValueError:
                continue
        if self.data is None or not 2000 <= self.data.year <= 2200:
            self.data = None
            raise ValueError(_l("Bitte geben Sie ein gültiges Datum mit Uhrzeit ein."))

    @property
    def utc(self) -> datetime | None:
        """The entered Berlin wall time in UTC; None when empty or when it does not exist."""
        if self.data is None:
            return None
        aware = self.data.replace(tzinfo=BERLIN)
        back = aware.astimezone(UTC).astimezone(BERLIN).replace(tzinfo=None)
        if back != self.data:  # the hour skipped when the clocks go forward in March
            return None
        return aware.astimezone(UTC)

    def set_utc(self, moment: datetime | None) -> None:
        self.data = moment.astimezone(BERLIN).replace(tzinfo=None) if moment else None


# ---------------------------------------------------------------- posting


def title_field() -> StringField:
    """A post's title: one line, the town's length limit, plain text (posting and corrections)."""
    return StringField(
        _l("Überschrift"),
        filters=[_one_line],
        validators=[
            DataRequired(_l("Bitte geben Sie eine Überschrift ein.")),
            ConfigLength("TITLE_MAX_LENGTH"),
            _plain_text,
        ],
    )


def body_field(when_empty: Any) -> TextAreaField:
    """A post's text: paragraphs, the town's length limit, plain text."""
    return TextAreaField(
        _l("Text"),
        filters=[_paragraphs],
        validators=[DataRequired(when_empty), ConfigLength("BODY_MAX_LENGTH"), _plain_text],
        render_kw={"rows": 8},
    )


class PostForm(HoneypotMixin, FlaskForm):
    """Write or change a post. No field for status, author or expiry: the board sets those."""

    kind = RadioField(
        _l("Art des Beitrags"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        validate_choice=False,  # AnyOf says it once, in our words
        validators=[
            InputRequired(_l("Bitte wählen Sie die Art des Beitrags.")),
            AnyOf([kind.value for kind in PostKind], _l("Bitte wählen Sie die Art des Beitrags.")),
        ],
    )
    category = SelectField(
        _l("Kategorie"),
        coerce=_choice_id,
        invalid_choice_message=_NOT_OFFERED,
        validators=[DataRequired(_l("Bitte wählen Sie eine Kategorie."))],
    )
    title = title_field()
    body = body_field(_l("Bitte beschreiben Sie kurz, worum es geht."))
    district = SelectField(_l("Ortsteil"), coerce=_choice_id, invalid_choice_message=_NOT_OFFERED)
    event_start = BerlinDateTimeField(_l("Beginn"))
    event_end = BerlinDateTimeField(_l("Ende"))
    lifetime = SelectField(
        _l("Wie lange soll der Beitrag am Brett stehen?"),
        coerce=_choice_id,
        choices=[
            SelectChoice("", _l("So lange wie üblich")),
            SelectChoice("3", _l("3 Tage")),
            SelectChoice("7", _l("1 Woche")),
            SelectChoice("14", _l("2 Wochen")),
        ],
        invalid_choice_message=_NOT_OFFERED,
    )
    # Only offered to those who may plan ahead (the administration, verified organisations,
    # moderators): see board.moderation.policy.may_schedule.
    publish_at = BerlinDateTimeField(_l("Erst erscheinen am"))
    # Offered to members of an organisation only: whose post it is (the badge, the organisation's
    # page and feed). The choices are the author's memberships, so the server refuses any other.
    organisation = SelectField(
        _l("Veröffentlichen als"), coerce=_choice_id, invalid_choice_message=_NOT_OFFERED
    )
    # A fresh key per form page: sending the same form twice finds the post made the first time.
    submission_key = HiddenField(default=new_submission_key)

    def __init__(
        self,
        *args: Any,
        now: datetime,
        locale: str = "de",
        keep_start: datetime | None = None,
        can_schedule: bool = False,
        speaks_for: Sequence[Organisation] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        self.can_schedule = can_schedule
        # "Only me" first, then each organisation the author may post for.
        self.organisation.choices = [SelectChoice("", _l("mich selbst"))] + [
            SelectChoice(str(org.id), org.name) for org in speaks_for
        ]
        # An event already under way may keep its start in the past when it is edited.
        self.keep_start = keep_start
        self.category.choices = [SelectChoice("", _l("Bitte wählen"))] + [
            SelectChoice(str(c.id), c.name(locale)) for c in _categories()
        ]
        self.district.choices = [SelectChoice("", _l("– keiner –"))] + [
            SelectChoice(str(d.id), d.name) for d in _districts()
        ]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        valid = self._validate_publish_at() and valid
        if self.kind.data != PostKind.EVENT.value:
            return valid
        return self._validate_event() and valid

    def _validate_publish_at(self) -> bool:
        field = self.publish_at
        if not self.can_schedule:  # not offered: whatever was sent is ignored
            field.errors = []
            return True
        if field.data is None or field.errors:
            return not field.errors
        moment = field.utc
        if moment is None:
            field.errors.append(_SKIPPED_HOUR)
        elif moment <= self.now:
            field.errors.append(
                _l(
                    "Der Zeitpunkt liegt in der Vergangenheit. "
                    "Lassen Sie das Feld leer, um gleich zu veröffentlichen."
                )
            )
        elif moment > self.now + SCHEDULE_MAX_AHEAD:
            field.errors.append(_l("Bitte planen Sie höchstens ein halbes Jahr im Voraus."))
        return not field.errors

    def _validate_event(self) -> bool:
        for field in (self.event_start, self.event_end):
            if field.data is not None and field.utc is None:
                field.errors.append(_SKIPPED_HOUR)
                return False
        if self.event_start.errors or self.event_end.errors:
            return False
        try:
            check_event_times(self.event_start.utc, self.event_end.utc, self.now, self.keep_start)
        except EventTimeError as error:
            field = self.event_end if error.field == "end" else self.event_start
            field.errors.append(error.message)
            return False
        return True

    def submitted_key(self) -> str:
        """The form's one-time key, or a fresh one if what came back is not one of ours."""
        key = self.submission_key.data or ""
        return key if _SUBMISSION_KEY.fullmatch(key) else new_submission_key()

    def values(self) -> PostInput:
        is_event = self.kind.data == PostKind.EVENT.value
        return PostInput(
            kind=PostKind(self.kind.data),
            category_id=self.category.data,
            district_id=self.district.data,
            title=self.title.data,
            body=self.body.data,
            event_start_at=self.event_start.utc if is_event else None,
            event_end_at=self.event_end.utc if is_event else None,
            lifetime_days=None if is_event else self.lifetime.data,
            publish_at=self.publish_at.utc if self.can_schedule else None,
            organisation_id=self.organisation.data,
            sets_organisation=self.offers_organisations,
        )

    @property
    def offers_organisations(self) -> bool:
        return len(self.organisation.choices) > 1  # type: ignore[arg-type]

    def fill_from(self, post: Post) -> None:
        """Show a post's current values (Berlin times) in the form."""
        self.kind.data = post.kind.value
        self.category.data = post.category_id
        self.district.data = post.district_id
        self.title.data = post.title
        self.body.data = post.body
        self.event_start.set_utc(post.event_start_at)
        self.event_end.set_utc(post.event_end_at)
        self.lifetime.data = post.lifetime_days
        self.publish_at.set_utc(post.publish_at)
        self.organisation.data = post.organisation_id


class GuestPostForm(PostForm):
    """Posting without an account: the e-mail address the confirmation link goes to."""

    email = email_field(_l("Ihre E-Mail-Adresse"))


def _categories() -> list[Category]:
    from board.posts.queries import all_categories

    return all_categories()


def _districts() -> list[District]:
    from board.posts.queries import all_districts

    return all_districts()


# ---------------------------------------------------------------- contact


class ContactForm(HoneypotMixin, FlaskForm):
    name = StringField(
        _l("Ihr Name"),
        filters=[_one_line],
        validators=[
            Optional(),
            Length(max=80, message=_l("Der Name darf höchstens 80 Zeichen lang sein.")),
            _plain_text,
        ],
        render_kw={"autocomplete": "name"},
    )
    email: EmailField = email_field(_l("Ihre E-Mail-Adresse (für die Antwort)"))
    message = TextAreaField(
        _l("Ihre Nachricht"),
        filters=[_paragraphs],
        validators=[
            DataRequired(_l("Bitte schreiben Sie eine Nachricht.")),
            ConfigLength("BODY_MAX_LENGTH"),
            _plain_text,
        ],
        render_kw={"rows": 6},
    )
