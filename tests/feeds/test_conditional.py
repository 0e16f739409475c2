"""Feed readers poll every few minutes: a 304 when nothing changed, and never a stale feed.

A feed must change when a post is written, hidden or closed (the board version) and when the
clock reaches a shown post's expiry (no job needs to run first).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from board.extensions import db
from board.posts.status import PostStatus, transition
from board.timeutil import utcnow

FEEDS = ["/feeds/posts.atom", "/feeds/events.ics"]


@pytest.fixture
def event(new_post):
    from board.posts.models import PostKind

    def make(title: str = "Sommerfest", **fields):
        fields.setdefault("event_start_at", utcnow() + timedelta(days=10))
        return new_post(title=title, kind=PostKind.EVENT, **fields)

    return make


def etag_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["ETag"]
    return response.headers["ETag"]


@pytest.mark.parametrize("url", FEEDS)
def test_a_reader_with_the_current_etag_gets_304_without_a_body(client, event, url):
    event()
    etag = etag_of(client, url)

    again = client.get(url, headers={"If-None-Match": etag})

    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize("url", FEEDS)
def test_a_reader_with_a_stale_etag_gets_the_feed(client, event, url):
    event()

    response = client.get(url, headers={"If-None-Match": '"aaaaaaaaaaaaaaaaaaaa"'})

    assert response.status_code == 200
    assert b"Sommerfest" in response.data


@pytest.mark.parametrize("url", FEEDS)
def test_feeds_may_be_read_by_any_web_page_and_kept_for_five_minutes(client, event, url):
    event()

    response = client.get(url)

    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("url", FEEDS)
def test_hiding_a_post_changes_the_etag_and_empties_the_feed(client, event, url):
    post = event(title="Sommerfest")
    etag = etag_of(client, url)

    transition(post, PostStatus.HIDDEN, utcnow())
    db.session.commit()
    response = client.get(url, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    assert b"Sommerfest" not in response.data


@pytest.mark.parametrize("url", FEEDS)
def test_a_new_post_changes_the_etag(client, event, url):
    event(title="Sommerfest")
    etag = etag_of(client, url)

    event(title="Herbstmarkt")
    response = client.get(url, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert b"Herbstmarkt" in response.data


@pytest.mark.parametrize("url", FEEDS)
def test_a_post_reaching_its_expiry_changes_the_etag_without_any_write(client, event, clock, url):
    event(title="Sommerfest", expires_at=clock.now + timedelta(hours=2))
    event(title="Herbstmarkt")
    etag = etag_of(client, url)
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

    clock.advance(hours=2)
    response = client.get(url, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert b"Sommerfest" not in response.data
    assert b"Herbstmarkt" in response.data


@pytest.mark.parametrize("url", FEEDS)
def test_the_etag_is_one_per_filter(client, event, categories, url):
    event()

    everything = etag_of(client, url)
    same_filter = etag_of(client, f"{url}?category=verschenken&page=2")
    other_spelling = etag_of(client, f"{url}?page=7&category=verschenken&kind=bogus")

    assert same_filter != everything
    assert other_spelling == same_filter


def test_a_star_or_a_list_of_etags_is_understood(client, event):
    event()
    etag = etag_of(client, FEEDS[0])

    listed = client.get(FEEDS[0], headers={"If-None-Match": f'"old", {etag}'})
    weak = client.get(FEEDS[0], headers={"If-None-Match": f"W/{etag}"})

    assert listed.status_code == 304
    assert weak.status_code == 304
