"""Figures for training runs (chapter 6): loss, accuracy and throughput from a run's metrics; the two
heads' losses; raw against averaged (EMA) weights; the learning-rate schedule of a run against the paper's.

Every function returns a matplotlib Figure (never calls ``plt.show()``), with a title and labelled axes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..recipe import PAPER_RECIPE, inception_lr
from .common import new_figure

__all__ = [
    "moving_average",
    "plot_training_curves",
    "plot_head_losses",
    "plot_raw_vs_ema",
    "plot_lr_schedules",
]


def plot_training_curves(records: Sequence[Mapping[str, Any]], title: str = "Training run") -> Figure:
    """Three panels from a run's ``metrics.jsonl`` records: loss, accuracy and throughput per step.

    Training points are per logged step (batch statistics, noisy); validation points come from the
    ``"eval"`` records (EMA weights dashed, when the run kept a moving average).
    """
    train = [r for r in records if r.get("kind") == "train"]
    evals = [r for r in records if r.get("kind") == "eval"]
    if not train:
        raise ValueError("no training records to plot")
    fig, axes = new_figure(13.0, 3.8, ncols=3)
    ax1, ax2, ax3 = axes.flat
    epochs = [r["epoch"] for r in train]
    ax1.plot(epochs, [r["loss"] for r in train], lw=1, alpha=0.8, label="train (main + 0.4·aux, smoothed)")
    ax2.plot(epochs, [r["top1"] for r in train], lw=1, alpha=0.6, label="train top-1 (batch)")
    if evals:
        ev_epochs = [r["epoch"] for r in evals]
        ax1.plot(ev_epochs, [r["loss"] for r in evals], "o-", label="validation (cross-entropy)")
        ax2.plot(ev_epochs, [r["top1"] for r in evals], "o-", label="validation top-1")
        ax2.plot(ev_epochs, [r["top5"] for r in evals], "s-", label="validation top-5")
        if "ema_top1" in evals[0]:
            ax2.plot(ev_epochs, [r["ema_top1"] for r in evals], "o--", label="validation top-1 (EMA)")
    ax3.plot(epochs, [r["images_per_s"] for r in train], lw=1)
    ax1.set_ylabel("loss")
    ax2.set_ylabel("accuracy (fraction)")
    ax2.set_ylim(0, 1.02)
    ax3.set_ylabel("throughput (images/s)")
    ax3.set_ylim(bottom=0)
    for ax, name in ((ax1, "Loss"), (ax2, "Accuracy"), (ax3, "Throughput")):
        ax.set_xlabel("epoch")
        ax.set_title(name)
    ax1.legend(frameon=False, fontsize=9)
    ax2.legend(frameon=False, fontsize=9)
    fig.suptitle(title)
    return fig


def _split(records: Sequence[Mapping[str, Any]]) -> tuple[list, list]:
    train = [r for r in records if r.get("kind") == "train"]
    evals = [r for r in records if r.get("kind") == "eval"]
    if not train:
        raise ValueError("no training records to plot")
    return train, evals


def moving_average(values: Sequence[float], window: int) -> np.ndarray:
    """Mean of the last ``window`` values at each position (fewer at the start): noisy curves, readable."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window!r}")
    x = np.asarray(values, dtype=np.float64)
    c = np.concatenate([[0.0], np.cumsum(x)])
    idx = np.arange(1, len(x) + 1)
    lo = np.maximum(0, idx - window)
    return (c[idx] - c[lo]) / (idx - lo)


def plot_head_losses(
    records: Sequence[Mapping[str, Any]], aux_weight: float = 0.4, num_classes: int = 10, window: int = 25
) -> Figure:
    """The main head's and the auxiliary head's label-smoothed training loss per step (moving averages).

    The logged loss is main + ``aux_weight`` · aux, so aux = (loss − main) / ``aux_weight``. The dotted line
    is ln K, the loss of a uniform guess among K classes.
    """
    train, _ = _split(records)
    if aux_weight <= 0:
        raise ValueError("the run has no auxiliary loss (aux_weight must be > 0)")
    epochs = [r["epoch"] for r in train]
    main = [r["loss_main"] for r in train]
    aux = [(r["loss"] - r["loss_main"]) / aux_weight for r in train]
    fig, ax = new_figure(7.5, 3.8)
    ax.plot(epochs, moving_average(main, window), label="main head (Mixed_7c → fc)")
    ax.plot(epochs, moving_average(aux, window), label="auxiliary head (on the last 17×17 block, Figure 8)")
    ax.axhline(np.log(num_classes), color="0.4", ls=":", lw=1, label=f"uniform guess: ln {num_classes}")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"training loss (smoothed labels), mean of {window} steps")
    ax.set_ylim(bottom=0)
    ax.set_title("Both heads learn; the auxiliary head sees a shallower network")
    ax.legend(frameon=False, fontsize=9)
    return fig


def plot_raw_vs_ema(records: Sequence[Mapping[str, Any]]) -> Figure:
    """Validation top-1 and loss after each evaluation with the raw weights and with their moving average."""
    _, evals = _split(records)
    evals = [r for r in evals if "ema_top1" in r]
    if not evals:
        raise ValueError("the run kept no moving average of the weights (train with ema=True)")
    epochs = [r["epoch"] for r in evals]
    fig, axes = new_figure(10.0, 3.6, ncols=2)
    ax1, ax2 = axes.flat
    ax1.plot(epochs, [r["top1"] for r in evals], "o-", label="raw weights")
    ax1.plot(epochs, [r["ema_top1"] for r in evals], "s--", label="moving average (EMA)")
    ax2.plot(epochs, [r["loss"] for r in evals], "o-", label="raw weights")
    ax2.plot(epochs, [r["ema_loss"] for r in evals], "s--", label="moving average (EMA)")
    ax1.set_ylabel("validation top-1 (fraction)")
    ax1.set_ylim(0, 1.02)
    ax2.set_ylabel("validation cross-entropy")
    ax2.set_ylim(bottom=0)
    for ax, name in ((ax1, "Accuracy"), (ax2, "Loss")):
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.legend(frameon=False, fontsize=9)
    fig.suptitle("Evaluating the running average of the weights (paper sec. 8)")
    return fig


def plot_lr_schedules(
    records: Sequence[Mapping[str, Any]], paper_epochs: int = int(PAPER_RECIPE["epochs"])
) -> Figure:
    """Left: the learning rate a run used, per step. Right: the paper's schedule (0.045 × 0.94 every two
    epochs) over its 100 epochs, with the part that a run of this length covers shaded."""
    train, _ = _split(records)
    fig, axes = new_figure(11.0, 3.6, ncols=2)
    ax1, ax2 = axes.flat
    epochs = [r["epoch"] for r in train]
    ax1.step(epochs, [r["lr"] for r in train], where="post")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("learning rate")
    ax1.set_ylim(bottom=0)
    ax1.set_title("This run")
    e = np.linspace(0, paper_epochs, 20 * paper_epochs + 1)
    base, decay, every = PAPER_RECIPE["lr"], PAPER_RECIPE["lr_decay"], PAPER_RECIPE["epochs_per_decay"]
    ax2.plot(e, [inception_lr(v, base, decay, every) for v in e])
    ax2.axvspan(0, max(epochs), color="#E69F00", alpha=0.3, label=f"the first {max(epochs):.1f} epochs")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("learning rate")
    ax2.set_ylim(bottom=0)
    ax2.set_title(f"The paper's: {base:g} × {decay:g}^⌊epoch / {every:g}⌋")
    ax2.legend(frameon=False, fontsize=9)
    fig.suptitle("The learning-rate schedule: a short run sees only the start of the staircase")
    return fig
