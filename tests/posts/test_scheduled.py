"""Planned publication: the town hall (or a verified association, or a moderator) writes today
what appears on the board at a later time — and it appears then, without any job having run.

The clock is the test's: it stands on 15 January 2027 and moves forward when the story says so.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from board.accounts.models import Role, User
from board.extensions import db
from board.organisations.models import OrganisationKind
from board.posts.models import Post
from board.posts.status import PostStatus
from board.timeutil import BERLIN
from tests import factories
from tests.conftest import Clock
from tests.posts.conftest import PersonClient, log_in_as, offer
from tests.posts.test_manage import manage_path

START = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)  # 10:00 in Berlin


@pytest.fixture
def clock(app, monkeypatch):
    """The shared test clock, at START, for the pages and the board cache this story visits."""
    clock = Clock(START)
    for module in (
        "board.posts.views",
        "board.posts.cache",
        "board.site",
        "board.accounts.views",
        "board.moderation.views",
        "board.api.views",
    ):
        monkeypatch.setattr(f"{module}.utcnow", clock)
    monkeypatch.setitem(app.jinja_env.globals, "now", clock)
    app.config["PAGE_CACHE_SECONDS"] = 0
    return clock


def berlin(text: str) -> datetime:
    """A Berlin wall time as people write it ("2027-02-01T10:00"), in UTC."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M").replace(tzinfo=BERLIN).astimezone(UTC)


def member_of(kind: OrganisationKind, verified: bool = True, **user_fields) -> User:
    person = factories.user(password=None, **user_fields)
    factories.organisation(name="Stadt Neumarkt", kind=kind, verified=verified, members=(person,))
    db.session.commit()
    return person


@pytest.fixture
def town_hall(app, client, clock) -> PersonClient:
    """Someone from the town's administration, logged in."""
    log_in_as(client, member_of(OrganisationKind.ADMINISTRATION, email="rathaus@example.org"))
    return client


def notice(category, **changes):
    """The posting form as the town hall fills it in."""
    return offer(
        category,
        **{
            "kind": "notice",
            "title": "Straßensperrung Marktplatz",
            "body": "Wegen des Faschingsumzugs ist der Marktplatz am 6. Februar gesperrt.",
            **changes,
        },
    )


def the_post() -> Post:
    db.session.expire_all()
    return db.session.scalars(select(Post)).one()


def public_can_see(client: PersonClient, post: Post) -> bool:
    on_board = "Straßensperrung Marktplatz" in client.get("/").text
    in_api = any(item["id"] == post.id for item in client.get("/api/v1/posts").json["items"])
    detail = client.get(f"/posts/{post.id}").status_code
    assert on_board == in_api == (detail == 200), (on_board, in_api, detail)
    return on_board


# ---------------------------------------------------------------- who may plan


PLANNERS = {
    "administration": lambda: member_of(OrganisationKind.ADMINISTRATION),
    "verified association": lambda: member_of(OrganisationKind.ASSOCIATION),
    "moderator": lambda: factories.user(password=None, role=Role.MODERATOR),
}
NOT_PLANNERS = {
    "resident": lambda: factories.user(password=None),
    "unverified association": lambda: member_of(OrganisationKind.ASSOCIATION, verified=False),
}


@pytest.mark.parametrize("who", PLANNERS)
def test_the_administration_verified_associations_and_moderators_see_the_planning_field(
    client, clock, categories, who
):
    log_in_as(client, PLANNERS[who]())

    form = client.get("/posts/new").text

    assert "Erst erscheinen am" in form
    assert 'name="publish_at"' in form
    assert "Leer lassen, um gleich zu veröffentlichen." in form


@pytest.mark.parametrize("who", [*NOT_PLANNERS, "guest"])
def test_residents_and_guests_never_see_it(client, clock, categories, who):
    if who != "guest":
        log_in_as(client, NOT_PLANNERS[who]())

    form = client.get("/posts/new").text

    assert "Erst erscheinen am" not in form
    assert 'name="publish_at"' not in form


@pytest.mark.parametrize("who", NOT_PLANNERS)
def test_a_forged_planning_time_from_a_resident_is_ignored(client, clock, categories, who):
    log_in_as(client, NOT_PLANNERS[who]())

    answer = client.submit(
        "/posts/new", notice(categories["verschenken"], publish_at="2027-02-01T10:00")
    )

    assert answer.status_code == 303
    post = the_post()
    assert post.publish_at is None
    assert post.status is PostStatus.PUBLISHED
    assert post.published_at == START


def test_a_forged_planning_time_from_a_guest_is_ignored(client, clock, categories, mailbox):
    form = notice(
        categories["verschenken"], email="gast@example.org", publish_at="2027-02-01T10:00"
    )

    assert client.submit("/posts/new", form).status_code == 303

    assert the_post().publish_at is None


# ---------------------------------------------------------------- the story


def test_a_planned_notice_appears_at_its_time_without_any_job(town_hall, client, clock, categories):
    other = PersonClient(client.application, client.application.response_class)
    answer = town_hall.submit(
        "/posts/new", notice(categories["verschenken"], publish_at="2027-02-01T07:30")
    )

    post = the_post()
    assert answer.status_code == 303
    assert post.status is PostStatus.SCHEDULED
    assert post.published_at == post.publish_at == berlin("2027-02-01T07:30")
    # Its lifetime counts from when it appears, not from when it was written.
    assert post.expires_at == berlin("2027-02-01T07:30") + timedelta(days=14)
    flash = town_hall.get(answer.headers["Location"]).text
    assert "Ihr Beitrag erscheint am 1. Februar 2027, 07:30 auf dem Brett." in flash
    assert not public_can_see(other, post)

    clock.set(berlin("2027-02-01T07:29"))
    assert not public_can_see(other, post)

    clock.set(berlin("2027-02-01T07:30"))
    assert public_can_see(other, post)
    assert the_post().status is PostStatus.SCHEDULED  # no job has run: visibility did not wait

    clock.set(berlin("2027-02-15T07:30"))
    assert not public_can_see(other, post)


def test_the_author_s_pages_say_when_a_planned_post_appears(town_hall, clock, categories):
    town_hall.submit("/posts/new", notice(categories["verschenken"], publish_at="2027-02-01T07:30"))
    post = the_post()

    detail = town_hall.get(f"/posts/{post.id}").text
    manage = town_hall.get(manage_path(post, town_hall.application)).text
    account = town_hall.get("/account").text

    assert "Geplant: erscheint am 1. Februar 2027, 07:30 auf dem Brett." in detail
    assert "nicht öffentlich sichtbar" in detail
    assert (
        "Geplant: erscheint am 1. Februar 2027, 07:30 auf dem Brett "
        "und steht dort bis 15. Februar 2027, 07:30." in manage
    )
    assert "erscheint am 1. Februar 2027, 07:30" in account
    assert "gerade eben" not in account  # no "age" for a post that is not there yet

    clock.set(berlin("2027-02-01T08:00"))
    detail = town_hall.get(f"/posts/{post.id}").text
    assert "erscheint am" not in detail
    assert "Steht auf dem Brett bis 15. Februar 2027, 07:30." in detail


def test_a_planned_post_can_be_moved_while_it_waits(town_hall, clock, categories):
    town_hall.submit("/posts/new", notice(categories["verschenken"], publish_at="2027-02-01T07:30"))
    post = the_post()
    other = PersonClient(town_hall.application, town_hall.application.response_class)

    edit_page = town_hall.get(f"/posts/{post.id}/edit").text
    assert 'value="2027-02-01T07:30"' in edit_page
    town_hall.submit(
        f"/posts/{post.id}/edit",
        notice(categories["verschenken"], publish_at="2027-02-03T12:00"),
    )

    moved = the_post()
    assert moved.status is PostStatus.SCHEDULED
    assert moved.published_at == moved.publish_at == berlin("2027-02-03T12:00")
    assert moved.expires_at == berlin("2027-02-03T12:00") + timedelta(days=14)
    clock.set(berlin("2027-02-02T12:00"))
    assert not public_can_see(other, moved)
    clock.set(berlin("2027-02-03T12:00"))
    assert public_can_see(other, moved)


def test_emptying_the_time_of_a_planned_post_publishes_it_now(town_hall, clock, categories):
    town_hall.submit("/posts/new", notice(categories["verschenken"], publish_at="2027-02-01T07:30"))
    post = the_post()

    town_hall.submit(f"/posts/{post.id}/edit", notice(categories["verschenken"], publish_at=""))

    now_on = the_post()
    assert now_on.status is PostStatus.PUBLISHED
    assert now_on.published_at == START
    assert now_on.expires_at == START + timedelta(days=14)
    assert public_can_see(
        PersonClient(town_hall.application, town_hall.application.response_class), now_on
    )


def test_a_published_post_offers_no_planning_any_more(town_hall, clock, categories):
    town_hall.submit("/posts/new", notice(categories["verschenken"]))
    post = the_post()
    assert post.status is PostStatus.PUBLISHED

    edit_page = town_hall.get(f"/posts/{post.id}/edit").text
    town_hall.submit(
        f"/posts/{post.id}/edit",
        notice(categories["verschenken"], publish_at="2027-03-01T10:00"),
    )

    assert 'name="publish_at"' not in edit_page
    assert the_post().publish_at is None
    assert the_post().status is PostStatus.PUBLISHED


# ---------------------------------------------------------------- bad times


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2027-01-15T09:59", "Der Zeitpunkt liegt in der Vergangenheit."),
        ("2027-01-15T10:00", "Der Zeitpunkt liegt in der Vergangenheit."),
        ("2026-12-24T18:00", "Der Zeitpunkt liegt in der Vergangenheit."),
        # The clocks go forward at 02:00 on 28 March 2027: 02:30 does not exist in Berlin.
        ("2027-03-28T02:30", "Diese Uhrzeit gibt es wegen der Zeitumstellung nicht."),
        ("2027-07-20T10:00", "Bitte planen Sie höchstens ein halbes Jahr im Voraus."),
        ("9999-12-31T23:59", "Bitte geben Sie ein gültiges Datum mit Uhrzeit ein."),
        ("30.02.2027 10:00", "Bitte geben Sie ein gültiges Datum mit Uhrzeit ein."),
        ("morgen früh", "Bitte geben Sie ein gültiges Datum mit Uhrzeit ein."),
    ],
)
def test_an_impossible_planning_time_is_refused_and_the_text_kept(
    town_hall, clock, categories, typed, message
):
    answer = town_hall.submit("/posts/new", notice(categories["verschenken"], publish_at=typed))

    assert answer.status_code == 422
    assert message in answer.text
    assert "Straßensperrung Marktplatz" in answer.text
    assert "Wegen des Faschingsumzugs ist der Marktplatz am 6. Februar gesperrt." in answer.text
    assert 'href="#publish_at"' in answer.text  # the summary leads to the field
    assert db.session.scalars(select(Post)).first() is None


def test_the_hour_repeated_in_october_and_people_s_way_of_writing_dates_are_fine(
    town_hall, clock, categories
):
    clock.set(datetime(2027, 9, 1, 8, 0, tzinfo=UTC))
    # 31 October 2027, 02:30 happens twice; the first time is meant (summer time, 00:30 UTC).
    town_hall.submit("/posts/new", notice(categories["verschenken"], publish_at="31.10.2027 02:30"))

    assert the_post().publish_at == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


# ---------------------------------------------------------------- with moderation first


@pytest.fixture
def reviewed_first(app):
    app.config["MODERATION_POLICY"] = "pre"


def test_a_planned_post_that_needs_review_is_scheduled_on_approval(
    app, client, other_client, clock, categories, reviewed_first
):
    association = member_of(OrganisationKind.ASSOCIATION, email="verein@example.org")
    moderator = factories.user(email="moni@example.org", password=None, role=Role.MODERATOR)
    log_in_as(client, association)
    client.submit(
        "/posts/new",
        notice(categories["verschenken"], publish_at="2027-02-01T07:30"),
    )
    post = the_post()
    assert post.status is PostStatus.PENDING

    manage = client.get(manage_path(post, app)).text
    assert "Nach der Freigabe erscheint er am 1. Februar 2027, 07:30." in manage

    log_in_as(other_client, moderator)
    approved = other_client.submit(
        f"/moderation/posts/{post.id}/approve", {"seen": "pending"}, page="/moderation"
    )

    assert approved.status_code == 303
    post = the_post()
    assert post.status is PostStatus.SCHEDULED
    assert post.published_at == berlin("2027-02-01T07:30")
    visitor = PersonClient(app, app.response_class)
    assert not public_can_see(visitor, post)
    clock.set(berlin("2027-02-01T07:30"))
    assert public_can_see(visitor, post)


def test_a_planned_post_approved_after_its_time_appears_at_once(
    app, client, other_client, clock, categories, reviewed_first
):
    log_in_as(client, member_of(OrganisationKind.ASSOCIATION, email="verein@example.org"))
    client.submit("/posts/new", notice(categories["verschenken"], publish_at="2027-01-16T10:00"))
    post = the_post()

    clock.set(berlin("2027-01-17T09:00"))
    log_in_as(other_client, factories.user(password=None, role=Role.MODERATOR))
    other_client.submit(
        f"/moderation/posts/{post.id}/approve", {"seen": "pending"}, page="/moderation"
    )

    post = the_post()
    assert post.status is PostStatus.PUBLISHED
    assert post.published_at == berlin("2027-01-17T09:00")
    assert public_can_see(PersonClient(app, app.response_class), post)


def test_an_approved_planned_post_changed_before_its_time_is_checked_again(
    app, client, other_client, clock, categories, reviewed_first
):
    log_in_as(client, member_of(OrganisationKind.ASSOCIATION, email="verein@example.org"))
    client.submit("/posts/new", notice(categories["verschenken"], publish_at="2027-02-01T07:30"))
    post = the_post()
    log_in_as(other_client, factories.user(password=None, role=Role.MODERATOR))
    other_client.submit(
        f"/moderation/posts/{post.id}/approve", {"seen": "pending"}, page="/moderation"
    )
    assert the_post().status is PostStatus.SCHEDULED

    client.submit(
        f"/posts/{post.id}/edit",
        notice(
            categories["verschenken"], body="Jetzt mit anderem Text.", publish_at="2027-02-01T07:30"
        ),
    )

    assert the_post().status is PostStatus.PENDING
    clock.set(berlin("2027-02-01T07:30"))
    visitor = PersonClient(app, app.response_class)
    assert not public_can_see(visitor, post)
    clock.set(berlin("2027-01-20T10:00"))
    other_client.submit(
        f"/moderation/posts/{post.id}/approve", {"seen": "pending"}, page="/moderation"
    )
    assert the_post().status is PostStatus.SCHEDULED
    assert not public_can_see(visitor, post)
    clock.set(berlin("2027-02-01T07:30"))
    assert public_can_see(visitor, post)
