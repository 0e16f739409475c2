"""Words for moderation's actions and report reasons, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from board.moderation.models import Action, ReportReason

REPORT_REASON_LABELS = {
    ReportReason.SPAM: _l("Spam"),
    ReportReason.OFFENSIVE: _l("Beleidigend"),
    ReportReason.COMMERCIAL: _l("Gewerblich"),
    ReportReason.PERSONAL_DATA: _l("Persönliche Daten"),
    ReportReason.OTHER: _l("Anderes"),
}

ACTION_LABELS = {
    Action.APPROVE: _l("Freigegeben"),
    Action.REJECT: _l("Abgelehnt"),
    Action.REQUEST_CHANGES: _l("Änderungen erbeten"),
    Action.HIDE: _l("Ausgeblendet"),
    Action.RESTORE: _l("Wieder eingeblendet"),
    Action.EDIT: _l("Text korrigiert"),
    Action.DISMISS_REPORTS: _l("Meldungen zurückgewiesen"),
    Action.SUSPEND: _l("Konto gesperrt"),
    Action.UNSUSPEND: _l("Konto entsperrt"),
    Action.TRUST: _l("Als vertrauenswürdig markiert"),
    Action.UNTRUST: _l("Nicht mehr vertrauenswürdig"),
    Action.SET_ROLE: _l("Rolle geändert"),
    Action.ORGANISATION_CREATE: _l("Organisation angelegt"),
    Action.ORGANISATION_EDIT: _l("Organisation geändert"),
    Action.ORGANISATION_VERIFY: _l("Organisation bestätigt"),
    Action.ORGANISATION_UNVERIFY: _l("Bestätigung der Organisation entzogen"),
    Action.MEMBER_ADD: _l("Mitglied hinzugefügt"),
    Action.MEMBER_REMOVE: _l("Mitglied entfernt"),
    Action.MEMBER_ROLE: _l("Verwalter/in geändert"),
    Action.HOLD: _l("Zur Prüfung zurückgehalten"),
    Action.AUTO_HIDE: _l("Nach Meldungen ausgeblendet"),
    Action.APPEAL: _l("Einspruch eingelegt"),
    Action.RESUBMIT: _l("Geändert und erneut eingereicht"),
}
