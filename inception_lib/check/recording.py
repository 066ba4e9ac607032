"""Recording a module's forward pass: every torch call on a tensor derived from the input, with its producers.

A ``TorchFunctionMode`` sees ``nn.Conv2d`` modules and ``F.conv2d`` / ``F.avg_pool2d`` / ``torch.cat`` calls
alike; forward hooks on the submodules only name *where* each operation ran, so any attribute names and any
definition order work. Each call becomes an :class:`Op`: its kind (conv, bn, act, pool, gpool, linear, cat,
add, other), the attributes the checker compares, and the tensors (weights) it used. Calls that only reshape
are transparent.

This recorder works at the level of torch functions, not modules, on purpose: a reader's forward may call
``F.relu`` or ``torch.cat`` directly, and only the function level sees those.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

__all__ = ["Op", "Recorder", "record", "randomize", "output_tensor"]


@dataclass(eq=False)
class Op:
    """One recorded operation."""

    index: int
    kind: str  # input, conv, bn, act, pool, gpool, linear, cat, add, other
    attrs: dict[str, Any]
    inputs: list[Op]
    where: str  # the reader's submodule that ran it ("" in the forward itself)
    tensors: dict[str, torch.Tensor] = field(default_factory=dict)
    in_shape: tuple[int, ...] | None = None
    shape: tuple[int, ...] | None = None
    error: str | None = None


_TRANSPARENT = {
    "view", "reshape", "flatten", "squeeze", "unsqueeze", "contiguous", "clone", "dropout", "dropout2d",
    "feature_dropout", "alpha_dropout", "detach", "to", "type", "float", "double", "__get__", "view_as",
    "reshape_as", "identity",
}
_ACTIVATIONS = {
    "relu", "relu_", "relu6", "gelu", "silu", "sigmoid", "tanh", "leaky_relu", "elu", "hardtanh", "hardswish",
    "mish", "softplus", "selu", "celu", "prelu", "threshold",
}
_JOINS = {"cat": "cat", "concat": "cat", "concatenate": "cat", "add": "add", "__add__": "add",
          "__radd__": "add", "__iadd__": "add", "add_": "add"}
_POOLS = ("max_pool2d", "_max_pool2d", "max_pool2d_with_indices", "avg_pool2d")

Described = tuple[str, dict, dict] | None  # (kind, attrs, tensors), or None for a transparent call


def _pair(v: Any) -> tuple[int, ...]:
    if isinstance(v, int):
        return (v, v)
    return tuple(int(x) for x in v) if len(v) == 2 else (int(v[0]), int(v[0]))


class _Call:
    """A torch call's arguments, read by position or keyword as torch's signature orders them."""

    def __init__(self, name: str, args: tuple, kwargs: dict, x: torch.Tensor) -> None:
        self.name, self.args, self.kwargs = name, args, kwargs
        self.spatial = tuple(x.shape[2:]) if x.dim() == 4 else None
        self.x = x

    def get(self, i: int, name: str, default: Any = None) -> Any:
        if name in self.kwargs:
            return self.kwargs[name]
        return self.args[i] if len(self.args) > i else default


def _conv(c: _Call) -> Described:
    w, b = c.get(1, "weight"), c.get(2, "bias")
    groups = int(c.get(6, "groups", 1))
    kernel = tuple(w.shape[2:])
    padding = c.get(4, "padding", 0)
    dilation = _pair(c.get(5, "dilation", 1))
    if padding == "same":
        padding = tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation, strict=True))
    elif padding == "valid":
        padding = 0
    attrs = {"in": int(w.shape[1]) * groups, "out": int(w.shape[0]), "kernel": kernel,
             "stride": _pair(c.get(3, "stride", 1)), "padding": _pair(padding), "dilation": dilation,
             "groups": groups, "bias": b is not None}
    return "conv", attrs, {"weight": w, "bias": b}


def _batch_norm(c: _Call) -> Described:
    names = ["running_mean", "running_var", "weight", "bias"]
    tensors = {n: c.get(i + 1, n) for i, n in enumerate(names)}
    attrs = {"channels": int(c.x.shape[1]), "eps": float(c.get(7, "eps", 1e-5)),
             "affine": tensors["weight"] is not None}
    return "bn", attrs, tensors


def _pool(c: _Call) -> Described:
    kernel = _pair(c.get(1, "kernel_size"))
    stride = c.get(2, "stride", None)
    stride = kernel if stride is None or stride == [] or stride == () else _pair(stride)
    padding = _pair(c.get(3, "padding", 0))
    if c.name == "avg_pool2d":
        if c.spatial is not None and tuple(kernel) == c.spatial and padding == (0, 0):
            return "gpool", {}, {}  # a pooling window as large as the map: a global average
        attrs = {"type": "average", "kernel": kernel, "stride": stride, "padding": padding,
                 "ceil_mode": bool(c.get(4, "ceil_mode", False)),
                 "count_include_pad": bool(c.get(5, "count_include_pad", True))}
    else:
        attrs = {"type": "max", "kernel": kernel, "stride": stride, "padding": padding,
                 "ceil_mode": bool(c.get(5, "ceil_mode", False))}
    if c.spatial == (1, 1) and kernel == (1, 1):
        return None
    return "pool", attrs, {}


def _adaptive_pool(c: _Call) -> Described:
    size = _pair(c.get(1, "output_size"))
    if c.spatial is not None and c.spatial == size:
        return None  # pooling a map to its own size does nothing
    if size == (1, 1) and c.name == "adaptive_avg_pool2d":
        return "gpool", {}, {}
    kind = "average" if "avg" in c.name else "max"
    return "pool", {"type": f"adaptive {kind}", "output_size": size}, {}


def _mean(c: _Call) -> Described:
    dims = c.get(1, "dim", None)
    dims = (dims,) if isinstance(dims, int) else tuple(dims or ())
    if c.x.dim() == 4 and sorted(d % 4 for d in dims) == [2, 3]:
        return None if c.spatial == (1, 1) else ("gpool", {}, {})
    return "other", {"name": "mean"}, {}


def _linear(c: _Call) -> Described:
    w, b = c.get(1, "weight"), c.get(2, "bias")
    attrs = {"in": int(w.shape[1]), "out": int(w.shape[0]), "bias": b is not None}
    return "linear", attrs, {"weight": w, "bias": b}


def _join(c: _Call) -> Described:
    kind = _JOINS[c.name]
    return kind, ({"dim": c.get(1, "dim", 0)} if kind == "cat" else {}), {}


_DESCRIBE: dict[str, Callable[[_Call], Described]] = {
    "conv2d": _conv, "batch_norm": _batch_norm, "adaptive_avg_pool2d": _adaptive_pool,
    "adaptive_max_pool2d": _adaptive_pool, "mean": _mean, "linear": _linear,
    **{name: _pool for name in _POOLS}, **{name: _join for name in _JOINS},
}


def describe(name: str, args: tuple, kwargs: dict, x: torch.Tensor) -> Described:
    """(kind, attrs, tensors) of one recorded call, or None for a call that only reshapes (transparent)."""
    if name in _TRANSPARENT:
        return None
    if name in _ACTIVATIONS:
        return "act", {"name": "relu" if name == "relu_" else name}, {}
    if name in _DESCRIBE:
        return _DESCRIBE[name](_Call(name, args, kwargs, x))
    return "other", {"name": name.strip("_")}, {}


def _tensors_in(obj: Any) -> list[torch.Tensor]:
    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, list | tuple):
        return [t for item in obj for t in _tensors_in(item)]
    if isinstance(obj, dict):
        return [t for item in obj.values() for t in _tensors_in(item)]
    return []


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


class Recorder(TorchFunctionMode):
    """Record every torch call that consumes a tensor derived from the input, with its producers."""

    def __init__(self, x: torch.Tensor) -> None:
        super().__init__()
        self.input = Op(-1, "input", {}, [], "", shape=tuple(x.shape[1:]))
        self.producer: dict[int, Op] = {id(x): self.input}
        self.keep: list[torch.Tensor] = [x]  # keeps ids unique while recording
        self.ops: list[Op] = []
        self.stack: list[str] = []
        self.failed: Op | None = None
        self.paused = False  # True while our own BatchNorm calibration runs

    def _new_op(self, name: str, args: tuple, kwargs: dict, graph: list[torch.Tensor]) -> Op | None:
        described = describe(name, args, kwargs, graph[0])
        if described is None:
            return None
        kind, attrs, tensors = described
        if kind == "cat" and isinstance(attrs.get("dim"), int) and graph[0].dim():
            attrs["dim"] = attrs["dim"] % graph[0].dim()
        where = self.stack[-1] if self.stack else ""
        kept = {k: v for k, v in tensors.items() if v is not None}
        inputs = [self.producer[id(t)] for t in graph]
        op = Op(len(self.ops), kind, attrs, inputs, where, kept, tuple(graph[0].shape[1:]))
        self.ops.append(op)
        return op

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001, ANN204
        kwargs = kwargs or {}
        if self.paused:
            return func(*args, **kwargs)
        graph = [t for t in _tensors_in((args, kwargs)) if id(t) in self.producer]
        if not graph:
            return func(*args, **kwargs)
        op = self._new_op(getattr(func, "__name__", "") or "", args, kwargs, graph)
        try:
            out = func(*args, **kwargs)
        except Exception as exc:
            if op is not None:
                op.error, self.failed = _error_text(exc), op
            raise
        outs = _tensors_in(out)
        target = op if op is not None else self.producer[id(graph[0])]
        for t in outs:
            self.producer[id(t)] = target
            self.keep.append(t)
        if op is not None and outs:
            op.shape = tuple(outs[0].shape[1:])
        return out


def _calibrate_hooks(model: nn.Module, rec: Recorder) -> list:
    """Pre-hooks that set each BatchNorm's running statistics from its input: activations stay near unit
    scale through a deep network, so the output comparison is meaningful everywhere."""

    def hook(m: nn.Module, inputs: tuple) -> None:
        x = inputs[0]
        dims = [d for d in range(x.dim()) if d != 1]
        rec.paused = True
        try:
            m.running_mean.copy_(x.mean(dims))
            m.running_var.copy_(x.var(dims, unbiased=False).clamp_min(0.05))
        finally:
            rec.paused = False

    return [m.register_forward_pre_hook(hook) for m in model.modules()
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats]


def _where_hooks(module: nn.Module, rec: Recorder) -> list:
    """Hooks that keep ``rec.stack`` naming the submodule that is running."""

    def enter(name: str) -> Callable[..., None]:
        def hook(module: nn.Module, inputs: tuple) -> None:
            rec.stack.append(name)

        return hook

    def leave(module: nn.Module, inputs: tuple, output: Any) -> None:  # returns None: the output is kept
        if rec.stack:
            rec.stack.pop()

    handles = []
    for name, sub in module.named_modules():
        if name:
            handles.append(sub.register_forward_pre_hook(enter(name)))
            handles.append(sub.register_forward_hook(leave))
    return handles


def record(
    module: nn.Module, x: torch.Tensor, calibrate: bool = False
) -> tuple[Recorder, Any, BaseException | None]:
    """Run ``module(x)`` once and record its operations; ``calibrate`` sets BatchNorm statistics too."""
    rec = Recorder(x)
    handles = (_calibrate_hooks(module, rec) if calibrate else []) + _where_hooks(module, rec)
    out, error = None, None
    try:
        with torch.no_grad(), rec:
            out = module(x)
    except Exception as exc:  # reported to the reader, never re-raised
        error = exc
    finally:
        for h in handles:
            h.remove()
    return rec, out, error


def randomize(model: nn.Module, generator: torch.Generator) -> None:
    """Seeded random weights and BatchNorm affine parameters (running statistics are set from the batch)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d | nn.Linear):
                fan_in = m.weight[0].numel()
                m.weight.normal_(0.0, 1.0 / math.sqrt(fan_in), generator=generator)
                if m.bias is not None:
                    m.bias.uniform_(-0.1, 0.1, generator=generator)
            elif isinstance(m, nn.modules.batchnorm._BatchNorm) and m.affine:
                m.weight.uniform_(0.5, 1.5, generator=generator)
                m.bias.uniform_(-0.2, 0.2, generator=generator)


def output_tensor(out: Any) -> torch.Tensor | None:
    """The tensor a forward returned (the first of a tuple, e.g. logits and auxiliary logits)."""
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, tuple | list) and out and isinstance(out[0], torch.Tensor):
        return out[0]
    return None
