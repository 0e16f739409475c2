"""Printing a poster in a real browser: the QR code on paper leads a phone to the post."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from PIL import Image

from board.extensions import db
from tests import factories
from tests.printing.svg_qr import decode

A4 = {"width": 794, "height": 1123}  # 210 × 297 mm at 96 dpi


@pytest.fixture
def printer(browser: Any, live_server: str) -> Any:
    """A desktop page (with JavaScript, for the Drucken button) that collects console errors."""
    context = browser.new_context(base_url=live_server, locale="de-DE", viewport=A4)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    yield page
    context.close()


def read_qr(element: Any) -> list[str]:
    shot = element.screenshot()
    return decode(Image.open(io.BytesIO(shot)).convert("L"))


def test_a_printed_posters_qr_codes_lead_to_the_post(printer, live_server, app):
    post = factories.post(title="Kinderwagen zu verschenken", author=factories.user(password=None))
    db.session.commit()

    printer.goto(f"/posts/{post.id}/print")
    printer.emulate_media(media="print")

    assert read_qr(printer.locator(".poster-qr svg")) == [f"{live_server}/posts/{post.id}"]
    assert read_qr(printer.locator(".strip svg").last) == [f"{live_server}/posts/{post.id}"]
    # On paper: no site header, no hint, no button; the strips are on the sheet.
    assert not printer.locator("header.site").is_visible()
    assert not printer.locator(".print-tools").is_visible()
    assert printer.locator(".strip").count() == 8
    assert printer.console_errors == []  # e.g. a CSP violation


@pytest.mark.parametrize(
    "body",
    ["Ganz viel Text in vielen Absätzen.\n\n" * 140, "Eine Zeile\n" * 450],
    ids=["paragraphs", "lines"],
)
def test_a_poster_with_a_long_text_prints_on_one_a4_page(printer, app, body):
    post = factories.post(
        title=("Ein sehr langer Titel, der drei Zeilen auf dem Aushang füllt " * 3)[:120],
        body=body,
        author=factories.user(password=None),
    )
    db.session.commit()

    printer.goto(f"/posts/{post.id}/print")
    pdf = printer.pdf(format="A4", print_background=True)

    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
    # The tear-off strips are never what gives way.
    printer.emulate_media(media="print")
    assert printer.locator(".strips").bounding_box()["height"] > 250  # about 76 mm


def test_the_print_button_opens_the_print_dialog(printer, app):
    post = factories.post(author=factories.user(password=None))
    db.session.commit()
    printer.goto(f"/posts/{post.id}/print")
    # A stand-in for the dialog (a headless browser has none), counting how often it opens.
    printer.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")

    printer.get_by_role("button", name="Drucken").click()

    assert printer.evaluate("window.printed") == 1


def test_the_weekly_overviews_qr_code_leads_to_the_board(printer, live_server, app):
    factories.post(title="Kinderwagen zu verschenken", author=factories.user(password=None))
    db.session.commit()

    printer.goto("/print/week")
    printer.emulate_media(media="print")

    assert read_qr(printer.locator(".sheet-qr svg")) == [f"{live_server}/"]
    assert "Kinderwagen zu verschenken" in printer.locator(".sheet").inner_text()
    assert printer.console_errors == []
