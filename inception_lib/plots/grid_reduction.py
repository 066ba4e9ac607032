"""Figures for chapter 3 (reducing the grid, paper sec. 5): the three strategies drawn from their modules
with the tensor size at every step, their costs beside what a linear decoder recovers, the decoded inputs
themselves, and one view of the chapter's explorer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Patch
from matplotlib.ticker import FuncFormatter
from torch import nn

from ..anatomy import Node, module_tree, pair
from .common import OKABE_ITO, bare_axes, format_count, new_figure, tick_count
from .modules import DIAGRAM_UNITS, TreeLayout, conv_of, draw_tree

__all__ = [
    "STRATEGY_COLOURS",
    "strategy_diagrams",
    "reduction_comparison",
    "reconstruction_grid",
    "strategy_cost_view",
]

# One colour per strategy, the same in every figure of the chapter (Okabe-Ito: colour-blind safe).
STRATEGY_COLOURS = (OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[2], OKABE_ITO[4])
_FILL = {"input": "#ffffff", "conv1x1": "#f7ee9e", "conv": "#bfe1f6", "pool": "#a8dccb", "concat": "#e6e6e6"}
_WAIST = OKABE_ITO[3]  # vermillion outline: the narrowest tensor on the way
_POOLS = (nn.MaxPool2d, nn.AvgPool2d)


def _check_lengths(names: Sequence[str], **columns: Sequence[float]) -> None:
    for key, values in columns.items():
        if len(values) != len(names):
            raise ValueError(f"{key} has {len(values)} values for {len(names)} names")


# --- Diagrams of the strategies, read off the modules -------------------------------------------------


def _size(shape: Sequence[int]) -> str:
    c, h, w = shape
    return f"{h}×{w}×{c}"


def _step_label(node: Node) -> str:
    """A box's first line: '3×3/2 conv', '3×3/2 max pool', 'concat', 'input'."""
    module, conv = node.module, conv_of(node.module)
    if node.kind in ("input", "branches"):
        return "input" if node.kind == "input" else "concat"
    if conv is not None:
        kh, kw = conv.kernel_size
        return f"{kh}×{kw}{f'/{conv.stride[0]}' if conv.stride[0] > 1 else ''} conv"
    if isinstance(module, _POOLS):
        k, s = pair(module.kernel_size)[0], pair(module.stride)[0]
        kind = "max" if isinstance(module, nn.MaxPool2d) else "avg"
        return f"{k}×{k}{f'/{s}' if s > 1 else ''} {kind} pool"
    return type(module).__name__


def _fill(node: Node) -> str:
    module, conv = node.module, conv_of(node.module)
    if node.kind == "input":
        return "input"
    if conv is not None:
        return "conv1x1" if tuple(conv.kernel_size) == (1, 1) else "conv"
    return "pool" if isinstance(module, _POOLS) else "concat"


def _numel(shape: Sequence[int]) -> int:
    return int(np.prod(shape))


_BOX_W, _BOX_H = 0.9, 0.66


def _layout(waist: Node | None) -> TreeLayout:
    """Boxes of one column each (1.4 inches in the figure), the waist outlined; ``plots.modules``' engine."""

    def box(ax, x: float, row: int, node: Node, width: float):
        y = -row
        thick = node is waist
        ax.add_patch(
            FancyBboxPatch(
                (x - width / 2, y - _BOX_H / 2),
                width,
                _BOX_H,
                boxstyle="round,pad=0.02,rounding_size=0.08",
                facecolor=_FILL[_fill(node)],
                edgecolor=_WAIST if thick else "#444444",
                linewidth=2.4 if thick else 0.8,
            )
        )
        ax.text(x, y + 0.12, _step_label(node), ha="center", va="center", fontsize=9)
        ax.text(x, y - 0.15, _size(node.shape), ha="center", va="center", fontsize=9, color="#333333")
        return [(x, y + _BOX_H / 2)], [(x, y - _BOX_H / 2)]

    return TreeLayout(
        span=lambda node: node.width,
        box_width=lambda node: _BOX_W if not node.children else node.width - 1 + _BOX_W,
        box=box,
    )


def _waist(tree: Node) -> Node | None:
    """The top-level step whose output is the smallest, if it is smaller than the block's output."""
    steps = tree.children[1:]
    smallest = min(steps, key=lambda s: _numel(s.shape))
    return smallest if _numel(smallest.shape) < _numel(tree.shape) else None


def _strategy_tree(block: nn.Module, input_shape: Sequence[int]) -> Node:
    shape = tuple(int(s) for s in input_shape)
    if len(shape) != 3:
        raise ValueError(f"input_shape must be (C, H, W), got {tuple(input_shape)!r}")
    return module_tree(block, shape, units=DIAGRAM_UNITS)


def strategy_diagrams(
    blocks: Mapping[str, nn.Module],
    input_shape: Sequence[int],
    notes: Mapping[str, str] | None = None,
    title: str = "",
) -> Figure:
    """The strategies side by side, each drawn from its module with H×W×C under every box.

    Data flows top to bottom; branches run side by side into a grey concat box. A vermillion outline
    marks a step whose output is smaller than the block's output: the representational bottleneck.
    ``notes`` adds a line under a panel's title (e.g. its cost). Every branch column is 1.4 inches wide,
    so pass one strategy at a time for a figure that fits a page's text column (about 6.9 inches):
    a four-branch module is about 6.4 inches wide.
    """
    if not blocks:
        raise ValueError("blocks must name at least one strategy")
    trees = {name: _strategy_tree(block, input_shape) for name, block in blocks.items()}
    widths = [t.width for t in trees.values()]
    rows = max(t.height for t in trees.values())
    fig, axes = new_figure(1.4 * sum(widths) + 0.8, 0.75 * rows + 2.2, ncols=len(trees))
    axes = np.atleast_1d(axes).ravel()
    # Panels as wide as their diagrams, so every box has the same size.
    fig.get_layout_engine().set(w_pad=0.02, wspace=0.02)
    gs = axes[0].get_gridspec()
    gs.set_width_ratios(widths)
    for ax, (name, tree) in zip(axes, trees.items(), strict=True):
        draw_tree(ax, tree, 0.0, float(tree.width), 0, _layout(_waist(tree)))
        ax.set_xlim(-0.05, tree.width + 0.05)
        ax.set_ylim(-(rows - 1) - 0.5, 0.5)
        bare_axes(ax)
        note = (notes or {}).get(name, "")
        ax.set_title(name + (f"\n{note}" if note else ""), fontsize=10)
    handles = [
        Patch(facecolor=_FILL["conv1x1"], edgecolor="#444444", label="1×1 conv"),
        Patch(facecolor=_FILL["conv"], edgecolor="#444444", label="larger conv"),
        Patch(facecolor=_FILL["pool"], edgecolor="#444444", label="pooling"),
        Patch(facecolor=_FILL["concat"], edgecolor="#444444", label="concatenation"),
        Patch(facecolor="white", edgecolor=_WAIST, linewidth=2.4, label="bottleneck (smaller than output)"),
    ]
    ncol = 5 if sum(widths) >= 7 else 2  # a narrow figure stacks its legend in rows
    fig.legend(handles=handles, loc="outside lower center", ncol=ncol, frameon=False, fontsize=9)
    fig.suptitle(title or f"Three ways to halve the grid, from {_size(input_shape)} (H×W×C under each box)")
    return fig


# --- Cost against what survives -----------------------------------------------------------------------


def _short(name: str) -> str:
    """A strategy's name on two or three short lines, for a tick label under a narrow bar."""
    return name.replace(" → ", " →\n").replace(" (", "\n(")


def _bars(
    ax, names: Sequence[str], values: Sequence[float], title: str, ylabel: str, fmt=format_count
) -> None:
    bars = ax.bar(np.arange(len(names)), values, color=STRATEGY_COLOURS[: len(names)])
    ax.bar_label(bars, labels=[fmt(v) for v in values], fontsize=9, padding=2)
    ax.set_xticks(np.arange(len(names)), [_short(n) for n in names], fontsize=9)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("strategy")
    ax.yaxis.set_major_formatter(FuncFormatter(tick_count))
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

    Parameters, MACs (conv + linear) and the smallest representation on the way (numbers per example)
    come from one setting (``cost_setting``, e.g. "35×35×288 → 17×17×768"); the linear reconstruction
    errors, one bar group per input kind in ``errors``, may come from a smaller one (``error_setting``).
    Each strategy keeps its colour in every panel.
    """
    _check_lengths(strategies, params=params, macs=macs, smallest=smallest, **dict(errors))
    fig, axes = new_figure(6.6, 8.0, ncols=2, nrows=2)
    suffix = f"\n({cost_setting})" if cost_setting else ""
    _bars(axes[0, 0], strategies, params, "Parameters" + suffix, "parameters (count)")
    _bars(axes[0, 1], strategies, macs, "MACs, conv + linear" + suffix, "MACs per example")
    _bars(
        axes[1, 0],
        strategies,
        smallest,
        "Smallest tensor on the way" + suffix,
        "numbers per example (C×H×W)",
    )
    ax = axes[1, 1]
    kinds = list(errors)
    x = np.arange(len(kinds))
    width = 0.8 / len(strategies)
    for i, name in enumerate(strategies):
        values = [errors[k][i] for k in kinds]
        bars = ax.bar(
            x + (i - (len(strategies) - 1) / 2) * width, values, width, label=name, color=STRATEGY_COLOURS[i]
        )
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=9, padding=2, rotation=90)
    ax.set_xticks(x, [f"{k} inputs" for k in kinds])
    ax.set_xlabel("input kind")
    ax.set_ylabel("relative error (0 = exact, 1 = mean)")
    title = "Linear reconstruction error"
    ax.set_title(title + (f"\n({error_setting})" if error_setting else ""), fontsize=10)
    top = max(max(v) for v in errors.values()) if errors else 1.0
    ax.set_ylim(0, max(1.0, top) * 1.15)
    fig.legend(*ax.get_legend_handles_labels(), frameon=False, fontsize=9, loc="outside lower center", ncol=2)
    fig.suptitle("Three ways to halve the grid:\ncost against what survives")
    return fig


def reconstruction_grid(
    inputs: torch.Tensor,
    reconstructions: Mapping[str, torch.Tensor],
    channel: int = 0,
    errors: Mapping[str, float] | None = None,
) -> Figure:
    """Held-out inputs (top row) and their linear reconstructions from each representation (one row each).

    Shows one ``channel`` of every example; every panel shares one diverging colour scale (symmetric
    around 0), so a faded reconstruction looks faded. ``errors`` adds each row's relative error to its
    label.
    """
    rows = {"input": inputs, **reconstructions}
    n = int(inputs.shape[0])
    for name, t in rows.items():
        if tuple(t.shape) != tuple(inputs.shape):
            raise ValueError(f"{name}: shape {tuple(t.shape)} differs from the inputs' {tuple(inputs.shape)}")
    if not 0 <= channel < inputs.shape[1]:
        raise ValueError(f"channel must be in [0, {inputs.shape[1]}), got {channel}")
    limit = max(float(t[:, channel].abs().max()) for t in rows.values())
    side = min(1.1, 4.2 / n)  # panels in inches: the row labels and the colour bar fit beside them
    fig, axes = new_figure(side * n + 2.3, side * len(rows) + 1.1, ncols=n, nrows=len(rows))
    axes = np.asarray(axes).reshape(len(rows), n)
    image = None
    for r, (name, t) in enumerate(rows.items()):
        for c in range(n):
            ax = axes[r, c]
            image = ax.imshow(t[c, channel].detach().cpu().numpy(), cmap="PuOr", vmin=-limit, vmax=limit)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            if r == 0:
                ax.set_title(f"example {c + 1}", fontsize=9)
        label = name.replace(": ", ":\n").replace(", ", ",\n")
        if errors and name in errors:
            label += f"\nerror {errors[name]:.2f}"
        axes[r, 0].set_ylabel(label, fontsize=9, rotation=0, ha="right", va="center")
    fig.colorbar(image, ax=axes, shrink=0.6, label=f"value of channel {channel} (input units)")
    fig.suptitle("What a linear decoder rebuilds from each representation\n(held-out inputs)")
    return fig


def strategy_cost_view(
    names: Sequence[str], macs: Sequence[int], smallest: Sequence[int], output: Sequence[int], setting: str
) -> Figure:
    """One view of chapter 3's explorer: MACs and the narrowest tensor of each strategy at one setting.

    Right panel: the narrowest representation on the way as a share of the output's size (100% = no
    bottleneck), labelled with its count.
    """
    _check_lengths(names, macs=macs, smallest=smallest, output=output)
    fig, axes = new_figure(6.5, 4.6, nrows=2)
    y = np.arange(len(names))
    colours = STRATEGY_COLOURS[: len(names)]
    ax = axes[0, 0]
    bars = ax.barh(y, macs, color=colours)
    ax.bar_label(bars, labels=[format_count(v) for v in macs], fontsize=9, padding=2)
    ax.set_xlabel("MACs per example (conv + linear)")
    ax.set_title("Cost", fontsize=10)
    ax.xaxis.set_major_formatter(FuncFormatter(tick_count))
    ax = axes[1, 0]
    shares = [100 * s / o for s, o in zip(smallest, output, strict=True)]
    bars = ax.barh(y, shares, color=colours)
    ax.bar_label(bars, labels=[f"{s:,} numbers" for s in smallest], fontsize=9, padding=2)
    ax.set_xlim(0, 160)
    ax.set_xlabel("narrowest tensor, % of the output's size")
    ax.set_title("Bottleneck", fontsize=10)
    for ax in axes.ravel():
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_ylabel("strategy")
        ax.grid(True, axis="x", alpha=0.3)
        ax.grid(False, axis="y")
        ax.margins(x=0.25)
    fig.suptitle(setting)
    return fig
