"""Deterministic augmentation and sampling: what a training step sees is a pure function of
``(seed, epoch, index)``.

The sampler hands the dataset ``(index, epoch)`` keys, and the random crop and horizontal flip of
:class:`AugmentedView` are drawn from a generator seeded by them, so a resumed run sees exactly the batches
an uninterrupted run would, whichever process or worker draws them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from .common import sample_seed

__all__ = ["AugmentedView", "EpochBatchSampler"]


def _random_crop_flip(
    image: torch.Tensor, size: int, rng: np.random.Generator, pad: int = 0, flip: bool = True
) -> torch.Tensor:
    """Reflection-pad by ``pad``, crop ``size`` × ``size`` at random, flip left-right half the time."""
    array = image.numpy()
    if pad:
        array = np.pad(array, ((0, 0), (pad, pad), (pad, pad)), mode="reflect")
    h, w = array.shape[-2:]
    top = int(rng.integers(0, h - size + 1))
    left = int(rng.integers(0, w - size + 1))
    out = array[..., top : top + size, left : left + size]
    if flip and rng.random() < 0.5:
        out = out[..., ::-1]
    return torch.from_numpy(np.ascontiguousarray(out))


class AugmentedView(Dataset):
    """Training view of a dataset: random crop + horizontal flip, a pure function of (seed, epoch, index).

    Indexed by ``(index, epoch)`` keys (from :class:`EpochBatchSampler`); a plain int means epoch 0.
    ``pad`` pixels of reflection padding are added before cropping ``image_size`` (used for the synthetic
    data, already at the final size); real images arrive larger than ``image_size`` and are cropped.
    """

    def __init__(
        self, base: Dataset, image_size: int, seed: int = 0, pad: int = 0, flip: bool = True
    ) -> None:
        self.base, self.image_size, self.seed, self.pad, self.flip = base, image_size, seed, pad, flip

    def __len__(self) -> int:
        return len(self.base)  # type: ignore[arg-type]

    def __getitem__(self, key: int | tuple[int, int]) -> tuple[torch.Tensor, int]:
        index, epoch = (key, 0) if isinstance(key, int) else (int(key[0]), int(key[1]))
        image, label = self.base[index]
        rng = np.random.default_rng(sample_seed(self.seed, 1000 + epoch, index))
        return _random_crop_flip(image, self.image_size, rng, self.pad, self.flip), int(label)


class EpochBatchSampler(Sampler[list[tuple[int, int]]]):
    """Batches of ``(index, epoch)`` keys in an order that depends only on (seed, epoch).

    Every epoch shuffles all indices with a generator seeded by (seed, epoch) and keeps
    ``steps_per_epoch = len // global_batch`` full global batches (the rest is dropped). Process ``rank``
    of ``world_size`` takes positions rank, rank + world_size, ... of each global batch, so the union of
    what the processes see at a step is exactly the batch a single process would see. ``set_epoch(e,
    start_batch=b)`` skips the first b batches (resuming mid-epoch). ``shuffle=False`` keeps the order and
    the last partial batch (for evaluation).
    """

    def __init__(
        self,
        num_samples: int,
        global_batch_size: int,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        shuffle: bool = True,
    ) -> None:
        if global_batch_size < 1 or global_batch_size % world_size:
            raise ValueError(
                f"global batch size {global_batch_size} must be >= 1 and divisible by the number of "
                f"processes {world_size}"
            )
        if shuffle and num_samples < global_batch_size:
            raise ValueError(
                f"the dataset has {num_samples} samples, fewer than one global batch of {global_batch_size}"
            )
        self.num_samples, self.global_batch_size, self.seed = num_samples, global_batch_size, seed
        self.rank, self.world_size, self.shuffle = rank, world_size, shuffle
        self.epoch, self.start_batch = 0, 0

    @property
    def local_batch_size(self) -> int:
        return self.global_batch_size // self.world_size

    @property
    def steps_per_epoch(self) -> int:
        if self.shuffle:
            return self.num_samples // self.global_batch_size
        return math.ceil(self.num_samples / self.global_batch_size)

    def set_epoch(self, epoch: int, start_batch: int = 0) -> None:
        self.epoch, self.start_batch = epoch, start_batch

    def global_order(self, epoch: int) -> list[int]:
        """All sample indices of ``epoch`` in the order they are consumed (before splitting by rank)."""
        if not self.shuffle:
            return list(range(self.num_samples))
        gen = torch.Generator().manual_seed(sample_seed(self.seed, 2000 + epoch))
        return torch.randperm(self.num_samples, generator=gen).tolist()

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        order = self.global_order(self.epoch)
        g = self.global_batch_size
        for b in range(self.start_batch, self.steps_per_epoch):
            chunk = order[b * g : (b + 1) * g]
            yield [(i, self.epoch) for i in chunk[self.rank :: self.world_size]]

    def __len__(self) -> int:
        return self.steps_per_epoch - self.start_batch

