"""Helpers for the jobs' tests: a clock the whole board reads, jobs run as the scheduler runs them,
and the posting tests' people and categories."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from board.extensions import db
from board.mail.models import OutboxMail
from board.posts.models import Post
from board.scheduler import all_jobs, run_job
from tests.conftest import BASE_URL, Clock
from tests.posts.conftest import (  # noqa: F401  (fixtures used by the tests here)
    POSTER_EMAIL,
    categories,
    districts,
    log_in_as,
    new_post,
    other_client,
    poster,
)

DAY = timedelta(days=1)


def run(app: Flask, job_id: str, now: datetime) -> str:
    """Run one job as the scheduler does (its own app context, lock and JobState) at `now`."""
    db.session.commit()  # what the test wrote is there for the job, and holds no lock
    job = next(job for job in all_jobs() if job.id == job_id)
    result = run_job(app, job, now=now)
    db.session.expire_all()  # read what the job wrote
    return result


def at_once(
    app: Flask, work: Callable[[datetime], str], now: datetime, count: int = 2
) -> list[str]:
    """Run `work(now)` in `count` threads started together, each with contexts of its own, as
    two scheduler processes would (a POST request context: jobs write, and build mail links)."""
    db.session.commit()
    start = threading.Barrier(count)
    results: list[str] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            with app.test_request_context("/", base_url=BASE_URL, method="POST"):
                start.wait()
                result = work(now)
                db.session.commit()
                results.append(result)
        except BaseException as error:  # noqa: BLE001  (reported by the test)
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    db.session.expire_all()
    return sorted(results)


def fresh(post: Post) -> Post:
    """The post as the database holds it now."""
    db.session.expire_all()
    found = db.session.get(Post, post.id)
    assert found is not None
    return found


def queued_mails() -> list[OutboxMail]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxMail).order_by(OutboxMail.id)))


@pytest.fixture
def offer_in(new_post: Callable[..., Post], clock: Clock) -> Callable[..., Post]:  # noqa: F811
    """A published offer that went on the board at `published_at` and leaves after `days`."""

    def make(
        title: str = "Kinderwagen zu verschenken",
        published_at: datetime | None = None,
        days: float = 30,
        **fields: Any,
    ) -> Post:
        start = published_at or clock.now
        return new_post(
            title=title,
            published_at=start,
            expires_at=start + timedelta(days=days),
            created_at=start,
            status_changed_at=start,
            **fields,
        )

    return make
