"""The browser tests' live server delivers mail after the response as gunicorn does: even when the
browser resets the connection as soon as it has the answer (Chromium does, now and then)."""

from __future__ import annotations

import socket
import struct
from urllib.parse import urlsplit

from sqlalchemy import select

from board.extensions import db
from board.mail.models import MailStatus, OutboxMail
from tests.conftest import wait_for
from tests.e2e.conftest import served


def get_and_reset(url: str) -> None:
    """GET the url and reset the connection as soon as the answer begins."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port)) as sock:
        request = f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n"
        sock.sendall(request.encode())
        assert sock.recv(16).startswith(b"HTTP/1.")
        # Closing with linger 0 sends a reset instead of a polite FIN, as a browser does when
        # it closes a connection with part of the answer still unread.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_mail_queued_by_a_request_goes_out_although_the_browser_reset_the_connection(
    app, mailbox, notify_page
):
    with served(app) as url:
        # One at a time: the delivery after a later request would also send a missed mail.
        for n in range(10):
            address = f"anna{n}@example.org"
            get_and_reset(f"{url}{notify_page}?to={address}")
            wait_for(lambda: mailbox.sent_to(address), timeout=5)  # noqa: B023

    db.session.rollback()
    statuses = db.session.scalars(select(OutboxMail.status)).all()
    assert statuses == [MailStatus.SENT] * 10
    assert len(mailbox.messages) == 10
