"""The moderators' summary mail, so nobody has to keep checking the site.

Driven by the time of the last summary (JobState), so running the job every minute, twice, or
late after downtime sends each summary once.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from flask import current_app, url_for
from sqlalchemy import select

from board.accounts.models import Role, User
from board.extensions import db
from board.jobs.models import JobState
from board.mail.services import queue_mail
from board.moderation.queries import QueueCounts, queue_counts
from board.security import external_url
from board.timeutil import BERLIN

log = logging.getLogger(__name__)
JOB = "moderation_digest"


def send_digest_if_due(now: datetime) -> int:
    """Mail every moderator what waits, if the configured rhythm says it is time; mails sent."""
    state = db.session.get(JobState, JOB, with_for_update=True) or JobState(name=JOB)
    counts = queue_counts(now)
    if not digest_due(current_app.config, counts, state.last_success_at, now):
        return 0
    moderators = list(
        db.session.scalars(
            select(User).where(
                User.role.in_([Role.MODERATOR, Role.ADMIN]), User.is_suspended.is_(False)
            )
        )
    )
    queue_url = external_url(url_for("moderation.queue"))
    for moderator in moderators:
        queue_mail(
            moderator.email,
            "moderation_digest",
            locale=moderator.locale,
            counts=counts,
            queue_url=queue_url,
        )
    state.last_started_at = state.last_success_at = now
    state.last_result = f"{counts.total} waiting, {len(moderators)} moderators told"
    db.session.add(state)
    log.info("moderation digest: %s", state.last_result)
    return len(moderators)


def digest_due(
    config: dict, counts: QueueCounts, last_sent: datetime | None, now: datetime
) -> bool:
    """Whether a summary is due: never for an empty queue, else by the town's rhythm."""
    rhythm = config["MODERATION_DIGEST"]
    if rhythm == "off" or counts.total == 0:
        return False
    if rhythm == "daily":
        today = now.astimezone(BERLIN).date()
        send_from = datetime.combine(today, time(config["MODERATION_DIGEST_HOUR"]), BERLIN)
        return now >= send_from and (last_sent is None or last_sent < send_from)
    # "stale": something has waited too long, and moderators were not told within that time.
    patience = timedelta(hours=config["MODERATION_DIGEST_STALE_HOURS"])
    oldest = counts.oldest_waiting_since
    waited_too_long = oldest is not None and now - oldest >= patience
    return waited_too_long and (last_sent is None or now - last_sent >= patience)
