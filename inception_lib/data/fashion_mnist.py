"""Fashion-MNIST: Zalando's 70,000 photographs of clothing (28 × 28 grey, 10 classes, MIT licence), read
from its four idx files.

The files are looked for under ``data_dir``, else where Debian's ``dataset-fashion-mnist`` package puts
them, else downloaded by torchvision when asked. The standard protocol holds out part of the 60,000
training images for validation (:func:`fashion_mnist_split`, the same images for every run); the official
10,000 test images are evaluated once, at the end of a run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .common import CorruptDataError, DatasetNotFoundError

__all__ = [
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_PUBLISHED",
    "FASHION_MNIST_FILES",
    "DEBIAN_FASHION_MNIST",
    "read_idx",
    "write_idx",
    "find_fashion_mnist",
    "fashion_mnist_not_found",
    "load_fashion_mnist",
    "fashion_mnist_split",
]

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
)
# Published test accuracies, typed once: the "Benchmark" table of the dataset's README (Zalando Research,
# github.com/zalandoresearch/fashion-mnist; Debian ships it as /usr/share/doc/dataset-fashion-mnist/
# README.md.gz), whose results are "submitted benchmarks" that Zalando has not verified. Each network
# was trained to the end by its submitter, with their own budget and preprocessing.
FASHION_MNIST_PUBLISHED = {
    "WRN-28-10 + random erasing": 0.963,
    "WRN-28-10": 0.959,
    "DenseNet-BC (768 k parameters)": 0.954,
    "MobileNet": 0.950,
    "ResNet-18": 0.949,
    "GoogLeNet": 0.937,
    "VGG16": 0.935,
    "two convolutions (best of the table)": 0.939,
    "two convolutions (weakest of the table)": 0.876,
    "human (no fashion expertise)": 0.835,
}
# Zalando's file names; torchvision and Debian's package keep them (gzipped, or unpacked by torchvision).
FASHION_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")  # apt-get install dataset-fashion-mnist
FASHION_MNIST_HOLDOUT_SEED = 20_160_101  # fixed: every run holds out the same validation images
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}



def read_idx(path: str | Path) -> np.ndarray:
    """The array in an idx file (LeCun's MNIST format, gzipped or not), checked against its own header.

    Raises :class:`CorruptDataError` naming the file if it is truncated, not gzip where its name says so,
    or its header does not describe its contents.
    """
    import gzip
    import zlib

    path = Path(path)
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise CorruptDataError(f"{path} is damaged ({err}); delete it and fetch it again") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES or raw[3] < 1:
        raise CorruptDataError(f"{path} is not an idx file (its 4-byte header is {raw[:4]!r})")
    dtype, ndim = np.dtype(_IDX_TYPES[raw[2]]), raw[3]
    if len(raw) < 4 + 4 * ndim:
        raise CorruptDataError(f"{path} is truncated: its header is incomplete")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = 4 + 4 * ndim + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise CorruptDataError(
            f"{path} is truncated or corrupt: its header promises {expected:,} bytes of shape {shape}, "
            f"the file holds {len(raw):,}; delete it and fetch it again"
        )
    return np.frombuffer(raw, dtype, offset=4 + 4 * ndim).reshape(shape).copy()  # writable, own memory


def write_idx(path: str | Path, array: np.ndarray) -> Path:
    """Write ``array`` (uint8 or int8) as an idx file, gzipped if ``path`` ends in .gz (e.g. a subset)."""
    import gzip

    array = np.ascontiguousarray(array)
    code = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09}.get(array.dtype)
    if code is None or array.ndim < 1:
        raise ValueError(f"write_idx takes a uint8 or int8 array with >= 1 dimension, got {array.dtype}")
    header = bytes([0, 0, code, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    data = header + array.tobytes()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
    return path


def _fashion_folders(data_dir: str | Path) -> list[Path]:
    """Where Fashion-MNIST may be, in order: ``data_dir`` itself, its fashion-mnist/ subfolder,
    torchvision's layout under it (FashionMNIST/raw), and Debian's package."""
    root = Path(data_dir).expanduser()
    return [root, root / "fashion-mnist", root / "FashionMNIST" / "raw", DEBIAN_FASHION_MNIST]


def _fashion_file(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def find_fashion_mnist(data_dir: str | Path = "data") -> Path | None:
    """The first folder of :func:`_fashion_folders` that holds all four Fashion-MNIST files, or None."""
    stems = [stem for pair in FASHION_MNIST_FILES.values() for stem in pair]
    for folder in _fashion_folders(data_dir):
        if all(_fashion_file(folder, stem) for stem in stems):
            return folder
    return None


def fashion_mnist_not_found(data_dir: str | Path) -> DatasetNotFoundError:
    searched = ", ".join(str(f) for f in _fashion_folders(data_dir))
    return DatasetNotFoundError(
        "Fashion-MNIST was not found (looked in " + searched + "). Three ways to get it: install Debian's "
        "package (apt-get install dataset-fashion-mnist, about 31 MB, offline mirrors have it); pass "
        "download=True (CLI: --download) to fetch it with torchvision (about 30 MB); or point data_dir "
        "(--data-dir) at a folder that holds its four idx files (train-images-idx3-ubyte.gz, "
        "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz)."
    )


def load_fashion_mnist(
    data_dir: str | Path = "data", download: bool = False
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{"train": (images, labels), "test": (images, labels)}``: uint8 images N × 28 × 28 and int64 labels.

    Looks under ``data_dir`` and Debian's folder first; downloads with torchvision into ``data_dir`` only
    if ``download`` and nothing was found. A file that is there but damaged raises
    :class:`CorruptDataError` naming it.
    """
    folder = find_fashion_mnist(data_dir)
    if folder is None and download:
        from torchvision import datasets as tvd

        Path(data_dir).expanduser().mkdir(parents=True, exist_ok=True)
        for train in (True, False):
            tvd.FashionMNIST(str(Path(data_dir).expanduser()), train=train, download=True)
        folder = find_fashion_mnist(data_dir)
    if folder is None:
        raise fashion_mnist_not_found(data_dir)
    out = {}
    for split, (image_stem, label_stem) in FASHION_MNIST_FILES.items():
        image_file, label_file = _fashion_file(folder, image_stem), _fashion_file(folder, label_stem)
        images, labels = read_idx(image_file), read_idx(label_file)
        if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
            raise CorruptDataError(f"{image_file} holds {images.dtype} {images.shape}, not N × 28 × 28 uint8")
        if labels.shape != (len(images),) or (len(labels) and labels.max() >= len(FASHION_MNIST_CLASSES)):
            raise CorruptDataError(f"{label_file} does not hold one label in 0-9 per image of {image_file}")
        out[split] = (images, labels.astype(np.int64))
    return out


def fashion_mnist_split(num_train: int, holdout: int) -> tuple[np.ndarray, np.ndarray]:
    """(training indices, held-out validation indices) of the official training set: the same fixed
    random ``holdout`` images for every run and seed, so every choice is made on the same held-out part."""
    if not 0 <= holdout < num_train:
        raise ValueError(f"holdout must be in [0, {num_train}), got {holdout!r}")
    order = np.random.default_rng(FASHION_MNIST_HOLDOUT_SEED).permutation(num_train)
    return np.sort(order[holdout:]), np.sort(order[:holdout])


# --------------------------------------------------------------------------------------------------------
# Images held as one uint8 tensor (on the GPU when training there): batches made with tensor operations
