"""Who waits for a moderator under each of the town's policies, and who publishes at once."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from board.accounts.models import Role, User
from board.extensions import db
from board.moderation.models import Action, ModerationAction
from board.organisations.models import OrganisationKind
from board.posts.models import Category, Post, PostKind, PostSource
from board.posts.services import PostInput, create_post
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests import factories


def submit(author: User, category: Category, **changes: Any) -> Post:
    """The author submits a post through the posting service, as the web form does."""
    data = PostInput(
        kind=PostKind.OFFER,
        category_id=category.id,
        district_id=None,
        title=changes.pop("title", "Kinderfahrrad zu verschenken"),
        body=changes.pop("body", "20 Zoll, blau, gut erhalten."),
    )
    post = create_post(
        data, author, changes.pop("source", PostSource.WEB), factories_key(), utcnow()
    )
    db.session.commit()
    return post


_keys = iter(range(10**6))


def factories_key() -> str:
    return f"key-{next(_keys)}"


def test_under_trust_a_new_residents_first_post_waits_and_says_why(app, resident, categories):
    post = submit(resident, categories["verschenken"])

    assert post.status is PostStatus.PENDING
    assert post.review_reason == "new_author"
    held = db.session.scalars(db.select(ModerationAction)).one()
    assert (held.action, held.actor_id, held.to_status) == (Action.HOLD, None, "pending")


def test_under_trust_a_resident_with_an_approved_post_publishes_at_once(app, resident, categories):
    factories.post(author=resident, status=PostStatus.PUBLISHED)
    post = submit(resident, categories["verschenken"], title="Zweiter Beitrag")

    assert post.status is PostStatus.PUBLISHED


def test_a_rejected_post_earns_no_trust(app, resident, categories):
    factories.post(author=resident, status=PostStatus.REJECTED)
    post = submit(resident, categories["verschenken"], title="Nächster Versuch")

    assert post.status is PostStatus.PENDING


@pytest.mark.parametrize(
    "make_trusted",
    [
        pytest.param(lambda user: setattr(user, "is_trusted", True), id="marked trusted"),
        pytest.param(
            lambda user: factories.organisation(members=(user,), verified=True),
            id="member of a verified association",
        ),
        pytest.param(
            lambda user: factories.organisation(
                name="Stadt Neumarkt",
                kind=OrganisationKind.ADMINISTRATION,
                verified=False,
                members=(user,),
            ),
            id="the administration",
        ),
        pytest.param(lambda user: setattr(user, "role", Role.MODERATOR), id="a moderator"),
    ],
)
def test_trusted_people_publish_at_once(app, resident, categories, make_trusted):
    make_trusted(resident)
    post = submit(resident, categories["verschenken"])

    assert post.status is PostStatus.PUBLISHED
    assert db.session.scalars(db.select(ModerationAction)).all() == []


def test_a_member_of_an_unverified_association_still_waits(app, resident, categories):
    factories.organisation(members=(resident,), verified=False)
    post = submit(resident, categories["verschenken"])

    assert post.status is PostStatus.PENDING


@pytest.fixture
def pre_policy(app: Flask) -> None:
    app.config["MODERATION_POLICY"] = "pre"


def test_under_pre_even_trusted_residents_wait(app, pre_policy, resident, categories):
    resident.is_trusted = True
    post = submit(resident, categories["verschenken"])

    assert post.status is PostStatus.PENDING
    assert post.review_reason == "every_post"


def test_under_pre_the_administration_still_publishes_at_once(
    app, pre_policy, resident, categories
):
    factories.organisation(name="Stadt", kind=OrganisationKind.ADMINISTRATION, members=(resident,))
    post = submit(resident, categories["verschenken"])

    assert post.status is PostStatus.PUBLISHED


def test_under_pre_the_front_desk_posting_for_a_resident_publishes_at_once(
    app, pre_policy, resident, categories
):
    from board.posts.services import confirm_post

    with app.test_request_context():
        post = submit(resident, categories["verschenken"], source=PostSource.ASSISTED)
        confirm_post(post, utcnow())

    assert post.status is PostStatus.PUBLISHED


def test_under_post_everything_is_published_and_waits_for_a_look(app, resident, categories):
    app.config["MODERATION_POLICY"] = "post"
    post = submit(resident, categories["verschenken"])

    assert post.status is PostStatus.PUBLISHED
    assert post.is_awaiting_review is True


def test_a_trusted_person_with_spam_signals_still_waits(app, resident, categories):
    resident.is_trusted = True
    body = " ".join(f"https://shop{n}.example/angebot" for n in range(4))
    post = submit(resident, categories["verschenken"], body=body)

    assert post.status is PostStatus.PENDING
    assert post.review_reason == "spam"
    assert "links:4" in (post.review_note or "")


def test_a_published_post_edited_into_spam_goes_back_to_the_queue(app, resident, categories):
    from board.posts.services import update_post

    resident.is_trusted = True
    post = submit(resident, categories["verschenken"])
    assert post.status is PostStatus.PUBLISHED
    update_post(
        post,
        PostInput(
            kind=PostKind.OFFER,
            category_id=categories["verschenken"].id,
            district_id=None,
            title=post.title,
            body="Jetzt kaufen: www.a.example www.b.example www.c.example www.d.example",
        ),
        utcnow(),
    )
    db.session.commit()

    assert post.status is PostStatus.PENDING
    assert post.review_reason == "edited"
