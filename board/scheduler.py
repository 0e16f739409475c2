"""The board's scheduled jobs, and the one scheduler per deployment that runs them.

Every job is a plain function `job(now) -> str` owned by its feature (board/*/jobs.py),
idempotent and driven by timestamps in the database, so running it late, twice or after a crash
gives the same result. This module adds what running them safely needs:

- `run_job`: one run inside an app context and a request context built from BASE_URL (mails
  link back with url_for), under a per-job lock so that `flask run-jobs` from cron and a
  scheduler never run the same job at once, with the outcome recorded in JobState and logged;
- `Scheduler`: APScheduler 3.x with coalescing, one instance per job, a generous misfire grace
  time, cron times in Europe/Berlin, and a deployment-wide lock so that only one process ever
  schedules (a second one stands by and takes over when the first dies).

Locks are PostgreSQL advisory locks, held by a connection of their own (they vanish with a
killed process); SQLite, one machine by definition, gets a lease row in job_state instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from board.extensions import db
from board.jobs.models import JobState
from board.timeutil import BERLIN, utcnow

log = logging.getLogger("board.jobs")

# A late run still runs (after downtime, a long job, a suspended VM): APScheduler's default of
# one second would silently skip it. Coalescing turns a backlog into one run.
MISFIRE_GRACE = 6 * 3600
# How long a SQLite lease lasts without renewal (a killed process loses it after this);
# config SCHEDULER_LEASE_SECONDS changes it (tests shorten it to see a takeover).
LEASE = timedelta(minutes=2)
SCHEDULER_LOCK = "scheduler"


@dataclass(frozen=True)
class Job:
    id: str
    run: Callable[[datetime], str]
    trigger: dict[str, Any] = field(default_factory=dict)
    description: str = ""


def all_jobs() -> tuple[Job, ...]:
    """Every feature's jobs, in the order `run-jobs` runs them."""
    from board.accounts.jobs import purge_unconfirmed_people
    from board.jobs.maintenance import refresh_statistics
    from board.mail.jobs import purge_old_mail, send_outbox
    from board.moderation.jobs import send_moderation_digest
    from board.posts.jobs import (
        expire_posts,
        publish_scheduled,
        purge_old_posts,
        purge_unconfirmed_drafts,
        send_reminders,
    )
    from board.subscriptions.jobs import (
        purge_unconfirmed_subscriptions,
        send_subscription_digests,
    )

    every_minute = {"trigger": "interval", "minutes": 1}
    nightly = {"trigger": "cron", "hour": 3, "minute": 30, "timezone": BERLIN}
    return (
        Job("publish_scheduled", publish_scheduled, every_minute, "Geplante Beiträge"),
        Job("expire_posts", expire_posts, every_minute, "Abgelaufene Beiträge"),
        Job(
            "send_reminders",
            send_reminders,
            {"trigger": "interval", "minutes": 15},
            "Erinnerungen vor dem Ablauf",
        ),
        Job(
            "moderation_digest",
            send_moderation_digest,
            {"trigger": "interval", "minutes": 5},
            "Zusammenfassung für die Moderation",
        ),
        Job(
            "send_subscription_digests",
            send_subscription_digests,
            {"trigger": "interval", "minutes": 15},
            "Benachrichtigungen über neue Beiträge",
        ),
        # After the jobs that queue mail, so `run-jobs` sends their mail in the same run.
        Job("send_outbox", send_outbox, every_minute, "E-Mail-Versand"),
        Job("purge_old_posts", purge_old_posts, nightly, "Alte Beiträge löschen"),
        Job("purge_unconfirmed_drafts", purge_unconfirmed_drafts, nightly, "Unbestätigte Entwürfe"),
        Job(
            "purge_unconfirmed_people",
            purge_unconfirmed_people,
            nightly,
            "Unbestätigte Adressen",
        ),
        Job(
            "purge_unconfirmed_subscriptions",
            purge_unconfirmed_subscriptions,
            nightly,
            "Unbestätigte Benachrichtigungen",
        ),
        Job("purge_old_mail", purge_old_mail, nightly, "Alte E-Mails löschen"),
        Job("refresh_statistics", refresh_statistics, nightly, "Statistik für die Datenbank"),
    )


# ---------------------------------------------------------------- locks


def _lock_key(name: str) -> int:
    """A stable 63-bit number for an advisory lock, the same in every process."""
    return int.from_bytes(hashlib.sha256(f"board:{name}".encode()).digest()[:8], "big") >> 1


def _holder() -> str:
    """Who holds a lease: unique per Lock (a thread id is reused once its thread has ended,
    and would let a second scheduler in the same process take the first one's lease)."""
    return f"{secrets.token_hex(6)}:{os.getpid()}:{socket.gethostname()}"[:80]


class Lock:
    """A named lock across processes and hosts: try() once, release() when done.

    PostgreSQL: a session advisory lock on a connection of its own, released by the server if
    the process dies. SQLite: a lease in job_state, renewed by renew(), lost after LEASE.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.holder = _holder()
        self._conn: Connection | None = None

    @property
    def _on_postgresql(self) -> bool:
        return db.engine.dialect.name == "postgresql"

    def try_(self, now: datetime) -> bool:
        if self._on_postgresql:
            conn = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            if conn.execute(select(func.pg_try_advisory_lock(_lock_key(self.name)))).scalar():
                self._conn = conn
                return True
            conn.close()
            return False
        return self._take_lease(now)

    def renew(self, now: datetime) -> bool:
        """Keep holding; False when the lock was lost (a lease ran out; an advisory lock's
        connection ended, e.g. by a database restart, which ends the lock with it)."""
        if self._on_postgresql:
            if self._conn is None:
                return False
            try:
                self._conn.execute(select(1))
            except SQLAlchemyError:
                return False
            return True
        return self._take_lease(now)

    def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            # A dead connection (a database restart) has lost the lock already, and may refuse
            # even to be closed cleanly.
            with contextlib.suppress(SQLAlchemyError):
                conn.execute(select(func.pg_advisory_unlock(_lock_key(self.name))))
            with contextlib.suppress(SQLAlchemyError):
                conn.close()
            return
        if not self._on_postgresql:
            with db.engine.begin() as conn:
                conn.execute(
                    update(JobState)
                    .where(
                        JobState.name == _lease_name(self.name), JobState.locked_by == self.holder
                    )
                    .values(locked_by=None, locked_until=None)
                )

    def _take_lease(self, now: datetime) -> bool:
        row = _lease_name(self.name)
        with db.engine.begin() as conn:  # BEGIN IMMEDIATE: one process at a time decides
            exists = conn.execute(select(JobState.name).where(JobState.name == row)).scalar()
            if exists is None:
                conn.execute(JobState.__table__.insert().values(name=row, last_result=""))
            taken = conn.execute(
                update(JobState)
                .where(
                    JobState.name == row,
                    or_(
                        JobState.locked_by.is_(None),
                        JobState.locked_by == self.holder,
                        JobState.locked_until <= now,
                    ),
                )
                .values(locked_by=self.holder, locked_until=now + lease())
            )
            return taken.rowcount == 1


def lease() -> timedelta:
    seconds = current_app.config.get("SCHEDULER_LEASE_SECONDS")
    return timedelta(seconds=seconds) if seconds else LEASE


def _lease_name(name: str) -> str:
    return f"lock:{name}"


@contextmanager
def held(name: str, now: datetime) -> Iterator[bool]:
    """Hold the named lock for the block if it is free; yields whether it was."""
    lock = Lock(name)
    acquired = lock.try_(now)
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()


# ---------------------------------------------------------------- one run


def run_job(app: Flask, job: Job, now: datetime | None = None) -> str:
    """Run one job once, unless it is running elsewhere; record and log what it did."""
    # A POST context, because jobs write: on SQLite their transactions then take the write lock
    # up front (board.extensions._wants_write); a deferred one, upgraded to write after a
    # concurrent request wrote, fails with "database is locked".
    context = app.test_request_context("/", base_url=app.config["BASE_URL"], method="POST")
    with app.app_context(), context:
        now = now or utcnow()
        with held(f"job:{job.id}", now) as acquired:
            if not acquired:
                log.info("job %s: running elsewhere, skipped", job.id)
                return "skipped: running elsewhere"
            _record(job.id, started=now)
            try:
                result = job.run(now)
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                _record(job.id, error=f"{type(error).__name__}: {error}")
                log.exception("job %s failed", job.id)
                raise
            _record(job.id, succeeded=utcnow(), result=result)
            log.info("job %s: %s", job.id, result)
            return result


def _record(
    name: str,
    started: datetime | None = None,
    succeeded: datetime | None = None,
    result: str | None = None,
    error: str | None = None,
) -> None:
    state = db.session.get(JobState, name) or JobState(name=name, last_result="")
    if started is not None:
        state.last_started_at = started
    if succeeded is not None:
        state.last_success_at = succeeded
        state.last_error = None
    if result is not None:
        state.last_result = result[:500]
    if error is not None:
        state.last_error = error[:2000]
    db.session.add(state)
    db.session.commit()


# A nightly job that succeeded this recently is not due again for `run-jobs` (cron runs it every
# minute): the purges and statistics then run about once a day, whenever cron first calls.
NIGHTLY_AGAIN_AFTER = timedelta(hours=20)


def run_all_due(app: Flask, now: datetime | None = None) -> dict[str, str]:
    """`flask run-jobs`: every due job once, in order. One failing job does not stop the others."""
    results = {}
    with app.app_context():
        moment = now or utcnow()
        states = {s.name: s.last_success_at for s in db.session.scalars(select(JobState))}
        db.session.commit()
    for job in all_jobs():
        last = states.get(job.id)
        if job.trigger.get("trigger") == "cron" and last and moment - last < NIGHTLY_AGAIN_AFTER:
            results[job.id] = "not due (ran within the last day)"
            continue
        try:
            results[job.id] = run_job(app, job, now)
        except Exception as error:  # noqa: BLE001  (logged by run_job; cron sees the summary)
            results[job.id] = f"failed: {error}"
    return results


def job_health() -> dict[str, str | None]:
    """When each job last succeeded (ISO 8601, UTC), for /healthz."""
    states = {s.name: s for s in db.session.scalars(select(JobState))}
    health: dict[str, str | None] = {}
    for job in all_jobs():
        state = states.get(job.id)
        success = state.last_success_at if state else None
        health[job.id] = success.isoformat() if success else None
    return health


# ---------------------------------------------------------------- the scheduler


class Scheduler:
    """APScheduler running every job, in this process, only while it holds the deployment lock."""

    RETRY_SECONDS = 30

    def __init__(self, app: Flask, blocking: bool = True) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.schedulers.blocking import BlockingScheduler

        self.app = app
        # How often a standby asks for the lock (config SCHEDULER_RETRY_SECONDS, for tests).
        self.retry_seconds = app.config.get("SCHEDULER_RETRY_SECONDS") or self.RETRY_SECONDS
        self.lock: Lock | None = None
        self.stopped = threading.Event()
        scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
        self.aps = scheduler_class(
            timezone=BERLIN,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE,
            },
        )

    def acquire(self) -> bool:
        """Become the deployment's scheduler if none is running (within an app context)."""
        with self.app.app_context():
            lock = Lock(SCHEDULER_LOCK)
            if lock.try_(utcnow()):
                self.lock = lock
                return True
            return False

    def wait_for_lock(self) -> bool:
        """Stand by until the running scheduler goes away; False if stopped meanwhile."""
        while not self.stopped.is_set():
            try:
                if self.acquire():
                    return True
                log.info("another scheduler is running; standing by")
            except OperationalError as error:  # a database restart must not end the standby
                log.warning("database unavailable (%s); trying again", error.orig)
            self.stopped.wait(self.retry_seconds)
        return False

    def add_jobs(self) -> None:
        for job in all_jobs():
            self.aps.add_job(
                self._run,
                args=(job,),
                id=job.id,
                name=job.description or job.id,
                replace_existing=True,
                **job.trigger,
            )
        with self.app.app_context():
            renew_every = lease().total_seconds() / 4
        # A SQLite lease lapses unless renewed; an advisory lock lasts as long as its connection,
        # which this checks (after a database restart, a standby may already have taken over).
        self.aps.add_job(
            self._renew_lease,
            "interval",
            seconds=renew_every,
            id="renew_scheduler_lease",
            replace_existing=True,
        )

    def catch_up(self) -> None:
        """Run the interval jobs once at start: whatever fell due while no scheduler ran.

        One after the other in run-jobs order, not all at once in APScheduler's threads: so the
        outbox sends the reminders queued just before it instead of a minute later.
        """
        for job in all_jobs():
            if job.trigger.get("trigger") != "interval":
                continue
            self._renew_lease()  # APScheduler, which renews it later, has not started yet
            if self.stopped.is_set():
                return
            self._run(job)

    def _run(self, job: Job) -> None:
        # run_job logged the failure with its traceback; the next run tries again.
        with contextlib.suppress(Exception):
            run_job(self.app, job)

    def _renew_lease(self) -> None:
        with self.app.app_context():
            if self.lock is not None and not self.lock.renew(utcnow()):
                log.error("lost the scheduler lease; stopping so that only one scheduler runs")
                self.stop()

    def start(self) -> None:
        """Run (blocking, for `flask scheduler`; or in a thread for the in-process mode)."""
        if self.lock is None and not self.wait_for_lock():
            return
        log.info("scheduler started: %s", ", ".join(job.id for job in all_jobs()))
        self.catch_up()
        if self.stopped.is_set():  # stopped while acquiring or catching up
            self._release()
            return
        self.add_jobs()
        self.aps.start()

    def stop(self) -> None:
        self.stopped.set()
        if self.aps.running:
            self.aps.shutdown(wait=False)
        self._release()

    def _release(self) -> None:
        if self.lock is not None:
            with self.app.app_context():
                self.lock.release()
            self.lock = None


def init_app(app: Flask) -> None:
    """SCHEDULER_IN_PROCESS: each serving process offers to run the scheduler on its first
    request; the deployment lock lets one of them, the others stand by. Started by a request,
    never at import or create_app(): so not in CLI commands, not in the reloader's watcher
    process, and not in a gunicorn master before it forks."""
    if not app.config["SCHEDULER_IN_PROCESS"]:
        return
    started = threading.Lock()
    state: dict[str, Scheduler] = {}

    @app.before_request
    def _offer_to_schedule() -> None:
        if "runner" in state or not started.acquire(blocking=False):
            return
        runner = state["runner"] = Scheduler(app, blocking=False)
        threading.Thread(target=runner.start, name="board-scheduler", daemon=True).start()

    app.extensions["board_scheduler"] = state
