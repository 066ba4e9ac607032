"""Figures for the training recipe (chapter 5): smoothed targets, confidence and calibration, RMSProp,
the schedule.

Every function returns a matplotlib Figure (never calls ``plt.show()``), with a title and labelled axes.
Colours come from the book's Okabe-Ito palette (``common.OKABE_ITO``); text is at least 9 pt, and every
figure is at most ``WIDTH_IN`` (6.9) inches wide, the book's text column: panels that would not fit side by
side are stacked.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure

from ..calibration import SmoothingRun, expected_calibration_error, optimal_logit_gap, reliability_bins
from ..optimizer_demos import rmsprop_step_multiplier
from ..recipe import inception_lr, smooth_targets
from .common import OKABE_ITO, new_figure

# Every figure here is at most this wide (inches): the book's text column (plots.common.MAX_FIGURE_WIDTH_IN).
WIDTH_IN = 6.9
SAMPLES_PER_ROW = 5  # classes side by side in plot_dataset_samples

__all__ = [
    "plot_dataset_samples",
    "plot_smoothed_targets",
    "plot_smoothing_seeds",
    "plot_reliability",
    "plot_smoothing_explorer_view",
    "plot_rmsprop_multiplier",
    "plot_optimizer_race",
    "plot_lr_schedule",
]


def plot_dataset_samples(dataset: Any, classes: Sequence[str], per_class: int = 3, title: str = "") -> Figure:
    """A grid of images from a dataset of (image in [-1, 1], label) pairs: ``per_class`` images of each
    class in a column under its name, at most ``SAMPLES_PER_ROW`` classes side by side (more classes start a
    new band of rows), so the figure fits the book's text column."""
    k = len(classes)
    picks: dict[int, list[torch.Tensor]] = {c: [] for c in range(k)}
    i = 0
    while any(len(v) < per_class for v in picks.values()) and i < len(dataset):
        image, label = dataset[i]
        if len(picks[int(label)]) < per_class:
            picks[int(label)].append(image)
        i += 1
    ncols = min(k, SAMPLES_PER_ROW)
    bands = math.ceil(k / ncols)
    fig, axes = new_figure(1.25 * ncols + 0.2, (1.25 * per_class + 0.45) * bands + 0.5, ncols=ncols,
                           nrows=bands * per_class)
    axes = np.asarray(axes).reshape(bands * per_class, ncols)
    for ax in axes.flat:
        ax.axis("off")
    for c in range(k):
        band, col = divmod(c, ncols)
        for r in range(per_class):
            ax = axes[band * per_class + r, col]
            if r < len(picks[c]):
                ax.imshow(((picks[c][r].permute(1, 2, 0) + 1) / 2).clamp(0, 1).numpy())
            if r == 0:
                ax.set_title("\n".join(textwrap.wrap(classes[c], 12)), fontsize=9)
    fig.suptitle(title or f"{per_class} samples of each of the {k} classes")
    return fig


def plot_smoothed_targets(num_classes: int = 10, eps: float = 0.1, label: int = 3) -> Figure:
    """One-hot target vs the smoothed target q'(k) = (1 − ε)δ + ε/K of one example (paper sec. 7).

    Two panels: the whole target on a 0-1 scale (top), and the same bars magnified to a few ε/K (bottom),
    where the ε/K that every wrong class receives is readable; the true class runs off that scale."""
    fig, axes = new_figure(WIDTH_IN, 5.6, nrows=2)
    ax, zoom = axes.flat
    one_hot = smooth_targets(torch.tensor([label]), num_classes, 0.0)[0].numpy()
    smooth = smooth_targets(torch.tensor([label]), num_classes, eps)[0].numpy()
    x = np.arange(num_classes)
    small = eps / num_classes
    for panel in (ax, zoom):
        panel.bar(x - 0.2, one_hot, 0.4, label="one-hot (ε = 0)", color=OKABE_ITO[5])
        panel.bar(x + 0.2, smooth, 0.4, label=f"smoothed (ε = {eps:g})", color=OKABE_ITO[0])
        panel.set_xticks(x)
        panel.set_xlabel(f"class k (true class y = {label}, K = {num_classes})")
        panel.set_ylabel("target probability q(k)")
    ax.annotate(
        f"{smooth[label]:.4f}", (label + 0.2, smooth[label]), ha="center", va="bottom", fontsize=9,
        xytext=(0, 2), textcoords="offset points",
    )
    ax.set_ylim(0, 1.12)
    ax.set_title("The whole target: ε of its mass moves to a uniform prior")
    ax.legend(frameon=False, loc="upper right")
    other = 0 if label != 0 else 1
    top = 2.5 * small if small > 0 else 0.01
    zoom.set_ylim(0, top)
    if small > 0:
        zoom.annotate(
            f"ε/K = {small:g}", (other + 0.2, small), ha="center", va="bottom", fontsize=9,
            xytext=(0, 3), textcoords="offset points",
        )
    zoom.annotate(
        "true class: off this scale ↑", (label, top), ha="center", va="top", fontsize=9,
        xytext=(0, -3), textcoords="offset points",
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none"},
    )
    zoom.set_title(f"Magnified to 0-{top:.3g}: what each wrong class receives")
    fig.suptitle("Label smoothing of one example's target")
    return fig


def plot_rmsprop_multiplier(eps: float = 1.0) -> Figure:
    """Steady-state step size per unit gradient, 1/sqrt(g² + ε) (TF) vs 1/(|g| + ε) (PyTorch), and the
    textbook RMSProp with a tiny ε (1/|g|), over gradient magnitudes |g|."""
    fig, ax = new_figure(WIDTH_IN, 3.8)
    g = torch.logspace(-3, 2, 200, dtype=torch.float64)
    ax.loglog(g, rmsprop_step_multiplier(g, eps, "tf"), label=f"TensorFlow: 1/√(g² + ε), ε = {eps:g}")
    ax.loglog(g, rmsprop_step_multiplier(g, eps, "torch"), label=f"PyTorch: 1/(|g| + ε), ε = {eps:g}")
    ax.loglog(
        g,
        rmsprop_step_multiplier(g, 1e-8, "torch"),
        ls=":",
        color=OKABE_ITO[7],
        label="textbook: 1/|g| (ε → 0)",
    )
    ax.set_xlabel("gradient magnitude |g| (log scale)")
    ax.set_ylabel("step per unit gradient (log scale)")
    ax.set_title("RMSProp's scaling once the mean square has settled at g²")
    ax.set_ylim(5e-3, 2e2)
    ax.legend(frameon=False)
    return fig


def plot_optimizer_race(results: Mapping[str, Mapping[str, Sequence[float]]]) -> Figure:
    """Loss and update size per step for each optimizer of
    :func:`~inception_lib.optimizer_demos.optimizer_race`."""
    fig, axes = new_figure(WIDTH_IN, 4.3, ncols=2)
    ax1, ax2 = axes.flat
    for name, hist in results.items():
        steps = np.arange(1, len(hist["loss"]) + 1)
        ax1.semilogy(steps, hist["loss"], label=name)
        ax2.semilogy(steps, hist["update_norm"], label=name)
    ax1.set_xlabel("step")
    ax1.set_ylabel("training loss (log scale)")
    ax1.set_title("Loss on a least-squares problem")
    ax2.set_xlabel("step")
    ax2.set_ylabel("‖Δw‖ per step (log scale)")
    ax2.set_title("Size of each update")
    fig.legend(*ax1.get_legend_handles_labels(), loc="outside lower center", ncols=2, frameon=False)
    fig.suptitle("The same learning rate and decay, different RMSProps")
    return fig


def plot_lr_schedule(
    epochs: int = 100, base_lr: float = 0.045, decay: float = 0.94, epochs_per_decay: float = 2.0
) -> Figure:
    """The paper's staircase schedule: base_lr · decay^floor(epoch / epochs_per_decay) (sec. 8)."""
    fig, ax = new_figure(WIDTH_IN, 3.4)
    e = np.linspace(0, epochs, 20 * epochs + 1)
    ax.plot(e, [inception_lr(v, base_lr, decay, epochs_per_decay) for v in e])
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    ax.set_title(f"lr = {base_lr:g} × {decay:g}^⌊epoch / {epochs_per_decay:g}⌋")
    return fig


def _eps_label(eps: float) -> str:
    return f"ε = {eps:g}"


def plot_smoothing_seeds(runs: Sequence[SmoothingRun], num_classes: int = 10, n_bins: int = 10) -> Figure:
    """The label-smoothing experiment seed by seed (from :func:`~inception_lib.calibration.
    label_smoothing_experiment`): mean top probability, accuracy, mean logit gap and calibration error
    per ε. Each grey line joins the runs of one seed; the coloured marker and bar are the mean ± one
    standard deviation over the seeds. The logit-gap panel marks the smoothed loss's optimum per ε > 0."""
    if not runs:
        raise ValueError("no runs to plot")
    eps_values = list(dict.fromkeys(r.eps for r in runs))
    seeds = list(dict.fromkeys(r.seed for r in runs))
    stats = {(r.seed, r.eps): r.stats(n_bins) for r in runs}
    panels = [
        ("confidence", "mean top-class probability", "Confidence"),
        ("accuracy", "fraction of validation images", "Accuracy"),
        ("logit_gap", "top logit − mean of the others", "Logit gap"),
        ("ece", "expected calibration error", "Calibration error (ECE)"),
    ]
    fig, axes = new_figure(WIDTH_IN, 6.4, ncols=2, nrows=2)
    x = np.arange(len(eps_values))
    for ax, (key, ylabel, title) in zip(axes.flat, panels, strict=True):
        for seed in seeds:
            ys = [stats[seed, e][key] for e in eps_values if (seed, e) in stats]
            if len(ys) == len(eps_values):
                ax.plot(x, ys, color="0.6", lw=1, marker="o", ms=3, zorder=1)
        for i, eps in enumerate(eps_values):
            values = [stats[s, eps][key] for s in seeds if (s, eps) in stats]
            mean, sd = float(np.mean(values)), float(np.std(values))
            ax.errorbar(
                i + 0.12,
                mean,
                yerr=sd,
                fmt="D",
                ms=7,
                capsize=4,
                color=OKABE_ITO[i % len(OKABE_ITO)],
                zorder=2,
            )
        if key == "logit_gap":
            for i, eps in enumerate(eps_values):
                if eps > 0:
                    best = optimal_logit_gap(num_classes, eps)
                    ax.hlines(best, i - 0.3, i + 0.3, colors=OKABE_ITO[7], linestyles="--", lw=1.2)
                    ax.annotate(
                        "optimum of the\nsmoothed loss", (i + 0.3, best), xytext=(0, 3),
                        textcoords="offset points", ha="right", va="bottom", fontsize=9,
                    )
            ax.set_ylim(bottom=0)
        ax.set_xticks(x, [_eps_label(e) for e in eps_values])
        ax.set_xlim(-0.5, len(eps_values) - 0.5)
        ax.set_xlabel("label smoothing")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
    fig.suptitle(
        f"The same small network without and with label smoothing, {len(seeds)} seeds\n"
        "(grey: one seed; marker and bar: mean ± sd)"
    )
    return fig


def plot_reliability(runs: Sequence[SmoothingRun], n_bins: int = 10) -> Figure:
    """Reliability diagrams, one panel per ε, the validation predictions of all seeds pooled: for each
    confidence bin, the fraction of correct predictions (bars) against the diagonal of a perfectly
    calibrated model; the shaded part of each bar is the gap between confidence and accuracy. Each panel's
    title gives the expected calibration error of the same pooled predictions the bars show."""
    if not runs:
        raise ValueError("no runs to plot")
    eps_values = list(dict.fromkeys(r.eps for r in runs))
    side = min(3.6, (WIDTH_IN - 0.3) / len(eps_values))
    fig, axes = new_figure(min(WIDTH_IN, side * len(eps_values) + 0.3), side + 1.3, ncols=len(eps_values))
    axes = np.atleast_1d(axes)
    for i, (ax, eps) in enumerate(zip(axes.flat, eps_values, strict=True)):
        chosen = [r for r in runs if r.eps == eps]
        logits = torch.cat([r.logits for r in chosen])
        labels = torch.cat([r.labels for r in chosen])
        bins = reliability_bins(logits, labels, n_bins)
        width = 1.0 / n_bins
        centres = np.array(bins.edges[:-1]) + width / 2
        acc = np.nan_to_num(np.array(bins.accuracy))
        conf = np.array(bins.confidence)
        filled = np.array(bins.count) > 0
        ax.bar(
            centres[filled],
            acc[filled],
            width * 0.95,
            color=OKABE_ITO[i % len(OKABE_ITO)],
            label="accuracy in the bin",
        )
        # The gap between what the model claims (mean confidence) and what it achieves (accuracy).
        ax.bar(
            centres[filled], conf[filled] - acc[filled], width * 0.95, bottom=acc[filled], color="none",
            edgecolor=OKABE_ITO[3], hatch="///", lw=0.8, label="confidence − accuracy",
        )
        ax.plot([0, 1], [0, 1], ls="--", color=OKABE_ITO[7], lw=1, label="perfect calibration")
        pooled_ece = expected_calibration_error(logits, labels, n_bins)
        ax.set_title(f"{_eps_label(eps)}: ECE {pooled_ece:.3f}\n({len(chosen)} seeds pooled)")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_xlabel("confidence (top-class probability)")
        ax.set_ylabel("accuracy")
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=3, frameon=False)
    fig.suptitle("Reliability diagrams on the validation images")
    return fig


def plot_smoothing_explorer_view(
    eps: float, num_classes: int, context_classes: Sequence[int] = (2, 10, 100, 1000)
) -> Figure:
    """One view of chapter 5's explorer: the smoothed target of one example (true class, one other
    class, all others together) and the optimal logit gap log(1 + K(1 − ε)/ε) over ε for this K, with
    the chosen ε marked (ε = 0 has no finite optimum); the curves of ``context_classes`` in grey. The
    axes are the same for every (ε, K), so switching views compares like with like."""
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes!r}")
    if not 0.0 <= eps < 1.0:
        raise ValueError(f"eps must be in [0, 1), got {eps!r}")
    k = num_classes
    true_p = 1.0 - eps + eps / k
    other_p = eps / k
    fig, axes = new_figure(WIDTH_IN, 3.4, ncols=2)
    ax1, ax2 = axes.flat
    names = ["true class", "each other\nclass", f"all {k - 1:,}\nothers"]
    values = [true_p, other_p, other_p * (k - 1)]
    bars = ax1.bar(range(3), values, 0.6, color=[OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[2]])
    ax1.bar_label(bars, labels=[f"{v:.4g}" for v in values], padding=2, fontsize=9)
    ax1.set_xticks(range(3), names)
    ax1.set_xlabel("class k of one example")
    ax1.set_ylim(0, 1.15)
    ax1.set_ylabel("target probability q′(k)")
    ax1.set_title(f"Smoothed target, ε = {eps:g}, K = {k:,}")
    grid = np.linspace(0.01, 0.5, 200)
    for other in context_classes:
        if other != k:
            ax2.plot(grid, [optimal_logit_gap(other, float(e)) for e in grid], color="0.75", lw=1)
            ax2.annotate(
                f"K = {other:,}", (0.5, optimal_logit_gap(other, 0.5)), xytext=(2, 0),
                textcoords="offset points", fontsize=9, color="0.4", va="center",
            )
    ax2.plot(grid, [optimal_logit_gap(k, float(e)) for e in grid], color=OKABE_ITO[0], lw=2)
    ax2.annotate(
        f"K = {k:,}", (0.5, optimal_logit_gap(k, 0.5)), xytext=(2, 0), textcoords="offset points",
        fontsize=9, color=OKABE_ITO[0], va="center", fontweight="bold",
    )
    top = 1.1 * max(optimal_logit_gap(c, 0.01) for c in (*context_classes, k))
    if eps > 0:
        gap = optimal_logit_gap(k, eps)
        ax2.plot([eps], [gap], "o", color=OKABE_ITO[3], ms=8)
        ax2.annotate(f"{gap:.2f}", (eps, gap), xytext=(6, 6), textcoords="offset points", fontsize=9)
    else:
        ax2.annotate(
            "ε = 0: no finite optimum,\nthe gap grows for ever", (0.01, top * 0.97),
            xytext=(0.08, top * 0.85),
            fontsize=9, color=OKABE_ITO[3], arrowprops={"arrowstyle": "->", "color": OKABE_ITO[3]},
        )
    ax2.set_xlim(0, 0.5)
    ax2.set_ylim(0, top)
    ax2.margins(x=0)
    ax2.set_xlabel("label smoothing ε")
    ax2.set_ylabel("optimal logit gap")
    ax2.set_title(f"log(1 + K(1 − ε)/ε), K = {k:,}")
    return fig
