"""A member of an association posts for it: its name and badge on the post, its page and feed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from board.extensions import db
from board.organisations.models import Membership, Organisation, OrganisationKind
from board.posts import services
from board.posts.models import Post
from tests import factories
from tests.posts.conftest import log_in_as, offer


@pytest.fixture
def gartenverein(app):
    return factories.organisation(name="Obst- und Gartenbauverein Woffenbach", verified=True)


@pytest.fixture
def member(app, gartenverein):
    person = factories.user(email="gerda@example.org", password=None, display_name="Gerda")
    factories.organisation(name="Stadt Neumarkt", kind=OrganisationKind.ADMINISTRATION)
    db.session.flush()
    db.session.add(Membership(user=person, organisation=gartenverein))
    db.session.commit()
    return person


def only_post() -> Post:
    db.session.expire_all()
    return db.session.scalars(select(Post)).one()


def choices(page: str) -> list[str]:
    found = re.search(r'<select [^>]*name="organisation"[^>]*>(.*?)</select>', page, re.S)
    assert found, "the form asks whom the post is for"
    return re.findall(r"<option[^>]*>([^<]+)</option>", found[1])


def test_a_member_is_asked_whom_the_post_is_for(client, member, categories):
    log_in_as(client, member)
    page = client.get("/posts/new").text
    assert "Veröffentlichen als" in page
    # Only their own organisation: not the administration they do not belong to.
    assert choices(page) == ["mich selbst", "Obst- und Gartenbauverein Woffenbach"]


def test_nobody_else_is_asked(client, other_client, categories):
    resident = factories.user(email="rita@example.org", password=None)
    db.session.commit()
    log_in_as(client, resident)
    assert 'name="organisation"' not in client.get("/posts/new").text
    assert 'name="organisation"' not in other_client.get("/posts/new").text  # a guest


def test_a_post_for_the_association_carries_its_name_badge_page_and_feed(
    client, member, gartenverein, categories
):
    log_in_as(client, member)
    answer = client.submit(
        "/posts/new",
        offer(categories["verschenken"], title="Apfelbäume zu verschenken",
              organisation=str(gartenverein.id)),
    )  # fmt: skip

    assert answer.status_code == 303
    post = only_post()
    assert post.organisation_id == gartenverein.id
    assert post.author_id == member.id
    card = re.search(r'<li class="card[^"]*">(.*?)</li>', client.get("/").text, re.S)
    assert card and "Apfelbäume zu verschenken" in card[1]
    assert '<span class="badge verified">Verein</span>' in card[1]
    assert "Obst- und Gartenbauverein Woffenbach" in card[1]
    assert "Apfelbäume zu verschenken" in client.get(f"/organisations/{gartenverein.slug}").text
    feed = client.get(f"/feeds/posts.atom?organisation={gartenverein.slug}").text
    assert "Apfelbäume zu verschenken" in feed


def test_a_member_can_still_post_as_themselves(client, member, categories):
    log_in_as(client, member)
    client.submit("/posts/new", offer(categories["verschenken"], organisation=""))

    assert only_post().organisation_id is None


def test_posting_for_an_organisation_one_is_not_in_is_refused(client, member, categories):
    stadt = db.session.scalars(
        select(Organisation).where(Organisation.name == "Stadt Neumarkt")
    ).one()
    log_in_as(client, member)

    answer = client.submit(
        "/posts/new", offer(categories["verschenken"], organisation=str(stadt.id))
    )

    assert answer.status_code == 422
    assert "Veröffentlichen als" in answer.text
    assert db.session.scalar(select(func.count(Post.id))) == 0


def test_a_resident_cannot_slip_an_organisation_into_the_form(client, gartenverein, categories):
    resident = factories.user(email="rita@example.org", password=None)
    db.session.commit()
    log_in_as(client, resident)

    answer = client.submit(
        "/posts/new", offer(categories["verschenken"], organisation=str(gartenverein.id))
    )

    assert answer.status_code == 422
    assert db.session.scalar(select(func.count(Post.id))) == 0


def test_the_author_changes_whom_the_post_is_for(client, member, gartenverein, categories):
    log_in_as(client, member)
    client.submit("/posts/new", offer(categories["verschenken"], organisation=str(gartenverein.id)))
    post = only_post()

    page = client.get(f"/posts/{post.id}/edit").text
    assert re.search(rf'<option selected value="{gartenverein.id}">', page)
    client.submit(f"/posts/{post.id}/edit", offer(categories["verschenken"], organisation=""))

    assert only_post().organisation_id is None


def test_a_member_who_left_keeps_the_post_where_it_was(client, member, gartenverein, categories):
    log_in_as(client, member)
    client.submit("/posts/new", offer(categories["verschenken"], organisation=str(gartenverein.id)))
    db.session.query(Membership).delete()
    db.session.commit()
    post = only_post()

    assert choices(client.get(f"/posts/{post.id}/edit").text)[-1] == gartenverein.name
    client.submit(
        f"/posts/{post.id}/edit",
        offer(categories["verschenken"], title="Neuer Titel", organisation=str(gartenverein.id)),
    )

    assert (only_post().title, only_post().organisation_id) == ("Neuer Titel", gartenverein.id)


def test_the_private_link_changes_the_text_but_never_whom_the_post_is_for(
    app, client, other_client, member, gartenverein, categories
):
    log_in_as(client, member)
    client.submit("/posts/new", offer(categories["verschenken"], organisation=str(gartenverein.id)))
    post = only_post()
    with app.test_request_context():
        path = services.manage_url(post).removeprefix("http://board.test")
    token = path.rsplit("/", 1)[1]
    edit = f"/posts/{post.id}/edit?token={token}"

    form_page = other_client.get(edit)
    answer = other_client.submit(
        edit, offer(categories["verschenken"], title="Per Link geändert", organisation="")
    )

    assert form_page.status_code == 200 and 'name="organisation"' not in form_page.text
    assert answer.status_code == 303
    assert (only_post().title, only_post().organisation_id) == (
        "Per Link geändert",
        gartenverein.id,
    )


# ---------------------------------------------------------------- the association's managers


@pytest.fixture
def vereinspost(member, gartenverein, categories) -> Post:
    post = factories.post(
        title="Obstbaumschnitt-Kurs", author=member, organisation=gartenverein,
        category=categories["verschenken"],
    )  # fmt: skip
    db.session.commit()
    return post


def member_of(organisation, email: str, manager: bool):
    person = factories.user(email=email, password=None)
    db.session.add(Membership(user=person, organisation=organisation, is_manager=manager))
    db.session.commit()
    return person


def test_a_manager_looks_after_the_associations_posts_by_other_members(
    client, gartenverein, vereinspost, categories
):
    manfred = member_of(gartenverein, "manfred@example.org", manager=True)
    log_in_as(client, manfred)

    detail = client.get(f"/posts/{vereinspost.id}").text
    edited = client.submit(
        f"/posts/{vereinspost.id}/edit",
        offer(categories["verschenken"], title="Obstbaumschnitt-Kurs (neuer Termin)"),
    )
    closed = client.submit(f"/posts/{vereinspost.id}/close", {}, page=f"/posts/{vereinspost.id}")
    assert closed.status_code == 303

    assert f'action="/posts/{vereinspost.id}/close"' in detail
    assert edited.status_code == 303
    post = only_post()
    assert post.title == "Obstbaumschnitt-Kurs (neuer Termin)"
    assert post.status.value == "closed"
    assert post.author_id == vereinspost.author_id  # still Gerda's post
    assert post.organisation_id == gartenverein.id


@pytest.mark.parametrize("who", ["plain member", "manager elsewhere", "resident"])
def test_nobody_else_may_change_the_associations_post(
    client, gartenverein, vereinspost, categories, who
):
    if who == "plain member":
        person = member_of(gartenverein, "paul@example.org", manager=False)
    elif who == "manager elsewhere":
        person = member_of(factories.organisation(name="Sportverein"), "sven@example.org", True)
    else:
        person = factories.user(email="rita@example.org", password=None)
        db.session.commit()
    log_in_as(client, person)

    detail = client.get(f"/posts/{vereinspost.id}").text
    edit = client.submit(f"/posts/{vereinspost.id}/edit", offer(categories["verschenken"]))
    close = client.post(
        f"/posts/{vereinspost.id}/close", data={"csrf_token": client.csrf_token("/")}
    )

    assert f'action="/posts/{vereinspost.id}/close"' not in detail
    assert (edit.status_code, close.status_code) == (403, 403)
    post = only_post()
    assert (post.title, post.status.value) == ("Obstbaumschnitt-Kurs", "published")
