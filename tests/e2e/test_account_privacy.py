"""A resident takes their data and leaves, on a phone without JavaScript."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from board.extensions import db
from tests import factories
from tests.conftest import Mailbox, body_of, wait_for

ADDRESS = "helga@example.org"
PASSWORD = "richtig-langes-passwort"  # what tests.factories.user() sets


def log_in(phone: Any) -> None:
    phone.goto("/login")
    form = phone.locator("form", has=phone.get_by_label("Passwort"))
    form.get_by_label("E-Mail-Adresse").fill(ADDRESS)
    form.get_by_label("Passwort").fill(PASSWORD)
    form.get_by_role("button", name="Anmelden").click()


def test_a_resident_downloads_their_data_then_deletes_the_account(
    phone: Any, mailbox: Mailbox, app: Any
) -> None:
    helga = factories.user(email=ADDRESS, display_name="Helga")
    factories.post(title="Biete Marmelade vom Hof", author=helga)
    db.session.commit()
    log_in(phone)

    phone.get_by_role("link", name="Mein Konto").click()
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Meine Daten herunterladen").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["account"]["email"] == ADDRESS
    assert [post["title"] for post in data["posts"]] == ["Biete Marmelade vom Hof"]

    phone.get_by_role("link", name="Konto löschen").click()
    phone.get_by_label("Ihre E-Mail-Adresse zur Bestätigung").fill("helga@example.com")
    phone.get_by_label("Passwort").fill(PASSWORD)
    phone.get_by_role("button", name="Konto endgültig löschen").click()
    assert "Das ist nicht die Adresse dieses Kontos" in phone.locator(".error-summary").inner_text()
    assert phone.get_by_label("Ihre E-Mail-Adresse zur Bestätigung").input_value() == (
        "helga@example.com"
    )

    phone.get_by_label("Ihre E-Mail-Adresse zur Bestätigung").fill(ADDRESS)
    phone.get_by_label("Passwort").fill(PASSWORD)
    phone.get_by_role("button", name="Konto endgültig löschen").click()

    assert "Ihr Konto und Ihr Beitrag sind gelöscht." in phone.locator(".flash").inner_text()
    assert "Biete Marmelade vom Hof" not in phone.locator("main").inner_text()
    assert phone.get_by_role("link", name="Anmelden").is_visible()
    goodbye = wait_for(lambda: mailbox.sent_to(ADDRESS), timeout=15)[-1]
    assert "Ihr Beitrag ist vom Brett genommen" in body_of(goodbye)
