"""The training engine: Inception-v3 with the paper's recipe, from Python or the command line.

    python -m inception_lib.train --dataset synthetic --image-size 96 --epochs 2 --out runs/demo
    torchrun --nproc_per_node 8 -m inception_lib.train --dataset imagenette --download --out runs/v3

From Python: ``summary = train(TrainConfig(dataset="synthetic", image_size=96, epochs=2, out="runs/demo"))``.

What a run writes to ``out``: ``metrics.jsonl`` (one JSON record per logged training step, ``"kind":
"train"``, and per evaluation, ``"kind": "eval"``), ``checkpoint.pt`` (written atomically; loadable with
``torch.load(..., weights_only=True)``) and ``summary.json`` (config, final metrics, device, versions).

Design choices, each for a reason:

* ``batch_size`` is the GLOBAL batch. Under ``torchrun`` each of the N processes takes batch_size / N, so
  the same command trains the same model on 1 or N devices (DistributedDataParallel averages gradients).
  The paper used 32 per replica on 50 replicas.
* The data order is a pure function of (seed, epoch) and augmentation of (seed, epoch, index); with the
  torch RNG state stored in the checkpoint (dropout), a run resumed mid-epoch on CPU ends with weights
  bitwise equal to an uninterrupted one.
* The learning rate is set from the step count at every step (no scheduler object to save).
* A non-finite loss stops the run before the optimizer touches the weights (:class:`NonFiniteLossError`);
  the checkpoint on disk is then the last good one.
* On CUDA: autocast in bfloat16 where supported, else float16 with a GradScaler; channels_last; optional
  ``torch.compile``; DataLoader workers with pinned memory.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader

from .data import DATASETS, EpochBatchSampler, build_datasets
from .network import MIN_INPUT_SIZE, InceptionOutputs, inception_v3
from .recipe import PAPER_RECIPE, ModelEMA, TFRMSprop, label_smoothing_loss, weight_decay_groups

__all__ = [
    "MODELS",
    "OPTIMIZERS",
    "TrainConfig",
    "NonFiniteLossError",
    "TinyNet",
    "build_model",
    "train",
    "main",
    "build_parser",
    "read_metrics",
    "load_checkpoint",
    "load_trained_model",
    "evaluate",
    "predict",
    "native_bf16",
]

MODELS = ("inception_v3", "tiny", "tiny_bn")
OPTIMIZERS = ("rmsprop-tf", "rmsprop-torch", "sgd")
MIN_IMAGE_SIZE = {"inception_v3": MIN_INPUT_SIZE, "tiny": 16, "tiny_bn": 16}
CHECKPOINT_FORMAT = 1
# Settings that define the training trajectory: a resumed run must agree with its checkpoint on these.
_TRAJECTORY_KEYS = (
    "dataset",
    "image_size",
    "batch_size",
    "lr",
    "lr_decay",
    "epochs_per_decay",
    "seed",
    "aux_weight",
    "label_smoothing",
    "optimizer",
    "momentum",
    "weight_decay",
    "clip_grad_norm",
    "ema",
    "ema_decay",
    "model",
    "no_aux",
    "bn_aux",
    "dropout",
    "synthetic_train_size",
)


class NonFiniteLossError(RuntimeError):
    """The training loss became NaN or infinite; the run stopped before updating the weights."""


# --------------------------------------------------------------------------------------------------------
# Configuration


@dataclass
class TrainConfig:
    """Everything a training run depends on. Defaults follow the paper's recipe (see ``recipe.PAPER_RECIPE``).

    ``batch_size`` is global (split across processes). ``max_steps`` stops the run early (counted from
    the start of training, not from a resume). ``checkpoint_every`` writes a checkpoint every N steps in
    addition to the end of every epoch and of the run (0: only those). ``amp``: "auto" (bf16 on CUDA where
    supported, else fp16 with loss scaling; off on CPU), "off", "bf16", "fp16" (CUDA only).
    ``channels_last``: "auto" (on for CUDA), "on", "off". ``threads``: CPU threads for torch during the
    run (0: leave torch's setting; 1 is fastest for tiny models, whose small tensors gain nothing from
    threads). ``debug_nan_step`` makes the loss NaN at that step (1-based), to test the failure path.
    """

    dataset: str = "synthetic"
    data_dir: str = "data"
    download: bool = False
    image_size: int = 299
    epochs: int = 1
    batch_size: int = 32
    max_steps: int | None = None
    lr: float = PAPER_RECIPE["lr"]
    lr_decay: float = PAPER_RECIPE["lr_decay"]
    epochs_per_decay: float = PAPER_RECIPE["epochs_per_decay"]
    optimizer: str = "rmsprop-tf"
    momentum: float = PAPER_RECIPE["rmsprop_momentum"]
    weight_decay: float = PAPER_RECIPE["weight_decay"]
    clip_grad_norm: float = PAPER_RECIPE["clip_grad_norm"]
    label_smoothing: float = PAPER_RECIPE["label_smoothing"]
    aux_weight: float = PAPER_RECIPE["aux_weight"]
    no_aux: bool = False
    bn_aux: bool = False
    dropout: float = 0.5
    ema: bool = False
    ema_decay: float = PAPER_RECIPE["ema_decay"]
    model: str = "inception_v3"
    device: str = "auto"
    amp: str = "auto"
    channels_last: str = "auto"
    compile: bool = False
    workers: int = 0
    threads: int = 0
    seed: int = 0
    out: str = "runs/train"
    resume: bool = False
    overwrite: bool = False
    checkpoint_every: int = 0
    log_every: int = 1
    eval_every_epoch: bool = True
    synthetic_train_size: int = 2000
    synthetic_val_size: int = 500
    verbose: bool = True
    debug_nan_step: int | None = None

    def validate(self) -> None:
        """Raise ValueError naming the first bad setting and what is allowed (before any work starts)."""

        def bad(name: str, value: Any, allowed: str) -> ValueError:
            return ValueError(f"{name}={value!r} is not allowed: {allowed}")

        choices = {
            "dataset": DATASETS,
            "model": MODELS,
            "optimizer": OPTIMIZERS,
            "device": ("auto", "cpu", "cuda"),
            "amp": ("auto", "off", "bf16", "fp16"),
            "channels_last": ("auto", "on", "off"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise bad(name, getattr(self, name), f"choose one of {', '.join(allowed)}")
        for name in (
            "image_size",
            "epochs",
            "batch_size",
            "log_every",
            "synthetic_train_size",
            "synthetic_val_size",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise bad(name, value, "must be an integer >= 1")
        minimum = MIN_IMAGE_SIZE[self.model]
        if self.image_size < minimum:
            raise bad(
                "image_size",
                self.image_size,
                f"{self.model} needs at least {minimum}×{minimum} pixels (the paper trains at 299)",
            )
        if self.max_steps is not None and (not isinstance(self.max_steps, int) or self.max_steps < 1):
            raise bad("max_steps", self.max_steps, "must be an integer >= 1, or None for no limit")
        for name in ("workers", "threads", "checkpoint_every", "seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise bad(name, value, "must be an integer >= 0")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise bad("lr", self.lr, "must be a positive number")
        if not 0 < self.lr_decay <= 1:
            raise bad("lr_decay", self.lr_decay, "must be in (0, 1]")
        if not self.epochs_per_decay > 0:
            raise bad("epochs_per_decay", self.epochs_per_decay, "must be positive")
        if not 0 <= self.momentum < 1:
            raise bad("momentum", self.momentum, "must be in [0, 1)")
        if not self.weight_decay >= 0:
            raise bad("weight_decay", self.weight_decay, "must be >= 0")
        if not self.clip_grad_norm >= 0:
            raise bad("clip_grad_norm", self.clip_grad_norm, "must be >= 0 (0 turns clipping off)")
        if not 0 <= self.label_smoothing < 1:
            raise bad("label_smoothing", self.label_smoothing, "must be in [0, 1)")
        if not self.aux_weight >= 0:
            raise bad("aux_weight", self.aux_weight, "must be >= 0")
        if not 0 <= self.dropout < 1:
            raise bad("dropout", self.dropout, "must be in [0, 1)")
        if not 0 < self.ema_decay < 1:
            raise bad("ema_decay", self.ema_decay, "must be in (0, 1)")
        if self.model != "inception_v3" and self.bn_aux:
            raise bad("bn_aux", self.bn_aux, "only model='inception_v3' has a BatchNorm-auxiliary option")
        if self.resume and self.overwrite:
            raise ValueError("resume and overwrite exclude each other: continue a run or start it afresh")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown TrainConfig fields: {', '.join(unknown)}")
        return cls(**values)


# --------------------------------------------------------------------------------------------------------
# Models


class TinyNet(nn.Module):
    """A four-convolution CNN with an auxiliary head like Inception-v3's, for tests and small experiments.

    ``batch_norm=False`` (model "tiny"): plain convolutions with bias. Without BatchNorm (whose batch
    statistics are per process) and with ``dropout=0`` (random masks are per process), data-parallel
    training on N processes computes exactly the gradients of one process on the whole batch, so the two
    runs must agree to rounding error. ``batch_norm=True`` (model "tiny_bn"): conv-BN-ReLU units as in
    Inception-v3, which train well with the paper's RMSProp settings. Returns
    :class:`~inception_lib.network.InceptionOutputs` in training mode when ``aux_logits``.
    """

    def __init__(
        self,
        num_classes: int = 10,
        aux_logits: bool = True,
        width: int = 16,
        dropout: float = 0.0,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()

        def unit(c_in: int, c_out: int, stride: int) -> list[nn.Module]:
            if batch_norm:
                conv = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
                return [conv, nn.BatchNorm2d(c_out, eps=0.001), nn.ReLU(inplace=True)]
            return [nn.Conv2d(c_in, c_out, 3, stride, 1), nn.ReLU(inplace=True)]

        w = width
        self.features1 = nn.Sequential(*unit(3, w, 2), *unit(w, 2 * w, 2))
        self.features2 = nn.Sequential(*unit(2 * w, 4 * w, 2), *unit(4 * w, 4 * w, 1))
        self.aux = nn.Linear(2 * w, num_classes) if aux_logits else None
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(4 * w, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor | InceptionOutputs:
        x = self.features1(x)
        aux = self.aux(x.mean((2, 3))) if self.aux is not None and self.training else None
        logits = self.fc(self.dropout(self.features2(x).mean((2, 3))))
        return InceptionOutputs(logits, aux) if aux is not None else logits


def build_model(config: TrainConfig, num_classes: int) -> nn.Module:
    """The network ``config.model`` describes (seeded by the caller)."""
    aux = not config.no_aux and config.aux_weight > 0
    if config.model in ("tiny", "tiny_bn"):
        return TinyNet(
            num_classes, aux_logits=aux, dropout=config.dropout, batch_norm=config.model == "tiny_bn"
        )
    return inception_v3(num_classes, aux_logits=aux, bn_aux=config.bn_aux, dropout=config.dropout)


def _split_outputs(out: Any) -> tuple[torch.Tensor, torch.Tensor | None]:
    if isinstance(out, InceptionOutputs):
        return out.logits, out.aux_logits
    return out, None


# --------------------------------------------------------------------------------------------------------
# Small utilities: processes, devices, files


@dataclass
class _Dist:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def _dist_from_env() -> _Dist:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return _Dist()
    return _Dist(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))


def _resolve_device(config: TrainConfig, d: _Dist) -> torch.device:
    want = config.device
    if want == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was requested but CUDA is not available; use device='cpu' or 'auto'")
    if want == "cpu" or (want == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    return torch.device("cuda", d.local_rank if d.enabled else torch.cuda.current_device())


def _resolve_amp(config: TrainConfig, device: torch.device) -> torch.dtype | None:
    if config.amp == "off" or (config.amp == "auto" and device.type != "cuda"):
        return None
    if config.amp == "fp16" and device.type != "cuda":
        raise ValueError("amp='fp16' needs CUDA; on CPU use amp='bf16' or 'off'")
    if config.amp == "bf16" or (config.amp == "auto" and native_bf16(device)):
        return torch.bfloat16
    return torch.float16


def native_bf16(device: torch.device) -> bool:
    """Whether the GPU computes in bfloat16 natively (Ampere, compute capability 8.0, and newer; ROCm).

    ``torch.cuda.is_bf16_supported()`` also says yes for older GPUs such as the T4, which only emulate
    bfloat16 (slowly); there float16 with loss scaling is the fast choice.
    """
    if device.type != "cuda":
        return False
    if torch.version.hip:
        return True
    return torch.cuda.get_device_properties(device).major >= 8


def _git_commit() -> str | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and len(commit) == 40 else None


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return platform.processor() or platform.machine() or "cpu"


def _temp_file(path: Path) -> tuple[int, str]:
    """A temporary file beside ``path`` with the permissions a new file gets (mkstemp makes it 0600)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)
    return fd, tmp


def _atomic_torch_save(obj: Any, path: Path) -> None:
    """Write ``obj`` next to ``path``, flush it to disk, then rename over ``path`` (never half-written)."""
    fd, tmp = _temp_file(path)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable (not possible on every platform)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def _atomic_write_text(text: str, path: Path) -> None:
    fd, tmp = _temp_file(path)
    with os.fdopen(fd, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """The records of a ``metrics.jsonl`` file (or of ``DIR/metrics.jsonl`` given a run folder)."""
    path = Path(path)
    if path.is_dir():
        path = path / "metrics.jsonl"
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def load_checkpoint(run_dir: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load ``run_dir/checkpoint.pt`` (or a checkpoint file) with ``weights_only=True``."""
    path = Path(run_dir)
    if path.is_dir():
        path = path / "checkpoint.pt"
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}")
    return torch.load(path, map_location=map_location, weights_only=True)


def load_trained_model(run_dir: str | Path, weights: str = "raw") -> nn.Module:
    """Rebuild the network of a run and load its final weights (``"raw"`` or the moving average ``"ema"``),
    in eval mode, on the CPU."""
    ckpt = load_checkpoint(run_dir)
    config = TrainConfig.from_dict(ckpt["config"])
    model = build_model(config, int(ckpt["num_classes"]))
    if weights == "ema":
        if ckpt.get("ema") is None:
            raise ValueError(f"the run in {run_dir} kept no moving average (train with ema=True / --ema)")
        model.load_state_dict(ckpt["ema"]["module"])
    elif weights == "raw":
        model.load_state_dict(ckpt["model"])
    else:
        raise ValueError(f"weights must be 'raw' or 'ema', got {weights!r}")
    return model.eval()


# --------------------------------------------------------------------------------------------------------
# Evaluation


@torch.no_grad()
def evaluate(
    model: nn.Module,
    dataset: torch.utils.data.Dataset,
    batch_size: int = 64,
    device: torch.device | str = "cpu",
    autocast_dtype: torch.dtype | None = None,
    channels_last: bool = False,
    rank: int = 0,
    world_size: int = 1,
    workers: int = 0,
) -> dict[str, float]:
    """Loss (plain cross-entropy), top-1 and top-5 accuracy of ``model`` in eval mode on ``dataset``.

    Under several processes each evaluates samples rank, rank + world_size, ... and the sums are
    all-reduced, so every process returns the numbers for the whole dataset.
    """
    device = torch.device(device)
    was_training = model.training
    model.eval()
    indices = list(range(rank, len(dataset), world_size))  # type: ignore[arg-type]
    loader = DataLoader(
        torch.utils.data.Subset(dataset, indices),
        batch_size=batch_size,
        shuffle=False,
        num_workers=workers,
        pin_memory=device.type == "cuda",
    )
    totals = torch.zeros(4, dtype=torch.float64, device=device)  # loss sum, top-1, top-5, count
    for images, labels in loader:
        images = images.to(device, non_blocking=True)
        if channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        labels = labels.to(device, non_blocking=True)
        ctx = torch.autocast(device.type, dtype=autocast_dtype) if autocast_dtype else nullcontext()
        with ctx:
            logits, _ = _split_outputs(model(images))
        logits = logits.float()
        top5 = logits.topk(min(5, logits.shape[1]), dim=1).indices
        totals[0] += F.cross_entropy(logits, labels, reduction="sum").double()
        totals[1] += (top5[:, 0] == labels).sum()
        totals[2] += (top5 == labels[:, None]).any(dim=1).sum()
        totals[3] += labels.numel()
    if world_size > 1:
        dist.all_reduce(totals)
    model.train(was_training)
    n = max(1.0, float(totals[3]))
    return {"loss": float(totals[0]) / n, "top1": float(totals[1]) / n, "top5": float(totals[2]) / n}


@torch.no_grad()
def predict(
    model: nn.Module, dataset: torch.utils.data.Dataset, batch_size: int = 128
) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits and labels of ``model`` (eval mode, on the CPU) for every sample of ``dataset``, in order."""
    was_training = model.training
    model.eval()
    logits, labels = [], []
    for images, targets in DataLoader(dataset, batch_size=batch_size, shuffle=False):
        out, _ = _split_outputs(model(images))
        logits.append(out.float())
        labels.append(torch.as_tensor(targets))
    model.train(was_training)
    return torch.cat(logits), torch.cat(labels)


# --------------------------------------------------------------------------------------------------------
# The training loop


def _set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


def _make_optimizer(config: TrainConfig, model: nn.Module, device: torch.device) -> torch.optim.Optimizer:
    groups = weight_decay_groups(model, config.weight_decay)
    if config.optimizer == "rmsprop-tf":
        return TFRMSprop(
            groups,
            lr=config.lr,
            decay=PAPER_RECIPE["rmsprop_decay"],
            momentum=config.momentum,
            eps=PAPER_RECIPE["rmsprop_eps"],
            foreach=device.type == "cuda",
        )
    if config.optimizer == "rmsprop-torch":  # what a literal reading of the paper gives in PyTorch
        return torch.optim.RMSprop(
            groups,
            lr=config.lr,
            alpha=PAPER_RECIPE["rmsprop_decay"],
            eps=PAPER_RECIPE["rmsprop_eps"],
            momentum=config.momentum,
        )
    return torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum)


def _rng_state(device: torch.device) -> dict[str, Any]:
    state: dict[str, Any] = {"torch": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def _set_rng_state(state: dict[str, Any], device: torch.device) -> None:
    torch.set_rng_state(state["torch"].cpu())
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"].cpu(), device)


class _Logger:
    """metrics.jsonl on the main process; optional console lines."""

    def __init__(self, path: Path | None, verbose: bool) -> None:
        self.path, self.verbose = path, verbose
        self.file = open(path, "a") if path is not None else None  # noqa: SIM115

    def write(self, record: dict[str, Any]) -> None:
        if self.file is not None:
            self.file.write(json.dumps(record) + "\n")
            self.file.flush()

    def say(self, text: str) -> None:
        if self.verbose and self.file is not None:
            print(text, flush=True)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def _truncate_metrics(path: Path, last_step: int) -> None:
    """Drop records written after the checkpoint a run resumes from (they will be written again)."""
    if not path.exists():
        return
    keep = [r for r in read_metrics(path) if int(r.get("step", 0)) <= last_step]
    _atomic_write_text("".join(json.dumps(r) + "\n" for r in keep), path)


def _check_resume_compatible(saved: dict[str, Any], config: TrainConfig, out: Path) -> None:
    diffs = [
        f"{k}: checkpoint {saved.get(k)!r} vs now {getattr(config, k)!r}"
        for k in _TRAJECTORY_KEYS
        if saved.get(k) != getattr(config, k)
    ]
    if diffs:
        raise ValueError(
            f"cannot resume the run in {out} with different settings ({'; '.join(diffs)}); "
            "use the original settings (epochs and max_steps may change) or start a new run in another --out"
        )


def train(config: TrainConfig | dict[str, Any]) -> dict[str, Any]:
    """Train as ``config`` says and return the summary (also written to ``config.out/summary.json``).

    Raises ValueError for bad settings (before any work), DatasetNotFoundError for a dataset that is not
    on disk, NonFiniteLossError if the loss becomes NaN/inf (the last good checkpoint stays on disk).
    Under ``torchrun`` (WORLD_SIZE > 1) it joins the process group, trains with DistributedDataParallel and
    writes files from rank 0 only.
    """
    if isinstance(config, dict):
        config = TrainConfig.from_dict(config)
    config.validate()
    d = _dist_from_env()
    device = _resolve_device(config, d)
    if config.batch_size % d.world_size:
        raise ValueError(
            f"batch_size={config.batch_size} (global) must be divisible by the number of processes "
            f"({d.world_size})"
        )
    amp_dtype = _resolve_amp(config, device)
    channels_last = config.channels_last == "on" or (config.channels_last == "auto" and device.type == "cuda")
    out = Path(config.out)
    ckpt_path, metrics_path, summary_path = out / "checkpoint.pt", out / "metrics.jsonl", out / "summary.json"
    if config.resume and not ckpt_path.exists():
        raise ValueError(f"resume=True but there is no checkpoint to resume from at {ckpt_path}")
    if not config.resume and not config.overwrite and (ckpt_path.exists() or metrics_path.exists()):
        raise ValueError(
            f"{out} already holds a run; pass resume=True (--resume) to continue it, overwrite=True "
            "(--overwrite) to start it afresh, or choose another out (--out)"
        )

    def load_data(download: bool):
        return build_datasets(
            config.dataset,
            config.image_size,
            config.data_dir,
            download,
            config.seed,
            config.synthetic_train_size,
            config.synthetic_val_size,
        )

    # Build the data before anything else, so a missing dataset fails fast. With --download under
    # several processes, rank 0 downloads while the others wait at a barrier.
    staged_download = d.enabled and config.download
    data = None if staged_download else load_data(config.download)

    initialised_here = False
    if d.enabled and not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        initialised_here = True
    threads_before = torch.get_num_threads()
    if config.threads:
        torch.set_num_threads(config.threads)
    try:
        if staged_download:
            if d.is_main:
                data = load_data(True)
            dist.barrier()
            if not d.is_main:
                data = load_data(False)
        return _train(
            config, d, device, amp_dtype, channels_last, data, out, ckpt_path, metrics_path, summary_path
        )
    finally:
        torch.set_num_threads(threads_before)
        if initialised_here:
            dist.destroy_process_group()


def _train(config, d, device, amp_dtype, channels_last, data, out, ckpt_path, metrics_path, summary_path):
    batch_sampler = EpochBatchSampler(len(data.train), config.batch_size, config.seed, d.rank, d.world_size)
    steps_per_epoch = batch_sampler.steps_per_epoch
    total_steps = config.epochs * steps_per_epoch
    if config.max_steps is not None:
        total_steps = min(total_steps, config.max_steps)

    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed input size: let cuDNN pick the fastest kernels
    torch.manual_seed(config.seed)
    model = build_model(config, data.num_classes).to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    optimizer = _make_optimizer(config, model, device)
    ema = ModelEMA(model, config.ema_decay) if config.ema else None
    scaler = torch.amp.GradScaler(device.type) if amp_dtype == torch.float16 else None
    torch.manual_seed(config.seed + d.rank)  # dropout masks differ between processes, as they should

    start_step = 0
    if d.is_main:
        out.mkdir(parents=True, exist_ok=True)
    if config.resume:
        ckpt = load_checkpoint(ckpt_path)
        _check_resume_compatible(ckpt["config"], config, out)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        if ema is not None:
            ema.load_state_dict(ckpt["ema"])
        if scaler is not None and ckpt.get("scaler"):
            scaler.load_state_dict(ckpt["scaler"])
        start_step = int(ckpt["step"])
        rng = ckpt["rng"]
        if len(rng) == d.world_size:
            _set_rng_state(rng[d.rank], device)
        else:  # another number of processes: reseed deterministically
            torch.manual_seed(config.seed + 7919 * start_step + d.rank)
        if d.is_main:
            _truncate_metrics(metrics_path, start_step)
    elif d.is_main:
        for path in (ckpt_path, metrics_path, summary_path):
            path.unlink(missing_ok=True)
    if d.enabled:
        dist.barrier()

    base_model = model
    train_model: nn.Module = model
    if d.enabled:
        train_model = nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    if config.compile:
        train_model = torch.compile(train_model)

    loader = DataLoader(
        data.train,
        batch_sampler=batch_sampler,
        num_workers=config.workers,
        pin_memory=device.type == "cuda",
        persistent_workers=config.workers > 0,
        generator=torch.Generator().manual_seed(config.seed),  # keeps the global RNG untouched
    )
    logger = _Logger(metrics_path if d.is_main else None, config.verbose)
    progress = _progress(total_steps, start_step, d)

    saved: dict[str, int | None] = {"step": start_step if config.resume else None}

    def save_checkpoint(step: int) -> None:
        rng = [_rng_state(device)]
        if d.enabled:
            rng = [None] * d.world_size
            dist.all_gather_object(rng, {k: v.cpu() for k, v in _rng_state(device).items()})
        if not d.is_main:
            return
        state = {
            "format": CHECKPOINT_FORMAT,
            "step": step,
            "epoch": step // steps_per_epoch,
            "steps_per_epoch": steps_per_epoch,
            "num_classes": data.num_classes,
            "config": asdict(config),
            "model": base_model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "ema": ema.state_dict() if ema is not None else None,
            "scaler": scaler.state_dict() if scaler is not None else None,
            "rng": rng,
        }
        _atomic_torch_save(state, ckpt_path)
        saved["step"] = step

    def run_eval(step: int) -> dict[str, Any]:
        record: dict[str, Any] = {"kind": "eval", "step": step, "epoch": step / steps_per_epoch}
        ev = evaluate(
            base_model,
            data.val,
            max(1, 2 * batch_sampler.local_batch_size),
            device,
            amp_dtype,
            channels_last,
            d.rank,
            d.world_size,
            config.workers,
        )
        record.update(ev)
        if ema is not None:
            ev_ema = evaluate(
                ema.module,
                data.val,
                max(1, 2 * batch_sampler.local_batch_size),
                device,
                amp_dtype,
                channels_last,
                d.rank,
                d.world_size,
                config.workers,
            )
            record.update({f"ema_{k}": v for k, v in ev_ema.items()})
        logger.write(record)
        return record

    train_model.train()
    step = start_step
    last_train: dict[str, Any] | None = None
    last_eval: dict[str, Any] | None = None
    window = {"images": 0, "time": 0.0, "sums": torch.zeros(5, dtype=torch.float64)}
    images_per_s: list[float] = []
    run_start = time.perf_counter()
    try:
        while step < total_steps:
            epoch = step // steps_per_epoch
            batch_sampler.set_epoch(epoch, start_batch=step % steps_per_epoch)
            tick = time.perf_counter()
            for images, labels in loader:
                lr = config.lr * config.lr_decay ** math.floor(epoch / config.epochs_per_decay)
                _set_lr(optimizer, lr)
                images = images.to(device, non_blocking=True)
                if channels_last:
                    images = images.contiguous(memory_format=torch.channels_last)
                labels = labels.to(device, non_blocking=True)
                ctx = torch.autocast(device.type, dtype=amp_dtype) if amp_dtype else nullcontext()
                with ctx:
                    logits, aux = _split_outputs(train_model(images))
                main_loss = label_smoothing_loss(logits.float(), labels, config.label_smoothing)
                loss = main_loss
                if aux is not None:
                    loss = loss + config.aux_weight * label_smoothing_loss(
                        aux.float(), labels, config.label_smoothing
                    )
                if config.debug_nan_step is not None and step + 1 == config.debug_nan_step:
                    loss = loss * float("nan")
                with torch.no_grad():
                    top5 = logits.detach().float().topk(min(5, logits.shape[1]), dim=1).indices
                    stats = torch.stack(
                        [
                            loss.detach().double() * labels.numel(),
                            main_loss.detach().double() * labels.numel(),
                            (top5[:, 0] == labels).sum().double(),
                            (top5 == labels[:, None]).any(dim=1).sum().double(),
                            torch.tensor(labels.numel(), dtype=torch.float64, device=device),
                        ]
                    )
                    if d.enabled:
                        dist.all_reduce(stats)
                    stats = stats.cpu()
                step_loss = float(stats[0] / stats[4])
                if not math.isfinite(step_loss):
                    kept = (
                        f"The last good checkpoint is {ckpt_path} (step {saved['step']}); resume it with "
                        "--resume after fixing the cause"
                        if saved["step"] is not None
                        else "No checkpoint was written yet (--checkpoint-every N keeps one); fix the cause"
                    )
                    raise NonFiniteLossError(
                        f"the training loss became {step_loss} at step {step + 1} (epoch {epoch + 1}, "
                        f"lr {lr:g}); stopped before updating the weights. {kept}: a lower --lr, "
                        "--amp off, or gradient clipping (--clip-grad-norm)."
                    )
                optimizer.zero_grad(set_to_none=True)
                if scaler is not None:
                    scaler.scale(loss).backward()
                    scaler.unscale_(optimizer)
                else:
                    loss.backward()
                params = [p for p in base_model.parameters() if p.grad is not None]
                if config.clip_grad_norm > 0:
                    grad_norm = torch.nn.utils.clip_grad_norm_(params, config.clip_grad_norm)
                else:
                    grad_norm = torch.linalg.vector_norm(
                        torch.stack([torch.linalg.vector_norm(p.grad.float()) for p in params])
                    )
                if scaler is not None:
                    scaler.step(optimizer)
                    scaler.update()
                else:
                    optimizer.step()
                if ema is not None:
                    ema.update(base_model)
                step += 1
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                now = time.perf_counter()
                window["images"] += config.batch_size
                window["time"] += now - tick
                window["sums"] += stats
                tick = now
                progress.update(1)
                if step % config.log_every == 0 or step == total_steps:
                    s = window["sums"]
                    rate = window["images"] / max(window["time"], 1e-9)
                    images_per_s.append(rate)
                    last_train = {
                        "kind": "train",
                        "step": step,
                        "epoch": step / steps_per_epoch,
                        "loss": float(s[0] / s[4]),
                        "loss_main": float(s[1] / s[4]),
                        "top1": float(s[2] / s[4]),
                        "top5": float(s[3] / s[4]),
                        "lr": lr,
                        "grad_norm": float(grad_norm),
                        "images_per_s": rate,
                    }
                    logger.write(last_train)
                    progress.set_postfix(loss=f"{last_train['loss']:.3f}", top1=f"{last_train['top1']:.3f}")
                    window = {"images": 0, "time": 0.0, "sums": torch.zeros(5, dtype=torch.float64)}
                epoch_done = step % steps_per_epoch == 0
                if epoch_done and config.eval_every_epoch:
                    last_eval = run_eval(step)
                    logger.say(
                        f"epoch {step // steps_per_epoch}/{config.epochs}  step {step}  "
                        f"val loss {last_eval['loss']:.3f}  top-1 {last_eval['top1']:.3f}  "
                        f"top-5 {last_eval['top5']:.3f}"
                    )
                if (
                    epoch_done
                    or step == total_steps
                    or (config.checkpoint_every and step % config.checkpoint_every == 0)
                ):
                    save_checkpoint(step)
                if step >= total_steps:
                    break
                tick = time.perf_counter()
        if last_eval is None or last_eval["step"] != step:
            last_eval = run_eval(step)
    finally:
        progress.close()
        logger.close()

    summary = {
        "config": asdict(config),
        "steps": step,
        "steps_per_epoch": steps_per_epoch,
        "epochs_completed": step / steps_per_epoch,
        "num_classes": data.num_classes,
        "classes": list(data.classes),
        "final_train": last_train,
        "final_eval": last_eval,
        "images_per_s_median": _median(images_per_s[1:] or images_per_s),
        "wall_time_s": time.perf_counter() - run_start,
        "world_size": d.world_size,
        "device": str(device.type),
        "device_name": _device_name(device),
        "amp_dtype": str(amp_dtype).replace("torch.", "") if amp_dtype else None,
        "channels_last": channels_last,
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "git_commit": _git_commit(),
        "parameters": sum(p.numel() for p in base_model.parameters()),
    }
    try:  # the installed version, without importing torchvision (seconds)
        summary["torchvision_version"] = importlib.metadata.version("torchvision")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        summary["torchvision_version"] = None
    if d.is_main:
        _atomic_write_text(json.dumps(summary, indent=2) + "\n", summary_path)
    return summary


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else 0.5 * (s[mid - 1] + s[mid])


def _progress(total: int, start: int, d: _Dist):
    from tqdm.auto import tqdm

    # tqdm reads TQDM_DISABLE itself, except its notebook bar (tqdm.auto in Jupyter), which resets
    # ``disable`` to False; so we read the variable here too. Only the main process shows a bar.
    env_off = os.environ.get("TQDM_DISABLE", "").strip().lower() not in ("", "0", "false", "no")
    return tqdm(
        total=total, initial=start, desc="training", unit="step", dynamic_ncols=True,
        disable=env_off or not d.is_main,
    )  # fmt: skip


# --------------------------------------------------------------------------------------------------------
# Command line


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m inception_lib.train",
        description="Train Inception-v3 with the recipe of Szegedy et al. (2016), sec. 7-8. "
        "Under torchrun the same command uses DistributedDataParallel (--batch-size stays global).",
    )
    c = TrainConfig()

    def positive_int(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
        return value

    def nonneg_int(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
        return value

    g = p.add_argument_group("data")
    g.add_argument(
        "--dataset",
        choices=DATASETS,
        default=c.dataset,
        help="synthetic: generated offline; imagenette, cifar10: torchvision",
    )
    g.add_argument("--data-dir", default=c.data_dir, help="where real datasets live (default: %(default)s)")
    g.add_argument("--download", action="store_true", help="download the dataset if it is missing")
    g.add_argument(
        "--image-size",
        type=positive_int,
        default=c.image_size,
        help=f"square input size; >= {MIN_INPUT_SIZE} for inception_v3 (default: %(default)s)",
    )
    g.add_argument("--workers", type=nonneg_int, default=c.workers, help="DataLoader worker processes")
    g.add_argument("--threads", type=nonneg_int, default=c.threads, help="CPU threads for torch (0: default)")
    g.add_argument("--synthetic-train-size", type=positive_int, default=c.synthetic_train_size)
    g.add_argument("--synthetic-val-size", type=positive_int, default=c.synthetic_val_size)

    g = p.add_argument_group("model")
    g.add_argument(
        "--model",
        choices=MODELS,
        default=c.model,
        help="inception_v3; tiny / tiny_bn: a small CNN without / with BatchNorm (tests, experiments)",
    )
    g.add_argument("--no-aux", action="store_true", help="build no auxiliary classifier")
    g.add_argument("--bn-aux", action="store_true", help="batch-normalise the aux FC (Table 3)")
    g.add_argument("--dropout", type=float, default=c.dropout)

    g = p.add_argument_group("recipe (paper sec. 7-8; see inception_lib.recipe)")
    g.add_argument("--epochs", type=positive_int, default=c.epochs)
    g.add_argument(
        "--batch-size",
        type=positive_int,
        default=c.batch_size,
        help="GLOBAL batch size, split across processes (default: %(default)s)",
    )
    g.add_argument("--max-steps", type=positive_int, default=None, help="stop after this many steps in total")
    g.add_argument("--lr", type=float, default=c.lr, help="initial learning rate (default: %(default)s)")
    g.add_argument("--lr-decay", type=float, default=c.lr_decay)
    g.add_argument("--epochs-per-decay", type=float, default=c.epochs_per_decay)
    g.add_argument(
        "--optimizer",
        choices=OPTIMIZERS,
        default=c.optimizer,
        help="rmsprop-tf: the paper's (eps inside the sqrt); rmsprop-torch: torch.optim.RMSprop",
    )
    g.add_argument("--momentum", type=float, default=c.momentum)
    g.add_argument("--weight-decay", type=float, default=c.weight_decay)
    g.add_argument(
        "--clip-grad-norm",
        type=float,
        default=c.clip_grad_norm,
        help="clip the global L2 norm of the gradients (0: off; default: %(default)s)",
    )
    g.add_argument("--label-smoothing", type=float, default=c.label_smoothing)
    g.add_argument("--aux-weight", type=float, default=c.aux_weight)
    g.add_argument("--ema", action="store_true", help="keep a moving average of the weights for evaluation")
    g.add_argument("--ema-decay", type=float, default=c.ema_decay)

    g = p.add_argument_group("run")
    g.add_argument("--device", choices=("auto", "cpu", "cuda"), default=c.device)
    g.add_argument(
        "--amp",
        choices=("auto", "off", "bf16", "fp16"),
        default=c.amp,
        help="mixed precision: auto = bf16 (or fp16 + loss scaling) on CUDA, off on CPU",
    )
    g.add_argument("--channels-last", choices=("auto", "on", "off"), default=c.channels_last)
    g.add_argument("--compile", action="store_true", help="torch.compile the model")
    g.add_argument("--seed", type=nonneg_int, default=c.seed)
    g.add_argument("--out", default=c.out, help="output folder (default: %(default)s)")
    g.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    g.add_argument("--overwrite", action="store_true", help="replace a run already in --out")
    g.add_argument(
        "--checkpoint-every",
        type=nonneg_int,
        default=c.checkpoint_every,
        help="also checkpoint every N steps (0: at epoch ends and at the end only)",
    )
    g.add_argument("--log-every", type=positive_int, default=c.log_every)
    g.add_argument("--quiet", action="store_true", help="no console lines (metrics.jsonl is still written)")
    g.add_argument("--debug-nan-step", type=positive_int, default=None, help=argparse.SUPPRESS)
    return p


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    values = {f.name: getattr(args, f.name) for f in fields(TrainConfig) if hasattr(args, f.name)}
    values["verbose"] = not args.quiet
    return TrainConfig(**values)


def main(argv: list[str] | None = None) -> int:
    """The command line: parse, validate (argparse errors exit with code 2), train; 1 on a failed run."""
    parser = build_parser()
    args = parser.parse_args(argv)
    config = config_from_args(args)
    try:
        config.validate()
    except ValueError as err:
        parser.error(str(err))
    try:
        summary = train(config)
    except NonFiniteLossError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if int(os.environ.get("RANK", "0")) == 0 and config.verbose:
        ev = summary["final_eval"] or {}
        print(
            f"done: {summary['steps']} steps; val top-1 {ev.get('top1', float('nan')):.3f}, "
            f"top-5 {ev.get('top5', float('nan')):.3f}; wrote {Path(config.out) / 'summary.json'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
