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

Each box also shows the tensor it outputs, H×W×C, from the same forward pass: run the module on the grid it
works on in the network (``input_size=35`` for a 35×35 module) and the diagram states every grid size, so a
stride-2 box visibly halves the grid. A legend names the box colours (Okabe-Ito tints, colour-blind safe).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Patch
from matplotlib.textpath import TextPath
from torch import nn

from ..counting import as_input_shape
from ..layers import ConvBNReLU
from .common import OKABE_ITO, new_figure

__all__ = ["DiagramNode", "module_tree", "diagram_labels", "diagram_texts", "box_text", "plot_module_diagram"]

_POOLS = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)


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


@dataclass
class DiagramNode:
    """One node of a module's diagram.

    ``kind`` is "box" (one unit: a conv, a pool, ...), "chain" (children applied one after another) or
    "branches" (children applied to the same input, outputs concatenated along channels: a "concat" box
    with ``out_channels`` follows them). ``colour`` names the box style ("conv", "conv1x1", "pool", ...).
    ``grid`` is the (height, width) of the node's output in the recorded forward pass.
    """

    kind: str
    label: str = ""
    colour: str = "other"
    out_channels: int = 0
    children: list[DiagramNode] = field(default_factory=list)
    grid: tuple[int, int] | None = None

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
    node = _classify(module, calls)
    value = calls[id(module)].get("value")
    if isinstance(value, torch.Tensor) and value.dim() == 4:
        node.grid = (int(value.shape[2]), int(value.shape[3]))
    return node


def _classify(module: nn.Module, calls: dict[int, dict]) -> DiagramNode:
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
    source = DiagramNode("box", f"input, {shape[0]}", "input", shape[0], grid=(shape[1], shape[2]))
    children = root.children if root.kind == "chain" else [root]
    return DiagramNode("chain", children=[source, *children], out_channels=root.out_channels, grid=root.grid)


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


def box_text(label: str, grid: tuple[int, int] | None) -> str:
    """What a box shows: its label, or with a grid the operation above the output tensor's H×W×C.

    ``box_text("3×3/2 conv, 384", (17, 17))`` is ``"3×3/2 conv\n17×17×384"``.
    """
    if grid is None:
        return label
    operation, _, channels = label.rpartition(", ")
    return f"{operation}\n{grid[0]}×{grid[1]}×{channels}"


def diagram_texts(module: nn.Module, input_size: int | tuple[int, ...] = 9) -> list[str]:
    """Every box text of ``module``'s diagram as drawn (``box_text``), in ``diagram_labels`` order."""
    return _texts(module_tree(module, input_size))


def _texts(node: DiagramNode) -> list[str]:
    if node.kind == "box":
        return [box_text(node.label, node.grid)]
    texts = [text for child in node.children for text in _texts(child)]
    if node.kind == "branches":
        texts.append(box_text(f"concat, {node.out_channels}", node.grid))
    return texts


_BOX_H = 0.66  # box height, in rows
_GAP = 0.16  # inches between neighbouring columns
_PAD = 0.14  # inches of box beyond its widest text line
_FONT = 9  # points, the box text


def _text_width(text: str, size: float = _FONT) -> float:
    """Width in inches of the widest line of ``text`` at ``size`` points (matplotlib's own text layout)."""
    widths = [TextPath((0, 0), line or " ", size=size).get_extents().width for line in text.split("\n")]
    return max(widths) / 72.0


def _own_text(node: DiagramNode) -> str:
    if node.kind == "box":
        return box_text(node.label, node.grid)
    if node.kind == "branches":
        return box_text(f"concat, {node.out_channels}", node.grid)
    return ""


def _span(node: DiagramNode) -> float:
    """Inches of width the node needs: a box its text, a chain its widest child, branches side by side."""
    if node.kind == "box":
        return _text_width(_own_text(node)) + _PAD
    if node.kind == "chain":
        return max(_span(c) for c in node.children)
    side_by_side = sum(_span(c) for c in node.children) + _GAP * (len(node.children) - 1)
    return max(side_by_side, _text_width(_own_text(node)) + _PAD)


def _box(ax, x: float, row: int, label: str, colour: str, width: float):
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
    ax.text(x, y, label, ha="center", va="center", fontsize=_FONT, linespacing=1.15)
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
    """Draw ``node`` centred in [x0, x0 + width) inches from ``row`` down; return top and bottom anchors.

    Every box is as wide as its text needs, so narrow branches (a 1×3 beside a 3×1) take little room.
    """
    if node.kind == "box":
        return _box(ax, x0 + width / 2, row, _own_text(node), node.colour, _span(node) - 0.04)
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
    spans = [_span(c) for c in node.children]
    used = sum(spans) + _GAP * (len(spans) - 1)
    start = x0 + (width - used) / 2
    tops, ends = [], []
    for child, span in zip(node.children, spans, strict=True):
        child_tops, child_bottoms = _draw(ax, child, start, span, row)
        tops += child_tops
        ends += child_bottoms
        start += span + _GAP
    # The concat box spans all its branches (the paper's "filter concat"), so every arrow into it is vertical.
    concat_tops, concat_bottoms = _box(
        ax, x0 + width / 2, row + node.height - 1, _own_text(node), "concat", width=_span(node) - 0.04
    )
    top_y = concat_tops[0][1]
    for x, y in ends:
        _arrows(ax, [(x, y)], [(x, top_y)])
    return tops, concat_bottoms


def _kinds(node: DiagramNode) -> set[str]:
    if node.kind == "box":
        return {node.colour}
    kinds = set().union(*(_kinds(child) for child in node.children))
    return kinds | ({"concat"} if node.kind == "branches" else set())


def plot_module_diagram(
    module: nn.Module,
    title: str | None = None,
    input_size: int | tuple[int, ...] = 9,
    ax=None,
    legend: bool = True,
) -> Figure:
    """Draw ``module`` as a block diagram read off the module itself (see ``module_tree``).

    Branches run left to right in the order the module calls them; data flows top to bottom; each box
    names its operation and the tensor it outputs (H×W×C, from a forward pass on ``input_size``: pass the
    grid the module works on in the network); each concatenation is a grey "concat" box. A legend below
    names the box colours. ``ax`` draws into an existing axes (e.g. diagrams side by side; pass
    ``legend=False`` to all but one). Returns the Figure.
    """
    tree = module_tree(module, input_size)
    span, rows = _span(tree), tree.height
    if ax is None:
        # x is in inches of figure width: the diagram is as wide as its boxes' text needs
        fig, ax = new_figure(max(4.8, span + 0.7), 0.72 * rows + 1.6)
    else:
        fig = ax.figure
    _draw(ax, tree, 0.0, span, 0)
    ax.set_xlim(-0.05, span + 0.05)
    ax.set_ylim(-(rows - 1) - 0.45, 0.45)
    ax.grid(False)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("branches, concatenated left to right")
    ax.set_ylabel("data flow (top to bottom)")
    grid = f" on {tree.grid[0]}×{tree.grid[1]}" if tree.grid else ""
    ax.set_title(title or f"{type(module).__name__}: {tree.out_channels} output channels{grid}")
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
