"""Whole journeys on a phone, mail included, in a real browser without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest

from board.extensions import db
from tests import factories
from tests.conftest import Mailbox, links_in, wait_for


@pytest.fixture
def categories(app: Any) -> None:
    factories.category("nachbarschaftshilfe", "Nachbarschaftshilfe", "Neighbourly help")
    factories.category("verleihen", "Verleihen", "Lend")
    factories.district("woffenbach", "Woffenbach")
    db.session.commit()


def mailed_links(mailbox: Mailbox, address: str, live_server: str) -> list[str]:
    """The board links in the latest mail to the address (sent just after the response)."""
    mail = wait_for(lambda: mailbox.sent_to(address) and mailbox.last_to(address), timeout=15)
    links = [link for link in links_in(mail) if link.startswith(live_server)]
    assert links, f"no link to {live_server} in the mail: {links_in(mail)}"
    return links


def write_post(page: Any, kind: str, category: str, title: str, text: str) -> None:
    page.get_by_label(kind, exact=True).check()
    page.get_by_label("Kategorie").select_option(label=category)
    page.get_by_label("Überschrift").fill(title)
    page.get_by_label("Text", exact=True).fill(text)


def heading(page: Any) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def test_resident_registers_on_a_phone_confirms_by_mail_and_logs_in_again(
    phone: Any, mailbox: Mailbox, live_server: str
) -> None:
    phone.goto("/")
    phone.get_by_role("link", name="Anmelden").click()
    phone.get_by_role("link", name="Konto anlegen").click()
    phone.get_by_label("E-Mail-Adresse").fill("erna@example.org")
    phone.get_by_label("Passwort").fill("ein Satz zum Merken")
    phone.get_by_role("button", name="Konto anlegen").click()
    assert heading(phone) == "Bitte prüfen Sie Ihr E-Mail-Postfach"

    phone.goto(mailed_links(mailbox, "erna@example.org", live_server)[0])
    phone.get_by_role("button", name="Konto bestätigen und anmelden").click()

    assert "Willkommen!" in phone.locator(".flash").inner_text()
    assert heading(phone) == "Mein Konto"

    phone.get_by_role("button", name="Abmelden").click()
    assert "Sie sind abgemeldet." in phone.locator(".flash").inner_text()
    phone.get_by_role("link", name="Anmelden").click()
    password_form = phone.locator("form", has=phone.get_by_label("Passwort"))
    password_form.get_by_label("E-Mail-Adresse").fill("erna@example.org")
    password_form.get_by_label("Passwort").fill("ein Satz zum Merken")
    password_form.get_by_role("button", name="Anmelden").click()

    assert heading(phone) == "Mein Konto"
    assert "erna@example.org" in phone.locator("main").inner_text()


def test_guest_posts_a_request_from_a_phone_and_it_appears_once_the_mailed_link_is_clicked(
    phone: Any, mailbox: Mailbox, live_server: str, categories: None
) -> None:
    phone.goto("/")
    phone.get_by_role("link", name="Beitrag erstellen").click()
    write_post(
        phone,
        "Suche",
        "Verleihen",
        "Leiter für die Dachrinne gesucht",
        "Für einen Nachmittag.\nIch hole sie ab.",
    )
    phone.get_by_label("Ihre E-Mail-Adresse").fill("gast@example.org")
    phone.get_by_role("button", name="Beitrag absenden").click()

    assert "E-Mail-Postfach" in heading(phone)
    phone.goto("/")
    assert "Leiter für die Dachrinne" not in phone.locator("main").inner_text()

    confirm_link = mailed_links(mailbox, "gast@example.org", live_server)[0]
    phone.goto(confirm_link)
    phone.get_by_role("button", name="Jetzt veröffentlichen").click()
    assert "Ihr Beitrag ist bestätigt" in phone.locator(".flash").inner_text()

    phone.goto("/")
    first = phone.locator(".card").first
    assert first.locator("h2").inner_text() == "Leiter für die Dachrinne gesucht"
    assert first.locator(".badge").inner_text().lower() == "suche"
    assert "gast@example.org" not in phone.content()


def test_registered_resident_posts_an_offer_that_others_find_by_search(
    phone: Any, live_server: str, categories: None
) -> None:
    factories.user("ben@example.org", password="ein Satz zum Merken")
    db.session.commit()
    phone.goto("/login")
    password_form = phone.locator("form", has=phone.get_by_label("Passwort"))
    password_form.get_by_label("E-Mail-Adresse").fill("ben@example.org")
    password_form.get_by_label("Passwort").fill("ein Satz zum Merken")
    password_form.get_by_role("button", name="Anmelden").click()

    phone.get_by_role("link", name="Beitrag erstellen").click()
    write_post(
        phone,
        "Biete",
        "Nachbarschaftshilfe",
        "Hilfe beim Einkaufen für Ältere",
        "Dienstags fahre ich zum Markt und nehme gern etwas mit.",
    )
    phone.get_by_label("Ortsteil").select_option(label="Woffenbach")
    phone.get_by_role("button", name="Beitrag absenden").click()
    assert heading(phone) == "Hilfe beim Einkaufen für Ältere"

    phone.get_by_role("button", name="Abmelden").click()
    phone.get_by_role("searchbox", name="Suchbegriff").fill("aeltere einkaufen")
    phone.get_by_role("button", name="Suchen").click()

    card = phone.locator(".card")
    assert card.locator("h2").all_inner_texts() == ["Hilfe beim Einkaufen für Ältere"]
    assert "Woffenbach" in card.inner_text()
