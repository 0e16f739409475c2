"""Choosing how long a post stays: the posting form's select, what it gives, and bad values."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from board.extensions import db
from board.posts.models import Post
from board.timeutil import BERLIN, utcnow
from tests.posts.conftest import POSTER_EMAIL, log_in_as, mailed_links, offer


def the_post() -> Post:
    db.session.expire_all()
    return db.session.scalars(select(Post)).one()


def about(moment, expected) -> bool:
    return abs(moment - expected) < timedelta(minutes=1)


@pytest.fixture
def author(client, poster):
    log_in_as(client, poster)
    return client


def test_the_form_asks_how_long_and_says_what_happens_then(author, categories):
    page = author.get("/posts/new").text

    assert '<label for="lifetime">Wie lange soll der Beitrag am Brett stehen?' in page
    select_html = re.search(r'<select [^>]*name="lifetime">(.*?)</select>', page, re.S)
    assert select_html
    assert 'aria-describedby="lifetime-hint"' in select_html[0]
    options = re.findall(r'<option (?:selected )?value="(\d*)">([^<]+)</option>', select_html[1])
    assert options == [
        ("", "So lange wie üblich"),
        ("3", "3 Tage"),
        ("7", "1 Woche"),
        ("14", "2 Wochen"),
    ]
    assert '<option selected value="">So lange wie üblich</option>' in select_html[1]
    assert "Sie bekommen vorher eine E-Mail und können ihn mit einem Tipp verlängern." in page


def test_without_a_choice_a_post_stays_as_long_as_usual(app, author, categories):
    author.submit("/posts/new", offer(categories["verschenken"], lifetime=""))

    post = the_post()
    assert post.lifetime_days is None
    assert about(post.expires_at, utcnow() + timedelta(days=30))


@pytest.mark.parametrize(("choice", "days"), [("3", 3), ("7", 7), ("14", 14)])
def test_the_chosen_lifetime_sets_when_the_post_leaves(author, categories, choice, days):
    author.submit("/posts/new", offer(categories["verschenken"], lifetime=choice))

    post = the_post()
    assert post.lifetime_days == days
    assert about(post.expires_at, utcnow() + timedelta(days=days))
    page = author.get(f"/posts/{post.id}").text
    leaves = post.expires_at.astimezone(BERLIN)
    assert f"Steht auf dem Brett bis {leaves.day}." in page


def test_a_choice_longer_than_the_categorys_lifetime_gives_the_categorys(app, author, categories):
    app.config["LIFETIME_DAYS_BY_CATEGORY"] = {"verleihen": 5}

    author.submit("/posts/new", offer(categories["verleihen"], lifetime="14"))

    assert about(the_post().expires_at, utcnow() + timedelta(days=5))


@pytest.mark.parametrize("sent", ["5", "30", "0", "-3", "abc", "3.5", "99999999999", "7; DROP"])
def test_a_value_the_form_did_not_offer_is_refused_and_the_text_kept(author, categories, sent):
    answer = author.submit(
        "/posts/new",
        offer(categories["verschenken"], title="Leiter zu verleihen", lifetime=sent),
    )

    assert answer.status_code == 422
    assert "Bitte wählen Sie einen der angebotenen Einträge." in answer.text
    assert 'href="#lifetime"' in answer.text
    assert 'value="Leiter zu verleihen"' in answer.text
    assert "20 Zoll, blau, gut erhalten." in answer.text
    assert db.session.scalars(select(Post)).first() is None


def test_after_a_refused_form_the_choice_is_still_selected(author, categories):
    answer = author.submit("/posts/new", offer(categories["verschenken"], title="", lifetime="7"))

    assert answer.status_code == 422
    assert '<option selected value="7">1 Woche</option>' in answer.text


def test_an_event_stays_until_it_ends_whatever_was_chosen(author, categories):
    start = (utcnow() + timedelta(days=20)).astimezone(BERLIN).replace(second=0, microsecond=0)
    end = start + timedelta(hours=3)

    author.submit(
        "/posts/new",
        offer(
            categories["veranstaltungen"],
            kind="event",
            title="Sommerfest",
            event_start=start.strftime("%Y-%m-%dT%H:%M"),
            event_end=end.strftime("%Y-%m-%dT%H:%M"),
            lifetime="3",
        ),
    )

    post = the_post()
    assert post.lifetime_days is None
    assert post.expires_at == end


def test_renewing_keeps_the_shorter_lifetime(author, categories):
    author.submit("/posts/new", offer(categories["verschenken"], lifetime="7"))
    post = the_post()

    author.submit(f"/posts/{post.id}/renew", {}, page=f"/posts/{post.id}")

    renewed = the_post()
    assert renewed.renew_count == 1
    assert about(renewed.expires_at, utcnow() + timedelta(days=7))


def test_the_edit_form_shows_the_chosen_lifetime(author, categories):
    author.submit("/posts/new", offer(categories["verschenken"], lifetime="3"))
    post = the_post()

    page = author.get(f"/posts/{post.id}/edit").text

    assert '<option selected value="3">3 Tage</option>' in page


def test_a_guests_choice_counts_from_the_confirmation(client, categories, mailbox):
    client.submit(
        "/posts/new",
        offer(categories["verschenken"], email=POSTER_EMAIL, lifetime="3"),
    )
    confirm = next(link for link in mailed_links(mailbox, POSTER_EMAIL) if "/confirm/" in link)
    client.submit(confirm, {})

    post = the_post()
    assert post.lifetime_days == 3
    assert about(post.expires_at, utcnow() + timedelta(days=3))


def edit_lifetime(author, post: Post, choice: str, categories) -> None:
    author.submit(
        f"/posts/{post.id}/edit",
        offer(categories["verschenken"], lifetime=choice),
    )


def test_shortening_the_lifetime_of_a_post_on_the_board_counts_from_its_start(
    author, categories, clock
):
    author.submit("/posts/new", offer(categories["verschenken"]))
    started = the_post().expires_at - timedelta(days=30)
    clock.advance(days=2)

    edit_lifetime(author, the_post(), "7", categories)

    post = the_post()
    assert post.lifetime_days == 7
    assert about(post.expires_at, started + timedelta(days=7))
    assert post.title in author.get("/").text


def test_lengthening_it_again_never_goes_past_the_usual_lifetime(author, categories, clock):
    author.submit("/posts/new", offer(categories["verschenken"], lifetime="3"))
    started = the_post().expires_at - timedelta(days=3)
    clock.advance(days=1)

    edit_lifetime(author, the_post(), "", categories)

    post = the_post()
    assert post.lifetime_days is None
    assert about(post.expires_at, started + timedelta(days=30))
    assert post.renew_count == 0


def test_shortened_into_the_past_the_post_leaves_the_board_at_once(author, categories, clock):
    author.submit("/posts/new", offer(categories["verschenken"]))
    title = the_post().title
    clock.advance(days=10)

    edit_lifetime(author, the_post(), "7", categories)

    assert the_post().expires_at <= clock.now
    assert title not in author.get("/").text
