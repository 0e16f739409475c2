"""Spam signals send a post to the queue; an ordinary resident's post trips none of them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from board.extensions import db
from board.moderation.spam import blocklisted, spam_signals
from board.posts.models import Post
from board.posts.status import PostStatus
from board.timeutil import utcnow
from tests import factories


def draft_of(author, title="Kinderfahrrad zu verschenken", body="20 Zoll, blau.") -> Post:
    post = Post(
        author=author,
        category=factories.category(),
        status=PostStatus.DRAFT,
        expires_at=utcnow() + timedelta(days=30),
        kind="offer",
    )
    post.set_text(title, body)
    db.session.add(post)
    return post


def test_an_ordinary_post_with_a_link_or_two_is_fine(app, resident):
    post = draft_of(resident, body="Mehr Fotos: https://fotos.example/rad und www.verein.example")
    assert spam_signals(post, utcnow()) == []


def test_more_links_than_allowed_is_a_signal(app, resident):
    body = "\n".join(f"http://x{n}.example" for n in range(5))
    assert spam_signals(draft_of(resident, body=body), utcnow()) == ["links:5"]


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("Großes CASINO heute", "casino"),
        ("Gewinnspiel im Kasino", "kasino"),
        ("Klick auf bit.ly/xyz", "bit.ly"),
        ("https://www.bit.ly/abc", "bit.ly"),
        ("Tolle Strasse", "straße"),  # ß and ss are the same word to the board
    ],
)
def test_the_blocklist_matches_words_and_domains_however_spelt(text, entry):
    assert blocklisted(text, ("casino", "kasino", "bit.ly", "straße")) == entry


def test_the_blocklist_matches_whole_words_only():
    assert blocklisted("Ein Casinobesuch", ("casino",)) is None
    assert blocklisted("notbit.lyx", ("bit.ly",)) is None


def test_a_blocklisted_word_is_a_signal(app, resident):
    app.config["SPAM_BLOCKLIST"] = ("viagra",)
    post = draft_of(resident, body="Billig VIAGRA hier")
    assert spam_signals(post, utcnow()) == ["blocklist:viagra"]


def test_the_same_text_posted_again_by_anyone_is_a_signal(app, resident):
    factories.post(title="Gratis Handy", body="Jetzt melden!", status=PostStatus.PUBLISHED)
    post = draft_of(resident, title="Gratis Handy", body="Jetzt melden!")
    assert spam_signals(post, utcnow()) == ["duplicate"]


def test_an_unconfirmed_first_try_is_no_repeat(app, resident):
    draft_of(resident, title="Kinderwagen", body="Gut erhalten")
    db.session.flush()
    again = draft_of(resident, title="Kinderwagen", body="Gut erhalten")
    assert spam_signals(again, utcnow()) == []


def test_a_burst_of_posts_is_a_signal(app, resident):
    for n in range(4):
        factories.post(author=resident, title=f"Angebot {n}", created_at=utcnow())
    post = draft_of(resident, title="Angebot 5")
    assert spam_signals(post, utcnow()) == ["burst:5"]


def test_posts_spread_over_the_day_are_no_burst(app, resident):
    for n in range(6):
        factories.post(
            author=resident, title=f"Angebot {n}", created_at=utcnow() - timedelta(hours=n + 2)
        )
    assert spam_signals(draft_of(resident, title="Noch eins"), utcnow()) == []
