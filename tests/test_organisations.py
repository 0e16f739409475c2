"""An association's page shows who they are and their current posts, nothing else."""

from __future__ import annotations

from datetime import timedelta

from board.extensions import db
from board.organisations.models import OrganisationKind
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests import factories


def test_an_associations_page_lists_its_current_posts(client):
    verein = factories.organisation(name="Obst- und Gartenbauverein Woffenbach")
    factories.post(title="Apfelbäume schneiden lernen", organisation=verein)
    factories.post(title="Alte Gartenschere abzugeben")  # someone else's
    factories.post(title="Sommerfest war schön", organisation=verein, status=PostStatus.CLOSED)
    factories.post(
        title="Abgelaufener Obstmarkt",
        organisation=verein,
        expires_at=utcnow() - timedelta(minutes=1),
    )
    db.session.commit()

    page = client.get(f"/organisations/{verein.slug}")

    assert page.status_code == 200
    assert "Obst- und Gartenbauverein Woffenbach" in page.text
    assert "Apfelbäume schneiden lernen" in page.text
    assert "Alte Gartenschere" not in page.text
    assert "Sommerfest" not in page.text
    assert "Abgelaufener Obstmarkt" not in page.text


def test_the_town_administration_is_marked_official(client):
    rathaus = factories.organisation(name="Stadt Neumarkt", kind=OrganisationKind.ADMINISTRATION)
    db.session.commit()
    assert "amtlich" in client.get(f"/organisations/{rathaus.slug}").text


def test_an_unverified_association_gets_no_badge(client):
    verein = factories.organisation(name="Neuer Lauftreff", verified=False)
    db.session.commit()
    page = client.get(f"/organisations/{verein.slug}").text
    assert 'class="badge verified"' not in page


def test_an_unknown_organisation_is_a_404(client):
    assert client.get("/organisations/gibt-es-nicht").status_code == 404
