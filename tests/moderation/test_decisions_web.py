"""Deciding on a post through the moderator's page: the post changes, the log records it, the
author is told by mail with the reasons; a post decided meanwhile by someone else stays decided."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from board.extensions import db
from board.moderation import services
from board.moderation.models import Action, ModerationAction, ReasonTemplate, Report, ReportReason
from board.moderation.reasons import seed_reason_templates
from board.posts.models import Post
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests.conftest import BrowserLikeClient, body_of, expired_csrf_token, links_in, wait_for
from tests.moderation.conftest import browser_for

S = PostStatus
RITA = "rita.resident@example.org"


def decide(browser: BrowserLikeClient, post: Post, action: str, **form: str) -> Any:
    """Send a decision form from the post's page, with the status the page showed."""
    page = f"/moderation/posts/{post.id}"
    seen = form.pop("seen", post.status.value)
    return browser.submit(f"{page}/{action}", {"seen": seen, **form}, page=page)


def fresh(post: Post) -> Post:
    db.session.expire_all()
    return db.session.get(Post, post.id)


def log_of(post: Post) -> list[ModerationAction]:
    query = (
        select(ModerationAction)
        .where(ModerationAction.post_id == post.id)
        .order_by(ModerationAction.id)
    )
    return list(db.session.scalars(query))


def mail_to_rita(mailbox: Any) -> str:
    return body_of(wait_for(lambda: mailbox.sent_to(RITA) and mailbox.last_to(RITA)))


def template(title: str) -> ReasonTemplate:
    return db.session.scalars(select(ReasonTemplate).where(ReasonTemplate.title == title)).one()


@pytest.fixture
def reasons(app: Flask) -> None:
    seed_reason_templates()
    db.session.commit()


@pytest.fixture
def browser(app: Flask, moderator: Any) -> BrowserLikeClient:
    return browser_for(app, moderator)


# ---------------------------------------------------------------- each decision


def test_approving_publishes_the_post_logs_it_and_tells_the_author(
    app, browser, waiting_post, moderator, mailbox
):
    post = waiting_post()

    answer = decide(browser, post, "approve")

    assert answer.status_code == 303
    assert fresh(post).status is S.PUBLISHED
    entry = log_of(post)[-1]
    assert (entry.action, entry.actor_id, entry.from_status, entry.to_status) == (
        Action.APPROVE,
        moderator.id,
        "pending",
        "published",
    )
    mail = mail_to_rita(mailbox)
    assert "ist jetzt am Schwarzen Brett" in mail
    assert f"http://board.test/posts/{post.id}" in mail


def test_rejecting_with_a_template_and_own_words_sends_both_with_the_rule_and_an_appeal_link(
    app, browser, waiting_post, reasons, mailbox
):
    post = waiting_post()
    commercial = template("Gewerbliches Angebot")

    page = browser.get(f"/moderation/posts/{post.id}").text
    answer = decide(
        browser,
        post,
        "reject",
        reject_reason=str(commercial.id),
        reject_text="Bitte wenden Sie sich an die Gewerbeseite der Stadt.",
    )

    assert "Gewerbliches Angebot" in page and commercial.text in page
    assert answer.status_code == 303
    assert fresh(post).status is S.REJECTED
    entry = log_of(post)[-1]
    assert entry.action is Action.REJECT
    assert entry.rule == commercial.rule
    assert (
        entry.reason == f"{commercial.text}\n\nBitte wenden Sie sich an die Gewerbeseite der Stadt."
    )
    mail = mail_to_rita(mailbox)
    assert commercial.rule in mail
    assert commercial.text in mail
    assert "Bitte wenden Sie sich an die Gewerbeseite der Stadt." in mail
    assert any("/moderation/appeal/" in link for link in links_in(mailbox.last_to(RITA)))


def test_rejecting_with_own_words_only_is_enough(app, browser, waiting_post, reasons, mailbox):
    post = waiting_post()

    answer = decide(browser, post, "reject", reject_reason="", reject_text="Das ist doppelt.")

    assert answer.status_code == 303
    assert fresh(post).status is S.REJECTED
    assert log_of(post)[-1].reason == "Das ist doppelt."
    assert "Das ist doppelt." in mail_to_rita(mailbox)


def test_rejecting_without_any_reason_keeps_the_page_and_changes_nothing(
    app, browser, waiting_post, reasons
):
    post = waiting_post()

    answer = decide(browser, post, "reject", reject_reason="", reject_text="   ")

    assert answer.status_code == 422
    assert "Bitte wählen Sie eine Begründung oder schreiben Sie eine." in answer.text
    assert '<details class="decision" open>' in answer.text
    assert fresh(post).status is S.PENDING
    assert [e.action for e in log_of(post)] == []


def test_a_reason_template_that_is_not_offered_is_refused(app, browser, waiting_post, reasons):
    post = waiting_post()
    retired = template("Nicht aus dem Ort")
    retired.is_active = False
    db.session.commit()

    page = browser.get(f"/moderation/posts/{post.id}").text
    answer = decide(browser, post, "reject", reject_reason=str(retired.id), reject_text="Weit weg")

    assert "Nicht aus dem Ort" not in page
    assert answer.status_code == 422
    assert "Bitte wählen Sie einen der angebotenen Einträge." in answer.text
    assert "Weit weg" in answer.text  # what the moderator typed is still there
    assert fresh(post).status is S.PENDING


def test_asking_for_changes_returns_the_post_with_the_message_and_a_link_to_change_it(
    app, browser, waiting_post, mailbox
):
    post = waiting_post()

    answer = decide(
        browser, post, "request-changes", changes_message="Bitte nennen Sie den Ortsteil."
    )

    assert answer.status_code == 303
    assert fresh(post).status is S.RETURNED
    entry = log_of(post)[-1]
    assert (entry.action, entry.reason) == (
        Action.REQUEST_CHANGES,
        "Bitte nennen Sie den Ortsteil.",
    )
    mail = mail_to_rita(mailbox)
    assert "Bitte nennen Sie den Ortsteil." in mail
    assert links_in(mailbox.last_to(RITA))


def test_asking_for_changes_without_a_message_is_refused(app, browser, waiting_post):
    post = waiting_post()

    answer = decide(browser, post, "request-changes", changes_message="")

    assert answer.status_code == 422
    assert "Bitte schreiben Sie, was geändert werden soll." in answer.text
    assert fresh(post).status is S.PENDING


def test_hiding_takes_the_post_off_the_board_and_tells_the_author_why(
    app, browser, waiting_post, reasons, mailbox
):
    post = waiting_post(status=S.PUBLISHED)
    insult = template("Beleidigend oder herabsetzend")

    answer = decide(browser, post, "hide", hide_reason=str(insult.id), hide_text="")

    assert answer.status_code == 303
    assert fresh(post).status is S.HIDDEN
    assert "Kinderwagen zu verschenken" not in browser_for(app).get("/").text
    entry = log_of(post)[-1]
    assert (entry.action, entry.rule) == (Action.HIDE, insult.rule)
    mail = mail_to_rita(mailbox)
    assert "vorerst nicht mehr zu sehen" in mail
    assert insult.rule in mail
    assert any("/moderation/appeal/" in link for link in links_in(mailbox.last_to(RITA)))


def test_restoring_brings_a_hidden_post_back(app, browser, waiting_post, mailbox):
    post = waiting_post(status=S.HIDDEN, review_reason="reports")
    db.session.add(Report(post_id=post.id, reporter_key="a", reason=ReportReason.SPAM))
    db.session.commit()

    answer = decide(browser, post, "restore")

    assert answer.status_code == 303
    assert fresh(post).status is S.PUBLISHED
    assert "Kinderwagen zu verschenken" in browser_for(app).get("/").text
    assert log_of(post)[-1].action is Action.RESTORE
    assert db.session.scalars(select(Report)).one().resolved_at is not None
    assert f"http://board.test/posts/{post.id}" in mail_to_rita(mailbox)


def test_dismissing_reports_keeps_the_post_up_and_settles_them(app, browser, waiting_post):
    post = waiting_post(status=S.PUBLISHED)
    db.session.add(Report(post_id=post.id, reporter_key="a", reason=ReportReason.OTHER))
    db.session.commit()

    page = browser.get(f"/moderation/posts/{post.id}").text
    answer = decide(browser, post, "dismiss-reports")

    assert "Meldungen zurückweisen" in page
    assert answer.status_code == 303
    assert fresh(post).status is S.PUBLISHED
    assert log_of(post)[-1].action is Action.DISMISS_REPORTS
    assert db.session.scalars(select(Report)).one().resolved_at is not None
    assert "Gemeldet" not in browser.get("/moderation").text


def test_correcting_a_typo_keeps_before_and_after_and_tells_the_author(
    app, browser, waiting_post, mailbox
):
    post = waiting_post("Kinderwagn zu verschenken", status=S.PUBLISHED)

    answer = decide(
        browser,
        post,
        "edit",
        edit_title="Kinderwagen zu verschenken",
        edit_body=post.body,
        edit_note="Tippfehler in der Überschrift.",
    )

    assert answer.status_code == 303
    assert answer.location == f"/moderation/posts/{post.id}"
    assert fresh(post).title == "Kinderwagen zu verschenken"
    assert fresh(post).status is S.PUBLISHED
    entry = log_of(post)[-1]
    assert entry.action is Action.EDIT
    assert entry.details["before"]["title"] == "Kinderwagn zu verschenken"
    assert entry.details["after"]["title"] == "Kinderwagen zu verschenken"
    mail = mail_to_rita(mailbox)
    assert "Kinderwagn zu verschenken" in mail and "Tippfehler in der Überschrift." in mail
    history = browser.get(f"/moderation/posts/{post.id}").text
    assert "<del>Kinderwagn</del>" in history and "<ins>Kinderwagen</ins>" in history


def test_a_correction_with_an_empty_title_comes_back_with_the_text(app, browser, waiting_post):
    post = waiting_post()

    answer = decide(browser, post, "edit", edit_title="", edit_body="Neuer Text, fast fertig.")

    assert answer.status_code == 422
    assert "Bitte geben Sie eine Überschrift ein." in answer.text
    assert "Neuer Text, fast fertig." in answer.text
    assert fresh(post).title == "Kinderwagen zu verschenken"


def test_an_expired_form_keeps_the_reason_and_gives_a_fresh_token(app, browser, waiting_post):
    post = waiting_post()
    stale = expired_csrf_token(app, browser, f"/moderation/posts/{post.id}")

    answer = browser.post(
        f"/moderation/posts/{post.id}/reject",
        data={"csrf_token": stale, "seen": "pending", "reject_text": "Leider doppelt."},
    )

    assert answer.status_code == 400
    assert "Leider doppelt." in answer.text
    assert 'name="csrf_token"' in answer.text
    assert fresh(post).status is S.PENDING


def test_reasons_with_markup_are_shown_as_text_in_the_history(app, browser, waiting_post):
    post = waiting_post()

    decide(browser, post, "reject", reject_text="<script>alert('x')</script> bitte nicht")
    page = browser.get(f"/moderation/posts/{post.id}").text

    assert "<script>alert('x')" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; bitte nicht" in page


def test_the_post_page_shows_the_post_author_reports_and_history_newest_first(
    app, browser, waiting_post, resident
):
    post = waiting_post(
        status=S.HIDDEN,
        review_reason="reports",
        body="Abholen in der Hauptstraße. Mehr unter https://example.org/info",
    )
    db.session.add(
        Report(post_id=post.id, reporter_key="a", reason=ReportReason.SPAM, text="Werbung!")
    )
    now = utcnow()
    services.record(Action.HOLD, None, now, post=post, to_status=S.PENDING)
    services.record(Action.AUTO_HIDE, None, now, post=post, to_status=S.HIDDEN)
    db.session.commit()

    page = browser.get(f"/moderation/posts/{post.id}").text

    assert 'href="https://example.org/info"' in page  # the body as the board renders it
    assert f'href="/moderation/people/{resident.id}"' in page
    assert "Rita · neu" in page
    assert "Werbung!" in page
    assert page.index("Nach Meldungen ausgeblendet") < page.index("Zur Prüfung zurückgehalten")
    assert ">Wieder einblenden<" in page and ">Freigeben<" not in page


def test_a_moderator_sees_their_own_post_without_decisions_and_is_refused_by_the_server(
    app, browser, waiting_post, moderator
):
    post = waiting_post(author=moderator)

    page = browser.get(f"/moderation/posts/{post.id}")
    answer = decide(browser, post, "approve")

    assert page.status_code == 200
    assert "Das ist Ihr eigener Beitrag" in page.text
    assert 'action="/moderation/posts/' not in page.text
    assert answer.status_code == 403
    assert "Über eigene Beiträge entscheidet eine andere Moderatorin" in answer.text
    assert fresh(post).status is S.PENDING


# ---------------------------------------------------------------- decided meanwhile


def test_approving_a_post_that_is_no_longer_pending_says_who_decided(
    app, browser, waiting_post, second_moderator
):
    post = waiting_post()
    with app.test_request_context():  # the author's mail links back to the board
        services.reject(post, second_moderator, services.Reason(text="Doppelt"), utcnow())
        db.session.commit()

    answer = decide(browser, post, "approve", seen="pending")
    page = browser.get(answer.location)

    assert answer.location == f"/moderation/posts/{post.id}"
    assert "Schon entschieden von Mona: Der Beitrag ist jetzt „Abgelehnt“." in page.text
    assert fresh(post).status is S.REJECTED
    assert [e.action for e in log_of(post)] == [Action.REJECT]


def test_two_moderators_on_one_post_the_second_is_told_and_nothing_happens_twice(
    app, browser, waiting_post, second_moderator, mailbox
):
    post = waiting_post()
    page = browser.get(f"/moderation/posts/{post.id}").text  # Moritz opens the post
    assert 'name="seen" value="pending"' in page
    mona = browser_for(app, second_moderator)
    decide(mona, post, "approve")  # Mona is quicker

    answer = decide(browser, post, "reject", seen="pending", reject_text="Sieht nach Werbung aus.")

    assert answer.status_code == 409
    assert "Schon entschieden von Mona" in answer.text
    assert "Sieht nach Werbung aus." in answer.text  # kept, in case Moritz still wants to act
    assert fresh(post).status is S.PUBLISHED
    assert [e.action for e in log_of(post)] == [Action.APPROVE]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (services.approve, services.reject),
        (services.reject, services.reject),
        (services.approve, services.approve),
    ],
    ids=["approve vs reject", "reject twice", "approve twice"],
)
def test_two_moderators_at_the_same_moment_on_postgresql_exactly_one_wins(
    app, waiting_post, moderator, second_moderator, first, second
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes one writer at a time; the race needs PostgreSQL's row locks")
    post_id, people = waiting_post().id, [moderator.id, second_moderator.id]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(decision: Any, moderator_id: int) -> None:
        # A context of its own per thread: its own database session and connection.
        with app.app_context(), app.test_request_context():
            post = db.session.get(Post, post_id)
            who = db.session.get(type(moderator), moderator_id)
            assert post is not None and post.status is S.PENDING
            barrier.wait()
            try:
                if decision is services.reject:
                    decision(post, who, services.Reason(text="Doppelt"), utcnow(), S.PENDING)
                else:
                    decision(post, who, utcnow(), S.PENDING)
                db.session.commit()
                outcomes.append("won")
            except services.AlreadyDecided:
                db.session.rollback()
                outcomes.append("already decided")
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=act, args=(decision, person))
        for decision, person in zip((first, second), people, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["already decided", "won"]
    db.session.expire_all()
    post = db.session.get(Post, post_id)
    entries = db.session.scalars(
        select(ModerationAction).where(ModerationAction.post_id == post_id)
    ).all()
    assert len(entries) == 1
    assert post.status.value == entries[0].to_status
