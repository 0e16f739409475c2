"""Subscribing from the board: logged in at once, as a guest by mailed link; the limits, the
account page, bad inputs and forged links."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from board.accounts.deletion import delete_account
from board.accounts.models import User
from board.extensions import db
from board.subscriptions import services
from board.subscriptions.models import Frequency, Subscription
from tests import factories
from tests.accounts.conftest import log_in
from tests.conftest import body_of, expired_csrf_token
from tests.subscriptions.conftest import (
    WEDNESDAY_MORNING,
    link_containing,
    stored_subscriptions,
    subscription_count,
)

BERND = "bernd@example.org"
ANNA = "anna@example.org"
OFFERS = "/subscriptions/new?kind=offer&category=verschenken"


@pytest.fixture
def bernd(app, town) -> User:
    made = factories.user(email=BERND)
    db.session.commit()
    return made


def fill_up(user: User) -> None:
    """Ten subscriptions, the most one person may have."""
    for number in range(services.MAX_PER_PERSON):
        watch = services.Watch(q=f"suche {number}")
        services.subscribe(user, watch, Frequency.DAILY, WEDNESDAY_MORNING)
    db.session.commit()


# ---------------------------------------------------------------- logged in


def test_a_logged_in_resident_subscribes_at_once_and_sees_it_on_the_account_page(
    client, bernd, mailbox
):
    log_in(client, BERND)
    assert "E-Mail-Adresse" not in client.get(OFFERS).text  # the account's address is used

    answer = client.submit(OFFERS, {"frequency": "weekly"})
    assert answer.status_code == 303
    page = client.get(answer.location).text
    assert "Sie werden benachrichtigt" in page
    assert "Benachrichtigungen" in page
    assert "Biete · Verschenken" in page and "wöchentlich" in page
    (subscription,) = stored_subscriptions()
    assert subscription.confirmed_at == WEDNESDAY_MORNING
    assert subscription.frequency is Frequency.WEEKLY
    assert mailbox.sent_to(BERND) == []


def test_the_same_search_twice_is_one_subscription(client, bernd):
    log_in(client, BERND)
    client.submit(OFFERS, {"frequency": "daily"})
    again = client.submit(OFFERS, {"frequency": "daily"}, follow_redirects=True)
    assert "schon abonniert" in again.text
    assert subscription_count() == 1


def test_an_eleventh_subscription_is_refused_with_a_clear_message(client, bernd):
    fill_up(bernd)
    log_in(client, BERND)
    answer = client.submit(OFFERS, {"frequency": "daily"})
    assert answer.status_code == 409
    assert "Sie haben schon 10 Benachrichtigungen" in answer.text
    assert subscription_count() == 10


def test_beenden_on_the_account_page_ends_one_subscription(client, bernd):
    log_in(client, BERND)
    client.submit(OFFERS, {"frequency": "daily"})
    client.submit("/subscriptions/new?q=sofa", {"frequency": "daily"})
    sofa = next(s for s in stored_subscriptions() if s.q == "sofa")

    page = client.submit(
        f"/subscriptions/{sofa.id}/end", {}, page="/account", follow_redirects=True
    )
    assert "Die Benachrichtigung ist beendet" in page.text
    assert [s.q for s in stored_subscriptions()] == [None]
    assert "„sofa“" not in client.get("/account").text


def test_nobody_ends_someone_elses_subscription_or_without_the_form(client, bernd, app):
    other = factories.user(email="other@example.org")
    subscription, _ = services.subscribe(
        other, services.Watch(q="sofa"), Frequency.DAILY, WEDNESDAY_MORNING
    )
    db.session.commit()
    log_in(client, BERND)
    assert (
        client.submit(f"/subscriptions/{subscription.id}/end", {}, page="/account").status_code
        == 404
    )
    assert client.post(f"/subscriptions/{subscription.id}/end").status_code == 400  # no CSRF token
    assert subscription_count() == 1


def test_deleting_the_account_deletes_its_subscriptions(app, bernd):
    fill_up(bernd)
    with app.test_request_context("/", method="POST"):
        delete_account(bernd, WEDNESDAY_MORNING + timedelta(hours=1))
        db.session.commit()
    assert subscription_count() == 0
    assert db.session.get(User, bernd.id) is not None  # the emptied row stays


def test_the_data_export_lists_the_subscriptions(client, bernd):
    log_in(client, BERND)
    client.submit(OFFERS, {"frequency": "weekly"})
    document = json.loads(client.get("/account/export").text)
    (entry,) = document["subscriptions"]
    assert entry["kind"] == "offer"
    assert entry["category"] == "verschenken"
    assert entry["frequency"] == "weekly"
    assert entry["confirmed_at"] is not None


# ---------------------------------------------------------------- guests


def test_a_guest_asking_again_for_a_search_they_have_gets_a_mail_not_a_second_one(
    client, mailbox, town
):
    client.submit(OFFERS, {"frequency": "daily", "email": ANNA})
    client.submit(link_containing(mailbox, ANNA, "/subscriptions/confirm/"), {})
    mailbox.clear()
    answer = client.submit(OFFERS, {"frequency": "daily", "email": ANNA.upper()})
    assert answer.status_code == 303  # the same answer as for a new address
    assert "besteht schon" in mailbox.last_to(ANNA)["Subject"]
    assert "/subscriptions/end/" in body_of(mailbox.last_to(ANNA))
    assert subscription_count() == 1


def test_a_guest_at_the_limit_is_told_by_mail(client, mailbox, town):
    anna = factories.user(email=ANNA, password=None)
    fill_up(anna)
    client.submit(OFFERS, {"frequency": "daily", "email": ANNA})
    mail = mailbox.last_to(ANNA)
    assert "Zu viele Benachrichtigungen" in mail["Subject"]
    assert "/subscriptions/confirm/" not in body_of(mail)
    assert subscription_count() == 10


def test_the_honeypot_stores_and_sends_nothing(client, mailbox, town):
    answer = client.submit(OFFERS, {"frequency": "daily", "email": ANNA, "website": "http://spam"})
    assert answer.status_code == 303
    assert subscription_count() == 0
    assert mailbox.sent_to(ANNA) == []


def test_an_unconfirmed_subscription_is_never_mailed_and_is_purged(app, client, mailbox, town):
    from board.subscriptions.jobs import purge_unconfirmed_subscriptions

    client.submit(OFFERS, {"frequency": "daily", "email": ANNA})
    assert subscription_count() == 1
    assert purge_unconfirmed_subscriptions(WEDNESDAY_MORNING + timedelta(days=13)) == (
        "0 unconfirmed subscriptions deleted"
    )
    assert purge_unconfirmed_subscriptions(WEDNESDAY_MORNING + timedelta(days=14)) == (
        "1 unconfirmed subscriptions deleted"
    )
    db.session.commit()
    assert subscription_count() == 0


# ---------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?category=gibt-es-nicht", "Diese Kategorie gibt es nicht"),
        ("?district=atlantis", "Diesen Ortsteil gibt es nicht"),
        ("?kind=bribe", "Diese Art von Beiträgen gibt es nicht"),
        ("?q=" + "x" * 101, "höchstens 100 Zeichen"),
    ],
)
def test_an_unknown_or_bad_filter_is_refused_and_nothing_is_saved(
    client, mailbox, town, query, message
):
    url = "/subscriptions/new" + query
    page = client.get(url)
    assert page.status_code == 422
    assert message in page.text
    answer = client.submit(url, {"frequency": "daily", "email": ANNA}, page="/subscriptions/new")
    assert answer.status_code == 422
    assert subscription_count() == 0
    assert mailbox.sent_to(ANNA) == []


@pytest.mark.parametrize("query", ["?q=a%00b", "?q=a%E2%80%AEb", "?q=a%E2%80%8Bb"])
def test_control_and_invisible_characters_in_the_search_are_removed(client, bernd, query):
    log_in(client, BERND)
    url = "/subscriptions/new" + query
    assert "„ab“" in client.get(url).text
    assert client.submit(url, {"frequency": "daily"}).status_code == 303
    assert [s.q for s in stored_subscriptions()] == ["ab"]


def test_the_service_refuses_control_characters_reaching_it_some_other_way(app, town):
    from werkzeug.datastructures import MultiDict

    with pytest.raises(services.FilterError):
        services.parse_watch(MultiDict({"q": "a\x00b"}))


@pytest.mark.parametrize(
    "address", ["keine-adresse", "anna@example.org\r\nBcc: x@evil.example", ""]
)
def test_a_bad_address_comes_back_with_the_form(client, mailbox, town, address):
    answer = client.submit(OFFERS, {"frequency": "daily", "email": address})
    assert answer.status_code == 422
    assert "Bitte prüfen Sie Ihre Angaben" in answer.text
    assert "Biete · Verschenken" in answer.text  # what was being subscribed to is still there
    assert subscription_count() == 0
    assert mailbox.messages == []


def test_a_form_without_or_with_an_expired_csrf_token_saves_nothing(app, client, town):
    assert client.post(OFFERS, data={"frequency": "daily", "email": ANNA}).status_code == 400
    token = expired_csrf_token(app, client, OFFERS)
    answer = client.post(OFFERS, data={"frequency": "daily", "email": ANNA, "csrf_token": token})
    assert answer.status_code == 400
    assert ANNA in answer.text  # the address typed is kept
    assert subscription_count() == 0


def test_forged_expired_and_used_links_are_refused(client, mailbox, town, clock):
    client.submit(OFFERS, {"frequency": "daily", "email": ANNA})
    confirm = link_containing(mailbox, ANNA, "/subscriptions/confirm/")
    forged = confirm[:-2] + ("AA" if not confirm.endswith("AA") else "BB")
    assert client.get(forged).status_code == 400
    assert client.submit(forged, {}, page=OFFERS).status_code == 400
    assert client.get("/subscriptions/end/not-a-token").status_code == 400
    assert client.submit("/subscriptions/end/not-a-token", {}, page=OFFERS).status_code == 400

    clock.advance(days=7, seconds=1)
    expired = client.get(confirm)
    assert expired.status_code == 400
    assert "ungültig oder abgelaufen" in expired.text
    assert stored_subscriptions()[0].confirmed_at is None

    clock.set(WEDNESDAY_MORNING + timedelta(hours=1))
    assert client.post(confirm).status_code == 400  # no CSRF token: nothing happens
    assert stored_subscriptions()[0].confirmed_at is None
    assert "Danke!" in client.submit(confirm, {}).text
    assert "schon bestätigt" in client.submit(confirm, {}, page=OFFERS).text
    assert subscription_count() == 1


def test_the_end_link_needs_the_button_with_its_form(client, mailbox, town):
    anna = factories.user(email=ANNA, password=None)
    subscription, _ = services.subscribe(anna, services.Watch(), Frequency.DAILY, WEDNESDAY_MORNING)
    db.session.commit()
    with client.application.test_request_context():
        end = services.end_url(subscription).removeprefix("http://board.test")
    assert "alle neuen Beiträge" in client.get(end).text
    assert client.post(end).status_code == 400  # forged POST without CSRF token
    assert subscription_count() == 1


def test_subscribing_is_rate_limited_per_address(app, client, town):
    app.config["RATELIMIT_SUBSCRIBE"] = "2 per hour"
    for q in ("a", "b"):
        url = f"/subscriptions/new?q={q}"
        assert client.submit(url, {"frequency": "daily", "email": ANNA}).status_code == 303
    refused = client.submit("/subscriptions/new?q=c", {"frequency": "daily", "email": ANNA})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    assert db.session.query(Subscription).count() == 2
