"""The datasets of a training run, built from one name: :func:`build_datasets` and what it returns.

A :class:`DataBundle` holds the training view (augmented), the validation view and, for Fashion-MNIST, the
official test set, evaluated once at the end of a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from .common import DATASETS
from .fashion_mnist import FASHION_MNIST_CLASSES, fashion_mnist_split, load_fashion_mnist
from .sampling import AugmentedView
from .shapes import SYNTHETIC_CLASSES, CachedImages, SyntheticShapes
from .tensor_images import TensorImages
from .torchvision_datasets import load_torchvision

__all__ = ["DataBundle", "build_datasets", "FASHION_MNIST_SHIFT"]

FASHION_MNIST_SHIFT = 2  # pixels at 28 px: about 7 % of the image, the photographs' own framing varies less


@dataclass
class DataBundle:
    """Training and validation views of one dataset, with its class names."""

    name: str
    train: Dataset
    val: Dataset
    classes: tuple[str, ...]
    image_size: int
    test: Dataset | None = None  # the official test set, evaluated once at the end (Fashion-MNIST)

    @property
    def num_classes(self) -> int:
        return len(self.classes)


def build_datasets(
    name: str,
    image_size: int,
    data_dir: str | Path = "data",
    download: bool = False,
    seed: int = 0,
    synthetic_train_size: int = 2000,
    synthetic_val_size: int = 500,
    cache: bool = False,
    render_workers: int = 0,
    holdout: int = 5000,
    train_limit: int | None = None,
    val_limit: int | None = None,
    device: torch.device | str = "cpu",
) -> DataBundle:
    """Training (augmented) and validation (centre-cropped) datasets for ``name`` in :data:`DATASETS`.

    ``synthetic`` is generated at ``image_size``; training adds reflection padding of size/8 before the
    random crop. ``imagenette`` and ``cifar10`` are read with torchvision from ``data_dir`` (downloaded
    there only if ``download``), resized so the shorter side is size / 0.875, then randomly cropped and
    flipped (training) or centre-cropped (validation). A missing dataset raises
    :class:`DatasetNotFoundError` naming the folder and the offline alternative. ``cache=True`` renders
    the generated images once into memory (:class:`CachedImages`, ``render_workers`` processes).

    ``fashion-mnist``: the official training set minus ``holdout`` fixed held-out images (the validation
    set), then the first ``train_limit`` / ``val_limit`` of each if given; the official test set as
    ``test``. Images are kept on ``device`` as uint8 (:class:`TensorImages`), resized from 28 px to
    ``image_size``; training shifts them by up to 2 px and flips them half the time.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {DATASETS}")
    if image_size < 8:
        raise ValueError(f"image_size must be >= 8, got {image_size!r}")
    if name == "fashion-mnist":
        return _fashion_mnist_bundle(image_size, data_dir, download, seed, holdout, train_limit, val_limit,
                                     device)
    if name == "synthetic":
        return _synthetic_bundle(image_size, seed, synthetic_train_size, synthetic_val_size, cache,
                                 render_workers)
    train, val, classes = load_torchvision(name, image_size, data_dir, download)
    return DataBundle(name, AugmentedView(train, image_size, seed), val, classes, image_size)


def _synthetic_bundle(
    image_size: int, seed: int, train_size: int, val_size: int, cache: bool, render_workers: int
) -> DataBundle:
    train: Dataset = SyntheticShapes(train_size, image_size, seed, "train")
    val: Dataset = SyntheticShapes(val_size, image_size, seed, "val")
    if cache:
        train, val = CachedImages(train, render_workers), CachedImages(val, render_workers)
    pad = max(1, image_size // 8)
    return DataBundle(
        "synthetic", AugmentedView(train, image_size, seed, pad=pad), val, SYNTHETIC_CLASSES, image_size
    )


def _fashion_mnist_bundle(
    image_size: int,
    data_dir: str | Path,
    download: bool,
    seed: int,
    holdout: int,
    train_limit: int | None,
    val_limit: int | None,
    device: torch.device | str,
) -> DataBundle:
    data = load_fashion_mnist(data_dir, download)
    images, labels = data["train"]
    if not 1 <= holdout < len(images):
        raise ValueError(f"holdout must be in [1, {len(images) - 1}] training images, got {holdout!r}")
    train_idx, val_idx = fashion_mnist_split(len(images), holdout)
    for name, limit in (("train_limit", train_limit), ("val_limit", val_limit)):
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise ValueError(f"{name} must be an integer >= 1 or None, got {limit!r}")
    train_idx, val_idx = train_idx[:train_limit], val_idx[:val_limit]

    def view(idx: np.ndarray | slice, source: tuple[np.ndarray, np.ndarray], augment: bool) -> TensorImages:
        return TensorImages(source[0][idx], source[1][idx], image_size, FASHION_MNIST_CLASSES, augment, seed,
                            FASHION_MNIST_SHIFT if augment else 0, device=device)

    return DataBundle(
        "fashion-mnist", view(train_idx, data["train"], True), view(val_idx, data["train"], False),
        FASHION_MNIST_CLASSES, image_size, test=view(slice(None), data["test"], False),
    )
