"""The town's administrator reads the evaluation figures: is the board working, week by week?"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from board.accounts.models import Role, User
from board.extensions import db
from board.moderation.models import Action, ModerationAction
from board.posts.models import Post, PostKind
from board.posts.status import PostStatus
from tests import factories
from tests.posts.conftest import log_in_as

# Wednesday of ISO week 48 of 2026, 13:00 in Berlin. That week runs from Monday 23 November,
# 00:00 Berlin (22 November, 23:00 UTC), to Monday 30 November.
WEDNESDAY = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)


@pytest.fixture
def anna(app) -> User:
    made = factories.user(email="anna.admin@example.org", role=Role.ADMIN)
    db.session.commit()
    return made


@pytest.fixture
def at_wednesday(clock):
    clock.set(WEDNESDAY)
    return clock


def published(when: datetime, kind: PostKind = PostKind.OFFER, **fields) -> Post:
    fields.setdefault("expires_at", when + timedelta(days=30))
    return factories.post(kind=kind, published_at=when, **fields)


def long_ago(status: PostStatus = PostStatus.PUBLISHED) -> Post:
    """A post that went up long before the weeks shown (only its moderation counts here)."""
    return factories.post(status=status, published_at=MONDAY - timedelta(weeks=20))


def logged(action: Action, post: Post | None, when: datetime) -> None:
    db.session.add(ModerationAction(action=action, post=post, created_at=when))


def csv_rows(client, query: str = "", **headers) -> list[dict[str, str]]:
    answer = client.get(f"/admin/figures.csv{query}", headers=headers)
    assert answer.status_code == 200
    text = answer.text
    assert text.startswith("\ufeff")
    delimiter = ";" if headers.get("Accept-Language", "de") == "de" else ","
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=delimiter))


# ---------------------------------------------------------------- who may look


def test_only_administrators_see_the_figures(app, client, anna):
    moderator = factories.user(email="mo@example.org", role=Role.MODERATOR)
    resident = factories.user(email="rita@example.org")
    db.session.commit()

    for path in ("/admin", "/admin/figures", "/admin/figures.csv"):
        anonymous = client.get(path)
        assert anonymous.status_code == 302
        assert anonymous.location.startswith("/login?next=")
    for person in (resident, moderator):
        log_in_as(client, person)
        for path in ("/admin", "/admin/figures", "/admin/figures.csv"):
            assert client.get(path).status_code == 403
        assert 'href="/admin"' not in client.get("/").text

    log_in_as(client, anna)
    assert client.get("/admin").status_code == 200
    assert 'href="/admin"' in client.get("/").text


def test_a_suspended_administrator_is_refused(client, anna):
    log_in_as(client, anna)
    anna.is_suspended = True
    db.session.commit()
    assert client.get("/admin/figures").status_code == 302  # a suspended account is nobody


# ---------------------------------------------------------------- the figures


def test_each_week_counts_what_went_up_was_asked_for_done_and_decided(client, anna, at_wednesday):
    this_week = MONDAY + timedelta(hours=10)
    last_week = MONDAY - timedelta(days=3)
    published(this_week, PostKind.OFFER, contact_count=2)
    published(this_week, PostKind.OFFER)
    published(this_week, PostKind.REQUEST, contact_count=1)
    published(last_week, PostKind.EVENT)
    published(MONDAY - timedelta(weeks=13))  # before the twelve weeks shown
    done = published(last_week, status=PostStatus.CLOSED)
    done.closed_at = this_week
    published(last_week - timedelta(days=30), status=PostStatus.EXPIRED, expires_at=last_week)
    # Past its time this week, not yet marked by the job: expired all the same.
    published(last_week, expires_at=MONDAY + timedelta(hours=1))
    # Closed before it would have expired: done, not expired.
    published(last_week, status=PostStatus.CLOSED, expires_at=MONDAY + timedelta(hours=2))
    waited_4h = long_ago()
    logged(Action.HOLD, waited_4h, MONDAY + timedelta(hours=1))
    logged(Action.APPROVE, waited_4h, MONDAY + timedelta(hours=5))
    waited_2h = long_ago(PostStatus.REJECTED)
    logged(Action.HOLD, waited_2h, MONDAY + timedelta(days=1))
    logged(Action.REJECT, waited_2h, MONDAY + timedelta(days=1, hours=2))
    reviewed_after = long_ago()  # policy "post": it never waited
    logged(Action.APPROVE, reviewed_after, MONDAY + timedelta(hours=3))
    logged(Action.AUTO_HIDE, long_ago(PostStatus.HIDDEN), this_week)
    db.session.commit()
    log_in_as(client, anna)

    rows = csv_rows(client)

    assert len(rows) == 12
    week48, week47 = rows[0], rows[1]
    assert (week48["Woche"], week48["Beginn"]) == ("2026-W48", "2026-11-23")
    assert (week48["Biete"], week48["Suche"], week48["Neue Beiträge"]) == ("2", "1", "3")
    assert week48["Kontaktanfragen"] == "3"
    assert week48["Erledigt"] == "1"
    assert week48["Abgelaufen"] == "1"
    assert (week48["Entscheidungen"], week48["Abgelehnt"]) == ("3", "1")
    assert week48["Wartezeit Median (Stunden)"] == "3,0"
    assert week48["Ausgeblendet"] == "1"
    assert week47["Woche"] == "2026-W47"
    # The event and the three posts that ended up closed or expired went up last week.
    assert week47["Veranstaltung"] == "1"
    assert week47["Neue Beiträge"] == "4"
    assert week47["Abgelaufen"] == "1"
    # And the expired one five weeks back; not the one thirteen weeks back.
    assert sum(int(row["Neue Beiträge"]) for row in rows) == 8


def test_the_page_shows_the_same_figures_with_the_week_running(client, anna, at_wednesday):
    published(MONDAY + timedelta(hours=10), contact_count=4)
    waited = long_ago()
    logged(Action.HOLD, waited, MONDAY + timedelta(hours=1))
    logged(Action.APPROVE, waited, MONDAY + timedelta(hours=4))
    db.session.commit()
    log_in_as(client, anna)

    page = client.get("/admin/figures").text

    current = re.search(r'<tr class="current">(.*?)</tr>', page, re.S)
    assert current, "the running week is marked"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", current[1], re.S)
    assert "KW 48/2026" in current[1]
    assert "läuft" in current[1]
    # Biete, Suche, Veranstaltung, Info, gesamt, Kontakte, erledigt, abgelaufen,
    # Entscheidungen, abgelehnt, Wartezeit, ausgeblendet
    assert cells == ["1", "0", "0", "0", "1", "4", "0", "0", "1", "0", "3 Stunden", "0"]
    assert "<caption" in page and "Die letzten 12 Wochen" in page


def test_weeks_are_berlin_weeks(client, anna, at_wednesday):
    sunday_late_in_berlin = MONDAY - timedelta(minutes=30)  # 23:30 Sunday in Berlin
    monday_early_in_berlin = MONDAY + timedelta(minutes=30)  # 00:30 Monday in Berlin
    published(sunday_late_in_berlin, PostKind.NOTICE)
    published(monday_early_in_berlin, PostKind.REQUEST)
    db.session.commit()
    log_in_as(client, anna)

    week48, week47 = csv_rows(client)[:2]

    assert (week48["Suche"], week48["Info"]) == ("1", "0")
    assert (week47["Suche"], week47["Info"]) == ("0", "1")


def test_figures_survive_the_purge_of_the_texts(app, client, anna, at_wednesday):
    old = published(MONDAY - timedelta(days=1), contact_count=5)
    old.set_text("", "")
    old.author_id = None
    old.purged_at = WEDNESDAY
    db.session.commit()
    log_in_as(client, anna)

    week47 = csv_rows(client)[1]

    assert (week47["Neue Beiträge"], week47["Kontaktanfragen"]) == ("1", "5")


@pytest.mark.parametrize(
    ("asked", "rows"),
    [("", 12), ("4", 4), ("abc", 12), ("0", 1), ("-5", 1), ("100000", 104), ("2.5", 12)],
)
def test_any_period_asked_for_gives_a_sensible_one(client, anna, at_wednesday, asked, rows):
    log_in_as(client, anna)

    assert len(csv_rows(client, f"?weeks={asked}")) == rows
    assert client.get(f"/admin/figures?weeks={asked}").status_code == 200


def test_the_spreadsheet_follows_the_readers_language(client, anna, at_wednesday):
    waited = long_ago()
    logged(Action.HOLD, waited, MONDAY)
    logged(Action.APPROVE, waited, MONDAY + timedelta(minutes=90))
    db.session.commit()
    log_in_as(client, anna)

    answer = client.get("/admin/figures.csv", headers={"Accept-Language": "de"})
    [english] = csv_rows(client, "?weeks=1", **{"Accept-Language": "en"})

    assert answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"].startswith(
        'attachment; filename="schwarzes-brett-auswertung-2026-11-25'
    )
    assert "no-store" in answer.headers["Cache-Control"]
    assert english["Week"] == "2026-W48"
    assert english["Median wait (hours)"] == "1.5"


def test_the_overview_says_how_things_stand_right_now(client, anna, at_wednesday):
    factories.post(title="Am Brett")
    factories.post(title="Wartet", status=PostStatus.PENDING)
    factories.post(title="Abgelaufen", expires_at=WEDNESDAY - timedelta(hours=1))
    factories.organisation(verified=True)
    factories.organisation(verified=False)
    db.session.commit()
    log_in_as(client, anna)

    page = client.get("/admin").text

    def figure(label: str) -> str:
        found = re.search(rf"<dt>{label}</dt><dd>(\d+)</dd>", page)
        assert found, label
        return found[1]

    assert figure("Beiträge am Brett") == "1"
    assert figure("Warten auf Prüfung") == "1"
    assert figure("Bestätigte Organisationen") == "1"
    # anna and the three posts' authors (factories make registered accounts)
    assert figure("Konten") == "4"
    assert 'href="/admin/figures"' in page
