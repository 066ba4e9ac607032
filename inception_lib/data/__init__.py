"""Data for training: a generated offline dataset, Fashion-MNIST, Imagenette and CIFAR-10, and deterministic
augmentation.

One module per concern (every name below is importable from ``inception_lib.data`` itself):

* ``common``                what every dataset shares: the names, the errors, per-sample seeds, [-1, 1]
* ``shapes``                :class:`SyntheticShapes`, drawn in code (no download), and :class:`CachedImages`
* ``sampling``              :class:`AugmentedView` and :class:`EpochBatchSampler`: augmentation and order as
                            pure functions of (seed, epoch, index)
* ``fashion_mnist``         the idx files of Fashion-MNIST: found offline, downloaded on request, checked
* ``tensor_images``         :class:`TensorImages`: uint8 images kept on the device, batched with tensor ops
* ``torchvision_datasets``  Imagenette and CIFAR-10 through torchvision
* ``build``                 :func:`build_datasets`, the :class:`DataBundle` a training run gets from a name

Images are scaled to [-1, 1], Google's convention for its Inception checkpoints (TF-slim's
``inception_preprocessing``), rather than ImageNet mean/std normalisation. Augmentation (random crop or shift,
horizontal flip) is a pure function of ``(seed, epoch, index)``: a resumed run sees exactly the batches an
uninterrupted run would, whichever process or worker draws them.
"""

from .build import FASHION_MNIST_SHIFT, DataBundle, build_datasets
from .common import DATASETS, CorruptDataError, DatasetNotFoundError, sample_seed, to_unit_range
from .fashion_mnist import (
    DEBIAN_FASHION_MNIST,
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_FILES,
    FASHION_MNIST_PUBLISHED,
    fashion_mnist_not_found,
    fashion_mnist_split,
    find_fashion_mnist,
    load_fashion_mnist,
    read_idx,
    write_idx,
)
from .sampling import AugmentedView, EpochBatchSampler
from .shapes import SYNTHETIC_CLASSES, CachedImages, SyntheticShapes, render_shape
from .tensor_images import TensorImages, hashed_uniform
from .torchvision_datasets import CROP_FRACTION, imagenette_variant, load_torchvision

__all__ = [
    "DATASETS",
    "DatasetNotFoundError",
    "CorruptDataError",
    "sample_seed",
    "to_unit_range",
    "SYNTHETIC_CLASSES",
    "render_shape",
    "SyntheticShapes",
    "CachedImages",
    "AugmentedView",
    "EpochBatchSampler",
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
    "hashed_uniform",
    "TensorImages",
    "CROP_FRACTION",
    "imagenette_variant",
    "load_torchvision",
    "DataBundle",
    "build_datasets",
    "FASHION_MNIST_SHIFT",
]
