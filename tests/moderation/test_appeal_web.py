"""An author answers a decision by the link in its mail: the post goes back to the queue."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from board.extensions import db
from board.moderation import services
from board.moderation.models import Action, ModerationAction
from board.moderation.services import Reason
from board.posts.models import Post
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests.conftest import BrowserLikeClient, expired_csrf_token, links_in, local, wait_for
from tests.moderation.conftest import browser_for

S = PostStatus
NO_ADVERTISING = Reason(rule="Regel 2: Keine Werbung.", text="Das wirkt wie ein Gewerbe.")
APPEAL = "Ich verschenke privat und verlange nichts, das ist kein Gewerbe."


def decided(app, post: Post, decide, mailbox) -> str:
    """Let a moderator decide (as the queue page would) and return the appeal link's path."""
    address = post.author.email
    with app.test_request_context():
        decide(post)
        db.session.commit()
    from board.mail.services import deliver_outbox

    with app.test_request_context():
        deliver_outbox()
    mail = wait_for(lambda: mailbox.sent_to(address))[-1]
    (link,) = [url for url in links_in(mail) if "/moderation/appeal/" in url]
    return local(link)


def rejected(app, post, moderator, mailbox) -> str:
    return decided(
        app,
        post,
        lambda p: services.reject(p, moderator, NO_ADVERTISING, utcnow(), seen=p.status),
        mailbox,
    )


def audit(post: Post) -> list[Action]:
    query = select(ModerationAction.action).where(ModerationAction.post_id == post.id)
    return list(db.session.scalars(query.order_by(ModerationAction.id)))


def reload(post: Post) -> Post:
    db.session.expire_all()
    return db.session.get(Post, post.id)


@pytest.fixture
def author_phone(app) -> BrowserLikeClient:
    """The author opens the link from the mail: not logged in, the link is the authority."""
    return browser_for(app)


def test_the_author_appeals_a_rejection_and_the_post_is_back_in_the_queue(
    app, waiting_post, moderator, mailbox, author_phone
):
    post = waiting_post(body="Gut erhalten. Abzuholen in Woffenbach.")
    link = rejected(app, post, moderator, mailbox)

    page = author_phone.get(link)
    sent = author_phone.submit(link, {"message": APPEAL})

    assert page.status_code == 200
    for shown in (
        " abgelehnt.",
        "Regel 2: Keine Werbung.",
        "Das wirkt wie ein Gewerbe.",
        "Kinderwagen zu verschenken",
        "Abzuholen in Woffenbach.",
    ):
        assert shown in page.text
    assert '<meta name="robots" content="noindex">' in page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    assert sent.status_code == 200
    assert "Ihr Einspruch ist angekommen" in sent.text
    post = reload(post)
    assert post.status is S.PENDING
    assert (post.review_reason, post.review_note) == ("appeal", APPEAL)
    assert audit(post) == [Action.REJECT, Action.APPEAL]


def test_the_author_appeals_a_post_hidden_by_reports(app, waiting_post, mailbox, author_phone):
    post = waiting_post(status=S.PUBLISHED)
    from board.moderation import reports

    def three_reports(p: Post) -> None:
        for n in range(3):
            key = f"addr:visitor-{n}"
            reports.report_post(p, key, None, reports.ReportReason.SPAM, "", utcnow())

    link = decided(app, post, three_reports, mailbox)

    page = author_phone.get(link)
    sent = author_phone.submit(link, {"message": "Das ist ein ganz normales Angebot."})

    assert "weil mehrere Personen ihn gemeldet haben" in page.text
    assert "Ihr Einspruch ist angekommen" in sent.text
    assert reload(post).status is S.PENDING
    assert audit(post)[-2:] == [Action.AUTO_HIDE, Action.APPEAL]


def test_the_appeal_needs_words_and_keeps_nothing_changed_until_then(
    app, waiting_post, moderator, mailbox, author_phone
):
    post = waiting_post()
    link = rejected(app, post, moderator, mailbox)

    empty = author_phone.submit(link, {"message": "  \r\n "})

    assert empty.status_code == 422
    assert "Bitte schreiben Sie, warum der Beitrag erscheinen sollte." in empty.text
    assert reload(post).status is S.REJECTED


def test_an_appeal_link_works_once(app, waiting_post, moderator, mailbox, author_phone):
    post = waiting_post()
    link = rejected(app, post, moderator, mailbox)
    author_phone.submit(link, {"message": APPEAL})

    again = author_phone.get(link)
    resent = author_phone.post(
        link, data={"message": "Noch einmal!", "csrf_token": author_phone.csrf_token("/login")}
    )

    for answer in (again, resent):
        assert answer.status_code == 410
        assert "Ihr Einspruch ist schon angekommen" in answer.text
        assert 'name="message"' not in answer.text
    assert reload(post).review_note == APPEAL
    assert audit(post).count(Action.APPEAL) == 1


def test_a_link_to_a_decision_since_replaced_leads_nowhere(
    app, waiting_post, moderator, mailbox, author_phone
):
    post = waiting_post(status=S.PUBLISHED)
    link = decided(
        app,
        post,
        lambda p: services.hide(p, moderator, NO_ADVERTISING, utcnow(), seen=S.PUBLISHED),
        mailbox,
    )
    with app.test_request_context():
        services.restore(reload(post), moderator, utcnow(), seen=S.HIDDEN)
        db.session.commit()

    page = author_phone.get(link)
    sent = author_phone.post(
        link, data={"message": APPEAL, "csrf_token": author_phone.csrf_token("/login")}
    )

    for answer in (page, sent):
        assert answer.status_code == 410
        assert "inzwischen neu entschieden" in answer.text
    assert reload(post).status is S.PUBLISHED


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "WzEsIDJd.forged.signature",
        "eyJhIjoxfQ",
        "%00%ff",
        "x" * 3000,
    ],
)
def test_a_forged_link_gives_a_clear_page(app, categories, author_phone, token):
    page = author_phone.get(f"/moderation/appeal/{token}")
    sent = author_phone.post(
        f"/moderation/appeal/{token}",
        data={"message": APPEAL, "csrf_token": author_phone.csrf_token("/login")},
    )

    for answer in (page, sent):
        assert answer.status_code == 410
        assert "Dieser Link gilt nicht mehr" in answer.text
        assert "ungültig oder zu alt" in answer.text


def test_a_link_for_another_purpose_is_refused(app, waiting_post, author_phone):
    from board.security import sign

    post = waiting_post()
    token = sign("manage-post", [post.id, 1])  # right shape, wrong purpose

    assert author_phone.get(f"/moderation/appeal/{token}").status_code == 410


def test_an_old_link_is_refused(app, waiting_post, moderator, mailbox, author_phone):
    post = waiting_post()
    link = rejected(app, post, moderator, mailbox)
    app.config["APPEAL_LINK_MAX_AGE"] = -1  # six months have passed

    page = author_phone.get(link)

    assert page.status_code == 410
    assert "ungültig oder zu alt" in page.text
    assert reload(post).status is S.REJECTED


def test_an_appeal_without_the_form_token_changes_nothing(
    app, waiting_post, moderator, mailbox, author_phone
):
    post = waiting_post()
    link = rejected(app, post, moderator, mailbox)

    forged = author_phone.post(link, data={"message": APPEAL})

    assert forged.status_code == 400
    assert reload(post).status is S.REJECTED


def test_an_appeal_written_slowly_comes_back_with_its_text(
    app, waiting_post, moderator, mailbox, author_phone
):
    post = waiting_post()
    link = rejected(app, post, moderator, mailbox)
    old_token = expired_csrf_token(app, author_phone, link)

    answer = author_phone.post(link, data={"message": APPEAL, "csrf_token": old_token})

    assert answer.status_code == 422
    assert APPEAL in answer.text
    assert reload(post).status is S.REJECTED
    assert "Ihr Einspruch ist angekommen" in author_phone.submit(link, {"message": APPEAL}).text


def test_markup_in_an_appeal_is_kept_as_typed_and_shown_as_text(
    app, waiting_post, moderator, mailbox, author_phone
):
    post = waiting_post(title="<b>Fett</b> <script>alert(1)</script>")
    link = rejected(app, post, moderator, mailbox)
    typed = '<img src=x onerror="alert(1)"> Bitte prüfen'

    page = author_phone.get(link)
    author_phone.submit(link, {"message": typed})

    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert reload(post).review_note == typed


def test_the_appeal_page_shows_no_address_of_the_author(
    app, waiting_post, moderator, mailbox, author_phone
):
    post = waiting_post()
    address = post.author.email
    link = rejected(app, post, moderator, mailbox)

    assert address not in author_phone.get(link).text
