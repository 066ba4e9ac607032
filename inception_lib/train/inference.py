"""A model over a whole dataset, in eval mode: :func:`evaluate` (loss, top-1, top-5) and :func:`predict`
(logits).

Both take the run's :class:`~inception_lib.train.runtime.Runtime` (device, mixed precision, memory format,
process group, DataLoader workers), so they compute as training does; without one they run in a single
process on the CPU in float32. BatchNorm uses its running statistics and dropout is off, through
:func:`~inception_lib.anatomy.eval_mode`, which puts the model's training mode back afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset

from ..anatomy import eval_mode
from ..data import TensorImages
from ..network import InceptionOutputs
from .runtime import Runtime

__all__ = ["split_outputs", "evaluate", "predict"]


def split_outputs(out: Any) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(logits, auxiliary logits or None) from a model's output."""
    if isinstance(out, InceptionOutputs) or (isinstance(out, tuple) and hasattr(out, "aux_logits")):
        return out.logits, out.aux_logits  # ours, or torchvision's own InceptionOutputs
    return out, None


def _cpu() -> Runtime:
    return Runtime(torch.device("cpu"))


@torch.no_grad()
def evaluate(
    model: nn.Module,
    dataset: Dataset,
    runtime: Runtime | None = None,
    batch_size: int = 64,
    predictions: list[int] | None = None,
) -> dict[str, float]:
    """Loss (plain cross-entropy), top-1 and top-5 accuracy of ``model`` in eval mode on ``dataset``.

    Under several processes (``runtime.world_size > 1``) each evaluates samples rank, rank + world_size,
    ... and the sums are all-reduced, so every process returns the numbers for the whole dataset. A list
    passed as ``predictions`` receives the top-1 class of each sample this process evaluated, in order.
    """
    rt = runtime or _cpu()
    totals = torch.zeros(4, dtype=torch.float64, device=rt.device)  # loss sum, top-1, top-5, count
    with eval_mode(model):
        for logits, labels in _logits(model, dataset, rt, batch_size, rt.rank, rt.world_size):
            top5 = logits.topk(min(5, logits.shape[1]), dim=1).indices
            totals[0] += F.cross_entropy(logits, labels, reduction="sum").double()
            totals[1] += (top5[:, 0] == labels).sum()
            totals[2] += (top5 == labels[:, None]).any(dim=1).sum()
            totals[3] += labels.numel()
            if predictions is not None:
                predictions.extend(top5[:, 0].tolist())
    rt.all_reduce(totals)
    loss, top1, top5, n = totals.tolist()
    n = max(1.0, n)
    return {"loss": loss / n, "top1": top1 / n, "top5": top5 / n}


@torch.no_grad()
def predict(
    model: nn.Module, dataset: Dataset, runtime: Runtime | None = None, batch_size: int = 128
) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits and labels (on the CPU) of ``model`` in eval mode for every sample of ``dataset``, in order,
    computed in this process on ``runtime``'s device."""
    rt = runtime or _cpu()
    logits, labels = [], []
    with eval_mode(model):
        for out, targets in _logits(model, dataset, rt, batch_size, 0, 1):
            logits.append(out.cpu())
            labels.append(targets.cpu())
    return torch.cat(logits), torch.cat(labels)


def _logits(
    model: nn.Module, dataset: Dataset, rt: Runtime, batch_size: int, rank: int, world_size: int
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """(float32 logits, labels) on the device for samples rank, rank + world_size, ... of ``dataset``, in
    order, a batch at a time."""
    for images, labels in _batches(dataset, batch_size, rank, world_size, rt):
        images, labels = rt.to_device(images, torch.as_tensor(labels))
        with rt.autocast():
            logits, _ = split_outputs(model(images))
        yield logits.float(), labels


def _batches(dataset: Dataset, batch_size: int, rank: int, world_size: int, rt: Runtime) -> Iterator:
    """Samples rank, rank + world_size, ... of ``dataset`` in order, in batches: made on the device for
    :class:`~inception_lib.data.TensorImages`, else through a DataLoader (``rt.workers`` processes)."""
    if isinstance(dataset, TensorImages):
        yield from dataset.batches(batch_size, rank, world_size)
        return
    indices = list(range(rank, len(dataset), world_size))  # type: ignore[arg-type]
    yield from DataLoader(Subset(dataset, indices), batch_size=batch_size, shuffle=False,
                          num_workers=rt.workers, pin_memory=rt.device.type == "cuda")
