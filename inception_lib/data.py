"""Data for training: a generated offline dataset, Imagenette and CIFAR-10, and deterministic augmentation.

``SyntheticShapes`` draws its images in code (no download): ten classes of shapes and gratings at a random
position, scale and colour with noise, so that only spatial structure tells the classes apart (the mean
colour or the colour histogram of an image says almost nothing about its class). Sample ``i`` is a pure
function of ``(seed, split, i)`` and can be drawn at any resolution.

Fashion-MNIST (Zalando's 70,000 photographs of clothing, 28 × 28 grey, 10 classes, MIT licence) is read
from its four idx files: under ``data_dir``, else where Debian's ``dataset-fashion-mnist`` package puts them,
else downloaded by torchvision when asked. It is small enough to live in memory as uint8 (on the GPU when
training there): :class:`TensorImages` makes each batch with tensor operations, the standard protocol
holds out part of the 60,000 training images for validation, and the official 10,000 test images are
evaluated once, at the end of a run. Imagenette and CIFAR-10 come through torchvision, downloaded only when
asked.

Images are scaled to [-1, 1], Google's convention for its Inception checkpoints (TF-slim's
``inception_preprocessing``), rather than ImageNet mean/std normalisation.

Augmentation (random crop and horizontal flip) is a pure function of ``(seed, epoch, index)``: the sampler
hands the dataset ``(index, epoch)`` keys, so a resumed run sees exactly the batches an uninterrupted run
would, whichever process or worker draws them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset, Sampler

__all__ = [
    "DATASETS",
    "SYNTHETIC_CLASSES",
    "SyntheticShapes",
    "CachedImages",
    "DatasetNotFoundError",
    "CorruptDataError",
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_PUBLISHED",
    "DEBIAN_FASHION_MNIST",
    "read_idx",
    "write_idx",
    "find_fashion_mnist",
    "load_fashion_mnist",
    "fashion_mnist_split",
    "hashed_uniform",
    "TensorImages",
    "sample_seed",
    "to_unit_range",
    "AugmentedView",
    "EpochBatchSampler",
    "DataBundle",
    "build_datasets",
    "imagenette_variant",
]

DATASETS = ("synthetic", "fashion-mnist", "imagenette", "cifar10")
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
CROP_FRACTION = 0.875  # resize to size / 0.875, then crop `size` (ImageNet's usual 256 -> 224 ratio)
_SPLITS = {"train": 0, "val": 1}


class DatasetNotFoundError(FileNotFoundError):
    """A real dataset is not on disk and downloading was not requested."""


def sample_seed(*parts: int) -> int:
    """A well-mixed 63-bit seed from integers (e.g. seed, split, index): a pure function of its inputs."""
    state = np.random.SeedSequence([int(p) & 0xFFFFFFFF for p in parts] + [len(parts)]).generate_state(2)
    return int((int(state[0]) << 31) ^ int(state[1])) & ((1 << 63) - 1)


def to_unit_range(image: torch.Tensor) -> torch.Tensor:
    """Map pixel values from [0, 1] to [-1, 1] (Google's Inception input convention)."""
    return image * 2.0 - 1.0


# --------------------------------------------------------------------------------------------------------
# The generated dataset


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


# --------------------------------------------------------------------------------------------------------
# Deterministic augmentation and sampling


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


# --------------------------------------------------------------------------------------------------------
# Fashion-MNIST: real photographs, offline (Debian's dataset-fashion-mnist) or downloaded on request

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
FASHION_MNIST_SIZES = {"train": 60_000, "test": 10_000}
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")  # apt-get install dataset-fashion-mnist
FASHION_MNIST_HOLDOUT_SEED = 20_160_101  # fixed: every run holds out the same validation images
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


class CorruptDataError(ValueError):
    """A dataset file exists but cannot be read (truncated, corrupt, or not what its name says)."""


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


# --------------------------------------------------------------------------------------------------------
# Building datasets


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
        train = SyntheticShapes(synthetic_train_size, image_size, seed, "train")
        val = SyntheticShapes(synthetic_val_size, image_size, seed, "val")
        if cache:
            train, val = CachedImages(train, render_workers), CachedImages(val, render_workers)
        pad = max(1, image_size // 8)
        return DataBundle(
            name, AugmentedView(train, image_size, seed, pad=pad), val, SYNTHETIC_CLASSES, image_size
        )

    from torchvision import datasets as tvd

    root = Path(data_dir).expanduser()
    load_size = max(image_size, round(image_size / CROP_FRACTION))
    if name == "imagenette":
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
        train_base = tvd.Imagenette(
            str(root),
            "train",
            variant,
            download=download,
            transform=_pil_pipeline(load_size, image_size, True),
        )
        val_base = tvd.Imagenette(
            str(root), "val", variant, download=False, transform=_pil_pipeline(load_size, image_size, False)
        )
        classes = tuple(str(c[0]) for c in train_base.classes)
    else:
        folder = root / "cifar-10-batches-py"
        if not download and not folder.exists():
            raise _missing("CIFAR-10", folder.resolve(), "about 0.17 GB")
        if download:
            root.mkdir(parents=True, exist_ok=True)
        try:
            train_base = tvd.CIFAR10(
                str(root), True, transform=_pil_pipeline(load_size, image_size, True), download=download
            )
            val_base = tvd.CIFAR10(str(root), False, transform=_pil_pipeline(load_size, image_size, False))
        except RuntimeError as err:  # present but incomplete or corrupt
            raise _missing("CIFAR-10", folder.resolve(), "about 0.17 GB") from err
        classes = tuple(train_base.classes)
    return DataBundle(name, AugmentedView(train_base, image_size, seed), val_base, classes, image_size)


FASHION_MNIST_SHIFT = 2  # pixels at 28 px: about 7 % of the image, the photographs' own framing varies less


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
