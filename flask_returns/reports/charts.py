"""Charts as inline SVG drawn on the server: readable without JavaScript, nothing fetched.

Each chart is ``<svg role="img">`` named by its ``<title>`` and ``<desc>``; the page
puts a table with the same numbers beside it, for screen readers and for copying.
All text is escaped here, so a product called ``<script>`` is just a name. The
charts hold no links, images, styles or fonts from elsewhere. For right-to-left
pages the drawing is mirrored and ``direction="rtl"`` set, so labels sit on the
right and bars grow leftwards; the caller formats every number in the reader's
locale.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 520
LABEL_WIDTH = 170
VALUE_WIDTH = 90
ROW = 28
BAR = 18
FONT = 13
LABEL_CHARS = 22
BAR_COLOUR = "#0b57d0"
# Distinguishable, and each dark enough for its white gap to show (segment order).
PALETTE = ("#137333", "#0b57d0", "#b3261e", "#80868b", "#e37400", "#8430ce", "#007b83")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Bar:
    """One bar: ``value`` sets its length, ``value_text`` is the number as shown."""

    label: str
    value: float
    value_text: str


@dataclass(frozen=True)
class Segment:
    """One part of a share bar; ``colour`` defaults to the palette by position."""

    label: str
    value: float
    value_text: str
    colour: str = ""


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


class _Canvas:
    """Positions given left-to-right; mirrored when the page is right-to-left."""

    def __init__(self, width: int, rtl: bool) -> None:
        self.width = width
        self.rtl = rtl
        self.parts: list[str] = []

    def x(self, x: float, length: float = 0.0) -> float:
        return self.width - x - length if self.rtl else x

    def rect(self, x: float, y: float, w: float, h: float, colour: str, tip: str = "") -> None:
        title = f"<title>{escape(tip)}</title>" if tip else ""
        self.parts.append(
            f'<rect x="{_num(self.x(x, w))}" y="{_num(y)}" width="{_num(w)}" '
            f'height="{_num(h)}" fill="{escape(colour)}">{title}</rect>'
        )

    def text(self, x: float, y: float, text: str, *, weight: str = "normal") -> None:
        # "start" follows the direction: the left edge in LTR, the right edge in RTL.
        bold = ' font-weight="bold"' if weight == "bold" else ""
        self.parts.append(
            f'<text x="{_num(self.x(x))}" y="{_num(y)}" text-anchor="start"{bold}>'
            f"{escape(text)}</text>"
        )

    def svg(self, chart_id: str, height: float, title: str, description: str) -> Markup:
        if not _ID.match(chart_id):
            raise ValueError(f"chart id {chart_id!r} is not a plain identifier")
        direction = "rtl" if self.rtl else "ltr"
        head = (
            f'<svg class="returns-chart" id="{chart_id}" role="img" '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
            f'viewBox="0 0 {self.width} {_num(height)}" width="{self.width}" '
            f'height="{_num(height)}" preserveAspectRatio="xMinYMin meet" '
            f'direction="{direction}" font-size="{FONT}" fill="currentColor">'
            f'<title id="{chart_id}-title">{escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        )
        return Markup(head + "".join(self.parts) + "</svg>")  # noqa: S704 - all parts escaped


def bar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    description: str,
    rtl: bool = False,
    width: int = WIDTH,
) -> Markup:
    """Horizontal bars, longest value full width: label, bar, then the number."""
    canvas = _Canvas(width, rtl)
    span = width - LABEL_WIDTH - VALUE_WIDTH
    top = max((bar.value for bar in bars), default=0) or 1
    for i, bar in enumerate(bars):
        y = 4 + i * ROW
        middle = y + ROW / 2 + FONT / 3
        canvas.text(0, middle, _short(bar.label))
        length = max(bar.value, 0) / top * span
        if length > 0:
            tip = f"{bar.label}: {bar.value_text}"
            canvas.rect(LABEL_WIDTH, y + (ROW - BAR) / 2, max(length, 1), BAR, BAR_COLOUR, tip)
        canvas.text(LABEL_WIDTH + length + 6, middle, bar.value_text, weight="bold")
    return canvas.svg(chart_id, 8 + len(bars) * ROW, title, description)


def share_bar(
    segments: Sequence[Segment],
    *,
    chart_id: str,
    title: str,
    description: str,
    rtl: bool = False,
    width: int = WIDTH,
) -> Markup:
    """One bar split into shares of its total, with a legend below giving each share."""
    canvas = _Canvas(width, rtl)
    total = sum(max(s.value, 0) for s in segments)
    height = 36
    x = 0.0
    colours = [s.colour or PALETTE[i % len(PALETTE)] for i, s in enumerate(segments)]
    if total > 0:
        for segment, colour in zip(segments, colours, strict=True):
            length = max(segment.value, 0) / total * width
            if length > 0:
                tip = f"{segment.label}: {segment.value_text}"
                canvas.rect(x, 4, length, height - 8, colour, tip)
                x += length
    else:
        canvas.rect(0, 4, width, height - 8, "#e0e0e0")
    for i, (segment, colour) in enumerate(zip(segments, colours, strict=True)):
        y = height + 6 + i * 24
        canvas.rect(0, y, 16, 16, colour)
        canvas.text(24, y + 8 + FONT / 3, f"{segment.label}: {segment.value_text}")
    return canvas.svg(chart_id, height + 10 + len(segments) * 24, title, description)
