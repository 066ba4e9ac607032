"""Where and how a run computes: device, precision, process group and memory format, as one object.

Under ``torchrun`` (its environment variables ``RANK`` and ``WORLD_SIZE`` set, even with one process) the
run joins a process group (NCCL on CUDA, gloo on the CPU) and trains a DistributedDataParallel replica, so
a one-GPU machine exercises the same path as eight. Without them it is a single process.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

from .config import LOG_EVERY_AUTO, TrainConfig

__all__ = ["Runtime", "native_bf16", "torchrun_env", "resolve_workers", "resolve_log_every"]


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


def torchrun_env() -> tuple[int, int, int] | None:
    """(rank, world size, local rank) when started by torchrun, else None."""
    if "WORLD_SIZE" not in os.environ or "RANK" not in os.environ:
        return None
    return int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", "0"))


def resolve_workers(workers: int | str, device: torch.device, world_size: int = 1) -> int:
    """DataLoader processes: an explicit count, or "auto" = the CPU cores per process (at most 8) on CUDA
    and 0 on the CPU (where workers would compete with training for the same cores)."""
    if workers != "auto":
        return int(workers)
    if device.type != "cuda":
        return 0
    return max(1, min(8, (os.cpu_count() or 2) // world_size))


def resolve_log_every(log_every: int | str, device: torch.device) -> int:
    """Steps between training records: an explicit count, or "auto" = every step on the CPU (where the
    engine reads each step's loss anyway, before the weights change) and every
    ``LOG_EVERY_AUTO["cuda"]`` steps on a GPU, so the GPU runs ahead of the host between records."""
    if log_every != "auto":
        return int(log_every)
    return LOG_EVERY_AUTO["cuda" if device.type == "cuda" else "cpu"]


@dataclass
class Runtime:
    """Device, mixed precision, memory format, process group and DataLoader workers of a run (see
    :meth:`start`): what training, evaluation and prediction need to know about where they compute."""

    device: torch.device
    amp_dtype: torch.dtype | None = None
    channels_last: bool = False
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    workers: int = 0  # DataLoader processes per process (:func:`resolve_workers`)
    distributed: bool = False  # in a process group (started by torchrun)
    owns_group: bool = False  # we initialised it, so we destroy it in close()

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @classmethod
    def start(cls, config: TrainConfig) -> Runtime:
        """Resolve the config's device, precision and worker count; join the process group under torchrun.

        Checks that need no work come first: a bad request raises ValueError before any group is joined.
        """
        env = torchrun_env()
        rank, world, local = env or (0, 1, 0)
        if config.batch_size % world:
            raise ValueError(
                f"batch_size={config.batch_size} (global) must be divisible by the number of processes "
                f"({world})"
            )
        device = _resolve_device(config.device, local if env else None)
        rt = cls(device, _resolve_amp(config.amp, device), _resolve_switch(config.channels_last, device),
                 rank, world, local, workers=resolve_workers(config.workers, device, world),
                 distributed=env is not None)
        if env is not None and not dist.is_initialized():
            if device.type == "cuda":
                torch.cuda.set_device(device)
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
            rt.owns_group = True
        if device.type == "cuda":
            torch.backends.cudnn.benchmark = True  # fixed input size: let cuDNN pick the fastest kernels
        return rt

    def close(self) -> None:
        if self.owns_group and dist.is_initialized():
            dist.destroy_process_group()
            self.owns_group = False

    def autocast(self) -> AbstractContextManager:
        """Mixed precision for the forward pass (a no-op in float32)."""
        if self.amp_dtype is None:
            return nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def grad_scaler(self) -> torch.amp.GradScaler:
        """Loss scaling for float16 (a disabled scaler, i.e. a pass-through, otherwise)."""
        return torch.amp.GradScaler(self.device.type, enabled=self.amp_dtype == torch.float16)

    def prepare(self, model: nn.Module) -> nn.Module:
        """Move a freshly built model to the device and memory format."""
        model = model.to(self.device)
        return model.to(memory_format=torch.channels_last) if self.channels_last else model

    def to_device(self, images: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        images = images.to(self.device, non_blocking=True)
        if self.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        return images, labels.to(self.device, non_blocking=True)

    def wrap(self, model: nn.Module) -> nn.Module:
        """The module that trains: DistributedDataParallel in a process group, else the model itself.
        (SyncBatchNorm, when asked for, is converted before the weights are loaded: ``_Run._build_state``.)"""
        if not self.distributed:
            return model
        ids = [self.device.index] if self.device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(model, device_ids=ids)

    def all_reduce(self, tensor: torch.Tensor) -> torch.Tensor:
        """Sum ``tensor`` over the processes, in place (unchanged in a single process)."""
        if self.distributed:
            dist.all_reduce(tensor)
        return tensor

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()

    def gather(self, obj: object) -> list:
        """One object from every process, in rank order (``[obj]`` in a single process)."""
        if not self.distributed:
            return [obj]
        out: list = [None] * self.world_size
        dist.all_gather_object(out, obj)
        return out


def _resolve_device(want: str, local_rank: int | None) -> torch.device:
    if want == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was requested but CUDA is not available; use device='cpu' or 'auto'")
    if want == "cpu" or (want == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    return torch.device("cuda", local_rank if local_rank is not None else torch.cuda.current_device())


def _resolve_amp(amp: str, device: torch.device) -> torch.dtype | None:
    if amp == "off" or (amp == "auto" and device.type != "cuda"):
        return None
    if amp == "fp16" and device.type != "cuda":
        raise ValueError("amp='fp16' needs CUDA; on CPU use amp='bf16' or 'off'")
    if amp == "bf16" or (amp == "auto" and native_bf16(device)):
        return torch.bfloat16
    return torch.float16


def _resolve_switch(value: str, device: torch.device) -> bool:
    return value == "on" or (value == "auto" and device.type == "cuda")
