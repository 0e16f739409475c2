"""Per-job and scheduler locks: a job running elsewhere is skipped and changes nothing; a lock
dies with the process that held it (PostgreSQL) or runs out (SQLite's lease)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from board.extensions import db
from board.posts.jobs import expire_posts
from board.posts.models import Post
from board.scheduler import LEASE, Job, Lock, Scheduler, _lock_key, run_job
from board.timeutil import utcnow
from tests import factories
from tests.jobs.sched_helpers import (
    counting_job,
    postgresql_only,
    sqlite_only,
    state_of,
    statuses,
    wait_until,
)

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
EXPIRE = Job("expire_posts", expire_posts)


def expired_post() -> int:
    post = factories.post(
        title="Schubkarre zu verleihen",
        published_at=NOW - timedelta(days=30),
        expires_at=NOW - timedelta(hours=1),
    )
    db.session.commit()
    post_id = post.id
    db.session.commit()  # reading the id began a transaction; on SQLite it would hold the lock
    return post_id


def test_a_job_whose_lock_is_held_elsewhere_is_skipped_and_changes_nothing(app):
    post_id = expired_post()
    elsewhere = Lock("job:expire_posts")  # another process, e.g. `flask run-jobs` from cron
    assert elsewhere.try_(NOW)
    try:
        result = run_job(app, EXPIRE, now=NOW)
    finally:
        elsewhere.release()

    assert result == "skipped: running elsewhere"
    assert statuses(post_id) == ["published"]
    assert state_of("expire_posts") is None  # not even recorded as started

    assert run_job(app, EXPIRE, now=NOW) == "1 expired"
    assert statuses(post_id) == ["expired"]


def test_a_job_still_running_when_it_is_due_again_is_skipped_not_run_twice(app):
    started, finish = threading.Event(), threading.Event()
    runs: list[datetime] = []

    def slow(now: datetime) -> str:
        runs.append(now)
        started.set()
        finish.wait(timeout=10)
        return "done"

    job = Job("slow", slow)
    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(run_job(app, job, now=NOW)))
    first.start()
    try:
        assert started.wait(timeout=10)
        assert run_job(app, job, now=NOW + timedelta(minutes=1)) == "skipped: running elsewhere"
    finally:
        finish.set()
        first.join(timeout=10)

    assert results == ["done"]
    assert runs == [NOW]
    assert run_job(app, job, now=NOW + timedelta(minutes=2)) == "done"


def test_other_jobs_run_while_one_is_held(app):
    elsewhere = Lock("job:expire_posts")
    assert elsewhere.try_(NOW)
    job, runs = counting_job("count_runs")
    try:
        assert run_job(app, job, now=NOW) == "run 1"
    finally:
        elsewhere.release()
    assert runs == [NOW]


# ---------------------------------------------------------------- PostgreSQL: advisory locks


def test_on_postgresql_the_lock_of_a_killed_process_is_freed_with_its_connection(app, database_url):
    """A process holding a job's advisory lock is killed (-9, no unlock): the database frees
    the lock with the connection, and the job runs again at once, not after a timeout."""
    postgresql_only()
    post_id = expired_post()
    url = make_url(database_url).set(drivername="postgresql")
    holder = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import sys, time, psycopg\n"
            "conn = psycopg.connect(sys.argv[1], autocommit=True)\n"
            "conn.execute('SELECT pg_advisory_lock(%s)', (int(sys.argv[2]),))\n"
            "print('locked', flush=True)\n"
            "time.sleep(60)\n",
            url.render_as_string(hide_password=False),
            str(_lock_key("job:expire_posts")),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        assert run_job(app, EXPIRE, now=NOW) == "skipped: running elsewhere"
        assert statuses(post_id) == ["published"]
    finally:
        holder.kill()  # SIGKILL: no unlock, no goodbye to the server
        holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()

    def runs() -> bool:
        return run_job(app, EXPIRE, now=NOW) == "1 expired"

    wait_until(runs, timeout=5, what="the lock freed with the killed process's connection")
    assert statuses(post_id) == ["expired"]


def test_on_postgresql_a_scheduler_that_lost_its_lock_connection_stops(app):
    """A database restart ends the connection that held the scheduler's advisory lock, and with
    it the lock: the scheduler must notice and stop, or a standby would start a second one."""
    postgresql_only()
    active = Scheduler(app, blocking=False)
    assert active.acquire()
    assert active.lock is not None and active.lock._conn is not None
    backend = active.lock._conn.execute(text("SELECT pg_backend_pid()")).scalar()
    db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    db.session.commit()

    active._renew_lease()

    assert active.stopped.is_set()
    assert active.lock is None
    standby = Scheduler(app, blocking=False)
    assert standby.acquire()
    standby.stop()


def test_on_postgresql_a_scheduler_holding_its_lock_keeps_it(app):
    postgresql_only()
    active = Scheduler(app, blocking=False)
    assert active.acquire()
    try:
        active._renew_lease()
        assert not active.stopped.is_set()
        assert not Scheduler(app, blocking=False).acquire()
    finally:
        active.stop()


# ---------------------------------------------------------------- SQLite: a lease in job_state


def test_on_sqlite_a_lease_runs_out_so_a_killed_holder_does_not_block_the_job_forever(app):
    sqlite_only()
    post_id = expired_post()
    dead = Lock("job:expire_posts")  # its process was killed: it never releases nor renews
    assert dead.try_(NOW)

    just_before = NOW + LEASE - timedelta(seconds=1)
    assert run_job(app, EXPIRE, now=just_before) == "skipped: running elsewhere"
    assert statuses(post_id) == ["published"]

    assert run_job(app, EXPIRE, now=NOW + LEASE) == "1 expired"
    assert statuses(post_id) == ["expired"]


def test_on_sqlite_a_renewed_lease_is_kept_and_a_released_one_is_free_at_once(app):
    sqlite_only()
    holder = Lock("scheduler")
    assert holder.try_(NOW)
    assert holder.renew(NOW + LEASE - timedelta(seconds=1))

    assert not Lock("scheduler").try_(NOW + LEASE)  # renewed: still held
    holder.release()
    assert Lock("scheduler").try_(NOW + LEASE)


def test_on_sqlite_a_scheduler_whose_lease_was_taken_over_stops(app):
    """Its process stalled longer than the lease (a suspended VM): another took over, so this
    one must stop rather than run as a second scheduler."""
    sqlite_only()
    stalled = Scheduler(app, blocking=False)
    assert stalled.acquire()
    assert Lock("scheduler").try_(utcnow() + LEASE + timedelta(seconds=1))

    stalled._renew_lease()

    assert stalled.stopped.is_set()


def test_on_sqlite_a_job_takes_the_write_lock_first_so_a_concurrent_write_cannot_fail_it(
    app, database_url
):
    """A resident saves a post while a job is between reading and writing: the resident's write
    waits for the job (BEGIN IMMEDIATE), instead of the job failing with "database is locked"
    when it writes on top of what it read before."""
    sqlite_only()
    post_id = expired_post()
    read, wrote = threading.Event(), threading.Event()

    def read_then_write(now: datetime) -> str:
        db.session.execute(text("SELECT count(*) FROM post")).scalar()
        read.set()
        wrote.wait(timeout=1)  # the resident's write comes now (or waits for this job)
        return expire_posts(now)

    def resident_writes() -> None:
        read.wait(timeout=10)
        path = make_url(database_url).database
        with sqlite3.connect(path, timeout=15, isolation_level=None) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE post SET contact_count = contact_count + 1")
            conn.execute("COMMIT")
        conn.close()
        wrote.set()

    resident = threading.Thread(target=resident_writes)
    resident.start()
    try:
        result = run_job(app, Job("expire_posts", read_then_write), now=NOW)
    finally:
        read.set()
        resident.join(timeout=20)

    assert result == "1 expired"
    assert wrote.is_set()
    assert statuses(post_id) == ["expired"]
    assert db.session.get(Post, post_id).contact_count == 1
    db.session.commit()


@pytest.mark.parametrize("name", ["scheduler", "job:expire_posts"])
def test_a_lock_is_free_again_after_release(app, name):
    first = Lock(name)
    assert first.try_(NOW)
    assert not Lock(name).try_(NOW)
    first.release()
    second = Lock(name)
    assert second.try_(NOW)
    second.release()
