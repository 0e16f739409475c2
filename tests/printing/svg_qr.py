"""Reading the QR codes a page serves, as a phone would: draw the SVG as pixels, then decode them.

The drawing follows the served markup only (viewBox, each path's fill or stroke and its d), not
segno's matrix, so a page that serves a wrong or broken drawing fails the test. It understands the
path commands segno writes (M, m, H, h, V, v, Z, z) and refuses anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

import zxingcpp
from PIL import Image, ImageColor, ImageDraw

_SVG = re.compile(r"<svg\b([^>]*)>(.*?)</svg>", re.S)
_PATH = re.compile(r"<path\b([^>]*?)/?>", re.S)
_ATTR = re.compile(r'([\w:-]+)="([^"]*)"')
_TOKEN = re.compile(r"[MmHhVvZz]|-?\d+(?:\.\d+)?")

PIXELS_PER_MODULE = 6


@dataclass(frozen=True)
class ServedSvg:
    attrs: dict[str, str]
    body: str

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()


def svgs_in(html: str) -> list[ServedSvg]:
    return [
        ServedSvg({k: unescape(v) for k, v in _ATTR.findall(attrs)}, body)
        for attrs, body in _SVG.findall(html)
    ]


def _segments(d: str) -> list[list[tuple[float, float]]]:
    """The path's subpaths as lists of points."""
    tokens = _TOKEN.findall(d)
    assert re.fullmatch(r"(?:\s*(?:[MmHhVvZz]|-?\d+(?:\.\d+)?))*\s*", d), f"unknown path data {d!r}"
    subpaths: list[list[tuple[float, float]]] = []
    x = y = 0.0
    i = 0
    command = ""
    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
            if command in "Zz":
                if subpaths and subpaths[-1]:
                    x, y = subpaths[-1][0]
                    subpaths[-1].append((x, y))
                continue
        if command in "Mm":
            dx, dy = float(tokens[i]), float(tokens[i + 1])
            i += 2
            x, y = (dx, dy) if command == "M" else (x + dx, y + dy)
            subpaths.append([(x, y)])
            command = "L" if command == "M" else "l"  # further pairs are lines, as in SVG
        elif command in "Ll":
            dx, dy = float(tokens[i]), float(tokens[i + 1])
            i += 2
            x, y = (dx, dy) if command == "L" else (x + dx, y + dy)
            subpaths[-1].append((x, y))
        elif command in "Hh":
            value = float(tokens[i])
            i += 1
            x = value if command == "H" else x + value
            subpaths[-1].append((x, y))
        elif command in "Vv":
            value = float(tokens[i])
            i += 1
            y = value if command == "V" else y + value
            subpaths[-1].append((x, y))
        else:
            raise AssertionError(f"path data {d!r} has {tokens[i]!r} where a command belongs")
    return subpaths


def rasterise(svg: ServedSvg, scale: int = PIXELS_PER_MODULE) -> Image.Image:
    """The SVG drawn in grey levels on a white canvas (what the paper is)."""
    view_box = svg.attrs.get("viewBox", "")
    match = re.fullmatch(r"0 0 (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)", view_box)
    assert match, f"unexpected viewBox {view_box!r}"
    width, height = float(match[1]), float(match[2])
    image = Image.new("L", (round(width * scale), round(height * scale)), 255)
    draw = ImageDraw.Draw(image)
    for attrs_text in _PATH.findall(svg.body):
        attrs = dict(_ATTR.findall(attrs_text))
        factor = scale
        if transform := attrs.get("transform"):
            scaled = re.fullmatch(r"scale\((\d+(?:\.\d+)?)\)", transform)
            assert scaled, f"unexpected transform {transform!r}"
            factor *= float(scaled[1])
        paths = _segments(attrs["d"])
        if stroke := attrs.get("stroke"):
            half = float(attrs.get("stroke-width", "1")) / 2
            grey = ImageColor.getcolor(stroke, "L")
            for points in paths:
                for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
                    # A straight stroke of the given width is a rectangle around its line.
                    left, right = sorted((x0, x1))
                    top, bottom = sorted((y0, y1))
                    if y0 == y1:
                        top, bottom = y0 - half, y0 + half
                    else:
                        left, right = x0 - half, x0 + half
                    draw.rectangle(
                        [left * factor, top * factor, right * factor - 1, bottom * factor - 1],
                        fill=grey,
                    )
        elif (fill := attrs.get("fill", "#000")) != "none":
            grey = ImageColor.getcolor(fill, "L")
            for points in paths:
                draw.polygon([(px * factor, py * factor) for px, py in points], fill=grey)
    return image


def decode(image: Image.Image) -> list[str]:
    """What a QR reader finds in the image."""
    return [
        result.text
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.QRCode
    ]


def decode_svg(svg: ServedSvg) -> str:
    found = decode(rasterise(svg))
    assert len(found) == 1, f"expected one QR code, read {found!r}"
    return found[0]
