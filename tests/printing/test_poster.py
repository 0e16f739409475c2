"""A post as an A4 poster for a physical notice board: QR code, tear-off strips, only if public."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from board.extensions import db
from board.posts.models import PostKind
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests import factories
from tests.conftest import BASE_URL
from tests.posts.conftest import log_in_as
from tests.printing.conftest import NOW
from tests.printing.svg_qr import decode_svg, svgs_in


def poster_of(client, post):
    page = client.get(f"/posts/{post.id}/print")
    assert page.status_code == 200
    return page.text


def test_the_posters_qr_code_opens_the_post(client, put_up):
    post = put_up("Kinderwagen zu verschenken")

    html = poster_of(client, post)

    [code] = [svg for svg in svgs_in(html) if svg.classes == ["qr"]]
    assert decode_svg(code) == f"{BASE_URL}/posts/{post.id}"
    assert code.attrs["role"] == "img"
    assert code.attrs["aria-label"] == f"QR-Code zu diesem Beitrag: board.test/posts/{post.id}"


def test_every_tear_off_strip_carries_the_short_link_and_a_qr_code_to_the_post(client, put_up):
    post = put_up("Kinderwagen zu verschenken")

    html = poster_of(client, post)

    strips = re.findall(r'<li class="strip".*?</li>', html, re.S)
    assert len(strips) == 8
    for strip in strips:
        assert "Kinderwagen zu verschenken" in strip
        assert f"board.test/posts/{post.id}" in strip
        [code] = svgs_in(strip)
        assert decode_svg(code) == f"{BASE_URL}/posts/{post.id}"
    # A screen reader reads one strip, not the same words eight times.
    assert sum('aria-hidden="true"' in strip for strip in strips) == 7


def test_the_poster_shows_what_the_post_says(client, put_up, categories, districts):
    post = put_up(
        "Apfelfest am Vereinsgelände",
        body="Mit Saftpresse und Kuchen.\n\nMehr unter https://obstverein-neumarkt.de/fest",
        kind=PostKind.EVENT,
        category=categories["veranstaltungen"],
        district=districts["woffenbach"],
        event_start_at=datetime(2026, 11, 28, 13, 30, tzinfo=UTC),
        event_end_at=datetime(2026, 11, 28, 17, 0, tzinfo=UTC),
    )

    html = poster_of(client, post)

    assert "Schwarzes Brett · Neumarkt i.d.OPf." in html
    assert '<span class="badge kind-event">Veranstaltung</span>' in html
    assert "<h1>Apfelfest am Vereinsgelände</h1>" in html
    assert "Veranstaltungen" in html
    assert "Woffenbach" in html
    # Europe/Berlin: 13:30 UTC is 14:30 in November.
    assert "Samstag, 28. November 2026, 14:30 – 18:00" in html
    assert "<p>Mit Saftpresse und Kuchen.</p>" in html
    assert 'href="https://obstverein-neumarkt.de/fest" rel="nofollow ugc noopener"' in html


def test_the_print_view_is_linked_from_the_post(client, put_up):
    post = put_up(expires_at=utcnow() + timedelta(days=30))  # the post page runs on real time

    page = client.get(f"/posts/{post.id}")

    assert f'href="/posts/{post.id}/print"' in page.text
    assert "Drucken / Aushang" in page.text


@pytest.mark.parametrize(
    "body",
    ["Viele Worte " * 200 + "ENDE", "Eine Zeile\n" * 100 + "ENDE", "Absatz\n\n" * 50 + "ENDE"],
    ids=["one long paragraph", "many lines", "many paragraphs"],
)
def test_a_long_text_is_cut_at_a_word_so_the_poster_stays_one_page(client, put_up, body):
    html = poster_of(client, put_up(body=body))

    assert "ENDE" not in html
    assert re.search(r"(Worte|Viele|Zeile|Absatz) …</p>", html)
    assert "Den ganzen Text finden Sie über den QR-Code." in html


def test_a_short_text_is_shown_whole(client, put_up):
    html = poster_of(client, put_up(body="Kurz und gut."))

    assert "<p>Kurz und gut.</p>" in html
    assert "Den ganzen Text finden Sie" not in html


NASTY = [
    '<script>alert("title")</script>',
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "Tom & Jerry's \u202eelbat\u202c",
]


@pytest.mark.parametrize("title", NASTY)
def test_a_nasty_title_is_shown_as_text_everywhere_on_the_poster(client, put_up, title):
    post = put_up(title, body='<script>alert("body")</script> javascript:alert(1)')

    html = poster_of(client, post)

    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<svg onload" not in html
    assert "&lt;script&gt;alert(&#34;body&#34;)&lt;/script&gt;" in html
    assert 'href="javascript' not in html
    escaped = (
        title.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )
    # As text in the page title, the heading and on each of the eight strips.
    assert html.count(escaped) == 1 + 1 + 8


def test_the_poster_has_no_inline_styles_the_csp_would_block(client, put_up):
    page = client.get(f"/posts/{put_up().id}/print")

    assert " style=" not in page.text
    assert "<script>" not in page.text
    assert "style-src 'self'" in page.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "status",
    [
        PostStatus.DRAFT,
        PostStatus.PENDING,
        PostStatus.SCHEDULED,
        PostStatus.HIDDEN,
        PostStatus.EXPIRED,
        PostStatus.CLOSED,
        PostStatus.REJECTED,
        PostStatus.REMOVED,
    ],
)
def test_a_post_not_on_the_board_has_no_poster(client, put_up, status):
    # A scheduled post is on the board from its time on; this one's time is still to come.
    later = {"published_at": NOW + timedelta(days=1)} if status is PostStatus.SCHEDULED else {}
    post = put_up("Nicht öffentlich", status=status, **later)

    page = client.get(f"/posts/{post.id}/print")

    assert page.status_code == 404
    assert "Nicht öffentlich" not in page.text


def test_a_post_past_its_expiry_has_no_poster_even_before_the_expiry_job_ran(client, put_up):
    post = put_up("Abgelaufen", expires_at=NOW - timedelta(minutes=1))

    assert client.get(f"/posts/{post.id}/print").status_code == 404


def test_the_poster_goes_when_the_post_expires(client, put_up, clock):
    post = put_up("Läuft bald ab", expires_at=NOW + timedelta(hours=2))
    assert client.get(f"/posts/{post.id}/print").status_code == 200

    clock(NOW + timedelta(hours=2))

    assert client.get(f"/posts/{post.id}/print").status_code == 404


def test_even_the_author_gets_no_poster_of_a_post_waiting_for_moderation(client, put_up):
    author = factories.user(password=None)
    post = put_up("Wartet noch", status=PostStatus.PENDING, author=author)
    log_in_as(client, author)

    assert client.get(f"/posts/{post.id}/print").status_code == 404


@pytest.mark.parametrize("path", ["/posts/999999/print", "/posts/99999999999/print"])
def test_a_missing_post_has_no_poster(client, put_up, path):
    assert client.get(path).status_code == 404


def test_the_poster_does_not_show_the_authors_address_or_secrets(client, put_up):
    author = factories.user(email="geheim@example.org", password=None)
    post = put_up(author=author)
    db.session.commit()

    html = poster_of(client, post)

    assert "geheim@example.org" not in html
    assert post.manage_secret not in html
