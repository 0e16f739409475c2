"""A news site's own page, on another origin, reads the board with fetch() in a real Chromium."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.api.conftest import (  # noqa: F401  (the API tests' town and its fixtures)
    categories,
    districts,
    new_post,
    poster,
    town,
)
from tests.e2e.conftest import TIMEOUT_MS


def _news_page(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [b"<!doctype html><html lang=de><title>Neumarkter Zeitung</title><p>Lokales</p>"]


@pytest.fixture
def news_site() -> Iterator[str]:
    """A second origin: the local newspaper's website, with no CSP of the board's."""
    server = make_server("127.0.0.1", 0, _news_page, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="news-site", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


READ_THE_BOARD = """async (api) => {
    const first = await fetch(api + "/api/v1/posts?limit=2");
    const page = await first.json();
    const etag = first.headers.get("ETag");
    // A header that is not CORS-safelisted: the browser sends a preflight first.
    const again = await fetch(api + "/api/v1/posts?limit=2",
        {headers: {"If-None-Match": etag}, cache: "no-store"});
    return {status: first.status, etag, titles: page.items.map(item => item.title),
            next: page.next, againStatus: again.status};
}"""


def test_a_news_sites_page_reads_the_board_across_origins(
    browser,
    live_server,
    news_site,
    town,  # noqa: F811  (the fixture imported above)
):
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(news_site)
        result = page.evaluate(READ_THE_BOARD, live_server)
    finally:
        context.close()

    assert result["status"] == 200
    assert result["titles"] == ["Kinderwagen zu verschenken", "Suche Nachhilfe in Mathe"]
    assert result["etag"]  # readable by the script: exposed through CORS
    assert result["next"].startswith(live_server + "/api/v1/posts?")
    assert result["againStatus"] == 304
