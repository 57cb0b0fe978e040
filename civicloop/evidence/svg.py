"""A small server-side SVG writer for PDF reports (no JavaScript, no network).

Charts are drawn from the numbers with plain SVG elements and every label is real text, so the
numbers stay extractable from the PDF. The web pages use Vega-Lite specs with data tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from markupsafe import Markup

WIDTH = 640
BAR_HEIGHT = 18
GAP = 10
LABEL_WIDTH = 220
COLOURS = {"baseline": "#505a5f", "latest": "#1d4f7a", "target": "#00703c", "effect": "#1d4f7a"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    low: float | None = None
    high: float | None = None
    colour: str = "#1d4f7a"
    text: str = ""


def _fmt(value: float) -> str:
    return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"


def bar_chart_svg(*, title: str, bars: Sequence[Bar]) -> Markup:
    """Horizontal bars (with optional interval whiskers) on a shared zero-based axis."""
    values = [0.0]
    for b in bars:
        values += [b.value] + [v for v in (b.low, b.high) if v is not None]
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    plot = WIDTH - LABEL_WIDTH - 90

    def x(v: float) -> float:
        return LABEL_WIDTH + (v - lo) / span * plot

    height = 30 + len(bars) * (BAR_HEIGHT + GAP) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{x(0):.1f}" y1="24" x2="{x(0):.1f}" y2="{height - 6}" stroke="#b1b4b6"/>',
    ]
    for i, b in enumerate(bars):
        y = 30 + i * (BAR_HEIGHT + GAP)
        x0, x1 = sorted((x(0), x(b.value)))
        parts.append(f'<text x="0" y="{y + 13}" font-size="11">{escape(b.label)}</text>')
        parts.append(
            f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1):.1f}" '
            f'height="{BAR_HEIGHT}" fill="{b.colour}"/>'
        )
        if b.low is not None and b.high is not None:
            mid = y + BAR_HEIGHT / 2
            parts.append(
                f'<line x1="{x(b.low):.1f}" y1="{mid}" x2="{x(b.high):.1f}" y2="{mid}" '
                'stroke="#0b0c0c" stroke-width="2"/>'
            )
        label = b.text or _fmt(b.value)
        parts.append(
            f'<text x="{max(x1, x(b.high or b.value)) + 4:.1f}" y="{y + 13}" '
            f'font-size="11">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated string is escaped above
