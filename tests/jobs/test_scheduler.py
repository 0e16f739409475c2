"""One job run (run_job) and the scheduler around it: what is recorded, what a crash leaves
behind, APScheduler's settings, exactly one scheduler per deployment, the in-process mode."""

from __future__ import annotations

import importlib.metadata
import logging
import signal
import threading
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from packaging.version import Version

from board import create_app
from board.extensions import db
from board.posts.jobs import expire_posts
from board.posts.models import Post
from board.scheduler import MISFIRE_GRACE, Job, Scheduler, all_jobs, run_job
from board.timeutil import BERLIN, utcnow
from tests import factories
from tests.jobs.sched_helpers import (
    SchedulerProcess,
    counting_job,
    on_postgresql,
    post_now,
    scheduler_env,
    state_of,
    statuses,
    wait_until,
)

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=BERLIN).astimezone(UTC)


def expired_post(title: str = "Rasenmäher zu verleihen", at: datetime = NOW) -> Post:
    """A post whose time ran out an hour before `at` (the board no longer shows it)."""
    post = factories.post(
        title=title,
        published_at=at - timedelta(days=30),
        expires_at=at - timedelta(hours=1),
    )
    db.session.commit()
    return post


# ---------------------------------------------------------------- one run, recorded


def test_a_job_run_is_recorded_with_its_start_success_and_result(app):
    job, runs = counting_job()

    result = run_job(app, job, now=NOW)

    assert result == "run 1"
    assert runs == [NOW]
    state = state_of("count_runs")
    assert state is not None
    assert state.last_started_at == NOW
    assert state.last_success_at is not None
    assert state.last_result == "run 1"
    assert state.last_error is None


def test_a_job_runs_inside_an_app_and_request_context_with_the_configured_base_url(app):
    from flask import url_for

    seen = {}

    def run(now: datetime) -> str:
        seen["url"] = url_for("site.healthz", _external=True)
        return "ok"

    run_job(app, Job("build_a_link", run), now=NOW)

    assert seen["url"] == "http://board.test/healthz"


def test_a_failing_job_records_its_error_and_keeps_the_last_success(app):
    job, _ = counting_job("flaky")
    run_job(app, job, now=NOW)
    first_success = state_of("flaky").last_success_at

    def broken(now: datetime) -> str:
        raise RuntimeError("SMTP-Server antwortet nicht")

    with pytest.raises(RuntimeError):
        run_job(app, Job("flaky", broken), now=NOW + timedelta(minutes=1))

    state = state_of("flaky")
    assert state.last_started_at == NOW + timedelta(minutes=1)
    assert state.last_success_at == first_success
    assert state.last_error == "RuntimeError: SMTP-Server antwortet nicht"
    assert state.last_result == "run 1"  # what the last good run did


def test_a_job_killed_in_the_middle_changes_nothing_and_the_restart_does_it_once(app):
    """A crash after the job changed rows but before it committed: nothing of it stays; the
    next run (after a restart) does the whole work, and a further run finds nothing to do."""
    first, second = expired_post("Bohrmaschine"), expired_post("Leiter")
    calls = []

    def crashing_expire(now: datetime) -> str:
        calls.append(now)
        result = expire_posts(now)
        if len(calls) == 1:
            raise SystemError("Prozess beendet")  # the rows above were changed, not committed
        return result

    job = Job("expire_posts", crashing_expire)

    with pytest.raises(SystemError):
        run_job(app, job, now=NOW)
    assert statuses(first.id, second.id) == ["published", "published"]
    assert "Prozess beendet" in state_of("expire_posts").last_error

    assert run_job(app, job, now=NOW + timedelta(minutes=1)) == "2 expired"
    assert statuses(first.id, second.id) == ["expired", "expired"]
    changed_at = post_now(first.id).status_changed_at

    assert run_job(app, job, now=NOW + timedelta(minutes=2)) == "0 expired"
    assert post_now(first.id).status_changed_at == changed_at
    state = state_of("expire_posts")
    assert state.last_error is None
    assert state.last_result == "0 expired"


def test_a_job_run_is_logged_with_what_it_changed(app, caplog):
    expired_post()
    job = next(j for j in all_jobs() if j.id == "expire_posts")

    with caplog.at_level(logging.INFO, logger="board.jobs"):
        run_job(app, job, now=NOW)

    assert "job expire_posts: 1 expired" in caplog.text


# ---------------------------------------------------------------- APScheduler's settings


def test_apscheduler_is_a_release_without_the_cron_clock_change_bugs():
    version = Version(importlib.metadata.version("APScheduler"))
    assert Version("3.11.2") <= version < Version("4")


@pytest.fixture
def paused_scheduler(app):
    """The in-process kind of Scheduler, its jobs added and the scheduler started paused: the
    jobs are in APScheduler's store with every default applied, and none runs."""
    runner = Scheduler(app, blocking=False)
    runner.add_jobs()
    runner.aps.start(paused=True)
    yield runner
    runner.aps.shutdown(wait=False)


def test_apscheduler_defaults_do_not_drop_late_runs_nor_stack_them(paused_scheduler):
    for job in paused_scheduler.aps.get_jobs():
        assert job.coalesce is True, job.id  # a backlog after downtime becomes one run
        assert job.max_instances == 1, job.id  # never the same job twice at once
        assert job.misfire_grace_time >= 3600, job.id  # late runs still run
    assert MISFIRE_GRACE >= 3600


def test_every_job_is_scheduled_under_its_own_id(paused_scheduler):
    scheduled = {job.id: job for job in paused_scheduler.aps.get_jobs()}
    for job in all_jobs():
        assert job.id in scheduled, job.id
        assert scheduled[job.id].args[0] == job
    # The deployment lock is checked while the scheduler lives (a lease, or the connection).
    assert "renew_scheduler_lease" in scheduled


def test_adding_the_jobs_again_replaces_them_instead_of_failing_or_doubling(paused_scheduler):
    before = sorted(job.id for job in paused_scheduler.aps.get_jobs())

    paused_scheduler.add_jobs()

    assert sorted(job.id for job in paused_scheduler.aps.get_jobs()) == before


def test_nightly_jobs_run_at_berlin_time_and_the_others_at_intervals(paused_scheduler):
    for job in paused_scheduler.aps.get_jobs():
        if job.id.startswith("purge_") or job.id == "refresh_statistics":
            assert isinstance(job.trigger, CronTrigger), job.id
            assert str(job.trigger.timezone) == "Europe/Berlin"
            # 03:30 in Berlin both in winter (UTC+1) and in summer (UTC+2).
            winter = job.trigger.get_next_fire_time(None, datetime(2026, 1, 10, tzinfo=BERLIN))
            summer = job.trigger.get_next_fire_time(None, datetime(2026, 7, 10, tzinfo=BERLIN))
            assert (winter.hour, winter.minute, winter.utcoffset()) == (3, 30, timedelta(hours=1))
            assert (summer.hour, summer.minute, summer.utcoffset()) == (3, 30, timedelta(hours=2))
        else:
            assert isinstance(job.trigger, IntervalTrigger), job.id


def test_the_scheduler_itself_runs_in_berlin_time(paused_scheduler):
    assert str(paused_scheduler.aps.timezone) == "Europe/Berlin"


# ---------------------------------------------------------------- exactly one scheduler


def reminder_due_post(email: str) -> Post:
    """A post by `email` that expires in two days: its reminder (three days ahead) is due."""
    now = utcnow()
    post = factories.post(
        title=f"Kinderwagen von {email}",
        author=factories.user(email=email, password=None),
        published_at=now - timedelta(days=25),
        expires_at=now + timedelta(days=2),
    )
    db.session.commit()
    return post


@pytest.fixture
def two_schedulers(app, database_url, smtp_server, tmp_path):
    """Starts `flask --app board scheduler` processes against the test's database; kills all."""
    _, mail_port = smtp_server
    config_file = tmp_path / "board.cfg"
    # Short waits so that a takeover fits into a test; production keeps the defaults.
    config_file.write_text("SCHEDULER_RETRY_SECONDS = 1\nSCHEDULER_LEASE_SECONDS = 4\n")
    env = scheduler_env(database_url, mail_port, config_file)
    started: list[SchedulerProcess] = []

    def start() -> SchedulerProcess:
        process = SchedulerProcess(env)
        started.append(process)
        return process

    db.session.commit()
    try:
        yield start
    finally:
        for process in started:
            process.kill()


def test_two_scheduler_processes_do_each_job_once_and_the_standby_takes_over(
    app, mailbox, two_schedulers
):
    """Issue 4's acceptance: two `scheduler` processes against one database. One runs the jobs,
    the other stands by; every reminder goes out once, every post expires once; when the active
    one is killed with -9, the standby takes over and does nothing twice."""
    authors = [f"anna{i}@example.org" for i in range(2)]
    for author in authors:
        reminder_due_post(author)
    ids = [expired_post(f"Sofa {i}", at=utcnow()).id for i in range(2)]
    db.session.commit()  # reading the ids began a transaction: on SQLite it holds the write lock

    first, second = two_schedulers(), two_schedulers()

    wait_until(
        lambda: len(mailbox.messages) >= 2 and statuses(*ids) == ["expired", "expired"],
        timeout=20,
        what=lambda: f"reminders mailed and posts expired\n{first.log}\n---\n{second.log}",
    )
    wait_until(
        lambda: first.logged("standing by") or second.logged("standing by"),
        timeout=10,
        what="one scheduler standing by",
    )
    active, standby = (first, second) if first.logged("scheduler started") else (second, first)
    assert active.logged("scheduler started"), active.log
    assert not standby.logged("scheduler started"), standby.log
    assert standby.logged("another scheduler is running; standing by")
    # Wait until the active one's first runs are done, then check each effect happened once.
    wait_until(lambda: state_of("send_outbox") is not None, timeout=10, what="outbox ran")
    for author in authors:
        assert len(mailbox.sent_to(author)) == 1
    expired_at = [post_now(i).status_changed_at for i in ids]

    killed_at = utcnow()
    active.kill()
    # PostgreSQL frees the dead connection's advisory lock at once; a SQLite lease runs out.
    limit = 1 + 3 if on_postgresql() else 4 + 1 + 3
    took = wait_until(
        lambda: standby.logged("scheduler started"),
        timeout=limit,
        what=lambda: f"standby takes over\n{standby.log}",
    )
    assert took <= limit
    # The new scheduler catches up on start; when its outbox run is done, nothing came twice.
    wait_until(
        lambda: (
            (s := state_of("send_outbox")).last_success_at is not None
            and s.last_started_at >= killed_at
        ),
        timeout=15,
        what="the standby's first runs",
    )
    assert state_of("expire_posts").last_result == "0 expired"
    assert state_of("send_reminders").last_result == "0 reminders"
    assert [post_now(i).status_changed_at for i in ids] == expired_at
    assert len(mailbox.messages) == 2
    for author in authors:
        assert len(mailbox.sent_to(author)) == 1


# ---------------------------------------------------------------- in-process mode


@pytest.fixture
def in_process_apps(app, app_config):
    """Two serving processes' apps ("workers") with SCHEDULER_IN_PROCESS on the test database."""
    made = [
        create_app({**app_config, "SCHEDULER_IN_PROCESS": True, "SCHEDULER_RETRY_SECONDS": 0.2})
        for _ in range(2)
    ]
    db.session.commit()
    yield made
    for worker in made:
        runner = worker.extensions["board_scheduler"].get("runner")
        if runner is not None:
            runner.stop()
    for thread in threading.enumerate():
        if thread.name == "board-scheduler":
            thread.join(timeout=10)
    for worker in made:
        with worker.app_context():
            db.engine.dispose()


def scheduler_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "board-scheduler"]


def test_in_process_scheduler_starts_on_the_first_request_not_at_create_app_or_in_cli(
    in_process_apps,
):
    worker, _ = in_process_apps
    worker.test_cli_runner().invoke(args=["create-user", "admin@example.org"])
    assert worker.extensions["board_scheduler"] == {}
    assert scheduler_threads() == []

    worker.test_client().get("/healthz")

    runner = worker.extensions["board_scheduler"]["runner"]
    wait_until(lambda: runner.aps.running, timeout=10, what="the scheduler runs")
    assert runner.lock is not None


def test_in_process_scheduler_starts_once_per_process_and_a_second_worker_stands_by(
    in_process_apps, caplog
):
    caplog.set_level(logging.INFO, logger="board.jobs")
    first, second = in_process_apps
    first.test_client().get("/")
    active = first.extensions["board_scheduler"]["runner"]
    wait_until(lambda: active.aps.running, timeout=10, what="the first worker schedules")

    for _ in range(3):
        first.test_client().get("/healthz")
        second.test_client().get("/healthz")

    assert first.extensions["board_scheduler"]["runner"] is active
    standby = second.extensions["board_scheduler"]["runner"]
    wait_until(lambda: "standing by" in caplog.text, timeout=10, what="the second worker stands by")
    assert not standby.aps.running and standby.lock is None
    assert len(scheduler_threads()) <= 2  # one per worker at most (the first may be done)

    # The first worker stops (a restart, a deploy): the second takes over.
    active.stop()
    wait_until(lambda: standby.aps.running, timeout=10, what="the second worker takes over")
    assert standby.lock is not None


def test_without_in_process_mode_requests_never_start_a_scheduler(client):
    for _ in range(2):
        client.get("/healthz")

    assert scheduler_threads() == []
    assert "board_scheduler" not in client.application.extensions


def test_stopping_a_scheduler_with_sigterm_frees_the_lock_for_the_standby(app, two_schedulers):
    """`systemctl stop` or a container stop: the scheduler ends cleanly and gives up its lock at
    once, so a standby takes over after one retry, not after a lease runs out."""
    active = two_schedulers()
    wait_until(lambda: active.logged("scheduler started"), 15, lambda: active.log)
    standby = two_schedulers()
    wait_until(lambda: standby.logged("standing by"), 15, lambda: standby.log)

    active.proc.send_signal(signal.SIGTERM)

    assert active.proc.wait(timeout=10) == 0
    took = wait_until(lambda: standby.logged("scheduler started"), 5, lambda: standby.log)
    assert took <= 1 + 3  # one retry (1 s here) and a start


def test_a_standby_survives_a_database_outage_and_takes_over_when_it_is_back(tmp_path, caplog):
    """A database restart must not end the standby scheduler: it waits and tries again."""
    caplog.set_level(logging.INFO, logger="board.jobs")
    folder = tmp_path / "not-yet"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/board.sqlite3",
            "SCHEDULER_RETRY_SECONDS": 0.1,
        }
    )
    standby = Scheduler(app, blocking=False)
    outcome: list[bool] = []
    waiting = threading.Thread(target=lambda: outcome.append(standby.wait_for_lock()))
    waiting.start()
    try:
        wait_until(lambda: "database unavailable" in caplog.text, 10, "the outage logged")
        assert waiting.is_alive()

        folder.mkdir()  # the database is back
        with app.app_context():
            db.create_all()
        waiting.join(timeout=10)
        assert outcome == [True]
    finally:
        standby.stop()
        waiting.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
