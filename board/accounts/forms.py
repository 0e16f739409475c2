from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, Length, Optional, StopValidation, ValidationError

from board.honeypot import HoneypotMixin
from board.inputs import BIDI_CONTROLS

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200  # long enough for any passphrase, short enough not to feed scrypt a novel


def normalise_email(raw: str) -> str | None:
    """The address in the form we store it (lower case), or None when it is not an address."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    return result.normalized.lower()


def email_address(form: FlaskForm, field: StringField) -> None:
    """An e-mail address, kept in the form we store it (normalise_email)."""
    if field.errors:  # one message is enough: "too long" says it all
        return
    address = normalise_email(field.data or "")
    if address is None:
        raise ValidationError(
            _l("Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de.")
        )
    field.data = address


def _no_control_characters(form: FlaskForm, field: StringField) -> None:
    # PostgreSQL refuses NUL in text; nobody types control characters on purpose.
    text = field.data or ""
    if any(unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS for ch in text):
        raise StopValidation(_l("Enthält unzulässige Steuerzeichen. Bitte geben Sie es neu ein."))


def strip(value: str | None) -> str | None:
    """A filter: no blanks around what was typed."""
    return value.strip() if isinstance(value, str) else value


def _one_line(value: str | None) -> str | None:
    return " ".join(value.split()) if isinstance(value, str) else value


def email_field(label: str = _l("E-Mail-Adresse")) -> EmailField:
    return EmailField(
        label,
        validators=[
            InputRequired(_l("Bitte geben Sie Ihre E-Mail-Adresse ein.")),
            Length(max=254, message=_l("Die E-Mail-Adresse ist zu lang.")),
            _no_control_characters,
            email_address,
        ],
        filters=[strip],
        render_kw={"autocomplete": "email", "maxlength": 254},
    )


def new_password_field(label: str = _l("Passwort")) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired(_l("Bitte wählen Sie ein Passwort.")),
            Length(
                min=PASSWORD_MIN_LENGTH,
                message=_l("Das Passwort muss mindestens 10 Zeichen lang sein."),
            ),
            Length(
                max=PASSWORD_MAX_LENGTH,
                message=_l("Das Passwort darf höchstens 200 Zeichen lang sein."),
            ),
            _no_control_characters,
        ],
        render_kw={"autocomplete": "new-password", "minlength": PASSWORD_MIN_LENGTH},
    )


def current_password_field(label: str = _l("Passwort")) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired(_l("Bitte geben Sie Ihr Passwort ein.")),
            Length(max=PASSWORD_MAX_LENGTH, message=_l("Das Passwort ist zu lang.")),
            _no_control_characters,
        ],
        render_kw={"autocomplete": "current-password"},
    )


def password_if_any_field(label: str) -> PasswordField:
    """The account's current password, which may stay empty: an account that logs in by mailed
    link has none. The view checks it against the account (and asks for it where there is one)."""
    return PasswordField(
        label,
        validators=[
            Optional(),
            Length(max=PASSWORD_MAX_LENGTH, message=_l("Das Passwort ist zu lang.")),
            _no_control_characters,
        ],
        render_kw={"autocomplete": "current-password"},
    )


class RegisterForm(HoneypotMixin, FlaskForm):
    email = email_field()
    display_name = StringField(
        _l("Name, der angezeigt wird"),
        validators=[
            Optional(),
            Length(max=80, message=_l("Der Name darf höchstens 80 Zeichen lang sein.")),
            _no_control_characters,
        ],
        filters=[_one_line],
        render_kw={"autocomplete": "nickname", "maxlength": 80},
    )
    password = new_password_field()


class LoginForm(FlaskForm):
    email = email_field()
    password = current_password_field()
    remember = BooleanField(_l("Auf diesem Gerät angemeldet bleiben"))
    next = HiddenField()


class LinkRequestForm(FlaskForm):
    """The "send me a login link" half of the login page (own field name: two forms, one page)."""

    link_email = email_field()
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    email = email_field()


class NewPasswordForm(FlaskForm):
    password = new_password_field(_l("Neues Passwort"))


class ChangePasswordForm(FlaskForm):
    current_password = password_if_any_field(_l("Bisheriges Passwort"))
    password = new_password_field(_l("Neues Passwort"))


class DeleteAccountForm(FlaskForm):
    """Typing one's own address is the deliberate step; the password (where there is one) proves
    it is the owner and not someone at an unlocked phone."""

    confirm_email = EmailField(
        _l("Ihre E-Mail-Adresse zur Bestätigung"),
        validators=[
            InputRequired(_l("Bitte geben Sie Ihre E-Mail-Adresse zur Bestätigung ein.")),
            Length(max=254, message=_l("Die E-Mail-Adresse ist zu lang.")),
            _no_control_characters,
        ],
        filters=[strip],
        render_kw={"autocomplete": "off", "maxlength": 254},
    )
    password = password_if_any_field(_l("Passwort"))
