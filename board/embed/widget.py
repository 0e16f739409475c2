"""The widget's own options, read from its query string: how many posts, which colours, which
language, and which page frames it. Like the board's filters, a value that makes no sense is
replaced by the default, never answered with an error page: the widget sits on someone else's
website, where an error page would be the town's embarrassment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from markupsafe import escape
from werkzeug.datastructures import MultiDict

DEFAULT_LIMIT = 10
MAX_LIMIT = 50
THEMES = ("auto", "light", "dark")

_HEX = re.compile(r"[0-9a-f]{3}|[0-9a-f]{6}")
_DIGITS = re.compile(r"[0-9]+")
# What embed.js may pass on from its data- attributes to the widget's query string.
WIDGET_ARGS = ("kind", "category", "district", "q", "limit", "accent", "theme", "lang")


@dataclass(frozen=True)
class WidgetOptions:
    limit: int = DEFAULT_LIMIT
    theme: str = "auto"
    accent: str | None = None  # six hex digits without "#", as a webmaster writes it
    lang: str = "de"
    # The page framing the widget, only when it is one the town allows: the frame tells it
    # its height (embed-frame.js) and posts to no other origin.
    parent_origin: str | None = None

    def query_args(self, default_lang: str) -> dict[str, object]:
        """The options as URL arguments, leaving out defaults (for snippets and links)."""
        args: dict[str, object] = {
            "limit": self.limit if self.limit != DEFAULT_LIMIT else None,
            "accent": self.accent,
            "theme": self.theme if self.theme != "auto" else None,
            "lang": self.lang if self.lang != default_lang else None,
        }
        return {key: value for key, value in args.items() if value is not None}


def parse_options(
    args: MultiDict[str, str],
    languages: tuple[str, ...],
    allowed_origins: tuple[str, ...],
    own_origins: tuple[str, ...],
) -> WidgetOptions:
    """The widget's options from its query string; anything unknown becomes the default."""
    theme = args.get("theme", "").strip().lower()
    lang = args.get("lang", "").strip().lower()
    origin = normal_origin(args.get("origin", ""))
    allowed = origin is not None and (
        origin in own_origins or origin_allowed(origin, allowed_origins)
    )
    return WidgetOptions(
        limit=parse_limit(args.get("limit")),
        theme=theme if theme in THEMES else "auto",
        accent=parse_accent(args.get("accent")),
        lang=lang if lang in languages else languages[0],
        parent_origin=origin if allowed else None,
    )


def parse_limit(raw: str | None) -> int:
    """How many posts: 1 to 50; text or a negative number gives the default, a huge one 50."""
    text = (raw or "").strip()
    if not _DIGITS.fullmatch(text):
        return DEFAULT_LIMIT
    if len(text) > 4:  # never hand int() thousands of digits
        return MAX_LIMIT
    return min(max(int(text), 1), MAX_LIMIT)


def parse_accent(raw: str | None) -> str | None:
    """A hex colour like 0b6e4f (or 0b6), lower case and six digits; anything else is None."""
    text = (raw or "").strip().lower().removeprefix("#")
    if not _HEX.fullmatch(text):
        return None
    return "".join(ch * 2 for ch in text) if len(text) == 3 else text


def normal_origin(raw: str) -> str | None:
    """scheme://host[:port] of an http(s) origin, lower case, or None for anything else."""
    text = raw.strip().lower()
    if len(text) > 300 or any(ch in text for ch in "\"'<>\\ ;,"):
        return None
    try:
        parts = urlsplit(text)
        port = parts.port  # raises for a port that is no number
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")


def origin_allowed(origin: str, allowed: tuple[str, ...]) -> bool:
    """Whether an origin is one of the configured ones; "https://*.neumarkt.de" covers its
    subdomains (as in CSP frame-ancestors), not neumarkt.de itself."""
    for pattern in allowed:
        if origin == pattern:
            return True
        scheme, sep, rest = pattern.partition("://*.")
        if sep and origin.startswith(scheme + "://"):
            host_and_port = origin[len(scheme) + 3 :]
            if host_and_port.endswith("." + rest) and len(host_and_port) > len(rest) + 1:
                return True
    return False


def accent_css(accent: str) -> str:
    """The accent colour and a text colour readable on it (WCAG contrast, white or black)."""
    on_accent = "#fff" if _contrast(accent, "ffffff") >= _contrast(accent, "000000") else "#000"
    return f":root{{--accent:#{accent};--on-accent:{on_accent}}}"


def _luminance(hex6: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex6[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def script_snippet(script_url: str, args: dict[str, object]) -> str:
    """The one <script> tag a webmaster pastes: the widget's arguments as data- attributes."""
    data = "".join(f' data-{name}="{escape(args[name])}"' for name in WIDGET_ARGS if name in args)
    return f'<script src="{escape(script_url)}"{data} async></script>'


def iframe_snippet(src: str, title: str, height: int) -> str:
    """The same widget as a plain iframe, for sites that allow no scripts (no auto height)."""
    return (
        f'<iframe src="{escape(src)}" title="{escape(title)}" width="100%" height="{height}" '
        'loading="lazy" style="border:0"></iframe>'
    )
