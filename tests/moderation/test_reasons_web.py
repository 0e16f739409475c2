"""The reasons moderators pick from: listed, added, changed and retired by the moderators."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from board.extensions import db
from board.moderation.models import ModerationAction, ReasonTemplate
from board.moderation.reasons import DEFAULT_REASONS, seed_reason_templates
from tests.conftest import BrowserLikeClient, expired_csrf_token
from tests.moderation.conftest import browser_for


@pytest.fixture
def browser(app: Flask, moderator: Any) -> BrowserLikeClient:
    seed_reason_templates()
    db.session.commit()
    return browser_for(app, moderator)


def named(title: str) -> ReasonTemplate:
    db.session.expire_all()
    return db.session.scalars(select(ReasonTemplate).where(ReasonTemplate.title == title)).one()


def test_the_list_shows_every_reason_with_its_rule_and_text(browser):
    page = browser.get("/moderation/reasons")

    assert page.status_code == 200
    for title, rule, text in DEFAULT_REASONS:
        assert title in page.text and rule in page.text and text in page.text
    assert '<meta name="robots" content="noindex">' in page.text


def test_a_new_reason_is_offered_when_rejecting(browser, waiting_post):
    post = waiting_post()

    answer = browser.submit(
        "/moderation/reasons/new",
        {"title": "Tiere", "rule": "Regel 6: Keine Tiere verkaufen.", "text": "Tiere nicht hier."},
    )
    listed = browser.get(answer.location).text
    page = browser.get(f"/moderation/posts/{post.id}").text

    assert answer.status_code == 303
    assert "Begründung „Tiere“ hinzugefügt." in listed
    assert named("Tiere").position == len(DEFAULT_REASONS)
    assert "Tiere nicht hier." in page


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"title": "", "rule": "", "text": "Ein Text"}, "Bitte geben Sie einen kurzen Titel ein."),
        (
            {"title": "  ", "rule": "", "text": "Ein Text"},
            "Bitte geben Sie einen kurzen Titel ein.",
        ),
        (
            {"title": "Titel", "rule": "Regel", "text": ""},
            "Bitte schreiben Sie den Text für die Person.",
        ),
        ({"title": "T" * 121, "rule": "", "text": "Ein Text"}, "Bitte höchstens 120 Zeichen."),
        ({"title": "Titel", "rule": "", "text": "x" * 2001}, "Bitte höchstens 2000 Zeichen."),
    ],
    ids=["no title", "blank title", "no text", "long title", "long text"],
)
def test_an_incomplete_reason_comes_back_with_what_was_typed(browser, form, message):
    answer = browser.submit("/moderation/reasons/new", form)

    assert answer.status_code == 422
    assert message in answer.text
    assert 'class="error-summary"' in answer.text
    if form["text"]:
        assert form["text"][:50] in answer.text
    assert db.session.scalar(select(ReasonTemplate).where(ReasonTemplate.title == "Titel")) is None


def test_an_expired_form_keeps_the_words(app, browser):
    stale = expired_csrf_token(app, browser, "/moderation/reasons/new")

    answer = browser.post(
        "/moderation/reasons/new",
        data={"csrf_token": stale, "title": "Langsam", "text": "Lange getippt"},
    )

    assert answer.status_code == 400
    assert "Lange getippt" in answer.text
    assert "Das Formular war zu lange geöffnet" in answer.text


def test_changing_a_reason_does_not_change_what_past_decisions_said(browser, waiting_post, mailbox):
    post = waiting_post()
    commercial = named("Gewerbliches Angebot")
    old_text = commercial.text
    browser.submit(
        f"/moderation/posts/{post.id}/reject",
        {"seen": "pending", "reject_reason": str(commercial.id), "reject_text": ""},
        page=f"/moderation/posts/{post.id}",
    )

    answer = browser.submit(
        f"/moderation/reasons/{commercial.id}/edit",
        {"title": "Werbung", "rule": commercial.rule, "text": "Neue Worte für Werbung."},
    )

    assert answer.status_code == 303
    assert named("Werbung").text == "Neue Worte für Werbung."
    decision = db.session.scalars(select(ModerationAction)).one()
    assert decision.reason == old_text
    assert old_text in browser.get(f"/moderation/posts/{post.id}").text


def test_the_edit_form_shows_the_current_words(browser):
    commercial = named("Gewerbliches Angebot")

    page = browser.get(f"/moderation/reasons/{commercial.id}/edit")

    assert page.status_code == 200
    assert commercial.text in page.text
    assert f'value="{commercial.title}"' in page.text


def test_a_retired_reason_is_no_longer_offered_and_can_come_back(browser, waiting_post):
    post = waiting_post()
    insult = named("Beleidigend oder herabsetzend")

    off = browser.submit(f"/moderation/reasons/{insult.id}/active", {"active": "0"})
    page_without = browser.get(f"/moderation/posts/{post.id}").text
    listed = browser.get("/moderation/reasons").text
    on = browser.submit(f"/moderation/reasons/{insult.id}/active", {"active": "1"})

    assert off.status_code == 303
    assert insult.text not in page_without
    assert "nicht angeboten" in listed and insult.title in listed
    assert on.status_code == 303
    assert named(insult.title).is_active
    assert insult.text in browser.get(f"/moderation/posts/{post.id}").text


def test_reason_words_with_markup_are_shown_as_text(browser, waiting_post):
    post = waiting_post()
    browser.submit(
        "/moderation/reasons/new",
        {"title": "<img src=x onerror=alert(1)>", "text": "<script>alert(1)</script>"},
    )

    for page in (
        browser.get("/moderation/reasons").text,
        browser.get(f"/moderation/posts/{post.id}").text,
    ):
        assert "<script>alert(1)" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_reason_that_does_not_exist_is_404(browser):
    assert browser.get("/moderation/reasons/999/edit").status_code == 404
    assert (
        browser.submit(
            "/moderation/reasons/999/active", {"active": "0"}, page="/moderation/reasons"
        ).status_code
        == 404
    )


def test_residents_cannot_change_reasons(app, resident, browser):
    commercial = named("Gewerbliches Angebot")
    rita = browser_for(app, resident)
    token = rita.csrf_token("/login")

    answer = rita.post(
        f"/moderation/reasons/{commercial.id}/edit",
        data={"csrf_token": token, "title": "Gehackt", "text": "Gehackt"},
    )
    off = rita.post(
        f"/moderation/reasons/{commercial.id}/active", data={"csrf_token": token, "active": "0"}
    )

    assert (answer.status_code, off.status_code) == (403, 403)
    assert named("Gewerbliches Angebot").is_active
