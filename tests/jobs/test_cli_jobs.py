"""`flask --app board run-jobs`, for cron: every job once, each result printed, an exit code cron
can act on; a failing job does not stop the others; no database, a clear message."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from board import create_app
from board import scheduler as scheduler_module
from board.extensions import db
from board.scheduler import Job, Lock, all_jobs
from board.timeutil import utcnow
from tests import factories
from tests.conftest import free_port
from tests.jobs.sched_helpers import state_of, statuses


def due_work() -> tuple[int, str]:
    """A post past its expiry, and one whose reminder is due; returns (expired id, author)."""
    now = utcnow()
    expired = factories.post(
        title="Gartenschlauch", published_at=now - timedelta(days=30), expires_at=now
    )
    author = "bernd@example.org"
    factories.post(
        title="Nähmaschine zu verleihen",
        author=factories.user(email=author, password=None),
        published_at=now - timedelta(days=20),
        expires_at=now + timedelta(days=1),
    )
    db.session.commit()
    expired_id = expired.id
    db.session.commit()
    return expired_id, author


def test_run_jobs_runs_every_job_once_prints_each_result_and_exits_0(app, runner, mailbox):
    expired_id, author = due_work()

    result = runner.invoke(args=["run-jobs"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split(":")[0] for line in lines] == [job.id for job in all_jobs()]
    assert "expire_posts: 1 expired" in lines
    assert "send_reminders: 1 reminders" in lines
    assert "send_outbox: 1 sent" in lines  # the reminder went out in the same run
    assert statuses(expired_id) == ["expired"]
    assert len(mailbox.sent_to(author)) == 1
    for job in all_jobs():
        state = state_of(job.id)
        assert state is not None and state.last_success_at is not None, job.id


def test_run_jobs_every_minute_does_each_thing_once(app, runner, mailbox):
    expired_id, author = due_work()
    runner.invoke(args=["run-jobs"])

    again = runner.invoke(args=["run-jobs"])

    assert again.exit_code == 0, again.output
    assert "expire_posts: 0 expired" in again.output
    assert "send_reminders: 0 reminders" in again.output
    assert "send_outbox: 0 sent" in again.output
    assert len(mailbox.sent_to(author)) == 1


def fails(now: datetime) -> str:
    raise RuntimeError("Festplatte voll")


def test_a_failing_job_makes_run_jobs_fail_but_the_others_still_run(
    app, runner, mailbox, monkeypatch
):
    expired_id, author = due_work()
    jobs = list(all_jobs())
    jobs.insert(1, Job("broken", fails))  # early: the jobs after it must still run
    monkeypatch.setattr(scheduler_module, "all_jobs", lambda: tuple(jobs))

    result = runner.invoke(args=["run-jobs"])

    assert result.exit_code != 0
    assert "broken: failed: Festplatte voll" in result.output
    assert "some jobs failed" in result.output
    assert "expire_posts: 1 expired" in result.output
    assert "send_outbox: 1 sent" in result.output
    assert statuses(expired_id) == ["expired"]
    assert len(mailbox.sent_to(author)) == 1
    assert state_of("broken").last_error == "RuntimeError: Festplatte voll"


def test_run_jobs_skips_a_job_the_scheduler_is_running_and_still_exits_0(app, runner):
    """cron and a scheduler both configured: safe, the job runs in one of them."""
    expired_id, _ = due_work()
    scheduler_runs_it = Lock("job:expire_posts")
    assert scheduler_runs_it.try_(utcnow())
    try:
        result = runner.invoke(args=["run-jobs"])
    finally:
        scheduler_runs_it.release()

    assert result.exit_code == 0, result.output
    assert "expire_posts: skipped: running elsewhere" in result.output
    assert statuses(expired_id) == ["published"]  # the scheduler's run will do it


@pytest.fixture(params=["sqlite", "postgresql"])
def unreachable_database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/no-such-folder/board.sqlite3"
    return f"postgresql+psycopg://board@127.0.0.1:{free_port()}/board"


def test_run_jobs_without_a_database_says_so_clearly_and_fails(unreachable_database):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": unreachable_database})

    result = app.test_cli_runner().invoke(args=["run-jobs"])

    assert result.exit_code != 0
    assert "database unavailable" in result.output
    assert "Traceback" not in result.output
    # One message, not one failure per job.
    assert "expire_posts" not in result.output
    with app.app_context():
        db.engine.dispose()


def test_cron_every_minute_runs_the_nightly_jobs_about_once_a_day(app):
    from datetime import timedelta

    from board.scheduler import run_all_due
    from board.timeutil import utcnow

    now = utcnow()
    first = run_all_due(app, now)
    again = run_all_due(app, now + timedelta(minutes=1))
    next_day = run_all_due(app, now + timedelta(hours=21))

    assert first["purge_old_posts"] == "0 purged"
    assert first["refresh_statistics"] == "statistics refreshed"
    assert again["purge_old_posts"].startswith("not due")
    assert again["refresh_statistics"].startswith("not due")
    assert again["expire_posts"] == "0 expired"  # the every-minute jobs still run
    assert next_day["purge_old_posts"] == "0 purged"
