"""Shared figure helpers: consistent style, bar charts with value labels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["new_figure", "grouped_bars", "format_count"]


def format_count(value: float) -> str:
    """Human-readable count: 27161264 -> '27.16 M', 5731282144 -> '5.731 G'."""
    for limit, suffix, digits in ((1e9, "G", 3), (1e6, "M", 2), (1e3, "k", 1)):
        if abs(value) >= limit:
            return f"{value / limit:.{digits}f} {suffix}"
    return f"{value:g}"


def new_figure(width: float = 7.0, height: float = 4.0, ncols: int = 1, nrows: int = 1):
    """A figure with ``nrows × ncols`` axes and the book's style (light grid, no top/right spines)."""
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, layout="constrained")
    for ax in axes.flat:
        ax.grid(True, axis="y", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    return fig, (axes[0, 0] if axes.size == 1 else axes)


def grouped_bars(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    title: str,
    ylabel: str,
    xlabel: str = "",
    value_format=format_count,
    ax=None,
) -> Figure:
    """Bars for each label, one bar per series side by side, each labelled with its value."""
    if ax is None:
        fig, ax = new_figure(max(6.0, 1.2 * len(labels) * max(1, len(series))), 4.0)
    else:
        fig = ax.figure
    x = np.arange(len(labels))
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        bars = ax.bar(x + (i - (len(series) - 1) / 2) * width, values, width, label=name)
        ax.bar_label(bars, labels=[value_format(v) for v in values], fontsize=8, padding=2)
    ax.set_xticks(x, labels)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if xlabel:
        ax.set_xlabel(xlabel)
    if len(series) > 1:
        ax.legend(frameon=False)
    ax.margins(y=0.15)
    return fig
