"""An Atom 1.0 document (RFC 4287) of posts, written with ElementTree so every text is escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import url_for
from markupsafe import Markup

from board.posts.labels import kind_label
from board.posts.models import Post
from board.sanitize import render_text
from board.security import external_url
from board.site import berlin_datetime

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"

# Characters XML 1.0 forbids even escaped (control characters, lone surrogates, U+FFFE/FFFF):
# one form feed pasted into a title would otherwise make the whole feed unreadable.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


@dataclass(frozen=True)
class FeedHead:
    """What the feed says about itself."""

    self_url: str  # also its id: one URL per filter, the same however the query was written
    page_url: str  # the board page showing the same posts
    title: str
    board_name: str  # the author of posts without an organisation
    locale: str


def build_atom(head: FeedHead, posts: list[Post], now: datetime) -> bytes:
    # Plain tag names under a default namespace declared by hand: ElementTree's own
    # default_namespace option refuses the unqualified attributes Atom uses (rel, href).
    feed = ET.Element("feed", {"xmlns": ATOM, XML_LANG: head.locale})
    _add(feed, "id", head.self_url)
    _add(feed, "title", head.title)
    newest = max((_published(post, now) for post in posts), default=now)
    _add(feed, "updated", _timestamp(newest))
    _add(feed, "link", rel="self", type="application/atom+xml", href=head.self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=head.page_url)
    _add(_add(feed, "author"), "name", head.board_name)
    _add(feed, "icon", external_url(url_for("static", filename="img/favicon.svg")))
    for post in posts:
        _add_entry(feed, post, head, now)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _add_entry(feed: ET.Element, post: Post, head: FeedHead, now: datetime) -> None:
    url = external_url(url_for("posts.detail", post_id=post.id))
    entry = _add(feed, "entry")
    _add(entry, "id", url)
    _add(entry, "title", post.title)
    _add(entry, "link", rel="alternate", type="text/html", href=url)
    # Published, not edited: the board shows when a post went up, never when it was changed.
    _add(entry, "published", _timestamp(_published(post, now)))
    _add(entry, "updated", _timestamp(_published(post, now)))
    # Only what the board shows as the post's sender: its organisation, never a person.
    name = post.organisation.name if post.organisation else head.board_name
    _add(_add(entry, "author"), "name", name)
    _add(entry, "category", term=post.category.slug, label=post.category.name(head.locale))
    _add(entry, "content", str(_content(post, head.locale)), type="html")


def _content(post: Post, locale: str) -> Markup:
    """The post as its page shows it: what and where, when (events), then the text."""
    meta = [kind_label(post.kind), post.category.name(locale)]
    if post.district:
        meta.append(post.district.name)
    if post.organisation:
        meta.append(post.organisation.name)
    html = Markup("<p>{}</p>").format(" · ".join(meta))
    if post.event_start_at:
        html += Markup("<p><strong>{}</strong></p>").format(
            berlin_datetime(post.event_start_at, "weekday_date_time")
        )
    return html + render_text(post.body)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(
        parent, tag, {key: xml_text(value) for key, value in attributes.items()}
    )
    if text is not None:
        element.text = xml_text(text)
    return element


def _published(post: Post, now: datetime) -> datetime:
    return post.published_at or now


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
