"""Old personal data disappears: posts long off the board lose their text and author (the town
keeps its counts), unconfirmed drafts and addresses go, and old mails are deleted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from board.accounts.models import Role, User
from board.extensions import db
from board.mail.models import MailStatus, OutboxMail
from board.moderation.models import Action, ModerationAction, Report, ReportReason
from board.organisations.models import Membership
from board.posts import services
from board.posts.models import Post, PostKind
from board.posts.status import PostStatus
from tests import factories
from tests.jobs.conftest import DAY, fresh, log_in_as, run

FINISHED = [PostStatus.EXPIRED, PostStatus.CLOSED, PostStatus.REJECTED, PostStatus.REMOVED]


@pytest.fixture
def old_post(new_post, clock, districts):
    """A post that left the board `days_ago` days ago, with everything a post collects."""

    def make(
        title: str = "Kinderwagen zu verschenken",
        status: PostStatus = PostStatus.EXPIRED,
        days_ago: float = 91,
    ) -> Post:
        left = clock.now - days_ago * DAY
        post = new_post(
            title=title,
            body="Bei Petra Poster, Lindenweg 3, Tel. 0151 2345678",
            status=status,
            district=districts["woffenbach"],
            published_at=left - 30 * DAY,
            expires_at=left,
            created_at=left - 30 * DAY,
            status_changed_at=left,
            contact_count=4,
            review_note="Telefonnummer im Text",
            source_ref="import:4711",
        )
        db.session.add(
            Report(
                post=post,
                reporter_key=f"user:{post.id}",
                reason=ReportReason.PERSONAL_DATA,
                text="Da steht ihre Telefonnummer",
            )
        )
        db.session.add(
            ModerationAction(
                action=Action.REJECT if status is PostStatus.REJECTED else Action.HIDE,
                post=post,
                subject_user=post.author,
                created_at=left,
            )
        )
        db.session.commit()
        return post

    return make


def manage_link(app, post: Post) -> str:
    with app.test_request_context():
        return services.manage_url(post).removeprefix(app.config["BASE_URL"])


# ---------------------------------------------------------------- posts


@pytest.mark.parametrize("status", FINISHED)
def test_a_post_long_off_the_board_keeps_only_what_the_town_counts(app, clock, old_post, status):
    post = old_post(status=status)
    kept = {
        "kind": post.kind,
        "category_id": post.category_id,
        "district_id": post.district_id,
        "created_at": post.created_at,
        "published_at": post.published_at,
        "expires_at": post.expires_at,
        "status": post.status,
        "contact_count": 4,
    }

    assert run(app, "purge_old_posts", clock.now) == "1 purged"

    purged = fresh(post)
    assert (purged.title, purged.body, purged.search_text) == ("", "", "")
    assert purged.author_id is None
    assert purged.review_note is None
    assert purged.source_ref is None
    assert purged.submission_key is None
    assert purged.purged_at == clock.now
    assert {name: getattr(purged, name) for name in kept} == kept
    assert db.session.scalar(select(func.count(Report.id))) == 0


def test_a_post_that_was_never_marked_expired_is_purged_by_its_expiry(app, clock, new_post):
    post = new_post(
        published_at=clock.now - 121 * DAY,
        expires_at=clock.now - 91 * DAY,
        status_changed_at=clock.now - 121 * DAY,
    )

    assert run(app, "purge_old_posts", clock.now) == "1 purged"
    assert fresh(post).title == ""


def test_the_old_management_link_stops_working(app, client, clock, old_post):
    post = old_post()
    link = manage_link(app, post)
    assert client.get(link).status_code == 200

    run(app, "purge_old_posts", clock.now)

    assert client.get(link).status_code == 404
    assert client.get(f"/posts/{post.id}").status_code == 404


def test_the_authors_account_no_longer_lists_purged_posts(app, client, clock, old_post, poster):
    old_post("Alter Kinderwagen")
    old_post("Neuerer Rasenmäher", days_ago=10)
    log_in_as(client, poster)
    assert "Alter Kinderwagen" in client.get("/account").text

    run(app, "purge_old_posts", clock.now)

    page = client.get("/account").text
    assert "Alter Kinderwagen" not in page
    assert "Neuerer Rasenmäher" in page


def test_younger_posts_and_those_still_on_the_board_are_untouched(app, clock, old_post, offer_in):
    young = old_post("Vor 89 Tagen abgelaufen", days_ago=89)
    current = offer_in("Noch aktuell", published_at=clock.now - 200 * DAY, days=230)

    assert run(app, "purge_old_posts", clock.now) == "0 purged"

    assert fresh(young).title == "Vor 89 Tagen abgelaufen"
    assert fresh(young).author_id is not None
    assert fresh(current).title == "Noch aktuell"
    assert db.session.scalar(select(func.count(Report.id))) == 1


def test_a_second_purge_finds_nothing_new_and_changes_nothing(app, clock, old_post):
    post = old_post()
    first = clock.now
    run(app, "purge_old_posts", first)
    secret = fresh(post).manage_secret

    assert run(app, "purge_old_posts", clock.advance(days=1)) == "0 purged"

    assert fresh(post).purged_at == first
    assert fresh(post).manage_secret == secret


def test_the_moderation_log_keeps_its_entries_for_purged_posts(app, clock, old_post):
    posts = [old_post(status=status) for status in FINISHED]
    entries = select(func.count(ModerationAction.id)).where(
        ModerationAction.post_id.in_([post.id for post in posts])
    )
    assert db.session.scalar(entries) == 4

    run(app, "purge_old_posts", clock.now)

    assert db.session.scalar(entries) == 4


def test_a_purged_posts_text_is_gone_from_the_moderation_log_too(app, clock, old_post):
    post = old_post(status=PostStatus.CLOSED)
    db.session.add(
        ModerationAction(
            action=Action.EDIT,
            post=post,
            details={
                "before": {"title": post.title, "body": post.body},
                "after": {"title": post.title, "body": "Bei Petra Poster, Tel. 0151 2345678"},
            },
        )
    )
    db.session.commit()

    run(app, "purge_old_posts", clock.now)

    details = db.session.scalars(select(ModerationAction.details)).all()
    assert "0151 2345678" not in repr(details)


def test_the_purge_period_is_the_towns_to_choose(app, clock, old_post):
    app.config["PURGE_AFTER_DAYS"] = 30
    post = old_post(days_ago=31)

    assert run(app, "purge_old_posts", clock.now) == "1 purged"
    assert fresh(post).title == ""


def test_a_moderator_can_still_read_the_log_of_a_purged_post(app, client, clock, old_post):
    post = old_post(status=PostStatus.REJECTED)
    moderator = factories.user(email="mo@example.org", role=Role.MODERATOR, password=None)
    run(app, "purge_old_posts", clock.now)
    log_in_as(client, moderator)

    assert client.get("/moderation/log").status_code == 200
    assert client.get(f"/moderation/log?post={post.id}").status_code == 200


def test_a_moderator_can_open_a_purged_post_from_the_log(app, client, clock, old_post):
    post = old_post(status=PostStatus.REJECTED)
    moderator = factories.user(email="mo@example.org", role=Role.MODERATOR, password=None)
    run(app, "purge_old_posts", clock.now)
    log_in_as(client, moderator)

    assert client.get(f"/moderation/posts/{post.id}").status_code == 200


# ---------------------------------------------------------------- unconfirmed drafts


def draft(new_post, clock, days_old: float, status: PostStatus = PostStatus.DRAFT) -> Post:
    guest = factories.user(registered=False, password=None)
    return new_post(
        f"Entwurf {days_old} Tage",
        status=status,
        author=guest,
        created_at=clock.now - days_old * DAY,
        status_changed_at=clock.now - days_old * DAY,
    )


def test_only_old_unconfirmed_guest_drafts_are_deleted(app, clock, new_post):
    old = draft(new_post, clock, 15).id
    young = draft(new_post, clock, 13).id
    waiting = draft(new_post, clock, 30, status=PostStatus.PENDING).id
    published = draft(new_post, clock, 30, status=PostStatus.PUBLISHED).id

    assert run(app, "purge_unconfirmed_drafts", clock.now) == "1 drafts deleted"
    assert run(app, "purge_unconfirmed_drafts", clock.now) == "0 drafts deleted"

    remaining = set(db.session.scalars(select(Post.id)))
    assert old not in remaining
    assert {young, waiting, published} <= remaining


# ---------------------------------------------------------------- unconfirmed addresses


def unconfirmed(clock, days_old: float = 15, **fields) -> User:
    person = factories.user(
        registered=False, password=None, created_at=clock.now - days_old * DAY, **fields
    )
    db.session.commit()
    return person


def test_an_old_unconfirmed_address_with_nothing_attached_is_deleted(app, clock):
    typo = unconfirmed(clock, email="petra.poster@exmaple.org").id
    young = unconfirmed(clock, days_old=13).id
    confirmed = factories.user(password=None, created_at=clock.now - 400 * DAY).id
    moderator = unconfirmed(clock, role=Role.MODERATOR).id
    db.session.commit()

    assert run(app, "purge_unconfirmed_people", clock.now) == "1 unconfirmed addresses deleted"
    assert run(app, "purge_unconfirmed_people", clock.now) == "0 unconfirmed addresses deleted"

    remaining = set(db.session.scalars(select(User.id)))
    assert typo not in remaining
    assert {young, confirmed, moderator} <= remaining


def _wrote_a_post(person: User, clock) -> None:
    factories.post(author=person, status=PostStatus.PENDING)


def _is_a_member(person: User, clock) -> None:
    organisation = factories.organisation("Sportverein", verified=False)
    db.session.add(Membership(user=person, organisation=organisation))


def _reported_a_post(person: User, clock) -> None:
    post = factories.post()
    db.session.add(
        Report(
            post=post,
            reporter_key=f"user:{person.id}",
            reporter_id=person.id,
            reason=ReportReason.SPAM,
        )
    )


def _is_in_the_moderation_log(person: User, clock) -> None:
    db.session.add(ModerationAction(action=Action.SUSPEND, subject_user=person))


@pytest.mark.parametrize(
    "attach", [_wrote_a_post, _is_a_member, _reported_a_post, _is_in_the_moderation_log]
)
def test_an_unconfirmed_address_with_something_attached_stays(app, clock, attach):
    person = unconfirmed(clock, days_old=60)
    attach(person, clock)
    db.session.commit()

    assert run(app, "purge_unconfirmed_people", clock.now) == "0 unconfirmed addresses deleted"
    assert db.session.get(User, person.id) is not None


def test_drafts_go_first_then_their_unconfirmed_guest(app, clock, new_post):
    """run-jobs' order: a guest whose only post was an old unconfirmed draft leaves no trace."""
    guest = factories.user(
        registered=False, password=None, created_at=clock.now - 15 * DAY, email="gast@example.org"
    )
    new_post("Entwurf", status=PostStatus.DRAFT, author=guest, created_at=clock.now - 15 * DAY)

    run(app, "purge_unconfirmed_drafts", clock.now)
    run(app, "purge_unconfirmed_people", clock.now)

    assert db.session.scalar(select(User).where(User.email == "gast@example.org")) is None


# ---------------------------------------------------------------- old mail


def mail(clock, status: MailStatus, days_old: float) -> OutboxMail:
    made = OutboxMail(
        to_address="petra.poster@example.org",
        subject=f"{status.value} vor {days_old} Tagen",
        body_text="Hallo",
        status=status,
        created_at=clock.now - days_old * DAY,
        next_attempt_at=clock.now - days_old * DAY,
    )
    db.session.add(made)
    db.session.commit()
    return made


def test_old_sent_and_failed_mails_are_deleted_queued_ones_stay(app, clock):
    mail(clock, MailStatus.SENT, 31)
    mail(clock, MailStatus.FAILED, 31)
    old_queued = mail(clock, MailStatus.QUEUED, 31).id
    young_sent = mail(clock, MailStatus.SENT, 29).id

    assert run(app, "purge_old_mail", clock.now) == "2 old mails deleted"
    assert run(app, "purge_old_mail", clock.now) == "0 old mails deleted"

    assert set(db.session.scalars(select(OutboxMail.id))) == {old_queued, young_sent}


def test_an_event_post_keeps_its_dates_for_the_towns_calendar_counts(app, clock, new_post):
    start = clock.now - 100 * DAY
    post = new_post(
        "Sommerfest",
        kind=PostKind.EVENT,
        status=PostStatus.EXPIRED,
        event_start_at=start,
        event_end_at=start + timedelta(hours=5),
        expires_at=start + timedelta(hours=5),
        status_changed_at=start + timedelta(hours=5),
    )

    run(app, "purge_old_posts", clock.now)

    purged = fresh(post)
    assert purged.title == ""
    assert (purged.kind, purged.event_start_at) == (PostKind.EVENT, start)
