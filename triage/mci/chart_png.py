"""A PNG of one or more simulation runs (matplotlib, drawn off-screen): allocation value,
victims waiting and patients in hospital over time, one panel each, one line per run, so
runs with different sensing intervals and buffers can be compared on the same incident.

Values past 1e15 (Nash products) are drawn as log10, as in the SVG chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .chart import _log10
from .simulate import TickRecord

MINUTES_PER_TICK = 10


def _value(record: TickRecord, panel: int, log_scale: bool) -> float:
    if panel == 0:
        return _log10(record.value) if log_scale else float(record.value)
    return float(record.victims_waiting if panel == 1 else record.patients_in_hospital)


def png_chart(runs: Sequence[tuple[str, Sequence[TickRecord]]], path: Path, *, title: str = "") -> None:
    """Write the chart of ``runs`` (label, records) to ``path`` as a PNG."""
    log_scale = any(r.value > 10**15 for _, records in runs for r in records)
    figure = Figure(figsize=(9, 8), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(3, 1, sharex=True)
    labels = ("allocation value (log10)" if log_scale else "allocation value (cost: lower is better)",
              "victims not yet at a hospital", "patients in hospital")
    for n, (ax, label) in enumerate(zip(axes, labels, strict=True)):
        for run_label, records in runs:
            ys = [_value(r, n, log_scale) for r in records]
            ax.step([r.tick * MINUTES_PER_TICK for r in records], ys, where="post", label=run_label, linewidth=2)
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
    axes[0].legend(loc="best", fontsize="small")
    axes[-1].set_xlabel(f"minutes since the incident began (one tick is {MINUTES_PER_TICK} min)")
    if title:
        figure.suptitle(title)
    figure.savefig(path, format="png")
