"""The commands a town's admin runs: flask --app board create-user | run-jobs | demo-data."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from board import create_app
from board.accounts.models import Role, User
from board.extensions import db
from board.organisations.models import Organisation, OrganisationKind
from board.posts.models import Category, District, Post, PostKind
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests import factories


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


# ---------------------------------------------------------------- create-user


def test_create_user_makes_the_first_admin_who_can_log_in_with_the_password(app, runner):
    result = runner.invoke(
        args=[
            "create-user",
            "Admin@Example.org",
            "--role",
            "admin",
            "--password",
            "lang-und-geheim",
        ]
    )

    assert result.exit_code == 0, result.output
    assert "admin@example.org: admin" in result.output
    admin = user_by_email("admin@example.org")
    assert admin is not None and admin.role is Role.ADMIN and admin.is_admin
    assert admin.email_confirmed_at is not None and admin.is_registered
    assert admin.check_password("lang-und-geheim")


def test_create_user_without_a_password_logs_in_by_link_only(app, runner):
    result = runner.invoke(args=["create-user", "moderation@example.org", "--role", "moderator"])

    assert result.exit_code == 0, result.output
    moderator = user_by_email("moderation@example.org")
    assert moderator is not None and moderator.is_moderator
    assert moderator.password_hash is None


def test_create_user_changes_the_role_of_an_existing_account(app, runner):
    factories.user(email="anna@example.org", password="annas-eigenes-passwort")
    db.session.commit()

    result = runner.invoke(args=["create-user", "ANNA@example.org", "--role", "moderator"])

    assert result.exit_code == 0, result.output
    anna = user_by_email("anna@example.org")
    assert anna is not None and anna.role is Role.MODERATOR
    assert anna.check_password("annas-eigenes-passwort")  # untouched without --password
    assert count(User) == 1


@pytest.mark.parametrize("address", ["keine-adresse", "anna@", "anna@example.org\r\nBcc: x@y.de"])
def test_create_user_refuses_an_invalid_address(app, runner, address):
    result = runner.invoke(args=["create-user", address, "--role", "admin"])

    assert result.exit_code == 2
    assert "not a valid e-mail address" in result.output
    assert count(User) == 0


def test_create_user_refuses_an_unknown_role(app, runner):
    result = runner.invoke(args=["create-user", "anna@example.org", "--role", "kaiser"])

    assert result.exit_code == 2
    assert count(User) == 0


# ---------------------------------------------------------------- run-jobs


def test_run_jobs_with_nothing_due_does_nothing(app, runner, mailbox):
    result = runner.invoke(args=["run-jobs"])

    assert result.exit_code == 0, result.output
    assert "outbox: 0 sent" in result.output
    assert mailbox.messages == []


def test_run_jobs_with_the_database_down_says_so_without_a_traceback(tmp_path):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/board.sqlite3"}
    )

    result = app.test_cli_runner().invoke(args=["run-jobs"])

    assert result.exit_code == 1
    assert "database unavailable" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- demo-data


@pytest.fixture
def demo_town(app, runner):
    result = runner.invoke(args=["demo-data", "--posts", "120"])
    assert result.exit_code == 0, result.output
    assert "demo data: 120 posts added" in result.output
    db.session.expire_all()
    return result


def test_demo_data_makes_a_believable_town_modelled_on_neumarkt(demo_town):
    categories = {c.slug: c for c in db.session.scalars(select(Category))}
    assert {c.name_de for c in categories.values()} == {
        "Nachbarschaftshilfe", "Verschenken", "Verleihen", "Mitfahren", "Ehrenamt gesucht",
        "Veranstaltungen", "Tiere", "Kinder & Familie", "Garten", "Sonstiges",
    }  # fmt: skip
    assert all(c.name_en and c.slug.isascii() for c in categories.values())
    districts = {d.name for d in db.session.scalars(select(District))}
    assert {"Woffenbach", "Pölling", "Holzheim", "Pelchenhofen", "Lähr", "Mühlen"} <= districts

    organisations = list(db.session.scalars(select(Organisation)))
    assert all(org.is_verified for org in organisations)
    [town] = [org for org in organisations if org.kind is OrganisationKind.ADMINISTRATION]
    assert town.name == "Stadt Neumarkt i.d.OPf."
    assert len(organisations) >= 5
    assert all(u.email.endswith("@example.org") for u in db.session.scalars(select(User)))


def demo_board_posts() -> list[Post]:
    """The demo's posts for the board, without the few in the queue and the town's past ones."""
    return list(
        db.session.scalars(
            select(Post).where(
                ~Post.source_ref.like("demo:queue:%"), ~Post.source_ref.like("demo:past:%")
            )
        )
    )


def test_demo_posts_are_all_current_of_every_kind_and_category(demo_town):
    now = utcnow()
    posts = demo_board_posts()

    assert len(posts) == 120
    assert all(p.status is PostStatus.PUBLISHED and p.expires_at > now for p in posts)
    assert {p.kind for p in posts} == set(PostKind)
    assert len({p.category_id for p in posts}) == 10
    assert any(p.organisation_id for p in posts) and any(not p.organisation_id for p in posts)
    ages = [now - p.published_at for p in posts if p.published_at]
    assert min(ages) < timedelta(days=1) and max(ages) > timedelta(days=7)  # varied ages
    events = [p for p in posts if p.kind is PostKind.EVENT]
    assert events and all(
        p.event_start_at and now < p.event_start_at < now + timedelta(weeks=7) for p in events
    )
    assert all(p.event_end_at and p.expires_at == p.event_end_at for p in events)
    assert all(len(p.title) <= 120 and len(p.body) <= 5000 for p in posts)
    assert all("{" not in p.title + p.body for p in posts)  # every placeholder filled
    text = " ".join(p.title + " " + p.body for p in posts)
    assert "Fahrräder" in text and "Straße" in text


def test_demo_posts_are_on_the_board_and_found_by_search(demo_town, client):
    board = client.get("/")
    assert board.status_code == 200
    on_the_board = select(Post).where(Post.status == PostStatus.PUBLISHED)
    newest = db.session.scalars(on_the_board.order_by(Post.published_at.desc())).first()
    assert newest is not None and newest.title in board.text

    found = client.get("/?q=fahrrad")
    assert "Fahrräder" in found.text  # the search folds umlauts


def test_demo_data_twice_adds_nothing_twice(demo_town, runner):
    before = {model: count(model) for model in (Category, District, Organisation, User, Post)}

    again = runner.invoke(args=["demo-data", "--posts", "120"])

    assert again.exit_code == 0, again.output
    assert "demo data: 0 posts added" in again.output
    assert {model: count(model) for model in before} == before


def test_demo_data_with_more_posts_adds_only_the_missing_ones(demo_town, runner):
    titles_before = dict(db.session.execute(select(Post.source_ref, Post.title)).all())

    result = runner.invoke(args=["demo-data", "--posts", "150"])

    assert "demo data: 30 posts added" in result.output
    db.session.expire_all()
    refs = Counter(post.source_ref for post in demo_board_posts())
    assert len(refs) == 150 and set(refs.values()) == {1}
    titles_after = dict(db.session.execute(select(Post.source_ref, Post.title)).all())
    assert all(titles_after[ref] == title for ref, title in titles_before.items())


def test_demo_data_builds_a_large_town_for_benchmarks(app, runner):
    result = runner.invoke(args=["demo-data", "--posts", "2000"])

    assert result.exit_code == 0, result.output
    assert len(demo_board_posts()) == 2000
    assert db.session.scalar(select(func.count()).where(Post.search_text == "")) == 0


def test_demo_gives_the_moderator_something_to_do(demo_town):
    from board.moderation.models import Report

    moderator = db.session.scalar(select(User).where(User.email == "moderation@example.org"))
    assert moderator is not None and moderator.is_moderator
    waiting = db.session.scalars(select(Post).where(Post.status == PostStatus.PENDING)).all()
    assert len(waiting) == 3 and {p.review_reason for p in waiting} == {"new_author", "spam"}
    assert count(Report) == 2


def test_demo_gives_the_administrator_weeks_of_figures_to_read(demo_town, client):
    from board.admin.figures import figures, weeks_back
    from tests.posts.conftest import log_in_as

    admin = db.session.scalar(select(User).where(User.email == "verwaltung@example.org"))
    assert admin is not None and admin.is_admin
    now = utcnow()
    past = db.session.scalars(select(Post).where(Post.source_ref.like("demo:past:%"))).all()
    assert len(past) == 48
    assert not any(post.is_visible(now) for post in past)
    assert {post.status for post in past} == {PostStatus.CLOSED, PostStatus.EXPIRED}

    rows = figures(weeks_back(now, 9), now)
    assert sum(row.closed for row in rows) > 10
    assert sum(row.expired for row in rows) > 5
    assert sum(row.decisions for row in rows) >= 16
    assert all(wait > timedelta(0) for row in rows for wait in row.waits)
    log_in_as(client, admin)
    assert client.get("/admin/figures").status_code == 200


def test_demo_data_refuses_a_negative_number_of_posts(app, runner):
    result = runner.invoke(args=["demo-data", "--posts", "-5"])

    assert result.exit_code == 2
    assert count(Post) == 0
