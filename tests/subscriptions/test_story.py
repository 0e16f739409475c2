"""The whole story: a guest subscribes to a board search, confirms, gets one mail about a new
matching post, none about anything else, and ends it from the mail."""

from __future__ import annotations

from datetime import timedelta

from board.extensions import db
from board.posts.models import PostKind
from board.posts.status import PostStatus
from tests import factories
from tests.conftest import body_of, links_in, local
from tests.subscriptions.conftest import (
    WEDNESDAY_EVENING,
    WEDNESDAY_MORNING,
    link_containing,
    run_digests,
    stored_subscriptions,
)

ANNA = "anna@example.org"
SEARCH = "/subscriptions/new?kind=offer&category=verschenken&district=woffenbach&q=kinderwagen"


def test_a_guest_subscribes_confirms_gets_one_digest_and_ends_it(app, client, mailbox, town, clock):
    board = client.get("/?kind=offer&category=verschenken&district=woffenbach&q=kinderwagen").text
    assert "Bei neuen Beiträgen benachrichtigen" in board
    assert SEARCH.replace("&", "&amp;") in board

    page = client.get(SEARCH).text
    assert "Biete · Verschenken · Woffenbach · „kinderwagen“" in page
    assert "täglich" in page and "wöchentlich" in page

    answer = client.submit(SEARCH, {"frequency": "daily", "email": ANNA})
    assert answer.status_code == 303
    assert "Postfach" in client.get(answer.location).text
    (pending,) = stored_subscriptions()
    assert pending.confirmed_at is None

    # The link only shows a button: a mail scanner opening it confirms nothing.
    confirm = link_containing(mailbox, ANNA, "/subscriptions/confirm/")
    assert "Biete · Verschenken · Woffenbach" in body_of(mailbox.last_to(ANNA))
    assert "Benachrichtigung bestätigen" in client.get(confirm).text
    assert stored_subscriptions()[0].confirmed_at is None
    assert "Danke!" in client.submit(confirm, {}).text
    assert stored_subscriptions()[0].confirmed_at == WEDNESDAY_MORNING
    assert "schon bestätigt" in client.get(confirm).text

    author = factories.user()
    at_noon = WEDNESDAY_MORNING + timedelta(hours=3)
    common = {"author": author, "category": factories.category("verschenken")}
    woffenbach = factories.district("woffenbach")
    factories.post(
        "Kinderwagen, blau", published_at=at_noon, district=woffenbach, **common
    )  # the one to be listed
    factories.post("Kinderwagen gesucht", kind=PostKind.REQUEST, published_at=at_noon, **common)
    factories.post(
        "Kinderwagen in der Altstadt",
        published_at=at_noon,
        district=factories.district("altstadt"),
        **common,
    )
    for status in (PostStatus.HIDDEN, PostStatus.PENDING, PostStatus.DRAFT, PostStatus.REMOVED):
        factories.post(
            f"Kinderwagen {status.value}",
            status=status,
            published_at=at_noon,
            district=woffenbach,
            **common,
        )
    factories.post(
        "Kinderwagen abgelaufen",
        published_at=at_noon,
        expires_at=at_noon + timedelta(hours=1),
        district=woffenbach,
        **common,
    )
    factories.post(
        "Kinderwagen geplant",
        status=PostStatus.SCHEDULED,
        published_at=WEDNESDAY_EVENING + timedelta(hours=1),
        district=woffenbach,
        **common,
    )
    factories.post(
        "Kinderwagen von gestern",
        published_at=WEDNESDAY_MORNING - timedelta(hours=1),
        district=woffenbach,
        **common,
    )
    db.session.commit()
    mailbox.clear()

    # Before 18:00 Berlin nothing is due; after it, one mail.
    assert run_digests(app, WEDNESDAY_EVENING - timedelta(hours=1)) == "0 digests"
    assert mailbox.sent_to(ANNA) == []
    assert run_digests(app, WEDNESDAY_EVENING) == "1 digests"
    (digest,) = mailbox.sent_to(ANNA)
    text = body_of(digest)
    assert "Kinderwagen, blau" in text
    assert "Biete" in text and "Woffenbach" in text
    for absent in ("gesucht", "Altstadt", "hidden", "pending", "draft", "removed", "abgelaufen"):
        assert f"Kinderwagen {absent}" not in text and absent not in digest["Subject"]
    assert "geplant" not in text and "von gestern" not in text
    assert any(link.startswith("http://board.test/posts/") for link in links_in(digest))
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/subscriptions/one-click/" in digest["List-Unsubscribe"]

    # Again, at once or an hour later: nothing more.
    assert run_digests(app, WEDNESDAY_EVENING) == "0 digests"
    assert run_digests(app, WEDNESDAY_EVENING + timedelta(hours=1)) == "0 digests"
    assert len(mailbox.sent_to(ANNA)) == 1

    # The next day only what is new since: the planned post, which appeared meanwhile.
    assert run_digests(app, WEDNESDAY_EVENING + timedelta(days=1)) == "1 digests"
    second = body_of(mailbox.last_to(ANNA))
    assert "Kinderwagen geplant" in second and "Kinderwagen, blau" not in second

    end = link_containing(mailbox, ANNA, "/subscriptions/end/")
    assert "Benachrichtigung beenden" in client.get(end).text
    assert len(stored_subscriptions()) == 1
    assert "Benachrichtigung beendet" in client.submit(end, {}).text
    assert stored_subscriptions() == []
    assert "schon beendet" in client.get(end).text
    assert "schon beendet" in client.submit(end, {}, page=SEARCH).text

    factories.post(
        "Noch ein Kinderwagen",
        published_at=WEDNESDAY_EVENING + timedelta(days=1, hours=1),
        district=woffenbach,
        **common,
    )
    db.session.commit()
    mailbox.clear()
    assert run_digests(app, WEDNESDAY_EVENING + timedelta(days=2)) == "0 digests"
    assert mailbox.sent_to(ANNA) == []


def test_the_mail_programs_one_click_ends_the_subscription_without_a_session(
    app, client, mailbox, town
):
    client.submit("/subscriptions/new", {"frequency": "daily", "email": ANNA})
    client.submit(link_containing(mailbox, ANNA, "/subscriptions/confirm/"), {})
    factories.post("Sofa", published_at=WEDNESDAY_MORNING + timedelta(hours=1))
    db.session.commit()
    run_digests(app, WEDNESDAY_EVENING)
    one_click = local(mailbox.last_to(ANNA)["List-Unsubscribe"].strip("<>"))

    stranger = app.test_client()  # no cookies, no CSRF token: a mail program
    answer = stranger.post(one_click, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert stored_subscriptions() == []
    assert stranger.post(one_click, data={"List-Unsubscribe": "One-Click"}).status_code == 200

    forged = one_click[:-3] + ("AAA" if not one_click.endswith("AAA") else "BBB")
    assert stranger.post(forged).status_code == 400
