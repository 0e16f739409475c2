"""The administrators' forms: an organisation's particulars, and a member by e-mail address.

The rules are the CLI's (board/organisations/cli.py): a slug of lower-case letters, digits and
'-', a name of one line up to 120 characters, a web address starting with http(s)://.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from board.accounts.forms import email_address, strip
from board.organisations.models import OrganisationKind
from board.posts.forms import _one_line, _paragraphs, _plain_text
from board.posts.town import SLUG

NAME_MAX = 120
SLUG_MAX = 80
WEBSITE_MAX = 300
DESCRIPTION_MAX = 2000

KIND_LABELS = {
    OrganisationKind.ASSOCIATION: _l("Verein"),
    OrganisationKind.ADMINISTRATION: _l("Stadtverwaltung"),
}


def _web_address(form: FlaskForm, field: Field) -> None:
    """http(s) with a host and nothing invisible; the scheme is stored in lower case, because
    the public page links only what starts with "https://" or "http://"."""
    value = field.data or ""
    if not value:
        return
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        host = None
    scheme = value.partition(":")[0]
    if (
        scheme.lower() not in ("http", "https")
        or not host
        or any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in value)
    ):
        raise ValidationError(
            _l(
                "Bitte geben Sie eine Webadresse an, die mit https:// oder http:// beginnt, "
                "z. B. https://www.verein-beispiel.de."
            )
        )
    field.data = scheme.lower() + value[len(scheme) :]


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            # DataRequired: a name of blanks is empty once made one line.
            DataRequired(_l("Bitte geben Sie den Namen der Organisation ein.")),
            Length(max=NAME_MAX, message=_l("Der Name darf höchstens %(max)d Zeichen lang sein.")),
            _plain_text,
        ],
        filters=[_one_line],
        render_kw={"maxlength": NAME_MAX, "autocomplete": "organization"},
    )
    slug = StringField(
        _l("Adresse der Seite"),
        validators=[
            Optional(),
            Length(max=SLUG_MAX, message=_l("Bitte höchstens %(max)d Zeichen.")),
            Regexp(
                SLUG,
                message=_l(
                    "Nur Kleinbuchstaben (ohne Umlaute), Ziffern und Bindestriche, "
                    "z. B. obst-und-gartenbauverein."
                ),
            ),
        ],
        filters=[strip],
        render_kw={
            "maxlength": SLUG_MAX,
            "autocapitalize": "none",
            "autocomplete": "off",
            "spellcheck": "false",
        },
    )
    kind = SelectField(
        _l("Art"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        default=OrganisationKind.ASSOCIATION.value,
        validators=[InputRequired(_l("Bitte wählen Sie die Art der Organisation."))],
        validate_choice=False,  # validate_kind says it in German
        # Always one chosen: a "required" select would need an empty first option (HTML spec).
        render_kw={"required": False},
    )
    website = StringField(
        _l("Webseite"),
        validators=[
            Optional(),
            Length(max=WEBSITE_MAX, message=_l("Bitte höchstens %(max)d Zeichen.")),
            _web_address,
        ],
        filters=[strip],
        render_kw={"maxlength": WEBSITE_MAX, "inputmode": "url", "autocomplete": "url"},
    )
    description = TextAreaField(
        _l("Beschreibung"),
        validators=[
            Optional(),
            Length(max=DESCRIPTION_MAX, message=_l("Bitte höchstens %(max)d Zeichen.")),
            _plain_text,
        ],
        filters=[_paragraphs],
        render_kw={"rows": 5, "maxlength": DESCRIPTION_MAX},
    )
    is_verified = BooleanField(_l("bestätigt"))

    def validate_kind(self, field: SelectField) -> None:
        if field.data not in OrganisationKind._value2member_map_:
            raise ValidationError(_l("Bitte wählen Sie einen der angebotenen Einträge."))


class MemberForm(FlaskForm):
    email = EmailField(
        _l("E-Mail-Adresse des Kontos"),
        validators=[
            InputRequired(_l("Bitte geben Sie die E-Mail-Adresse der Person ein.")),
            Length(max=254, message=_l("Die E-Mail-Adresse ist zu lang.")),
            _plain_text,
            email_address,
        ],
        filters=[strip],
        render_kw={"maxlength": 254, "autocomplete": "off"},
    )
