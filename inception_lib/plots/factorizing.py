"""Figures for chapters 1-2 (factorizing convolutions): receptive fields, kernels, costs over n.

Every function takes numbers computed elsewhere (``inception_lib.kernels``, ``inception_lib.counting``),
draws them and returns the Figure; none computes what it shows, so a figure cannot disagree with the
library's counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .common import format_count, grouped_bars, new_figure

__all__ = [
    "plot_receptive_fields",
    "plot_kernels",
    "plot_singular_values",
    "plot_cost_curves",
    "plot_factorization_sweep",
]


def _grid_shape(count: int, ncols: int | None) -> tuple[int, int]:
    if count < 1:
        raise ValueError("nothing to draw: pass at least one panel")
    ncols = count if ncols is None else max(1, min(ncols, count))
    return -(-count // ncols), ncols


def _format_value(value: float, digits: int) -> str:
    rounded = round(float(value), digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    if rounded.is_integer():
        return f"{int(rounded)}"
    return f"{rounded:.{digits}f}"


def _heatmaps(
    panels: Mapping[str, np.ndarray],
    title: str,
    xlabel: str,
    ylabel: str,
    colorbar_label: str,
    ncols: int | None,
    cmap: str,
    symmetric: bool,
    digits: int,
    annotate: bool,
    skip_zeros: bool,
) -> Figure:
    nrows, ncols = _grid_shape(len(panels), ncols)
    fig, axes = new_figure(3.1 * ncols, 3.0 * nrows + 0.4, ncols=ncols, nrows=nrows)
    axes_list = list(np.atleast_1d(axes).flat)
    for ax, (name, values) in zip(axes_list, panels.items(), strict=False):
        values = np.asarray(values, dtype=float)
        ax.grid(False)
        if symmetric:
            limit = float(np.abs(values).max()) or 1.0
            image = ax.imshow(values, cmap=cmap, vmin=-limit, vmax=limit)
        else:
            image = ax.imshow(values, cmap=cmap, vmin=0.0, vmax=float(values.max()) or 1.0)
        if annotate:
            limit = float(np.abs(values).max()) or 1.0
            for (i, j), v in np.ndenumerate(values):
                if v != 0 or not skip_zeros:
                    colour = "white" if abs(v) > 0.6 * limit else "black"
                    ax.text(
                        j, i, _format_value(v, digits), ha="center", va="center", fontsize=7, color=colour
                    )
        ax.set_title(name, fontsize=10)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_xticks(range(values.shape[1]))
        ax.set_yticks(range(values.shape[0]))
        ax.tick_params(labelsize=7)
        fig.colorbar(image, ax=ax, shrink=0.8, label=colorbar_label)
    for ax in axes_list[len(panels) :]:
        ax.set_visible(False)
    fig.suptitle(title)
    return fig


def plot_receptive_fields(
    fields: Mapping[str, np.ndarray],
    title: str = "Receptive field of the centre output pixel",
    ncols: int | None = None,
    annotate: bool = True,
) -> Figure:
    """Heatmaps of receptive-field maps (``kernels.receptive_field``), one panel per entry.

    The colour and the printed number of each input pixel are the number of paths from it to the centre
    output pixel; pixels without a path stay blank (sec. 3.1, Figure 1: two 3×3 see the 5×5 window of one
    5×5, weighted towards its centre).
    """
    return _heatmaps(
        fields,
        title,
        xlabel="input column (pixels)",
        ylabel="input row (pixels)",
        colorbar_label="paths to the output pixel",
        ncols=ncols,
        cmap="Blues",
        symmetric=False,
        digits=2,
        annotate=annotate,
        skip_zeros=True,
    )


def plot_kernels(
    kernels: Mapping[str, np.ndarray],
    title: str = "Convolution kernels",
    ncols: int | None = None,
    digits: int = 2,
) -> Figure:
    """Heatmaps of 2-D kernels with their weights printed, blue negative and red positive (sec. 3.2)."""
    return _heatmaps(
        kernels,
        title,
        xlabel="kernel column (tap)",
        ylabel="kernel row (tap)",
        colorbar_label="weight",
        ncols=ncols,
        cmap="RdBu_r",
        symmetric=True,
        digits=digits,
        annotate=True,
        skip_zeros=False,
    )


def plot_singular_values(
    values: Mapping[str, Sequence[float]], title: str = "Singular values of 3×3 kernels"
) -> Figure:
    """Grouped bars of singular values (σ1 ≥ σ2 ≥ ...), one colour per kernel. One non-zero bar = rank 1."""
    lengths = {len(v) for v in values.values()}
    if len(lengths) != 1:
        raise ValueError("every kernel must have the same number of singular values")
    (count,) = lengths
    labels = [f"σ{i + 1}" for i in range(count)]
    series = {name: [float(x) for x in v] for name, v in values.items()}
    return grouped_bars(
        labels,
        series,
        title=title,
        ylabel="singular value (weight units)",
        xlabel="singular value index",
        value_format=lambda v: f"{v:.2f}",
    )


def plot_cost_curves(
    x: Sequence[float],
    series: Mapping[str, Sequence[float]],
    title: str,
    xlabel: str,
    ylabel: str,
    logy: bool = False,
    ax=None,
) -> Figure:
    """Lines with markers, one per series, each labelled with its last value (costs over kernel size n)."""
    if ax is None:
        fig, ax = new_figure(7.0, 4.0)
    else:
        fig = ax.figure
    for name, values in series.items():
        if len(values) != len(x):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(x)} x positions")
        (line,) = ax.plot(x, values, marker="o", label=name)
        ax.annotate(
            format_count(values[-1]),
            (x[-1], values[-1]),
            textcoords="offset points",
            xytext=(6, 0),
            va="center",
            fontsize=8,
            color=line.get_color(),
        )
    if logy:
        ax.set_yscale("log")
    ax.set_xticks(list(x))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False)
    ax.margins(x=0.12)
    return fig


def plot_factorization_sweep(
    n_values: Sequence[int],
    params: Mapping[str, Sequence[float]],
    macs: Mapping[str, Sequence[float]],
    channels: int,
    grid: int,
) -> Figure:
    """Two panels over the window size n: parameters and MACs of each way to see an n×n window.

    The static twin of ``widgets.factorization_explorer``: the rendered page runs no Python, so it shows
    the same sweep as a picture. ``params``/``macs`` map a method name to one value per ``n``.
    """
    fig, axes = new_figure(11.0, 4.2, ncols=2)
    plot_cost_curves(
        n_values,
        params,
        title=f"Parameters, {channels}→{channels} channels",
        xlabel="window size n (pixels)",
        ylabel="parameters (count)",
        ax=axes[0, 0],
    )
    plot_cost_curves(
        n_values,
        macs,
        title=f"MACs on a {grid}×{grid} grid",
        xlabel="window size n (pixels)",
        ylabel="multiply-accumulates (count)",
        ax=axes[0, 1],
    )
    fig.suptitle("Cost of an n×n window: one n×n vs stacked 3×3 vs 1×n + n×1")
    return fig
