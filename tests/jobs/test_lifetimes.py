"""How long a post stays on the board: the town's lifetime per kind and category, the author's
shorter choice, the maximum, events until their end, planned posts from their time on, and the
limit on renewals."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from board.extensions import db
from board.organisations.models import OrganisationKind
from board.posts import services
from board.posts.models import Post, PostKind, PostSource
from board.posts.services import PostingError, PostInput
from board.posts.status import PostStatus
from tests import factories
from tests.jobs.conftest import DAY, fresh, log_in_as


@pytest.fixture
def in_request(app):
    """Services build links for mails, which needs a request (as every caller has)."""
    with app.test_request_context():
        yield


def write(author, category, now, **changes) -> Post:
    """The author sends the posting form; a confirmed account's post goes on the board at once."""
    values = {
        "kind": PostKind.OFFER,
        "category_id": category.id,
        "district_id": None,
        "title": "Rasenmäher zu verleihen",
        "body": "Benzin, mit Fangkorb.",
        **changes,
    }
    post = services.create_post(
        PostInput(**values), author, PostSource.WEB, secrets.token_hex(16), now
    )
    db.session.commit()
    return post


@pytest.mark.parametrize(
    ("kind", "days"), [(PostKind.OFFER, 30), (PostKind.REQUEST, 30), (PostKind.NOTICE, 14)]
)
def test_each_kind_stays_for_the_towns_lifetime(
    app, in_request, clock, poster, categories, kind, days
):
    post = write(poster, categories["verschenken"], clock.now, kind=kind)

    assert post.status is PostStatus.PUBLISHED
    assert post.expires_at == clock.now + days * DAY


def test_a_category_can_have_a_lifetime_of_its_own(app, in_request, clock, poster, categories):
    app.config["LIFETIME_DAYS_BY_CATEGORY"] = {"verleihen": 10}

    lent = write(poster, categories["verleihen"], clock.now)
    given = write(poster, categories["verschenken"], clock.now)

    assert lent.expires_at == clock.now + 10 * DAY
    assert given.expires_at == clock.now + 30 * DAY


def test_the_authors_shorter_choice_holds_at_creation_and_at_every_renewal(
    app, in_request, clock, poster, categories
):
    post = write(poster, categories["verschenken"], clock.now, lifetime_days=7)
    assert post.expires_at == clock.now + 7 * DAY

    renewed_at = clock.advance(days=6)
    services.renew_post(post, renewed_at)
    db.session.commit()

    assert fresh(post).expires_at == renewed_at + 7 * DAY


def test_a_longer_choice_than_the_towns_is_not_granted(app, in_request, clock, poster, categories):
    post = write(poster, categories["verschenken"], clock.now, lifetime_days=90)

    assert post.expires_at == clock.now + 30 * DAY


@pytest.mark.parametrize(
    ("by_category", "kind", "expected_days"),
    [
        ({}, PostKind.OFFER, 20),  # the kind's 30 days
        ({"verschenken": 45}, PostKind.OFFER, 20),  # the category's 45 days
        ({}, PostKind.NOTICE, 14),  # under the maximum anyway
    ],
)
def test_the_maximum_lifetime_caps_everything(
    app, in_request, clock, poster, categories, by_category, kind, expected_days
):
    app.config["MAX_LIFETIME_DAYS"] = 20
    app.config["LIFETIME_DAYS_BY_CATEGORY"] = by_category

    post = write(poster, categories["verschenken"], clock.now, kind=kind)
    assert post.expires_at == clock.now + expected_days * DAY

    services.renew_post(post, clock.advance(days=19))
    assert post.expires_at == clock.now + expected_days * DAY


def test_an_event_leaves_the_board_when_it_ends(app, in_request, clock, poster, categories):
    start = clock.now + 3 * DAY
    end = start + timedelta(hours=4)

    post = write(
        poster,
        categories["veranstaltungen"],
        clock.now,
        kind=PostKind.EVENT,
        event_start_at=start,
        event_end_at=end,
    )

    assert post.expires_at == end


def test_an_event_without_an_end_leaves_a_day_after_it_began(
    app, in_request, clock, poster, categories
):
    start = clock.now + 3 * DAY

    post = write(
        poster, categories["veranstaltungen"], clock.now, kind=PostKind.EVENT, event_start_at=start
    )

    assert post.expires_at == start + DAY


def test_an_event_far_ahead_stays_until_it_ends_whatever_the_maximum(
    app, in_request, clock, poster, categories
):
    start = clock.now + 100 * DAY  # the summer festival, announced in spring

    post = write(
        poster, categories["veranstaltungen"], clock.now, kind=PostKind.EVENT, event_start_at=start
    )

    assert post.expires_at == start + DAY


def test_a_planned_posts_lifetime_counts_from_when_it_appears(app, in_request, clock, categories):
    clerk = factories.user(email="rathaus@example.org", password=None)
    factories.organisation("Gemeinde", OrganisationKind.ADMINISTRATION, members=(clerk,))
    appears = clock.now + 5 * DAY

    post = write(
        clerk, categories["verschenken"], clock.now, kind=PostKind.NOTICE, publish_at=appears
    )

    assert post.status is PostStatus.SCHEDULED
    assert post.published_at == appears
    assert post.expires_at == appears + 14 * DAY


def test_renewals_stop_at_the_maximum_with_a_clear_message(
    app, in_request, clock, poster, categories
):
    app.config["MAX_RENEWALS"] = 2
    post = write(poster, categories["verschenken"], clock.now)
    for _ in range(2):
        services.renew_post(post, clock.advance(days=29))
    db.session.commit()
    last_expiry = post.expires_at

    with pytest.raises(PostingError) as refused:
        services.renew_post(post, clock.advance(days=29))

    assert "schon 2-mal verlängert" in str(refused.value.message)
    assert "neuen" in str(refused.value.message)  # … and what to do instead
    db.session.rollback()
    assert fresh(post).expires_at == last_expiry
    assert fresh(post).renew_count == 2


def test_the_author_is_told_on_the_page_when_renewing_is_no_longer_possible(
    app, client, clock, poster, new_post
):
    app.config["MAX_RENEWALS"] = 1
    post = new_post(renew_count=1, expires_at=clock.now + DAY)
    log_in_as(client, poster)

    page = client.submit(f"/posts/{post.id}/renew", {}, page="/account", follow_redirects=True)

    assert "schon 1-mal verlängert" in page.text
    assert fresh(post).expires_at == clock.now + DAY
