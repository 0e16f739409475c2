"""The town's administrators manage its associations and administration at /admin/organisations:
who is verified and who belongs, each change in the audit log."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from board.accounts.models import Role, User
from board.extensions import db
from board.moderation.models import Action, ModerationAction
from board.organisations.models import Membership, Organisation, OrganisationKind
from board.posts.models import Post
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests import factories
from tests.conftest import BrowserLikeClient
from tests.posts.conftest import categories, log_in_as, offer  # noqa: F401  (fixture)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # The town's default policy: a new resident's first post waits, a verified member's does not.
    return {**app_config, "MODERATION_POLICY": "trust"}


@pytest.fixture
def anna(app) -> User:
    made = factories.user(email="anna.admin@example.org", role=Role.ADMIN, display_name="Anna")
    db.session.commit()
    return made


@pytest.fixture
def verein(app) -> Organisation:
    made = factories.organisation(name="Obst- und Gartenbauverein", verified=False)
    made.slug = "obst"
    db.session.commit()
    return made


@pytest.fixture
def gerd(app) -> User:
    made = factories.user(email="gerd.garten@example.org", password=None, display_name="Gerd")
    db.session.commit()
    return made


def browser(app, user: User | None = None) -> BrowserLikeClient:
    client = BrowserLikeClient(app, app.response_class, use_cookies=True)
    if user is not None:
        log_in_as(client, user)
    return client


def org_form(**changes: Any) -> dict[str, Any]:
    """The organisation form as an administrator fills it in (unchecked boxes are left out)."""
    form = {
        "name": "Obst- und Gartenbauverein",
        "slug": "obst",
        "kind": "association",
        "website": "https://ogv-woffenbach.de",
        "description": "Wir pflegen die Streuobstwiesen.",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def token_for(client: BrowserLikeClient, logged_in: bool) -> str:
    return client.csrf_token("/" if logged_in else "/login")


def database_state() -> tuple[Any, ...]:
    """Everything these pages can change."""
    db.session.expire_all()
    organisations = db.session.execute(
        select(
            Organisation.slug,
            Organisation.name,
            Organisation.kind,
            Organisation.website,
            Organisation.description,
            Organisation.is_verified,
        ).order_by(Organisation.id)
    ).all()
    memberships = db.session.execute(
        select(Membership.organisation_id, Membership.user_id, Membership.is_manager).order_by(
            Membership.id
        )
    ).all()
    audit = db.session.scalar(select(func.count(ModerationAction.id)))
    return tuple(organisations), tuple(memberships), audit


def audit_actions() -> list[Action]:
    return list(db.session.scalars(select(ModerationAction.action).order_by(ModerationAction.id)))


def field_value(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*\bname="{name}"[^>]*\bvalue="([^"]*)"', html)
    return match.group(1) if match else None


# ---------------------------------------------------------------- who may


def requests_for(verein: Organisation, member: User, newcomer: User) -> list[tuple[str, str, dict]]:
    base = f"/admin/organisations/{verein.slug}"
    return [
        ("GET", "/admin/organisations", {}),
        ("GET", "/admin/organisations/new", {}),
        ("POST", "/admin/organisations/new", org_form(name="Lauftreff", slug="lauftreff")),
        ("GET", base, {}),
        ("POST", base, org_form(name="Umbenannt", is_verified="y")),
        ("POST", f"{base}/members", {"email": newcomer.email}),
        ("POST", f"{base}/members/{member.id}/manager", {"manager": "1"}),
        ("POST", f"{base}/members/{member.id}/remove", {}),
    ]


def test_only_administrators_reach_the_organisations(app, anna, verein, gerd):
    db.session.add(Membership(user=gerd, organisation=verein))
    newcomer = factories.user(email="neu@example.org")
    resident = factories.user(email="rita@example.org")
    moderator = factories.user(email="mo@example.org", role=Role.MODERATOR)
    db.session.commit()
    before = database_state()

    for method, path, data in requests_for(verein, gerd, newcomer):
        anonymous = browser(app)
        sent = {**data, "csrf_token": token_for(anonymous, False)} if method == "POST" else None
        answer = anonymous.open(path, method=method, data=sent)
        assert answer.status_code == 302, (method, path)
        assert answer.location.startswith("/login?next="), (method, path)
        for person in (resident, moderator):
            client = browser(app, person)
            sent = {**data, "csrf_token": token_for(client, True)} if method == "POST" else None
            assert client.open(path, method=method, data=sent).status_code == 403, (method, path)
        assert database_state() == before, (method, path)

    admin = browser(app, anna)
    for method, path, data in requests_for(verein, gerd, newcomer):
        sent = {**data, "csrf_token": token_for(admin, True)} if method == "POST" else None
        answer = admin.open(path, method=method, data=sent)
        assert answer.status_code == (303 if method == "POST" else 200), (method, path)
    assert database_state() != before


def test_a_forged_post_without_the_token_is_refused_and_changes_nothing(app, anna, verein, gerd):
    db.session.add(Membership(user=gerd, organisation=verein))
    db.session.commit()
    before = database_state()
    admin = browser(app, anna)

    for method, path, data in requests_for(verein, gerd, gerd):
        if method == "POST":
            assert admin.post(path, data=data).status_code == 400, path
            assert admin.post(path, data={**data, "csrf_token": "forged"}).status_code == 400
    assert database_state() == before


def test_the_administrators_tools_link_the_organisations(app, anna):
    page = browser(app, anna).get("/admin").text
    assert 'href="/admin/organisations"' in page
    assert "flask organisation" not in page


# ---------------------------------------------------------------- the list


def test_the_list_shows_administrations_first_with_members_and_posts(app, anna, gerd):
    zither = factories.organisation(name="Zitherfreunde", verified=True, members=(gerd,))
    factories.organisation(name="Ärztlicher Notdienst Verein", verified=False)
    gone = factories.user(email="weg@example.org", deleted_at=utcnow())
    db.session.add(Membership(user=gone, organisation=zither))
    factories.organisation(name="Stadt Neumarkt", kind=OrganisationKind.ADMINISTRATION)
    factories.post(title="Zitherabend", organisation=zither)
    factories.post(title="Alter Abend", organisation=zither, status=PostStatus.CLOSED)
    db.session.commit()

    page = browser(app, anna).get("/admin/organisations").text

    names = re.findall(r"<h2><a [^>]*>([^<]+)</a></h2>", page)
    assert names == ["Stadt Neumarkt", "Ärztlicher Notdienst Verein", "Zitherfreunde"]
    zither_card = page[page.index("Zitherfreunde") :]
    assert "1 Mitglied ·" in zither_card  # the deleted account does not count
    assert "1 Beitrag am Brett" in zither_card
    assert "Neue Organisation" in page
    assert "nicht bestätigt" in page[page.index("Ärztlicher") : page.index("Zitherfreunde")]


# ---------------------------------------------------------------- the story


def test_a_verified_associations_member_publishes_at_once_with_the_badge(
    app,
    anna,
    gerd,
    categories,  # noqa: F811  (the fixture imported above)
):
    admin = browser(app, anna)
    created = admin.submit(
        "/admin/organisations/new",
        org_form(name="Obst- und Gartenbauverein Wöffenbach Groß", slug=""),
    )
    assert created.status_code == 303
    slug = "obst-und-gartenbauverein-woeffenbach-gross"
    assert created.location == f"/admin/organisations/{slug}"
    verein = db.session.scalar(select(Organisation))
    assert (verein.slug, verein.is_verified) == (slug, False)
    admin.submit(f"/admin/organisations/{slug}/members", {"email": "Gerd.Garten@example.org"})
    # A post of the association's (posted for it by another member; the demo town has such).
    factories.post(title="Apfelbäume schneiden lernen", organisation=verein)
    db.session.commit()

    # Not verified yet: a member is a new author like anyone else, and there is no badge.
    phone = browser(app, gerd)
    phone.submit("/posts/new", offer(categories["verschenken"], title="Birnen zu verschenken"))
    assert db.session.scalar(select(Post.status).where(Post.title.like("Birnen%"))) is (
        PostStatus.PENDING
    )
    board = browser(app).get("/").text
    assert "Apfelbäume schneiden lernen" in board
    assert 'class="badge verified"' not in board

    verified = admin.submit(
        f"/admin/organisations/{slug}", org_form(name=verein.name, slug=slug, is_verified="y")
    )
    assert verified.status_code == 303

    posted = phone.submit(
        "/posts/new", offer(categories["verschenken"], title="Äpfel zum Selbstpflücken")
    )
    assert "Ihr Beitrag ist jetzt auf dem Brett." in phone.get(posted.location).text
    board = browser(app).get("/").text
    assert "Äpfel zum Selbstpflücken" in board
    card = board[board.index("Apfelbäume schneiden lernen") - 600 :]
    assert '<span class="badge verified">Verein</span>' in card
    public = browser(app).get(f"/organisations/{slug}").text
    assert "Wir pflegen die Streuobstwiesen." in public
    assert 'href="https://ogv-woffenbach.de"' in public

    # Unverified again: the badge is gone (Gerd stays trusted for the post that went up).
    admin.submit(f"/admin/organisations/{slug}", org_form(name=verein.name, slug=slug))
    assert 'class="badge verified"' not in browser(app).get("/").text


def test_the_town_administration_is_official(app, anna):
    admin = browser(app, anna)
    admin.submit(
        "/admin/organisations/new",
        org_form(name="Stadt Neumarkt", slug="stadt", kind="administration", is_verified="y"),
    )
    assert "amtlich" in browser(app).get("/organisations/stadt").text
    assert "Stadtverwaltung" in admin.get("/admin/organisations").text


def test_changing_the_slug_moves_the_public_page(app, anna, verein):
    admin = browser(app, anna)
    form = admin.get("/admin/organisations/obst").text
    assert "findet die alte Adresse nichts mehr" in form

    moved = admin.submit("/admin/organisations/obst", org_form(slug="ogv-woffenbach"))

    assert moved.location == "/admin/organisations/ogv-woffenbach"
    assert browser(app).get("/organisations/obst").status_code == 404
    assert browser(app).get("/organisations/ogv-woffenbach").status_code == 200
    assert admin.get("/admin/organisations/obst").status_code == 404


def test_the_description_is_shown_as_plain_text(app, anna, verein):
    admin = browser(app, anna)
    admin.submit("/admin/organisations/obst", org_form(description="<script>alert(1)</script>"))
    public = browser(app).get("/organisations/obst").text
    assert "<script>alert(1)" not in public
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in public


# ---------------------------------------------------------------- bad input

BAD_INPUT = [
    ({"name": ""}, "Bitte geben Sie den Namen der Organisation ein."),
    ({"name": "   "}, "Bitte geben Sie den Namen der Organisation ein."),
    ({"name": "x" * 121}, "Der Name darf höchstens 120 Zeichen lang sein."),
    ({"slug": "Obst Verein"}, "Nur Kleinbuchstaben (ohne Umlaute), Ziffern und Bindestriche"),
    ({"slug": "äpfel"}, "Nur Kleinbuchstaben (ohne Umlaute), Ziffern und Bindestriche"),
    ({"slug": "-obst-"}, "Nur Kleinbuchstaben (ohne Umlaute), Ziffern und Bindestriche"),
    ({"slug": "x" * 81}, "Bitte höchstens 80 Zeichen."),
    ({"slug": "", "name": "!!!"}, "Bitte geben Sie eine Adresse aus Buchstaben oder Ziffern an."),
    ({"slug": "schon-da"}, "Diese Adresse hat schon eine andere Organisation."),
    ({"slug": "", "name": "Schon da"}, "Diese Adresse hat schon eine andere Organisation."),
    ({"website": "javascript:alert(1)"}, "mit https:// oder http:// beginnt"),
    ({"website": "ftp://ogv.de"}, "mit https:// oder http:// beginnt"),
    ({"website": "https://"}, "mit https:// oder http:// beginnt"),
    ({"website": "https://ogv.de\nLocation: x"}, "mit https:// oder http:// beginnt"),
    ({"website": "https://ogv.de/" + "x" * 300}, "Bitte höchstens 300 Zeichen."),
    ({"description": "x" * 2001}, "Bitte höchstens 2000 Zeichen."),
    ({"kind": "sekte"}, "Bitte wählen Sie einen der angebotenen Einträge."),
]


@pytest.mark.parametrize(("changes", "message"), BAD_INPUT)
def test_bad_input_comes_back_in_german_with_what_was_typed(app, anna, changes, message):
    factories.organisation(name="Schon da").slug = "schon-da"
    db.session.commit()
    before = database_state()
    admin = browser(app, anna)
    typed = org_form(**{"name": "Lauftreff Pölling", "slug": "lauftreff", **changes})

    answer = admin.submit("/admin/organisations/new", typed)

    assert answer.status_code == 422
    assert "Bitte prüfen Sie Ihre Angaben" in answer.text
    assert message in answer.text
    if "\n" not in typed["website"]:
        assert field_value(answer.text, "website") == typed["website"].replace("&", "&amp;")
    if "name" not in changes:
        assert field_value(answer.text, "name") == "Lauftreff Pölling"
    if "description" not in changes:
        assert "Wir pflegen die Streuobstwiesen." in answer.text
    assert database_state() == before


def test_bad_input_on_an_edit_changes_nothing(app, anna, verein):
    other = factories.organisation(name="Stadt")
    other.slug = "stadt"
    db.session.commit()
    before = database_state()
    admin = browser(app, anna)

    taken = admin.submit("/admin/organisations/obst", org_form(name="Neuer Name", slug="stadt"))

    assert taken.status_code == 422
    assert "Diese Adresse hat schon eine andere Organisation." in taken.text
    assert field_value(taken.text, "name") == "Neuer Name"
    assert database_state() == before


def test_control_characters_never_reach_the_database(app, anna):
    admin = browser(app, anna)
    answer = admin.submit(
        "/admin/organisations/new",
        org_form(
            name="Lauf\x00treff\u202e Pölling\r\nBcc: x",
            slug="lauftreff",
            description="Jeden\x07 Dienstag\u200b um 18 Uhr.",
        ),
    )
    assert answer.status_code in (303, 422)
    for name, description in db.session.execute(
        select(Organisation.name, Organisation.description)
    ):
        assert name == "Lauftreff Pölling Bcc: x"
        assert not any(ch in name + description for ch in "\x00\x07\u202e\u200b\r\n")


def test_an_unknown_organisation_is_a_404(app, anna, gerd):
    admin = browser(app, anna)
    base = "/admin/organisations/gibt-es-nicht"
    assert admin.get(base).status_code == 404
    assert admin.submit(base, org_form(), page="/").status_code == 404
    assert admin.submit(f"{base}/members", {"email": gerd.email}, page="/").status_code == 404
    for step in ("remove", "manager"):
        assert admin.submit(f"{base}/members/{gerd.id}/{step}", {}, page="/").status_code == 404
    assert database_state()[1:] == ((), 0)


# ---------------------------------------------------------------- members


def members_shown(client: BrowserLikeClient, slug: str = "obst") -> str:
    page = client.get(f"/admin/organisations/{slug}").text
    return page[page.index('id="members"') :]


def test_members_are_added_made_managers_and_removed(app, anna, verein, gerd):
    admin = browser(app, anna)

    added = admin.submit(
        "/admin/organisations/obst/members", {"email": " GERD.garten@example.org "}
    )

    assert added.status_code == 303
    members = members_shown(admin)
    assert "Gerd" in members and "gerd.garten@example.org" in members
    assert "Verwalter/in: nein" in members

    admin.submit(f"/admin/organisations/obst/members/{gerd.id}/manager", {"manager": "1"})
    assert "Verwalter/in: ja" in members_shown(admin)
    assert db.session.scalar(select(Membership.is_manager)) is True

    admin.submit(f"/admin/organisations/obst/members/{gerd.id}/manager", {"manager": "0"})
    assert db.session.scalar(select(Membership.is_manager)) is False

    removed = admin.submit(f"/admin/organisations/obst/members/{gerd.id}/remove", {})
    assert removed.status_code == 303
    assert "Gerd" not in members_shown(admin)
    assert db.session.scalar(select(func.count(Membership.id))) == 0


def test_an_address_without_an_account_is_explained(app, anna, verein):
    gone = factories.user(email="weg@example.org", deleted_at=utcnow())
    db.session.commit()
    admin = browser(app, anna)

    for address in ("niemand@example.org", gone.email):
        answer = admin.submit("/admin/organisations/obst/members", {"email": address})

        assert answer.status_code == 422
        assert (
            "Kein Konto mit dieser Adresse. Die Person legt zuerst ein Konto an oder postet "
            "einmal als Gast."
        ) in answer.text
        assert field_value(answer.text, "email") == address
    assert db.session.scalar(select(func.count(Membership.id))) == 0


def test_a_malformed_address_is_refused(app, anna, verein):
    answer = browser(app, anna).submit("/admin/organisations/obst/members", {"email": "gerd@"})
    assert answer.status_code == 422
    assert "gültige E-Mail-Adresse" in answer.text


def test_a_member_is_added_only_once(app, anna, verein, gerd):
    admin = browser(app, anna)
    admin.submit("/admin/organisations/obst/members", {"email": gerd.email})
    before = database_state()

    again = admin.submit("/admin/organisations/obst/members", {"email": gerd.email})

    assert again.status_code == 422
    assert "gerd.garten@example.org ist schon Mitglied von Obst- und Gartenbauverein." in again.text
    assert database_state() == before


def test_removing_someone_who_is_no_member_says_so(app, anna, verein, gerd):
    before = database_state()
    admin = browser(app, anna)

    for step, data in (("remove", {}), ("manager", {"manager": "1"})):
        answer = admin.submit(f"/admin/organisations/obst/members/{gerd.id}/{step}", data)

        assert answer.status_code == 409
        assert "Diese Person ist kein Mitglied (mehr) dieser Organisation." in answer.text
    assert database_state() == before


def test_a_deleted_account_is_never_listed(app, anna, verein, gerd):
    gone = factories.user(email="weg@example.org", display_name="Wilma")
    db.session.add(Membership(user=gone, organisation=verein))
    db.session.add(Membership(user=gerd, organisation=verein))
    gone.deleted_at = utcnow()
    db.session.commit()
    admin = browser(app, anna)

    members = members_shown(admin)

    assert "Gerd" in members
    assert "Wilma" not in members and "weg@example.org" not in members
    answer = admin.submit(f"/admin/organisations/obst/members/{gone.id}/remove", {})
    assert answer.status_code == 409


# ---------------------------------------------------------------- the audit log


def test_every_change_is_in_the_audit_log(app, anna, gerd):
    admin = browser(app, anna)
    admin.submit("/admin/organisations/new", org_form(is_verified="y"))
    admin.submit("/admin/organisations/obst/members", {"email": gerd.email})
    admin.submit(f"/admin/organisations/obst/members/{gerd.id}/manager", {"manager": "1"})
    admin.submit(
        "/admin/organisations/obst",
        org_form(name="OGV Woffenbach", slug="ogv", website="", kind="association"),
    )
    admin.submit("/admin/organisations/ogv", org_form(name="OGV Woffenbach", slug="ogv"))
    admin.submit(f"/admin/organisations/ogv/members/{gerd.id}/remove", {})

    assert audit_actions() == [
        Action.ORGANISATION_CREATE,
        Action.ORGANISATION_VERIFY,
        Action.MEMBER_ADD,
        Action.MEMBER_ROLE,
        Action.ORGANISATION_EDIT,
        Action.ORGANISATION_UNVERIFY,
        Action.ORGANISATION_EDIT,
        Action.MEMBER_REMOVE,
    ]
    entries = list(db.session.scalars(select(ModerationAction).order_by(ModerationAction.id)))
    assert all(entry.actor_id == anna.id for entry in entries)
    assert entries[2].subject_user_id == gerd.id
    assert entries[4].details == {
        "organisation": "OGV Woffenbach",
        "slug": "ogv",
        "before": {
            "name": "Obst- und Gartenbauverein",
            "slug": "obst",
            "website": "https://ogv-woffenbach.de",
        },
        "after": {"name": "OGV Woffenbach", "slug": "ogv", "website": ""},
    }

    log = admin.get("/moderation/log").text
    for label in (
        "Organisation angelegt",
        "Organisation bestätigt",
        "Mitglied hinzugefügt",
        "Verwalter/in geändert",
        "Organisation geändert",
        "Bestätigung der Organisation entzogen",
        "Mitglied entfernt",
    ):
        assert label in log
    assert "Organisation: OGV Woffenbach" in log
    assert "<del>Obst- und Gartenbauverein</del> → <ins>OGV Woffenbach</ins>" in log
    assert "Verwalter/in: ja" in log
    assert "Gerd" in log


def test_verification_can_be_found_in_the_log(app, anna, verein):
    moderator = factories.user(email="mo@example.org", role=Role.MODERATOR)
    db.session.commit()
    browser(app, anna).submit("/admin/organisations/obst", org_form(is_verified="y"))

    log = browser(app, moderator).get("/moderation/log?action=org_verify").text

    assert "Organisation bestätigt" in log
    assert "Obst- und Gartenbauverein" in log


def test_saving_without_a_change_logs_nothing(app, anna, verein):
    verein.website, verein.description = (
        "https://ogv-woffenbach.de",
        "Wir pflegen die Streuobstwiesen.",
    )
    db.session.commit()
    browser(app, anna).submit("/admin/organisations/obst", org_form())
    assert audit_actions() == []
