"""The embedded SQLite default is safe for several workers; PostgreSQL survives restarts."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from board.extensions import db
from board.posts.models import Category
from tests import factories


def on_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    if not on_sqlite():
        pytest.skip("SQLite pragmas")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_a_post_pointing_at_a_missing_category_is_refused(app):
    post = factories.post()
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            text("UPDATE post SET category_id = 999999 WHERE id = :id"), {"id": post.id}
        )
        db.session.commit()
    db.session.rollback()


def test_concurrent_writers_queue_up_instead_of_failing(app):
    """Eight writers at once, as gunicorn workers: every write lands, none is "locked"."""
    errors: list[Exception] = []

    def write(n: int) -> None:
        with app.app_context(), app.test_request_context(method="POST"):
            try:
                for i in range(5):
                    db.session.add(Category(slug=f"c-{n}-{i}", name_de=f"K {n}", name_en=f"C {n}"))
                    # read, then write in one transaction: deadlocks under a deferred BEGIN
                    db.session.execute(text("SELECT count(*) FROM category")).scalar()
                    db.session.commit()
            except Exception as error:  # noqa: BLE001
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert db.session.scalar(text("SELECT count(*) FROM category WHERE slug LIKE 'c-%'")) == 40


def test_postgresql_connections_are_checked_before_use(app):
    if on_sqlite():
        pytest.skip("PostgreSQL pool settings")
    assert db.engine.pool._pre_ping is True
