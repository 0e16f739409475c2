"""The post status machine: every allowed move works, every other one is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import board.models  # noqa: F401  (every mapped class, so Post's relationships resolve)
from board.posts.models import Post
from board.posts.status import ALLOWED, InvalidTransition, PostStatus, transition

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ALL_MOVES = [(a, b) for a in PostStatus for b in PostStatus]


def a_post(status: PostStatus) -> Post:
    return Post(status=status, published_at=None, closed_at=None)


@pytest.mark.parametrize(("current", "target"), [m for m in ALL_MOVES if m[1] in ALLOWED[m[0]]])
def test_an_allowed_move_changes_the_status_and_stamps_the_time(current, target):
    post = a_post(current)
    transition(post, target, NOW)
    assert post.status is target
    assert post.status_changed_at == NOW


@pytest.mark.parametrize(("current", "target"), [m for m in ALL_MOVES if m[1] not in ALLOWED[m[0]]])
def test_a_move_the_machine_does_not_allow_is_refused_and_changes_nothing(current, target):
    post = a_post(current)
    with pytest.raises(InvalidTransition):
        transition(post, target, NOW)
    assert post.status is current


def test_publishing_stamps_the_first_publication_only():
    post = a_post(PostStatus.PENDING)
    transition(post, PostStatus.PUBLISHED, NOW)
    assert post.published_at == NOW
    later = datetime(2026, 12, 1, tzinfo=UTC)
    transition(post, PostStatus.EXPIRED, later)
    transition(post, PostStatus.PUBLISHED, later)
    assert post.published_at == NOW


def test_closing_records_when_the_post_was_done():
    post = a_post(PostStatus.PUBLISHED)
    transition(post, PostStatus.CLOSED, NOW)
    assert post.closed_at == NOW


def test_a_removed_post_stays_removed():
    assert ALLOWED[PostStatus.REMOVED] == frozenset()
