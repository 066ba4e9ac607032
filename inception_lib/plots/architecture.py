"""Figures for chapter 4 (the full network): the whole network drawn from the model object with the
tensor size and receptive field of every block, where it spends its parameters and MACs, and the measured
cost of the Table 3 networks beside the paper's column."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Patch
from matplotlib.ticker import FuncFormatter

from ..network import InceptionV3, receptive_fields
from ..paper import stage_of
from .common import OKABE_ITO, format_count, new_figure

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


def _tick(value: float, _position: object = None) -> str:
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:g} {suffix}"
    return f"{value:g}"


def _check_lengths(names: Sequence[str], **columns: Sequence) -> None:
    for key, values in columns.items():
        if len(values) != len(names):
            raise ValueError(f"{key} has {len(values)} values for {len(names)} names")


def _hwc(shape: Sequence[int]) -> str:
    if len(shape) == 3:
        c, h, w = shape
        return f"{h}×{w}×{c}"
    return f"{shape[0]} logits" if len(shape) == 1 else "×".join(map(str, shape))


def network_diagram(model: InceptionV3, input_size: int = 299, title: str = "") -> Figure:
    """The whole network, one box per top-level block, drawn from the model object.

    Data flows top to bottom. Beside each block: its output H×W×C and the receptive field of one output
    position on the input (``network.receptive_fields``; "whole image" after global pooling). Brackets
    on the left group the blocks into the stages of Table 1; the auxiliary classifier, if the model has
    one, branches off the last 17×17 module (training only).
    """
    rows = receptive_fields(model, input_size)
    n = len(rows)
    fig, ax = new_figure(10.5, 0.43 * n + 1.6)
    ax.grid(False)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    box_x, box_w, h = 2.2, 3.4, 0.74

    def box(x: float, y: float, w: float, text: str, fill: str, dashed: bool = False) -> None:
        ax.add_patch(
            FancyBboxPatch(
                (x, y - h / 2),
                w,
                h,
                boxstyle="round,pad=0.02,rounding_size=0.1",
                facecolor=fill,
                edgecolor="#444444",
                linewidth=0.8,
                linestyle="--" if dashed else "-",
            )
        )
        ax.text(x + w / 2, y, text, ha="center", va="center", fontsize=9)

    ax.text(box_x + box_w / 2, 1.0, f"input {input_size}×{input_size}×{model.in_channels}", ha="center",
            va="center", fontsize=9, fontweight="bold")
    ax.text(6.1, 1.0, "output H×W×C", ha="left", va="center", fontsize=9, fontweight="bold")
    ax.text(7.9, 1.0, "receptive field", ha="left", va="center", fontsize=9, fontweight="bold")
    stages: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        y = -i
        stage = stage_of(row.block)
        stages.setdefault(stage, []).append(i)
        box(box_x, y, box_w, f"{row.block}: {row.layer}", STAGE_COLOURS.get(stage, "#ffffff"))
        ax.annotate("", xy=(box_x + box_w / 2, y + h / 2), xytext=(box_x + box_w / 2, y + 1 - h / 2),
                    arrowprops={"arrowstyle": "-|>", "color": "#555555", "lw": 0.8})
        ax.text(6.1, y, _hwc(row.output_shape), ha="left", va="center", fontsize=9)
        field = "whole image" if row.size is None else f"{row.size[0]}×{row.size[1]} px"
        ax.text(7.9, y, field, ha="left", va="center", fontsize=9)
    for stage, indices in stages.items():
        top, bottom = -indices[0] + 0.4, -indices[-1] - 0.4
        ax.plot([2.05, 1.95, 1.95, 2.05], [top, top, bottom, bottom], color="#444444", lw=1.0)
        count = len(indices)
        label = stage if count == 1 or stage in ("stem", "head") else f"{count} × {stage}"
        ax.text(1.85, (top + bottom) / 2, label, ha="right", va="center", fontsize=9)
    if getattr(model, "aux", None) is not None:
        anchor = next(i for i, row in enumerate(rows) if row.block == "mixed_6e")
        y, gap, centre = -anchor - 1.5, -anchor - 0.5, 10.85
        box(9.6, y, 2.5, "aux classifier\n(training only)", STAGE_COLOURS["auxiliary head"], dashed=True)
        # From the main path between mixed_6e and the next block, along the gap between two text rows.
        ax.plot([box_x + box_w / 2, centre], [gap, gap], color="#555555", lw=0.8, ls="--")
        ax.annotate("", xy=(centre, y + h / 2), xytext=(centre, gap),
                    arrowprops={"arrowstyle": "-|>", "color": "#555555", "lw": 0.8, "ls": "--"})
        ax.text(centre, y - 0.45, f"{model.aux.fc.out_features} logits", ha="center", va="top", fontsize=9)
    ax.set_xlim(-0.2, 12.3)
    ax.set_ylim(-n + 0.3, 1.5)
    fig.suptitle(title or f"Inception-v3, block by block, on a {input_size}×{input_size} image")
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
        (axes[0, 1], macs, "Multiply-accumulates (conv + linear)", "MACs per 299×299 image (count)"),
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
        ax.xaxis.set_major_formatter(FuncFormatter(_tick))
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
    specify them fully): those bars are hatched and their label says "(reconstructed)".
    """
    flags = [False] * len(networks) if reconstructed is None else list(reconstructed)
    _check_lengths(networks, paper=paper, measured=measured, reconstructed=flags)
    fig, ax = new_figure(max(6.5, 2.4 * len(networks)), 4.2)
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
