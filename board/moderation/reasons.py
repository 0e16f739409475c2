"""The reasons moderators pick from, and the board's rules they rest on.

A town starts with these; its moderators edit them at /moderation/reasons. They are German,
like the town's moderators and its terms of use.
"""

from __future__ import annotations

from sqlalchemy import func, select

from board.extensions import db
from board.moderation.models import ReasonTemplate

# (title, rule, text for the author)
DEFAULT_REASONS: tuple[tuple[str, str, str], ...] = (
    (
        "Gewerbliches Angebot",
        "Regel 2: Das Brett ist für private und ehrenamtliche Angebote, nicht für Werbung.",
        "Ihr Beitrag bewirbt ein gewerbliches Angebot. Dafür ist das Schwarze Brett nicht da.",
    ),
    (
        "Persönliche Daten Dritter",
        "Regel 4: Keine Namen, Adressen, Telefonnummern oder Fotos anderer Personen.",
        "Ihr Beitrag enthält persönliche Daten einer anderen Person. Bitte lassen Sie diese weg.",
    ),
    (
        "Beleidigend oder herabsetzend",
        "Regel 1: Respektvoller Umgang; keine Beleidigungen, keine Hetze.",
        "Ihr Beitrag enthält beleidigende oder herabsetzende Äußerungen.",
    ),
    (
        "Spam oder doppelt",
        "Regel 3: Jedes Angebot einmal; keine Massenbeiträge oder Links ohne Bezug.",
        "Ihr Beitrag ist doppelt oder sieht nach Massenwerbung aus.",
    ),
    (
        "Nicht aus dem Ort",
        "Regel 5: Das Brett ist für Angebote und Gesuche in und um unseren Ort.",
        "Ihr Beitrag hat keinen Bezug zu unserem Ort.",
    ),
)


def active_reasons() -> list[ReasonTemplate]:
    query = (
        select(ReasonTemplate)
        .where(ReasonTemplate.is_active.is_(True))
        .order_by(ReasonTemplate.position, ReasonTemplate.id)
    )
    return list(db.session.scalars(query))


def seed_reason_templates() -> int:
    """Give a new board the default reasons; a board that has any keeps its own. Returns added."""
    if db.session.scalar(select(func.count(ReasonTemplate.id))):
        return 0
    for position, (title, rule, text) in enumerate(DEFAULT_REASONS):
        db.session.add(ReasonTemplate(title=title, rule=rule, text=text, position=position))
    db.session.flush()
    return len(DEFAULT_REASONS)
