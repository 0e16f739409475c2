"""What the JSON API says about a post, a category and a district: what the board shows, no more.

No author, e-mail address, status, manage secret or counter ever goes into an item; the
serialisers below list every field by hand so a new model column cannot leak by accident.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for
from sqlalchemy.orm import joinedload, load_only

from board.organisations.models import Organisation
from board.posts.models import Category, District, Post
from board.posts.queries import CategoryChoice, DistrictChoice
from board.security import external_url
from board.timeutil import BERLIN

# The board's CARD_COLUMNS plus what an item has and a card does not (slugs, the event's end):
# everything an item shows comes in the one query, so a page of 100 posts is one SELECT.
API_COLUMNS = (
    load_only(
        Post.id,
        Post.kind,
        Post.title,
        Post.body,
        Post.category_id,
        Post.district_id,
        Post.organisation_id,
        Post.event_start_at,
        Post.event_end_at,
        Post.published_at,
        Post.expires_at,
    ),
    joinedload(Post.category).load_only(Category.slug, Category.name_de, Category.name_en),
    joinedload(Post.district).load_only(District.slug, District.name),
    joinedload(Post.organisation).load_only(
        Organisation.slug, Organisation.name, Organisation.kind, Organisation.is_verified
    ),
)


def timestamp(moment: datetime) -> str:
    """ISO 8601 in the town's time with its offset: unambiguous, and what residents read."""
    return moment.astimezone(BERLIN).isoformat()


def post_item(post: Post) -> dict[str, Any]:
    event = None
    if post.event_start_at is not None:
        end = post.event_end_at
        event = {"start": timestamp(post.event_start_at), "end": timestamp(end) if end else None}
    organisation = post.organisation
    return {
        "id": post.id,
        "url": external_url(url_for("posts.detail", post_id=post.id)),
        "kind": post.kind.value,
        "title": post.title,
        "text": post.body,
        "category": category_item(post.category),
        "district": district_item(post.district) if post.district else None,
        "organisation": {
            "slug": organisation.slug,
            "name": organisation.name,
            "kind": organisation.kind.value,
            "verified": organisation.is_verified,
            "url": external_url(url_for("organisations.detail", slug=organisation.slug)),
        }
        if organisation
        else None,
        "event": event,
        # The API lists only posts with one (see paging.page_of_posts).
        "published_at": timestamp(post.published_at) if post.published_at else None,
        "expires_at": timestamp(post.expires_at),
    }


def category_item(category: Category | CategoryChoice) -> dict[str, Any]:
    return {"slug": category.slug, "name_de": category.name_de, "name_en": category.name_en}


def district_item(district: District | DistrictChoice) -> dict[str, Any]:
    return {"slug": district.slug, "name": district.name}
