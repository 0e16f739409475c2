"""Words for the post kinds and statuses, in the visitor's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from board.posts.models import PostKind
from board.posts.status import PostStatus

KIND_LABELS = {
    PostKind.OFFER: _l("Biete"),
    PostKind.REQUEST: _l("Suche"),
    PostKind.EVENT: _l("Veranstaltung"),
    PostKind.NOTICE: _l("Info"),
}

STATUS_LABELS = {
    PostStatus.DRAFT: _l("Wartet auf Bestätigung"),
    PostStatus.PENDING: _l("Wird geprüft"),
    PostStatus.SCHEDULED: _l("Geplant"),
    PostStatus.PUBLISHED: _l("Veröffentlicht"),
    PostStatus.HIDDEN: _l("Ausgeblendet"),
    PostStatus.RETURNED: _l("Zur Überarbeitung zurück"),
    PostStatus.EXPIRED: _l("Abgelaufen"),
    PostStatus.CLOSED: _l("Erledigt"),
    PostStatus.REJECTED: _l("Abgelehnt"),
    PostStatus.REMOVED: _l("Entfernt"),
}


def kind_label(kind: PostKind) -> str:
    return str(KIND_LABELS[kind])


def status_label(status: PostStatus) -> str:
    return str(STATUS_LABELS[status])
