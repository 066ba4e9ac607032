"""Imagenette and CIFAR-10 through torchvision, read from ``data_dir`` and downloaded only when asked.

Images are resized so that the shorter side is size / 0.875 (:data:`CROP_FRACTION`), then cropped:
at random and flipped for training (by :class:`~inception_lib.data.sampling.AugmentedView`), in the centre
for validation. A dataset that is missing raises :class:`~inception_lib.data.common.DatasetNotFoundError`
naming the folder and the offline alternative.
"""

from __future__ import annotations

from pathlib import Path

from torch.utils.data import Dataset

from .common import DatasetNotFoundError, to_unit_range

__all__ = ["CROP_FRACTION", "imagenette_variant", "load_torchvision"]

CROP_FRACTION = 0.875  # resize to size / 0.875, then crop `size` (ImageNet's usual 256 -> 224 ratio)


def imagenette_variant(image_size: int, root: str | Path) -> str:
    """Which Imagenette download to use: "160px" for images up to 160 px, else "320px"; a copy already on
    disk wins if it is large enough."""
    root = Path(root)
    candidates = ["160px", "320px"] if image_size <= 160 else ["320px"]
    for variant in candidates:
        if (root / f"imagenette2-{variant[:-2]}").exists():
            return variant
    return candidates[0]


def _pil_pipeline(load_size: int, image_size: int, train: bool):
    from torchvision import transforms as T

    steps = [T.Resize(load_size), T.ToTensor(), T.Lambda(to_unit_range)]
    if not train:
        steps.insert(1, T.CenterCrop(image_size))
    return T.Compose(steps)


def _missing(name: str, folder: Path, size_hint: str) -> DatasetNotFoundError:
    return DatasetNotFoundError(
        f"{name} was not found in {folder}. Pass download=True (CLI: --download) to fetch it ({size_hint}), "
        f"point data_dir (--data-dir) at a folder that holds it, or train offline on the generated dataset "
        f"with dataset='synthetic' (--dataset synthetic)."
    )


def load_torchvision(
    name: str, image_size: int, data_dir: str | Path, download: bool
) -> tuple[Dataset, Dataset, tuple[str, ...]]:
    """(training images resized for a random crop, centre-cropped validation images, class names) of
    ``name``: "imagenette" or "cifar10"."""
    root = Path(data_dir).expanduser()
    load_size = max(image_size, round(image_size / CROP_FRACTION))
    train_tf, val_tf = _pil_pipeline(load_size, image_size, True), _pil_pipeline(load_size, image_size, False)
    if name == "imagenette":
        return _imagenette(root, image_size, download, train_tf, val_tf)
    return _cifar10(root, download, train_tf, val_tf)


def _imagenette(root: Path, image_size: int, download: bool, train_tf, val_tf):
    from torchvision import datasets as tvd

    variant = imagenette_variant(image_size, root)
    folder = root / f"imagenette2-{variant[:-2]}"
    if not download and not folder.exists():
        size_hint = "about 0.1 GB" if variant == "160px" else "about 0.3 GB"
        raise _missing(f"Imagenette ({variant})", folder.resolve(), size_hint)
    # Ask torchvision to download only when the folder is missing: before torchvision 0.21,
    # Imagenette(download=True) raises when it already exists (a second run in the same Colab runtime).
    download = download and not folder.exists()
    if download:
        root.mkdir(parents=True, exist_ok=True)
    train = tvd.Imagenette(str(root), "train", variant, download=download, transform=train_tf)
    val = tvd.Imagenette(str(root), "val", variant, download=False, transform=val_tf)
    return train, val, tuple(str(c[0]) for c in train.classes)


def _cifar10(root: Path, download: bool, train_tf, val_tf):
    from torchvision import datasets as tvd

    folder = root / "cifar-10-batches-py"
    if not download and not folder.exists():
        raise _missing("CIFAR-10", folder.resolve(), "about 0.17 GB")
    if download:
        root.mkdir(parents=True, exist_ok=True)
    try:
        train = tvd.CIFAR10(str(root), True, transform=train_tf, download=download)
        val = tvd.CIFAR10(str(root), False, transform=val_tf)
    except RuntimeError as err:  # present but incomplete or corrupt
        raise _missing("CIFAR-10", folder.resolve(), "about 0.17 GB") from err
    return train, val, tuple(train.classes)
