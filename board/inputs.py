"""Every value a visitor sends is normalised once, on the way in.

PostgreSQL refuses NUL bytes (a 500 waiting to happen), right-to-left overrides disguise text and
links, zero-width spaces defeat search and spam checks. Removing them here means no feature can
forget to; the visible text a resident typed is otherwise kept as it is.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cached_property

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

# C0 controls except tab/newline/carriage return, DEL, C1 controls, lone surrogates,
# bidi embeddings/overrides/isolates, zero-width space, word joiner and BOM.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]"
)


# Right-to-left embeddings, overrides and isolates: the form checks refuse them where a value
# arrives by another way than a request (tests, the CLI).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_text(value: str) -> str:
    return unicodedata.normalize("NFC", _INVISIBLE.sub("", value))


def _cleaned(values: MultiDict[str, str]) -> ImmutableMultiDict[str, str]:
    return ImmutableMultiDict(
        [(clean_text(key), clean_text(value)) for key, value in values.items(multi=True)]
    )


class BoardRequest(Request):
    @cached_property
    def args(self) -> ImmutableMultiDict[str, str]:  # type: ignore[override]
        return _cleaned(super().args)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = _cleaned(self.form)
