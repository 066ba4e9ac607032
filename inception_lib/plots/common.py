"""Shared figure helpers: the book's style (colour-blind-safe palette, opaque background, readable
labels), bar charts with value labels.

``BOOK_STYLE`` is applied once when ``inception_lib.plots`` is imported: the Okabe-Ito palette (safe for
the common colour-vision deficiencies), fonts of at least 9 pt, and an opaque white figure background, so
a figure stays readable when the book is shown in dark mode (a transparent PNG would put black labels on a
dark page). ``new_figure`` sets the background on the figure itself too, because Jupyter's inline backend
resets the rc background to transparent when it is activated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.figure import Figure

__all__ = ["OKABE_ITO", "BOOK_STYLE", "new_figure", "grouped_bars", "format_count"]

# Okabe & Ito (2008), "Color Universal Design": distinguishable with protanopia, deuteranopia, tritanopia.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

BOOK_STYLE = {
    "axes.prop_cycle": cycler(color=list(OKABE_ITO)),
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "image.cmap": "viridis",
}
mpl.rcParams.update(BOOK_STYLE)


def format_count(value: float) -> str:
    """Human-readable count: 27161264 -> '27.16 M', 5731282144 -> '5.731 G'."""
    for limit, suffix, digits in ((1e9, "G", 3), (1e6, "M", 2), (1e3, "k", 1)):
        if abs(value) >= limit:
            return f"{value / limit:.{digits}f} {suffix}"
    return f"{value:g}"


def new_figure(width: float = 7.0, height: float = 4.0, ncols: int = 1, nrows: int = 1):
    """A figure with ``nrows × ncols`` axes and the book's style (light grid, no top/right spines)."""
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width, height), squeeze=False, layout="constrained", facecolor="white"
    )
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
        ax.bar_label(bars, labels=[value_format(v) for v in values], fontsize=9, padding=2)
    ax.set_xticks(x, labels)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if xlabel:
        ax.set_xlabel(xlabel)
    if len(series) > 1:
        ax.legend(frameon=False)
    ax.margins(y=0.15)
    return fig
