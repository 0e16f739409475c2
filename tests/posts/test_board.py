"""The board page: what a resident sees first — current posts, filters, search and pages."""

from __future__ import annotations

from datetime import timedelta

from board.posts.models import PostKind
from board.posts.status import PostStatus
from board.timeutil import utcnow


def titles_in_order(html: str, *titles: str) -> bool:
    positions = [html.index(title) for title in titles]
    return positions == sorted(positions)


def test_the_newest_post_comes_first(client, new_post):
    now = utcnow()
    new_post(title="Gartenstühle abzugeben", published_at=now - timedelta(days=3))
    new_post(title="Suche Nachhilfe in Mathe", published_at=now - timedelta(minutes=5))
    new_post(title="Rasenmäher zu verleihen", published_at=now - timedelta(hours=6))

    page = client.get("/")

    assert page.status_code == 200
    assert titles_in_order(
        page.text, "Suche Nachhilfe in Mathe", "Rasenmäher zu verleihen", "Gartenstühle abzugeben"
    )


def test_filtering_by_kind_shows_only_that_kind(client, new_post):
    new_post(title="Biete Kinderwagen", kind=PostKind.OFFER)
    new_post(title="Suche Babybett", kind=PostKind.REQUEST)

    page = client.get("/?kind=request")

    assert "Suche Babybett" in page.text
    assert "Biete Kinderwagen" not in page.text


def test_filtering_by_category_uses_its_slug(client, new_post, categories):
    new_post(title="Bohrmaschine", category=categories["verleihen"])
    new_post(title="Bücherkiste", category=categories["verschenken"])

    page = client.get("/?category=verleihen")

    assert "Bohrmaschine" in page.text
    assert "Bücherkiste" not in page.text


def test_filtering_by_district_shows_that_part_of_town(client, new_post, districts):
    new_post(title="Hilfe beim Einkaufen", district=districts["pölling"])
    new_post(title="Gießkanne", district=districts["woffenbach"])
    new_post(title="Ohne Ortsteil")

    page = client.get("/?district=poelling")

    assert "Hilfe beim Einkaufen" in page.text
    assert "Gießkanne" not in page.text
    assert "Ohne Ortsteil" not in page.text


def test_filters_combine(client, new_post, categories, districts):
    new_post(
        title="Passt",
        kind=PostKind.OFFER,
        district=districts["woffenbach"],
        category=categories["verleihen"],
    )
    new_post(
        title="Falsche Art",
        kind=PostKind.REQUEST,
        district=districts["woffenbach"],
        category=categories["verleihen"],
    )
    new_post(
        title="Falscher Ort",
        kind=PostKind.OFFER,
        district=districts["pölling"],
        category=categories["verleihen"],
    )

    page = client.get("/?kind=offer&category=verleihen&district=woffenbach")

    assert "Passt" in page.text
    assert "Falsche Art" not in page.text
    assert "Falscher Ort" not in page.text


SEARCHES = [
    ("fahrrad", "Zwei Fahrräder abzugeben"),
    ("FAHRRÄDER", "Zwei Fahrräder abzugeben"),
    ("fahrraeder", "Zwei Fahrräder abzugeben"),
    ("strasse", "Flohmarkt in der Straße"),
    ("Straße", "Flohmarkt in der Strasse"),
    ("poelling", "Fahrdienst nach Pölling"),
    ("café", "Treffen im Cafe"),
]


def test_search_ignores_case_umlauts_and_sharp_s(client, new_post):
    for _, title in SEARCHES:
        new_post(title=title)
    new_post(title="Etwas ganz anderes")

    for query, title in SEARCHES:
        page = client.get("/", query_string={"q": query})
        assert title in page.text, query
        assert "Etwas ganz anderes" not in page.text, query


def test_search_looks_into_the_text_and_needs_every_word(client, new_post):
    new_post(title="Kinderrad", body="Blau, mit Stützrädern.")
    new_post(title="Damenrad", body="Rot, drei Gänge.")

    assert "Kinderrad" in client.get("/?q=blau").text
    page = client.get("/?q=rad+rot")
    assert "Damenrad" in page.text
    assert "Kinderrad" not in page.text


def test_the_board_comes_in_pages(app, client, new_post):
    app.config["POSTS_PER_PAGE"] = 3
    now = utcnow()
    for number in range(1, 8):
        new_post(title=f"Beitrag Nummer {number:02d}", published_at=now - timedelta(hours=number))

    first = client.get("/")
    second = client.get("/?page=2")
    last = client.get("/?page=3")

    assert "Beitrag Nummer 01" in first.text and "Beitrag Nummer 03" in first.text
    assert "Beitrag Nummer 04" not in first.text
    assert 'rel="next" href="/?page=2"' in first.text
    assert "Beitrag Nummer 04" in second.text and "Beitrag Nummer 06" in second.text
    assert 'rel="prev"' in second.text
    assert "Beitrag Nummer 07" in last.text
    assert 'rel="next"' not in last.text


def test_pages_keep_the_filter(app, client, new_post):
    app.config["POSTS_PER_PAGE"] = 1
    new_post(title="Fahrrad eins")
    new_post(title="Fahrrad zwei")

    page = client.get("/?q=fahrrad&kind=offer")

    assert 'href="/?kind=offer&amp;q=fahrrad&amp;page=2"' in page.text


GARBAGE_QUERIES = [
    "page=-1",
    "page=abc",
    "page=0",
    "page=1.5",
    "page=99999999999999999999",
    "kind=unknown",
    "kind=offer&kind=request",
    "category=nope",
    "district=nirgendwo",
    "category=%00",
    "district=%00",
    "q=%00",
    "q=%ED%A0%80",
    "q=%25%25%5F%5C",
    "q=" + "x" * 5000,
    "kind=%E2%80%AEreffo",
    "q=<script>alert(1)</script>",
]


def test_garbage_in_the_query_string_still_shows_the_board(client, new_post):
    new_post(title="Kinderwagen zu verschenken")

    for query in GARBAGE_QUERIES:
        page = client.get("/?" + query)
        assert page.status_code == 200, query
        assert "<script>alert(1)</script>" not in page.text


def test_unknown_filter_values_are_ignored_not_errors(client, new_post):
    new_post(title="Kinderwagen zu verschenken")

    for query in ("page=-1", "page=abc", "kind=unknown", "category=nope"):
        assert "Kinderwagen zu verschenken" in client.get("/?" + query).text


def test_an_expired_post_disappears_at_once_without_any_job(client, new_post):
    """Still "published" in the database, because no job has run: invisible all the same."""
    gone = new_post(title="Gestern abgelaufen", expires_at=utcnow() - timedelta(seconds=1))
    new_post(title="Noch aktuell")

    assert gone.status is PostStatus.PUBLISHED
    page = client.get("/")
    assert "Noch aktuell" in page.text
    assert "Gestern abgelaufen" not in page.text
    assert "Gestern abgelaufen" not in client.get("/?q=gestern").text
    assert client.get(f"/posts/{gone.id}").status_code == 404


def test_only_published_posts_are_on_the_board(client, new_post):
    new_post(title="Öffentlich")
    hidden = {
        status: new_post(title=f"Nicht öffentlich {status.value}", status=status)
        for status in PostStatus
        if status is not PostStatus.PUBLISHED
    }

    board = client.get("/").text
    search = client.get("/?q=oeffentlich").text
    assert "Öffentlich" in search
    for status, post in hidden.items():
        assert post.title not in board, status
        assert post.title not in search, status
        assert client.get(f"/posts/{post.id}").status_code == 404, status


def test_an_empty_board_invites_the_first_post(client, categories):
    page = client.get("/")

    assert "Das Brett ist noch leer" in page.text
    assert 'href="/posts/new"' in page.text


def test_a_search_without_results_says_so_and_offers_a_way_back(client, new_post):
    new_post(title="Kinderwagen")

    page = client.get("/?q=traktor")

    assert "Nichts gefunden für „traktor“" in page.text
    assert "Alle Beiträge zeigen" in page.text


def test_a_filter_without_results_offers_all_posts(client, new_post):
    new_post(title="Kinderwagen", kind=PostKind.OFFER)

    page = client.get("/?kind=event")

    assert "Hier ist gerade nichts" in page.text
    assert "Alle Beiträge zeigen" in page.text


def test_markup_in_a_title_is_shown_as_text_on_the_board(client, new_post):
    new_post(title='<img src=x onerror="alert(1)"> Stühle')

    page = client.get("/")

    assert "<img src=x" not in page.text
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; Stühle" in page.text
