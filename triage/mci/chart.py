"""An SVG picture of a simulation run: allocation value, victims waiting and patients in
hospital over time, one panel each, so the effect of sensing interval and buffer is seen.

Plain text out (no plotting library): a page can inline it, a command can write it to a
file.  Values past 1e15 (Nash products) are drawn on a log10 scale, and the panel says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from triage.mci.simulate import TickRecord

PANEL_HEIGHT = 150
MARGIN_LEFT = 70
MARGIN_RIGHT = 20
GAP = 40


def _log10(value: int) -> float:
    if value <= 0:
        return 0.0
    text = str(value)
    if len(text) < 300:
        return math.log10(value)
    return math.log10(int(text[:18])) + len(text) - 18


def svg_chart(records: Sequence[TickRecord], *, width: int = 720, title: str = "") -> str:
    """Three stacked line charts over the ticks of ``records``."""
    values = [r.value for r in records]
    log_scale = any(v > 10**15 for v in values)
    series: list[tuple[str, list[float]]] = [
        (
            "allocation value (log10)" if log_scale else "allocation value (lower is better)",
            [_log10(v) if log_scale else float(v) for v in values],
        ),
        ("victims not yet at a hospital", [float(r.victims_waiting) for r in records]),
        ("patients in hospital", [float(r.patients_in_hospital) for r in records]),
    ]
    top = 40 if title else 20
    height = top + len(series) * (PANEL_HEIGHT + GAP)
    plot_w = width - MARGIN_LEFT - MARGIN_RIGHT
    ticks = max(1, len(records) - 1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" font-family="sans-serif" font-size="14">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    if title:
        out.append(
            f'<text x="{MARGIN_LEFT}" y="24" font-size="18" fill="#000">{escape(title)}</text>'
        )
    for n, (label, ys) in enumerate(series):
        y0 = top + n * (PANEL_HEIGHT + GAP) + 20
        low, high = min(ys, default=0.0), max(ys, default=1.0)
        if high == low:
            high = low + 1.0
        points = " ".join(
            f"{MARGIN_LEFT + plot_w * i / ticks:.1f},"
            f"{y0 + PANEL_HEIGHT - PANEL_HEIGHT * (y - low) / (high - low):.1f}"
            for i, y in enumerate(ys)
        )
        out += [
            f'<text x="{MARGIN_LEFT}" y="{y0 - 6}" fill="#000">{escape(label)}</text>',
            f'<rect x="{MARGIN_LEFT}" y="{y0}" width="{plot_w}" height="{PANEL_HEIGHT}" '
            'fill="none" stroke="#000"/>',
            f'<text x="{MARGIN_LEFT - 6}" y="{y0 + 12}" text-anchor="end" fill="#000">'
            f"{high:.4g}</text>",
            f'<text x="{MARGIN_LEFT - 6}" y="{y0 + PANEL_HEIGHT}" text-anchor="end" fill="#000">'
            f"{low:.4g}</text>",
            f'<polyline points="{points}" fill="none" stroke="#0033cc" stroke-width="3"/>',
        ]
    last = records[-1].tick if records else 0
    out.append(
        f'<text x="{width - MARGIN_RIGHT}" y="{height - 8}" text-anchor="end" fill="#000">'
        f"tick 0 – {last}</text>"
    )
    out.append("</svg>")
    return "\n".join(out)
