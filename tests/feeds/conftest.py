"""The feeds tests use the posting tests' people, categories and districts, and a clock."""

from __future__ import annotations

from tests.posts.conftest import (  # noqa: F401  (fixtures, re-exported for the tests here)
    POSTER_EMAIL,
    categories,
    districts,
    new_post,
    poster,
)
