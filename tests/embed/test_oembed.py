"""oEmbed: a town's TYPO3 or WordPress turns a pasted board or post link into the widget."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests.conftest import BASE_URL
from tests.embed.conftest import AUTHOR_EMAIL


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def oembed(client, url: str | None, **args: str):
    query = {"url": url, **args} if url is not None else args
    return client.get("/oembed", query_string=query)


def test_a_post_link_becomes_an_iframe_of_the_post(client, new_post):
    post = new_post(title="Kinderwagen zu verschenken")

    answer = oembed(client, f"{BASE_URL}/posts/{post.id}", format="json")

    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    data = answer.json
    assert data["version"] == "1.0"
    assert data["type"] == "rich"
    assert data["title"] == "Kinderwagen zu verschenken"
    assert data["provider_name"] == "Neumarkt i.d.OPf."
    assert data["provider_url"] == f"{BASE_URL}/"
    [(tag, attrs)] = tags(data["html"])
    assert tag == "iframe"
    assert attrs["src"] == f"{BASE_URL}/embed/posts/{post.id}"
    assert attrs["title"] == "Kinderwagen zu verschenken"
    assert (int(attrs["width"]), int(attrs["height"])) == (data["width"], data["height"])


def test_a_board_link_with_filters_becomes_an_iframe_of_the_widget(client, new_post, categories):
    answer = oembed(client, f"{BASE_URL}/?kind=offer&category=verleihen&page=3&x=1")

    data = answer.json
    [(_, attrs)] = tags(data["html"])
    assert attrs["src"] == f"{BASE_URL}/embed?kind=offer&category=verleihen"
    assert data["title"] == "Biete · Verleihen – Schwarzes Brett Neumarkt i.d.OPf."


def test_the_bare_board_address_works_with_and_without_a_slash(client):
    for url in (BASE_URL, BASE_URL + "/", "HTTP://BOARD.TEST/"):
        answer = oembed(client, url)
        assert answer.status_code == 200, url
        assert answer.json["title"] == "Schwarzes Brett Neumarkt i.d.OPf."


def test_the_size_respects_the_consumers_maximum(client, new_post):
    post = new_post()
    url = f"{BASE_URL}/posts/{post.id}"

    small = oembed(client, url, maxwidth="300", maxheight="200").json
    roomy = oembed(client, url, maxwidth="5000", maxheight="5000").json
    nonsense = oembed(client, url, maxwidth="-1", maxheight="viel").json

    assert (small["width"], small["height"]) == (300, 200)
    assert 'width="300" height="200"' in small["html"]
    assert roomy["width"] <= 5000 and roomy["height"] <= 5000
    assert (nonsense["width"], nonsense["height"]) == (roomy["width"], roomy["height"])


def test_markup_in_a_title_is_escaped_in_the_html(client, new_post):
    post = new_post(title='"><script>alert(1)</script>')

    data = oembed(client, f"{BASE_URL}/posts/{post.id}").json

    assert "<script>" not in data["html"]
    [(tag, attrs)] = tags(data["html"])
    assert tag == "iframe"
    assert attrs["title"] == '"><script>alert(1)</script>'
    assert data["title"] == '"><script>alert(1)</script>'  # JSON: the consumer escapes it


def test_nothing_private_is_told(client, new_post):
    post = new_post(title="Kinderwagen")

    body = oembed(client, f"{BASE_URL}/posts/{post.id}").text

    assert AUTHOR_EMAIL not in body
    assert post.manage_secret not in body
    assert "author" not in body


@pytest.mark.parametrize("status", [PostStatus.PENDING, PostStatus.HIDDEN, PostStatus.DRAFT])
def test_a_post_the_public_does_not_see_is_not_found(client, new_post, status):
    hidden = new_post(title="Geheim", status=status)
    expired = new_post(title="Abgelaufen", expires_at=utcnow() - timedelta(seconds=1))

    for post in (hidden, expired):
        answer = oembed(client, f"{BASE_URL}/posts/{post.id}")
        assert answer.status_code == 404
        assert "Geheim" not in answer.text and "Abgelaufen" not in answer.text


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/posts/1",
        "https://board.test.evil.example/",
        "https://evil.example/?u=http://board.test/",
        "http://user@board.test/",
        "javascript:alert(1)",
        "//board.test/",
        "/posts/1",
        "http://board.test/posts/99999",
        "http://board.test/posts/99999999999999",
        "http://board.test/posts/abc",
        "http://board.test/login",
        "http://board.test/embed",
        "http://[board.test/",
        "http://board.test/posts/1/../../admin",
        "http://board.test/%00",
        "http://board.test/posts/1%00",
    ],
)
def test_a_link_that_is_not_a_public_page_of_this_board_is_not_found(client, new_post, url):
    new_post()

    assert oembed(client, url).status_code == 404


def test_a_missing_url_is_a_bad_request(client):
    assert oembed(client, None).status_code == 400
    assert oembed(client, "  ").status_code == 400


@pytest.mark.parametrize("fmt", ["xml", "XML", "yaml"])
def test_only_json_is_offered(client, fmt):
    assert oembed(client, f"{BASE_URL}/", format=fmt).status_code == 501


def test_the_post_page_and_the_board_announce_their_oembed(client, new_post):
    post = new_post(title="Kinderwagen & Co")

    for path, title in ((f"/posts/{post.id}", "Kinderwagen &amp; Co"), ("/?kind=offer", None)):
        html = client.get(path).text
        link = re.search(r'<link rel="alternate" type="application/json\+oembed"[^>]*>', html)
        assert link, path
        href = re.search(r'href="([^"]+)"', link.group(0)).group(1).replace("&amp;", "&")
        if title:
            assert f'title="{title}"' in link.group(0)
        assert href.startswith(f"{BASE_URL}/oembed?")
        answer = client.get(href[len(BASE_URL) :])
        assert answer.status_code == 200, href


def test_a_post_that_is_not_public_announces_no_oembed(client, new_post, author):
    from tests.posts.conftest import log_in_as

    post = new_post(status=PostStatus.PENDING)
    log_in_as(client, author)

    page = client.get(f"/posts/{post.id}")

    assert page.status_code == 200
    assert "json+oembed" not in page.text
