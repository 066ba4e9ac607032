"""Figures for chapter 1 (factorizing convolutions): receptive fields, kernels, costs over n.

Every function takes numbers computed elsewhere (``inception_lib.kernels``, ``inception_lib.counting``),
draws them and returns the Figure; none computes what it shows, so a figure cannot disagree with the
library's counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .common import OKABE_ITO, format_count, grouped_bars, new_figure

__all__ = [
    "plot_receptive_fields",
    "plot_kernels",
    "plot_singular_values",
    "plot_cost_curves",
    "plot_window_view",
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
    shared_scale: bool = False,
    panel_size: float = 1.85,
    numbers: Mapping[str, np.ndarray] | None = None,
) -> Figure:
    """One heatmap per panel, with one pair of axis labels for the whole figure.

    ``shared_scale``: one colour scale (and one colour bar) for all panels, so equal colours mean equal
    values across panels (kernel, fit and residual compare at a glance). ``numbers`` prints other values
    than the coloured ones (e.g. path counts on a map coloured by share), panel by panel.
    """
    nrows, ncols = _grid_shape(len(panels), ncols)
    bar = 0.75 if shared_scale else 0.75 * ncols  # inches for the colour bar(s) and their labels
    fig, axes = new_figure(
        panel_size * ncols + bar + 0.35, 0.97 * panel_size * nrows + 0.9, ncols=ncols, nrows=nrows
    )
    axes_list = list(np.atleast_1d(axes).flat)
    arrays = {name: np.asarray(values, dtype=float) for name, values in panels.items()}
    common = max((float(np.abs(v).max()) for v in arrays.values()), default=0.0) or 1.0
    image = None
    for ax, (name, values) in zip(axes_list, arrays.items(), strict=False):
        ax.grid(False)
        limit = common if shared_scale else (float(np.abs(values).max()) or 1.0)
        if symmetric:
            image = ax.imshow(values, cmap=cmap, vmin=-limit, vmax=limit)
        else:
            image = ax.imshow(values, cmap=cmap, vmin=0.0, vmax=limit)
        if annotate:
            shown = values if numbers is None else np.asarray(numbers[name], dtype=float)
            for (i, j), v in np.ndenumerate(values):
                if v != 0 or not skip_zeros:
                    colour = "white" if abs(v) > 0.6 * limit else "black"
                    ax.text(
                        j,
                        i,
                        _format_value(shown[i, j], digits),
                        ha="center",
                        va="center",
                        fontsize=9,
                        color=colour,
                    )
        ax.set_title(name, fontsize=10)
        step = 1 if values.shape[1] <= 11 else 2
        ax.set_xticks(range(0, values.shape[1], step))
        ax.set_yticks(range(0, values.shape[0], step))
        ax.tick_params(labelsize=9)
        if not shared_scale:
            fig.colorbar(image, ax=ax, shrink=0.8, label=colorbar_label)
    shown_axes = axes_list[: len(arrays)]
    if shared_scale and image is not None:
        fig.colorbar(image, ax=shown_axes, shrink=0.8, label=colorbar_label)
    for ax in axes_list[len(panels) :]:
        ax.set_visible(False)
    # one label per axis for the figure, not one pair per panel
    fig.supxlabel(xlabel, fontsize=10)
    fig.supylabel(ylabel, fontsize=10)
    fig.suptitle(title)
    return fig


def plot_receptive_fields(
    fields: Mapping[str, np.ndarray],
    title: str = "Receptive field of the centre output pixel",
    ncols: int | None = None,
    annotate: bool = True,
    relative: bool = False,
    outline: bool = False,
    panel_size: float = 1.85,
) -> Figure:
    """Heatmaps of receptive-field maps (``kernels.receptive_field``), one panel per entry.

    The printed number of each input pixel is the number of paths from it to the centre output pixel;
    pixels without a path stay blank (sec. 3.1, Figure 1: two 3×3 see the 5×5 window of one 5×5, weighted
    towards its centre).

    ``relative`` colours each map by its share of its own largest entry, on one scale with one colour bar
    (maps count from one path to millions; the share of the best-connected pixel compares across them);
    the printed numbers stay the path counts. Without it every panel has its own scale and colour bar.
    ``outline`` frames each map's window (its non-zero support) and names its size in the panel.
    """
    counts = {name: np.asarray(f, dtype=float) for name, f in fields.items()}
    shown = {
        name: (f / (float(np.abs(f).max()) or 1.0) if relative else f) for name, f in counts.items()
    }
    fig = _heatmaps(
        shown,
        title,
        xlabel="input column (pixels)",
        ylabel="input row (pixels)",
        colorbar_label="paths, share of the map's most" if relative else "paths to the output pixel",
        ncols=ncols,
        cmap="Blues",
        symmetric=False,
        digits=2,
        annotate=annotate,
        skip_zeros=True,
        shared_scale=relative,
        panel_size=panel_size,
        numbers=counts,
    )
    if outline:
        for ax, field in zip((a for a in fig.axes if a.images), shown.values(), strict=False):
            _outline_window(ax, field)
    return fig


def plot_kernels(
    kernels: Mapping[str, np.ndarray],
    title: str = "Convolution kernels",
    ncols: int | None = None,
    digits: int = 2,
    shared_scale: bool = True,
    panel_size: float = 1.85,
) -> Figure:
    """Heatmaps of 2-D kernels with their weights printed, blue negative and red positive (sec. 3.2).

    By default every panel uses one colour scale (one colour bar), so a kernel, its fit and the residual
    compare directly: a faint residual is a small one. ``shared_scale=False`` scales each panel alone.
    """
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
        shared_scale=shared_scale,
        panel_size=panel_size,
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
    _, ax = new_figure(6.4, 3.8)
    return grouped_bars(
        labels,
        series,
        title=title,
        ylabel="singular value (weight units)",
        xlabel="singular value index",
        value_format=lambda v: f"{v:.2f}",
        ax=ax,
    )


def _outline_window(ax, field: np.ndarray) -> None:
    """Frame the non-zero support of ``field`` on ``ax`` and name its size above the frame."""
    rows, cols = np.nonzero(np.asarray(field) != 0)
    if rows.size == 0:
        return
    top, left = rows.min() - 0.5, cols.min() - 0.5
    height, width = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
    ax.add_patch(Rectangle((left, top), width, height, fill=False, edgecolor=OKABE_ITO[3], linewidth=1.8))
    ax.text(
        left + width / 2,
        top - 0.3,
        f"window {height}×{width}",
        ha="center",
        va="bottom",
        fontsize=9,
        color=OKABE_ITO[3],
        fontweight="bold",
    )


def plot_window_view(field: np.ndarray, title: str, subtitle: str) -> Figure:
    """One receptive-field map (share of the most-connected pixel's paths), its window framed.

    A light figure for explorers that render one view per control value: a plain ``Figure`` with fixed
    axes (no pyplot, no layout engine), several times faster to draw and save than the general
    ``plot_receptive_fields``.
    """
    values = np.asarray(field, dtype=float)
    peak = float(np.abs(values).max()) or 1.0
    fig = Figure(figsize=(4.6, 4.3), facecolor="white")
    ax = fig.add_axes((0.13, 0.11, 0.64, 0.68))
    cax = fig.add_axes((0.81, 0.11, 0.035, 0.68))
    image = ax.imshow(values / peak, cmap="Blues", vmin=0.0, vmax=1.0)
    fig.colorbar(image, cax=cax, label="paths (share of the most)")
    _outline_window(ax, values)
    step = 1 if values.shape[1] <= 11 else 4
    ax.set_xticks(range(0, values.shape[1], step))
    ax.set_yticks(range(0, values.shape[0], step))
    ax.tick_params(labelsize=9)
    cax.tick_params(labelsize=9)
    ax.set_xlabel("input column (pixels)")
    ax.set_ylabel("input row (pixels)")
    ax.set_title(subtitle, fontsize=10)
    fig.suptitle(title, fontsize=11, y=0.97)
    return fig


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
        fig, ax = new_figure(6.6, 4.0)
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
            fontsize=9,
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
