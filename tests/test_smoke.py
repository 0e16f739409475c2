"""The board starts and answers: the first things a town checks after deploying it."""

from __future__ import annotations

import importlib
import os
import sys

import pytest

from board.extensions import db
from tests import factories


def test_board_shows_a_published_post(app, client):
    factories.post(title="Kinderwagen zu verschenken")
    db.session.commit()

    page = client.get("/")

    assert page.status_code == 200
    assert "Kinderwagen zu verschenken" in page.text


def test_healthz_answers_ok(client):
    assert client.get("/healthz").json["status"] == "ok"


def test_pages_carry_the_security_headers(client):
    page = client.get("/")

    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_the_demo_mail_viewer_is_not_there_in_production(client):
    assert client.get("/_mail").status_code == 404


@pytest.fixture
def production_environment(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("BOARD_") or name == "FLASK_DEBUG":
            monkeypatch.delenv(name)
    config = tmp_path / "config.py"
    config.write_text("")
    monkeypatch.setenv("BOARD_CONFIG", str(config))
    monkeypatch.setenv("BOARD_DATABASE_URL", f"sqlite:///{tmp_path / 'board.sqlite3'}")
    monkeypatch.delitem(sys.modules, "wsgi", raising=False)


def test_gunicorns_entry_point_builds_the_app_from_the_environment(
    production_environment, monkeypatch
):
    monkeypatch.setenv("BOARD_SECRET_KEY", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd1")

    wsgi = importlib.import_module("wsgi")

    assert not wsgi.app.debug
    assert wsgi.app.config["SECRET_KEY"].startswith("9f86d08")
    with wsgi.app.app_context():
        db.create_all()
    assert wsgi.app.test_client().get("/healthz").json["status"] == "ok"
    with wsgi.app.app_context():
        db.engine.dispose()


def test_gunicorns_entry_point_refuses_to_start_without_a_secret_key(production_environment):
    with pytest.raises(RuntimeError, match="BOARD_SECRET_KEY"):
        importlib.import_module("wsgi")
