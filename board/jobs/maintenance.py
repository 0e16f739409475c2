"""Keeping the database's query planner informed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from board.extensions import db


def refresh_statistics(now: datetime | None = None) -> str:
    """ANALYZE: the planner's picture of the tables (how many posts, how selective a category).

    SQLite never gathers statistics by itself, and without them guesses that any indexed
    equality is selective; PostgreSQL's autovacuum does it too, this only makes it prompt.
    """
    db.session.execute(text("ANALYZE"))
    return "statistics refreshed"
