"""Figures for the training recipe (chapter 5): smoothed targets, confidence, RMSProp, the schedule.

Every function returns a matplotlib Figure (never calls ``plt.show()``), with a title and labelled axes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure

from ..recipe import inception_lr, optimal_logit_gap, rmsprop_step_multiplier, smooth_targets
from .common import new_figure

__all__ = [
    "plot_dataset_samples",
    "plot_smoothed_targets",
    "plot_confidence",
    "plot_rmsprop_multiplier",
    "plot_optimizer_race",
    "plot_lr_schedule",
]


def plot_dataset_samples(dataset: Any, classes: Sequence[str], per_class: int = 3, title: str = "") -> Figure:
    """A grid of images, one column per class, from a dataset of (image in [-1, 1], label) pairs."""
    k = len(classes)
    picks: dict[int, list[torch.Tensor]] = {c: [] for c in range(k)}
    i = 0
    while any(len(v) < per_class for v in picks.values()) and i < len(dataset):
        image, label = dataset[i]
        if len(picks[int(label)]) < per_class:
            picks[int(label)].append(image)
        i += 1
    fig, axes = new_figure(1.3 * k, 1.4 * per_class + 0.6, ncols=k, nrows=per_class)
    axes = np.asarray(axes).reshape(per_class, k)
    for c in range(k):
        for r in range(per_class):
            ax = axes[r, c]
            ax.axis("off")
            if r < len(picks[c]):
                ax.imshow(((picks[c][r].permute(1, 2, 0) + 1) / 2).clamp(0, 1).numpy())
            if r == 0:
                ax.set_title(classes[c], fontsize=8)
    fig.suptitle(title or f"{per_class} samples of each of the {k} classes")
    return fig


def plot_smoothed_targets(num_classes: int = 10, eps: float = 0.1, label: int = 3) -> Figure:
    """One-hot target vs the smoothed target q'(k) = (1 − ε)δ + ε/K of one example (paper sec. 7)."""
    fig, ax = new_figure(7.0, 3.6)
    one_hot = smooth_targets(torch.tensor([label]), num_classes, 0.0)[0].numpy()
    smooth = smooth_targets(torch.tensor([label]), num_classes, eps)[0].numpy()
    x = np.arange(num_classes)
    ax.bar(x - 0.2, one_hot, 0.4, label="one-hot (ε = 0)", color="#9aa5b1")
    ax.bar(x + 0.2, smooth, 0.4, label=f"smoothed (ε = {eps:g})", color="#1f77b4")
    ax.annotate(
        f"{smooth[label]:.4f}", (label + 0.2, smooth[label]), ha="center", va="bottom", fontsize=8,
        xytext=(0, 2), textcoords="offset points",
    )  # fmt: skip
    ax.annotate(
        f"ε/K = {eps / num_classes:g}", (0.2, smooth[0]), ha="center", va="bottom", fontsize=8,
        xytext=(0, 4), textcoords="offset points",
    )  # fmt: skip
    ax.set_xticks(x)
    ax.set_xlabel(f"class k (true class y = {label}, K = {num_classes})")
    ax.set_ylabel("target probability q(k)")
    ax.set_ylim(0, 1.12)
    ax.set_title("Label smoothing moves ε of the target's mass to a uniform prior")
    ax.legend(frameon=False, loc="upper right")
    return fig


def plot_confidence(results: Mapping[str, Mapping[str, float]], num_classes: int, eps: float = 0.1) -> Figure:
    """Two panels from :func:`~inception_lib.recipe.confidence_stats` results keyed by run name:
    mean top probability vs accuracy, and the mean logit gap with label smoothing's optimum marked."""
    fig, axes = new_figure(9.0, 3.6, ncols=2)
    ax1, ax2 = axes.flat
    names = list(results)
    x = np.arange(len(names))
    conf = [results[n]["confidence"] for n in names]
    acc = [results[n]["accuracy"] for n in names]
    b1 = ax1.bar(x - 0.2, conf, 0.4, label="mean top-class probability")
    b2 = ax1.bar(x + 0.2, acc, 0.4, label="accuracy")
    ax1.bar_label(b1, fmt="%.2f", fontsize=8, padding=2)
    ax1.bar_label(b2, fmt="%.2f", fontsize=8, padding=2)
    ax1.set_xticks(x, names)
    ax1.set_xlabel("training run (label smoothing ε)")
    ax1.set_ylim(0, 1.2)
    ax1.set_ylabel("probability / fraction of validation images")
    ax1.set_title("Confidence vs accuracy")
    ax1.legend(frameon=False, fontsize=8, loc="upper left")
    gaps = [results[n]["logit_gap"] for n in names]
    b3 = ax2.bar(x, gaps, 0.5, color="#ff7f0e")
    ax2.bar_label(b3, fmt="%.2f", fontsize=9, label_type="center", color="white")
    best = optimal_logit_gap(num_classes, eps)
    ax2.axhline(best, color="k", ls="--", lw=1, label=f"optimum for ε = {eps:g}: {best:.2f}")
    ax2.legend(frameon=False, fontsize=8, loc="upper right")
    ax2.set_xticks(x, names)
    ax2.set_xlabel("training run (label smoothing ε)")
    ax2.set_ylabel("top logit − mean of the others")
    ax2.set_title("Logit gap")
    ax2.margins(y=0.2)
    fig.suptitle("What label smoothing does to a classifier's outputs (validation set)")
    return fig


def plot_rmsprop_multiplier(eps: float = 1.0) -> Figure:
    """Steady-state step size per unit gradient, 1/sqrt(g² + ε) (TF) vs 1/(|g| + ε) (PyTorch), and the
    textbook RMSProp with a tiny ε (1/|g|), over gradient magnitudes |g|."""
    fig, ax = new_figure(7.0, 3.8)
    g = torch.logspace(-3, 2, 200, dtype=torch.float64)
    ax.loglog(g, rmsprop_step_multiplier(g, eps, "tf"), label=f"TensorFlow: 1/√(g² + ε), ε = {eps:g}")
    ax.loglog(g, rmsprop_step_multiplier(g, eps, "torch"), label=f"PyTorch: 1/(|g| + ε), ε = {eps:g}")
    ax.loglog(
        g, rmsprop_step_multiplier(g, 1e-8, "torch"), ls=":", color="gray", label="textbook: 1/|g| (ε → 0)"
    )
    ax.set_xlabel("gradient magnitude |g| (log scale)")
    ax.set_ylabel("step per unit gradient (log scale)")
    ax.set_title("RMSProp's scaling once the mean square has settled at g²")
    ax.set_ylim(5e-3, 2e2)
    ax.legend(frameon=False, fontsize=8)
    return fig


def plot_optimizer_race(results: Mapping[str, Mapping[str, Sequence[float]]]) -> Figure:
    """Loss and update size per step for each optimizer of :func:`~inception_lib.recipe.optimizer_race`."""
    fig, axes = new_figure(10.0, 3.8, ncols=2)
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
    ax1.legend(frameon=False, fontsize=8)
    fig.suptitle("The same learning rate and decay, different RMSProps")
    return fig


def plot_lr_schedule(
    epochs: int = 100, base_lr: float = 0.045, decay: float = 0.94, epochs_per_decay: float = 2.0
) -> Figure:
    """The paper's staircase schedule: base_lr · decay^floor(epoch / epochs_per_decay) (sec. 8)."""
    fig, ax = new_figure(7.0, 3.4)
    e = np.linspace(0, epochs, 20 * epochs + 1)
    ax.plot(e, [inception_lr(v, base_lr, decay, epochs_per_decay) for v in e])
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    ax.set_title(f"lr = {base_lr:g} × {decay:g}^⌊epoch / {epochs_per_decay:g}⌋")
    return fig
