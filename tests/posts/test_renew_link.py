"""The reminder's two links: renew with one tap, or say "erledigt" — without logging in.

A mail scanner that opens the links changes nothing; a second tap changes nothing; a forged,
expired or foreign link is refused; a post that may not be renewed or closed says why.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from board.extensions import db
from board.posts import services
from board.posts.jobs import purge_old_posts
from board.posts.models import Post, PostKind
from board.posts.status import PostStatus
from board.scheduler import all_jobs, run_job
from board.site import berlin_datetime
from board.timeutil import utcnow
from tests.conftest import expired_csrf_token
from tests.posts.conftest import POSTER_EMAIL, mailed_links


def stored(post: Post) -> Post:
    db.session.expire_all()
    found = db.session.get(Post, post.id)
    assert found is not None
    return found


def renew_path(app, post: Post) -> str:
    with app.test_request_context():
        return services.renew_url(post).removeprefix("http://board.test")


def close_path(app, post: Post) -> str:
    with app.test_request_context():
        return services.close_url(post).removeprefix("http://board.test")


def press(client, path: str):
    """Open the link, then tap the page's one button (its form, with the page's CSRF token)."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    assert token, "the page has no button"
    return client.post(path, data={"csrf_token": token.group(1)})


def run_jobs(app, *names: str, now: datetime | None = None) -> None:
    """Run jobs as the scheduler would (own context, links from BASE_URL), at `now`."""
    db.session.commit()
    for job in all_jobs():
        if job.id in names:
            run_job(app, job, now=now)
    db.session.expire_all()


def shown(moment: datetime) -> str:
    return berlin_datetime(moment, "date_time")


def old_renew_token(app, post: Post, days: int) -> str:
    """The post's renew token as the reminder would have carried it `days` days ago."""

    class SignedLongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - days * 24 * 3600

    serializer = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="board.post-renew", signer=SignedLongAgo
    )
    return serializer.dumps([post.id, post.renew_count, post.manage_secret])


@pytest.fixture
def expiring(new_post):
    """An offer that leaves the board in two days: the reminder has gone out."""
    return new_post(
        title="Kinderwagen zu verschenken",
        published_at=utcnow() - timedelta(days=28),
        expires_at=utcnow() + timedelta(days=2),
    )


# ---------------------------------------------------------------- renew


def test_opening_the_renew_link_shows_the_post_and_one_button_and_changes_nothing(
    app, client, expiring
):
    before = expiring.expires_at

    page = client.get(renew_path(app, expiring))

    assert page.status_code == 200
    assert "Kinderwagen zu verschenken" in page.text
    assert page.text.count("<button") == 1 + page.text.count("Abmelden")
    assert ">Verlängern</button>" in page.text
    assert f"Ihr Beitrag steht bis {shown(before)} auf dem Brett." in page.text
    assert "steht er ab jetzt 30 Tage am Brett" in page.text
    assert stored(expiring).expires_at == before
    assert stored(expiring).renew_count == 0


def test_the_links_pages_are_private(app, client, expiring):
    for path in (renew_path(app, expiring), close_path(app, expiring)):
        page = client.get(path)
        assert page.headers["Cache-Control"] == "private, no-store"
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert page.headers["X-Robots-Tag"] == "noindex"


def test_tapping_verlaengern_renews_for_a_full_lifetime_without_logging_in(app, client, expiring):
    page = press(client, renew_path(app, expiring))

    post = stored(expiring)
    assert page.status_code == 200
    assert post.renew_count == 1
    assert post.status is PostStatus.PUBLISHED
    assert timedelta(days=30) - (post.expires_at - utcnow()) < timedelta(minutes=1)
    assert f"Ihr Beitrag ist verlängert bis {shown(post.expires_at)}." in page.text
    assert "Kinderwagen zu verschenken" in client.get("/").text


def test_tapping_twice_renews_once_and_says_it_is_already_renewed(app, client, expiring):
    path = renew_path(app, expiring)
    press(client, path)
    renewed_until = stored(expiring).expires_at

    again = client.post(path, data={"csrf_token": client.csrf_token("/login")})
    reopened = client.get(path)

    assert stored(expiring).renew_count == 1
    assert stored(expiring).expires_at == renewed_until
    for page in (again, reopened):
        assert page.status_code == 200
        assert "Schon verlängert" in page.text
        assert f"bereits verlängert und steht bis {shown(renewed_until)}" in page.text
        assert '<button type="submit" class="primary">' not in page.text


def test_a_link_already_used_from_the_manage_page_says_so(app, client, expiring, poster):
    path = renew_path(app, expiring)
    services.renew_post(expiring, utcnow())
    db.session.commit()

    page = client.get(path)

    assert page.status_code == 200
    assert "bereits verlängert" in page.text


def test_an_expired_post_comes_back_on_the_board_by_the_link(app, client, new_post):
    post = new_post(
        title="Leiter zu verleihen",
        status=PostStatus.EXPIRED,
        published_at=utcnow() - timedelta(days=31),
        expires_at=utcnow() - timedelta(days=1),
    )
    path = renew_path(app, post)
    assert "Ihr Beitrag ist nicht mehr auf dem Brett." in client.get(path).text

    page = press(client, path)

    assert "verlängert bis" in page.text
    assert stored(post).status is PostStatus.PUBLISHED
    assert "Leiter zu verleihen" in client.get("/").text


def test_renewing_a_closed_post_that_now_needs_review_says_it_waits(app, client, new_post):
    app.config["MODERATION_POLICY"] = "pre"
    post = new_post(title="Leiter zu verleihen", status=PostStatus.CLOSED)

    page = press(client, renew_path(app, post))

    assert stored(post).status is PostStatus.PENDING
    assert "wird kurz geprüft" in page.text
    assert "Leiter zu verleihen" not in client.get("/").text


def _spoil_signature(token: str) -> str:
    # The signature's last base64 character holds padding bits: "A" and "B"
    # can decode to the same bytes, so spoil a character every bit of which counts.
    *payload, signature = token.split(".")
    spoiled = signature[:4] + ("A" if signature[4] != "A" else "B") + signature[5:]
    return ".".join([*payload, spoiled])


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(_spoil_signature, id="forged-signature"),
        pytest.param(lambda token: token + "x", id="appended"),
        pytest.param(lambda token: "bm9uc2Vuc2U", id="nonsense"),
    ],
)
def test_a_forged_renew_link_is_refused_and_changes_nothing(app, client, expiring, spoil):
    path = renew_path(app, expiring)
    token = path.rsplit("/", 1)[1]
    forged = path.removesuffix(token) + spoil(token)

    page = client.get(forged)
    pressed = client.post(forged, data={"csrf_token": client.csrf_token("/login")})

    assert page.status_code == 404
    assert "Dieser Link ist ungültig oder abgelaufen" in page.text
    assert pressed.status_code == 404
    assert stored(expiring).renew_count == 0


def test_a_renew_link_for_another_post_is_refused(app, client, expiring, new_post):
    other = new_post(title="Fahrrad zu verschenken")
    token = renew_path(app, other).rsplit("/", 1)[1]

    page = client.get(f"/posts/{expiring.id}/renew/{token}")

    assert page.status_code == 404
    assert "Dieser Link ist ungültig oder abgelaufen" in page.text


def test_the_management_token_is_no_renew_link(app, client, expiring):
    token = close_path(app, expiring).rsplit("/", 1)[1]

    assert client.get(f"/posts/{expiring.id}/renew/{token}").status_code == 404


def test_a_renew_link_older_than_its_limit_is_refused(app, client, expiring):
    app.config["RENEW_LINK_MAX_AGE"] = 7 * 24 * 3600
    fresh_enough = old_renew_token(app, expiring, days=6)
    too_old = old_renew_token(app, expiring, days=8)

    assert client.get(f"/posts/{expiring.id}/renew/{fresh_enough}").status_code == 200
    page = client.get(f"/posts/{expiring.id}/renew/{too_old}")

    assert page.status_code == 404
    assert "Dieser Link ist ungültig oder abgelaufen" in page.text


def test_a_purged_post_s_renew_link_is_dead(app, client, new_post):
    post = new_post(
        status=PostStatus.EXPIRED,
        published_at=utcnow() - timedelta(days=150),
        expires_at=utcnow() - timedelta(days=120),
        status_changed_at=utcnow() - timedelta(days=120),
    )
    path = renew_path(app, post)
    purge_old_posts(utcnow())
    db.session.commit()

    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "status", [PostStatus.REMOVED, PostStatus.REJECTED, PostStatus.HIDDEN, PostStatus.PENDING]
)
def test_a_post_taken_off_the_board_by_moderators_cannot_be_renewed_by_the_link(
    app, client, new_post, status
):
    post = new_post(title="Kinderwagen zu verschenken", status=status)
    path = renew_path(app, post)
    before = post.expires_at

    page = client.get(path)
    pressed = client.post(path, data={"csrf_token": client.csrf_token("/login")})

    assert page.status_code == 200
    assert "Dieser Beitrag kann nicht verlängert werden." in page.text
    assert ">Verlängern</button>" not in page.text
    assert pressed.status_code == 409
    assert stored(post).status is status
    assert stored(post).expires_at == before
    assert stored(post).renew_count == 0


def test_renewing_past_the_maximum_is_refused_with_the_reason(app, client, new_post):
    app.config["MAX_RENEWALS"] = 2
    post = new_post(title="Kinderwagen zu verschenken", renew_count=2)

    page = client.get(renew_path(app, post))

    assert "schon 2-mal verlängert" in page.text
    assert "schreiben Sie einen neuen" in page.text
    assert ">Verlängern</button>" not in page.text
    assert stored(post).renew_count == 2


def test_an_event_is_not_renewed_by_the_link(app, client, new_post):
    start = utcnow() + timedelta(days=2)
    event = new_post(
        kind=PostKind.EVENT, event_start_at=start, expires_at=start + timedelta(hours=3)
    )

    page = client.get(renew_path(app, event))

    assert "Veranstaltungen stehen bis zu ihrem Ende am Brett" in page.text
    assert ">Verlängern</button>" not in page.text


def test_a_press_without_the_page_s_token_is_refused(app, client, expiring):
    path = renew_path(app, expiring)
    client.get(path)

    missing = client.post(path, data={})
    forged = client.post(path, data={"csrf_token": "forged"})

    assert missing.status_code == 400
    assert forged.status_code == 400
    assert stored(expiring).renew_count == 0


def test_a_page_left_open_too_long_shows_the_button_again_and_the_next_tap_works(
    app, client, expiring
):
    path = renew_path(app, expiring)

    stale = client.post(path, data={"csrf_token": expired_csrf_token(app, client, path)})

    assert stale.status_code == 422
    assert "zu lange geöffnet" in stale.text
    assert ">Verlängern</button>" in stale.text
    assert stored(expiring).renew_count == 0
    fresh = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', stale.text)
    assert fresh
    assert client.post(path, data={"csrf_token": fresh.group(1)}).status_code == 200
    assert stored(expiring).renew_count == 1


def test_the_renewal_keeps_the_author_s_shorter_lifetime(app, client, new_post):
    post = new_post(lifetime_days=7, expires_at=utcnow() + timedelta(days=1))

    page = client.get(renew_path(app, post))
    assert "steht er ab jetzt 7 Tage am Brett" in page.text
    press(client, renew_path(app, post))

    left = stored(post).expires_at - utcnow()
    assert timedelta(days=7) - left < timedelta(minutes=1)


# ---------------------------------------------------------------- close


def test_opening_the_close_link_shows_one_button_and_changes_nothing(app, client, expiring):
    page = client.get(close_path(app, expiring))

    assert page.status_code == 200
    assert ">Erledigt</button>" in page.text
    assert "Kinderwagen zu verschenken" in page.text
    assert stored(expiring).status is PostStatus.PUBLISHED


def test_tapping_erledigt_takes_the_post_off_the_board(app, client, expiring):
    page = press(client, close_path(app, expiring))

    assert page.status_code == 200
    assert "als erledigt markiert" in page.text
    assert stored(expiring).status is PostStatus.CLOSED
    assert "Kinderwagen zu verschenken" not in client.get("/").text
    assert client.get(f"/posts/{expiring.id}").status_code == 404


def test_tapping_erledigt_twice_closes_once(app, client, expiring):
    path = close_path(app, expiring)
    press(client, path)
    closed_at = stored(expiring).closed_at

    again = client.post(path, data={"csrf_token": client.csrf_token("/login")})

    assert again.status_code == 200
    assert "Schon erledigt" in again.text
    assert "bereits als erledigt markiert" in again.text
    assert ">Erledigt</button>" not in again.text
    assert stored(expiring).closed_at == closed_at


@pytest.mark.parametrize("status", [PostStatus.REMOVED, PostStatus.REJECTED])
def test_a_removed_or_rejected_post_cannot_be_closed_by_the_link(app, client, new_post, status):
    post = new_post(status=status)
    path = close_path(app, post)

    page = client.get(path)
    pressed = client.post(path, data={"csrf_token": client.csrf_token("/login")})

    assert "kann nicht mehr als erledigt markiert werden" in page.text
    assert ">Erledigt</button>" not in page.text
    assert pressed.status_code == 409
    assert stored(post).status is status


def test_a_forged_or_foreign_close_link_is_refused(app, client, expiring, new_post):
    other = new_post(title="Fahrrad zu verschenken")
    foreign = close_path(app, other).rsplit("/", 1)[1]
    renew_token = renew_path(app, expiring).rsplit("/", 1)[1]

    for token in (foreign, renew_token, "nonsense"):
        path = f"/posts/{expiring.id}/close/{token}"
        assert client.get(path).status_code == 404
        assert client.post(path, data={"csrf_token": client.csrf_token("/login")}).status_code == (
            404
        )
    assert stored(expiring).status is PostStatus.PUBLISHED


def test_a_close_press_without_the_page_s_token_is_refused(app, client, expiring):
    path = close_path(app, expiring)

    assert client.post(path, data={}).status_code == 400
    assert stored(expiring).status is PostStatus.PUBLISHED


# ---------------------------------------------------------------- from the reminder mail


def test_the_reminder_mail_s_links_renew_and_close(app, client, mailbox, new_post):
    post = new_post(
        title="Kinderwagen zu verschenken",
        published_at=utcnow() - timedelta(days=28),
        expires_at=utcnow() + timedelta(days=2),
    )
    run_jobs(app, "send_reminders", "send_outbox")

    links = mailed_links(mailbox, POSTER_EMAIL)
    renew = next(link for link in links if "/renew/" in link)
    close = next(link for link in links if "/close/" in link)
    press(client, renew)
    assert stored(post).renew_count == 1
    assert "bereits verlängert" in client.get(renew).text

    press(client, close)
    assert stored(post).status is PostStatus.CLOSED
    assert db.session.scalar(select(Post.renew_count).where(Post.id == post.id)) == 1
