"""Small bar charts as SVG, drawn on the server from the report's own numbers (no chart
library, no CDN: the page works on the hall's LAN and prints as it shows)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT, PAD = 640, 220, 28


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float | None], *, unit: str = "") -> str:
    """Vertical bars with their values on top; an accessible title and a text alternative."""
    heights = [float(v or 0) for v in values]
    top = max(heights, default=0.0) or 1.0
    n = max(1, len(heights))
    slot = (WIDTH - 2 * PAD) / n
    bar = max(2.0, slot * 0.7)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="t-{_slug(title)}">',
        f'<title id="t-{_slug(title)}">{escape(title)}: '
        + escape(", ".join(f"{label} {_number(v)}{unit}" for label, v in zip(labels, heights)))
        + "</title>",
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" class="axis"/>',
    ]
    every = max(1, n // 16)  # label at most 16 bars so the labels stay readable
    for i, (label, value) in enumerate(zip(labels, heights)):
        height = (HEIGHT - 2 * PAD - 12) * value / top
        x = PAD + i * slot + (slot - bar) / 2
        y = HEIGHT - PAD - height
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" class="bar"/>')
        if value and n <= 31:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" class="value">{_number(value)}</text>')
        if i % every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - PAD + 14}" class="label">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower())[:40]
