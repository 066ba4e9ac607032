"""Figures for chapter 4 (the full network): the whole network drawn from the model object with the
tensor size and receptive field of every block, where it spends its parameters and MACs, and the measured
cost of the Table 3 networks beside the paper's column."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Patch
from matplotlib.ticker import FuncFormatter

from ..counting import receptive_fields
from ..network import InceptionV3
from ..paper import stage_of
from .common import OKABE_ITO, bare_axes, format_count, new_figure, tick_count

__all__ = ["STAGE_COLOURS", "network_diagram", "stage_breakdown", "cost_comparison"]

# One light fill per stage of the network (Okabe-Ito hues, lightened so black text stays readable).
STAGE_COLOURS = {
    "stem": "#d9d9d9",
    "35×35 modules": "#bfe1f6",
    "reduction 35→17": "#f5d9a6",
    "17×17 modules": "#a8dccb",
    "reduction 17→8": "#f5d9a6",
    "8×8 modules": "#e8c4dc",
    "head": "#f7ee9e",
    "auxiliary head": "#ffffff",
}
_BAR_COLOURS = (*OKABE_ITO[:7], "#999999")


def _check_lengths(names: Sequence[str], **columns: Sequence) -> None:
    for key, values in columns.items():
        if len(values) != len(names):
            raise ValueError(f"{key} has {len(values)} values for {len(names)} names")


def _hwc(shape: Sequence[int]) -> str:
    if len(shape) == 3:
        c, h, w = shape
        return f"{h}×{w}×{c}"
    return f"{shape[0]:,} logits" if len(shape) == 1 else "×".join(map(str, shape))


def _block_label(block: str, layer: str) -> str:
    """'mixed_5b: Figure 5 module'; a block whose layer description only repeats its name ('fc', 'dropout')
    is named once."""
    return block if layer.strip().lower() in ("", block.lower()) else f"{block}: {layer}"


# network_diagram's layout, in inches from the figure's left edge (the figure is DIAGRAM_WIDTH_IN wide).
DIAGRAM_WIDTH_IN = 6.9
_ROW_IN = 0.42  # vertical distance between two blocks
_STAGE_RIGHT, _BRACKET_X = 1.3, 1.35  # stage labels end here; the bracket that groups a stage
_BOX_X, _BOX_W = 1.46, 2.36  # the block boxes
_OUT_X, _FIELD_X = 3.92, 5.14  # the output-size and receptive-field columns
_BOX_H = 0.74  # the height of a block's box, in rows


def _box(ax, x: float, y: float, w: float, text: str, fill: str, dashed: bool = False, height: float = _BOX_H
         ) -> None:
    """A block's box, ``x`` its left edge, centred on ``y``, its text in the middle."""
    ax.add_patch(
        FancyBboxPatch(
            (x, y - height / 2),
            w,
            height,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            facecolor=fill,
            edgecolor="#444444",
            linewidth=0.8,
            linestyle="--" if dashed else "-",
        )
    )
    ax.text(x + w / 2, y, text, ha="center", va="center", fontsize=9)


def _stage_brackets(ax, stages: dict[str, list[float]]) -> None:
    """A bracket on the left of each stage's boxes (given by their y), named with its block count."""
    for stage, ys in stages.items():
        upper, lower = ys[0] + 0.4, ys[-1] - 0.4
        ax.plot([_BRACKET_X + 0.07, _BRACKET_X, _BRACKET_X, _BRACKET_X + 0.07], [upper, upper, lower, lower],
                color="#444444", lw=1.0)
        count = len(ys)
        label = stage if count == 1 or stage in ("stem", "head") else f"{count} × {stage}"
        ax.text(_STAGE_RIGHT, (upper + lower) / 2, label, ha="right", va="center", fontsize=9)


def network_diagram(model: InceptionV3, input_size: int = 299, title: str = "") -> Figure:
    """The whole network, one box per top-level block, drawn from the model object.

    Data flows top to bottom. Beside each block: its output H×W×C and the receptive field of one output
    position on the input (``counting.receptive_fields``; "whole image" after global pooling). Brackets
    on the left group the blocks into the stages of Table 1; the auxiliary classifier, if the model has
    one, branches off the last 17×17 module (training only) in a row of its own. The figure is
    ``DIAGRAM_WIDTH_IN`` inches wide, the book's text column, with 9-point text.
    """
    rows = receptive_fields(model, input_size)
    has_aux = getattr(model, "aux", None) is not None
    anchor = next((i for i, row in enumerate(rows) if row.block == "mixed_6e"), None) if has_aux else None
    aux_rows = 1.6 if anchor is not None else 0.0  # the auxiliary classifier's own row, a little taller

    def y_of(i: int) -> float:
        return -i - (aux_rows if anchor is not None and i > anchor else 0.0)

    n = len(rows)
    bottom = y_of(n - 1) - 0.6
    top = 1.55
    height_in = (top - bottom) * _ROW_IN + 0.45  # room for the title
    fig, ax = new_figure(DIAGRAM_WIDTH_IN, height_in)
    fig.set_layout_engine("none")
    # inset a little: the saved PNG adds its padding around the axes, and must stay within the column
    ax.set_position((0.01, 0.0, 0.98, 1.0 - 0.45 / height_in))
    bare_axes(ax)
    centre = _BOX_X + _BOX_W / 2
    ax.text(centre, 1.0, f"input {input_size}×{input_size}×{model.in_channels}", ha="center",
            va="center", fontsize=9, fontweight="bold")
    ax.text(_OUT_X, 1.0, "output H×W×C", ha="left", va="center", fontsize=9, fontweight="bold")
    ax.text(_FIELD_X, 1.0, "receptive field", ha="left", va="center", fontsize=9, fontweight="bold")
    stages: dict[str, list[int]] = {}
    previous = 1.0
    for i, row in enumerate(rows):
        y = y_of(i)
        stage = stage_of(row.block)
        stages.setdefault(stage, []).append(i)
        _box(ax, _BOX_X, y, _BOX_W, _block_label(row.block, row.layer), STAGE_COLOURS.get(stage, "#ffffff"))
        start = previous - (0.25 if i == 0 else _BOX_H / 2)
        ax.annotate("", xy=(centre, y + _BOX_H / 2), xytext=(centre, start),
                    arrowprops={"arrowstyle": "-|>", "color": "#555555", "lw": 0.8})
        previous = y
        ax.text(_OUT_X, y, _hwc(row.output_shape), ha="left", va="center", fontsize=9)
        field = "whole image" if row.size is None else f"{row.size[0]:,}×{row.size[1]:,} px"
        ax.text(_FIELD_X, y, field, ha="left", va="center", fontsize=9)
    _stage_brackets(ax, {stage: [y_of(i) for i in indices] for stage, indices in stages.items()})
    if anchor is not None:
        y = y_of(anchor) - 0.5 - aux_rows / 2
        logits = f"{model.aux.fc.out_features:,} logits"
        _box(ax, _OUT_X, y, DIAGRAM_WIDTH_IN - 0.2 - _OUT_X, f"aux classifier (training only)\n→ {logits}",
             STAGE_COLOURS["auxiliary head"], dashed=True, height=1.25)
        ax.annotate("", xy=(_OUT_X, y), xytext=(centre, y),
                    arrowprops={"arrowstyle": "-|>", "color": "#555555", "lw": 0.8, "ls": "--"})
    ax.set_xlim(0.0, DIAGRAM_WIDTH_IN)
    ax.set_ylim(bottom, top)
    fig.suptitle(title or f"Inception-v3, block by block, on a {input_size}×{input_size} image",
                 y=1.0 - 0.12 / height_in, va="top")
    return fig


def stage_breakdown(
    stages: Sequence[str], params: Sequence[int], macs: Sequence[int], title: str = ""
) -> Figure:
    """Where a network's parameters and MACs go, stage by stage: two horizontal bar panels, parameters
    above and MACs below (stacked, so the figure fits the text column with its stage names readable).

    Each bar is labelled with its count and its share of the column's total.
    """
    _check_lengths(stages, params=params, macs=macs)
    fig, axes = new_figure(DIAGRAM_WIDTH_IN, 2 * (0.3 * len(stages) + 1.0) + 0.5, nrows=2)
    y = np.arange(len(stages))
    for ax, values, name, unit in (
        (axes[0, 0], params, "Parameters", "parameters (count)"),
        (axes[1, 0], macs, "Multiply-accumulates (conv + linear)", "MACs per 299×299 image (count)"),
    ):
        total = float(sum(values)) or 1.0
        bars = ax.barh(y, values, color=[_BAR_COLOURS[i % len(_BAR_COLOURS)] for i in range(len(stages))])
        ax.bar_label(
            bars,
            labels=[f"{format_count(v)} ({100 * v / total:.0f}%)" for v in values],
            fontsize=9,
            padding=2,
        )
        ax.set_yticks(y, stages)
        ax.invert_yaxis()
        ax.set_xlabel(unit)
        ax.set_ylabel("stage")
        ax.set_title(name, fontsize=10)
        ax.xaxis.set_major_formatter(FuncFormatter(tick_count))
        ax.grid(True, axis="x", alpha=0.3)
        ax.grid(False, axis="y")
        ax.margins(x=0.3)
    fig.suptitle(title or "Where the parameters and the computation go")
    return fig


def cost_comparison(
    networks: Sequence[str],
    paper: Sequence[float],
    measured: Sequence[float],
    reconstructed: Sequence[bool] | None = None,
) -> Figure:
    """The paper's Table 3 "Cost Bn Ops" beside a measured count (billions of multiply-accumulates).

    ``reconstructed`` marks networks whose measured bar comes from a reconstruction (the paper does not
    specify them fully): those bars are hatched and their label says "(reconstructed)". The figure is as
    wide as the text column; it is meant for a handful of networks.
    """
    flags = [False] * len(networks) if reconstructed is None else list(reconstructed)
    _check_lengths(networks, paper=paper, measured=measured, reconstructed=flags)
    fig, ax = new_figure(DIAGRAM_WIDTH_IN, 4.2)
    x = np.arange(len(networks))
    width = 0.38
    bars = ax.bar(x - width / 2, paper, width, label="paper (Table 3)", color=OKABE_ITO[0])
    ax.bar_label(bars, labels=[f"{v:.2f}" for v in paper], fontsize=9, padding=2)
    bars = ax.bar(x + width / 2, measured, width, label="measured (this book)", color=OKABE_ITO[1])
    for bar, flag in zip(bars, flags, strict=True):
        if flag:
            bar.set_hatch("//")
            bar.set_edgecolor("#333333")
    ax.bar_label(bars, labels=[f"{v:.2f}" for v in measured], fontsize=9, padding=2)
    ax.set_xticks(x, [f"{n}\n(reconstructed)" if f else n for n, f in zip(networks, flags, strict=True)])
    handles, labels = ax.get_legend_handles_labels()
    if any(flags):
        handles.append(Patch(facecolor=OKABE_ITO[1], edgecolor="#333333", hatch="//"))
        labels.append("measured on a reconstruction")
    ax.legend(handles, labels, frameon=False)
    ax.set_title("Cost per image: Table 3 against a count of the graph")
    ax.set_ylabel("billions of multiply-accumulates")
    ax.set_xlabel("network")
    ax.margins(y=0.18)
    return fig
