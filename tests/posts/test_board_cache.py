"""The board page kept in memory for anonymous visitors is never wrong.

Whatever changes a post – its author, a moderator, a bulk job, a second server process, or
just the clock reaching its expiry – the next visitor sees the change, not the kept page.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text, update

from board import create_app
from board.extensions import db
from board.posts.models import Post
from board.posts.status import PostStatus, transition
from board.timeutil import utcnow
from tests import factories
from tests.posts.conftest import log_in_as
from tests.posts.test_board_speed import counted_statements


def kept_for(client, url: str = "/") -> str:
    """Visit twice; the second visit must come from memory (one query: the board version)."""
    client.get(url)
    with counted_statements() as seen:
        page = client.get(url)
    assert len(seen) == 1, "the page was not kept"
    return page.text


def test_a_closed_post_leaves_the_kept_board_at_once(client, new_post):
    post = new_post(title="Kinderwagen zu verschenken")
    assert "Kinderwagen zu verschenken" in kept_for(client)

    transition(post, PostStatus.CLOSED, utcnow())
    db.session.commit()

    assert "Kinderwagen zu verschenken" not in client.get("/").text


def test_an_edited_title_shows_at_once(client, new_post):
    post = new_post(title="Kinderwagen zu verschenken")
    assert "Kinderwagen zu verschenken" in kept_for(client)

    post.set_text("Kinderwagen und Babyschale zu verschenken", post.body)
    db.session.commit()

    assert "Kinderwagen und Babyschale zu verschenken" in client.get("/").text


def test_a_new_post_shows_at_once(client, new_post):
    new_post(title="Kinderwagen zu verschenken")
    kept_for(client)

    new_post(title="Suche Hilfe beim Umzug")

    assert "Suche Hilfe beim Umzug" in client.get("/").text


def test_a_post_removed_by_a_bulk_statement_leaves_at_once(client, new_post):
    post = new_post(title="Werbung für Kaffeefahrt")
    assert "Werbung für Kaffeefahrt" in kept_for(client)

    db.session.execute(update(Post).where(Post.id == post.id).values(status=PostStatus.REMOVED))
    db.session.commit()

    assert "Werbung für Kaffeefahrt" not in client.get("/").text


def test_a_deleted_post_leaves_at_once(client, new_post):
    post = new_post(title="Werbung für Kaffeefahrt")
    assert "Werbung für Kaffeefahrt" in kept_for(client)

    db.session.delete(post)
    db.session.commit()

    assert "Werbung für Kaffeefahrt" not in client.get("/").text


def test_even_hand_written_sql_is_noticed(client, new_post):
    post = new_post(title="Alter Titel")
    assert "Alter Titel" in kept_for(client)

    rename = text("update post set title = 'Neuer Titel' where id = :id")
    db.session.execute(rename, {"id": post.id})
    db.session.commit()

    assert "Neuer Titel" in client.get("/").text


def test_a_change_made_by_another_server_process_shows_at_once(app_config, client, new_post):
    """gunicorn's workers (and other hosts) keep pages of their own; the version is shared."""
    post_id = new_post(title="Kinderwagen zu verschenken").id
    assert "Kinderwagen zu verschenken" in kept_for(client)

    other_worker = create_app(app_config)
    with other_worker.app_context():
        theirs = db.session.get(Post, post_id)
        transition(theirs, PostStatus.CLOSED, utcnow())
        db.session.commit()
        db.engine.dispose()

    assert "Kinderwagen zu verschenken" not in client.get("/").text


def test_a_renamed_category_and_organisation_show_at_once(client, new_post, categories):
    club = factories.organisation("Obst- und Gartenbauverein")
    new_post(title="Apfelernte", organisation=club, category=categories["verschenken"])
    page = kept_for(client)
    assert "Obst- und Gartenbauverein" in page and "Verschenken" in page

    club.name = "Gartenfreunde Woffenbach"
    categories["verschenken"].name_de = "Zu verschenken"
    db.session.commit()

    page = client.get("/").text
    assert "Gartenfreunde Woffenbach" in page
    assert "Zu verschenken" in page


def test_a_post_leaves_the_board_when_it_expires_though_nothing_was_written(
    app, client, clock, new_post
):
    app.config["PAGE_CACHE_SECONDS"] = 3600  # only the expiry may end the kept page
    new_post(title="Flohmarkt heute", expires_at=clock.now + timedelta(minutes=10))
    new_post(title="Rasenmäher zu verleihen", expires_at=clock.now + timedelta(days=20))
    assert "Flohmarkt heute" in kept_for(client)

    clock.advance(minutes=9, seconds=59)
    assert "Flohmarkt heute" in kept_for(client)
    clock.advance(seconds=2)

    page = client.get("/").text
    assert "Flohmarkt heute" not in page
    assert "Rasenmäher zu verleihen" in page


def test_a_post_expiring_on_page_one_moves_the_next_up_from_page_two(app, client, clock, new_post):
    app.config["PAGE_CACHE_SECONDS"] = 3600
    app.config["POSTS_PER_PAGE"] = 2
    new_post(
        title="Neuester Beitrag",
        published_at=clock.now - timedelta(hours=1),
        expires_at=clock.now + timedelta(minutes=10),
    )
    new_post(title="Mittlerer Beitrag", published_at=clock.now - timedelta(hours=2))
    new_post(title="Ältester Beitrag", published_at=clock.now - timedelta(hours=3))
    assert "Ältester Beitrag" in kept_for(client, "/?page=2")

    clock.advance(minutes=11)

    assert "Ältester Beitrag" not in client.get("/?page=2").text
    assert "Ältester Beitrag" in client.get("/").text


def test_the_age_of_a_post_stays_right_to_the_minute(client, clock, new_post):
    new_post(title="Kinderwagen zu verschenken", published_at=clock.now - timedelta(minutes=5))
    assert "vor 5 Minuten" in kept_for(client)

    clock.advance(minutes=2)

    assert "vor 7 Minuten" in client.get("/").text


def test_logged_in_residents_and_visitors_never_get_each_others_page(
    client, other_client, poster, new_post
):
    new_post(title="Kinderwagen zu verschenken")
    kept_for(other_client)
    log_in_as(client, poster)

    mine = client.get("/")
    visitors = other_client.get("/")

    assert "Abmelden" in mine.text
    assert mine.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in mine.headers
    assert "Abmelden" not in visitors.text
    assert "Anmelden" in visitors.text


def test_a_flashed_message_is_shown_once_to_its_visitor_only(client, other_client, new_post):
    new_post(title="Kinderwagen zu verschenken")
    kept_for(other_client)
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "Ihr Beitrag ist erledigt.")]

    assert "Ihr Beitrag ist erledigt." in client.get("/").text
    assert "Ihr Beitrag ist erledigt." not in other_client.get("/").text
    assert "Ihr Beitrag ist erledigt." not in client.get("/").text


def test_english_visitors_get_the_english_board(client, other_client, new_post):
    new_post(title="Kinderwagen zu verschenken")
    assert '<html lang="de">' in kept_for(client)
    other_client.set_cookie("lang", "en")

    assert '<html lang="en">' in other_client.get("/").text
    assert '<html lang="de">' in client.get("/").text


def test_a_browser_asking_again_gets_not_modified_until_the_board_changes(client, new_post):
    post = new_post(title="Kinderwagen zu verschenken")
    first = client.get("/")
    etag = first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]

    again = client.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""

    transition(post, PostStatus.CLOSED, utcnow())
    db.session.commit()
    changed = client.get("/", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert "Kinderwagen zu verschenken" not in changed.text


def test_endless_made_up_query_strings_do_not_fill_the_memory(app, client, new_post):
    from board.posts.cache import MAX_PAGES

    new_post(title="Kinderwagen zu verschenken")
    for number in range(MAX_PAGES + 20):
        assert client.get(f"/?utm={number}").status_code == 200

    assert len(app.extensions["board_cache"].pages) == MAX_PAGES
