"""Confidence and calibration: what label smoothing (paper sec. 7) does to a classifier's outputs.

The paper motivates label smoothing by over-confidence: with one-hot targets the loss is only minimised by
an infinitely large gap between the true logit and the others, and the model "becomes too confident about
its predictions" (sec. 7). This module measures that on held-out data:

* :func:`optimal_logit_gap`: where the smoothed loss is smallest, the finite gap between the true-class
  logit and the others that label smoothing aims for; :func:`confidence_stats`: how confident a
  classifier's outputs are, how right, and how large its logit gap.
* :func:`reliability_bins`: a reliability diagram's data. Predictions are grouped by their confidence (the
  top-class probability); a calibrated model is right in a bin as often as it is confident there.
* :func:`expected_calibration_error` (ECE): the gap between confidence and accuracy, averaged over the bins
  with the share of predictions in each as weight (Guo et al. 2017, "On calibration of modern neural
  networks"). 0 is perfectly calibrated.
* :func:`label_smoothing_experiment`: a small convolutional network trained with and without smoothing,
  for several seeds, in the regime where a network becomes over-confident (few training images, trained
  far past the point where it classifies all of them correctly). :func:`paired_differences` and
  :func:`summarize` turn its runs into per-seed margins and mean ± spread.

Everything is computed in float64 from the logits, so a metric does not depend on the summation order of
the processor's kernels beyond what the logits themselves carry.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from .data import SyntheticShapes
from .layers import ConvBNReLU
from .recipe import TFRMSprop, _check_eps, label_smoothing_loss

__all__ = [
    "optimal_logit_gap",
    "confidence_stats",
    "ReliabilityBins",
    "reliability_bins",
    "expected_calibration_error",
    "calibration_stats",
    "SmallConvNet",
    "SmoothingRun",
    "label_smoothing_experiment",
    "paired_differences",
    "summarize",
]


# --------------------------------------------------------------------------------------------------------
# What label smoothing does to the logits (sec. 7)


def optimal_logit_gap(num_classes: int, eps: float = 0.1) -> float:
    """The gap between the true-class logit and the others at which the smoothed loss is smallest.

    Softmax matches q' exactly when z_y − z_k = log(q'(y) / q'(k)) = log(1 + K(1 − ε)/ε); without
    smoothing (ε = 0) there is no minimum and the gap grows for ever (paper sec. 7, "the largest logit
    becomes much larger than all others"). Returns ``inf`` for ε = 0.
    """
    _check_eps(eps)
    if eps == 0.0:
        return math.inf
    return math.log1p(num_classes * (1.0 - eps) / eps)


def confidence_stats(logits: torch.Tensor, labels: torch.Tensor) -> dict[str, float]:
    """How confident a classifier is and how right: the numbers behind "label smoothing makes the model
    less confident" (sec. 7; Müller et al. 2019).

    ``confidence``: mean probability of the top class; ``accuracy``: fraction whose top class is right;
    ``logit_gap``: mean of (largest logit − mean of the other logits), which label smoothing pulls towards
    :func:`optimal_logit_gap` while plain cross-entropy lets it grow; ``max_logit``: mean largest logit.
    """
    if logits.dim() != 2 or logits.shape[0] != labels.shape[0]:
        raise ValueError(
            f"expected logits (N, K) and labels (N,), got {tuple(logits.shape)}, {tuple(labels.shape)}"
        )
    logits = logits.double()
    top, pred = logits.max(dim=1)
    others = (logits.sum(dim=1) - top) / (logits.shape[1] - 1)
    return {
        "confidence": float(torch.softmax(logits, dim=1).max(dim=1).values.mean()),
        "accuracy": float((pred == labels).double().mean()),
        "logit_gap": float((top - others).mean()),
        "max_logit": float(top.mean()),
    }


# --------------------------------------------------------------------------------------------------------
# Calibration: reliability bins and the expected calibration error


def _check_logits(logits: torch.Tensor, labels: torch.Tensor) -> None:
    if not isinstance(logits, torch.Tensor) or logits.dim() != 2 or logits.shape[1] < 2:
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        raise ValueError(f"logits must be a tensor (N, K) with K >= 2 classes, got {shape}")
    labels = torch.as_tensor(labels)
    if labels.dim() != 1 or labels.shape[0] != logits.shape[0]:
        raise ValueError(
            f"labels must be (N,) with N = {logits.shape[0]} (one per row of logits), "
            f"got {tuple(labels.shape)}"
        )
    if labels.dtype.is_floating_point or labels.dtype == torch.bool:
        raise ValueError(f"labels must be integer class indices, got dtype {labels.dtype}")
    if labels.numel() == 0:
        raise ValueError("logits and labels are empty: calibration needs at least one prediction")


def _check_bins(n_bins: int) -> None:
    if isinstance(n_bins, bool) or not isinstance(n_bins, int) or n_bins < 1:
        raise ValueError(f"n_bins must be an integer >= 1, got {n_bins!r}")


@dataclass(frozen=True)
class ReliabilityBins:
    """A reliability diagram's data: equal-width confidence bins over [0, 1].

    ``edges`` has ``n_bins + 1`` entries; for bin i, ``count[i]`` predictions fell in
    (edges[i], edges[i + 1]] (the first bin includes 0), with mean confidence ``confidence[i]`` and
    accuracy ``accuracy[i]`` (both NaN for an empty bin).
    """

    edges: list[float]
    count: list[int]
    confidence: list[float]
    accuracy: list[float]

    @property
    def total(self) -> int:
        return sum(self.count)

    def ece(self) -> float:
        """Expected calibration error: sum over bins of (share of predictions) × |accuracy − confidence|."""
        total = self.total
        return sum(
            n / total * abs(a - c)
            for n, a, c in zip(self.count, self.accuracy, self.confidence, strict=True)
            if n
        )


def reliability_bins(logits: torch.Tensor, labels: torch.Tensor, n_bins: int = 10) -> ReliabilityBins:
    """Group predictions by confidence (top-class softmax probability) into ``n_bins`` equal-width bins.

    Bins are right-closed, (lo, hi], as in Guo et al. (2017); a confidence of exactly 0 cannot occur (the
    top probability of K classes is at least 1/K).
    """
    _check_logits(logits, labels)
    _check_bins(n_bins)
    probs = torch.softmax(logits.detach().double(), dim=1)
    conf, pred = probs.max(dim=1)
    correct = (pred == torch.as_tensor(labels).to(pred.device)).double()
    # Bin index ceil(conf * n) - 1, so that a confidence on an edge lands in the bin it closes.
    index = (torch.ceil(conf * n_bins).long() - 1).clamp(0, n_bins - 1)
    count, mean_conf, mean_acc = [], [], []
    for i in range(n_bins):
        members = index == i
        n = int(members.sum())
        count.append(n)
        mean_conf.append(float(conf[members].mean()) if n else math.nan)
        mean_acc.append(float(correct[members].mean()) if n else math.nan)
    edges = [i / n_bins for i in range(n_bins + 1)]
    return ReliabilityBins(edges, count, mean_conf, mean_acc)


def expected_calibration_error(logits: torch.Tensor, labels: torch.Tensor, n_bins: int = 10) -> float:
    """ECE with ``n_bins`` equal-width confidence bins (0: calibrated; in [0, 1])."""
    return reliability_bins(logits, labels, n_bins).ece()


def calibration_stats(logits: torch.Tensor, labels: torch.Tensor, n_bins: int = 10) -> dict[str, float]:
    """:func:`confidence_stats` (accuracy, confidence, logit gap, max logit) plus
    ``ece`` and ``overconfidence`` (mean confidence − accuracy; > 0: more confident than right)."""
    _check_logits(logits, labels)
    stats = confidence_stats(logits.detach(), torch.as_tensor(labels))
    stats["ece"] = expected_calibration_error(logits, labels, n_bins)
    stats["overconfidence"] = stats["confidence"] - stats["accuracy"]
    return stats


# --------------------------------------------------------------------------------------------------------
# The label-smoothing experiment of chapter 5


class SmallConvNet(nn.Module):
    """Three conv-BN-ReLU units (the network's own unit, ``layers.ConvBNReLU``) with 2×2 max-pooling in
    between, global average pooling and a linear classifier: small enough to train in a second on a CPU."""

    def __init__(self, num_classes: int = 10, width: int = 8) -> None:
        super().__init__()
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise ValueError(f"width must be an integer >= 1, got {width!r}")
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}")
        self.features = nn.Sequential(
            ConvBNReLU(3, width, 3, padding=1),
            nn.MaxPool2d(2),
            ConvBNReLU(width, 2 * width, 3, padding=1),
            nn.MaxPool2d(2),
            ConvBNReLU(2 * width, 4 * width, 3, padding=1),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.fc = nn.Linear(4 * width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))


@dataclass(frozen=True)
class SmoothingRun:
    """One training run of :func:`label_smoothing_experiment`: its ε and seed, the validation logits and
    labels, and the accuracy on its own training images."""

    eps: float
    seed: int
    logits: torch.Tensor
    labels: torch.Tensor
    train_accuracy: float

    def stats(self, n_bins: int = 10) -> dict[str, float]:
        return calibration_stats(self.logits, self.labels, n_bins)


def _stack(dataset: SyntheticShapes) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = zip(*(dataset[i] for i in range(len(dataset))), strict=True)
    return torch.stack(images), torch.tensor(labels)


def _train_one(
    images: torch.Tensor,
    labels: torch.Tensor,
    eps: float,
    seed: int,
    width: int,
    epochs: int,
    batch_size: int,
    lr: float,
) -> nn.Module:
    torch.manual_seed(seed)  # the initial weights
    model = SmallConvNet(10, width)
    optimizer = TFRMSprop(model.parameters(), lr=lr)  # the paper's RMSProp (sec. 8)
    order = torch.Generator().manual_seed(seed)  # the order of the examples
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(labels), generator=order)
        for start in range(0, len(labels), batch_size):
            batch = perm[start : start + batch_size]
            loss = label_smoothing_loss(model(images[batch]), labels[batch], eps)  # sec. 7
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return model.eval()


@torch.no_grad()
def _logits(model: nn.Module, images: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
    return torch.cat([model(images[i : i + batch_size]) for i in range(0, len(images), batch_size)])


def label_smoothing_experiment(
    eps_values: Sequence[float] = (0.0, 0.1),
    seeds: Sequence[int] = (0, 1, 2, 3),
    train_size: int = 200,
    val_size: int = 1000,
    image_size: int = 24,
    epochs: int = 100,
    width: int = 8,
    batch_size: int = 50,
    lr: float = 0.045,
) -> list[SmoothingRun]:
    """Train :class:`SmallConvNet` on the generated shapes once per (seed, ε) and keep its validation logits.

    Each seed draws its own ``train_size`` training images (``SyntheticShapes(seed=seed)``), initial
    weights and example order; every ε sees exactly those for a given seed, so the runs pair up by seed.
    The validation set (``val_size`` images, dataset seed 0, the ``val`` split) is the same for all runs.
    Training: the paper's RMSProp (``TFRMSprop``, lr 0.045, decay 0.9, ε = 1, momentum 0.9) on
    ``label_smoothing_loss``, no augmentation, no weight decay, no schedule: with 20 images per class and
    ``epochs`` passes the network fits its training set completely, the regime in which plain
    cross-entropy keeps pushing the logits apart.
    """
    if not eps_values:
        raise ValueError("eps_values is empty: give at least one label-smoothing ε, e.g. (0.0, 0.1)")
    for eps in eps_values:
        if not 0.0 <= eps < 1.0:
            raise ValueError(f"every ε must be in [0, 1), got {eps!r}")
    if not seeds:
        raise ValueError("seeds is empty: give at least one seed")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {list(seeds)}")
    for name, value in (
        ("train_size", train_size),
        ("val_size", val_size),
        ("epochs", epochs),
        ("batch_size", batch_size),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 8:
        raise ValueError(f"image_size must be an integer >= 8, got {image_size!r}")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}")
    val_images, val_labels = _stack(SyntheticShapes(val_size, image_size, seed=0, split="val"))
    runs = []
    for seed in seeds:
        images, labels = _stack(SyntheticShapes(train_size, image_size, seed=seed, split="train"))
        for eps in eps_values:
            model = _train_one(images, labels, eps, seed, width, epochs, batch_size, lr)
            train_acc = float((_logits(model, images).argmax(1) == labels).double().mean())
            runs.append(
                SmoothingRun(float(eps), int(seed), _logits(model, val_images), val_labels, train_acc)
            )
    return runs


def paired_differences(
    runs: Sequence[SmoothingRun], metric: str, eps: float, baseline: float = 0.0, n_bins: int = 10
) -> list[float]:
    """Per seed, ``metric`` of the run with ``eps`` minus that of the run with ``baseline`` (same seed).

    ``metric`` is a key of :meth:`SmoothingRun.stats` (``confidence``, ``accuracy``, ``logit_gap``,
    ``ece``, ``overconfidence``, ``max_logit``). The list follows the seeds' order.
    """
    by_key = {(r.seed, r.eps): r for r in runs}
    seeds = list(dict.fromkeys(r.seed for r in runs))
    known = set(runs[0].stats(n_bins)) if runs else set()
    if metric not in known:
        raise ValueError(f"unknown metric {metric!r}; choose one of {sorted(known)}")
    diffs = []
    for seed in seeds:
        if (seed, eps) not in by_key or (seed, baseline) not in by_key:
            raise ValueError(f"seed {seed} has no run with ε = {eps} and one with ε = {baseline} to compare")
        diffs.append(by_key[seed, eps].stats(n_bins)[metric] - by_key[seed, baseline].stats(n_bins)[metric])
    return diffs


def summarize(runs: Sequence[SmoothingRun], n_bins: int = 10) -> dict[float, dict[str, tuple[float, float]]]:
    """Per ε: each metric's mean and standard deviation over the seeds (``{eps: {metric: (mean, sd)}}``;
    sd is 0 for a single seed)."""
    if not runs:
        raise ValueError("no runs to summarize")
    out: dict[float, dict[str, tuple[float, float]]] = {}
    for eps in dict.fromkeys(r.eps for r in runs):
        stats = [r.stats(n_bins) for r in runs if r.eps == eps]
        out[eps] = {
            key: (statistics.fmean(s[key] for s in stats), statistics.pstdev(s[key] for s in stats))
            for key in stats[0]
        }
    return out
