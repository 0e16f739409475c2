"""Who may frame what (BAD_INPUTS 19): the widget only by the town's websites and the board
itself; every other page by no one. An origin that could inject policy stops the start."""

from __future__ import annotations

import re

import pytest

from board import create_app
from tests.embed.conftest import TOWN_SITE
from tests.posts.conftest import log_in_as


def directive(response, name: str) -> str:
    csp = response.headers["Content-Security-Policy"]
    found = re.search(rf"(?:^|;)\s*{name} ([^;]*)", csp)
    assert found, csp
    return found.group(1).strip()


@pytest.mark.parametrize("path", ["/embed", "/embed?kind=offer&theme=dark", "/embed/posts/{id}"])
def test_the_widget_may_be_framed_by_the_towns_sites_and_the_board_itself(client, new_post, path):
    post = new_post()

    page = client.get(path.format(id=post.id))

    assert page.status_code == 200
    assert directive(page, "frame-ancestors") == (f"'self' {TOWN_SITE} https://*.landkreis.example")
    assert "X-Frame-Options" not in page.headers


def test_a_gone_post_in_the_widget_keeps_the_widgets_framing(client):
    page = client.get("/embed/posts/4711")

    assert page.status_code == 404
    assert directive(page, "frame-ancestors").startswith("'self' ")
    assert "X-Frame-Options" not in page.headers


def test_without_configured_sites_no_other_website_may_frame_the_widget(app, client):
    app.config["EMBED_ORIGINS"] = ()

    page = client.get("/embed")

    # Only the board's own webmaster page (its live preview) may show it.
    assert directive(page, "frame-ancestors") == "'self'"
    assert "X-Frame-Options" not in page.headers


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?kind=offer",
        "/posts/{id}",
        "/posts/new",
        "/login",
        "/embed/help",
        "/oembed?url=http://board.test/",
        "/gibt-es-nicht",
        "/embedded",
        "/static/embed.js",
    ],
)
def test_every_other_page_may_be_framed_by_no_one(client, new_post, path):
    post = new_post()

    page = client.get(path.format(id=post.id))

    assert directive(page, "frame-ancestors") == "'none'"
    assert page.headers["X-Frame-Options"] == "DENY"


def test_a_logged_in_visitor_still_gets_the_framing_rules(client, new_post, author):
    log_in_as(client, author)
    post = new_post()

    assert client.get(f"/posts/{post.id}").headers["X-Frame-Options"] == "DENY"
    assert "X-Frame-Options" not in client.get("/embed").headers


def test_the_widget_allows_no_inline_script_and_only_its_own_style(client):
    page = client.get("/embed?accent=ff8800")

    assert directive(page, "script-src") == "'self'"
    assert "unsafe" not in page.headers["Content-Security-Policy"]
    assert directive(page, "default-src") == "'self'"


def test_a_hashed_style_of_one_response_is_not_allowed_on_the_next(client):
    widget = client.get("/embed?accent=ff8800")
    board = client.get("/")

    extra = set(directive(widget, "style-src").split()) - set(directive(board, "style-src").split())
    assert len(extra) == 1
    assert not extra & set(directive(board, "style-src").split())


# ---------------------------------------------------------------- the configured origins


@pytest.mark.parametrize(
    "origins",
    [
        "https://a.de; script-src *",
        "https://a.de;",
        "https://a.de 'unsafe-inline'",
        "https://a.de\tdata:",
        'https://a.de"',
        "https://a.de/;frame-ancestors *",
        "https://a.de:443/pfad",
        "https://user@a.de",
        "ftp://a.de",
        "https://",
        "https://-a.de",
        "https://a.de\r\nSet-Cookie: x=1",
        "https://a.de?x=1",
        "https://a.de#x",
    ],
)
def test_an_origin_that_could_inject_policy_stops_the_start(instance, monkeypatch, origins):
    monkeypatch.setenv("BOARD_EMBED_ORIGINS", origins)

    with pytest.raises(RuntimeError, match="EMBED_ORIGINS"):
        create_app({"TESTING": True})


@pytest.mark.parametrize(
    "origins",
    [
        ["https://www.neumarkt.de", "https://a.de; script-src *"],
        ("https://www.neumarkt.de", "https://a.de https://b.de"),
        ["https://www.neumarkt.de", "'self'"],
    ],
)
def test_one_bad_origin_in_a_list_from_the_config_file_stops_the_start(instance, origins):
    (instance / "config.py").write_text(f"EMBED_ORIGINS = {origins!r}\n")

    with pytest.raises(RuntimeError, match="EMBED_ORIGINS"):
        create_app({"TESTING": True})


def test_origins_from_the_config_file_go_into_the_header_as_plain_origins(instance):
    (instance / "config.py").write_text(
        "EMBED_ORIGINS = ['HTTPS://WWW.Neumarkt.DE/', 'https://*.landkreis.example:8443']\n"
    )

    app = create_app({"TESTING": True})

    assert app.config["EMBED_ORIGINS"] == (
        "https://www.neumarkt.de",
        "https://*.landkreis.example:8443",
    )
