"""What a trained classifier gets wrong, and how recorded runs compare: confusion matrices, the most
confused pairs of classes, and the spread of a result over seeds.

The recorded Fashion-MNIST runs (``inception_lib/records/fashion_cpu``) keep the official test set's
labels and each run's top-1 predictions as strings of digits (``test_predictions.json``), so chapter 6
draws these from the record, without the checkpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["digits", "confusion_matrix", "ConfusedPair", "most_confused_pairs", "SeedSpread", "seed_spread"]


def digits(text: str) -> np.ndarray:
    """A string of class digits ("3901...") as an int64 array, as ``test_predictions.json`` stores them."""
    if not text.isdigit():
        raise ValueError("expected a string of digits, one class index per image")
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8).astype(np.int64) - ord("0")


def confusion_matrix(labels: Sequence[int] | np.ndarray, predictions: Sequence[int] | np.ndarray,
                     num_classes: int) -> np.ndarray:
    """Counts ``m[t, p]``: images of true class t predicted as p (rows sum to each class's images)."""
    labels, predictions = np.asarray(labels, np.int64), np.asarray(predictions, np.int64)
    if labels.shape != predictions.shape:
        raise ValueError(f"{labels.size} labels but {predictions.size} predictions")
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values.size and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(f"{name} must lie in [0, {num_classes}), got {values.min()}..{values.max()}")
    return np.bincount(labels * num_classes + predictions, minlength=num_classes**2).reshape(
        num_classes, num_classes
    )


@dataclass(frozen=True)
class ConfusedPair:
    """Two classes the classifier mixes up, counted both ways."""

    a: str
    b: str
    a_as_b: int
    b_as_a: int

    @property
    def total(self) -> int:
        return self.a_as_b + self.b_as_a


def most_confused_pairs(matrix: np.ndarray, classes: Sequence[str], k: int = 5) -> list[ConfusedPair]:
    """The ``k`` unordered pairs of classes with the most errors between them, most first (ties by name
    order, so the list is the same on every machine)."""
    n = len(classes)
    if matrix.shape != (n, n):
        raise ValueError(f"a {n}-class matrix must be {n} × {n}, got {matrix.shape}")
    pairs = [ConfusedPair(classes[i], classes[j], int(matrix[i, j]), int(matrix[j, i]))
             for i in range(n) for j in range(i + 1, n)]
    order = sorted(range(len(pairs)), key=lambda q: (-pairs[q].total, q))
    return [pairs[q] for q in order[:k]]


@dataclass(frozen=True)
class SeedSpread:
    """A result measured over several seeds: its mean and the range the seeds span."""

    values: tuple[float, ...]

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    def beats(self, other: SeedSpread) -> bool:
        """True if every seed of this result is above every seed of ``other`` (a margin beyond the
        spread of the seeds, not a difference of means)."""
        return self.low > other.high


def seed_spread(values: Sequence[float]) -> SeedSpread:
    if not values:
        raise ValueError("at least one seed is needed")
    return SeedSpread(tuple(float(v) for v in values))
