"""The training engine: Inception-v3 with the paper's recipe, from Python or the command line.

    python -m inception_lib.train --dataset synthetic --image-size 96 --epochs 2 --out runs/demo
    torchrun --nproc_per_node 8 -m inception_lib.train --dataset imagenette --download --out runs/v3

From Python: ``summary = train(TrainConfig(dataset="synthetic", image_size=96, epochs=2, out="runs/demo"))``.

One module per concern:

* ``config``      :class:`TrainConfig`, every setting defined once; the command line is built from it
* ``runtime``     device, mixed precision, process group and memory format as one object
* ``checkpoint``  the files a run writes: ``checkpoint.pt`` (atomic, CPU tensors, ``weights_only``
                  loads), ``metrics.jsonl``, ``summary.json``; resume checks
* ``engine``      :func:`train_step` (the recipe of chapter 5, one batch) and :func:`train` (the loop)
* ``inference``   :func:`evaluate` and :func:`predict`: a model over a dataset in eval mode, on a Runtime
* ``cli``         ``python -m inception_lib.train``

Design choices, each for a reason:

* ``batch_size`` is the GLOBAL batch. Under ``torchrun`` each of the N processes takes batch_size / N, so
  the same command trains the same model on 1 or N devices (DistributedDataParallel averages gradients).
* The data order is a pure function of (seed, epoch) and augmentation of (seed, epoch, index); with the
  RNG state stored in the checkpoint (dropout), a run resumed mid-epoch on CPU ends with weights bitwise
  equal to an uninterrupted one.
* The learning rate is set from the step count at every step (no scheduler object to save).
* A step never waits for the device; statistics are read at logging boundaries. A non-finite loss stops
  the run (:class:`NonFiniteLossError`) and the checkpoint on disk is the last good one.
* On CUDA: autocast in bfloat16 where supported, else float16 with a GradScaler; channels_last; optional
  ``torch.compile``; DataLoader workers with pinned memory; the generated images rendered once.
"""

from .checkpoint import CheckpointError, load_checkpoint, read_metrics
from .cli import main
from .config import MODELS, OPTIMIZERS, ConfigError, TrainConfig, build_parser, config_from_args
from .engine import (
    NonFiniteLossError,
    TrainState,
    build_model,
    load_trained_model,
    make_optimizer,
    train,
    train_step,
)
from .inference import evaluate, predict
from .runtime import Runtime, native_bf16

__all__ = [
    "MODELS",
    "OPTIMIZERS",
    "ConfigError",
    "TrainConfig",
    "build_parser",
    "config_from_args",
    "Runtime",
    "native_bf16",
    "NonFiniteLossError",
    "TrainState",
    "build_model",
    "make_optimizer",
    "train_step",
    "train",
    "evaluate",
    "predict",
    "load_trained_model",
    "CheckpointError",
    "load_checkpoint",
    "read_metrics",
    "main",
]
