"""Looking after one's own post: edit, close ("erledigt"), renew — and nobody else may."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from board.extensions import db
from board.posts import services
from board.posts.models import Post, PostKind
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests import factories
from tests.posts.conftest import log_in_as, offer


@pytest.fixture
def own_post(new_post):
    return new_post(
        title="Kinderwagen zu verschenken",
        body="Gut erhalten, abzuholen in Woffenbach.",
        expires_at=utcnow() + timedelta(days=3),
    )


@pytest.fixture
def author(client, poster):
    log_in_as(client, poster)
    return client


@pytest.fixture
def stranger(other_client):
    log_in_as(other_client, factories.user(email="fremd@example.org", password=None))
    return other_client


def stored(post: Post) -> Post:
    db.session.expire_all()
    return db.session.get(Post, post.id)


def manage_path(post: Post, app) -> str:
    with app.test_request_context():
        return services.manage_url(post).removeprefix("http://board.test")


def edit_form(post: Post, **changes) -> dict[str, str]:
    """The edit form as the author sends it back, with some of it changed."""
    return offer(post.category, **{"title": post.title, "body": post.body, **changes})


# ---------------------------------------------------------------- the author


def test_the_author_sees_edit_close_and_renew_others_see_the_contact_button(
    author, own_post, other_client
):
    mine = author.get(f"/posts/{own_post.id}").text
    theirs = other_client.get(f"/posts/{own_post.id}").text

    for words in ("Bearbeiten", "Erledigt", "Verlängern"):
        assert words in mine
        assert words not in theirs
    assert "Nachricht schreiben" in theirs


def test_the_author_edits_a_post_and_search_finds_the_new_words(author, own_post):
    form_page = author.get(f"/posts/{own_post.id}/edit")
    assert 'value="Kinderwagen zu verschenken"' in form_page.text
    assert '<input checked id="kind-0" name="kind" required type="radio" value="offer">' in (
        form_page.text
    )

    answer = author.submit(
        f"/posts/{own_post.id}/edit",
        edit_form(own_post, title="Buggy zu verschenken", body="Für Zwillinge, fast neu."),
    )

    assert answer.status_code == 303
    assert answer.location == f"/posts/{own_post.id}"
    assert "Ihre Änderungen sind gespeichert." in author.get(answer.location).text
    assert "Buggy zu verschenken" in author.get("/?q=zwillinge").text
    assert "Buggy zu verschenken" not in author.get("/?q=kinderwagen").text


def test_editing_leaves_status_author_and_expiry_to_the_board(author, own_post, poster):
    expires_at = own_post.expires_at

    author.submit(
        f"/posts/{own_post.id}/edit",
        edit_form(
            own_post,
            title="Neuer Titel",
            status="removed",
            author_id="999",
            expires_at="2099-01-01T00:00",
            renew_count="0",
        ),
    )

    post = stored(own_post)
    assert post.title == "Neuer Titel"
    assert post.status is PostStatus.PUBLISHED
    assert post.author_id == poster.id
    assert post.expires_at == expires_at


def test_a_mistake_while_editing_keeps_the_text_and_changes_nothing(author, own_post):
    answer = author.submit(
        f"/posts/{own_post.id}/edit", edit_form(own_post, title="", body="Neuer Text, behalten")
    )

    assert answer.status_code == 422
    assert "Neuer Text, behalten" in answer.text
    assert stored(own_post).body == "Gut erhalten, abzuholen in Woffenbach."


def test_an_event_under_way_may_keep_its_start_when_edited(author, new_post, categories):
    started = utcnow().replace(second=0, microsecond=0) - timedelta(hours=1)
    event = new_post(
        title="Ausstellung",
        kind=PostKind.EVENT,
        category=categories["veranstaltungen"],
        event_start_at=started,
        event_end_at=started + timedelta(days=3),
        expires_at=started + timedelta(days=3),
    )
    form_page = author.get(f"/posts/{event.id}/edit").text
    start = re.search(
        r'id="event_start" name="event_start" type="datetime-local" value="([^"]+)"', form_page
    ).group(1)
    end = re.search(
        r'id="event_end" name="event_end" type="datetime-local" value="([^"]+)"', form_page
    ).group(1)

    answer = author.submit(
        f"/posts/{event.id}/edit",
        edit_form(
            event, kind="event", title="Ausstellung bis Sonntag", event_start=start, event_end=end
        ),
    )

    assert answer.status_code == 303
    post = stored(event)
    assert post.title == "Ausstellung bis Sonntag"
    assert post.event_start_at == started
    assert post.expires_at == started + timedelta(days=3)


def test_closing_takes_the_post_off_the_board(author, own_post):
    answer = author.submit(f"/posts/{own_post.id}/close", {}, page=f"/posts/{own_post.id}")

    assert answer.status_code == 303
    page = author.get(answer.location).text
    assert "Der Beitrag ist als erledigt markiert." in page
    assert "Status: Erledigt" in page
    assert "Kinderwagen zu verschenken" not in author.get("/").text
    post = stored(own_post)
    assert post.status is PostStatus.CLOSED
    assert post.closed_at is not None


def test_closing_twice_is_harmless(author, own_post):
    author.submit(f"/posts/{own_post.id}/close", {}, page=f"/posts/{own_post.id}")
    closed_at = stored(own_post).closed_at

    again = author.submit(f"/posts/{own_post.id}/close", {}, page=f"/posts/{own_post.id}")

    assert again.status_code == 303
    assert stored(own_post).closed_at == closed_at


def test_a_closed_post_cannot_be_edited(author, own_post):
    author.submit(f"/posts/{own_post.id}/close", {}, page=f"/posts/{own_post.id}")

    opened = author.get(f"/posts/{own_post.id}/edit")
    sent = author.submit(
        f"/posts/{own_post.id}/edit", edit_form(own_post, title="Doch noch da"), page="/posts/new"
    )

    assert opened.status_code == sent.status_code == 303
    message = "Dieser Beitrag ist erledigt und kann nicht mehr bearbeitet werden."
    assert message in author.get(opened.location).text
    assert stored(own_post).title == "Kinderwagen zu verschenken"
    assert "Bearbeiten" not in author.get(f"/posts/{own_post.id}").text


def test_renewing_starts_the_lifetime_again_from_now(app, author, own_post):
    answer = author.submit(f"/posts/{own_post.id}/renew", {}, page=f"/posts/{own_post.id}")

    assert answer.status_code == 303
    assert "Der Beitrag ist verlängert." in author.get(answer.location).text
    post = stored(own_post)
    lifetime = timedelta(days=app.config["LIFETIME_DAYS"]["offer"])
    assert abs(post.expires_at - (utcnow() + lifetime)) < timedelta(minutes=1)
    assert post.renew_count == 1


@pytest.mark.parametrize("status", [PostStatus.PUBLISHED, PostStatus.EXPIRED, PostStatus.CLOSED])
def test_renewing_brings_an_expired_or_closed_post_back(author, new_post, status):
    old = new_post(title="Wieder da", status=status, expires_at=utcnow() - timedelta(days=1))

    author.submit(f"/posts/{old.id}/renew", {}, page="/posts/new")

    assert stored(old).status is PostStatus.PUBLISHED
    assert "Wieder da" in author.get("/").text


def test_renewals_are_limited_by_the_towns_configuration(app, author, own_post):
    app.config["MAX_RENEWALS"] = 2
    for _ in range(2):
        author.submit(f"/posts/{own_post.id}/renew", {}, page="/posts/new")

    refused = author.submit(f"/posts/{own_post.id}/renew", {}, page="/posts/new")

    assert refused.status_code == 303
    assert "schon 2-mal verlängert" in author.get(refused.location).text
    assert stored(own_post).renew_count == 2
    assert "Verlängern" not in author.get(f"/posts/{own_post.id}").text


def test_an_event_is_not_renewed_but_rescheduled(author, new_post, categories):
    start = utcnow() + timedelta(days=2)
    event = new_post(
        kind=PostKind.EVENT,
        category=categories["veranstaltungen"],
        event_start_at=start,
        expires_at=start + timedelta(days=1),
    )

    refused = author.submit(f"/posts/{event.id}/renew", {}, page="/posts/new")

    assert "Ändern Sie bei Bedarf den Termin" in author.get(refused.location).text
    assert stored(event).expires_at == start + timedelta(days=1)


# ---------------------------------------------------------------- the management link


def test_the_management_link_edits_renews_and_closes_without_an_account(app, client, own_post):
    link = manage_path(own_post, app)
    page = client.get(link)
    assert page.status_code == 200
    edit_link = re.search(r'href="(/posts/\d+/edit\?token=[^"]+)"', page.text).group(1)

    edited = client.submit(edit_link, edit_form(own_post, title="Buggy zu verschenken"))
    renewed = client.submit(
        f"/posts/{own_post.id}/renew", {"token": link.rsplit("/", 1)[1]}, page=link
    )
    closed = client.submit(
        f"/posts/{own_post.id}/close", {"token": link.rsplit("/", 1)[1]}, page=link
    )

    assert edited.status_code == renewed.status_code == closed.status_code == 303
    assert edited.location == renewed.location == closed.location == link
    post = stored(own_post)
    assert post.title == "Buggy zu verschenken"
    assert post.renew_count == 1
    assert post.status is PostStatus.CLOSED
    assert "Status: Erledigt" in client.get(link).text


def test_a_management_link_stops_working_when_its_secret_is_replaced(app, client, own_post):
    link = manage_path(own_post, app)
    own_post.manage_secret = "ein-neues-geheimnis"
    db.session.commit()

    assert client.get(link).status_code == 404
    token = link.rsplit("/", 1)[1]
    answer = client.submit(f"/posts/{own_post.id}/close", {"token": token}, page="/posts/new")
    assert answer.status_code == 403
    assert stored(own_post).status is PostStatus.PUBLISHED


def test_a_management_link_opens_only_its_own_post(app, client, own_post, new_post):
    other = new_post(title="Fremder Beitrag")
    token = manage_path(own_post, app).rsplit("/", 1)[1]

    assert client.get(f"/posts/{other.id}/manage/{token}").status_code == 404
    assert client.get(f"/posts/{other.id}/edit?token={token}").status_code == 403
    closed = client.submit(f"/posts/{other.id}/close", {"token": token}, page="/posts/new")
    assert closed.status_code == 403
    assert stored(other).status is PostStatus.PUBLISHED


def test_the_management_page_is_private(app, client, own_post):
    page = client.get(manage_path(own_post, app))

    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in page.headers["X-Robots-Tag"]


# ---------------------------------------------------------------- everyone else


@pytest.mark.parametrize(
    ("method", "action"), [("GET", "edit"), ("POST", "edit"), ("POST", "close"), ("POST", "renew")]
)
def test_someone_elses_post_cannot_be_changed(stranger, own_post, method, action, caplog):
    url = f"/posts/{own_post.id}/{action}"
    if method == "GET":
        answer = stranger.get(url)
    else:
        answer = stranger.submit(url, edit_form(own_post, title="Übernommen"), page="/posts/new")

    assert answer.status_code == 403
    assert f"refused {method} {url}" in caplog.text
    post = stored(own_post)
    assert (post.title, post.status, post.renew_count) == (
        "Kinderwagen zu verschenken",
        PostStatus.PUBLISHED,
        0,
    )


@pytest.mark.parametrize("action", ["edit", "close", "renew"])
def test_a_visitor_who_is_not_logged_in_is_asked_to_log_in(client, own_post, action):
    if action == "edit":
        answer = client.get(f"/posts/{own_post.id}/edit")
    else:
        answer = client.submit(f"/posts/{own_post.id}/{action}", {}, page="/posts/new")

    assert answer.status_code in (302, 303)
    assert answer.location.startswith("/login?next=")
    assert stored(own_post).status is PostStatus.PUBLISHED


@pytest.mark.parametrize("action", ["close", "renew"])
def test_an_action_button_without_csrf_token_does_nothing(author, own_post, action):
    answer = author.post(f"/posts/{own_post.id}/{action}", data={})

    assert answer.status_code == 400
    post = stored(own_post)
    assert (post.status, post.renew_count) == (PostStatus.PUBLISHED, 0)


def test_a_post_that_does_not_exist_is_not_found(author):
    for url in (
        "/posts/999999",
        "/posts/999999/edit",
        "/posts/999999/contact",
        "/posts/999999/manage/abc",
        "/posts/999999/confirm/abc",
        "/posts/99999999999999999999999",
    ):
        assert author.get(url).status_code == 404, url


@pytest.mark.parametrize("action", ["close", "renew"])
def test_closing_or_renewing_a_post_that_does_not_exist_is_not_found(author, action):
    answer = author.submit(f"/posts/999999/{action}", {}, page="/posts/new")

    assert answer.status_code == 404
    assert db.session.scalars(select(Post)).all() == []
