"""Issue 3's acceptance stories, told through the pages as people use them, with real mail.

Under the town's default policy ("trust"): a newcomer's first post waits for a moderator and is
nowhere public (board, JSON API, Atom feed) until a moderator approves it on the queue page; a
verified association's post goes up at once. Three different visitors reporting a post take it
off the board and into the queue; a moderator restores it; the audit log shows both steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import select

from board.extensions import db
from board.moderation.models import Action, ModerationAction
from board.posts.models import Post
from board.posts.status import PostStatus
from tests import factories
from tests.conftest import BrowserLikeClient, Mailbox, body_of, links_in, local, wait_for
from tests.moderation.conftest import browser_for
from tests.posts.conftest import offer

S = PostStatus
NEWCOMER = "nele.neu@example.org"
TITLE = "Rasenmäher zu verleihen"


# ---------------------------------------------------------------- a browser's view of forms


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    button: str = ""


class _Forms(HTMLParser):
    """The page's forms as a browser sees them: action, hidden fields, the button's words."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(named.get("action", "")))
        elif self.forms and tag == "input" and named.get("type") == "hidden":
            self.forms[-1].fields[named["name"]] = named.get("value", "")
        elif self.forms and tag == "button":
            self._in_button = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._in_button = False

    def handle_data(self, data: str) -> None:
        if self._in_button:
            self.forms[-1].button += data


def press(client: BrowserLikeClient, page: str, button: str, about: str) -> Any:
    """Tap the button `button` for the post titled `about` on the page, as a phone would."""
    parser = _Forms()
    parser.feed(client.get(page).text)
    matches = [
        form
        for form in parser.forms
        if form.button.startswith(button) and about in form.button  # "Freigeben: <title>"
    ]
    assert matches, f"no button {button!r} for {about!r} on {page}"
    form = matches[0]
    return client.post(form.action, data=form.fields)


# ---------------------------------------------------------------- what the public sees


def public_places(client: BrowserLikeClient) -> dict[str, str]:
    return {
        "board": client.get("/").text,
        "api": client.get("/api/v1/posts").get_data(as_text=True),
        "feed": client.get("/feeds/posts.atom").get_data(as_text=True),
    }


def shown_in(client: BrowserLikeClient, title: str) -> set[str]:
    return {place for place, text in public_places(client).items() if title in text}


def the_post(title: str) -> Post:
    db.session.expire_all()
    return db.session.scalars(select(Post).where(Post.title == title)).one()


def mail_to(mailbox: Mailbox, address: str, about: str) -> str:
    def arrived() -> str | None:
        for message in mailbox.sent_to(address):
            if about in str(message["Subject"]) or about in body_of(message):
                return body_of(message)
        return None

    return wait_for(arrived, timeout=10)


@pytest.fixture
def moderator_phone(app, moderator) -> BrowserLikeClient:
    return browser_for(app, moderator)


# ---------------------------------------------------------------- the stories


def test_a_newcomers_first_post_waits_until_a_moderator_approves_it(
    app, categories, mailbox, moderator_phone
):
    visitor = browser_for(app)
    newcomer = browser_for(app)

    # Nele registers and confirms by the mailed link.
    registered = newcomer.submit(
        "/register", {"email": NEWCOMER, "password": "mein Rasen ist grün", "display_name": "Nele"}
    )
    assert registered.status_code == 303
    (confirm,) = [local(u) for u in links_in(mailbox.last_to(NEWCOMER)) if "/confirm/" in u]
    newcomer.submit(confirm, {}, page=confirm)
    assert "Mein Konto" in newcomer.get("/account").text

    # Her first post waits.
    posted = newcomer.submit("/posts/new", offer(categories["verleihen"], title=TITLE))
    assert posted.status_code == 303
    assert "wird kurz geprüft" in newcomer.get(posted.location).text
    assert the_post(TITLE).status is S.PENDING
    assert shown_in(visitor, TITLE) == set()
    assert visitor.get(posted.location).status_code == 404

    # A moderator sees it in the queue and approves it with one tap.
    queue = moderator_phone.get("/moderation")
    assert TITLE in queue.text
    approved = press(moderator_phone, "/moderation", "Freigeben", TITLE)
    assert approved.status_code == 303
    assert f"Freigegeben: „{TITLE}“" in moderator_phone.get(approved.location).text

    assert the_post(TITLE).status is S.PUBLISHED
    assert shown_in(visitor, TITLE) == {"board", "api", "feed"}
    mail = mail_to(mailbox, NEWCOMER, TITLE)
    assert f"/posts/{the_post(TITLE).id}" in mail
    assert TITLE not in moderator_phone.get("/moderation").text


def test_a_guests_post_waits_too_once_confirmed(app, categories, mailbox, moderator_phone):
    guest = browser_for(app)

    guest.submit("/posts/new", {**offer(categories["verschenken"], title=TITLE), "email": NEWCOMER})
    (confirm,) = [local(u) for u in links_in(mailbox.last_to(NEWCOMER)) if "/confirm/" in u]
    guest.submit(confirm, {}, page=confirm)

    assert the_post(TITLE).status is S.PENDING
    assert shown_in(browser_for(app), TITLE) == set()
    press(moderator_phone, "/moderation", "Freigeben", TITLE)
    assert shown_in(browser_for(app), TITLE) == {"board", "api", "feed"}


def test_a_verified_associations_post_appears_at_once(app, categories, moderator_phone):
    member = factories.user(email="gerd.garten@example.org", password=None)
    factories.organisation("Obst- und Gartenbauverein", verified=True, members=(member,))
    db.session.commit()
    phone = browser_for(app, member)

    posted = phone.submit(
        "/posts/new", offer(categories["verschenken"], title="Apfelbäume zum Selbstschneiden")
    )

    assert posted.status_code == 303
    assert "Ihr Beitrag ist jetzt auf dem Brett." in phone.get(posted.location).text
    assert shown_in(browser_for(app), "Apfelbäume zum Selbstschneiden") == {
        "board",
        "api",
        "feed",
    }
    assert "Apfelbäume zum Selbstschneiden" not in moderator_phone.get("/moderation").text


def test_three_reports_hide_a_post_and_a_moderator_restores_it(
    app, waiting_post, mailbox, moderator_phone
):
    post = waiting_post(TITLE, status=S.PUBLISHED)
    author = post.author.email
    assert shown_in(browser_for(app), TITLE) == {"board", "api", "feed"}

    for number, reason in enumerate(("spam", "commercial", "offensive"), start=1):
        visitor = browser_for(app)
        visitor.environ_base["REMOTE_ADDR"] = f"198.51.100.{number}"
        detail = visitor.get(f"/posts/{post.id}").text
        assert f"/posts/{post.id}/report" in detail  # "Beitrag melden"
        answer = visitor.submit(f"/posts/{post.id}/report", {"reason": reason})
        assert "Danke für Ihre Meldung" in answer.text

    visitor = browser_for(app)
    assert shown_in(visitor, TITLE) == set()
    assert visitor.get(f"/posts/{post.id}").status_code == 404
    queue = moderator_phone.get("/moderation").text
    assert TITLE in queue and "3 offene Meldungen" in queue
    assert "/moderation/appeal/" in mail_to(mailbox, author, TITLE)

    restored = press(moderator_phone, f"/moderation/posts/{post.id}", "Wieder einblenden", TITLE)
    assert restored.status_code == 303

    assert shown_in(browser_for(app), TITLE) == {"board", "api", "feed"}
    log = moderator_phone.get("/moderation/log").text
    assert "Nach Meldungen ausgeblendet" in log and "Wieder eingeblendet" in log
    entries = db.session.scalars(
        select(ModerationAction.action)
        .where(ModerationAction.post_id == post.id)
        .order_by(ModerationAction.id)
    ).all()
    assert entries == [Action.AUTO_HIDE, Action.RESTORE]
