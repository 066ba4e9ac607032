"""Block diagrams of Inception modules, drawn from the module objects themselves (chapter 2).

The paper draws its modules by hand (Figures 4-7, 9, 10), and hand-drawn diagrams drift from code. Here a
diagram is *read off* a module: one forward pass with hooks records, for every submodule, which tensor went
in and which came out. A submodule whose children are chained (each child's input is the previous child's
output) is drawn as a column of boxes; one whose children all receive its own input and whose output is the
concatenation of theirs is drawn as side-by-side branches joined by a "concat" box. Convolution units
(``ConvBNReLU`` or a bare ``nn.Conv2d``) and pooling layers are boxes, labelled from the objects:
"1×7 conv, 160" reads ``kernel_size`` and ``out_channels`` from the ``nn.Conv2d``; "3×3/2 max pool, 288"
reads the pooling layer and the channels it passed. Any module built from chains and concatenations of such
units can be drawn: the Figure 5/6/7 modules, GoogLeNet's Figure 4 module, the grid reductions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from torch import nn

from ..counting import as_input_shape
from ..layers import ConvBNReLU
from .common import new_figure

__all__ = ["DiagramNode", "module_tree", "diagram_labels", "plot_module_diagram"]

_POOLS = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
_COLOURS = {
    "input": "#ffffff",
    "conv1x1": "#fff2b3",
    "conv": "#cfe2f3",
    "pool": "#d9ead3",
    "concat": "#e6e6e6",
    "other": "#f4cccc",
}


@dataclass
class DiagramNode:
    """One node of a module's diagram.

    ``kind`` is "box" (one unit: a conv, a pool, ...), "chain" (children applied one after another) or
    "branches" (children applied to the same input, outputs concatenated along channels: a "concat" box
    with ``out_channels`` follows them). ``colour`` names the box style ("conv", "conv1x1", "pool", ...).
    """

    kind: str
    label: str = ""
    colour: str = "other"
    out_channels: int = 0
    children: list[DiagramNode] = field(default_factory=list)

    @property
    def width(self) -> int:
        """Columns the node needs (one per box side by side)."""
        if self.kind == "box":
            return 1
        if self.kind == "chain":
            return max(c.width for c in self.children)
        return sum(c.width for c in self.children)

    @property
    def height(self) -> int:
        """Rows the node needs (one per box stacked; branches add a row for their concat box)."""
        if self.kind == "box":
            return 1
        if self.kind == "chain":
            return sum(c.height for c in self.children)
        return max(c.height for c in self.children) + 1


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _conv_box(conv: nn.Conv2d, relu: bool = True) -> DiagramNode:
    kh, kw = conv.kernel_size
    stride = conv.stride[0]
    label = f"{kh}×{kw}{f'/{stride}' if stride > 1 else ''} conv, {conv.out_channels}"
    if not relu:
        label += " (no ReLU)"
    return DiagramNode("box", label, "conv1x1" if (kh, kw) == (1, 1) else "conv", conv.out_channels)


def _pool_box(pool: nn.Module, channels: int) -> DiagramNode:
    kind = "max" if isinstance(pool, nn.MaxPool2d | nn.AdaptiveMaxPool2d) else "avg"
    if isinstance(pool, nn.AdaptiveAvgPool2d | nn.AdaptiveMaxPool2d):
        size = _pair(pool.output_size)
        return DiagramNode("box", f"adaptive {kind} pool →{size[0]}×{size[1]}, {channels}", "pool", channels)
    kh, kw = _pair(pool.kernel_size)
    stride = _pair(pool.stride if pool.stride is not None else pool.kernel_size)[0]
    label = f"{kh}×{kw}{f'/{stride}' if stride > 1 else ''} {kind} pool, {channels}"
    return DiagramNode("box", label, "pool", channels)


class _Recorder:
    """Forward hooks on every submodule: call order, input object, output object and its value."""

    def __init__(self, module: nn.Module) -> None:
        self.calls: dict[int, dict] = {}
        self.handles = []
        for m in module.modules():
            self.handles.append(m.register_forward_pre_hook(self._before))
            self.handles.append(m.register_forward_hook(self._after))

    def _before(self, m: nn.Module, args: tuple) -> None:
        if id(m) in self.calls:
            raise ValueError(f"{type(m).__name__} is called twice in one forward pass: cannot draw it")
        self.calls[id(m)] = {"order": len(self.calls), "input": args[0] if args else None}

    def _after(self, m: nn.Module, args: tuple, output: object) -> None:
        record = self.calls[id(m)]
        record["output"] = output
        record["value"] = output.detach().clone() if isinstance(output, torch.Tensor) else None

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def _node(module: nn.Module, calls: dict[int, dict]) -> DiagramNode:
    record = calls[id(module)]
    channels = int(record["value"].shape[1]) if record.get("value") is not None else 0
    if isinstance(module, ConvBNReLU):
        return _conv_box(module.conv, relu=not isinstance(module.relu, nn.Identity))
    if isinstance(module, nn.Conv2d):
        return _conv_box(module)
    if isinstance(module, _POOLS):
        return _pool_box(module, channels)
    called = sorted((c for c in module.children() if id(c) in calls), key=lambda c: calls[id(c)]["order"])
    if not called:
        return DiagramNode("box", f"{type(module).__name__}, {channels}", "other", channels)
    records = [calls[id(c)] for c in called]
    if (
        records[0]["input"] is record["input"]
        and all(b["input"] is a["output"] for a, b in zip(records, records[1:], strict=False))
        and records[-1]["output"] is record["output"]
    ):
        return DiagramNode("chain", children=[_node(c, calls) for c in called], out_channels=channels)
    if all(r["input"] is record["input"] for r in records) and all(
        isinstance(r["value"], torch.Tensor) for r in records
    ):
        joined = torch.cat([r["value"] for r in records], dim=1)
        if joined.shape == record["value"].shape and torch.equal(joined, record["value"]):
            return DiagramNode("branches", children=[_node(c, calls) for c in called], out_channels=channels)
    raise ValueError(
        f"cannot draw {type(module).__name__}: its forward is neither a chain nor a channel concatenation "
        "of its child modules (functional operations in forward() are invisible to the diagram)"
    )


def module_tree(module: nn.Module, input_size: int | tuple[int, ...] = 9) -> DiagramNode:
    """The diagram of ``module`` as a tree of boxes, chains and concatenated branches.

    Runs one forward pass (eval mode, no gradients, a seeded random input of ``input_size``: S, (H, W) or
    (C, H, W), C inferred from the first convolution) and classifies every submodule by the data flow it
    recorded. The root is wrapped in a chain that starts with an "input, C" box. Raises ValueError for a
    module that is not built from chains and concatenations of its children.
    """
    shape = as_input_shape(module, input_size)
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(1, *shape, generator=generator)
    recorder = _Recorder(module)
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            module(x)
    finally:
        recorder.remove()
        module.train(was_training)
    root = _node(module, recorder.calls)
    source = DiagramNode("box", f"input, {shape[0]}", "input", shape[0])
    children = root.children if root.kind == "chain" else [root]
    return DiagramNode("chain", children=[source, *children], out_channels=root.out_channels)


def _labels(node: DiagramNode) -> list[str]:
    if node.kind == "box":
        return [node.label]
    labels = [label for child in node.children for label in _labels(child)]
    if node.kind == "branches":
        labels.append(f"concat, {node.out_channels}")
    return labels


def diagram_labels(module: nn.Module, input_size: int | tuple[int, ...] = 9) -> list[str]:
    """Every box label of ``module``'s diagram in drawing order (input, branches left to right, concat)."""
    return _labels(module_tree(module, input_size))


_BOX_W, _BOX_H = 0.88, 0.56


def _box(ax, x: float, row: int, label: str, colour: str, width: float = _BOX_W):
    y = -row
    patch = FancyBboxPatch(
        (x - width / 2, y - _BOX_H / 2),
        width,
        _BOX_H,
        boxstyle="round,pad=0.02,rounding_size=0.08",
        facecolor=_COLOURS.get(colour, _COLOURS["other"]),
        edgecolor="#444444",
        linewidth=0.8,
    )
    ax.add_patch(patch)
    ax.text(x, y, label, ha="center", va="center", fontsize=8)
    return [(x, y + _BOX_H / 2)], [(x, y - _BOX_H / 2)]


def _arrows(ax, sources, targets) -> None:
    for start in sources:
        for end in targets:
            ax.annotate(
                "",
                xy=end,
                xytext=start,
                arrowprops={"arrowstyle": "-|>", "color": "#555555", "lw": 0.8, "shrinkA": 0, "shrinkB": 0},
            )


def _draw(ax, node: DiagramNode, x0: float, width: float, row: int):
    """Draw ``node`` centred in columns [x0, x0 + width) from ``row`` down; return top and bottom anchors."""
    if node.kind == "box":
        return _box(ax, x0 + width / 2, row, node.label, node.colour)
    if node.kind == "chain":
        tops, bottoms = None, None
        for child in node.children:
            child_tops, child_bottoms = _draw(ax, child, x0, width, row)
            if bottoms is not None:
                _arrows(ax, bottoms, child_tops)
            tops = child_tops if tops is None else tops
            bottoms = child_bottoms
            row += child.height
        return tops, bottoms
    start = x0 + (width - node.width) / 2
    tops, ends = [], []
    for child in node.children:
        child_tops, child_bottoms = _draw(ax, child, start, child.width, row)
        tops += child_tops
        ends += child_bottoms
        start += child.width
    # The concat box spans all its branches (the paper's "filter concat"), so every arrow into it is vertical.
    concat_tops, concat_bottoms = _box(
        ax,
        x0 + width / 2,
        row + node.height - 1,
        f"concat, {node.out_channels}",
        "concat",
        width=node.width - 1 + _BOX_W,
    )
    top_y = concat_tops[0][1]
    for x, y in ends:
        _arrows(ax, [(x, y)], [(x, top_y)])
    return tops, concat_bottoms


def plot_module_diagram(
    module: nn.Module, title: str | None = None, input_size: int | tuple[int, ...] = 9
) -> Figure:
    """Draw ``module`` as a block diagram read off the module itself (see ``module_tree``).

    Branches run left to right in the order the module calls them; data flows top to bottom; each
    concatenation is a grey "concat, C" box with the channels it produces. Returns the Figure.
    """
    tree = module_tree(module, input_size)
    columns, rows = tree.width, tree.height
    fig, ax = new_figure(max(4.5, 1.9 * columns + 0.6), 0.72 * rows + 1.0)
    _draw(ax, tree, 0.0, float(columns), 0)
    ax.set_xlim(-0.05, columns + 0.05)
    ax.set_ylim(-(rows - 1) - 0.45, 0.45)
    ax.grid(False)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("branches, concatenated left to right")
    ax.set_ylabel("data flow (top to bottom)")
    ax.set_title(title or f"{type(module).__name__}: {tree.out_channels} output channels")
    return fig
