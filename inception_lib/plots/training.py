"""Figures for training runs (chapter 6): loss, accuracy and throughput from a run's metrics.

Every function returns a matplotlib Figure (never calls ``plt.show()``), with a title and labelled axes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from .common import new_figure

__all__ = ["plot_training_curves"]


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
    ax1.legend(frameon=False, fontsize=8)
    ax2.legend(frameon=False, fontsize=8)
    fig.suptitle(title)
    return fig
