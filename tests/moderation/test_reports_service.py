"""Reports: distinct people count, the same person once, and enough of them hide a post."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from board.extensions import db
from board.mail.models import OutboxMail
from board.moderation.models import Action, ModerationAction, ReportReason
from board.moderation.reports import count_open_reports, report_post, reporter_key
from board.moderation.services import ModerationError
from board.posts.status import PostStatus
from board.timeutil import utcnow

pytestmark = pytest.mark.usefixtures("in_request")


def report(post, key, reason=ReportReason.SPAM, text=""):
    hidden = report_post(post, key, None, reason, text, utcnow())
    db.session.commit()
    return hidden


def test_three_different_people_take_a_post_off_the_board(waiting_post):
    post = waiting_post(status=PostStatus.PUBLISHED)

    assert report(post, "addr:a") is False
    assert report(post, "addr:b") is False
    assert post.status is PostStatus.PUBLISHED
    assert report(post, "user:7") is True

    assert post.status is PostStatus.HIDDEN and post.review_reason == "reports"
    (entry,) = db.session.scalars(select(ModerationAction)).all()
    assert (entry.action, entry.actor_id, entry.details) == (Action.AUTO_HIDE, None, {"reports": 3})
    (mail,) = db.session.scalars(select(OutboxMail)).all()
    assert mail.template == "moderation_hidden"
    assert "ohne dass ein Mensch den Beitrag gelesen hat" in mail.body_text
    assert "/moderation/appeal/" in mail.body_text


def test_the_same_person_counts_once(waiting_post):
    post = waiting_post(status=PostStatus.PUBLISHED)
    report(post, "addr:a")
    for _ in range(3):
        with pytest.raises(ModerationError):
            report(post, "addr:a")
        db.session.rollback()
    assert count_open_reports(post) == 1
    assert post.status is PostStatus.PUBLISHED


def test_the_threshold_is_the_towns_choice(app, waiting_post):
    app.config["MODERATION_REPORTS_TO_HIDE"] = 1
    post = waiting_post(status=PostStatus.PUBLISHED)
    assert report(post, "addr:a") is True


@pytest.mark.parametrize("status", [PostStatus.PENDING, PostStatus.HIDDEN, PostStatus.REJECTED])
def test_a_post_that_is_not_on_the_board_cannot_be_reported(waiting_post, status):
    post = waiting_post(status=status)
    with pytest.raises(ModerationError):
        report(post, "addr:a")


def test_a_report_keeps_the_text_as_typed(waiting_post):
    post = waiting_post(status=PostStatus.PUBLISHED)
    report(post, "addr:a", ReportReason.OTHER, "<script>alert(1)</script> Betrug!")
    from board.moderation.models import Report

    assert db.session.scalars(select(Report.text)).one() == "<script>alert(1)</script> Betrug!"


def test_reporters_are_told_apart_without_keeping_their_address(app, resident):
    first = reporter_key(None, "203.0.113.7")
    assert first == reporter_key(None, "203.0.113.7")
    assert first != reporter_key(None, "203.0.113.8")
    assert "203.0.113.7" not in first
    resident.is_authenticated  # noqa: B018  (a logged-in person counts by account)
    assert reporter_key(resident, "203.0.113.7") == f"user:{resident.id}"


def test_a_scheduled_post_whose_time_has_come_is_hidden_by_reports_like_a_published_one(
    waiting_post,
):
    from datetime import timedelta

    post = waiting_post(status=PostStatus.SCHEDULED, published_at=utcnow() - timedelta(minutes=5))
    for key in ("addr:a", "addr:b", "addr:c"):
        report(post, key)

    assert post.status is PostStatus.HIDDEN
    entry = db.session.scalars(select(ModerationAction)).one()
    assert entry.from_status == "scheduled"
