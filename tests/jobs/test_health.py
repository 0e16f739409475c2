"""/healthz for a load balancer and the town's admin: whether the database answers, and when each
job last succeeded, so a scheduler that stopped is seen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from board import create_app
from board.extensions import db
from board.scheduler import Job, all_jobs, run_job
from tests.conftest import free_port
from tests.jobs.sched_helpers import counting_job, state_of

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def test_healthz_lists_every_job_with_no_success_before_the_first_run(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok", "jobs": {job.id: None for job in all_jobs()}}


def test_healthz_shows_when_each_job_last_succeeded(app, client, runner):
    assert runner.invoke(args=["run-jobs"]).exit_code == 0

    jobs = client.get("/healthz").json["jobs"]

    assert set(jobs) == {job.id for job in all_jobs()}
    for job_id, last_success in jobs.items():
        state = state_of(job_id)
        assert last_success == state.last_success_at.isoformat(), job_id
        assert datetime.fromisoformat(last_success).utcoffset() == timedelta(0)  # UTC


def test_healthz_keeps_a_failing_jobs_last_success_so_it_looks_older_and_older(app, client):
    job, _ = counting_job("send_outbox")
    run_job(app, job, now=NOW)
    before = client.get("/healthz").json["jobs"]["send_outbox"]
    assert before is not None

    def smtp_down(now: datetime) -> str:
        raise ConnectionRefusedError("SMTP")

    with pytest.raises(ConnectionRefusedError):
        run_job(app, Job("send_outbox", smtp_down), now=NOW + timedelta(hours=1))

    assert client.get("/healthz").json["jobs"]["send_outbox"] == before


@pytest.fixture(params=["sqlite", "postgresql"])
def app_without_database(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/no-such-folder/board.sqlite3"
    else:
        url = f"postgresql+psycopg://board@127.0.0.1:{free_port()}/board"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_healthz_answers_503_when_the_database_is_down(app_without_database):
    response = app_without_database.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.json == {"status": "unavailable"}


def test_health_says_unavailable_before_the_schema_exists(app, client):
    from board.extensions import db

    db.drop_all()
    try:
        answer = client.get("/healthz")
        assert answer.status_code == 503
        assert answer.json == {"status": "unavailable"}
    finally:
        db.create_all()
