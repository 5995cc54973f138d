"""Charts for the console, drawn on the server as inline SVG (no script, no network).

Bar lengths are pixel geometry worked out from exact integer values; the labels show
the exact amounts as given. Colours come from the stylesheet's classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 560
ROW = 26
LABEL = 150
VALUE = 150
LABEL_CHARS = 22
"""A label longer than this is cut with an ellipsis (it would run off the chart's left
edge); the bar's tooltip keeps it whole."""


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label, its size (an exact integer, e.g. minor units or a count) and
    the text shown beside it."""

    label: str
    size: int
    shown: str
    tone: str = "bar"


def bar_chart(bars: Sequence[Bar], *, title: str) -> Markup:
    """Horizontal bars, one per row, scaled to the largest."""
    if not bars:
        return Markup("<p class='muted'>Nothing to chart.</p>")
    largest = max(1, *(b.size for b in bars))
    room = WIDTH - LABEL - VALUE
    height = ROW * len(bars) + 8
    parts = [
        f"<svg class='chart' role='img' viewBox='0 0 {WIDTH} {height}' width='{WIDTH}'"
        f" height='{height}' xmlns='http://www.w3.org/2000/svg'>",
        f"<title>{escape(title)}</title>",
    ]
    for i, bar in enumerate(bars):
        y = 4 + i * ROW
        length = max(1, round(room * max(bar.size, 0) / largest)) if bar.size > 0 else 0
        parts.append(
            f"<text class='chart-label' x='{LABEL - 8}' y='{y + 17}' text-anchor='end'>"
            f"{escape(_short(bar.label))}</text>"
            f"<rect class='{escape(bar.tone)}' x='{LABEL}' y='{y + 4}' width='{length}'"
            f" height='{ROW - 8}' rx='2'><title>{escape(bar.label)}: {escape(bar.shown)}</title>"
            "</rect>"
            f"<text class='chart-value' x='{LABEL + length + 6}' y='{y + 17}'>"
            f"{escape(bar.shown)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value in it was escaped


def status_strip(counts: dict[str, int], *, title: str) -> Markup:
    """One strip split by status, each part as wide as its share, with a legend."""
    total = sum(counts.values())
    if total == 0:
        return Markup("<p class='muted'>No payments.</p>")
    parts = [
        f"<svg class='chart' role='img' viewBox='0 0 {WIDTH} 60' width='{WIDTH}' height='60'"
        " xmlns='http://www.w3.org/2000/svg'>",
        f"<title>{escape(title)}</title>",
    ]
    x = 0
    legend_x = 0
    for status, n in sorted(counts.items()):
        width = round(WIDTH * n / total)
        parts.append(
            f"<rect class='status-{escape(status)}' x='{x}' y='0' width='{width}' height='22'>"
            f"<title>{escape(status)}: {n:,}</title></rect>"
        )
        parts.append(
            f"<rect class='status-{escape(status)}' x='{legend_x}' y='34' width='10' height='10'/>"
            f"<text class='chart-label' x='{legend_x + 14}' y='44'>{escape(status)} {n:,}</text>"
        )
        x += width
        legend_x += 14 + 9 * (len(status) + len(f"{n:,}") + 1) + 12
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value in it was escaped
