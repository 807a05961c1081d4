"""
Small inline SVG charts for the evaluation page, with no plotting library.

The page must be one self-contained file: a plotting library would add either a
large JavaScript bundle (plotly) or raster images and a heavy dependency
(matplotlib), for a few bar charts and a grid. These functions return SVG
elements as text; every label is escaped.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Final


__all__ = ["COLOURS", "binned", "grouped_bars", "histogram", "histogram_bins", "timeline"]

COLOURS: Final = {"person": "#495057", "clone": "#e8590c", "against": "#1c7ed6"}
"""The colour of each column, the same in every chart."""

_FLAGGED, _FINE, _SILENT = "#e03131", "#2f9e44", "#ced4da"
_WIDTH, _HEIGHT, _LEFT, _BOTTOM, _TOP = 460, 200, 36, 40, 24


def histogram_bins(values: Sequence[float], *, share: bool, bins: int = 10) -> list[float]:
    """
    Return the bin edges for *values*.

    Shares get *bins* equal bins from 0 to the largest value rounded up to a
    multiple of 5% (so small shares are not all in the first bin); counts get
    whole-number bins.

    Example:
        >>> histogram_bins([0, 1, 2], share=False)
        [0.0, 1.0, 2.0, 3.0]
        >>> histogram_bins([0.5], share=True, bins=4)
        [0.0, 0.125, 0.25, 0.375, 0.5]

    """
    if share:
        top = min(1.0, max(0.05, math.ceil(max(values, default=0.0) * 20) / 20))
        return [top * i / bins for i in range(bins + 1)]
    top = int(max(values, default=0)) + 1
    step = max(1, -(-top // bins))
    edges = range(0, top + step, step) if top > step else range(0, top + 1, top)
    return [float(edge) for edge in edges][: bins + 1]


def _bin_label(low: float, high: float, *, share: bool, fine: bool = False) -> str:
    if share:
        return f"{low:.1%}" if fine else f"{low:.0%}"
    return str(int(low)) if high - low <= 1 else f"{int(low)}-{int(high) - 1}"


def binned(values: Sequence[float], edges: Sequence[float]) -> list[float]:
    """Return the share of *values* in each bin of *edges* (the last bin is closed)."""
    counts = [0] * (len(edges) - 1)
    for value in values:
        for index in range(len(counts)):
            last = index == len(counts) - 1
            if edges[index] <= value < edges[index + 1] or (last and value >= edges[index]):
                counts[index] += 1
                break
    total = len(values) or 1
    return [count / total for count in counts]


def grouped_bars(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    percent: bool = True,
) -> str:
    """
    Return an SVG bar chart: one group of bars per category, one bar per series.

    Args:
        title: The chart's title.
        categories: The labels under the groups.
        series: The bars' heights by column name (``person``, ``clone``, ...).
        percent: Label the axis in percent (heights are shares).
    """
    plot_w, plot_h = _WIDTH - _LEFT - 8, _HEIGHT - _BOTTOM - _TOP
    top = max((v for values in series.values() for v in values), default=0) or 1
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {_HEIGHT}" '
            f'role="img" aria-label="{escape(title)}">'
        ),
        f'<text x="{_LEFT}" y="16" class="title">{escape(title)}</text>',
        (
            f'<line x1="{_LEFT}" y1="{_TOP + plot_h}" x2="{_LEFT + plot_w}" '
            f'y2="{_TOP + plot_h}" stroke="#868e96"/>'
        ),
        (
            f'<text x="{_LEFT - 4}" y="{_TOP + 8}" class="axis" text-anchor="end">'
            f"{f'{top:.0%}' if percent else f'{top:.2g}'}</text>"
        ),
    ]
    for index, category in enumerate(categories):
        x0 = _LEFT + index * group_w + group_w * 0.1
        for number, (name, values) in enumerate(series.items()):
            value = values[index] if index < len(values) else 0.0
            height = plot_h * value / top
            x = x0 + number * bar_w
            shown = f"{value:.0%}" if percent else f"{value:.3g}"
            parts.append(
                f'<rect x="{x:.1f}" y="{_TOP + plot_h - height:.1f}" width="{bar_w:.1f}" '
                f'height="{height:.1f}" fill="{COLOURS.get(name, "#868e96")}">'
                f"<title>{escape(name)}: {escape(category)}: {shown}</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + group_w * 0.4:.1f}" y="{_TOP + plot_h + 14}" class="axis" '
            f'text-anchor="middle">{escape(category)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def histogram(
    title: str, samples: Mapping[str, Sequence[float]], *, share: bool, bins: int = 10
) -> str:
    """Return side-by-side histograms of *samples* (by column) on the same bins."""
    edges = histogram_bins(
        [v for values in samples.values() for v in values], share=share, bins=bins
    )
    fine = share and len(edges) > 1 and edges[1] - edges[0] < 0.0095  # noqa: PLR2004
    labels = [
        _bin_label(low, high, share=share, fine=fine) for low, high in itertools.pairwise(edges)
    ]
    return grouped_bars(
        title, labels, {name: binned(values, edges) for name, values in samples.items()}
    )


def timeline(title: str, rows: Sequence[Sequence[tuple[str, str | None]]]) -> str:
    """
    Return a grid at its natural size: one row per replayed conversation, one cell per round.

    Args:
        title: What it shows (for screen readers).
        rows: Each replay's rounds as ``(reply, flag)``: *flag* is how the reply
            repeats itself (``None``: it does not); an empty reply is silence.
    """
    cell, gap = 18, 3
    width = max(max((len(row) for row in rows), default=0) * (cell + gap) + 40, 100)
    height = len(rows) * (cell + gap) + 4
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" class="timeline" role="img" '
            f'aria-label="{escape(title)}">'
        )
    ]
    for number, row in enumerate(rows):
        y = 2 + number * (cell + gap)
        parts.append(f'<text x="0" y="{y + 13}" class="axis">#{number + 1}</text>')
        for index, (reply, flag) in enumerate(row):
            colour = _SILENT if not reply else _FINE if flag is None else _FLAGGED
            note = "(silent)" if not reply else reply[:120]
            flagged = f" [{flag}]" if flag else ""
            parts.append(
                f'<rect x="{40 + index * (cell + gap)}" y="{y}" width="{cell}" height="{cell}" '
                f'rx="3" fill="{colour}"><title>round {index + 1}{escape(flagged)}: '
                f"{escape(note)}</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)
