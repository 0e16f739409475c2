"""The widget on a town's website, in a real browser: the town's page (a second local origin)
carries the one-line snippet; the iframe appears there and takes its content's height. Messages
from anyone else do not resize it, and a site the town did not allow cannot show the board."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from board.extensions import db
from board.posts.models import PostKind
from tests import factories
from tests.e2e.conftest import PHONE, TIMEOUT_MS

DEFAULT_HEIGHT = 480  # what embed.js gives the iframe until the widget reports its height
MESSAGE = "schwarzes-brett:height"


@dataclass
class Site:
    """A static website on a port of its own: path → HTML, filled in by the test."""

    url: str = ""
    pages: dict[str, str] = field(default_factory=dict)


def _serve(host: str) -> Iterator[Site]:
    site = Site()

    @Request.application
    def app(request: Request) -> Response:
        if request.path not in site.pages:
            return Response("nicht hier", status=404)
        return Response(site.pages[request.path], mimetype="text/html")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    site.url = f"http://{host}:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name=f"site-{host}", daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def town_site() -> Iterator[Site]:
    """The town's own website, on another origin than the board (localhost, not 127.0.0.1)."""
    yield from _serve("localhost")


@pytest.fixture
def foreign_site() -> Iterator[Site]:
    """A site the town never allowed (same machine, another port: another origin)."""
    yield from _serve("127.0.0.1")


@pytest.fixture
def app_config(app_config: dict[str, Any], town_site: Site) -> dict[str, Any]:
    return {**app_config, "EMBED_ORIGINS": (town_site.url,)}


@pytest.fixture
def posts(app: Any) -> None:
    author = factories.user(password=None)
    for number in range(6):
        factories.post(title=f"Angebot Nummer {number}", kind=PostKind.OFFER, author=author)
    factories.post(title="Suche eine Leiter", kind=PostKind.REQUEST, author=author)
    db.session.commit()


@pytest.fixture
def browse(browser: Any) -> Iterator[Callable[[], Any]]:
    """Pages in a fresh phone-sized context, with JavaScript (the widget's resizing needs it)."""
    context = browser.new_context(viewport=PHONE, locale="de-DE")
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page
    context.close()


def town_page(board: str, *snippets: str) -> str:
    widgets = "\n".join(
        f'<div id="w{number}"><script src="{board}/static/embed.js" {attrs} async></script></div>'
        f'<p id="after{number}">Text nach dem Widget</p>'
        for number, attrs in enumerate(snippets, start=1)
    )
    return f"""<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Stadt Neumarkt</title></head>
<body><h1>Stadt Neumarkt</h1>
{widgets}
<script>
  // Counts the fake messages a test sends (height 3000), once the page has handled them.
  window.fakesSeen = 0;
  window.addEventListener("message", function (e) {{
    if (e.data && e.data.height === 3000) window.fakesSeen += 1;
  }});
</script>
</body></html>"""


def frame_height(page: Any, widget: str) -> float:
    return float(page.eval_on_selector(f"{widget} iframe", "f => f.getBoundingClientRect().height"))


def content_height(page: Any, widget: str) -> float:
    frame = page.query_selector(f"{widget} iframe").content_frame()
    return float(frame.evaluate("document.documentElement.getBoundingClientRect().height"))


def wait_until_sized(page: Any, widget: str) -> None:
    page.wait_for_function(
        "([w, start]) => { const f = document.querySelector(w + ' iframe');"
        " return f && f.getBoundingClientRect().height !== start; }",
        arg=[widget, DEFAULT_HEIGHT],
    )


def test_the_snippet_puts_the_widget_on_the_towns_page_at_its_contents_height(
    browse, live_server, town_site, posts
):
    town_site.pages["/"] = town_page(
        live_server,
        'data-kind="offer" data-limit="5" data-accent="0b6e4f" data-theme="dark"',
        'data-limit="1" data-title="Neuester Beitrag"',
    )
    page = browse()
    page.goto(town_site.url + "/")

    wait_until_sized(page, "#w1")
    wait_until_sized(page, "#w2")

    # Right where the script tag is, with a title for screen readers, lazily loaded.
    placed = page.eval_on_selector(
        "#w1 iframe",
        "f => [f.previousElementSibling.tagName, f.title, f.loading, f.getAttribute('style')]",
    )
    assert placed[0] == "SCRIPT"
    assert placed[1] == "Schwarzes Brett"
    assert placed[2] == "lazy"
    assert "width: 100%" in placed[3] and "border: 0" in placed[3]
    assert page.eval_on_selector("#w2 iframe", "f => f.title") == "Neuester Beitrag"

    first = page.query_selector("#w1 iframe").content_frame()
    assert first.locator("li.card").count() == 5
    assert "Suche eine Leiter" not in first.content()
    second = page.query_selector("#w2 iframe").content_frame()
    assert second.locator("li.card").count() == 1

    # Each iframe as tall as its own content: the long list grew, the short one shrank.
    for widget in ("#w1", "#w2"):
        assert abs(frame_height(page, widget) - content_height(page, widget)) <= 1, widget
    assert frame_height(page, "#w1") > DEFAULT_HEIGHT > frame_height(page, "#w2")


def test_messages_from_anyone_but_its_own_widget_do_not_resize_the_iframe(
    browse, live_server, town_site, foreign_site, posts
):
    town_site.pages["/"] = town_page(live_server, 'data-limit="3"', 'data-limit="1"').replace(
        "</body>", f'<iframe id="ad" src="{foreign_site.url}/ad" title="Werbung"></iframe></body>'
    )
    foreign_site.pages["/ad"] = "<!doctype html><title>Werbung</title><p>Werbung</p>"
    page = browse()
    page.goto(town_site.url + "/")
    wait_until_sized(page, "#w1")
    wait_until_sized(page, "#w2")
    sized = frame_height(page, "#w1")
    fake = {"type": MESSAGE, "height": 3000}

    # A foreign frame on the page, the town's page itself, and the other widget's frame.
    page.frame_locator("#ad").locator("p").evaluate(
        "(p, m) => window.parent.postMessage(m, '*')", fake
    )
    page.evaluate("m => window.postMessage(m, '*')", fake)
    page.wait_for_function("() => window.fakesSeen >= 2")
    other = page.query_selector("#w2 iframe").content_frame()
    other.evaluate("m => window.parent.postMessage(m, '*')", {**fake, "height": 700})
    page.wait_for_function("() => document.querySelector('#w2 iframe').style.height === '700px'")

    assert frame_height(page, "#w1") == sized
    assert abs(sized - content_height(page, "#w1")) <= 1

    # The widget's own iframe, navigated to another site: the right window, the wrong origin.
    foreign_site.pages["/shout"] = (
        "<!doctype html><title>x</title><script>"
        f"parent.postMessage({{type: '{MESSAGE}', height: 3000}}, '*');</script>"
    )
    page.eval_on_selector("#w1 iframe", "(f, url) => { f.src = url; }", foreign_site.url + "/shout")
    page.wait_for_function("() => window.fakesSeen >= 3")
    assert frame_height(page, "#w1") == sized


def test_a_site_the_town_did_not_allow_cannot_show_the_widget(
    browse, live_server, foreign_site, posts
):
    foreign_site.pages["/"] = town_page(live_server, 'data-limit="3"')
    page = browse()

    with page.expect_console_message(lambda m: "frame-ancestors" in m.text) as refusal:
        page.goto(foreign_site.url + "/")

    assert "blocked" in refusal.value.text
    frame = page.query_selector("#w1 iframe").content_frame()
    assert frame.url.startswith("chrome-error://")  # the browser's error page, not the board
    assert "Angebot Nummer" not in frame.content()
    assert frame_height(page, "#w1") == DEFAULT_HEIGHT
