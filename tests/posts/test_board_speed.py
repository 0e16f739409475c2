"""The board page asks the database a fixed number of questions, however many posts it shows.

Timings belong to bench/ (see bench/RESULTS.md); here we count SQL statements, which is exact.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from board.extensions import db
from board.organisations.models import OrganisationKind
from board.posts.models import PostKind
from board.timeutil import utcnow
from tests import factories
from tests.posts.conftest import log_in_as


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    """The SQL statements (not BEGIN/COMMIT) the app sends to the database meanwhile."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().split(None, 1)[0].upper() in {"SELECT", "INSERT", "UPDATE", "DELETE"}:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


@pytest.fixture
def town(app, poster, categories, districts):
    """Posts that differ in everything a card shows: kind, category, district, organisation."""
    organisations = [
        factories.organisation("Obst- und Gartenbauverein", verified=True),
        factories.organisation("Stadt Neumarkt", kind=OrganisationKind.ADMINISTRATION),
        factories.organisation("Lauftreff", verified=False),
        None,
    ]
    variety = itertools.product(
        list(PostKind), categories.values(), [*districts.values(), None], organisations
    )
    numbers = itertools.count(1)

    def add_posts(count: int) -> None:
        now = utcnow()
        for kind, category, district, organisation in itertools.islice(variety, count):
            number = next(numbers)
            factories.post(
                title=f"Beitrag {number:03d}",
                kind=kind,
                author=poster,
                category=category,
                district=district,
                organisation=organisation,
                published_at=now - timedelta(minutes=number),
                event_start_at=now + timedelta(days=3) if kind is PostKind.EVENT else None,
            )
        db.session.commit()

    return add_posts


def statements_for(client, url: str) -> int:
    with counted_statements() as seen:
        page = client.get(url)
    assert page.status_code == 200
    return len(seen)


BOARD_URLS = [
    "/",
    "/?page=2",
    "/?kind=event",
    "/?category=verleihen",
    "/?district=woffenbach",
    "/?q=beitrag",
    "/?kind=offer&category=verschenken&district=poelling&q=beitrag",
]


@pytest.mark.parametrize("url", BOARD_URLS)
def test_the_board_needs_the_same_few_queries_for_five_posts_as_for_fifty(app, client, town, url):
    app.config["POSTS_PER_PAGE"] = 20
    app.config["PAGE_CACHE_SECONDS"] = 0  # every request renders: count the real work

    town(5)
    few = statements_for(client, url)
    town(45)
    many = statements_for(client, url)

    assert many == few
    # version, categories, districts, the posts (and on later pages: their first expiry)
    assert few <= 5


def test_a_logged_in_resident_costs_one_query_more_not_one_per_post(app, client, poster, town):
    app.config["POSTS_PER_PAGE"] = 50
    log_in_as(client, poster)

    town(5)
    few = statements_for(client, "/")
    town(45)
    many = statements_for(client, "/")

    assert "Beitrag 050" in client.get("/").text
    assert many == few <= 5


def test_a_repeated_anonymous_visit_costs_one_query(app, client, town):
    town(50)
    assert "Beitrag 001" in client.get("/").text

    with counted_statements() as seen:
        again = client.get("/")

    assert "Beitrag 001" in again.text
    assert len(seen) == 1  # the board version: has anything changed?


def test_the_board_query_reads_the_board_index_backwards_instead_of_sorting_every_post(
    app, client, town
):
    """SQLite uses a partial index only when it can see the query's statuses are the index's:
    as literals, not bound parameters. Otherwise it sorts the whole board for every page."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans with the real values either way; bench/ measures it")
    town(30)
    sent: list[tuple[str, object]] = []

    def note(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "LEFT OUTER JOIN category" in statement:
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        client.get("/")
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    ((board_query, parameters),) = sent
    with db.engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + board_query, parameters).all()
    details = " ".join(str(row[-1]) for row in plan)
    assert "ix_post_on_board" in details
    assert "TEMP B-TREE" not in details
