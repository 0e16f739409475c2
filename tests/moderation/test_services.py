"""Moderation decisions as plain functions: each moves the post once, logs it, tells the author."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from board.extensions import db
from board.mail.models import OutboxMail
from board.moderation import services
from board.moderation.models import Action, AuditLogIsAppendOnly, ModerationAction, Report
from board.moderation.permissions import NotAllowed
from board.moderation.services import AlreadyDecided, ModerationError, Reason
from board.posts.status import AlreadyChanged, PostStatus, transition_guarded
from board.timeutil import utcnow
from tests import factories

S = PostStatus
RULE = Reason(rule="Regel 2: Keine Werbung.", text="Das ist ein Gewerbe.")

pytestmark = pytest.mark.usefixtures("in_request")


def mails_to(address: str) -> list[OutboxMail]:
    return list(
        db.session.scalars(
            select(OutboxMail).where(OutboxMail.to_address == address).order_by(OutboxMail.id)
        )
    )


def audit() -> list[ModerationAction]:
    return list(db.session.scalars(select(ModerationAction).order_by(ModerationAction.id)))


def test_approving_a_waiting_post_publishes_it_and_tells_the_author(waiting_post, moderator):
    post = waiting_post()
    services.approve(post, moderator, utcnow(), seen=S.PENDING)
    db.session.commit()

    assert post.status is S.PUBLISHED and post.published_at is not None
    (mail,) = mails_to(post.author.email)
    assert mail.template == "moderation_approved"
    assert f"http://board.test/posts/{post.id}" in mail.body_text
    (entry,) = audit()
    assert (entry.action, entry.actor_id, entry.from_status, entry.to_status) == (
        Action.APPROVE,
        moderator.id,
        "pending",
        "published",
    )


def test_approving_a_post_published_under_post_policy_only_marks_it_looked_at(
    waiting_post, moderator
):
    post = waiting_post(status=S.PUBLISHED, is_awaiting_review=True)
    services.approve(post, moderator, utcnow(), seen=S.PUBLISHED)
    db.session.commit()

    assert post.status is S.PUBLISHED and post.is_awaiting_review is False
    assert mails_to(post.author.email) == []  # nothing changed for the author
    assert [e.action for e in audit()] == [Action.APPROVE]


@pytest.mark.parametrize("status", [S.PENDING, S.PUBLISHED, S.HIDDEN])
def test_rejecting_sends_a_statement_of_reasons_with_an_appeal_link(
    waiting_post, moderator, status
):
    post = waiting_post(status=status)
    services.reject(post, moderator, RULE, utcnow(), seen=status)
    db.session.commit()

    assert post.status is S.REJECTED
    (mail,) = mails_to(post.author.email)
    assert "Regel 2: Keine Werbung." in mail.body_text
    assert "Das ist ein Gewerbe." in mail.body_text
    assert "http://board.test/moderation/appeal/" in mail.body_text
    assert "Streitbeilegungsstelle" in mail.body_text


def test_a_rejection_needs_a_reason(waiting_post, moderator):
    post = waiting_post()
    with pytest.raises(ModerationError):
        services.reject(post, moderator, Reason(), utcnow(), seen=S.PENDING)
    assert post.status is S.PENDING


def test_a_reason_from_a_template_and_free_text_combine():
    template = factories_template()
    reason = Reason.from_template(template, "  Bitte ohne Preis.  ")
    assert reason.rule == "Regel 2"
    assert reason.text == "Keine Werbung.\n\nBitte ohne Preis."


def factories_template():
    from board.moderation.models import ReasonTemplate

    return ReasonTemplate(title="Werbung", rule=" Regel 2 ", text="Keine Werbung.")


def test_asking_for_changes_returns_the_post_and_the_edit_sends_it_back(waiting_post, moderator):
    from board.posts.services import PostInput, update_post

    post = waiting_post()
    services.request_changes(post, moderator, "Bitte ohne Telefonnummer.", utcnow(), seen=S.PENDING)
    db.session.commit()
    assert post.status is S.RETURNED
    (mail,) = mails_to(post.author.email)
    assert "Bitte ohne Telefonnummer." in mail.body_text
    assert f"/posts/{post.id}/manage/" in mail.body_text

    update_post(
        post,
        PostInput(post.kind, post.category_id, None, post.title, "Jetzt ohne Nummer."),
        utcnow(),
    )
    db.session.commit()
    assert post.status is S.PENDING
    assert post.review_reason == "resubmitted"
    assert [e.action for e in audit()] == [Action.REQUEST_CHANGES, Action.RESUBMIT]


def test_hiding_and_restoring_a_published_post(waiting_post, moderator):
    post = waiting_post(status=S.PUBLISHED)
    services.hide(post, moderator, RULE, utcnow(), seen=S.PUBLISHED)
    db.session.commit()
    assert post.status is S.HIDDEN and post.review_reason == "moderator"

    services.restore(post, moderator, utcnow(), seen=S.HIDDEN)
    db.session.commit()
    assert post.status is S.PUBLISHED and post.review_reason is None
    assert [m.template for m in mails_to(post.author.email)] == [
        "moderation_hidden",
        "moderation_restored",
    ]


def test_restoring_settles_the_reports_so_they_count_no_more(waiting_post, moderator):
    post = waiting_post(status=S.HIDDEN, review_reason="reports")
    for n in range(3):
        db.session.add(Report(post_id=post.id, reporter_key=f"addr:{n}", reason="spam"))
    db.session.commit()

    services.restore(post, moderator, utcnow(), seen=S.HIDDEN)
    db.session.commit()
    assert services.open_reports(post) == []


def test_dismissing_reports_keeps_the_post_on_the_board(waiting_post, moderator):
    post = waiting_post(status=S.PUBLISHED)
    db.session.add(Report(post_id=post.id, reporter_key="addr:1", reason="other", text="?"))
    db.session.commit()

    services.dismiss_reports(post, moderator, utcnow(), seen=S.PUBLISHED)
    db.session.commit()
    assert post.status is S.PUBLISHED
    assert services.open_reports(post) == []
    assert [e.action for e in audit()] == [Action.DISMISS_REPORTS]


def test_correcting_a_typo_keeps_before_and_after_and_tells_the_author(waiting_post, moderator):
    post = waiting_post(status=S.PUBLISHED, title="Kinderwagn", body="Gut erhaltn.")
    changed = services.correct_text(
        post, moderator, "Kinderwagen", "Gut erhalten.", "Zwei Tippfehler.", utcnow()
    )
    db.session.commit()

    assert changed and post.title == "Kinderwagen"
    assert "kinderwagen" in post.search_text
    (entry,) = audit()
    assert entry.details == {
        "before": {"title": "Kinderwagn", "body": "Gut erhaltn."},
        "after": {"title": "Kinderwagen", "body": "Gut erhalten."},
    }
    (mail,) = mails_to(post.author.email)
    assert "Kinderwagn" in mail.body_text and "Zwei Tippfehler." in mail.body_text


def test_a_correction_that_changes_nothing_is_not_logged(waiting_post, moderator):
    post = waiting_post(status=S.PUBLISHED)
    assert not services.correct_text(post, moderator, post.title, post.body, "", utcnow())
    assert audit() == []


# ---------------------------------------------------------------- who decided first


def test_a_decision_on_a_post_someone_else_decided_names_them(
    waiting_post, moderator, second_moderator
):
    post = waiting_post()
    services.approve(post, second_moderator, utcnow(), seen=S.PENDING)
    db.session.commit()

    with pytest.raises(AlreadyDecided) as refused:
        services.reject(post, moderator, RULE, utcnow(), seen=S.PENDING)
    assert "Mona" in str(refused.value)
    db.session.rollback()
    assert post.status is S.PUBLISHED
    assert [e.action for e in audit()] == [Action.APPROVE]


def test_acting_on_a_post_that_is_no_longer_pending_is_refused(waiting_post, moderator):
    post = waiting_post(status=S.CLOSED)
    with pytest.raises(AlreadyDecided):
        services.approve(post, moderator, utcnow())
    assert post.status is S.CLOSED


def test_the_database_refuses_a_second_move_from_a_stale_status(app, waiting_post, moderator):
    post = waiting_post()
    # Another process approves the post behind this session's back.
    db.session.execute(text("UPDATE post SET status = 'published' WHERE id = :id"), {"id": post.id})
    with pytest.raises(AlreadyChanged):
        transition_guarded(post, S.REJECTED, utcnow())
    assert post.status is S.PUBLISHED  # reloaded: the truth, not the stale copy


def test_a_moderator_does_not_decide_on_their_own_post(waiting_post, moderator):
    post = waiting_post(author=moderator)
    with pytest.raises(NotAllowed):
        services.approve(post, moderator, utcnow(), seen=S.PENDING)
    assert post.status is S.PENDING


def test_a_resident_cannot_decide_anything(waiting_post, resident):
    other = factories.user()
    post = waiting_post(author=other)
    with pytest.raises(NotAllowed):
        services.approve(post, resident, utcnow())


# ---------------------------------------------------------------- appeals


def appeal_token_from(mail: OutboxMail) -> str:
    marker = "/moderation/appeal/"
    return mail.body_text.split(marker, 1)[1].split()[0]


def test_an_appeal_puts_a_rejected_post_back_in_the_queue_with_the_authors_words(
    waiting_post, moderator
):
    post = waiting_post()
    services.reject(post, moderator, RULE, utcnow(), seen=S.PENDING)
    db.session.commit()
    token = appeal_token_from(mails_to(post.author.email)[0])

    services.appeal(token, "Ich verschenke privat, das ist kein Gewerbe.", utcnow())
    db.session.commit()

    assert post.status is S.PENDING
    assert (post.review_reason, post.review_note) == (
        "appeal",
        "Ich verschenke privat, das ist kein Gewerbe.",
    )
    assert audit()[-1].action is Action.APPEAL and audit()[-1].actor_id == post.author_id


def test_an_appeal_link_works_once(waiting_post, moderator):
    post = waiting_post()
    services.reject(post, moderator, RULE, utcnow(), seen=S.PENDING)
    db.session.commit()
    token = appeal_token_from(mails_to(post.author.email)[0])
    services.appeal(token, "Bitte nochmal ansehen.", utcnow())
    db.session.commit()

    with pytest.raises(ModerationError):
        services.appeal(token, "Und nochmal.", utcnow())


def test_an_appeal_against_a_decision_since_replaced_is_refused(waiting_post, moderator):
    post = waiting_post(status=S.PUBLISHED)
    services.hide(post, moderator, RULE, utcnow(), seen=S.PUBLISHED)
    db.session.commit()
    token = appeal_token_from(mails_to(post.author.email)[0])
    services.reject(post, moderator, RULE, utcnow(), seen=S.HIDDEN)
    db.session.commit()

    with pytest.raises(ModerationError):
        services.decision_to_appeal(token)


@pytest.mark.parametrize("token", ["", "nonsense", "eyJhIjoxfQ.forged.sig"])
def test_a_forged_appeal_link_is_refused(app, token):
    with pytest.raises(ModerationError):
        services.decision_to_appeal(token)


def test_an_appeal_link_from_long_ago_is_refused(app, waiting_post, moderator):
    post = waiting_post()
    services.reject(post, moderator, RULE, utcnow(), seen=S.PENDING)
    db.session.commit()
    token = appeal_token_from(mails_to(post.author.email)[0])
    app.config["APPEAL_LINK_MAX_AGE"] = -1
    with pytest.raises(ModerationError):
        services.decision_to_appeal(token)


def test_an_appeal_needs_words(waiting_post, moderator):
    post = waiting_post()
    services.reject(post, moderator, RULE, utcnow(), seen=S.PENDING)
    db.session.commit()
    token = appeal_token_from(mails_to(post.author.email)[0])
    with pytest.raises(ModerationError):
        services.appeal(token, "   ", utcnow())
    assert post.status is S.REJECTED


# ---------------------------------------------------------------- people


def test_suspending_hides_the_persons_posts_and_unsuspending_brings_them_back(
    waiting_post, resident, moderator
):
    shown = waiting_post(status=S.PUBLISHED, title="Auf dem Brett")
    hidden_for_itself = waiting_post(status=S.HIDDEN, review_reason="reports", title="Gemeldet")
    old_token = resident.session_token

    assert services.suspend(resident, moderator, RULE, utcnow()) == 1
    db.session.commit()
    assert resident.is_suspended and resident.session_token != old_token
    assert shown.status is S.HIDDEN and shown.review_reason == "suspension"

    assert services.unsuspend(resident, moderator, utcnow()) == 1
    db.session.commit()
    assert shown.status is S.PUBLISHED
    assert hidden_for_itself.status is S.HIDDEN  # still the moderators' call
    assert [m.template for m in mails_to(resident.email)] == [
        "account_suspended",
        "account_unsuspended",
    ]
    assert [e.action for e in audit()] == [Action.SUSPEND, Action.UNSUSPEND]


def test_a_moderator_cannot_suspend_another_moderator_but_an_admin_can(
    moderator, second_moderator, admin
):
    with pytest.raises(NotAllowed):
        services.suspend(second_moderator, moderator, RULE, utcnow())
    services.suspend(second_moderator, admin, RULE, utcnow())
    assert second_moderator.is_suspended


def test_nobody_suspends_themselves_or_changes_their_own_role(admin):
    from board.accounts.models import Role

    with pytest.raises(NotAllowed):
        services.suspend(admin, admin, RULE, utcnow())
    with pytest.raises(NotAllowed):
        services.set_role(admin, admin, Role.RESIDENT, utcnow())


def test_only_admins_give_roles(resident, moderator, admin):
    from board.accounts.models import Role

    with pytest.raises(NotAllowed):
        services.set_role(resident, moderator, Role.MODERATOR, utcnow())
    services.set_role(resident, admin, Role.MODERATOR, utcnow())
    db.session.commit()
    assert resident.role is Role.MODERATOR
    assert audit()[-1].details == {"before": "resident", "after": "moderator"}


def test_trusting_a_person_is_logged(resident, moderator):
    services.set_trusted(resident, moderator, True, utcnow())
    db.session.commit()
    assert resident.is_trusted
    assert [(e.action, e.subject_user_id) for e in audit()] == [(Action.TRUST, resident.id)]


# ---------------------------------------------------------------- the log


def test_the_audit_log_cannot_be_rewritten_or_deleted_through_the_app(waiting_post, moderator):
    post = waiting_post()
    services.approve(post, moderator, utcnow(), seen=S.PENDING)
    db.session.commit()
    (entry,) = audit()

    entry.reason = "nachträglich geändert"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(audit()[0])
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert audit()[0].reason == ""


def test_the_author_sees_what_the_moderator_asked_on_their_management_page(
    app, waiting_post, moderator
):
    from board.posts.services import manage_url

    post = waiting_post()
    services.request_changes(
        post, moderator, "Bitte <b>ohne</b> Telefonnummer.", utcnow(), seen=S.PENDING
    )
    db.session.commit()
    page = app.test_client().get(manage_url(post).removeprefix("http://board.test"))

    assert "Die Moderation bittet Sie um eine Änderung" in page.text
    assert "Bitte &lt;b&gt;ohne&lt;/b&gt; Telefonnummer." in page.text


def test_two_moderators_suspending_at_once_suspend_once(resident, moderator, second_moderator):
    # The other moderator's suspension lands between this one loading and acting.
    db.session.execute(
        text('UPDATE "user" SET is_suspended = true WHERE id = :id'), {"id": resident.id}
    )
    with pytest.raises(ModerationError):
        services.suspend(resident, moderator, RULE, utcnow())
    assert resident.is_suspended
    assert audit() == [] and mails_to(resident.email) == []


def test_approving_a_planned_post_schedules_it_for_its_time(waiting_post, moderator):
    from datetime import timedelta

    planned = utcnow() + timedelta(days=2)
    post = waiting_post(publish_at=planned)
    services.approve(post, moderator, utcnow(), seen=S.PENDING)
    db.session.commit()

    assert post.status is S.SCHEDULED
    assert post.published_at == planned
    assert not post.is_visible(utcnow()) and post.is_visible(planned + timedelta(minutes=1))
