"""Whole journeys on a phone, mail included, in a real browser without JavaScript."""

from __future__ import annotations

from typing import Any

from tests.conftest import Mailbox, links_in, wait_for


def mailed_link(mailbox: Mailbox, address: str, live_server: str) -> str:
    """The first board link in the latest mail to the address (sent just after the response)."""
    mail = wait_for(lambda: mailbox.sent_to(address) and mailbox.last_to(address))
    links = [link for link in links_in(mail) if link.startswith(live_server)]
    assert links, f"no link to {live_server} in the mail: {links_in(mail)}"
    return links[0]


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

    phone.goto(mailed_link(mailbox, "erna@example.org", live_server))
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
