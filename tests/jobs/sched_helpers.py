"""Helpers for the scheduler tests: what the database says about jobs and posts, read fresh, and
`flask --app board scheduler` processes whose log lines the test can wait for."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from board.extensions import db
from board.jobs.models import JobState
from board.posts.models import Post
from board.scheduler import Job
from board.timeutil import utcnow

ROOT = Path(__file__).resolve().parents[2]


def on_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def postgresql_only() -> None:
    if not on_postgresql():
        pytest.skip("PostgreSQL advisory locks: run with BOARD_TEST_DATABASE_URL")


def sqlite_only() -> None:
    if on_postgresql():
        pytest.skip("the lease in job_state is SQLite's lock; PostgreSQL uses advisory locks")


def state_of(name: str) -> JobState | None:
    """A job's row as the database holds it now (not the test session's cached copy).

    Ends the read at once: on SQLite an open transaction of the test would hold the write lock
    that the jobs in other threads and processes need.
    """
    db.session.expire_all()
    found = db.session.get(JobState, name)
    if found is not None:
        db.session.expunge(found)  # keeps what was read; reading it later starts no transaction
    db.session.commit()
    return found


def post_now(post_id: int) -> Post:
    db.session.expire_all()
    found = db.session.get(Post, post_id)
    assert found is not None
    db.session.expunge(found)
    db.session.commit()
    return found


def statuses(*post_ids: int) -> list[str]:
    db.session.expire_all()
    rows = db.session.execute(select(Post.id, Post.status).where(Post.id.in_(post_ids)))
    found = {post_id: status for post_id, status in rows}
    db.session.commit()
    return [str(found[i]) for i in post_ids]


def counting_job(job_id: str = "count_runs") -> tuple[Job, list[datetime]]:
    """A job that only remembers when it ran."""
    runs: list[datetime] = []

    def run(now: datetime) -> str:
        runs.append(now)
        return f"run {len(runs)}"

    return Job(job_id, run), runs


class SchedulerProcess:
    """`flask --app board scheduler` in a process of its own, its log collected line by line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.lines: list[str] = []
        self.proc = subprocess.Popen(  # noqa: S603  (our own interpreter and command)
            [sys.executable, "-m", "flask", "--app", "board", "scheduler"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def logged(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    def kill(self) -> None:
        """kill -9: no cleanup, no unlock; what a crash or the OOM killer does."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._reader.join(timeout=5)
        if self.proc.stderr is not None:
            self.proc.stderr.close()


def scheduler_env(database_url: str, mail_port: int, config_file: Path) -> dict[str, str]:
    """The environment of a production scheduler: BOARD_* settings, no debug, no test config."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("BOARD_", "FLASK_"))
    }
    env.update(
        BOARD_DATABASE_URL=database_url,
        BOARD_SECRET_KEY="a-secret-for-the-scheduler-test",
        BOARD_BASE_URL="http://board.test",
        BOARD_MAIL_SERVER="127.0.0.1",
        BOARD_MAIL_PORT=str(mail_port),
        BOARD_MAIL_SENDER="Schwarzes Brett <brett@board.test>",
        BOARD_CONFIG=str(config_file),
        PYTHONUNBUFFERED="1",
    )
    return env


def wait_until(
    condition: Callable[[], object], timeout: float, what: str | Callable[[], str]
) -> float:
    """Poll for something another process does; return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what() if callable(what) else what}")


def days(n: float) -> timedelta:
    return timedelta(days=n)


def now_utc() -> datetime:
    return utcnow()
