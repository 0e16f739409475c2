"""End-to-end fixtures: the board served on a real port, and Debian's Chromium driven by Playwright.

One browser per test session (starting Chromium is the slow part); every test gets a fresh
context (no cookies), sized like a phone, speaking German. JavaScript is off in the phone
context, because the board must work without it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, got_request_exception
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark everything under tests/e2e, so `-m "not e2e"` skips the browser tests."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"end-to-end tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class _ClosedOnce:
    """A response body whose close() runs once, however often the server calls it."""

    def __init__(self, body: Iterable[bytes]) -> None:
        self.body = body
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if hasattr(self.body, "close"):
                self.body.close()


_BODY = "tests.e2e.response_body"


def _closable(app: Flask) -> Any:
    """The app, keeping each response body in its environ for the handler to close."""

    def serve(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = environ[_BODY] = _ClosedOnce(app(environ, start_response))
        return body

    return serve


class _ClosingRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler, but every response is closed, even when the browser resets.

    Werkzeug reads what is left on the socket before it closes the response, and a reset there
    (Chromium resets now and then right after a 303) skips the close, silently: the response's
    close callbacks, the board's mail delivery after the response, never ran. PEP 3333 (and
    gunicorn) close a response whatever happens to the connection.
    """

    def run_wsgi(self) -> None:
        try:
            super().run_wsgi()
        finally:
            body = self.environ.pop(_BODY, None) if hasattr(self, "environ") else None
            if body is not None:
                body.close()


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """The app on a free loopback port in a background thread; yields its address."""
    server: BaseWSGIServer = make_server(
        "127.0.0.1", 0, _closable(app), threaded=True, request_handler=_ClosingRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served on a real port (see served); mailed links point at it.

    A request that crashes fails the test, even when the page the browser shows looks fine.
    """
    crashes: list[BaseException] = []

    def record(sender: Flask, exception: BaseException, **extra: Any) -> None:
        crashes.append(exception)

    got_request_exception.connect(record, app)
    with served(app) as url:
        app.config["BASE_URL"] = url
        yield url
    got_request_exception.disconnect(record, app)
    if crashes:
        pytest.fail(f"the server crashed while serving the test: {crashes!r}")


def _context(browser: Any, live_server: str, **options: Any) -> Any:
    context = browser.new_context(
        base_url=live_server,
        locale="de-DE",
        extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"},
        **options,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def phone(browser: Any, live_server: str) -> Iterator[Any]:
    """A page in a fresh phone-sized context without JavaScript (an old or locked-down phone)."""
    context = _context(
        browser,
        live_server,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
    )
    yield context.new_page()
    context.close()


def scroll_width(browser: Any, live_server: str, paths: list[str]) -> dict[str, int]:
    """How wide each page lays out at phone width (measuring needs JavaScript: its own context)."""
    context = _context(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        widths = {}
        for path in paths:
            page.goto(path)
            widths[path] = int(page.evaluate("document.scrollingElement.scrollWidth"))
        return widths
    finally:
        context.close()
