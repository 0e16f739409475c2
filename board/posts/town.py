"""A town's categories and districts come from its configuration; this writes them to the database.

Entries are matched by slug: new ones are added, names and order follow the configuration.
Nothing is deleted, because posts point at their category and district; an entry left out of the
configuration stays for the posts that use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import select

from board.extensions import db
from board.posts.models import Category, District

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class TownSettingError(ValueError):
    pass


def _checked(entries: Iterable[Sequence[str]], width: int, what: str) -> list[tuple[str, ...]]:
    rows = []
    for entry in entries:
        row = tuple(entry)
        if len(row) != width or not all(isinstance(part, str) and part.strip() for part in row):
            raise TownSettingError(f"{what} entry {entry!r} needs {width} non-empty texts")
        if not SLUG.match(row[0]) or len(row[0]) > 80:
            raise TownSettingError(f"{what} slug {row[0]!r}: use lower-case letters, digits, '-'")
        rows.append(row)
    slugs = [row[0] for row in rows]
    if len(set(slugs)) != len(slugs):
        raise TownSettingError(f"{what} slugs must be unique: {slugs}")
    return rows


def sync_categories(entries: Iterable[Sequence[str]]) -> dict[str, Category]:
    """Make the categories match (slug, German name, English name) entries, in their order."""
    found = {c.slug: c for c in db.session.scalars(select(Category))}
    for position, (slug, name_de, name_en) in enumerate(_checked(entries, 3, "CATEGORIES")):
        category = found.get(slug)
        if category is None:
            category = found[slug] = Category(slug=slug)
            db.session.add(category)
        category.name_de, category.name_en, category.position = name_de, name_en, position
    db.session.flush()
    return found


def sync_districts(entries: Iterable[Sequence[str]]) -> dict[str, District]:
    """Make the districts (Ortsteile) match (slug, name) entries."""
    found = {d.slug: d for d in db.session.scalars(select(District))}
    for slug, name in _checked(entries, 2, "DISTRICTS"):
        district = found.get(slug)
        if district is None:
            district = found[slug] = District(slug=slug)
            db.session.add(district)
        district.name = name
    db.session.flush()
    return found
