"""Who may open the moderation pages and take each step: checked on the server, every time.

Anonymous visitors are sent to log in, residents get 403, a moderator may not decide on their own
post, moderators and admins may; whoever is refused leaves the database as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from board.accounts.models import Role, User
from board.extensions import db
from board.moderation.models import ModerationAction, Report, ReportReason
from board.moderation.reasons import seed_reason_templates
from board.posts.models import Post
from board.posts.status import PostStatus
from tests import factories
from tests.moderation.conftest import browser_for

S = PostStatus


@dataclass(frozen=True)
class Step:
    """A moderation URL: the post it needs, and what a moderator's form sends."""

    path: str  # "{id}" stands for the post
    status: PostStatus = S.PENDING
    form: tuple[tuple[str, str], ...] | None = None  # None: a page to GET
    reported: bool = False

    def url(self, post: Post) -> str:
        return self.path.format(id=post.id)


STEPS = {
    "approve": Step("/moderation/posts/{id}/approve", form=()),
    "reject": Step("/moderation/posts/{id}/reject", form=(("reject_text", "Doppelt"),)),
    "request-changes": Step(
        "/moderation/posts/{id}/request-changes",
        form=(("changes_message", "Bitte den Ort nennen."),),
    ),
    "hide": Step("/moderation/posts/{id}/hide", S.PUBLISHED, form=(("hide_text", "Beleidigend"),)),
    "restore": Step("/moderation/posts/{id}/restore", S.HIDDEN, form=()),
    "dismiss-reports": Step(
        "/moderation/posts/{id}/dismiss-reports", S.PUBLISHED, form=(), reported=True
    ),
    "edit": Step(
        "/moderation/posts/{id}/edit",
        form=(("edit_title", "Kinderwagen zu verschenken!"), ("edit_body", "Gut erhalten.")),
    ),
    "queue": Step("/moderation"),
    "post page": Step("/moderation/posts/{id}"),
    "reasons": Step("/moderation/reasons"),
    "new reason": Step(
        "/moderation/reasons/new", form=(("title", "Neu"), ("text", "Ein neuer Grund."))
    ),
}

PEOPLE = ["anonymous", "resident", "author who moderates", "moderator", "admin"]


@pytest.fixture
def person(request: pytest.FixtureRequest, app: Flask) -> User | None:
    role = {"resident": Role.RESIDENT, "admin": Role.ADMIN}.get(request.param, Role.MODERATOR)
    if request.param == "anonymous":
        return None
    made = factories.user(email=f"{role.value}.{id(request)}@example.org", password=None, role=role)
    db.session.commit()
    return made


def state(post: Post) -> tuple[Any, ...]:
    """Everything a moderation step could change."""
    db.session.expire_all()
    fresh = db.session.get(Post, post.id)
    return (
        fresh.status,
        fresh.title,
        fresh.body,
        fresh.is_awaiting_review,
        db.session.scalar(select(func.count(ModerationAction.id))),
        db.session.scalar(select(func.count(Report.id)).where(Report.resolved_at.is_(None))),
        db.session.scalar(select(func.count()).select_from(db.metadata.tables["reason_template"])),
    )


def make_post(step: Step, author: User, waiting_post: Any) -> Post:
    post = waiting_post(status=step.status, author=author)
    if step.reported:
        db.session.add(
            Report(post_id=post.id, reporter_key="addr:x", reason=ReportReason.SPAM, text="")
        )
    db.session.commit()
    return post


def send(browser: Any, step: Step, post: Post, token: str) -> Any:
    if step.form is None:
        return browser.get(step.url(post))
    data = {"csrf_token": token, "seen": post.status.value, **dict(step.form)}
    return browser.post(step.url(post), data=data)


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
@pytest.mark.parametrize("step", STEPS.values(), ids=STEPS.keys())
def test_permission_matrix(app, person, step, resident, waiting_post, request):
    seed_reason_templates()
    who = request.node.callspec.params["person"]
    author = person if who == "author who moderates" else resident
    post = make_post(step, author, waiting_post)
    browser = browser_for(app, person)
    token = browser.csrf_token("/login")
    before = state(post)

    answer = send(browser, step, post, token)

    is_post = step.form is not None
    if who == "anonymous":
        assert answer.status_code == 302
        assert answer.location.startswith("/login?next=")
        assert state(post) == before
    elif who == "resident":
        assert answer.status_code == 403
        assert "Keine Berechtigung" in answer.text
        assert state(post) == before
    elif who == "author who moderates" and is_post and "{id}" in step.path:
        assert answer.status_code == 403
        assert "Über eigene Beiträge entscheidet" in answer.text
        assert state(post) == before
    elif is_post:
        assert answer.status_code == 303, answer.text
        assert state(post) != before
    else:
        assert answer.status_code == 200
        assert state(post) == before


def test_the_login_redirect_brings_the_moderator_back_to_the_page(app, waiting_post):
    post = waiting_post()
    answer = browser_for(app).get(f"/moderation/posts/{post.id}")

    assert answer.status_code == 302
    assert answer.location == f"/login?next=%2Fmoderation%2Fposts%2F{post.id}"


@pytest.mark.parametrize(
    "step", [s for s in STEPS.values() if s.form is not None], ids=lambda s: s.path
)
def test_a_forged_post_without_csrf_token_changes_nothing(
    app, moderator, resident, waiting_post, step
):
    post = make_post(step, resident, waiting_post)
    browser = browser_for(app, moderator)
    before = state(post)

    answer = browser.post(step.url(post), data={"seen": post.status.value, **dict(step.form)})

    assert answer.status_code == 400
    assert state(post) == before


def test_a_suspended_moderator_with_a_live_session_is_anonymous(app, moderator, waiting_post):
    post = waiting_post()
    browser = browser_for(app, moderator)
    token = browser.csrf_token("/login")
    moderator.is_suspended = True
    db.session.commit()

    answer = browser.post(
        f"/moderation/posts/{post.id}/approve", data={"csrf_token": token, "seen": "pending"}
    )

    assert answer.status_code == 302
    assert answer.location.startswith("/login")
    assert state(post)[0] is S.PENDING
