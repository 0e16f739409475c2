"""The queue a volunteer opens on their phone: what waits, why, and one tap to let it through."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from board.extensions import db
from board.moderation import policy, queries
from board.moderation.models import Report, ReportReason
from board.posts.models import PostKind
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests import factories
from tests.moderation.conftest import browser_for

S = PostStatus


def report(post: Any, key: str, reason: ReportReason = ReportReason.SPAM, text: str = "") -> None:
    db.session.add(Report(post_id=post.id, reporter_key=key, reason=reason, text=text))
    db.session.commit()


def section(html: str, heading: str) -> str:
    """The part of the queue page under one heading (up to the next section)."""
    start = html.index(f">{heading} <")
    end = html.find("<section", start)
    return html[start : end if end != -1 else len(html)]


def test_waiting_posts_come_oldest_first_and_say_why_they_wait(
    app, moderator, waiting_post, resident
):
    now = utcnow()
    waiting_post(
        "Neu hier", status_changed_at=now - timedelta(minutes=5), review_reason="new_author"
    )
    waiting_post(
        "Billige Uhren",
        status_changed_at=now - timedelta(hours=2),
        review_reason=policy.SPAM,
        review_note="links:5, blocklist:casino",
    )
    waiting_post(
        "Bitte nochmal",
        status_changed_at=now - timedelta(hours=1),
        review_reason=policy.APPEAL,
        review_note="Das ist kein Gewerbe, ich verkaufe privat.",
    )
    waiting_post(
        "Geändert", status_changed_at=now - timedelta(minutes=30), review_reason="resubmitted"
    )

    page = browser_for(app, moderator).get("/moderation")

    assert page.status_code == 200
    waiting = section(page.text, "Zur Freigabe")
    titles = re.findall(r'<h3><a href="/moderation/posts/\d+">([^<]+)</a>', waiting)
    assert titles == ["Billige Uhren", "Bitte nochmal", "Geändert", "Neu hier"]
    assert "Spamverdacht: 5 Links, Sperrwort „casino“" in waiting
    assert "Einspruch: Das ist kein Gewerbe, ich verkaufe privat." in waiting
    assert "Nach Änderung erneut eingereicht" in waiting
    assert "Erster Beitrag einer neuen Person" in waiting
    assert "Rita · neu" in waiting
    assert "vor 2 Stunden" in waiting
    assert waiting.count(">Freigeben<") == 4
    assert "4 Beiträge warten auf eine Entscheidung." in page.text


def test_an_author_with_approved_posts_is_shown_with_their_count(app, moderator, waiting_post):
    waiting_post("Schon bekannt", status=S.PUBLISHED)
    waiting_post("Noch einer", status=S.PUBLISHED)
    waiting_post("Wartet", review_reason="every_post")

    page = browser_for(app, moderator).get("/moderation")

    assert "Rita · 2 freigegeben" in page.text
    assert "Alle Beiträge werden vorab geprüft" in page.text


def test_one_tap_on_freigeben_puts_the_post_on_the_board(app, moderator, waiting_post, mailbox):
    post = waiting_post("Kinderwagen zu verschenken")
    browser = browser_for(app, moderator)

    answer = browser.submit(
        f"/moderation/posts/{post.id}/approve", {"seen": "pending"}, page="/moderation"
    )
    queue = browser.get(answer.location)

    assert answer.status_code == 303
    assert answer.location == "/moderation"
    assert "Freigegeben: „Kinderwagen zu verschenken“" in queue.text
    assert "Alles erledigt" in queue.text
    assert "Kinderwagen zu verschenken" in browser_for(app).get("/").text


def test_reported_posts_show_their_reports_and_whether_they_are_hidden(
    app, moderator, waiting_post
):
    hidden = waiting_post("Beleidigung", status=S.HIDDEN, review_reason=policy.REPORTS)
    for key in ("a", "b", "c"):
        report(hidden, key, ReportReason.OFFENSIVE, text=f"Gemein {key}")
    still_up = waiting_post("Werbung?", status=S.PUBLISHED)
    report(still_up, "d", ReportReason.COMMERCIAL, text="Das ist ein Laden")

    page = browser_for(app, moderator).get("/moderation")

    reported = section(page.text, "Gemeldet")
    assert reported.index("Beleidigung") < reported.index("Werbung?")  # hidden ones first
    assert "3 offene Meldungen" in reported
    assert "ausgeblendet, bis Sie entscheiden" in reported
    assert "Beleidigend" in reported and "Gemein b" in reported
    assert "1 offene Meldung" in reported and "noch auf dem Brett" in reported
    assert "Gewerblich" in reported and "Das ist ein Laden" in reported


def test_report_texts_and_titles_with_markup_are_shown_as_text(app, moderator, waiting_post):
    post = waiting_post("<b>Fett</b>", status=S.PUBLISHED)
    report(post, "x", ReportReason.OTHER, text="<script>alert(1)</script>")

    page = browser_for(app, moderator).get("/moderation")

    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "&lt;b&gt;Fett&lt;/b&gt;" in page.text


def test_published_but_unreviewed_posts_appear_only_when_there_are_some(
    app, moderator, waiting_post
):
    browser = browser_for(app, moderator)
    assert "Veröffentlicht, noch ungeprüft" not in browser.get("/moderation").text

    waiting_post("Sofort online", status=S.PUBLISHED, is_awaiting_review=True)
    page = browser.get("/moderation").text

    unreviewed = section(page, "Veröffentlicht, noch ungeprüft")
    assert "Sofort online" in unreviewed
    assert ">Freigeben<" in unreviewed


def test_approving_an_unreviewed_post_keeps_it_up_and_takes_it_off_the_list(
    app, moderator, waiting_post
):
    post = waiting_post("Sofort online", status=S.PUBLISHED, is_awaiting_review=True)
    browser = browser_for(app, moderator)

    answer = browser.submit(
        f"/moderation/posts/{post.id}/approve", {"seen": "published"}, page="/moderation"
    )

    assert answer.status_code == 303
    db.session.refresh(post)
    assert (post.status, post.is_awaiting_review) == (S.PUBLISHED, False)
    assert "Veröffentlicht, noch ungeprüft" not in browser.get("/moderation").text
    assert "Sofort online" in browser_for(app).get("/").text


def test_hidden_posts_are_listed_with_why(app, moderator, waiting_post):
    waiting_post("Vom Team versteckt", status=S.HIDDEN, review_reason=policy.MODERATOR)

    page = browser_for(app, moderator).get("/moderation").text

    hidden = section(page, "Ausgeblendet")
    assert "Vom Team versteckt" in hidden
    assert "Von der Moderation ausgeblendet" in hidden
    assert ">Freigeben<" not in hidden


def test_an_empty_queue_tells_the_volunteer_they_are_done(app, moderator):
    page = browser_for(app, moderator).get("/moderation")

    assert "Alles erledigt" in page.text
    assert "Nichts wartet auf Sie" in page.text


def test_a_moderators_own_waiting_post_has_no_approve_button(app, moderator, waiting_post):
    waiting_post("Mein eigener", author=moderator)

    page = browser_for(app, moderator).get("/moderation").text

    assert "Ihr eigener Beitrag" in page
    assert ">Freigeben<" not in page


def test_the_queue_is_private_and_not_indexed(app, moderator):
    page = browser_for(app, moderator).get("/moderation")

    assert '<meta name="robots" content="noindex">' in page.text
    assert "no-store" in page.headers["Cache-Control"]
    assert "css/moderation.css" in page.text


def test_the_queue_costs_the_same_queries_for_three_posts_or_thirty(
    app, moderator, waiting_post, categories
):
    def queries_for_queue() -> int:
        browser = browser_for(app, moderator)
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert browser.get("/moderation").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    def add(n: int) -> None:
        for i in range(n):
            author = factories.user(password=None)
            waiting_post(f"Wartet {i}", author=author, kind=PostKind.REQUEST)
            report(waiting_post(f"Gemeldet {i}", author=author, status=S.PUBLISHED), f"k{i}")
            waiting_post(f"Ungeprüft {i}", status=S.PUBLISHED, is_awaiting_review=True)
            waiting_post(f"Versteckt {i}", status=S.HIDDEN, review_reason=policy.MODERATOR)

    add(3)
    few = queries_for_queue()
    add(27)
    many = queries_for_queue()

    assert many == few


# ---------------------------------------------------------------- the navigation's number


def test_moderators_see_how_much_waits_in_the_navigation(app, moderator, waiting_post):
    waiting_post("Eins")
    waiting_post("Zwei")

    page = browser_for(app, moderator).get("/")

    assert re.search(
        r'href="/moderation">Moderation \(2\)<span class="sr-only"> wartend', page.text
    )


@pytest.mark.parametrize("who", ["anonymous", "resident"])
def test_others_get_no_moderation_link_and_cost_no_count(
    app: Flask, who: str, resident: Any, waiting_post: Any, monkeypatch: Any
) -> None:
    waiting_post("Eins")

    def refuse(now: Any) -> None:
        raise AssertionError("the queue was counted for someone who does not moderate")

    monkeypatch.setattr(queries, "queue_counts", refuse)
    page = browser_for(app, resident if who == "resident" else None).get("/")

    assert page.status_code == 200
    assert 'href="/moderation"' not in page.text
