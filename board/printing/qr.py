"""QR codes as inline SVG, drawn by segno on the server: no image service learns what is printed."""

from __future__ import annotations

import segno
from markupsafe import Markup, escape


def qr_svg(data: str, label: str, css_class: str = "qr") -> Markup:
    """A QR code for `data` as an <svg> element with an accessible name.

    Error level M survives a crease or a pin through the paper; the white background and the
    four-module quiet zone are part of the drawing, so the code scans on any page colour (and
    in dark mode on screen). No width or height: CSS sizes it, and segno writes colours as
    attributes, never as style="", which the CSP would block.
    """
    code = segno.make(data, error="m", micro=False)
    svg = code.svg_inline(
        scale=1,
        border=4,
        light="#fff",
        dark="#000",
        svgclass=css_class,
        lineclass=None,
        omitsize=True,
        title=label,
    )
    named = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return Markup(named)  # noqa: S704  (segno's own markup; the label is escaped above and by segno)


def short_link(url: str) -> str:
    """A link as people copy it from paper: without the scheme."""
    return url.split("://", 1)[-1]
