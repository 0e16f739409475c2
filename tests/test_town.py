"""A town sets its categories and districts in its configuration; sync-town puts them up."""

from __future__ import annotations

from sqlalchemy import select

from board.extensions import db
from board.posts.models import Category, District
from tests import factories


def categories_on_the_board() -> list[tuple[str, str, str]]:
    rows = db.session.scalars(select(Category).order_by(Category.position))
    return [(c.slug, c.name_de, c.name_en) for c in rows]


def test_sync_town_writes_the_configured_categories_and_districts(app, runner, client):
    app.config["CATEGORIES"] = [
        ("fundsachen", "Fundsachen", "Lost and found"),
        ("mitfahren", "Mitfahren", "Lifts"),
    ]
    app.config["DISTRICTS"] = [("woffenbach", "Woffenbach"), ("poelling", "Pölling")]

    result = runner.invoke(args=["sync-town"])

    assert result.exit_code == 0, result.output
    assert "2 categories, 2 districts" in result.output
    assert categories_on_the_board() == [
        ("fundsachen", "Fundsachen", "Lost and found"),
        ("mitfahren", "Mitfahren", "Lifts"),
    ]
    board = client.get("/").text
    assert "Fundsachen" in board and "Pölling" in board


def test_running_it_again_adds_nothing_and_follows_renames_and_order(app, runner):
    app.config["CATEGORIES"] = [("a", "Alpha", "Alpha"), ("b", "Beta", "Beta")]
    runner.invoke(args=["sync-town"])
    app.config["CATEGORIES"] = [("b", "Beta neu", "Beta new"), ("a", "Alpha", "Alpha")]

    runner.invoke(args=["sync-town"])

    assert categories_on_the_board() == [("b", "Beta neu", "Beta new"), ("a", "Alpha", "Alpha")]


def test_a_category_left_out_of_the_configuration_stays_for_its_posts(app, runner):
    post = factories.post(category=factories.category("alt", "Alt", "Old"))
    db.session.commit()
    app.config["CATEGORIES"] = [("neu", "Neu", "New")]

    result = runner.invoke(args=["sync-town"])

    assert result.exit_code == 0
    assert db.session.get(Category, post.category_id).slug == "alt"


def test_a_malformed_entry_is_refused_with_a_message_and_changes_nothing(app, runner):
    for bad in ([("Mit Leerzeichen", "X", "X")], [("ok", "Nur deutsch")], [("a", "A", "A")] * 2):
        app.config["CATEGORIES"] = bad
        result = runner.invoke(args=["sync-town"])
        assert result.exit_code == 1
        assert "CATEGORIES" in result.output
        assert "Traceback" not in result.output
    assert db.session.scalars(select(District)).all() == []
    assert categories_on_the_board() == []
