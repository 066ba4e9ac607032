"""Figures for training runs (chapter 6): loss, accuracy and throughput from a run's metrics; the two
heads' losses; raw against averaged (EMA) weights; the learning-rate schedule of a run against the paper's;
and for the recorded Fashion-MNIST runs: sample images, networks compared at equal CPU time, test
accuracies beside published ones, the confusion matrix, misclassified images, optimizers compared.

Every function returns a matplotlib Figure (never calls ``plt.show()``), with a title and labelled axes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..recipe import PAPER_RECIPE, inception_lr
from .common import OKABE_ITO, new_figure

__all__ = [
    "moving_average",
    "plot_training_curves",
    "plot_head_losses",
    "plot_raw_vs_ema",
    "plot_lr_schedules",
    "plot_class_samples",
    "plot_model_comparison",
    "plot_test_accuracies",
    "plot_confusion_matrix",
    "plot_misclassified",
    "plot_optimizer_comparison",
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
    fig, axes = new_figure(6.8, 8.4, nrows=3)
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
    fig, ax = new_figure(6.8, 3.8)
    ax.plot(epochs, moving_average(main, window), label="main head (Mixed_7c → fc)")
    ax.plot(epochs, moving_average(aux, window), label="auxiliary head (last 17×17 block, Figure 8)")
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
    fig, axes = new_figure(6.8, 6.4, nrows=2)
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
    fig, axes = new_figure(6.8, 6.4, nrows=2)
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
    fig.suptitle("The learning-rate schedule: a short run sees\nonly the start of the staircase")
    return fig


def plot_class_samples(
    images: np.ndarray, labels: np.ndarray, classes: Sequence[str], per_class: int = 3
) -> Figure:
    """The first ``per_class`` images of every class (grey, as stored), one column per class."""
    k = len(classes)
    fig, axes = new_figure(6.8, 0.72 * per_class + 0.9, nrows=per_class, ncols=k)
    for c in range(k):
        found = np.flatnonzero(np.asarray(labels) == c)[:per_class]
        for row in range(per_class):
            ax = axes[row, c]
            ax.axis("off")
            if row < len(found):
                ax.imshow(images[found[row]], cmap="gray_r", vmin=0, vmax=255)
        axes[0, c].set_title(classes[c].replace("/", "/\n").replace(" ", "\n"), fontsize=9)
    fig.suptitle(f"Fashion-MNIST: {per_class} training images of each class (28 × 28, grey)")
    return fig


def plot_model_comparison(
    runs: Mapping[str, Sequence[Sequence[Mapping[str, Any]]]], batch_size: int, window: int = 50
) -> Figure:
    """Networks trained for the same CPU time: the training batches' top-1 (moving average of ``window``
    steps) against the training images seen, one line per seed, one colour per network; each line ends
    where its CPU time ran out. Below: the held-out validation top-1 at the end of each run."""
    fig, axes = new_figure(6.8, 6.6, nrows=2)
    ax1, ax2 = axes.flat
    for colour, (name, seeds) in zip(OKABE_ITO, runs.items(), strict=False):
        for i, records in enumerate(seeds):
            train = [r for r in records if r.get("kind") == "train"]
            seen = [r["step"] * batch_size for r in train]
            ax1.plot(seen, moving_average([r["top1"] for r in train], window), color=colour, lw=1.3,
                     ls="-" if i == 0 else "--", label=f"{name}, seed {i}")
            final = [r for r in records if r.get("kind") == "eval"][-1]
            ax2.plot(final["step"] * batch_size, final["top1"], "o" if i == 0 else "s", color=colour,
                     ms=8, label=f"{name}, seed {i}")
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_xlabel("training images seen (log scale)")
    ax1.set_ylabel(f"training top-1, mean of {window} steps")
    ax1.set_ylim(0, 1.0)
    ax1.set_title("Learning, until each run's CPU time ran out")
    ax1.legend(frameon=False, fontsize=9, ncols=2, loc="lower right")
    ax2.set_ylabel("validation top-1 (held-out)")
    ax2.set_title("Where each run ended")
    ax2.legend(frameon=False, fontsize=9, ncols=2, loc="lower right")
    fig.suptitle("Three networks, the same CPU time, the same recipe and data")
    return fig


def plot_test_accuracies(ours: Mapping[str, Sequence[float]], published: Mapping[str, float]) -> Figure:
    """Horizontal bars: the official test accuracy of our recorded runs (each seed a dot, the bar their
    mean) above published results from the dataset's benchmark table (different budgets: read them as
    what each network reaches when trained to the end)."""
    names = list(ours) + list(published)
    fig, ax = new_figure(5.4, 0.42 * len(names) + 1.4)  # the class names widen it by about 1.4 in
    y = np.arange(len(names))[::-1]
    for yi, name in zip(y, names, strict=False):
        if name in ours:
            values = list(ours[name])
            ax.barh(yi, float(np.mean(values)), color=OKABE_ITO[0], height=0.6)
            ax.plot(values, [yi] * len(values), "o", color="black", ms=4)
            ax.text(max(values) + 0.008, yi, f"{np.mean(values):.3f}", va="center", fontsize=9)
        else:
            ax.barh(yi, published[name], color="0.75", height=0.6)
            ax.text(published[name] + 0.005, yi, f"{published[name]:.3f}", va="center", fontsize=9)
    ax.set_yticks(y, names)
    low = min(min(min(v) for v in ours.values()), min(published.values()))
    ax.set_xlim(max(0.0, low - 0.05), 1.04)
    ax.grid(True, axis="x", alpha=0.3)
    ax.grid(False, axis="y")
    ax.set_xlabel("test accuracy (top-1, official 10,000 test images)")
    ax.set_title("Blue: this book's runs (dots: seeds)\nGrey: published, each trained to the end")
    return fig


def plot_confusion_matrix(matrix: np.ndarray, classes: Sequence[str], title: str) -> Figure:
    """Rows: the true class, columns: the predicted class, each cell the share of the row (with counts)."""
    share = matrix / np.maximum(1, matrix.sum(axis=1, keepdims=True))
    fig, ax = new_figure(6.8, 6.2)
    ax.grid(False)
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(classes)):
        for j in range(len(classes)):
            if matrix[i, j]:
                ax.text(j, i, f"{matrix[i, j]}", ha="center", va="center", fontsize=8,
                        color="white" if share[i, j] > 0.5 else "black")
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right", fontsize=9)
    ax.set_yticks(range(len(classes)), classes, fontsize=9)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, shrink=0.8, label="share of the true class's test images")
    return fig


def plot_misclassified(
    images: np.ndarray, labels: np.ndarray, predictions: np.ndarray, classes: Sequence[str], count: int = 10
) -> Figure:
    """The first ``count`` misclassified test images, each titled with its true and predicted class."""
    wrong = np.flatnonzero(np.asarray(labels) != np.asarray(predictions))[:count]
    cols = 5
    rows = max(1, int(np.ceil(len(wrong) / cols)))
    fig, axes = new_figure(6.8, 1.75 * rows + 0.6, nrows=rows, ncols=cols)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong, strict=False):
        ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=255)
        ax.set_title(f"{classes[labels[i]]}\n→ {classes[predictions[i]]}", fontsize=9)
    fig.suptitle("Misclassified test images: true class → predicted class")
    return fig


def plot_optimizer_comparison(runs: Mapping[str, Sequence[Mapping[str, Any]]], window: int = 25) -> Figure:
    """The paper's optimizer settings against the book's on the same network, data and seed: the training
    loss (moving average of ``window`` steps, main head) and the batches' top-1 against the step."""
    fig, axes = new_figure(6.8, 6.6, nrows=2)
    ax1, ax2 = axes.flat
    steps_shown = min(max(r["step"] for r in recs if r.get("kind") == "train") for recs in runs.values())
    for colour, (name, records) in zip(OKABE_ITO, runs.items(), strict=False):
        train = [r for r in records if r.get("kind") == "train" and r["step"] <= steps_shown]
        steps = [r["step"] for r in train]
        ax1.plot(steps, moving_average([r["loss_main"] for r in train], window), color=colour, label=name)
        ax2.plot(steps, moving_average([r["top1"] for r in train], window), color=colour, label=name)
    num_classes = 10
    ax1.axhline(np.log(num_classes), color="0.4", ls=":", lw=1, label="uniform guess: ln 10")
    ax2.axhline(1 / num_classes, color="0.4", ls=":", lw=1, label="chance: 0.1")
    ax1.set_ylabel(f"training loss (main head), mean of {window}")
    ax2.set_ylabel(f"training top-1, mean of {window}")
    ax2.set_ylim(0, 1)
    for ax in (ax1, ax2):
        ax.set_xlabel("step (batch of 32)")
        ax.legend(frameon=False, fontsize=9)
    ax1.set_title("Loss")
    ax2.set_title("Accuracy on the training batches")
    fig.suptitle("Inception-v3 on Fashion-MNIST: the paper's optimizer against the book's")
    return fig
