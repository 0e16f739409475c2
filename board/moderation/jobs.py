"""Moderation's scheduled work."""

from __future__ import annotations

from datetime import datetime

from board.moderation.digest import send_digest_if_due


def send_moderation_digest(now: datetime) -> str:
    return f"{send_digest_if_due(now)} moderators told"
