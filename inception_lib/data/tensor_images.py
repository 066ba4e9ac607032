"""Images held as one uint8 tensor (on the GPU when training there), served a batch at a time.

Fashion-MNIST is small enough to live in memory as uint8: :class:`TensorImages` gathers, shifts, flips and
resizes each batch with tensor operations on the device, its randomness a hash of (seed, epoch, index)
(:func:`hashed_uniform`), so no worker process decodes anything and no random state crosses from the host.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

__all__ = ["hashed_uniform", "TensorImages"]


def _mix32(x: torch.Tensor) -> torch.Tensor:
    """A 32-bit integer hash (values < 2^32 in int64; every product stays below 2^63, so no overflow)."""
    mask = 0xFFFFFFFF
    x = x & mask
    x = x ^ (x >> 16)
    x = (x * 0x7FEB352D) & mask
    x = x ^ (x >> 15)
    x = (x * 0x2C1B3C6D) & mask
    return x ^ (x >> 16)


def hashed_uniform(seed: int, epoch: int, index: torch.Tensor, stream: int) -> torch.Tensor:
    """Numbers in [0, 1), one per entry of ``index``: a pure function of (seed, epoch, index, stream),
    computed with integer operations on ``index``'s device, so a CPU and a GPU draw the same numbers and
    no random state moves between host and device."""
    h = _mix32(torch.full_like(index, (seed * 0x9E3779B1 + 0x632BE5AB) & 0xFFFFFFFF))
    for part in (epoch + 0x51ED27, stream + 0x2545F491):
        h = _mix32(h ^ (part & 0xFFFFFFFF))
    h = _mix32(h ^ index)
    return h.double().div_(2.0**32).float()


class TensorImages(Dataset):
    """uint8 images N × C × h × w kept as one tensor (on ``device``), served a batch at a time.

    A batch is gathered, shifted, flipped, resized to ``image_size`` and scaled to [-1, 1] with tensor
    operations on the device: on a GPU no worker process decodes anything and no pixel crosses from the
    host per batch. Training augmentation (``augment=True``): a random shift of up to ``shift`` pixels
    each way (zero-filled, at the stored resolution) and a horizontal flip half the time, both pure
    functions of (seed, epoch, index) through :func:`hashed_uniform`. Grey images (C = 1) are repeated to
    three channels. ``__getitem__`` takes an index or an ``(index, epoch)`` key, like
    :class:`AugmentedView`, for code that wants one sample.
    """

    def __init__(
        self,
        images: torch.Tensor | np.ndarray,
        labels: torch.Tensor | np.ndarray,
        image_size: int,
        classes: tuple[str, ...],
        augment: bool = False,
        seed: int = 0,
        shift: int = 0,
        flip: bool = True,
        device: torch.device | str = "cpu",
    ) -> None:
        images, labels = torch.as_tensor(images), torch.as_tensor(labels, dtype=torch.int64)
        if images.ndim == 3:
            images = images[:, None]
        if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] not in (1, 3):
            shape = tuple(images.shape)
            raise ValueError(f"images must be uint8 N × (1 or 3) × h × w, got {images.dtype} {shape}")
        if labels.shape != images.shape[:1]:
            raise ValueError(f"{len(labels)} labels for {len(images)} images")
        if shift < 0 or shift >= min(images.shape[-2:]):
            raise ValueError(f"shift must be in [0, {min(images.shape[-2:])}), got {shift!r}")
        self.device = torch.device(device)
        self.images, self.labels = images.to(self.device), labels.to(self.device)
        self.image_size, self.classes, self.augment = image_size, classes, augment
        self.seed, self.shift, self.flip = seed, shift, flip

    def __len__(self) -> int:
        return len(self.labels)

    def batch(self, index: torch.Tensor, epoch: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        """Images (float32 B × 3 × S × S in [-1, 1]) and labels of the samples ``index`` (a tensor on the
        device) as seen in ``epoch``."""
        x = self.images[index].float()
        if self.augment and self.shift:
            x = self._shifted(x, index, epoch)
        if self.augment and self.flip:
            flipped = hashed_uniform(self.seed, epoch, index, 2) < 0.5
            x = torch.where(flipped[:, None, None, None], x.flip(-1), x)
        if x.shape[-1] != self.image_size or x.shape[-2] != self.image_size:
            size = (self.image_size, self.image_size)
            x = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
        x = x.div_(127.5).sub_(1.0)
        return x.expand(-1, 3, -1, -1).contiguous(), self.labels[index]

    def _shifted(self, x: torch.Tensor, index: torch.Tensor, epoch: int) -> torch.Tensor:
        s, (h, w) = self.shift, x.shape[-2:]
        dy = (hashed_uniform(self.seed, epoch, index, 0) * (2 * s + 1)).long()
        dx = (hashed_uniform(self.seed, epoch, index, 1) * (2 * s + 1)).long()
        padded = F.pad(x, (s, s, s, s))  # zeros: the black background of these photographs
        rows = dy[:, None] + torch.arange(h, device=x.device)  # B × h
        cols = dx[:, None] + torch.arange(w, device=x.device)  # B × w
        b = torch.arange(len(x), device=x.device)[:, None, None]
        return padded[b, :, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)  # B × C × h × w

    def batches(self, batch_size: int, rank: int = 0, world_size: int = 1):
        """Every sample in order (samples rank, rank + world_size, ...), in batches: for evaluation."""
        index = torch.arange(rank, len(self), world_size, device=self.device)
        for start in range(0, len(index), batch_size):
            yield self.batch(index[start : start + batch_size])

    def __getitem__(self, key: int | tuple[int, int]) -> tuple[torch.Tensor, int]:
        index, epoch = (key, 0) if isinstance(key, int) else (int(key[0]), int(key[1]))
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} samples")
        image, label = self.batch(torch.tensor([index % len(self)], device=self.device), epoch)
        return image[0].cpu(), int(label[0])

