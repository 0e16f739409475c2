"""The outbox: every mail is a row first, goes out once, waits out an SMTP outage, and never
lets a line break in user text add a header."""

from __future__ import annotations

import threading
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from board.extensions import db
from board.mail.models import MailStatus, OutboxMail
from board.mail.services import (
    CLAIM_FOR,
    InvalidAddress,
    claim_due_mails,
    deliver_outbox,
    send_claimed,
)
from board.timeutil import utcnow
from tests.conftest import body_of, free_port, links_in


def outbox() -> list[OutboxMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def smtp_down(app) -> None:
    """Point the board at a port where nothing listens, as when the mail server is down."""
    app.config["MAIL_PORT"] = free_port()


# ---------------------------------------------------------------- delivery


def test_a_mail_queued_by_a_request_arrives_right_after_the_response(client, mailbox, notify_page):
    page = client.get(f"{notify_page}?to=anna@example.org")

    assert page.status_code == 200
    mail = mailbox.last_to("anna@example.org")
    assert mail["Subject"] == "Biete: Kinderfahrrad zu verschenken"
    assert mail["From"] == "Schwarzes Brett <brett@board.test>"
    assert "Ist das Fahrrad noch da?" in body_of(mail)
    assert links_in(mail) == ["http://board.test/posts/1"]
    [row] = outbox()
    assert row.status is MailStatus.SENT
    assert row.attempts == 1
    assert row.sent_at is not None


def test_every_mail_is_a_row_before_it_is_sent(app, mailbox, queue_notice):
    queue_notice("anna@example.org")
    db.session.commit()

    [row] = outbox()
    assert row.status is MailStatus.QUEUED
    assert row.to_address == "anna@example.org"
    assert row.subject == "Biete: Kinderfahrrad zu verschenken"
    assert mailbox.sent_to("anna@example.org") == []


def test_without_delivery_after_requests_the_mail_waits_for_run_jobs(
    app, client, mailbox, notify_page, runner
):
    app.config["MAIL_SEND_AFTER_REQUEST"] = False
    client.get(f"{notify_page}?to=anna@example.org")
    assert mailbox.sent_to("anna@example.org") == []

    result = runner.invoke(args=["run-jobs"])

    assert result.exit_code == 0, result.output
    assert "outbox: 1 sent" in result.output
    assert len(mailbox.sent_to("anna@example.org")) == 1


def test_smtp_down_keeps_the_mail_and_run_jobs_sends_it_once_when_the_server_is_back(
    app, client, mailbox, notify_page, runner, smtp_server
):
    smtp_down(app)
    page = client.get(f"{notify_page}?to=anna@example.org")

    assert page.status_code == 200  # the visitor never notices the outage
    [row] = outbox()
    assert row.status is MailStatus.QUEUED
    assert row.attempts == 1
    assert row.next_attempt_at > utcnow()
    assert "ConnectionRefusedError" in (row.last_error or "")

    app.config["MAIL_PORT"] = smtp_server[1]  # the server is back
    assert "outbox: 0 sent" in runner.invoke(args=["run-jobs"]).output  # still backing off
    assert mailbox.sent_to("anna@example.org") == []

    # A couple of minutes later, cron runs the jobs again.
    [row] = outbox()
    row.next_attempt_at -= timedelta(minutes=2)
    db.session.commit()
    assert "outbox: 1 sent" in runner.invoke(args=["run-jobs"]).output
    assert "outbox: 0 sent" in runner.invoke(args=["run-jobs"]).output

    assert len(mailbox.sent_to("anna@example.org")) == 1
    [row] = outbox()
    assert row.status is MailStatus.SENT
    assert row.attempts == 2


def test_failed_attempts_back_off_exponentially_and_give_up_after_the_maximum(
    app, mailbox, queue_notice, smtp_server
):
    app.config["MAIL_MAX_ATTEMPTS"] = 4
    smtp_down(app)
    queue_notice("anna@example.org")
    db.session.commit()
    now = utcnow()

    waits = []
    for _ in range(3):
        assert deliver_outbox(now=now) == 0
        [row] = outbox()
        assert row.status is MailStatus.QUEUED
        waits.append(row.next_attempt_at - now)
        assert deliver_outbox(now=now) == 0  # not due again before its time
        now = row.next_attempt_at
    assert [round(wait.total_seconds() / 60) for wait in waits] == [1, 2, 4]

    deliver_outbox(now=now)
    [row] = outbox()
    assert row.status is MailStatus.FAILED  # kept for the town to look at
    assert row.attempts == 4

    app.config["MAIL_PORT"] = smtp_server[1]  # back, but the mail was given up
    assert deliver_outbox(now=now + timedelta(days=1)) == 0
    assert mailbox.sent_to("anna@example.org") == []


def test_the_server_back_in_the_middle_of_a_backlog_delivers_all_of_it_once(
    app, mailbox, queue_notice, smtp_server
):
    smtp_down(app)
    for number in range(45):  # more than one batch
        queue_notice(f"person{number}@example.org")
    db.session.commit()
    now = utcnow()
    assert deliver_outbox(now=now) == 0

    app.config["MAIL_PORT"] = smtp_server[1]
    assert deliver_outbox(now=now + timedelta(minutes=2)) == 45
    assert deliver_outbox(now=now + timedelta(hours=1)) == 0

    assert len(mailbox.messages) == 45
    assert {str(m["To"]) for m in mailbox.messages} == {f"person{n}@example.org" for n in range(45)}


def test_a_recipient_the_server_does_not_know_is_given_up_at_once(app, picky_smtp, queue_notice):
    queue_notice("unknown@example.org")
    queue_notice("anna@example.org")
    db.session.commit()

    assert deliver_outbox() == 1

    unknown, anna = outbox()
    assert unknown.status is MailStatus.FAILED
    assert "No such user" in (unknown.last_error or "")
    assert anna.status is MailStatus.SENT
    assert [str(m["To"]) for m in picky_smtp.messages] == ["anna@example.org"]


def test_a_mailbox_that_is_busy_for_now_is_tried_again_later(app, picky_smtp, queue_notice):
    queue_notice("later@example.org")
    queue_notice("slow@example.org")
    db.session.commit()
    now = utcnow()

    assert deliver_outbox(now=now) == 0

    later, slow = outbox()
    assert later.status is MailStatus.QUEUED and later.next_attempt_at > now
    assert slow.status is MailStatus.QUEUED and "451" in (slow.last_error or "")
    assert deliver_outbox(now=now + timedelta(minutes=2)) == 1
    assert [str(m["To"]) for m in picky_smtp.messages] == ["slow@example.org"]


# ---------------------------------------------------------------- never twice


def test_two_senders_running_at_once_send_each_mail_once(app, mailbox, queue_notice):
    for number in range(30):
        queue_notice(f"person{number}@example.org")
    db.session.commit()
    start = threading.Barrier(2)
    counts: list[int] = []

    def sender() -> None:
        with app.app_context():
            start.wait()
            counts.append(deliver_outbox())

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sum(counts) == 30
    addresses = [str(m["To"]) for m in mailbox.messages]
    assert sorted(addresses) == sorted(f"person{n}@example.org" for n in range(30))
    assert {row.status for row in outbox()} == {MailStatus.SENT}


def test_a_sender_skips_the_mails_another_sender_holds_on_postgresql(app, mailbox, queue_notice):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises senders by its write lock")
    for number in range(6):
        queue_notice(f"person{number}@example.org")
    db.session.commit()
    ids = [row.id for row in outbox()]
    # This session is another sender in the middle of claiming the first three mails.
    db.session.scalars(select(OutboxMail).where(OutboxMail.id.in_(ids[:3])).with_for_update()).all()
    counts: list[int] = []

    def sender() -> None:
        with app.app_context():
            counts.append(deliver_outbox())

    thread = threading.Thread(target=sender)
    thread.start()
    thread.join(timeout=20)
    alive = thread.is_alive()
    db.session.rollback()  # the other sender lets go
    thread.join(timeout=20)

    assert not alive, "the sender waited for locked rows instead of skipping them"
    assert counts == [3]
    assert sorted(str(m["To"]) for m in mailbox.messages) == [
        f"person{n}@example.org" for n in range(3, 6)
    ]
    assert deliver_outbox() == 3
    assert len(mailbox.messages) == 6


def test_mails_left_by_a_killed_sender_are_taken_over_once_its_claim_runs_out(
    app, mailbox, queue_notice
):
    queue_notice("anna@example.org")
    db.session.commit()
    now = utcnow()
    assert claim_due_mails(now, token="killed") != []  # ... and the sender dies here

    assert deliver_outbox(now=now + CLAIM_FOR - timedelta(seconds=1)) == 0  # still its mail
    assert deliver_outbox(now=now + CLAIM_FOR + timedelta(seconds=1)) == 1

    assert len(mailbox.sent_to("anna@example.org")) == 1
    [row] = outbox()
    assert row.status is MailStatus.SENT
    assert row.attempts == 2


def test_a_slow_sender_whose_mail_was_taken_over_does_not_send_it_again(app, mailbox, queue_notice):
    queue_notice("anna@example.org")
    db.session.commit()
    now = utcnow()
    slow_ids = claim_due_mails(now, token="slow")
    later = now + CLAIM_FOR + timedelta(seconds=1)
    assert deliver_outbox(now=later) == 1  # another sender takes the mail over and sends it

    assert send_claimed(slow_ids, "slow", clock=lambda: later) == 0

    assert len(mailbox.sent_to("anna@example.org")) == 1


def test_a_mail_that_keeps_killing_its_sender_is_given_up(app, mailbox, queue_notice):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    queue_notice("anna@example.org")
    db.session.commit()
    now = utcnow()
    for round_ in range(2):
        assert claim_due_mails(now + round_ * 2 * CLAIM_FOR, token=f"killed{round_}")

    assert deliver_outbox(now=now + 5 * CLAIM_FOR) == 0

    [row] = outbox()
    assert row.status is MailStatus.FAILED
    assert mailbox.sent_to("anna@example.org") == []


# ---------------------------------------------------------------- header injection, bad bytes


@pytest.mark.parametrize(
    "address",
    [
        "anna@example.org\r\nBcc: victim@example.net",
        "anna@example.org\nBcc: victim@example.net",
        "anna@example.org, victim@example.net",
        "Anna <anna@example.org>",
        "anna@example.org\x00",
        " ",
        "keine-adresse",
    ],
)
@pytest.mark.parametrize("field", ["to", "reply_to"])
def test_an_address_that_could_add_a_header_or_recipient_is_refused(
    app, queue_notice, field, address
):
    recipient = {"to": address} if field == "to" else {"reply_to": address}
    with pytest.raises(InvalidAddress):
        queue_notice(**{"to": "anna@example.org", **recipient})

    db.session.commit()
    assert outbox() == []


@pytest.mark.parametrize("line_break", ["\r\n", "\n", "\r", "\u2028", "\x85"])
def test_a_line_break_in_user_text_never_becomes_a_header(app, mailbox, queue_notice, line_break):
    queue_notice(
        "anna@example.org",
        title=f"Fahrrad{line_break}Bcc: victim@example.net{line_break}X-Evil: 1",
        reply_to="bernd@example.org",
    )
    db.session.commit()

    assert deliver_outbox() == 1

    mail = mailbox.last_to("anna@example.org")
    assert mail["Bcc"] is None and mail["X-Evil"] is None
    assert mail["Reply-To"] == "bernd@example.org"
    assert "\n" not in str(mail["Subject"]) and str(mail["Subject"]).startswith("Biete: Fahrrad")
    assert mailbox.sent_to("victim@example.net") == []
    assert len(mailbox.messages) == 1


def test_an_address_with_an_umlaut_domain_is_delivered(app, mailbox, queue_notice):
    queue_notice("anna@müller-straße.de", reply_to="bernd@bäckerei.de")
    db.session.commit()

    assert deliver_outbox() == 1

    mail = mailbox.last_to("anna@xn--mller-strae-46a18a.de")
    assert mail["Reply-To"] == "bernd@xn--bckerei-5wa.de"


def test_nul_bytes_and_lone_surrogates_in_a_message_are_dropped_not_a_crash(
    app, mailbox, queue_notice
):
    queue_notice("anna@example.org", message="Hallo\x00 Welt \ud800 – Grüße\x1b aus Pölling")
    db.session.commit()  # PostgreSQL refuses NUL in text: it must not get there

    assert deliver_outbox() == 1

    assert "Hallo Welt  – Grüße aus Pölling" in body_of(mailbox.last_to("anna@example.org"))


def test_user_html_in_a_mail_stays_text(app, mailbox, queue_notice):
    queue_notice("anna@example.org", message="<script>alert(1)</script> & <b>fett</b>")
    db.session.commit()
    deliver_outbox()

    mail = mailbox.last_to("anna@example.org")
    assert mail.get_content_type() == "text/plain"
    assert "<script>alert(1)</script> & <b>fett</b>" in body_of(mail)


# ---------------------------------------------------------------- language


def test_a_mail_is_in_the_recipients_language_not_the_visitors(app, client, mailbox, notify_page):
    client.get(f"{notify_page}?to=anna@example.org&locale=de", headers={"Accept-Language": "en"})
    client.get(f"{notify_page}?to=john@example.org&locale=en", headers={"Accept-Language": "de"})

    anna, john = mailbox.last_to("anna@example.org"), mailbox.last_to("john@example.org")
    assert anna["Subject"].startswith("Biete:") and "1. März 2025" in body_of(anna)
    assert john["Subject"].startswith("Offer:") and "March 1, 2025" in body_of(john)
    assert anna["Content-Language"] == "de" and john["Content-Language"] == "en"


def test_a_job_queues_a_mail_in_english_without_any_request(app, mailbox, queue_notice):
    queue_notice("john@example.org", locale="en")
    queue_notice("anna@example.org", locale="xx")  # unknown: the town's first language
    db.session.commit()
    deliver_outbox()

    assert mailbox.last_to("john@example.org")["Subject"].startswith("Offer:")
    assert mailbox.last_to("anna@example.org")["Subject"].startswith("Biete:")


# ---------------------------------------------------------------- without an SMTP server


def test_without_a_mail_server_mails_are_written_to_the_instance_folder(app, queue_notice):
    app.config["MAIL_SERVER"] = None
    queue_notice("anna@example.org")
    db.session.commit()

    assert deliver_outbox() == 1

    files = list((Path(app.instance_path) / "mail").glob("*.eml"))
    assert len(files) == 1
    mail = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert mail["To"] == "anna@example.org"
    assert "http://board.test/posts/1" in body_of(mail)  # type: ignore[arg-type]
    assert outbox()[0].status is MailStatus.SENT


def test_a_full_disk_keeps_the_mail_queued(app, queue_notice, tmp_path):
    app.config["MAIL_SERVER"] = None
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    app.instance_path = str(blocker)  # instance/mail cannot be created
    queue_notice("anna@example.org")
    db.session.commit()

    assert deliver_outbox() == 0

    [row] = outbox()
    assert row.status is MailStatus.QUEUED


def test_the_demo_mail_viewer_lists_mails_with_clickable_links_in_debug_mode(
    app, client, queue_notice
):
    app.config["MAIL_SERVER"] = None
    app.debug = True
    queue_notice("anna@example.org", message="<script>alert(1)</script>")
    db.session.commit()
    deliver_outbox()

    page = client.get("/_mail")

    assert page.status_code == 200
    assert "Biete: Kinderfahrrad zu verschenken" in page.text
    assert "anna@example.org" in page.text
    assert 'href="http://board.test/posts/1"' in page.text
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;" in page.text
    assert page.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("debug", "mail_server"),
    [(False, None), (False, "127.0.0.1"), (True, "127.0.0.1")],
    ids=["production", "production-with-smtp", "debug-with-real-smtp"],
)
def test_the_mail_viewer_does_not_exist_outside_a_demo(
    app, client, queue_notice, debug, mail_server
):
    app.debug = debug
    app.config["MAIL_SERVER"] = mail_server
    queue_notice("anna@example.org")
    db.session.commit()

    page = client.get("/_mail")

    assert page.status_code == 404
    assert "anna@example.org" not in page.text
