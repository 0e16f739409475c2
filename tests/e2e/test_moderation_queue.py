"""A volunteer works the queue on a phone without JavaScript: log in, one tap, the post is up."""

from __future__ import annotations

import re
from typing import Any

from board.accounts.models import Role
from board.extensions import db
from board.posts.status import PostStatus
from tests import factories
from tests.e2e.conftest import PHONE

PASSWORD = "ein Satz zum Merken"


def test_a_moderator_approves_a_waiting_post_with_one_tap_on_a_phone(
    app: Any, phone: Any, browser: Any, live_server: str
) -> None:
    factories.user(
        email="mona@example.org", password=PASSWORD, role=Role.MODERATOR, display_name="Mona"
    )
    author = factories.user(email="rita@example.org", password=None, display_name="Rita")
    factories.post(
        title="Kinderwagen zu verschenken",
        author=author,
        status=PostStatus.PENDING,
        review_reason="new_author",
    )
    db.session.commit()

    phone.goto("/login?next=/moderation")
    password_form = phone.locator("form", has=phone.get_by_label("Passwort"))
    password_form.get_by_label("E-Mail-Adresse").fill("mona@example.org")
    password_form.get_by_label("Passwort").fill(PASSWORD)
    password_form.get_by_role("button", name="Anmelden").click()

    assert phone.get_by_role("heading", level=1).inner_text() == "Moderation"
    assert phone.get_by_role("link", name=re.compile(r"^Moderation \(1\)")).is_visible()
    card = phone.locator(".mod-card", has_text="Kinderwagen zu verschenken")
    assert "Erster Beitrag einer neuen Person" in card.inner_text()
    approve = card.get_by_role("button", name="Freigeben")
    box = approve.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]

    approve.click()

    assert "Freigegeben: „Kinderwagen zu verschenken“" in phone.locator(".flash").inner_text()
    assert "Alles erledigt" in phone.locator("main").inner_text()
    phone.goto("/")
    assert phone.get_by_role("link", name="Kinderwagen zu verschenken").is_visible()


def test_the_moderation_pages_fit_a_phone(app: Any, browser: Any, live_server: str) -> None:
    factories.user(email="mona@example.org", password=PASSWORD, role=Role.MODERATOR)
    author = factories.user(email="a.very.long.address.without.a.name@example.org", password=None)
    post = factories.post(
        title="Ein sehr langer Titel ohne Leerzeichen: Donaudampfschifffahrtsgesellschaftskapitän",
        body="https://example.org/ein/sehr/langer/link/der/nicht/umbrechen/will/" * 3,
        author=author,
        status=PostStatus.PENDING,
        review_reason="spam",
        review_note="links:3, blocklist:donaudampfschifffahrtsgesellschaft",
    )
    post_id = post.id
    # Committed, and not read again: an open transaction here would hold SQLite's write lock.
    db.session.commit()

    # Measuring needs JavaScript, so not the `phone` fixture: a phone-sized context of its own.
    context = browser.new_context(
        base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True, locale="de-DE"
    )
    try:
        page = context.new_page()
        page.goto("/login?next=/moderation")
        form = page.locator("form", has=page.get_by_label("Passwort"))
        form.get_by_label("E-Mail-Adresse").fill("mona@example.org")
        form.get_by_label("Passwort").fill(PASSWORD)
        form.get_by_role("button", name="Anmelden").click()
        page.wait_for_url("**/moderation")
        widths = {}
        for path in ["/moderation", f"/moderation/posts/{post_id}", "/moderation/reasons"]:
            page.goto(path)
            page.locator("details").evaluate_all("all => all.forEach(d => d.open = true)")
            widths[path] = int(page.evaluate("document.scrollingElement.scrollWidth"))
    finally:
        context.close()

    assert set(widths.values()) == {PHONE["width"]}, widths
