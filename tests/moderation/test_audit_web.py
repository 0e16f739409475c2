"""The audit log page: every step with who, when, what and why; filters; nothing to change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from board.extensions import db
from board.moderation import services
from board.moderation.models import Action, AuditLogIsAppendOnly, ModerationAction, ReportReason
from board.moderation.reports import report_post
from board.moderation.services import Reason
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests.moderation.conftest import browser_for

S = PostStatus
# The services build links for mails with url_for, as they do inside a view.
pytestmark = pytest.mark.usefixtures("in_request")
RULE = Reason(rule="Regel 2: Keine Werbung.", text="Das ist ein gewerbliches Angebot.")


def entries_in(html: str) -> list[str]:
    """The log's entries as they appear on the page, top to bottom."""
    return html.split('<li class="log-entry">')[1:]


def test_the_log_shows_who_did_what_when_and_why_newest_first(
    app, moderator, second_moderator, waiting_post
):
    post = waiting_post(title="Nachhilfe gegen Bezahlung")
    services.approve(post, second_moderator, datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
    services.reject(post, moderator, RULE, datetime(2024, 3, 2, 17, 30, tzinfo=UTC))
    db.session.commit()

    page = browser_for(app, moderator).get("/moderation/log")

    assert page.status_code == 200
    assert '<meta name="robots" content="noindex">' in page.text
    newest, older = entries_in(page.text)
    assert "Abgelehnt" in newest and "Moritz" in newest
    assert "2. März 2024, 18:30" in newest  # Berlin time (UTC+1 in winter)
    assert "Veröffentlicht → Abgelehnt" in newest
    assert "Regel 2: Keine Werbung." in newest and "gewerbliches Angebot" in newest
    assert f'href="/moderation/posts/{post.id}"' in newest
    assert "Nachhilfe gegen Bezahlung" in newest
    assert f'href="/moderation/people/{post.author_id}"' in newest and "Rita" in newest
    assert "Freigegeben" in older and "Mona" in older and "Wird geprüft → Veröffentlicht" in older


def test_the_board_and_the_author_are_named_for_what_they_did(app, moderator, waiting_post):
    post = waiting_post(status=S.PUBLISHED, title="Gemeldeter Beitrag")
    for number in range(3):  # three different people: the post goes off the board
        report_post(post, f"addr:{number}", None, ReportReason.SPAM, "", utcnow())
    db.session.commit()
    entry = db.session.scalar(
        select(ModerationAction).where(ModerationAction.action == Action.AUTO_HIDE)
    )
    token = services.appeal_url(post, entry).rsplit("/", 1)[1]
    services.appeal(token, "Das ist keine Werbung, ich verschenke nur.", utcnow())
    db.session.commit()

    page = browser_for(app, moderator).get("/moderation/log").text

    appeal, auto_hide = entries_in(page)[:2]
    assert "Einspruch eingelegt" in appeal and "Autor/in" in appeal
    assert "ich verschenke nur" in appeal and "Rita" in appeal  # the person, as a link
    assert "Nach Meldungen ausgeblendet" in auto_hide
    assert "Schwarzes Brett (automatisch)" in auto_hide


def test_an_edit_shows_what_changed_word_by_word_and_escaped(app, moderator, waiting_post):
    post = waiting_post(
        status=S.PUBLISHED, title="Kinderwagen zu verschenkn", body="<b>Fast</b> neu."
    )
    services.correct_text(
        post,
        moderator,
        "Kinderwagen zu verschenken",
        "<script>alert(1)</script> Fast neu.",
        "Tippfehler <i>korrigiert</i>",
        utcnow(),
    )
    db.session.commit()

    page = browser_for(app, moderator).get("/moderation/log").text

    (edit,) = entries_in(page)
    assert "Text korrigiert" in edit
    assert "<del>verschenkn</del><ins>verschenken</ins>" in edit
    assert "<ins>&lt;script&gt;alert(1)&lt;/script&gt; Fast</ins>" in edit
    assert "<del>&lt;b&gt;Fast&lt;/b&gt;</del>" in edit
    assert "Tippfehler &lt;i&gt;korrigiert&lt;/i&gt;" in edit
    assert "<script>" not in page


@pytest.fixture
def history(app, moderator, second_moderator, admin, resident, waiting_post):
    """A few days of moderation: approvals, a rejection, a suspension, by different people."""
    first = waiting_post(title="Erster")
    second = waiting_post(title="Zweiter")
    services.approve(first, moderator, datetime(2024, 1, 1, 12, 0, tzinfo=UTC))
    # 23:30 UTC on 1 January is half past midnight on 2 January in Berlin.
    services.reject(second, second_moderator, RULE, datetime(2024, 1, 1, 23, 30, tzinfo=UTC))
    services.suspend(resident, admin, RULE, datetime(2024, 1, 5, 8, 0, tzinfo=UTC))
    db.session.commit()
    return {"first": first, "second": second}


def shown_actions(page: str) -> list[str]:
    words = {"Freigegeben", "Abgelehnt", "Konto gesperrt"}
    return [
        next(w for w in words if f"<strong>{w}</strong>" in entry) for entry in entries_in(page)
    ]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("", ["Konto gesperrt", "Abgelehnt", "Freigegeben"]),
        ("action=reject", ["Abgelehnt"]),
        ("action=suspend", ["Konto gesperrt"]),
        ("from=2024-01-02", ["Konto gesperrt", "Abgelehnt"]),
        ("to=2024-01-01", ["Freigegeben"]),
        ("from=2024-01-02&to=2024-01-02", ["Abgelehnt"]),
        ("from=2024-01-05&to=2024-01-02", ["Konto gesperrt", "Abgelehnt"]),  # turned round
        ("from=2024-02-01", []),
    ],
)
def test_the_log_is_filtered_by_action_and_berlin_dates(app, moderator, history, query, expected):
    page = browser_for(app, moderator).get("/moderation/log?" + query)
    assert page.status_code == 200
    assert shown_actions(page.text) == expected


def test_the_log_is_filtered_by_moderator_post_and_person(
    app, moderator, second_moderator, admin, resident, history
):
    browser = browser_for(app, moderator)

    def actions(query: str) -> list[str]:
        return shown_actions(browser.get("/moderation/log?" + query).text)

    assert actions(f"actor={second_moderator.id}") == ["Abgelehnt"]
    assert actions(f"actor={admin.id}") == ["Konto gesperrt"]
    assert actions("actor=board") == []
    assert actions(f"post={history['first'].id}") == ["Freigegeben"]
    assert actions(f"person={resident.id}") == ["Konto gesperrt", "Abgelehnt", "Freigegeben"]
    assert actions(f"person={moderator.id}") == []
    assert actions(f"actor={moderator.id}&action=reject") == []


def test_the_filter_form_offers_the_moderators_and_keeps_the_choice(
    app, moderator, second_moderator, history
):
    page = browser_for(app, moderator).get(f"/moderation/log?actor={second_moderator.id}").text
    assert f'<option value="{second_moderator.id}" selected>Mona</option>' in page
    assert '<option value="board">Schwarzes Brett (automatisch)</option>' in page
    assert '<details class="panel mod-filter" open>' in page


@pytest.mark.parametrize(
    "query",
    [
        "action=explode",
        "actor=-3",
        "actor=99999999999999",
        "actor=%EF%BC%91",
        "post=abc",
        "post=1e9",
        "person=%00",
        "from=2024-02-30",
        "from=0001-01-01",
        "to=9999-12-31",
        "from=<script>",
        "page=0",
        "page=99999999",
        "page=%D9%A3",
    ],
)
def test_bad_filter_values_are_ignored(app, moderator, history, query):
    page = browser_for(app, moderator).get("/moderation/log?" + query)
    assert page.status_code == 200
    assert "<script>" not in page.text


def test_the_log_has_pages_that_keep_the_filter(app, moderator, resident, waiting_post):
    start = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    for number in range(35):
        services.set_trusted(
            resident, moderator, number % 2 == 0, start + timedelta(minutes=number)
        )
    db.session.commit()
    browser = browser_for(app, moderator)

    first = browser.get(f"/moderation/log?person={resident.id}")
    second = browser.get(f"/moderation/log?person={resident.id}&page=2")

    assert len(entries_in(first.text)) == 30 and len(entries_in(second.text)) == 5
    assert f'href="/moderation/log?person={resident.id}&amp;page=2"' in first.text
    assert "Ältere" not in second.text
    assert "1. Mai 2024, 10:00" in second.text  # the oldest comes last (CEST, UTC+2)


def test_the_log_offers_no_way_to_change_an_entry(app, moderator, history):
    browser = browser_for(app, moderator)
    page = browser.get("/moderation/log").text
    assert 'method="post"' not in page.split("<main", 1)[1]
    token = browser.csrf_token("/login")
    assert browser.post("/moderation/log", data={"csrf_token": token}).status_code == 405


def test_the_orm_refuses_to_update_or_delete_a_log_entry(app, history):
    entry = db.session.scalars(select(ModerationAction)).first()
    entry.reason = "Im Nachhinein schöngefärbt"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()

    db.session.delete(db.session.scalars(select(ModerationAction)).first())
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert len(list(db.session.scalars(select(ModerationAction)))) == 3


def test_the_log_is_read_in_a_fixed_number_of_queries(app, moderator, resident, waiting_post):
    start = utcnow() - timedelta(hours=1)
    for number in range(12):
        post = waiting_post(title=f"Beitrag {number}")
        services.approve(post, moderator, start + timedelta(minutes=number))
    db.session.commit()
    from sqlalchemy import event

    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ANN001, ANN002
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        page = browser_for(app, moderator).get("/moderation/log")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(entries_in(page.text)) == 12
    assert len([s for s in statements if "moderation_action" in s]) <= 3
    assert len(statements) <= 10
