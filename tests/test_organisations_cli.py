"""The town names its associations and administration from the shell, and who speaks for them."""

from __future__ import annotations

from sqlalchemy import select

from board.extensions import db
from board.moderation.policy import is_trusted, speaks_for_the_town
from board.organisations.models import Membership, Organisation, OrganisationKind
from tests import factories


def organisation(slug: str) -> Organisation | None:
    db.session.expire_all()
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug))


def test_a_verified_association_and_its_member_skip_the_queue(app, runner):
    app.config["MODERATION_POLICY"] = "trust"
    anna = factories.user(email="anna@example.org", password=None)
    db.session.commit()
    assert not is_trusted(anna)

    added = runner.invoke(
        args=["organisation", "add", "ogv-woffenbach", "OGV  Woffenbach e.V.", "--verified"]
    )
    joined = runner.invoke(args=["organisation", "member", "ogv-woffenbach", "Anna@Example.org"])

    assert added.exit_code == 0, added.output
    assert joined.exit_code == 0, joined.output
    made = organisation("ogv-woffenbach")
    assert made is not None and made.name == "OGV Woffenbach e.V." and made.is_verified
    assert is_trusted(anna)
    assert app.test_client().get("/organisations/ogv-woffenbach").status_code == 200


def test_the_administration_speaks_for_the_town(app, runner):
    clerk = factories.user(email="rathaus@example.org", password=None)
    db.session.commit()

    runner.invoke(
        args=["organisation", "add", "stadt", "Stadt Neumarkt", "--kind", "administration"]
    )
    runner.invoke(args=["organisation", "member", "stadt", "rathaus@example.org"])

    assert organisation("stadt").kind is OrganisationKind.ADMINISTRATION
    assert speaks_for_the_town(clerk)


def test_adding_again_changes_the_organisation_and_adds_no_second_one(app, runner):
    runner.invoke(args=["organisation", "add", "lauftreff", "Lauftreff", "--verified"])
    again = runner.invoke(args=["organisation", "add", "lauftreff", "Lauftreff Neumarkt"])

    assert again.exit_code == 0
    assert "not verified" in again.output
    assert db.session.scalar(select(db.func.count(Organisation.id))) == 1
    assert organisation("lauftreff").name == "Lauftreff Neumarkt"


def test_a_membership_is_added_once_and_can_end(app, runner):
    factories.user(email="bernd@example.org", password=None)
    db.session.commit()
    runner.invoke(args=["organisation", "add", "tafel", "Tafel Neumarkt"])

    for _ in range(2):
        runner.invoke(args=["organisation", "member", "tafel", "bernd@example.org"])
    assert db.session.scalar(select(db.func.count(Membership.id))) == 1

    ended = runner.invoke(args=["organisation", "member", "tafel", "bernd@example.org", "--remove"])
    assert ended.exit_code == 0
    assert db.session.scalar(select(db.func.count(Membership.id))) == 0


def test_bad_input_is_refused_with_a_reason_and_changes_nothing(app, runner):
    bad_slug = runner.invoke(args=["organisation", "add", "Not A Slug", "Verein"])
    no_name = runner.invoke(args=["organisation", "add", "verein", "   "])
    bad_site = runner.invoke(
        args=["organisation", "add", "verein", "Verein", "--website", "javascript:x"]
    )
    no_org = runner.invoke(args=["organisation", "member", "gibt-es-nicht", "a@example.org"])
    runner.invoke(args=["organisation", "add", "verein", "Verein"])
    no_user = runner.invoke(args=["organisation", "member", "verein", "niemand@example.org"])

    for result in (bad_slug, no_name, bad_site, no_org, no_user):
        assert result.exit_code != 0
    assert "lower-case" in bad_slug.output
    assert "add it first" in no_org.output
    assert "create-user first" in no_user.output
    assert db.session.scalar(select(db.func.count(Organisation.id))) == 1
