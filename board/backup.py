"""`flask --app board backup PATH`: a consistent copy of the database while the board runs."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.engine import URL, make_url


class BackupError(Exception):
    pass


def backup_database(url: URL, target: Path) -> None:
    """Write a restorable copy of the database at `url` to `target`.

    SQLite: the online backup API copies a consistent snapshot even during writes, and the copy
    is integrity-checked. PostgreSQL: pg_dump's custom format (restore with pg_restore).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        _backup_sqlite(Path(url.database or ""), target)
    elif url.get_backend_name() == "postgresql":
        _backup_postgresql(url, target)
    else:
        raise BackupError(f"no backup method for {url.get_backend_name()}")


def _backup_sqlite(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"database file {source} does not exist")
    partial = target.with_name(target.name + ".partial")
    with sqlite3.connect(source) as src, sqlite3.connect(partial) as dst:
        src.backup(dst)
        result = dst.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check: {result}")
    partial.replace(target)  # a half-written backup never carries the final name


def _backup_postgresql(url: URL, target: Path) -> None:
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    partial = target.with_name(target.name + ".partial")
    result = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={libpq_url}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    partial.replace(target)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Write a consistent copy of the database to PATH (SQLite file or pg_dump archive)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        backup_database(url, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup written to {path} ({path.stat().st_size} bytes)")
