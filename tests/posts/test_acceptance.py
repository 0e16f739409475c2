"""Issue 2's acceptance stories for posting, told the way residents live them."""

from __future__ import annotations

import re

from tests import factories
from tests.conftest import body_of
from tests.posts.conftest import log_in_as, mailed_links


def link_on(page: str, words: str) -> str:
    """The href of the link or button-form a person would tap, found by its words."""
    match = re.search(rf'href="([^"]+)"[^>]*>{re.escape(words)}<', page)
    assert match, f"no link {words!r} on the page"
    return match.group(1).replace("&amp;", "&")


def test_a_resident_posts_an_offer_and_a_neighbour_gets_in_touch(
    client, other_client, categories, districts, mailbox
):
    poster = factories.user(email="paul.poster@example.org", password=None)
    log_in_as(client, poster)
    pages = []

    form_page = client.get(link_on(client.get("/").text, "Beitrag erstellen"))
    pages.append(form_page)
    posted = client.submit(
        "/posts/new",
        {
            "kind": "offer",
            "category": str(categories["verschenken"].id),
            "district": str(districts["woffenbach"].id),
            "title": "Zwei Kinderfahrräder zu verschenken",
            "body": "16 und 20 Zoll. Bitte selbst abholen.",
        },
    )
    assert posted.status_code == 303
    pages.append(client.get(posted.location))

    board = other_client.get("/")
    search = other_client.get("/?q=fahrrad")
    pages += [board, search]
    assert "Zwei Kinderfahrräder zu verschenken" in board.text
    assert "Zwei Kinderfahrräder zu verschenken" in search.text

    detail = other_client.get(link_on(search.text, "Zwei Kinderfahrräder zu verschenken"))
    contact_url = link_on(detail.text, "Nachricht schreiben")
    contact_page = other_client.get(contact_url)
    pages += [detail, contact_page]
    sent = other_client.submit(
        contact_url,
        {
            "name": "Nina Nachbarin",
            "email": "nina@example.org",
            "message": "Das 20-Zoll-Rad wäre toll für meine Tochter. Passt Samstag?",
        },
    )
    assert sent.status_code == 303
    pages.append(other_client.get(sent.location))

    mail = mailbox.last_to("paul.poster@example.org")
    assert mail["Reply-To"] == "nina@example.org"
    assert "Zwei Kinderfahrräder zu verschenken" in mail["Subject"]
    assert "Passt Samstag?" in body_of(mail)
    for page in pages:
        assert page.status_code == 200
        assert "paul.poster@example.org" not in page.text


def test_a_guest_asks_for_help_with_only_an_address_and_manages_it_by_link(
    client, other_client, categories, mailbox
):
    client.submit(
        "/posts/new",
        {
            "kind": "request",
            "category": str(categories["verleihen"].id),
            "title": "Suche Hilfe beim Umzug",
            "body": "Am Samstagvormittag, zwei Stunden, ein paar Kisten.",
            "email": "greta@example.org",
        },
    )
    assert "Suche Hilfe beim Umzug" not in other_client.get("/").text

    confirm, manage = mailed_links(mailbox, "greta@example.org")
    assert "Jetzt veröffentlichen" in client.get(confirm).text
    assert "Suche Hilfe beim Umzug" not in other_client.get("/?q=umzug").text
    client.submit(confirm, {})
    assert "Suche Hilfe beim Umzug" in other_client.get("/?q=umzug").text

    management = client.get(manage).text
    edit_url = link_on(management, "Bearbeiten")
    edited = client.submit(
        edit_url,
        {
            "kind": "request",
            "category": str(categories["verleihen"].id),
            "title": "Suche Hilfe beim Umzug am Samstag",
            "body": "Am Samstagvormittag, zwei Stunden, ein paar Kisten.",
        },
    )
    assert edited.status_code == 303
    assert "Suche Hilfe beim Umzug am Samstag" in other_client.get("/").text

    token = manage.rsplit("/", 1)[1]
    post_id = manage.split("/")[2]
    closed = client.submit(f"/posts/{post_id}/close", {"token": token}, page=manage)
    assert closed.status_code == 303
    assert "Erledigt" in client.get(closed.location).text
    assert "Suche Hilfe beim Umzug" not in other_client.get("/").text
