"""The webmaster's page: pick what to show, see it, copy one line."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import BASE_URL
from tests.embed.conftest import TOWN_SITE


def textarea(page: str, field_id: str) -> str:
    found = re.search(rf'<textarea id="{field_id}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, field_id
    return html.unescape(found.group(1))


def test_the_page_explains_embedding_and_gives_the_snippet(client):
    page = client.get("/embed/help")

    assert page.status_code == 200
    assert "Das Schwarze Brett auf Ihrer Website" in page.text
    assert textarea(page.text, "snippet") == (
        f'<script src="{BASE_URL}/static/embed.js" async></script>'
    )
    assert f'src="{BASE_URL}/embed"' in textarea(page.text, "iframe-snippet")


def test_the_chosen_filters_and_colours_go_into_the_snippet(client, categories):
    page = client.get(
        "/embed/help?kind=offer&category=verschenken&limit=5&accent=0B6E4F&theme=dark&lang=en"
    ).text

    assert textarea(page, "snippet") == (
        f'<script src="{BASE_URL}/static/embed.js" data-kind="offer" data-category="verschenken"'
        ' data-limit="5" data-accent="0b6e4f" data-theme="dark" data-lang="en" async></script>'
    )
    assert '<option value="verschenken" selected>' in page
    assert '<option value="dark" selected>' in page


def test_the_preview_is_the_widget_itself_with_and_without_javascript(client):
    page = client.get("/embed/help?kind=request&limit=3").text

    assert re.search(
        r'<script src="/static/embed.js" data-kind="request" data-limit="3"[^>]*async></script>',
        page,
    )
    assert '<noscript><iframe src="/embed?kind=request&amp;limit=3"' in page


def test_a_wrong_colour_is_pointed_out_and_left_out_of_the_snippet(client):
    page = client.get("/embed/help?accent=grün").text

    assert 'aria-invalid="true"' in page
    assert "data-accent" not in textarea(page, "snippet")


def test_text_typed_into_the_form_stays_text(client):
    page = client.get(
        "/embed/help", query_string={"q": '"><script>alert(1)</script>', "accent": '"><b>'}
    ).text

    assert "<script>alert" not in page
    assert "<b>" not in page


def test_the_allowed_sites_and_the_feeds_are_shown(client):
    page = client.get("/embed/help?kind=offer").text

    assert TOWN_SITE in page
    assert f"{BASE_URL}/feeds/posts.atom?kind=offer" in page
    assert f"{BASE_URL}/feeds/events.ics" in page
    assert f"{BASE_URL}/oembed" in page


def test_without_allowed_sites_the_page_says_who_to_ask(app, client):
    app.config["EMBED_ORIGINS"] = ()

    assert "noch keine Website eingetragen" in client.get("/embed/help").text


@pytest.mark.parametrize("query", ["limit=-3", "limit=abc&theme=x&lang=xx", "page=99999999999"])
def test_nonsense_in_the_form_gives_defaults_not_errors(client, query):
    assert client.get(f"/embed/help?{query}").status_code == 200
