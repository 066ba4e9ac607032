"""The generated dataset: ten classes of shapes and gratings drawn in code, offline.

``SyntheticShapes`` draws each image at a random position, scale and colour with noise, so that only spatial
structure tells the classes apart (the mean colour or the colour histogram of an image says almost nothing
about its class). Sample ``i`` is a pure function of ``(seed, split, i)`` and can be drawn at any
resolution. ``CachedImages`` renders a dataset once into memory, for a GPU that would otherwise wait.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.utils.data import Dataset

from .common import sample_seed, to_unit_range

__all__ = ["SYNTHETIC_CLASSES", "render_shape", "SyntheticShapes", "CachedImages"]

SYNTHETIC_CLASSES = (
    "disk",
    "square",
    "triangle",
    "plus",
    "cross",
    "ring",
    "frame",
    "horizontal stripes",
    "vertical stripes",
    "checkerboard",
)
_SPLITS = {"train": 0, "val": 1}


def _signed_distance(kind: int, x: np.ndarray, y: np.ndarray, r: float, freq: float) -> np.ndarray:
    """Signed distance (< 0 inside) of shape ``kind`` of radius ``r`` at the origin, on coordinates (x, y)."""
    ax, ay = np.abs(x), np.abs(y)
    if kind == 0:  # disk
        return np.sqrt(x * x + y * y) - r
    if kind == 1:  # square
        return np.maximum(ax, ay) - 0.85 * r
    if kind == 2:  # triangle, apex up (y grows downwards); edges at distance r/2 from the centre
        px, py = x / r, y / r
        d = np.maximum(py, np.maximum(-0.866 * px - 0.5 * py, 0.866 * px - 0.5 * py))
        return (d - 0.5) * r
    if kind in (3, 4):  # plus; cross = plus turned by 45°
        if kind == 4:
            x, y = (x + y) * 0.7071, (x - y) * 0.7071
            ax, ay = np.abs(x), np.abs(y)
        w = 0.28 * r
        return np.minimum(np.maximum(ax - r, ay - w), np.maximum(ay - r, ax - w))
    if kind == 5:  # ring
        return np.abs(np.sqrt(x * x + y * y) - 0.75 * r) - 0.22 * r
    if kind == 6:  # frame (hollow square)
        return np.abs(np.maximum(ax, ay) - 0.7 * r) - 0.18 * r
    # gratings inside a square patch: stripes across y, across x, or a checkerboard
    patch = np.maximum(ax, ay) - 0.85 * r
    w = 2 * math.pi * freq
    if kind == 7:
        wave = np.sin(w * y)
    elif kind == 8:
        wave = np.sin(w * x)
    else:
        wave = np.sin(w * x) * np.sin(w * y)
    return np.maximum(patch, -wave / w)  # -wave/w ≈ signed distance to the stripe edges near them


def render_shape(label: int, image_size: int, rng: np.random.Generator, noise: float = 0.08) -> np.ndarray:
    """Draw one image of class ``label`` (3 × S × S float32, values in [0, 1]) from the random stream ``rng``.

    Random: centre, radius, stripe frequency, foreground and background colour, a background brightness
    gradient and Gaussian pixel noise. Edges are anti-aliased over one pixel, so any resolution works.
    NumPy rather than torch: single-threaded, so drawing many small images costs no thread hand-offs.
    """
    s = image_size
    r = rng.uniform(0.35, 0.7)
    cx, cy = rng.uniform(-(1 - r), 1 - r, 2)
    freq = 1.0 / (r * rng.uniform(0.4, 0.55))  # 3.5 to 5 stripe periods across the patch
    background = rng.uniform(0.0, 1.0, 3)
    foreground = np.remainder(background + rng.uniform(0.3, 0.7, 3), 1.0)
    tilt = rng.uniform(-0.15, 0.15, 2)
    coords = (np.arange(s) + 0.5) * (2.0 / s) - 1.0
    y, x = np.meshgrid(coords, coords, indexing="ij")
    mask = np.clip(0.5 - _signed_distance(label, x - cx, y - cy, r, freq) * (s / 2.0), 0.0, 1.0)
    shade = 1.0 + tilt[0] * x + tilt[1] * y
    image = background[:, None, None] * shade + mask * (foreground - background)[:, None, None]
    image += noise * rng.standard_normal((3, s, s))
    return np.clip(image, 0.0, 1.0).astype(np.float32)


class SyntheticShapes(Dataset):
    """Ten classes of shapes and gratings drawn in code (no download); see :data:`SYNTHETIC_CLASSES`.

    Sample ``i`` of ``split`` is a pure function of ``(seed, split, i)``: label ``i % 10`` (balanced
    classes), everything else drawn from a generator seeded with :func:`sample_seed`. Every class is
    unchanged by a horizontal flip, so flipping is a valid augmentation. Returns ``(image, label)`` with
    the image 3 × S × S in [-1, 1].

    Args:
        length: number of samples.
        image_size: S, any size (the classes stay distinguishable from about 32 px up).
        seed: the dataset's seed.
        split: "train" or "val" (independent streams).
        noise: standard deviation of the Gaussian pixel noise, on the [0, 1] scale.
    """

    classes = SYNTHETIC_CLASSES

    def __init__(
        self,
        length: int = 2000,
        image_size: int = 75,
        seed: int = 0,
        split: str = "train",
        noise: float = 0.08,
    ) -> None:
        if length < 1:
            raise ValueError(f"length must be >= 1, got {length!r}")
        if image_size < 8:
            raise ValueError(f"image_size must be >= 8, got {image_size!r}")
        if split not in _SPLITS:
            raise ValueError(f"split must be one of {tuple(_SPLITS)}, got {split!r}")
        self.length, self.image_size, self.seed, self.split, self.noise = (
            length,
            image_size,
            seed,
            split,
            noise,
        )

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        if not -self.length <= index < self.length:
            raise IndexError(f"index {index} out of range for {self.length} samples")
        index %= self.length
        label = index % self.num_classes
        rng = np.random.default_rng(sample_seed(self.seed, _SPLITS[self.split], index))
        image = torch.from_numpy(render_shape(label, self.image_size, rng, self.noise))
        return to_unit_range(image), label


class CachedImages(Dataset):
    """Every image of ``base`` rendered once and kept in memory as uint8 (a quarter of float32's size).

    Drawing a generated image costs about 15 ms at 299 px, more than a GPU needs to train on it, so on a
    GPU the engine renders the dataset once (``workers`` processes in parallel) and serves it from
    memory. Pixels are stored rounded to 1/255, as a decoded photograph would be; a sample is then a
    pure function of ``(seed, split, index)`` as before, up to that rounding. Returns ``(image in [-1, 1],
    label)`` like ``base``.
    """

    def __init__(self, base: Dataset, workers: int = 0, batch_size: int = 64) -> None:
        from torch.utils.data import DataLoader

        images, labels = [], []
        for x, y in DataLoader(base, batch_size=batch_size, shuffle=False, num_workers=workers):
            images.append(((x + 1.0) * 127.5).round_().clamp_(0, 255).to(torch.uint8))
            labels.append(torch.as_tensor(y))
        self.images, self.labels = torch.cat(images), torch.cat(labels)
        self.classes = getattr(base, "classes", None)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.images[index].float().div_(127.5).sub_(1.0), int(self.labels[index])
