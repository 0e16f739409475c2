"""Every German text in the interface has its English translation, compiled and current."""

from __future__ import annotations

from gettext import GNUTranslations
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "board/translations/en/LC_MESSAGES"


def german_texts_in_the_code() -> set[str]:
    method_map = [
        ("board/**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
    ]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _, _, message, _, _ in extract_from_dir(ROOT, method_map, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


def english_catalog() -> dict[str, str]:
    with open(CATALOG / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale="en")
    return {
        (m.id if isinstance(m.id, str) else m.id[0]): (
            m.string if isinstance(m.string, str) else m.string[0]
        )
        for m in catalog
        if m.id and not m.fuzzy
    }


def test_every_interface_text_has_an_english_translation():
    translated = {key for key, value in english_catalog().items() if value}
    missing = sorted(german_texts_in_the_code() - translated)
    assert missing == [], "run `make translations` and translate these in messages.po"


def test_the_compiled_catalog_matches_the_translations():
    with open(CATALOG / "messages.mo", "rb") as handle:
        compiled = GNUTranslations(handle)
    for german, english in english_catalog().items():
        if english:
            assert (
                compiled.gettext(german) == english
                or compiled.ngettext(german, german, 1) == english
            ), f"messages.mo is stale for {german!r}: run `pybabel compile -d board/translations`"
