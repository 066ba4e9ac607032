"""What limits a training step on a GPU: every operator's arithmetic and memory traffic, against a roofline.

A GPU does at most ``peak_flops`` floating-point operations and moves at most ``bandwidth`` bytes per
second. An operator that does F operations and reads and writes B bytes needs at least max(F / peak,
B / bandwidth) seconds: below ``peak / bandwidth`` operations per byte (the ridge point) it is limited by
memory, not arithmetic. :func:`step_profile` runs one real training step (forward, both heads' losses,
backward) under a dispatch mode that sees every aten operator, counts its floating-point operations with
the formulas of ``torch.utils.flop_counter`` and its bytes from the tensors it reads and writes, and groups
them by kind. Views (which move nothing) are skipped; fused kernels would move less, which is what
``torch.compile`` is for, so the bound describes eager PyTorch, one kernel per operator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten
from torch.utils.flop_counter import flop_registry

__all__ = ["H200", "Device", "OpCall", "OpKind", "step_profile", "at_batch", "by_kind", "KINDS"]


@dataclass(frozen=True)
class Device:
    """A GPU's dense peak (FLOP/s) and memory bandwidth (bytes/s)."""

    name: str
    peak_flops: float
    bandwidth: float

    @property
    def ridge(self) -> float:
        """Operations per byte above which an operator can be limited by arithmetic rather than memory."""
        return self.peak_flops / self.bandwidth


# NVIDIA's H200 SXM datasheet: 989 TFLOP/s dense BF16 tensor-core peak, 4.8 TB/s HBM3e bandwidth.
H200 = Device("NVIDIA H200", 989e12, 4.8e12)

KINDS = ("convolution", "matrix product", "batch norm", "element-wise", "concatenation and copies",
         "pooling", "optimizer and other")
_VIEWS = {"view", "_unsafe_view", "t", "transpose", "permute", "expand", "squeeze", "unsqueeze",
          "as_strided", "detach", "alias", "slice", "select", "split", "split_with_sizes", "unbind",
          "_reshape_alias", "reshape", "lift_fresh", "empty", "empty_like", "new_empty",
          "empty_strided", "zeros", "ones", "zeros_like", "ones_like", "new_zeros",
          "scalar_tensor"}


def _kind(name: str) -> str:
    if "convolution" in name:
        return "convolution"
    if name in ("mm", "addmm", "bmm", "baddbmm", "matmul"):
        return "matrix product"
    if "batch_norm" in name:
        return "batch norm"
    if "pool" in name:
        return "pooling"
    if name in ("cat", "copy_", "clone", "_to_copy", "contiguous", "slice_backward", "select_backward",
                "index_select", "gather", "stack"):
        return "concatenation and copies"
    if name.startswith("_foreach") or name.startswith("_fused") or "adam" in name:
        return "optimizer and other"
    return "element-wise"


@dataclass(frozen=True)
class OpCall:
    """One operator call: its kind, floating-point operations and bytes read and written."""

    kind: str
    flops: float
    bytes: float


@dataclass
class OpKind:
    """The operators of one kind in a step: calls, floating-point operations, bytes, roofline seconds."""

    kind: str
    calls: int = 0
    flops: float = 0.0
    bytes: float = 0.0
    seconds: float = 0.0  # sum over the calls of max(F / peak, B / bandwidth)

    @property
    def intensity(self) -> float:
        return self.flops / self.bytes if self.bytes else float("inf")


class _Recorder(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[OpCall] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        name = func._overloadpacket.__name__
        if name in _VIEWS:
            return out
        flops = 0
        if func._overloadpacket in flop_registry:
            flops = flop_registry[func._overloadpacket](*args, **kwargs, out_val=out)
        seen: dict[int, int] = {}
        for t in tree_flatten((args, kwargs, out))[0]:
            if isinstance(t, torch.Tensor):  # each storage once (an in-place op reads and writes it)
                seen[t.untyped_storage().data_ptr()] = t.numel() * t.element_size()
        self.calls.append(OpCall(_kind(name), float(flops), float(sum(seen.values()))))
        return out


def step_profile(step: Callable[[], object]) -> list[OpCall]:
    """Run ``step()`` (one training step) once; every aten operator it called, in order (views skipped)."""
    recorder = _Recorder()
    with recorder:
        step()
    return recorder.calls


def at_batch(
    small: list[OpCall], b_small: int, large: list[OpCall], b_large: int, batch: int
) -> list[OpCall]:
    """The calls of a step at ``batch``, from profiles at two smaller batches: every call's FLOPs and bytes
    are affine in the batch size (activations grow with it, weights and the optimizer's work do not), so
    each is extended along the line through its two measurements. The two profiles must call the same
    operators in the same order."""
    if len(small) != len(large) or any(a.kind != b.kind for a, b in zip(small, large, strict=True)):
        raise ValueError("the two profiles must call the same operators in the same order")
    t = (batch - b_small) / (b_large - b_small)
    return [OpCall(a.kind, a.flops + t * (b.flops - a.flops), a.bytes + t * (b.bytes - a.bytes))
            for a, b in zip(small, large, strict=True)]


def by_kind(calls: list[OpCall], device: Device = H200) -> dict[str, OpKind]:
    """Calls grouped by kind (in the order of :data:`KINDS`), with each call's roofline time on ``device``."""
    kinds = {k: OpKind(k) for k in KINDS}
    for c in calls:
        k = kinds[c.kind]
        k.calls += 1
        k.flops += c.flops
        k.bytes += c.bytes
        k.seconds += max(c.flops / device.peak_flops, c.bytes / device.bandwidth)
    return {name: k for name, k in kinds.items() if k.calls}
