"""Posts leave the board at their time and planned ones appear at theirs, whether or not a job has
run; the jobs then only tidy the status up, each change once, however often or late they run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from board.extensions import db
from board.posts.jobs import expire_posts, publish_scheduled
from board.posts.models import Post, PostKind
from board.posts.status import PostStatus
from tests.accounts.conftest import visible_text
from tests.jobs.conftest import DAY, at_once, fresh, log_in_as, run

PUBLIC_LISTS = ["/", "/?page=1", "/api/v1/posts", "/feeds/posts.atom", "/embed"]


# ---------------------------------------------------------------- visibility needs no job


@pytest.mark.parametrize("url", PUBLIC_LISTS)
def test_a_post_leaves_every_public_list_when_its_time_is_up_without_any_job(
    client, clock, offer_in, url
):
    offer_in("Kinderwagen zu verschenken", published_at=clock.now - 29 * DAY, days=30)
    assert "Kinderwagen zu verschenken" in client.get(url).text
    assert "Kinderwagen zu verschenken" in client.get(url).text  # kept, where pages are kept

    clock.advance(days=1)  # exactly its expires_at: no job has run

    assert "Kinderwagen zu verschenken" not in client.get(url).text


def test_a_post_whose_time_is_up_is_not_found_by_the_public_but_still_by_its_author(
    client, other_client, clock, offer_in, poster
):
    post = offer_in(published_at=clock.now - 30 * DAY, days=30)
    log_in_as(other_client, poster)

    assert client.get(f"/posts/{post.id}").status_code == 404
    assert client.get(f"/api/v1/posts/{post.id}").status_code == 404
    assert client.get(f"/embed/posts/{post.id}").status_code == 404
    assert other_client.get(f"/posts/{post.id}").status_code == 200
    assert fresh(post).status is PostStatus.PUBLISHED  # nothing ran: only time passed


def test_a_post_is_on_the_board_until_its_last_second(client, clock, offer_in):
    post = offer_in(published_at=clock.now - 30 * DAY + timedelta(seconds=1), days=30)

    assert client.get(f"/posts/{post.id}").status_code == 200
    clock.advance(seconds=1)
    assert client.get(f"/posts/{post.id}").status_code == 404


@pytest.fixture
def planned(new_post, clock):
    """The administration's notice, approved, planned for ten minutes from now."""

    def make(title: str = "Straßensperrung Hauptstraße", after=timedelta(minutes=10)) -> Post:
        post = new_post(title=title, kind=PostKind.NOTICE, status=PostStatus.SCHEDULED)
        post.publish_at = post.published_at = clock.now + after
        post.expires_at = post.publish_at + 14 * DAY
        db.session.commit()
        return post

    return make


@pytest.mark.parametrize("url", PUBLIC_LISTS)
def test_a_planned_post_appears_at_its_time_without_any_job(client, clock, planned, url):
    post = planned("Straßensperrung Hauptstraße")
    assert "Straßensperrung" not in client.get(url).text
    assert client.get(f"/posts/{post.id}").status_code == 404

    clock.advance(minutes=10)

    assert "Straßensperrung" in client.get(url).text
    assert client.get(f"/posts/{post.id}").status_code == 200
    assert fresh(post).status is PostStatus.SCHEDULED  # still: no job has run


def test_the_kept_board_page_does_not_hide_a_planned_post_past_its_time(
    app, client, clock, offer_in, planned
):
    app.config["PAGE_CACHE_SECONDS"] = 300  # kept long: only the planned time may end it
    offer_in("Bohrmaschine zu verleihen")
    planned("Straßensperrung Hauptstraße", after=timedelta(seconds=20))
    assert "Straßensperrung" not in client.get("/").text
    assert "Straßensperrung" not in client.get("/?page=1").text

    clock.advance(seconds=20)

    assert "Straßensperrung" in client.get("/").text
    assert "Straßensperrung" in client.get("/?page=1").text


def test_a_planned_post_arriving_on_page_one_pushes_the_kept_page_two_along(
    app, client, clock, offer_in, planned
):
    app.config["PAGE_CACHE_SECONDS"] = 300
    app.config["POSTS_PER_PAGE"] = 1
    offer_in("Ältere Bohrmaschine", published_at=clock.now - DAY)
    offer_in("Neuere Leiter", published_at=clock.now - timedelta(hours=1))
    planned("Straßensperrung Hauptstraße", after=timedelta(seconds=20))
    assert "Ältere Bohrmaschine" in client.get("/?page=2").text
    assert "Ältere Bohrmaschine" in client.get("/?page=2").text

    clock.advance(seconds=20)

    assert "Neuere Leiter" in client.get("/?page=2").text


def test_the_kept_empty_board_does_not_hide_a_planned_post_past_its_time(
    app, client, clock, planned
):
    app.config["PAGE_CACHE_SECONDS"] = 300
    planned("Straßensperrung Hauptstraße", after=timedelta(seconds=20))
    assert "Straßensperrung" not in client.get("/embed").text

    clock.advance(seconds=20)

    assert "Straßensperrung" in client.get("/embed").text


def test_a_feed_reader_holding_the_old_version_gets_the_planned_post_at_its_time(
    client, clock, offer_in, planned
):
    offer_in("Bohrmaschine zu verleihen", days=5)  # leaves before the planned post would
    planned("Straßensperrung Hauptstraße")
    before = client.get("/feeds/posts.atom")

    clock.advance(minutes=10)
    again = client.get("/feeds/posts.atom", headers={"If-None-Match": before.headers["ETag"]})

    assert again.status_code == 200
    assert "Straßensperrung" in again.text


# ---------------------------------------------------------------- expire_posts


def test_the_expiry_job_marks_each_post_whose_time_is_up_once(app, clock, offer_in, planned):
    gone = offer_in("Abgelaufen", published_at=clock.now - 31 * DAY, days=30)
    just_gone = offer_in("Gerade abgelaufen", published_at=clock.now - 30 * DAY, days=30)
    current = offer_in("Noch aktuell", published_at=clock.now - 10 * DAY, days=30)
    closed = offer_in("Erledigt", published_at=clock.now - 31 * DAY, days=30)
    closed.status = PostStatus.CLOSED
    pending = offer_in("Wartet", published_at=clock.now - 31 * DAY, days=30)
    pending.status = PostStatus.PENDING
    db.session.commit()

    first_run = clock.now
    assert run(app, "expire_posts", first_run) == "2 expired"
    assert run(app, "expire_posts", clock.advance(minutes=1)) == "0 expired"

    for post in (gone, just_gone):
        assert fresh(post).status is PostStatus.EXPIRED
        assert fresh(post).status_changed_at == first_run  # not touched again
    assert fresh(current).status is PostStatus.PUBLISHED
    assert fresh(closed).status is PostStatus.CLOSED
    assert fresh(pending).status is PostStatus.PENDING


def test_a_planned_post_whose_whole_lifetime_passed_unseen_by_jobs_expires(app, clock, planned):
    post = planned(after=timedelta(minutes=10))  # 14 days from then
    later = clock.advance(days=15)

    assert run(app, "publish_scheduled", later) == "0 published"
    assert run(app, "expire_posts", later) == "1 expired"

    assert fresh(post).status is PostStatus.EXPIRED
    assert run(app, "expire_posts", clock.advance(minutes=1)) == "0 expired"


def test_an_expired_post_leaves_the_authors_list_as_expired_job_run_or_not(
    app, client, clock, offer_in, poster
):
    offer_in("Kinderwagen zu verschenken", published_at=clock.now - 30 * DAY, days=30)
    log_in_as(client, poster)
    before_job = visible_text(client.get("/account").text)

    run(app, "expire_posts", clock.now)

    # The same page, but for the form tokens: they carry the second they were made in.
    assert visible_text(client.get("/account").text) == before_job
    assert "Abgelaufen" in before_job


# ---------------------------------------------------------------- publish_scheduled


def test_the_publishing_job_publishes_a_planned_post_at_its_time_once(app, clock, planned):
    post = planned(after=timedelta(minutes=10))

    assert run(app, "publish_scheduled", clock.advance(minutes=9)) == "0 published"
    assert fresh(post).status is PostStatus.SCHEDULED

    on_time = clock.advance(minutes=1)
    assert run(app, "publish_scheduled", on_time) == "1 published"
    assert run(app, "publish_scheduled", clock.advance(minutes=1)) == "0 published"

    published = fresh(post)
    assert published.status is PostStatus.PUBLISHED
    assert published.published_at == on_time  # the planned time, which the board shows
    assert published.status_changed_at == on_time


# ---------------------------------------------------------------- two processes at once


def test_two_processes_expiring_at_once_expire_each_post_once(app, clock, offer_in):
    posts = [offer_in(f"Angebot {n}", published_at=clock.now - 31 * DAY) for n in range(20)]
    db.session.commit()

    results = at_once(app, expire_posts, clock.now)

    assert results == ["0 expired", "20 expired"]
    assert {fresh(post).status for post in posts} == {PostStatus.EXPIRED}


def test_two_processes_publishing_at_once_publish_each_post_once(app, clock, planned):
    posts = [planned(f"Mitteilung {n}", after=timedelta(minutes=1)) for n in range(20)]

    results = at_once(app, publish_scheduled, clock.advance(minutes=1))

    assert results == ["0 published", "20 published"]
    statuses = db.session.scalars(select(Post.status).where(Post.id.in_([p.id for p in posts])))
    assert set(statuses) == {PostStatus.PUBLISHED}


# ---------------------------------------------------------------- late runs


@pytest.mark.parametrize("late", [timedelta(0), timedelta(hours=6)], ids=["on-time", "6h-late"])
def test_jobs_run_hours_late_reach_the_same_board(app, clock, offer_in, planned, late):
    due = clock.now
    expiring = offer_in("Läuft ab", published_at=due - 30 * DAY + timedelta(minutes=5))
    notice = planned("Sperrung", after=timedelta(minutes=5))
    staying = offer_in("Bleibt", published_at=due - DAY)

    moment = clock.set(due + timedelta(minutes=5) + late)
    assert run(app, "publish_scheduled", moment) == "1 published"
    assert run(app, "expire_posts", moment) == "1 expired"

    assert fresh(expiring).status is PostStatus.EXPIRED
    assert fresh(notice).status is PostStatus.PUBLISHED
    assert fresh(notice).published_at == due + timedelta(minutes=5)  # its time, not the job's
    assert fresh(staying).status is PostStatus.PUBLISHED
    assert run(app, "publish_scheduled", clock.advance(minutes=1)) == "0 published"
    assert run(app, "expire_posts", clock.now) == "0 expired"
