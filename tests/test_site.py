"""What every page shares: language, security headers, error pages, redirects that stay local."""

from __future__ import annotations

import pytest

from board.security import safe_next
from tests.conftest import FOREIGN_REDIRECTS


def test_the_board_speaks_german_by_default(client):
    assert "Beitrag erstellen" in client.get("/").text


def test_a_visitor_can_switch_to_english_and_back(client):
    response = client.get("/language/en?next=/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    page = client.get("/").text
    assert 'lang="en"' in page
    assert "Create a post" in page
    client.get("/language/de?next=/")
    assert "Beitrag erstellen" in client.get("/").text


def test_an_english_browser_gets_english(client):
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert "Create a post" in page


def test_an_unknown_language_changes_nothing(client):
    client.get("/language/xx")
    assert "Beitrag erstellen" in client.get("/").text


@pytest.mark.parametrize("target", FOREIGN_REDIRECTS)
def test_redirect_targets_pointing_elsewhere_fall_back_to_the_board(client, target):
    assert safe_next(target) == "/"
    response = client.get("/language/de", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_a_local_redirect_target_is_kept():
    assert safe_next("/posts/3?x=1") == "/posts/3?x=1"


def test_pages_refuse_framing_and_inline_script(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_unknown_page_is_a_friendly_404(client):
    response = client.get("/posts/999999")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.text


def test_a_huge_body_is_refused_with_413_not_a_crash(client):
    response = client.post("/posts/new", data={"body": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Zu viel Text" in response.text


def test_a_post_without_csrf_token_is_refused(client):
    response = client.post("/logout")
    assert response.status_code == 400
    assert "Formular abgelaufen" in response.text


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"


@pytest.mark.parametrize("garbage", ["\x00", "fahr\x00rad", "\u202egnirts", "a\u200bb", "%00"])
def test_invisible_characters_in_a_search_never_break_the_board(client, garbage):
    response = client.get("/", query_string={"q": garbage})
    assert response.status_code == 200


def test_invalid_utf8_and_encoded_surrogates_in_the_query_never_break_the_board(client):
    response = client.get("/?q=%ED%B2%80%FF&page=%FF&kind=%00")
    assert response.status_code == 200


def test_invisible_characters_are_removed_from_what_visitors_send(app):
    from board.inputs import clean_text

    assert clean_text("Fahr\x00rad\u202e\u200b") == "Fahrrad"
    assert clean_text("Zeile 1\r\nZeile 2\tEnde") == "Zeile 1\r\nZeile 2\tEnde"
    assert clean_text("Fahrra\u0308der") == "Fahrräder"  # combining umlaut composed (NFC)
    assert clean_text("👩\u200d👩\u200d👧") == "👩\u200d👩\u200d👧"  # emoji joiners stay


def test_form_values_arrive_cleaned(app):
    with app.test_request_context("/x?q=a%00b", method="POST", data={"title": "Fahr\x00rad"}):
        from flask import request

        assert request.args["q"] == "ab"
        assert request.form["title"] == "Fahrrad"
