"""Issue 3's acceptance in a real browser: phones 360 px wide, JavaScript off, mail included.

Under "trust" a guest's first post waits until a moderator approves it on their phone; a verified
association's post goes up at once; three visitors reporting a post take it off the board until a
moderator restores it, and the audit log shows both.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from board.accounts.models import Role
from board.extensions import db
from tests import factories
from tests.conftest import Mailbox, body_of, links_in, wait_for
from tests.e2e.conftest import PHONE, TIMEOUT_MS, scroll_width

TITLE = "Rasenmäher zu verleihen"
GUEST = "nele.neu@example.org"
PASSWORD = "ein Satz zum Merken"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # The town's default policy; one proxy in front, so each visitor's address is their own
    # (the live server sees every browser as 127.0.0.1).
    return {**app_config, "MODERATION_POLICY": "trust", "PROXY_COUNT": 1}


@pytest.fixture
def town(app: Any) -> dict[str, Any]:
    factories.category("verleihen", "Verleihen", "Lend")
    factories.category("verschenken", "Verschenken", "Give away")
    moderator = factories.user(
        email="moritz.moderator@example.org", password=PASSWORD, role=Role.MODERATOR
    )
    member = factories.user(email="gerd.garten@example.org", password=PASSWORD)
    factories.organisation("Obst- und Gartenbauverein", verified=True, members=(member,))
    db.session.commit()
    return {"moderator": moderator, "member": member}


@pytest.fixture
def phones(browser: Any, live_server: str) -> Iterator[Any]:
    """Open a phone (no JavaScript) for another person, each with their own network address."""
    contexts: list[Any] = []

    def open_phone(address: str = "192.0.2.10") -> Any:
        context = browser.new_context(
            base_url=live_server,
            locale="de-DE",
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            java_script_enabled=False,
            extra_http_headers={"Accept-Language": "de-DE,de;q=0.9", "X-Forwarded-For": address},
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()


def mail_to(mailbox: Mailbox, address: str) -> Any:
    return wait_for(lambda: mailbox.sent_to(address), timeout=15)[-1]


def mail_about(mailbox: Mailbox, address: str, words: str) -> str:
    def arrived() -> str | None:
        for message in mailbox.sent_to(address):
            text = body_of(message)
            if words in str(message["Subject"]) or words in text:
                return text
        return None

    return wait_for(arrived, timeout=15)


def public_places(phone: Any) -> dict[str, str]:
    """What anyone sees: the board page, the JSON API and the Atom feed."""
    phone.goto("/")
    return {
        "board": phone.locator("main").inner_text(),
        "api": json.dumps(phone.request.get("/api/v1/posts").json(), ensure_ascii=False),
        "feed": phone.request.get("/feeds/posts.atom").text(),
    }


def shown_in(phone: Any, title: str) -> set[str]:
    return {place for place, text in public_places(phone).items() if title in text}


def log_in(phone: Any, address: str) -> None:
    phone.goto("/login")
    password_form = phone.locator("form", has=phone.get_by_label("Passwort"))
    password_form.get_by_label("E-Mail-Adresse").fill(address)
    password_form.get_by_label("Passwort").fill(PASSWORD)
    password_form.get_by_role("button", name="Anmelden").click()
    assert "Sie sind angemeldet." in phone.locator(".flash").inner_text()


def write_offer(phone: Any, category: str, title: str) -> None:
    phone.goto("/")
    phone.get_by_role("link", name="Beitrag erstellen").first.click()
    phone.get_by_label("Biete", exact=True).check()
    phone.get_by_label("Kategorie").select_option(label=category)
    phone.get_by_label("Überschrift").fill(title)
    phone.get_by_label("Text", exact=True).fill("Benzin, gut in Schuss. Abholen in Woffenbach.")


def test_a_guests_first_post_waits_until_a_moderator_approves_it_on_a_phone(
    town: Any, phones: Any, mailbox: Mailbox
) -> None:
    guest, visitor, moderator = phones("192.0.2.1"), phones("192.0.2.2"), phones("192.0.2.3")

    write_offer(guest, "Verleihen", TITLE)
    guest.get_by_label("Ihre E-Mail-Adresse").fill(GUEST)
    guest.get_by_role("button", name="Beitrag absenden").click()
    (confirm,) = [u for u in links_in(mail_to(mailbox, GUEST)) if "/confirm/" in u]
    guest.goto(confirm)
    guest.get_by_role("button", name="Jetzt veröffentlichen").click()
    assert "geprüft" in guest.locator(".flash").inner_text()

    assert shown_in(visitor, TITLE) == set()

    log_in(moderator, "moritz.moderator@example.org")
    moderator.goto("/moderation")
    card = moderator.locator("li", has_text=TITLE)
    card.get_by_role("button", name="Freigeben").click()
    assert f"Freigegeben: „{TITLE}“" in moderator.locator(".flash").inner_text()

    assert shown_in(visitor, TITLE) == {"board", "api", "feed"}
    assert "/posts/" in mail_about(mailbox, GUEST, f"„{TITLE}“ ist jetzt am Brett")


def test_a_verified_associations_post_appears_at_once(town: Any, phones: Any) -> None:
    member, visitor = phones("192.0.2.4"), phones("192.0.2.5")

    log_in(member, "gerd.garten@example.org")
    write_offer(member, "Verschenken", "Apfelbäume zum Selbstschneiden")
    member.get_by_role("button", name="Beitrag absenden").click()

    assert "Ihr Beitrag ist jetzt auf dem Brett." in member.locator(".flash").inner_text()
    assert shown_in(visitor, "Apfelbäume zum Selbstschneiden") == {"board", "api", "feed"}


def test_three_visitors_report_a_post_and_a_moderator_restores_it(
    town: Any, phones: Any, browser: Any, live_server: str
) -> None:
    post_id = factories.post(title=TITLE, author=town["member"]).id
    # Committed, and not read again here: a read would hold SQLite's lock against the server.
    db.session.commit()

    for number, reason in enumerate(("Spam", "Gewerblich", "Anderes"), start=1):
        visitor = phones(f"198.51.100.{number}")
        visitor.goto(f"/posts/{post_id}")
        visitor.get_by_role("link", name="Beitrag melden").click()
        visitor.get_by_label(reason, exact=True).check()
        if reason == "Anderes":
            visitor.get_by_label("Ihre Erläuterung").fill("<b>Wucherpreise</b> für Miete")
        visitor.get_by_role("button", name="Meldung absenden").click()
        assert visitor.get_by_role("heading", level=1).inner_text() == "Danke für Ihre Meldung"

    onlooker = phones("198.51.100.9")
    assert shown_in(onlooker, TITLE) == set()
    assert onlooker.goto(f"/posts/{post_id}").status == 404

    moderator = phones("192.0.2.3")
    log_in(moderator, "moritz.moderator@example.org")
    moderator.goto("/moderation")
    card = moderator.locator("li", has_text=TITLE)
    assert "3 offene Meldungen" in card.inner_text()
    assert "<b>Wucherpreise</b> für Miete" in card.inner_text()  # shown as typed, as text
    card.get_by_role("link", name="Prüfen").click()
    moderator.get_by_role("button", name="Wieder einblenden").click()
    assert f"Wieder auf dem Brett: „{TITLE}“" in moderator.locator(".flash").inner_text()

    assert shown_in(onlooker, TITLE) == {"board", "api", "feed"}
    moderator.goto("/moderation/log")
    log = moderator.locator("main").inner_text()
    assert "Nach Meldungen ausgeblendet" in log and "Wieder eingeblendet" in log
    widths = scroll_width(browser, live_server, [f"/posts/{post_id}/report"])
    assert max(widths.values()) <= PHONE["width"]
