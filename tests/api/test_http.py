"""The API's HTTP manners: conditional GETs, short public caching, CORS, JSON errors, no cookies."""

from __future__ import annotations

from datetime import timedelta

import pytest

from board.extensions import db
from board.posts.status import PostStatus, transition
from board.timeutil import utcnow
from tests import factories
from tests.posts.conftest import log_in_as

PASSWORD = "richtig-langes-passwort"

LIST_URLS = [
    "/api/v1/posts",
    "/api/v1/posts?kind=offer&limit=2",
    "/api/v1/categories",
    "/api/v1/districts",
    "/api/openapi.json",
]


def ask_again(client, url: str, response):
    return client.get(url, headers={"If-None-Match": response.headers["ETag"]})


@pytest.mark.parametrize("url", LIST_URLS)
def test_asking_again_with_the_etag_gets_304_without_a_body(client, town, url):
    first = client.get(url)

    again = ask_again(client, url, first)

    assert first.status_code == 200 and first.headers["ETag"]
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]


def test_a_single_post_answers_304_while_unchanged(client, town):
    url = f"/api/v1/posts/{town['Kinderwagen zu verschenken'].id}"
    assert ask_again(client, url, client.get(url)).status_code == 304


def test_an_edited_post_gets_a_new_etag(client, town):
    post = town["Kinderwagen zu verschenken"]
    url = f"/api/v1/posts/{post.id}"
    first, listed = client.get(url), client.get("/api/v1/posts")

    post.set_text("Kinderwagen und Babyschale zu verschenken", post.body)
    db.session.commit()

    assert ask_again(client, url, first).json["title"].startswith("Kinderwagen und Babyschale")
    assert ask_again(client, "/api/v1/posts", listed).status_code == 200


def test_a_hidden_post_leaves_the_list_even_for_a_conditional_get(client, town):
    post = town["Kinderwagen zu verschenken"]
    first = client.get("/api/v1/posts")

    transition(post, PostStatus.HIDDEN, utcnow())
    db.session.commit()
    again = ask_again(client, "/api/v1/posts", first)

    assert again.status_code == 200
    assert "Kinderwagen zu verschenken" not in again.text
    assert ask_again(client, f"/api/v1/posts/{post.id}", first).status_code == 404


def test_a_post_reaching_its_expiry_changes_the_etag_without_any_write(client, new_post, clock):
    new_post("Läuft bald ab", expires_at=clock.now + timedelta(minutes=10))
    new_post("Bleibt noch")
    first = client.get("/api/v1/posts")
    assert ask_again(client, "/api/v1/posts", first).status_code == 304

    clock.advance(minutes=11)
    again = ask_again(client, "/api/v1/posts", first)

    assert again.status_code == 200
    assert [item["title"] for item in again.json["items"]] == ["Bleibt noch"]


def test_a_stale_or_foreign_etag_gets_the_full_answer(client, town):
    for etag in ['"stale"', 'W/"weak"', "nonsense without quotes", ""]:
        response = client.get("/api/v1/posts", headers={"If-None-Match": etag})
        assert response.status_code == 200, etag
        assert len(response.json["items"]) == 4


def test_answers_may_be_cached_publicly_for_a_short_while(client, town):
    for url in ["/api/v1/posts", f"/api/v1/posts/{town['Sperrmüll am Montag'].id}"]:
        cache_control = client.get(url).headers["Cache-Control"]
        assert "public" in cache_control
        assert "max-age=30" in cache_control


def test_no_cache_keeps_a_post_past_its_expiry(client, new_post, clock):
    post = new_post("Nur noch kurz da", expires_at=clock.now + timedelta(seconds=12))

    listed = client.get("/api/v1/posts")
    single = client.get(f"/api/v1/posts/{post.id}")

    assert listed.cache_control.max_age <= 12
    assert single.cache_control.max_age <= 12


def test_a_logged_in_reader_gets_the_same_public_answer(client, town, poster):
    log_in_as(client, poster)

    response = client.get("/api/v1/posts")

    assert response.status_code == 200
    assert "@" not in response.text


# ---------------------------------------------------------------- CORS


@pytest.mark.parametrize("url", [*LIST_URLS, "/api/v1/posts?limit=0", "/api/v1/posts/999"])
def test_any_web_page_may_read_the_api(client, town, url):
    response = client.get(url, headers={"Origin": "https://zeitung.example"})

    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_browser_preflight_is_answered(client, town):
    response = client.options(
        "/api/v1/posts",
        headers={
            "Origin": "https://zeitung.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]


def test_the_rest_of_the_board_is_not_opened_to_other_origins(client, town):
    assert "Access-Control-Allow-Origin" not in client.get("/").headers


# ---------------------------------------------------------------- errors and cookies


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writing_to_the_api_is_a_json_405(client, town, method):
    response = getattr(client, method)("/api/v1/posts", json={"title": "Spam"})

    assert response.status_code == 405
    assert response.json == {"error": "this API is read-only; use GET"}
    assert "GET" in response.headers["Allow"]
    assert "Spam" not in client.get("/api/v1/posts").text


def test_an_unknown_api_address_is_a_json_404(client):
    for url in ["/api/v2/posts", "/api/v1/nothing", "/api/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.headers["Content-Type"] == "application/json"
        assert "error" in response.json


def test_the_sites_own_error_pages_stay_html(client):
    response = client.get("/gibt-es-nicht")

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "url", [*LIST_URLS, "/api/v1/posts?limit=0", "/api/v1/posts/999", "/api/nope"]
)
def test_the_api_sets_no_cookie(client, town, url):
    assert "Set-Cookie" not in client.get(url).headers
    assert "Set-Cookie" not in client.options(url).headers


def test_a_remember_cookie_alone_gets_no_fresh_session_cookie_from_the_api(app, client, town):
    """A returning browser (session cookie gone, remember cookie kept) reads a public answer."""
    factories.user(email="bernd@example.org", password=PASSWORD)
    db.session.commit()
    client.submit("/login", {"email": "bernd@example.org", "password": PASSWORD, "remember": "y"})
    remember = client.get_cookie("remember_token")
    assert remember is not None
    browser = app.test_client()
    browser.set_cookie("remember_token", remember.value)

    response = browser.get("/api/v1/posts")

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "public" in response.headers["Cache-Control"]
