"""A resident's rights over their data: download everything, and delete the account for good."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from board.accounts.jobs import purge_unconfirmed_people
from board.accounts.models import Role, User
from board.extensions import db
from board.mail.models import OutboxMail
from board.moderation.models import ModerationAction, Report, ReportReason
from board.moderation.services import Reason, reject
from board.organisations.models import Membership
from board.posts.models import Post
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests import factories
from tests.accounts.conftest import PASSWORD, expired_csrf_token, log_in, user_by_email
from tests.conftest import body_of, wait_for

BERND = "bernd@example.org"


@pytest.fixture
def bernd(app) -> User:
    made = factories.user(email=BERND, display_name="Bernd B.")
    db.session.commit()
    return made


def stored_post(post_id: int) -> Post:
    db.session.rollback()
    post = db.session.get(Post, post_id, populate_existing=True)
    assert post is not None
    return post


def delete_account(client, confirm_email=BERND, password=PASSWORD, **extra):
    return client.submit(
        "/account/delete", {"confirm_email": confirm_email, "password": password, **extra}
    )


# ---------------------------------------------------------------- the account page


def test_the_account_page_offers_the_data_and_deleting_the_account(client, bernd):
    log_in(client, BERND)
    page = client.get("/account").text
    assert "Meine Daten" in page
    assert 'href="/account/export"' in page
    assert 'href="/account/delete"' in page


@pytest.mark.parametrize("path", ["/account/export", "/account/delete"])
def test_both_need_a_login(client, path):
    answer = client.get(path)
    assert answer.status_code == 302
    assert answer.location.startswith("/login?next=")


# ---------------------------------------------------------------- the data export


def test_the_export_holds_everything_about_the_person_and_nothing_about_others(app, client, bernd):
    verein = factories.organisation(name="Sportverein Woffenbach", members=(bernd,))
    on_board = factories.post(title="Biete Rasenmäher", body="Kaum benutzt.", author=bernd)
    rejected = factories.post(
        title="Verkaufe Handy", body="Nur 300 Euro", author=bernd, status=PostStatus.PENDING
    )
    factories.post(title="Fremder Beitrag", body="Nicht von Bernd")
    flagged = factories.post(title="Werbung für Kredite")
    moderator = factories.user(email="zora@example.org", role=Role.MODERATOR, display_name="Zora")
    db.session.add(
        Report(
            post=flagged,
            reporter_key=f"user:{bernd.id}",
            reporter_id=bernd.id,
            reason=ReportReason.SPAM,
            text="Das ist Werbung.",
        )
    )
    with app.test_request_context():
        reject(rejected, moderator, Reason("§ 3 Hausordnung", "Bitte nichts verkaufen."), utcnow())
    db.session.commit()

    log_in(client, BERND)
    answer = client.get("/account/export")

    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    assert answer.headers["Content-Disposition"].startswith(
        'attachment; filename="schwarzes-brett-meine-daten-'
    )
    assert "no-store" in answer.headers["Cache-Control"]
    data = json.loads(answer.text)
    assert data["account"]["email"] == BERND
    assert data["account"]["display_name"] == "Bernd B."
    assert data["account"]["has_password"] is True
    [membership] = data["memberships"]
    assert (membership["organisation"], membership["manager"]) == (verein.name, False)
    posts = {post["title"]: post for post in data["posts"]}
    assert set(posts) == {"Biete Rasenmäher", "Verkaufe Handy"}
    assert posts["Biete Rasenmäher"]["text"] == "Kaum benutzt."
    assert posts["Biete Rasenmäher"]["url"].endswith(f"/posts/{on_board.id}")
    assert posts["Verkaufe Handy"]["status"] == "rejected"
    assert data["reports"] == [
        {
            "post_id": flagged.id,
            "reason": "spam",
            "text": "Das ist Werbung.",
            "created_at": data["reports"][0]["created_at"],
        }
    ]
    [decision] = data["decisions"]
    assert decision["action"] == "reject"
    assert decision["rule"] == "§ 3 Hausordnung"
    assert decision["reason"] == "Bitte nichts verkaufen."
    # The statement of reasons mailed to Bernd is his too; the moderator's identity is not.
    assert any("Verkaufe Handy" in mail["text"] for mail in data["mails"])
    assert "Zora" not in answer.text and "zora@example.org" not in answer.text


def test_text_in_the_export_is_data_not_a_page(client, bernd):
    factories.post(title="<script>alert(1)</script>", author=bernd)
    db.session.commit()
    log_in(client, BERND)

    answer = client.get("/account/export")

    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert json.loads(answer.text)["posts"][0]["title"] == "<script>alert(1)</script>"


# ---------------------------------------------------------------- deleting: refusals


def test_the_delete_page_says_what_happens_and_asks_for_address_and_password(client, bernd):
    log_in(client, BERND)
    page = client.get("/account/delete").text
    assert "lässt sich nicht rückgängig machen" in page
    assert 'name="confirm_email"' in page
    assert 'name="password"' in page
    assert 'href="/account/export"' in page


def test_a_wrong_address_keeps_the_account_and_what_was_typed(client, bernd):
    log_in(client, BERND)
    answer = delete_account(client, confirm_email="bernd@example.com")

    assert answer.status_code == 422
    assert "Das ist nicht die Adresse dieses Kontos (bernd@example.org)." in answer.text
    assert 'value="bernd@example.com"' in answer.text
    assert user_by_email(BERND).deleted_at is None
    assert client.get("/account").status_code == 200


def test_a_wrong_password_keeps_the_account(client, bernd):
    log_in(client, BERND)
    answer = delete_account(client, password="falsches passwort")

    assert answer.status_code == 422
    assert "Das Passwort stimmt nicht." in answer.text
    assert user_by_email(BERND).deleted_at is None


def test_an_empty_form_asks_for_the_address(client, bernd):
    log_in(client, BERND)
    answer = delete_account(client, confirm_email="", password="")

    assert answer.status_code == 422
    assert "Bitte geben Sie Ihre E-Mail-Adresse zur Bestätigung ein." in answer.text
    assert "Bitte geben Sie Ihr Passwort ein." in answer.text
    assert user_by_email(BERND).deleted_at is None


def test_a_forged_request_without_the_form_token_deletes_nothing(app, client, bernd):
    log_in(client, BERND)
    no_token = client.post("/account/delete", data={"confirm_email": BERND, "password": PASSWORD})
    stale = client.post(
        "/account/delete",
        data={
            "confirm_email": BERND,
            "password": PASSWORD,
            "csrf_token": expired_csrf_token(app, client, "/account/delete"),
        },
    )

    assert no_token.status_code == 400
    assert stale.status_code == 400
    assert user_by_email(BERND).deleted_at is None


def test_the_only_administrator_cannot_leave(client):
    factories.user(email="anna@example.org", role=Role.ADMIN)
    db.session.commit()
    log_in(client, "anna@example.org")

    page = client.get("/account/delete")
    answer = delete_account(client, confirm_email="anna@example.org")

    assert page.status_code == 409
    assert "Sie sind die einzige Person, die das Brett verwaltet" in page.text
    assert answer.status_code == 409
    assert user_by_email("anna@example.org").deleted_at is None


def test_an_administrator_can_leave_when_another_remains(client):
    factories.user(email="anna@example.org", role=Role.ADMIN)
    factories.user(email="otto@example.org", role=Role.ADMIN)
    db.session.commit()
    log_in(client, "anna@example.org")

    answer = delete_account(client, confirm_email="anna@example.org")

    assert answer.status_code == 303
    assert user_by_email("anna@example.org") is None
    assert user_by_email("otto@example.org").role is Role.ADMIN


# ---------------------------------------------------------------- deleting: the story


def test_deleting_the_account_erases_the_person_and_their_posts_at_once(
    app, client, other_client, bernd, mailbox
):
    factories.organisation(members=(bernd,))
    on_board = factories.post(title="Biete Rasenmäher", author=bernd).id
    waiting = factories.post(title="Suche Nachhilfe", author=bernd, status=PostStatus.PENDING).id
    planned = factories.post(
        title="Flohmarkt im Frühling", author=bernd, status=PostStatus.SCHEDULED
    ).id
    others = factories.post(title="Kinderbett abzugeben").id
    db.session.add(OutboxMail(to_address=BERND, subject="Alt", body_text="alte Nachricht"))
    db.session.commit()
    log_in(other_client, BERND, remember=True)
    log_in(client, BERND)
    assert "Biete Rasenmäher" in client.get("/").text

    answer = delete_account(client)

    assert answer.status_code == 303
    assert answer.location == "/"
    assert "Ihr Konto und Ihre 3 Beiträge sind gelöscht." in client.get("/").text
    # Logged out here and on the other phone.
    assert client.get("/account").status_code == 302
    assert other_client.get("/account").status_code == 302
    # Nothing of Bernd's on the board, now or when the planned post's time comes.
    board = client.get("/").text
    assert "Biete Rasenmäher" not in board
    assert "Kinderbett abzugeben" in board
    assert client.get(f"/posts/{on_board}").status_code == 404
    for post_id in (on_board, waiting, planned):
        post = stored_post(post_id)
        assert post.status is PostStatus.CLOSED
        assert (post.title, post.body, post.author_id) == ("", "", None)
        assert post.purged_at is not None
    assert stored_post(others).title == "Kinderbett abzugeben"
    # The address, name and password are gone; the row keeps only its id for the audit log.
    assert user_by_email(BERND) is None
    emptied = db.session.get(User, bernd.id, populate_existing=True)
    assert emptied.email == f"deleted-{bernd.id}@invalid"
    assert (emptied.display_name, emptied.password_hash) == (None, None)
    assert emptied.deleted_at is not None
    assert db.session.scalar(select(func.count(Membership.id))) == 0
    # The old mails to the address are gone; the goodbye is the last one, and it arrives.
    mails = db.session.scalars(select(OutboxMail).where(OutboxMail.to_address == BERND)).all()
    assert [mail.template for mail in mails] == ["account_deleted"]
    goodbye = wait_for(lambda: mailbox.sent_to(BERND))[-1]
    assert "ist gelöscht" in goodbye["Subject"]
    assert "Ihre 3 Beiträge sind vom Brett genommen" in body_of(goodbye)


def test_the_old_address_no_longer_logs_in_but_can_start_afresh(client, bernd):
    log_in(client, BERND)
    delete_account(client)

    again = log_in(client, BERND)
    assert "E-Mail-Adresse oder Passwort stimmen nicht" in again.text
    assert client.get("/account").status_code == 302

    registered = client.submit(
        "/register", {"email": BERND, "password": "ein neues langes passwort"}
    )
    assert registered.status_code == 303
    fresh = user_by_email(BERND)
    assert fresh is not None and fresh.id != bernd.id


def test_a_second_tap_on_delete_finds_nobody_logged_in(client, bernd):
    log_in(client, BERND)
    token = client.csrf_token("/account/delete")
    form = {"confirm_email": BERND, "password": PASSWORD, "csrf_token": token}

    first = client.post("/account/delete", data=form)
    second = client.post("/account/delete", data=form)

    assert first.status_code == 303
    assert second.status_code == 302
    assert second.location == "/login?next=%2Faccount%2Fdelete"
    assert (
        db.session.scalar(
            select(func.count(OutboxMail.id)).where(OutboxMail.template == "account_deleted")
        )
        == 1
    )


def test_an_account_without_a_password_is_deleted_with_the_address_alone(client):
    guest = factories.user(email="gast@example.org", password=None)
    factories.post(title="Suche Leiter", author=guest)
    db.session.commit()
    log_in_by_session(client, guest)

    page = client.get("/account/delete").text
    answer = client.submit("/account/delete", {"confirm_email": "Gast@Example.org "})

    assert 'name="password"' not in page
    assert answer.status_code == 303
    assert user_by_email("gast@example.org") is None


def log_in_by_session(client, user: User) -> None:
    """As after a mailed login link (no password to type)."""
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


# ---------------------------------------------------------------- what stays, and for whom


def test_reports_the_person_made_still_count_without_saying_by_whom(client, bernd):
    flagged = factories.post(title="Werbung für Kredite")
    db.session.add(
        Report(
            post=flagged,
            reporter_key=f"user:{bernd.id}",
            reporter_id=bernd.id,
            reason=ReportReason.SPAM,
        )
    )
    db.session.commit()
    log_in(client, BERND)

    delete_account(client)

    db.session.rollback()
    report = db.session.scalars(select(Report)).one()
    assert report.post_id == flagged.id
    assert report.reporter_id is None


def test_the_audit_log_keeps_decisions_but_names_a_deleted_moderator_as_such(app, client):
    mona = factories.user(email="mona@example.org", role=Role.MODERATOR, display_name="Mona")
    anton = factories.user(email="anton@example.org", role=Role.ADMIN, display_name="Anton")
    post = factories.post(title="Verkaufe Handy", status=PostStatus.PENDING)
    with app.test_request_context():
        reject(post, mona, Reason("§ 3", "Bitte nichts verkaufen."), utcnow())
    db.session.commit()
    log_in(client, "mona@example.org")
    delete_account(client, confirm_email="mona@example.org")

    log_in_by_session(client, anton)
    log = client.get("/moderation/log").text

    assert db.session.scalar(select(func.count(ModerationAction.id))) == 1
    assert "gelöschtes Konto" in log
    assert "Mona" not in log and "mona@example.org" not in log
    people = client.get("/moderation/people").text
    assert "deleted-" not in people
    assert client.get(f"/moderation/people/{mona.id}").status_code == 404


def test_the_emptied_row_goes_once_nothing_refers_to_it(app, client, bernd):
    factories.post(title="Biete Rasenmäher", author=bernd)
    db.session.commit()
    bernd_id = bernd.id
    log_in(client, BERND)
    delete_account(client)

    later = utcnow() + timedelta(days=app.config["PURGE_UNCONFIRMED_DAYS"] + 1)
    # The row was made today; what counts is how old the account is, so age it.
    db.session.get(User, bernd_id).created_at = utcnow() - timedelta(days=400)
    db.session.commit()
    purge_unconfirmed_people(later)
    db.session.commit()

    db.session.expunge_all()
    assert db.session.get(User, bernd_id) is None
