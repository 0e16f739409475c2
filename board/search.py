"""Search folding: the same spelling rules for the stored text and for what a resident types."""

from __future__ import annotations

import re
import unicodedata

_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"))
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower-case text with umlauts, ß and accents reduced to plain letters.

    "Fahrräder", "FAHRRAEDER" and "fahrrader" all fold to "fahrrader", so a search for
    "fahrrad" finds each of them. Digraphs are folded on both sides, which keeps matching
    consistent even where "ue" is not an umlaut (as in "neue").
    """
    text = text.casefold().replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    for digraph, letter in _DIGRAPHS:
        text = text.replace(digraph, letter)
    return text


def search_terms(query: str, limit: int = 8) -> list[str]:
    """The folded words of a query; every one of them must occur in a matching post."""
    return _WORD.findall(fold(query))[:limit]
