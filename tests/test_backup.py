"""A backup taken while the board runs restores to the same posts."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import threading

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from board.extensions import db
from board.posts.models import Post
from tests import factories


def test_backup_restores_to_the_same_posts(app, runner, tmp_path):
    for n in range(5):
        factories.post(title=f"Beitrag {n}")
    db.session.commit()
    target = tmp_path / "backups" / "board.backup"

    result = runner.invoke(args=["backup", str(target)])

    assert result.exit_code == 0, result.output
    assert "backup written" in result.output
    assert restored_titles(app, target, tmp_path) == {f"Beitrag {n}" for n in range(5)}


def test_a_backup_during_writes_is_whole(app, runner, tmp_path):
    factories.post(title="Vorher da")
    db.session.commit()
    stop = threading.Event()

    def keep_writing() -> None:
        with app.app_context():
            n = 0
            while not stop.is_set():
                factories.post(title=f"Während {n}")
                db.session.commit()
                n += 1
            db.session.remove()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        result = runner.invoke(args=["backup", str(tmp_path / "during.backup")])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert "Vorher da" in restored_titles(app, tmp_path / "during.backup", tmp_path)


def test_backup_to_an_unwritable_place_says_so(app, runner):
    result = runner.invoke(args=["backup", "/proc/no-such-dir/board.backup"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def restored_titles(app, backup, tmp_path) -> set[str]:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(backup) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            return {row[0] for row in conn.execute("SELECT title FROM post")}
    if shutil.which("pg_restore") is None:
        pytest.skip("pg_restore is not installed")
    name = f"{url.database}_restore"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        target = url.set(database=name)
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                f"--dbname={target.set(drivername='postgresql').render_as_string(hide_password=False)}",
                str(backup),
            ],
            check=True,
            capture_output=True,
        )
        engine = create_engine(target)
        with engine.connect() as conn:
            titles = {row[0] for row in conn.execute(text("SELECT title FROM post"))}
            assert conn.execute(select(func.count()).select_from(Post.__table__)).scalar() == len(
                titles
            )
        engine.dispose()
        return titles
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
