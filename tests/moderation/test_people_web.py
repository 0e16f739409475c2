"""Moderators find people and act on them: suspend, unsuspend, trust, and (admins) give roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from board.accounts.models import Role, User
from board.extensions import db
from board.moderation.models import Action, ModerationAction, ReasonTemplate
from board.moderation.reasons import seed_reason_templates
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests import factories
from tests.conftest import expired_csrf_token
from tests.moderation.conftest import browser_for

S = PostStatus


def audit() -> list[ModerationAction]:
    return list(db.session.scalars(select(ModerationAction).order_by(ModerationAction.id)))


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


# ---------------------------------------------------------------- finding people


def test_people_are_listed_newest_first_with_role_trust_suspension_and_posts(
    app, moderator, waiting_post, resident
):
    now = utcnow()
    factories.user(
        email="alt@example.org", display_name="Alte Anna", created_at=now - timedelta(days=9)
    )
    factories.user(
        email="gesperrt@example.org", display_name="Gerd", is_suspended=True, is_trusted=True
    )
    waiting_post(status=S.PUBLISHED)
    waiting_post(title="Zweiter Beitrag")
    browser = browser_for(app, moderator)

    page = browser.get("/moderation/people")

    assert page.status_code == 200
    assert '<meta name="robots" content="noindex">' in page.text
    assert page.text.index("Gerd") < page.text.index("Alte Anna")
    row = page.text[page.text.index("Gerd") :][:800]
    assert "gesperrt" in row and "vertrauenswürdig" in row
    rita = page.text[page.text.index("rita.resident@example.org") :][:800]
    assert "2 Beiträge" in rita and "Bewohner/in" in rita
    assert "Moderator/in" in page.text


@pytest.mark.parametrize("q", ["rita.res", "RITA", "Rita", "example.org rita"])
def test_a_person_is_found_by_part_of_their_address_or_name(app, moderator, resident, q):
    factories.user(email="otto@example.net", display_name="Otto")
    browser = browser_for(app, moderator)

    page = browser.get("/moderation/people", query_string={"q": q})

    assert "rita.resident@example.org" in page.text
    assert "otto@example.net" not in page.text


def test_search_takes_wildcards_literally_and_says_when_nobody_matches(app, moderator, resident):
    browser = browser_for(app, moderator)
    page = browser.get("/moderation/people", query_string={"q": "%_%"})
    assert page.status_code == 200
    assert "Niemand gefunden" in page.text
    assert "rita.resident@example.org" not in page.text


def test_the_list_narrows_to_suspended_people(app, moderator, resident):
    factories.user(email="gesperrt@example.org", is_suspended=True)
    browser = browser_for(app, moderator)
    page = browser.get("/moderation/people?show=suspended")
    assert "gesperrt@example.org" in page.text
    assert "rita.resident@example.org" not in page.text


def test_the_people_list_has_pages(app, moderator):
    now = utcnow()
    for number in range(30):
        factories.user(
            email=f"person-{number:02d}@example.org", created_at=now - timedelta(hours=number)
        )
    browser = browser_for(app, moderator)

    first = browser.get("/moderation/people?q=person-")
    second = browser.get("/moderation/people?q=person-&page=2")

    assert "person-00@example.org" in first.text and "person-29@example.org" not in first.text
    assert 'href="/moderation/people?q=person-&amp;page=2"' in first.text
    assert "person-29@example.org" in second.text and "person-00@example.org" not in second.text


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=-1",
        "page=99999999999",
        "page=%EF%BC%91",
        "show=<script>",
        "q=%00x",
        "q=" + "x" * 5000,
    ],
)
def test_bad_search_values_are_ignored(app, moderator, query):
    browser = browser_for(app, moderator)
    page = browser.get("/moderation/people?" + query)
    assert page.status_code == 200
    assert "<script>" not in page.text


# ---------------------------------------------------------------- one person


def test_the_person_page_shows_address_posts_and_history(app, moderator, resident, waiting_post):
    post = waiting_post(status=S.PUBLISHED, title="Rasenmäher zu verleihen")
    browser = browser_for(app, moderator)
    browser.submit(
        f"/moderation/people/{resident.id}/trust", {}, page=f"/moderation/people/{resident.id}"
    )

    page = browser.get(f"/moderation/people/{resident.id}")

    assert page.status_code == 200
    assert "rita.resident@example.org" in page.text
    assert f'href="/moderation/posts/{post.id}"' in page.text
    assert "Rasenmäher zu verleihen" in page.text and "Veröffentlicht" in page.text
    assert "Als vertrauenswürdig markiert" in page.text and "Moritz" in page.text
    assert f'href="/moderation/log?person={resident.id}"' in page.text


def test_an_unknown_person_is_a_404(app, moderator):
    browser = browser_for(app, moderator)
    assert browser.get("/moderation/people/999999").status_code == 404
    assert browser.get("/moderation/people/99999999999").status_code == 404


def test_a_moderator_sees_no_forms_for_a_fellow_moderator_or_themselves(
    app, moderator, second_moderator
):
    browser = browser_for(app, moderator)
    other = browser.get(f"/moderation/people/{second_moderator.id}").text
    own = browser.get(f"/moderation/people/{moderator.id}").text
    for page in (other, own):
        assert "/suspend" not in page and "/trust" not in page and "/role" not in page
    assert "nur Admins" in other
    assert "Ihr eigenes Konto" in own


def test_only_admins_see_the_role_form(app, moderator, admin, resident):
    as_moderator = browser_for(app, moderator).get(f"/moderation/people/{resident.id}").text
    as_admin = browser_for(app, admin).get(f"/moderation/people/{resident.id}").text
    assert f"/moderation/people/{resident.id}/role" not in as_moderator
    assert f"/moderation/people/{resident.id}/role" in as_admin
    assert "Moderator/in" in as_admin


# ---------------------------------------------------------------- acting


def test_suspending_with_a_reason_template_and_words_of_ones_own(
    app, moderator, resident, waiting_post, mailbox
):
    seed_reason_templates()
    db.session.commit()
    template = db.session.scalar(
        select(ReasonTemplate).where(ReasonTemplate.title == "Spam oder doppelt")
    )
    waiting_post(status=S.PUBLISHED)
    browser = browser_for(app, moderator)
    page_url = f"/moderation/people/{resident.id}"
    assert "Spam oder doppelt" in browser.get(page_url).text

    answer = browser.submit(
        f"{page_url}/suspend",
        {"template": str(template.id), "text": "Zwölf gleiche Anzeigen an einem Tag."},
        page=page_url,
    )

    assert answer.status_code == 303 and answer.location == page_url
    assert "1 Beitrag ist nicht mehr zu sehen" in browser.get(page_url).text
    assert fresh(resident).is_suspended
    (entry,) = audit()
    assert entry.action is Action.SUSPEND and entry.actor_id == moderator.id
    assert entry.rule.startswith("Regel 3") and "Zwölf gleiche Anzeigen" in entry.reason
    assert "Zwölf gleiche Anzeigen" in mailbox.last_to(resident.email).get_body().get_content()


def test_suspending_without_a_reason_keeps_the_form_and_changes_nothing(app, moderator, resident):
    browser = browser_for(app, moderator)
    page_url = f"/moderation/people/{resident.id}"

    answer = browser.submit(f"{page_url}/suspend", {"template": "", "text": "   "}, page=page_url)

    assert answer.status_code == 422
    assert "Bitte wählen Sie eine Vorlage oder schreiben Sie eine Begründung" in answer.text
    assert not fresh(resident).is_suspended and audit() == []


def test_an_unknown_reason_template_counts_as_none(app, moderator, resident):
    browser = browser_for(app, moderator)
    page_url = f"/moderation/people/{resident.id}"
    answer = browser.submit(f"{page_url}/suspend", {"template": "99999", "text": ""}, page=page_url)
    assert answer.status_code == 422
    assert not fresh(resident).is_suspended


def test_a_reason_with_markup_is_shown_as_text(app, moderator, resident):
    browser = browser_for(app, moderator)
    page_url = f"/moderation/people/{resident.id}"
    browser.submit(f"{page_url}/suspend", {"text": "<script>alert(1)</script> Spam"}, page=page_url)

    page = browser.get(page_url)

    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Spam" in page.text


def test_a_suspension_form_that_expired_keeps_the_typed_reason(app, moderator, resident):
    browser = browser_for(app, moderator)
    page_url = f"/moderation/people/{resident.id}"
    token = expired_csrf_token(app, browser, page_url)

    answer = browser.post(
        f"{page_url}/suspend", data={"text": "Lange getippte Begründung", "csrf_token": token}
    )

    assert answer.status_code == 400
    assert "Lange getippte Begründung" in answer.text
    assert "zu lange geöffnet" in answer.text
    assert not fresh(resident).is_suspended


def test_suspending_twice_says_so(app, moderator, resident):
    browser = browser_for(app, moderator)
    page_url = f"/moderation/people/{resident.id}"
    form = browser.csrf_token(page_url)
    browser.post(f"{page_url}/suspend", data={"text": "Spam", "csrf_token": form})

    again = browser.post(f"{page_url}/suspend", data={"text": "Spam", "csrf_token": form})

    assert again.status_code == 409
    assert "bereits gesperrt" in again.text
    assert [entry.action for entry in audit()] == [Action.SUSPEND]


def test_a_forged_post_without_csrf_token_changes_nothing(app, moderator, resident):
    browser = browser_for(app, moderator)
    for step in ("trust", "suspend"):
        answer = browser.post(f"/moderation/people/{resident.id}/{step}", data={"text": "Spam"})
        assert answer.status_code == 400
    person = fresh(resident)
    assert not person.is_trusted and not person.is_suspended and audit() == []


def test_an_admin_makes_a_resident_a_moderator(app, admin, resident):
    browser = browser_for(app, admin)
    page_url = f"/moderation/people/{resident.id}"

    answer = browser.submit(f"{page_url}/role", {"role": "moderator"}, page=page_url)

    assert answer.status_code == 303
    assert fresh(resident).role is Role.MODERATOR
    log = browser.get(f"/moderation/log?person={resident.id}").text
    assert "Rolle geändert" in log and "Bewohner/in → Moderator/in" in log


def test_an_unknown_role_is_refused(app, admin, resident):
    browser = browser_for(app, admin)
    page_url = f"/moderation/people/{resident.id}"
    answer = browser.submit(f"{page_url}/role", {"role": "kaiser"}, page=page_url)
    assert answer.status_code == 409
    assert "Bitte wählen Sie eine Rolle" in answer.text
    assert fresh(resident).role is Role.RESIDENT


# ---------------------------------------------------------------- who may do what

STEPS = ["suspend", "unsuspend", "trust", "untrust", "role"]

# (who acts, on whom) → the steps that go through; every other step is refused with this status.
MATRIX = {
    ("anonymous", "resident"): (set(), 302),
    ("resident", "second_resident"): (set(), 403),
    ("moderator", "resident"): ({"suspend", "unsuspend", "trust", "untrust"}, 403),
    ("moderator", "second_moderator"): (set(), 403),
    ("moderator", "moderator"): (set(), 403),
    ("admin", "moderator"): (set(STEPS), 403),
    ("admin", "admin"): (set(), 403),
}


def _target_for(step: str, target: User, actor: User | None) -> None:
    """Put the person in the state the step undoes, so an allowed step changes something."""
    if step == "unsuspend" and target is not actor:
        target.is_suspended = True
    if step == "untrust":
        target.is_trusted = True
    db.session.commit()


def _snapshot(user: User) -> tuple[object, ...]:
    person = fresh(user)
    return (person.role, person.is_trusted, person.is_suspended, person.session_token)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("who,whom", list(MATRIX))
def test_who_may_act_on_whom(
    app, request, step, who, whom, resident, moderator, second_moderator, admin
):
    people = {
        "resident": resident,
        "moderator": moderator,
        "second_moderator": second_moderator,
        "admin": admin,
        "second_resident": factories.user(email="second@example.org", password=None),
        "anonymous": None,
    }
    actor, target = people[who], people[whom]
    _target_for(step, target, actor)
    before = _snapshot(target)
    browser = browser_for(app, actor)
    # The token comes from the login page: everyone can open that one.
    token = browser.csrf_token("/login")
    data = {"csrf_token": token, "text": "Spam", "role": "resident" if step == "role" else ""}

    answer = browser.post(f"/moderation/people/{target.id}/{step}", data=data)

    allowed, refused_status = MATRIX[(who, whom)]
    if step in allowed:
        assert answer.status_code == 303, answer.text
        assert _snapshot(target) != before
        assert len(audit()) == 1
    else:
        assert answer.status_code == refused_status
        if refused_status == 302:
            assert answer.location.startswith("/login")
        assert _snapshot(target) == before
        assert audit() == []


@pytest.mark.parametrize("url", ["/moderation/people", "/moderation/log"])
def test_the_pages_are_for_moderators_and_admins_only(app, url, resident, moderator, admin):
    assert browser_for(app).get(url).status_code == 302
    assert browser_for(app, resident).get(url).status_code == 403
    assert browser_for(app, moderator).get(url).status_code == 200
    assert browser_for(app, admin).get(url).status_code == 200


def test_a_person_page_is_for_moderators_only(app, resident, waiting_post):
    other = factories.user(email="other@example.org", password=None)
    db.session.commit()
    assert browser_for(app).get(f"/moderation/people/{other.id}").status_code == 302
    page = browser_for(app, resident).get(f"/moderation/people/{other.id}")
    assert page.status_code == 403
    assert "other@example.org" not in page.text


def test_counts_come_without_one_query_per_person(app, moderator):
    for number in range(10):
        factories.user(email=f"p{number}@example.org")
    db.session.commit()
    browser = browser_for(app, moderator)
    statements: list[str] = []

    from sqlalchemy import event

    def count(conn, cursor, statement, *args):  # noqa: ANN001, ANN002
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        browser.get("/moderation/people")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len([s for s in statements if "FROM post" in s]) <= 2
    assert db.session.scalar(select(func.count(User.id))) >= 11
