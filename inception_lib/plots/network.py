"""Figures for chapters 3 and 4: the grid-reduction strategies, where the network spends its parameters
and MACs, and the measured cost of the Table 3 networks beside the paper's column."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .common import format_count, grouped_bars, new_figure

__all__ = ["reduction_comparison", "stage_breakdown", "cost_comparison"]

_COLORS = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C")


def _tick(value: float, _position: object = None) -> str:
    """Axis tick label: 250000 -> '250 k', 1.5e9 -> '1.5 G'."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:g} {suffix}"
    return f"{value:g}"


def _check_lengths(names: Sequence[str], **columns: Sequence[float]) -> None:
    for key, values in columns.items():
        if len(values) != len(names):
            raise ValueError(f"{key} has {len(values)} values for {len(names)} names")


def _bars(
    ax, names: Sequence[str], values: Sequence[float], title: str, ylabel: str, fmt=format_count
) -> None:
    bars = ax.bar(np.arange(len(names)), values, color=_COLORS[: len(names)])
    ax.bar_label(bars, labels=[fmt(v) for v in values], fontsize=8, padding=2)
    ax.set_xticks(np.arange(len(names)), names, fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("strategy")
    ax.yaxis.set_major_formatter(FuncFormatter(_tick))
    ax.margins(y=0.18)


def reduction_comparison(
    strategies: Sequence[str],
    params: Sequence[int],
    macs: Sequence[int],
    smallest: Sequence[int],
    errors: Mapping[str, Sequence[float]],
    cost_setting: str = "",
    error_setting: str = "",
) -> Figure:
    """Four panels comparing grid-reduction strategies (sec. 5, Figures 9 and 10).

    Parameters, MACs and the smallest representation on the way (numbers per example) come from one
    setting (``cost_setting``, e.g. "35×35×288 → 17×17×768"); the linear reconstruction errors, one bar
    group per input kind in ``errors``, may come from a smaller one (``error_setting``).
    """
    _check_lengths(strategies, params=params, macs=macs, smallest=smallest, **dict(errors))
    fig, axes = new_figure(10.0, 7.0, ncols=2, nrows=2)
    suffix = f" ({cost_setting})" if cost_setting else ""
    _bars(axes[0, 0], strategies, params, "Parameters" + suffix, "parameters (count)")
    _bars(axes[0, 1], strategies, macs, "Multiply-accumulates" + suffix, "MACs per image (count)")
    _bars(
        axes[1, 0],
        strategies,
        smallest,
        "Smallest representation on the way" + suffix,
        "numbers per image (C×H×W)",
    )
    ax = axes[1, 1]
    kinds = list(errors)
    x = np.arange(len(kinds))
    width = 0.8 / len(strategies)
    for i, name in enumerate(strategies):
        values = [errors[k][i] for k in kinds]
        bars = ax.bar(
            x + (i - (len(strategies) - 1) / 2) * width, values, width, label=name, color=_COLORS[i]
        )
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=8, padding=2)
    ax.set_xticks(x, [f"{k} inputs" for k in kinds])
    ax.set_xlabel("input kind")
    ax.set_ylabel("relative error (0 = exact, 1 = mean)")
    title = "Linear reconstruction of the input"
    ax.set_title(title + (f" ({error_setting})" if error_setting else ""), fontsize=10)
    top = max(max(v) for v in errors.values()) if errors else 1.0
    ax.set_ylim(0, max(1.0, top) * 1.3)  # room for the legend above the bars
    ax.legend(frameon=False, fontsize=8, loc="upper center", ncol=len(strategies), bbox_to_anchor=(0.5, 1.0))
    fig.suptitle("Three ways to halve the grid: cost against what survives")
    return fig


def stage_breakdown(
    stages: Sequence[str], params: Sequence[int], macs: Sequence[int], title: str = ""
) -> Figure:
    """Where a network's parameters and MACs go, stage by stage (two horizontal bar panels).

    Each bar is labelled with its count and its share of the column's total.
    """
    _check_lengths(stages, params=params, macs=macs)
    fig, axes = new_figure(11.0, 0.45 * len(stages) + 1.8, ncols=2)
    y = np.arange(len(stages))
    for ax, values, name, unit in (
        (axes[0, 0], params, "Parameters", "parameters (count)"),
        (axes[0, 1], macs, "Multiply-accumulates", "MACs per 299×299 image (count)"),
    ):
        total = float(sum(values)) or 1.0
        bars = ax.barh(y, values, color=[_COLORS[i % len(_COLORS)] for i in range(len(stages))])
        ax.bar_label(
            bars,
            labels=[f"{format_count(v)} ({100 * v / total:.0f}%)" for v in values],
            fontsize=8,
            padding=2,
        )
        ax.set_yticks(y, stages)
        ax.invert_yaxis()
        ax.set_xlabel(unit)
        ax.set_ylabel("stage")
        ax.set_title(name, fontsize=10)
        ax.xaxis.set_major_formatter(FuncFormatter(_tick))
        ax.grid(True, axis="x", alpha=0.3)
        ax.grid(False, axis="y")
        ax.margins(x=0.3)
    fig.suptitle(title or "Where the parameters and the computation go")
    return fig


def cost_comparison(networks: Sequence[str], paper: Sequence[float], measured: Sequence[float]) -> Figure:
    """The paper's Table 3 "Cost Bn Ops" beside a measured count (billions of multiply-accumulates)."""
    _check_lengths(networks, paper=paper, measured=measured)
    return grouped_bars(
        networks,
        {"paper (Table 3)": list(paper), "measured (this book)": list(measured)},
        title="Cost per image: Table 3 against a count of the graph",
        ylabel="billions of multiply-accumulates",
        xlabel="network",
        value_format=lambda v: f"{v:.2f}",
    )
