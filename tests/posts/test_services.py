"""The posting rules on their own, with the clock in the test's hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from board.extensions import db
from board.mail.models import OutboxMail
from board.posts import services
from board.posts.models import Post, PostKind, PostSource
from board.posts.services import EventTimeError, PostingError, PostInput, check_event_times
from board.posts.status import PostStatus
from tests import factories

NOW = datetime(2027, 5, 10, 9, 30, tzinfo=UTC)


@pytest.fixture
def in_request(app):
    """Services build links for mails, which needs a request (as every caller has)."""
    with app.test_request_context():
        yield


def data(category_id: int, **changes) -> PostInput:
    values = {
        "kind": PostKind.OFFER,
        "category_id": category_id,
        "district_id": None,
        "title": "Rasenmäher zu verleihen",
        "body": "Benzin, mit Fangkorb.",
        **changes,
    }
    return PostInput(**values)


# ---------------------------------------------------------------- event times


@pytest.mark.parametrize(
    ("start", "end", "field", "words"),
    [
        (None, None, "start", "wann die Veranstaltung beginnt"),
        (NOW - timedelta(minutes=1), None, "start", "Vergangenheit"),
        (NOW + timedelta(days=2 * 365 + 1), None, "start", "zwei Jahre"),
        (NOW + timedelta(days=1), NOW + timedelta(days=1), "end", "nach dem Beginn"),
        (NOW + timedelta(days=1), NOW + timedelta(hours=2), "end", "nach dem Beginn"),
        (NOW + timedelta(days=1), NOW + timedelta(days=400), "end", "ein Jahr"),
    ],
)
def test_event_times_that_cannot_be_right_are_refused(start, end, field, words):
    with pytest.raises(EventTimeError) as refused:
        check_event_times(start, end, NOW)

    assert refused.value.field == field
    assert words in str(refused.value.message)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (NOW, None),  # starting right now
        (NOW + timedelta(hours=1), NOW + timedelta(hours=3)),
        (NOW + timedelta(days=700), None),
    ],
)
def test_sensible_event_times_pass(start, end):
    check_event_times(start, end, NOW)


def test_an_event_under_way_keeps_its_start_but_must_not_be_over():
    started = NOW - timedelta(days=1)

    check_event_times(started, NOW + timedelta(days=2), NOW, keep_start=started)
    with pytest.raises(EventTimeError):
        check_event_times(started - timedelta(hours=1), NOW + timedelta(days=2), NOW, started)
    with pytest.raises(EventTimeError) as over:
        check_event_times(started, NOW - timedelta(hours=1), NOW, keep_start=started)
    assert "schon vorbei" in str(over.value.message)


# ---------------------------------------------------------------- creating and confirming


def test_a_confirmed_account_publishes_at_once_for_the_kinds_lifetime(app, in_request):
    author = factories.user(password=None)
    category = factories.category()

    post = services.create_post(data(category.id), author, PostSource.WEB, "k" * 32, NOW)

    assert post.status is PostStatus.PUBLISHED
    assert post.published_at == NOW
    assert post.expires_at == NOW + timedelta(days=app.config["LIFETIME_DAYS"]["offer"])
    assert db.session.scalars(select(OutboxMail)).all() == []


def test_every_post_takes_its_status_from_one_place(app, in_request):
    post = factories.post(status=PostStatus.DRAFT)

    assert services.status_on_submission(post, NOW) is PostStatus.PUBLISHED


def test_a_guest_post_is_a_draft_with_a_confirmation_mail_queued(app, in_request):
    guest = services.guest_author("gast@example.org", "de", NOW)
    category = factories.category()

    post = services.create_post(data(category.id), guest, PostSource.GUEST, "g" * 32, NOW)

    assert post.status is PostStatus.DRAFT
    assert post.published_at is None
    assert guest.registered_at is None
    mail = db.session.scalars(select(OutboxMail)).one()
    assert mail.to_address == "gast@example.org"
    assert f"/posts/{post.id}/confirm/" in mail.body_text
    assert f"/posts/{post.id}/manage/" in mail.body_text


def test_confirming_publishes_once_and_counts_the_lifetime_from_then(app, in_request):
    guest = services.guest_author("gast@example.org", "de", NOW)
    post = services.create_post(
        data(factories.category().id), guest, PostSource.GUEST, "g" * 32, NOW
    )
    later = NOW + timedelta(days=2)

    assert services.confirm_post(post, later) is True
    assert services.confirm_post(post, later + timedelta(hours=1)) is False
    assert post.published_at == later
    assert post.expires_at == later + timedelta(days=30)
    assert guest.email_confirmed_at == later


def test_an_event_expires_when_it_ends_or_a_day_after_it_starts(app, in_request):
    author = factories.user(password=None)
    category = factories.category()
    start = NOW + timedelta(days=5)

    with_end = services.create_post(
        data(
            category.id,
            kind=PostKind.EVENT,
            event_start_at=start,
            event_end_at=start + timedelta(hours=4),
        ),
        author,
        PostSource.WEB,
        "e" * 32,
        NOW,
    )
    without_end = services.create_post(
        data(category.id, kind=PostKind.EVENT, event_start_at=start),
        author,
        PostSource.WEB,
        "f" * 32,
        NOW,
    )

    assert with_end.expires_at == start + timedelta(hours=4)
    assert without_end.expires_at == start + timedelta(days=1)


# ---------------------------------------------------------------- editing, closing, renewing


def test_an_event_that_becomes_an_offer_gets_an_offers_lifetime(app, in_request):
    event = factories.post(
        kind=PostKind.EVENT,
        event_start_at=NOW + timedelta(days=3),
        expires_at=NOW + timedelta(days=4),
    )

    services.update_post(event, data(event.category_id, kind=PostKind.OFFER), NOW)

    assert event.event_start_at is None
    assert event.expires_at == NOW + timedelta(days=30)
    assert event.updated_at == NOW


def test_a_post_off_the_board_cannot_be_edited(app, in_request):
    author = factories.user(password=None)
    for status in (PostStatus.CLOSED, PostStatus.EXPIRED, PostStatus.REMOVED, PostStatus.REJECTED):
        post = factories.post(status=status, author=author)

        with pytest.raises(PostingError):
            services.update_post(post, data(post.category_id, title="Neu"), NOW)
        assert post.title == "Kinderwagen zu verschenken"


def test_closing_is_done_once(app):
    post = factories.post()

    assert services.close_post(post, NOW) is True
    assert services.close_post(post, NOW + timedelta(hours=1)) is False
    assert (post.status, post.closed_at) == (PostStatus.CLOSED, NOW)


def test_a_removed_post_cannot_be_closed(app):
    post = factories.post(status=PostStatus.REMOVED)

    with pytest.raises(PostingError):
        services.close_post(post, NOW)


def test_renewing_counts_from_now_and_brings_a_post_back(app):
    post = factories.post(status=PostStatus.EXPIRED, expires_at=NOW - timedelta(days=1))

    services.renew_post(post, NOW)

    assert post.status is PostStatus.PUBLISHED
    assert post.expires_at == NOW + timedelta(days=30)
    assert post.renew_count == 1


def test_renewals_stop_at_the_limit(app):
    app.config["MAX_RENEWALS"] = 1
    post = factories.post()
    services.renew_post(post, NOW)

    with pytest.raises(PostingError):
        services.renew_post(post, NOW + timedelta(days=1))
    assert post.renew_count == 1


ACTIONS = [
    (PostStatus.PUBLISHED, PostKind.OFFER, {"edit", "close", "renew"}),
    (PostStatus.DRAFT, PostKind.OFFER, {"edit", "close"}),
    (PostStatus.EXPIRED, PostKind.REQUEST, {"close", "renew"}),
    (PostStatus.CLOSED, PostKind.OFFER, {"renew"}),
    (PostStatus.PUBLISHED, PostKind.EVENT, {"edit", "close"}),
    (PostStatus.REMOVED, PostKind.OFFER, set()),
]


def test_what_an_author_may_do_depends_on_the_post(app):
    for status, kind, actions in ACTIONS:
        post = Post(status=status, kind=kind, renew_count=0)
        assert services.allowed_actions(post) == actions, (status, kind)


def test_a_management_token_opens_only_its_own_post(app):
    author = factories.user(password=None)
    post, other = factories.post(author=author), factories.post(author=author)
    token = services.manage_token(post)

    assert services.manage_token_valid(post, token)
    assert not services.manage_token_valid(other, token)
    assert not services.manage_token_valid(post, services.confirm_token(post))
    assert not services.manage_token_valid(post, token + "x")
    post.manage_secret = "neu"
    assert not services.manage_token_valid(post, token)
