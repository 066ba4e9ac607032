"""What every dataset of the book shares: the names the engine accepts, the errors for data that is
missing or damaged, the seeds that make each sample a pure function of its inputs, and the [-1, 1] pixel
scale of Google's Inception checkpoints (TF-slim's ``inception_preprocessing``)."""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["DATASETS", "DatasetNotFoundError", "CorruptDataError", "sample_seed", "to_unit_range"]

DATASETS = ("synthetic", "fashion-mnist", "imagenette", "cifar10")


class DatasetNotFoundError(FileNotFoundError):
    """A real dataset is not on disk and downloading was not requested."""


class CorruptDataError(ValueError):
    """A dataset file exists but cannot be read (truncated, corrupt, or not what its name says)."""


def sample_seed(*parts: int) -> int:
    """A well-mixed 63-bit seed from integers (e.g. seed, split, index): a pure function of its inputs."""
    state = np.random.SeedSequence([int(p) & 0xFFFFFFFF for p in parts] + [len(parts)]).generate_state(2)
    return int((int(state[0]) << 31) ^ int(state[1])) & ((1 << 63) - 1)


def to_unit_range(image: torch.Tensor) -> torch.Tensor:
    """Map pixel values from [0, 1] to [-1, 1] (Google's Inception input convention)."""
    return image * 2.0 - 1.0
