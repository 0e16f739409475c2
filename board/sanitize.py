"""Turning a resident's plain text into safe HTML: the only module that imports bleach."""

from __future__ import annotations

from functools import lru_cache, partial

import bleach
from bleach.linkifier import Linker
from markupsafe import Markup, escape

_REL = "nofollow ugc noopener"


def _set_link_attributes(attrs: dict, new: bool = False) -> dict | None:
    href = attrs.get((None, "href"), "")
    if not href.lower().startswith(("http://", "https://", "mailto:")):
        return None  # drop the link, keep its text
    attrs[(None, "rel")] = _REL
    return attrs


_linker = Linker(callbacks=[_set_link_attributes], skip_tags=None, parse_email=False)
_clean = partial(
    bleach.clean,
    tags={"a", "br", "p"},
    attributes={"a": ["href", "rel"]},
    protocols={"http", "https", "mailto"},
    strip=True,
)


# A pure function of the text, and the slowest step of showing a post (html5lib parses it
# twice): each worker keeps the latest results, at most 2048 texts of up to 5,000 characters.
@lru_cache(maxsize=2048)
def render_text(text: str) -> Markup:
    """Plain text with line breaks and links as HTML: paragraphs, <br>, and rel'd links only.

    The text is escaped first, so any markup a resident types is shown as text; then URLs are
    linked and the result is cleaned once more as a safety net.
    """
    paragraphs = [part.strip("\n") for part in text.replace("\r\n", "\n").split("\n\n")]
    html = "".join(
        f"<p>{str(escape(part)).replace(chr(10), '<br>')}</p>"
        for part in paragraphs
        if part.strip()
    )
    return Markup(_clean(_linker.linkify(html)))  # noqa: S704  (escaped, then bleach-cleaned)
