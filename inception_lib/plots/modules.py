"""Figures for chapter 2 (Inception modules): block diagrams drawn from the module objects themselves, and
where a module's cost goes, branch by branch.

The paper draws its modules by hand (Figures 4-7, 9, 10), and hand-drawn diagrams drift from code. Here a
diagram is *read off* a module: ``anatomy.module_tree`` runs one forward pass with hooks and reads every
submodule as a chain (each child's input is the previous child's output), drawn as a column of boxes, or
as branches (every child receives the module's input and the output is the concatenation of theirs),
drawn side by side and joined by a "concat" box. Convolution units (``ConvBNReLU`` or a bare
``nn.Conv2d``) and pooling layers are boxes, labelled from the objects: "1×7 conv, 160" reads
``kernel_size`` and ``out_channels`` from the ``nn.Conv2d``; "3×3/2 max pool, 288" reads the pooling layer
and the channels it passed. Any module built from chains and concatenations of such units can be drawn: the
Figure 5/6/7 modules, GoogLeNet's Figure 4 module, the grid reductions.

Each box also shows the tensor it outputs, H×W×C, from the same forward pass: run the module on the grid it
works on in the network (``input_size=35`` for a 35×35 module) and the diagram states every grid size, so a
stride-2 box visibly halves the grid. A legend names the box colours (Okabe-Ito tints, colour-blind safe).

``draw_tree`` is the one drawing engine for such trees; chapter 3's strategy diagrams
(``plots.grid_reduction``) use it with boxes of their own.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Patch
from matplotlib.textpath import TextPath
from matplotlib.ticker import FuncFormatter
from torch import nn

from ..anatomy import Node, module_tree, pair
from ..counting import as_input_shape
from ..layers import ConvBNReLU
from .common import OKABE_ITO, bare_axes, format_count, new_figure, tick_count

__all__ = [
    "DIAGRAM_UNITS",
    "TreeLayout",
    "draw_tree",
    "diagram_labels",
    "box_text",
    "plot_module_diagram",
    "plot_branch_costs",
]

_POOLS = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
# The modules a diagram draws as one box (``anatomy.module_tree``'s ``units``).
DIAGRAM_UNITS = (ConvBNReLU, nn.Conv2d, *_POOLS)


# --- The drawing engine: a tree of boxes, chains top to bottom, branches side by side ------------------

Anchors = tuple[list[tuple[float, float]], list[tuple[float, float]]]  # top and bottom arrow anchors


@dataclass(frozen=True)
class TreeLayout:
    """How ``draw_tree`` lays out a tree and draws its boxes.

    ``span(node)`` is the width a node needs (a unit, a chain or branches side by side) and
    ``box_width(node)`` the width of a unit's box or of the concatenation box under branches, both in
    x units; ``gap`` separates neighbouring branches. ``box(ax, x, row, node, width)`` draws the box of a
    unit (or, for a "branches" node, its concatenation) centred at ``x`` on ``row`` (rows grow downwards,
    one unit of y each) and returns its top and bottom anchors for the arrows.
    """

    span: Callable[[Node], float]
    box_width: Callable[[Node], float]
    box: Callable[..., Anchors]
    gap: float = 0.0


def _arrows(ax, sources, targets) -> None:
    for start in sources:
        for end in targets:
            ax.annotate(
                "",
                xy=end,
                xytext=start,
                arrowprops={"arrowstyle": "-|>", "color": "#555555", "lw": 0.8, "shrinkA": 0, "shrinkB": 0},
            )


def draw_tree(ax, node: Node, x0: float, width: float, row: int, layout: TreeLayout) -> Anchors:
    """Draw ``node`` centred in [x0, x0 + width) from ``row`` down; return its top and bottom anchors.

    A chain stacks its children with an arrow from each to the next; branches stand side by side
    (each as wide as ``layout.span`` says) above one concatenation box that spans them all (the paper's
    "filter concat"), so every arrow into it is vertical.
    """
    if not node.children:
        return layout.box(ax, x0 + width / 2, row, node, layout.box_width(node))
    if node.kind == "chain":
        tops, bottoms = None, None
        for child in node.children:
            child_tops, child_bottoms = draw_tree(ax, child, x0, width, row, layout)
            if bottoms is not None:
                _arrows(ax, bottoms, child_tops)
            tops = child_tops if tops is None else tops
            bottoms = child_bottoms
            row += child.height
        return tops, bottoms
    spans = [layout.span(c) for c in node.children]
    used = sum(spans) + layout.gap * (len(spans) - 1)
    start = x0 + (width - used) / 2
    tops, ends = [], []
    for child, span in zip(node.children, spans, strict=True):
        child_tops, child_bottoms = draw_tree(ax, child, start, span, row, layout)
        tops += child_tops
        ends += child_bottoms
        start += span + layout.gap
    concat_tops, concat_bottoms = layout.box(
        ax, x0 + width / 2, row + node.height - 1, node, layout.box_width(node)
    )
    top_y = concat_tops[0][1]
    for x, y in ends:
        _arrows(ax, [(x, y)], [(x, top_y)])
    return tops, concat_bottoms


# --- Chapter 2's module diagrams ------------------------------------------------------------------------


def _tint(colour: str, strength: float) -> str:
    """``colour`` mixed with white (an opaque light tint, so black box text stays readable)."""
    rgb = to_rgb(colour)
    return to_hex(tuple(1 - strength * (1 - c) for c in rgb))


# Box fills: light tints of the Okabe-Ito palette (plots.common), one per kind of box, named in the legend.
_COLOURS = {
    "input": "#ffffff",
    "conv1x1": _tint(OKABE_ITO[6], 0.55),  # yellow
    "conv": _tint(OKABE_ITO[5], 0.5),  # sky blue
    "pool": _tint(OKABE_ITO[2], 0.4),  # bluish green
    "concat": _tint(OKABE_ITO[7], 0.14),  # grey
    "other": _tint(OKABE_ITO[3], 0.35),  # vermillion
}
_LEGEND = {
    "input": "input",
    "conv1x1": "1×1 convolution",
    "conv": "k×k, 1×n or n×1 convolution",
    "pool": "pooling",
    "concat": "concatenation (filter concat)",
    "other": "other module",
}


def conv_of(module: nn.Module | None) -> nn.Conv2d | None:
    """The convolution of a conv unit (``ConvBNReLU`` or a bare ``nn.Conv2d``), else None."""
    if isinstance(module, ConvBNReLU):
        return module.conv
    return module if isinstance(module, nn.Conv2d) else None


def _colour(node: Node) -> str:
    """The box style of a node: "input", "conv1x1", "conv", "pool", "concat" or "other"."""
    conv = conv_of(node.module)
    if node.kind in ("input", "branches"):
        return "input" if node.kind == "input" else "concat"
    if conv is not None:
        return "conv1x1" if tuple(conv.kernel_size) == (1, 1) else "conv"
    return "pool" if isinstance(node.module, _POOLS) else "other"


def _stride_text(stride: int) -> str:
    return f"/{stride}" if stride > 1 else ""


def _label(node: Node) -> str:
    """A box's label: '1×7 conv, 160', '3×3/2 max pool, 288', 'concat, 768', 'input, 192', ..."""
    module, channels = node.module, node.shape[0] if node.shape else 0
    conv = conv_of(node.module)
    if node.kind in ("input", "branches"):
        return f"{'input' if node.kind == 'input' else 'concat'}, {channels}"
    if conv is not None:
        kh, kw = conv.kernel_size
        label = f"{kh}×{kw}{_stride_text(conv.stride[0])} conv, {conv.out_channels}"
        linear = isinstance(module, ConvBNReLU) and isinstance(module.relu, nn.Identity)
        return label + (" (no ReLU)" if linear else "")
    if isinstance(module, _POOLS):
        kind = "max" if isinstance(module, nn.MaxPool2d | nn.AdaptiveMaxPool2d) else "avg"
        if isinstance(module, nn.AdaptiveAvgPool2d | nn.AdaptiveMaxPool2d):
            size = pair(module.output_size)
            return f"adaptive {kind} pool →{size[0]}×{size[1]}, {channels}"
        kh, kw = pair(module.kernel_size)
        stride = pair(module.stride if module.stride is not None else module.kernel_size)[0]
        return f"{kh}×{kw}{_stride_text(stride)} {kind} pool, {channels}"
    return f"{type(module).__name__}, {channels}"


def _grid(node: Node) -> tuple[int, int] | None:
    """The (height, width) of the node's output grid, for a (C, H, W) output."""
    return (node.shape[1], node.shape[2]) if len(node.shape) == 3 else None


def _labels(node: Node) -> list[str]:
    if not node.children:
        return [_label(node)]
    labels = [label for child in node.children for label in _labels(child)]
    return labels + [_label(node)] if node.kind == "branches" else labels


def _tree(module: nn.Module, input_size: int | tuple[int, ...]) -> Node:
    """``anatomy.module_tree`` with ``DIAGRAM_UNITS`` as boxes; C inferred if ``input_size`` omits it."""
    return module_tree(module, as_input_shape(module, input_size), units=DIAGRAM_UNITS)


def diagram_labels(module: nn.Module, input_size: int | tuple[int, ...] = 9) -> list[str]:
    """Every box label of ``module``'s diagram in drawing order (input, branches left to right, concat).

    ``input_size`` is S, (H, W) or (C, H, W), C inferred from the first convolution. Raises ValueError for
    a module that is not built from chains and concatenations of its children.
    """
    return _labels(_tree(module, input_size))


def box_text(label: str, grid: tuple[int, int] | None) -> str:
    """What a box shows: its label, or with a grid the operation above the output tensor's H×W×C.

    ``box_text("3×3/2 conv, 384", (17, 17))`` is ``"3×3/2 conv\n17×17×384"``.
    """
    if grid is None:
        return label
    operation, _, channels = label.rpartition(", ")
    return f"{operation}\n{grid[0]}×{grid[1]}×{channels}"


_BOX_H = 0.66  # box height, in rows
_GAP = 0.16  # inches between neighbouring columns
_PAD = 0.14  # inches of box beyond its widest text line
_FONT = 9  # points, the box text


def _text_width(text: str, size: float = _FONT) -> float:
    """Width in inches of the widest line of ``text`` at ``size`` points (matplotlib's own text layout)."""
    widths = [TextPath((0, 0), line or " ", size=size).get_extents().width for line in text.split("\n")]
    return max(widths) / 72.0


def _own_text(node: Node) -> str:
    return "" if node.kind == "chain" else box_text(_label(node), _grid(node))


def _span(node: Node) -> float:
    """Inches of width the node needs: a box its text, a chain its widest child, branches side by side."""
    if not node.children:
        return _text_width(_own_text(node)) + _PAD
    if node.kind == "chain":
        return max(_span(c) for c in node.children)
    side_by_side = sum(_span(c) for c in node.children) + _GAP * (len(node.children) - 1)
    return max(side_by_side, _text_width(_own_text(node)) + _PAD)


def _box(ax, x: float, row: int, node: Node, width: float) -> Anchors:
    y = -row
    patch = FancyBboxPatch(
        (x - width / 2, y - _BOX_H / 2),
        width,
        _BOX_H,
        boxstyle="round,pad=0.02,rounding_size=0.08",
        facecolor=_COLOURS[_colour(node)],
        edgecolor="#444444",
        linewidth=0.8,
    )
    ax.add_patch(patch)
    ax.text(x, y, _own_text(node), ha="center", va="center", fontsize=_FONT, linespacing=1.15)
    return [(x, y + _BOX_H / 2)], [(x, y - _BOX_H / 2)]


# Every box is as wide as its text needs, so narrow branches (a 1×3 beside a 3×1) take little room.
_LAYOUT = TreeLayout(span=_span, box_width=lambda node: _span(node) - 0.04, box=_box, gap=_GAP)


def _kinds(node: Node) -> set[str]:
    if not node.children:
        return {_colour(node)}
    kinds = set().union(*(_kinds(child) for child in node.children))
    return kinds | ({"concat"} if node.kind == "branches" else set())


def plot_module_diagram(
    module: nn.Module,
    title: str | None = None,
    input_size: int | tuple[int, ...] = 9,
    ax=None,
    legend: bool = True,
) -> Figure:
    """Draw ``module`` as a block diagram read off the module itself (``anatomy.module_tree``).

    Branches run left to right in the order the module calls them; data flows top to bottom; each box
    names its operation and the tensor it outputs (H×W×C, from a forward pass on ``input_size``: pass the
    grid the module works on in the network); each concatenation is a grey "concat" box. A legend below
    names the box colours. ``ax`` draws into an existing axes (e.g. diagrams side by side; pass
    ``legend=False`` to all but one). Returns the Figure.
    """
    tree = _tree(module, input_size)
    span, rows = _span(tree), tree.height
    if ax is None:
        # x is in inches of figure width: the diagram is as wide as its boxes' text needs
        fig, ax = new_figure(max(4.8, span + 0.7), 0.72 * rows + 1.6)
    else:
        fig = ax.figure
    draw_tree(ax, tree, 0.0, span, 0, _LAYOUT)
    ax.set_xlim(-0.05, span + 0.05)
    ax.set_ylim(-(rows - 1) - 0.45, 0.45)
    bare_axes(ax)
    ax.set_xlabel("branches, concatenated left to right")
    ax.set_ylabel("data flow (top to bottom)")
    grid = _grid(tree)
    where = f" on {grid[0]}×{grid[1]}" if grid else ""
    ax.set_title(title or f"{type(module).__name__}: {tree.shape[0]} output channels{where}")
    if legend:
        kinds = [kind for kind in _LEGEND if kind in _kinds(tree)]
        handles = [
            Patch(facecolor=_COLOURS[kind], edgecolor="#444444", linewidth=0.8, label=_LEGEND[kind])
            for kind in kinds
        ]
        fig.legend(
            handles=handles, loc="outside lower center", ncols=min(2, len(handles)), frameon=False, fontsize=9
        )
    return fig


# --- Where a module's cost goes --------------------------------------------------------------------------


def plot_branch_costs(
    costs: Mapping[str, Sequence[float]],
    branches: Sequence[str],
    title: str,
    xlabel: str,
) -> Figure:
    """Horizontal stacked bars: one bar per module, one segment per branch, the total at the bar's end.

    ``costs`` maps a module's label to one value per branch, in the order of ``branches`` (the legend);
    segments of the same branch position share a colour across modules, so a module and its unfactorized
    twin compare branch by branch (chapter 2: where a factorization removes cost, and where the cost is).
    """
    if not costs:
        raise ValueError("nothing to draw: pass at least one module")
    for name, values in costs.items():
        if len(values) != len(branches):
            raise ValueError(
                f"{name!r} has {len(values)} values for {len(branches)} branches {list(branches)}"
            )
    labels = list(costs)
    # long module names on two or three lines, so the bars keep most of a narrow figure
    shown = [textwrap.fill(label, 20, break_on_hyphens=False) for label in labels]
    lines = max(label.count("\n") + 1 for label in shown)
    fig, ax = new_figure(6.6, (0.45 + 0.17 * lines) * len(labels) + 1.6 + 0.2 * len(branches))
    ax.grid(True, axis="x", alpha=0.3)
    ax.grid(False, axis="y")
    y = np.arange(len(labels))[::-1]
    left = np.zeros(len(labels))
    for b, branch in enumerate(branches):
        values = np.array([float(costs[name][b]) for name in labels])
        colour = OKABE_ITO[b % len(OKABE_ITO)]
        ax.barh(y, values, left=left, height=0.62, color=colour, label=branch, edgecolor="white", lw=0.8)
        left += values
    for row, total in zip(y, left, strict=True):
        ax.text(total, row, f" {format_count(total)}", va="center", ha="left", fontsize=9)
    ax.set_yticks(y, shown)
    # ticks in plain units ("250 M", "1.5 G"), not matplotlib's "1e9" offset that is easy to miss
    ax.xaxis.set_major_formatter(FuncFormatter(tick_count))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("module")
    ax.set_title(textwrap.fill(title, 56, break_on_hyphens=False))
    ax.margins(x=0.14)
    fig.legend(frameon=False, ncols=1, loc="outside lower center")
    return fig
