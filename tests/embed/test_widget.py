"""The widget a town puts on its website: current posts only, the board's filters, its own
limit and colours, and nothing that depends on or remembers the visitor."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from board.posts.models import PostKind
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests.embed.conftest import AUTHOR_EMAIL, TOWN_SITE
from tests.posts.conftest import log_in_as


def cards(html: str) -> int:
    return html.count('<li class="card')


def test_the_widget_shows_current_posts_newest_first(client, new_post):
    now = utcnow()
    new_post(title="Gartenstühle abzugeben", published_at=now - timedelta(days=3))
    new_post(title="Suche Nachhilfe in Mathe", published_at=now - timedelta(minutes=5))

    page = client.get("/embed")

    assert page.status_code == 200
    assert page.text.index("Suche Nachhilfe in Mathe") < page.text.index("Gartenstühle abzugeben")
    assert "Beitrag erstellen" in page.text


@pytest.mark.parametrize(
    "status", [PostStatus.PENDING, PostStatus.HIDDEN, PostStatus.DRAFT, PostStatus.REJECTED]
)
def test_posts_the_public_does_not_see_never_reach_the_widget(client, new_post, status):
    new_post(title="Noch nicht öffentlich", status=status)
    new_post(title="Längst abgelaufen", expires_at=utcnow() - timedelta(minutes=1))

    page = client.get("/embed")

    assert "Noch nicht öffentlich" not in page.text
    assert "Längst abgelaufen" not in page.text
    assert "Zurzeit gibt es hier keine Beiträge" in page.text


def test_a_post_leaves_the_widget_the_moment_it_expires(client, new_post):
    post = new_post(title="Läuft gleich ab", expires_at=utcnow() + timedelta(minutes=5))
    assert "Läuft gleich ab" in client.get("/embed").text

    post.expires_at = utcnow() - timedelta(seconds=1)

    assert "Läuft gleich ab" not in client.get("/embed").text


def test_the_widget_uses_the_boards_filters(client, new_post, categories, districts):
    new_post(
        title="Bohrmaschine",
        kind=PostKind.OFFER,
        category=categories["verleihen"],
        district=districts["woffenbach"],
    )
    new_post(title="Suche Bohrmaschine", kind=PostKind.REQUEST, category=categories["verleihen"])
    new_post(title="Bücherkiste", kind=PostKind.OFFER, category=categories["verschenken"])

    assert cards(client.get("/embed?kind=offer&category=verleihen").text) == 1
    assert cards(client.get("/embed?district=woffenbach").text) == 1
    assert cards(client.get("/embed?q=bohrmaschine").text) == 2
    # Unknown values are dropped, as on the board: everything shows.
    assert cards(client.get("/embed?kind=angebot&category=gibtsnicht&page=-1").text) == 3


@pytest.mark.parametrize(
    ("limit", "shown"),
    [
        ("", 10),
        ("3", 3),
        ("0", 1),
        ("-5", 10),
        ("fünf", 10),
        ("5.5", 10),
        ("999", 12),
        ("9" * 5000, 12),
        ("\x00", 10),
    ],
)
def test_a_limit_that_makes_no_sense_gives_the_default_or_the_nearest_bound(
    client, new_post, limit, shown
):
    for number in range(12):
        new_post(title=f"Beitrag {number}")

    page = client.get("/embed", query_string={"limit": limit})

    assert page.status_code == 200
    assert cards(page.text) == shown


def test_the_limit_stops_at_fifty(client, new_post):
    for number in range(55):
        new_post(title=f"Beitrag {number}")

    assert cards(client.get("/embed?limit=51").text) == 50


def test_links_open_the_board_in_a_new_top_level_tab(client, new_post):
    post = new_post(title="Kinderwagen")

    page = client.get("/embed").text

    links = re.findall(r"<a [^>]*>", page)
    assert links
    for link in links:
        assert 'target="_blank"' in link and 'rel="noopener"' in link, link
    assert f'href="/posts/{post.id}"' in page
    assert 'href="/posts/new"' in page


def test_a_title_with_markup_is_shown_as_text(client, new_post):
    new_post(title='<script>alert(1)</script><img src=x onerror="alert(2)">')

    page = client.get("/embed").text

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_accent_colour_is_allowed_by_the_csp_and_nothing_else_is(client):
    page = client.get("/embed?accent=0B6E4F")

    style = re.search(r"<style>(.*?)</style>", page.text).group(1)
    assert style == ":root{--accent:#0b6e4f;--on-accent:#fff}"
    csp = page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "'sha256-" in csp


def test_a_light_accent_gets_dark_text_for_contrast(client):
    assert "--on-accent:#000" in client.get("/embed?accent=ffe066").text


@pytest.mark.parametrize(
    "accent",
    [
        "red",
        "0b6e4",
        "0b6e4f0",
        "0b6e4f;}body{display:none",
        "</style><script>alert(1)</script>",
        "0b6e4g",
        "javascript:alert(1)",
        "\u202e0b6e4f",
    ],
)
def test_an_accent_that_is_no_hex_colour_gives_the_towns_colour(client, accent):
    page = client.get("/embed", query_string={"accent": accent})

    assert page.status_code == 200
    assert re.findall(r"<style>(.*?)</style>", page.text) == [
        ":root{--accent:#0b6e4f;--on-accent:#fff}"
    ]
    assert "alert" not in page.text


@pytest.mark.parametrize(
    ("theme", "html_class"),
    [
        ("dark", "theme-dark"),
        ("light", "theme-light"),
        ("", "theme-auto"),
        ("DARK", "theme-dark"),
        ("neon", "theme-auto"),
        ('dark" onload="alert(1)', "theme-auto"),
    ],
)
def test_the_theme_is_light_dark_or_the_visitors_setting(client, theme, html_class):
    page = client.get("/embed", query_string={"theme": theme})

    assert f'class="{html_class}"' in page.text
    assert "onload" not in page.text


def test_the_widget_speaks_the_language_of_the_embedding_site_not_the_visitors(client):
    german = client.get("/embed", headers={"Accept-Language": "en"})
    english = client.get("/embed?lang=en")

    assert '<html lang="de"' in german.text and "Beitrag erstellen" in german.text
    assert '<html lang="en"' in english.text


def test_the_widget_sets_no_cookie_and_varies_on_nothing_personal(client, new_post):
    new_post(title="Kinderwagen")

    for path in ("/embed", "/embed?lang=en", "/embed?theme=dark&accent=123456"):
        page = client.get(path)
        assert "Set-Cookie" not in page.headers, path
        assert "Cookie" not in page.headers.get("Vary", ""), path
        assert "Accept-Language" not in page.headers.get("Vary", ""), path
        assert "csrf" not in page.text.lower()


def test_a_logged_in_visitor_gets_the_same_anonymous_widget(client, new_post, author):
    new_post(title="Kinderwagen")
    log_in_as(client, author)

    page = client.get("/embed")

    assert "Set-Cookie" not in page.headers
    assert "Abmelden" not in page.text and AUTHOR_EMAIL not in page.text
    assert "private" not in page.headers.get("Cache-Control", "")


def test_the_widget_is_not_indexed_and_is_read_only(client):
    page = client.get("/embed")

    assert page.headers["X-Robots-Tag"] == "noindex"
    assert "<form" not in page.text
    assert client.post("/embed").status_code in (400, 405)


def test_the_widget_needs_no_javascript_without_a_framing_site(client, new_post):
    new_post(title="Kinderwagen")

    page = client.get("/embed").text

    assert "<script" not in page
    assert "Kinderwagen" in page


def test_the_widget_with_its_css_stays_small(client, new_post):
    for number in range(10):
        new_post(title=f"Ein recht langer Titel für einen Beitrag Nummer {number}", body="x" * 900)

    html = client.get("/embed?accent=0b6e4f&theme=dark").data
    css = client.get("/static/css/embed.css").data

    assert len(html) + len(css) < 20_000


def test_a_repeated_request_is_answered_with_not_modified_until_the_board_changes(client, new_post):
    post = new_post(title="Kinderwagen")
    first = client.get("/embed")
    assert first.headers["ETag"]

    again = client.get("/embed", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304

    post.status = PostStatus.HIDDEN
    after_hiding = client.get("/embed", headers={"If-None-Match": first.headers["ETag"]})
    assert after_hiding.status_code == 200
    assert "Kinderwagen" not in after_hiding.text


# ---------------------------------------------------------------- the framing page's origin


@pytest.mark.parametrize(
    "origin",
    [TOWN_SITE, "https://WWW.Neumarkt.de/", "https://amt.landkreis.example", "http://board.test"],
)
def test_the_widget_reports_its_height_only_to_an_allowed_framing_site(client, origin):
    page = client.get("/embed", query_string={"origin": origin}).text

    assert f'data-parent-origin="{origin.lower().rstrip("/")}"' in page
    assert 'src="/static/embed-frame.js"' in page


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "https://www.neumarkt.de.evil.example",
        "https://landkreis.example",
        "http://www.neumarkt.de",
        "https://www.neumarkt.de/pfad",
        "https://user@www.neumarkt.de",
        "*",
        "null",
        'https://www.neumarkt.de" onload="alert(1)',
        "javascript:alert(1)",
    ],
)
def test_the_widget_tells_no_other_site_anything(client, origin):
    page = client.get("/embed", query_string={"origin": origin}).text

    assert "data-parent-origin" not in page
    assert "<script" not in page
    assert "alert" not in page


# ---------------------------------------------------------------- one post


def test_one_post_is_shown_as_a_card_with_its_text(client, new_post):
    post = new_post(title="Kinderwagen", body="Gut erhalten, abzuholen in Woffenbach.")

    page = client.get(f"/embed/posts/{post.id}?theme=dark")

    assert page.status_code == 200
    assert "Kinderwagen" in page.text and "abzuholen in Woffenbach" in page.text
    assert page.headers["X-Robots-Tag"] == "noindex"
    assert "X-Frame-Options" not in page.headers


@pytest.mark.parametrize("status", [PostStatus.PENDING, PostStatus.HIDDEN, PostStatus.CLOSED])
def test_a_post_the_public_does_not_see_is_not_found_in_the_widget(client, new_post, status):
    hidden = new_post(title="Geheim", status=status)
    expired = new_post(title="Abgelaufen", expires_at=utcnow() - timedelta(minutes=1))

    for post in (hidden, expired):
        page = client.get(f"/embed/posts/{post.id}")
        assert page.status_code == 404
        assert "Geheim" not in page.text and "Abgelaufen" not in page.text
        assert "nicht mehr auf dem Brett" in page.text
        assert "Anmelden" not in page.text  # the frame's own page, not the site's with its menu
        assert page.headers["X-Robots-Tag"] == "noindex"


def test_a_missing_or_impossible_post_id_is_not_found(client):
    assert client.get("/embed/posts/99999").status_code == 404
    assert client.get("/embed/posts/99999999999").status_code == 404
    assert client.get("/embed/posts/abc").status_code == 404
