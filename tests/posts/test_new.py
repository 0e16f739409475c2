"""Writing a post from a phone: the short form, what the board sets itself, and every bad input."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from board.extensions import db
from board.posts.models import Post, PostKind, PostSource
from board.posts.status import PostStatus
from board.sanitize import _clean, render_text
from board.timeutil import BERLIN, utcnow
from tests import factories
from tests.posts.conftest import expired_csrf_token, log_in_as, offer


def post_count() -> int:
    return db.session.scalar(select(func.count(Post.id))) or 0


def only_post() -> Post:
    return db.session.scalars(select(Post)).one()


def about(moment: datetime, expected: datetime, slack: timedelta = timedelta(minutes=1)) -> bool:
    return abs(moment - expected) < slack


def berlin(text: str) -> datetime:
    """A Berlin wall time as the form sends it ("2027-06-01T18:00"), in UTC."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M").replace(tzinfo=BERLIN).astimezone(UTC)


def local_input(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def resident(app):
    user = factories.user(email="rita.resident@example.org", password=None)
    db.session.commit()
    return user


@pytest.fixture
def logged_in(client, resident):
    log_in_as(client, resident)
    return client


# ---------------------------------------------------------------- the happy path


def test_a_resident_posts_an_offer_and_it_is_on_the_board_at_once(logged_in, resident, categories):
    answer = logged_in.submit("/posts/new", offer(categories["verschenken"]))

    assert answer.status_code == 303
    post = only_post()
    assert answer.location == f"/posts/{post.id}"
    page = logged_in.get(answer.location)
    assert "Ihr Beitrag ist jetzt auf dem Brett." in page.text
    assert "Kinderfahrrad zu verschenken" in page.text
    assert "Kinderfahrrad zu verschenken" in logged_in.get("/").text
    assert post.status is PostStatus.PUBLISHED
    assert post.source is PostSource.WEB
    assert post.author_id == resident.id
    assert about(post.published_at, utcnow())


def test_the_form_is_short_and_asks_a_guest_for_an_address(client, categories, districts):
    page = client.get("/posts/new")

    assert page.status_code == 200
    for kind in ("Biete", "Suche", "Veranstaltung", "Info"):
        assert re.search(
            rf'type="radio" value="\w+"> <label for="kind-\d">{kind}</label>', page.text
        )
    assert "Verleihen" in page.text and "Pölling" in page.text
    assert page.text.count('type="datetime-local"') == 2
    assert 'type="email"' in page.text
    assert 'name="submission_key" type="hidden"' in page.text


def test_a_logged_in_resident_is_not_asked_for_an_address(logged_in, categories):
    assert 'type="email"' not in logged_in.get("/posts/new").text


@pytest.mark.parametrize("kind", ["offer", "request", "notice"])
def test_a_post_stays_for_its_kinds_lifetime(app, logged_in, categories, kind):
    logged_in.submit("/posts/new", offer(categories["verschenken"], kind=kind))

    days = app.config["LIFETIME_DAYS"][kind]
    assert about(only_post().expires_at, utcnow() + timedelta(days=days))


def test_an_event_is_entered_in_berlin_time_and_ends_on_the_board_when_it_ends(
    logged_in, categories
):
    day = (utcnow() + timedelta(days=40)).astimezone(BERLIN).date()
    start, end = f"{day}T19:30", f"{day}T22:00"

    logged_in.submit(
        "/posts/new",
        offer(
            categories["veranstaltungen"],
            kind="event",
            title="Sommerfest",
            event_start=start,
            event_end=end,
        ),
    )

    post = only_post()
    assert post.kind is PostKind.EVENT
    assert post.event_start_at == berlin(start)
    assert post.event_end_at == berlin(end)
    assert post.expires_at == berlin(end)
    assert "19:30" in logged_in.get(f"/posts/{post.id}").text


def test_an_event_without_an_end_stays_a_day_after_it_starts(logged_in, categories):
    start = local_input(utcnow() + timedelta(days=3))

    logged_in.submit(
        "/posts/new", offer(categories["veranstaltungen"], kind="event", event_start=start)
    )

    post = only_post()
    assert post.event_end_at is None
    assert post.expires_at == berlin(start) + timedelta(days=1)


def test_event_times_sent_with_an_offer_are_dropped(logged_in, categories):
    start = local_input(utcnow() + timedelta(days=3))

    logged_in.submit("/posts/new", offer(categories["verschenken"], event_start=start))

    post = only_post()
    assert post.event_start_at is None
    assert post.kind is PostKind.OFFER


def test_status_author_and_expiry_cannot_be_set_through_the_form(logged_in, resident, categories):
    someone_else = factories.user(email="someone@example.org", password=None)
    db.session.commit()

    logged_in.submit(
        "/posts/new",
        offer(
            categories["verschenken"],
            status="removed",
            author_id=str(someone_else.id),
            expires_at="2099-01-01T00:00",
            published_at="2000-01-01T00:00",
            renew_count="-5",
            contact_count="1000",
            source="import",
            manage_secret="chosen",
        ),
    )

    post = only_post()
    assert post.status is PostStatus.PUBLISHED
    assert post.author_id == resident.id
    assert post.expires_at < utcnow() + timedelta(days=31)
    assert about(post.published_at, utcnow())
    assert (post.renew_count, post.contact_count) == (0, 0)
    assert post.source is PostSource.WEB
    assert post.manage_secret != "chosen"


# ---------------------------------------------------------------- once, however often it is sent


def test_a_double_tap_or_a_resubmit_makes_exactly_one_post(logged_in, categories):
    page = logged_in.get("/posts/new").text
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', page).group(1)
    form = offer(categories["verschenken"], submission_key=key)

    first = logged_in.submit("/posts/new", form)
    second = logged_in.submit("/posts/new", form)
    third = logged_in.submit("/posts/new", form)

    assert post_count() == 1
    assert first.status_code == second.status_code == third.status_code == 303
    assert first.location == second.location == third.location


def test_two_forms_make_two_posts(logged_in, categories):
    logged_in.submit("/posts/new", offer(categories["verschenken"]))
    logged_in.submit("/posts/new", offer(categories["verschenken"], title="Noch ein Fahrrad"))

    assert post_count() == 2


def test_a_made_up_submission_key_still_posts(logged_in, categories):
    answer = logged_in.submit(
        "/posts/new", offer(categories["verschenken"], submission_key="<script>")
    )

    assert answer.status_code == 303
    assert re.fullmatch(r"[A-Za-z0-9_-]{20,64}", only_post().submission_key)


# ---------------------------------------------------------------- bad input


MISTAKES = [
    ({"title": ""}, "Bitte geben Sie eine Überschrift ein."),
    ({"title": "   "}, "Bitte geben Sie eine Überschrift ein."),
    ({"body": ""}, "Bitte beschreiben Sie kurz, worum es geht."),
    ({"kind": ""}, "Bitte wählen Sie die Art des Beitrags."),
    ({"kind": "advert"}, "Bitte wählen Sie die Art des Beitrags."),
    ({"category": ""}, "Bitte wählen Sie eine Kategorie."),
    ({"category": "999"}, "Bitte wählen Sie einen der angebotenen Einträge."),
    ({"category": "abc"}, "Bitte wählen Sie einen der angebotenen Einträge."),
    ({"district": "999"}, "Bitte wählen Sie einen der angebotenen Einträge."),
    ({"title": "x" * 121}, "Bitte kürzen Sie auf höchstens 120 Zeichen (jetzt 121)."),
    ({"body": "x" * 5001}, "Bitte kürzen Sie auf höchstens 5000 Zeichen (jetzt 5001)."),
]


def test_a_mistake_brings_the_form_back_with_the_text_and_saves_nothing(logged_in, categories):
    for changes, message in MISTAKES:
        form = offer(categories["verschenken"], **changes)

        answer = logged_in.submit("/posts/new", form)

        assert answer.status_code == 422, changes
        assert "Bitte prüfen Sie Ihre Angaben" in answer.text
        assert message in answer.text, changes
        assert form["body"] in answer.text, changes
        if form["title"].strip():
            assert f'value="{form["title"]}"' in answer.text, changes
    assert post_count() == 0


def test_the_length_limits_are_the_towns_configuration(app, logged_in, categories):
    app.config["TITLE_MAX_LENGTH"] = 20
    app.config["BODY_MAX_LENGTH"] = 30

    answer = logged_in.submit(
        "/posts/new", offer(categories["verschenken"], title="x" * 21, body="y" * 31)
    )

    assert "höchstens 20 Zeichen (jetzt 21)" in answer.text
    assert "höchstens 30 Zeichen (jetzt 31)" in answer.text
    assert "höchstens 20 Zeichen)" in logged_in.get("/posts/new").text  # the hint says so, too


def test_markup_and_script_links_are_shown_as_text(logged_in, categories):
    title = '<script>alert("t")</script> Sofa'
    body = (
        "<img src=x onerror=alert(1)>\n"
        '<a href="javascript:alert(2)">klick</a> JaVaScRiPt&#58;alert(3) '
        "data:text/html,<script>alert(4)</script>\n"
        "Fotos: https://example.org/sofa"
    )

    answer = logged_in.submit(
        "/posts/new", offer(categories["verschenken"], title=title, body=body)
    )
    page = logged_in.get(answer.location).text
    board = logged_in.get("/").text

    for html in (page, board):
        assert "<script>" not in html
        assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; Sofa" in html
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert not re.search(r'href="\s*(javascript|data):', page, re.IGNORECASE)
    assert '<a href="https://example.org/sofa" rel="nofollow ugc noopener">' in page


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<svg><style><img src=x onerror=alert(1)></style></svg>",
        "<p>unclosed <b>tags <i>everywhere",
        "<!--<img src=x onerror=alert(1)>-->",
        '<a href="https://ok.example/">x</a><a href=javascript:alert(1)>y</a>',
        "https://example.org/?q=<script>&x=1 und www.example.org",
        'https://example.org/"onmouseover="alert(1)',
    ],
)
def test_sanitising_twice_changes_nothing(text):
    once = str(render_text(text))

    assert _clean(once) == once
    assert "<script" not in once
    assert not re.search(r"<[^>]*\son\w+=", once)  # no tag carries an event handler
    assert not re.search(r'href="(?!https?://)', once)


INVISIBLE = [
    ("title", "Fahr\x00rad"),
    ("body", "Text mit \x00 NUL"),
    ("title", "Rad \u202egnp.exe"),
    ("body", "Null\u200bbreite\ufeff Zeichen"),
    ("title", "Steuer\x07zeichen"),
]


def test_invisible_and_control_characters_never_cause_an_error(logged_in, categories):
    for number, (field, value) in enumerate(INVISIBLE):
        changes = {"title": f"Beitrag {number}", field: value}

        answer = logged_in.submit("/posts/new", offer(categories["verschenken"], **changes))

        assert answer.status_code in (303, 422), value
    for post in db.session.scalars(select(Post)):
        stored = post.title + post.body
        assert not any(ch in stored for ch in "\x00\x07\u202e\u200b\ufeff"), stored


def test_a_lone_surrogate_in_the_raw_request_never_causes_an_error(logged_in, categories):
    token = logged_in.csrf_token("/posts/new")
    raw = (
        f"csrf_token={quote(token)}&kind=offer&category={categories['verschenken'].id}"
        "&title=Rad%ED%A0%80&body=Text%ED%B0%80%00"
    )

    answer = logged_in.post(
        "/posts/new", data=raw, content_type="application/x-www-form-urlencoded"
    )

    assert answer.status_code in (303, 400, 422)
    for post in db.session.scalars(select(Post)):  # kept as the escapes that were sent
        assert not any(0xD800 <= ord(ch) <= 0xDFFF or ch == "\x00" for ch in post.title + post.body)


def test_a_two_megabyte_body_is_refused_with_413(logged_in, categories):
    answer = logged_in.submit(
        "/posts/new", offer(categories["verschenken"], body="x" * (2 * 1024 * 1024))
    )

    assert answer.status_code == 413
    assert "Zu viel Text" in answer.text
    assert post_count() == 0


def test_thousands_of_form_fields_are_refused(logged_in, categories):
    form = offer(categories["verschenken"], **{f"f{number}": "x" for number in range(2000)})
    form["csrf_token"] = logged_in.csrf_token("/posts/new")

    answer = logged_in.post("/posts/new", data=form, content_type="multipart/form-data")

    assert answer.status_code == 413
    assert post_count() == 0


def test_a_form_left_open_too_long_comes_back_with_the_text(app, logged_in, categories):
    old_token = expired_csrf_token(app, logged_in, "/posts/new")
    form = offer(categories["verschenken"], body="Lange getippt, aber nicht verloren.")

    answer = logged_in.post("/posts/new", data={**form, "csrf_token": old_token})

    assert answer.status_code == 422
    assert "Das Formular war zu lange geöffnet" in answer.text
    assert "Lange getippt, aber nicht verloren." in answer.text
    assert post_count() == 0
    fresh = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', answer.text).group(1)
    assert logged_in.post("/posts/new", data={**form, "csrf_token": fresh}).status_code == 303


def test_a_missing_or_forged_csrf_token_is_refused_and_saves_nothing(logged_in, categories):
    for token in (None, "", "forged", "ImFiYyI.abc.def"):
        form = offer(categories["verschenken"])
        if token is not None:
            form["csrf_token"] = token

        answer = logged_in.post("/posts/new", data=form)

        assert answer.status_code == 400, token
    assert post_count() == 0


def test_another_browsers_csrf_token_is_refused(logged_in, other_client, categories):
    foreign = other_client.csrf_token("/posts/new")

    answer = logged_in.post(
        "/posts/new", data={**offer(categories["verschenken"]), "csrf_token": foreign}
    )

    assert answer.status_code == 400
    assert post_count() == 0


def _soon(days: int = 5, hour: str = "18:00") -> str:
    return f"{(utcnow() + timedelta(days=days)).astimezone(BERLIN).date()}T{hour}"


IMPOSSIBLE_TIMES = [
    ("", "", "Bitte geben Sie an, wann die Veranstaltung beginnt."),
    ("2027-02-30T18:00", "", "Bitte geben Sie ein gültiges Datum mit Uhrzeit ein."),
    ("30.02.2027 18:00", "", "Bitte geben Sie ein gültiges Datum mit Uhrzeit ein."),
    ("9999-12-31T23:59", "", "Bitte geben Sie ein gültiges Datum mit Uhrzeit ein."),
    ("2199-12-31T23:59", "", "innerhalb der nächsten zwei Jahre"),
    ("morgen abend", "", "Bitte geben Sie ein gültiges Datum mit Uhrzeit ein."),
    ("2020-05-01T18:00", "", "Der Beginn liegt in der Vergangenheit."),
    (_soon(), _soon(hour="17:00"), "Das Ende muss nach dem Beginn liegen."),
    (_soon(), _soon(hour="18:00"), "Das Ende muss nach dem Beginn liegen."),
    (_soon(), "2031-02-31T10:00", "Bitte geben Sie ein gültiges Datum mit Uhrzeit ein."),
    (_soon(days=1), _soon(days=500), "höchstens ein Jahr"),
]


def test_impossible_event_times_are_refused_and_keep_the_text(logged_in, categories):
    for start, end, message in IMPOSSIBLE_TIMES:
        form = offer(categories["veranstaltungen"], kind="event", event_start=start, event_end=end)

        answer = logged_in.submit("/posts/new", form)

        assert answer.status_code == 422, (start, end)
        assert message in answer.text, (start, end)
        if start:
            assert f'value="{start}"' in answer.text
    assert post_count() == 0


def test_an_hour_skipped_by_the_clock_change_is_refused(logged_in, categories):
    # Berlin's clocks jump from 02:00 to 03:00 on the last Sunday of March.
    year = utcnow().year + 1
    last_sunday = max(
        datetime(year, 3, day) for day in range(25, 32) if datetime(year, 3, day).weekday() == 6
    )
    start = f"{last_sunday.date()}T02:30"

    answer = logged_in.submit(
        "/posts/new",
        offer(categories["veranstaltungen"], kind="event", event_start=start),
    )

    assert answer.status_code == 422
    assert "Zeitumstellung" in answer.text


def test_an_event_on_the_night_the_clocks_go_back_keeps_its_berlin_time(logged_in, categories):
    year = utcnow().year + 1
    last_sunday = max(
        datetime(year, 10, day) for day in range(25, 32) if datetime(year, 10, day).weekday() == 6
    )
    start, end = f"{last_sunday.date()}T01:00", f"{last_sunday.date()}T05:00"

    logged_in.submit(
        "/posts/new",
        offer(categories["veranstaltungen"], kind="event", event_start=start, event_end=end),
    )

    post = only_post()
    assert post.event_start_at.hour == 23  # 01:00 summer time (UTC+2)
    assert post.expires_at.hour == 4  # 05:00 winter time (UTC+1): a five-hour night
    assert post.expires_at - post.event_start_at == timedelta(hours=5)


def test_a_logged_in_resident_whose_address_is_unconfirmed_confirms_by_mail(
    client, categories, mailbox
):
    unconfirmed = factories.user(email="neu@example.org", password=None, registered=False)
    log_in_as(client, unconfirmed)

    answer = client.submit("/posts/new", offer(categories["verschenken"]))

    assert answer.location == "/posts/check-mail"
    assert only_post().status is PostStatus.DRAFT
    assert "bestätigen" in mailbox.last_to("neu@example.org")["Subject"]


def test_posting_is_rate_limited(app, logged_in, categories):
    app.config["RATELIMIT_POSTING"] = "2 per hour"

    for number in range(2):
        form = offer(categories["verschenken"], title=f"Beitrag {number}")
        assert logged_in.submit("/posts/new", form).status_code == 303
    refused = logged_in.submit("/posts/new", offer(categories["verschenken"]))

    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    assert post_count() == 2


def test_a_form_sent_back_with_mistakes_does_not_count_against_the_limit(
    app, logged_in, categories
):
    app.config["RATELIMIT_POSTING"] = "1 per hour"

    for _ in range(3):
        assert (
            logged_in.submit("/posts/new", offer(categories["verschenken"], title="")).status_code
            == 422
        )
    assert logged_in.submit("/posts/new", offer(categories["verschenken"])).status_code == 303
