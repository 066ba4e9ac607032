"""Check a layer or block you wrote against the library's reference, and find the first thing that differs.

The workbooks (``chapters/exercises/``) ask the reader to write a layer or an Inception module from the
paper's figures and then run one line::

    check(MyInceptionC, "inception_c")

``check`` builds the reader's class with the reference's constructor arguments, runs it and the reference on
the same random batch, and compares them in four steps:

1. **Parameters**: the total, and per branch (for a module) or per layer (for a chain of layers).
2. **Structure, in forward order.** Every operation the forward pass runs is recorded with a
   ``TorchFunctionMode`` (it sees ``nn.Conv2d`` modules and ``F.conv2d`` / ``F.avg_pool2d`` / ``torch.cat``
   calls alike); forward hooks on the reader's submodules only name *where* each operation ran, so any
   attribute names and any definition order work. The operations are arranged by how tensors flow (a
   ``torch.cat`` of branches becomes a list of parallel branches, nested or flat concatenations alike) and
   compared layer by layer: kernel size, stride, padding, channels, bias, BatchNorm and its eps, activation,
   pooling type and padding, concatenation order.
3. **Outputs.** Where the structure matches, the reference's weights and BatchNorm statistics are copied
   into a copy of the reader's module (in the recorded order) and both run in float64 on the same input;
   the outputs must agree within ``TOLERANCE`` (relative to the largest output value). That catches what
   shapes alone cannot, such as a reshape that scrambles channels.
4. **The first difference** in forward order is reported in plain words, with a hint for the common
   mistakes (padding of 1×n / n×1, the 1×3 ‖ 3×1 outputs not concatenated, concatenation order, average
   versus max pooling and its padding, a missing 1×1 reduction, a conv bias before BatchNorm, a missing ReLU
   between factors, BatchNorm eps, a stride on the wrong convolution of a grid reduction).

The result is a :class:`CheckResult` that a notebook shows as a short report (plain text and HTML). Its
text holds no float digits, addresses or timings, so stored workbook outputs compare on every machine.
A reader's class that still raises ``NotImplementedError`` gets a friendly "not written yet" report.
"""

from __future__ import annotations

import copy
import html
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from .blocks import (
    AuxClassifier,
    GoogLeNetModule,
    InceptionA,
    InceptionC,
    InceptionE,
    Reduction17to8,
    Reduction35to17,
)
from .layers import AsymmetricConv, ConvBNReLU, SplitAsymmetricConv, StackedConv3x3
from .network import inception_v3

__all__ = ["TOLERANCE", "CheckResult", "Finding", "Reference", "REFERENCES", "check", "reference_names"]

TOLERANCE = 1e-6  # float64 outputs: a correct module differs from the reference by ~1e-15
TOLERANCE_TEXT = "1e-6"
BATCH = 2  # two images, so that the BatchNorm statistics we set from the batch are defined everywhere
SEED = 0


# --------------------------------------------------------------------------------------------------------
# The references


def _stem(in_channels: int = 3) -> nn.Sequential:
    """The released stem (Table 1's first rows as in the released code): 299×299×3 -> 35×35×192."""
    net = inception_v3(aux_logits=False, in_channels=in_channels)
    return nn.Sequential(OrderedDict((n, m) for n, m in net.feature_blocks() if not n.startswith("mixed")))


@dataclass(frozen=True)
class Reference:
    """A layer or block the reader can be checked against.

    ``check`` calls the reader's class (or factory) with ``args`` positionally, in the order of
    ``arg_names``, and builds the reference with ``build(*args)``; ``input_shape(args)`` is the (C, H, W)
    of the reference input.
    """

    name: str
    title: str
    arg_names: tuple[str, ...]
    args: tuple[Any, ...]
    build: Callable[..., nn.Module]
    input_shape: Callable[[tuple[Any, ...]], tuple[int, int, int]]
    shown: str = ""  # how the report names the reference, with {call} for the arguments

    def call(self, args: tuple[Any, ...]) -> str:
        return ", ".join(f"{n}={v!r}" for n, v in zip(self.arg_names, args, strict=True))


def _ref(name, title, arg_names, args, build, hw, shown=""):  # noqa: ANN001, ANN202 - a compact table below
    return Reference(name, title, tuple(arg_names), tuple(args), build, lambda a: (a[0], hw, hw), shown)


REFERENCES: dict[str, Reference] = {
    r.name: r
    for r in [
        _ref(
            "conv_bn_relu",
            "the conv-BN-ReLU unit",
            ["in_channels", "out_channels", "kernel_size", "stride", "padding"],
            [64, 96, 3, 1, 1],
            lambda i, o, k, s, p: ConvBNReLU(i, o, k, stride=s, padding=p),
            17,
        ),
        _ref(
            "two_3x3",
            "a 5×5 factorized into two 3×3 (Figure 1)",
            ["in_channels", "out_channels"],
            [64, 96],
            lambda i, o: StackedConv3x3(i, o, kernel_size=5),
            17,
            "StackedConv3x3({call}, kernel_size=5)",
        ),
        _ref(
            "stacked_3x3",
            "an n×n factorized into stacked 3×3 (sec. 3.1)",
            ["in_channels", "out_channels", "kernel_size"],
            [64, 96, 7],
            lambda i, o, k: StackedConv3x3(i, o, kernel_size=k),
            17,
        ),
        _ref(
            "asymmetric",
            "an n×n factorized into 1×n and n×1 (Figure 3, sec. 3.2)",
            ["in_channels", "out_channels", "n"],
            [128, 192, 7],
            lambda i, o, n: AsymmetricConv(i, o, n=n),
            17,
        ),
        _ref(
            "split_asymmetric",
            "1×n ‖ n×1 side by side (Figure 7)",
            ["in_channels", "out_channels_each", "n"],
            [384, 384, 3],
            lambda i, o, n: SplitAsymmetricConv(i, o, n=n),
            8,
        ),
        _ref(
            "googlenet_module",
            "GoogLeNet's Inception module (Figure 4; inception 3a)",
            ["in_channels", "ch1x1", "ch3x3_reduce", "ch3x3", "ch5x5_reduce", "ch5x5", "pool_proj"],
            [192, 64, 96, 128, 16, 32, 32],
            GoogLeNetModule,
            28,
        ),
        _ref(
            "inception_a",
            "the 35×35 module of Figure 5 (Mixed_5b)",
            ["in_channels", "pool_features"],
            [192, 32],
            InceptionA,
            35,
        ),
        _ref(
            "inception_c",
            "the 17×17 module of Figure 6 (Mixed_6b)",
            ["in_channels", "channels_7x7"],
            [768, 128],
            InceptionC,
            17,
        ),
        _ref("inception_e", "the 8×8 module of Figure 7 (Mixed_7b)", ["in_channels"], [1280], InceptionE, 8),
        _ref(
            "reduction_35to17",
            "the grid reduction 35×35 -> 17×17 (Figure 10; Mixed_6a)",
            ["in_channels"],
            [288],
            Reduction35to17,
            35,
        ),
        _ref(
            "reduction_17to8",
            "the grid reduction 17×17 -> 8×8 (Mixed_7a)",
            ["in_channels"],
            [768],
            Reduction17to8,
            17,
        ),
        _ref(
            "aux_classifier",
            "the auxiliary classifier (Figure 8)",
            ["in_channels", "num_classes"],
            [768, 1000],
            lambda i, n: AuxClassifier(i, n),
            17,
        ),
        _ref(
            "aux_classifier_bn",
            "the auxiliary classifier with BN-auxiliary (Figure 8, sec. 10)",
            ["in_channels", "num_classes"],
            [768, 1000],
            lambda i, n: AuxClassifier(i, n, bn_fc=True),
            17,
            "AuxClassifier({call}, bn_fc=True)",
        ),
        _ref(
            "stem",
            "299×299×3 -> 35×35×192 (Table 1's first rows, as released)",
            ["in_channels"],
            [3],
            _stem,
            299,
            "the stem of InceptionV3, conv_1a_3x3 to maxpool_2 ({call})",
        ),
        _ref("inception_v3", "Inception-v3, the whole network", [], [], lambda: inception_v3(), 299),
    ]
}
REFERENCES["inception_v3"] = Reference(
    "inception_v3", REFERENCES["inception_v3"].title, (), (), lambda: inception_v3(), lambda a: (3, 299, 299)
)


def reference_names() -> list[str]:
    """The names ``check`` accepts."""
    return list(REFERENCES)


# --------------------------------------------------------------------------------------------------------
# Recording the forward pass


@dataclass(eq=False)
class _Op:
    index: int
    kind: str  # input, conv, bn, act, pool, gpool, linear, cat, add, other
    attrs: dict[str, Any]
    inputs: list[_Op]
    where: str
    tensors: dict[str, torch.Tensor] = field(default_factory=dict)
    in_shape: tuple[int, ...] | None = None
    shape: tuple[int, ...] | None = None
    error: str | None = None


_TRANSPARENT = {
    "view", "reshape", "flatten", "squeeze", "unsqueeze", "contiguous", "clone", "dropout", "dropout2d",
    "feature_dropout", "alpha_dropout", "detach", "to", "type", "float", "double", "__get__", "view_as",
    "reshape_as", "identity",
}  # fmt: skip
_ACTIVATIONS = {
    "relu", "relu_", "relu6", "gelu", "silu", "sigmoid", "tanh", "leaky_relu", "elu", "hardtanh", "hardswish",
    "mish", "softplus", "selu", "celu", "prelu", "threshold",
}  # fmt: skip
_JOINS = {"cat": "cat", "concat": "cat", "concatenate": "cat", "add": "add", "__add__": "add",
          "__radd__": "add", "__iadd__": "add", "add_": "add"}  # fmt: skip


def _pair(v: Any) -> tuple[int, ...]:
    if isinstance(v, int):
        return (v, v)
    return tuple(int(x) for x in v) if len(v) == 2 else (int(v[0]), int(v[0]))


def _arg(args: tuple, kwargs: dict, i: int, name: str, default: Any = None) -> Any:
    if name in kwargs:
        return kwargs[name]
    return args[i] if len(args) > i else default


def _describe(name: str, args: tuple, kwargs: dict, x: torch.Tensor) -> tuple[str, dict, dict] | None:
    """(kind, attrs, tensors) of one recorded call, or None for a call that only reshapes (transparent)."""
    spatial = tuple(x.shape[2:]) if x.dim() == 4 else None
    if name in _TRANSPARENT:
        return None
    if name == "conv2d":
        w, b = _arg(args, kwargs, 1, "weight"), _arg(args, kwargs, 2, "bias")
        groups = int(_arg(args, kwargs, 6, "groups", 1))
        kernel = tuple(w.shape[2:])
        padding = _arg(args, kwargs, 4, "padding", 0)
        dilation = _pair(_arg(args, kwargs, 5, "dilation", 1))
        if padding == "same":
            padding = tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation, strict=True))
        elif padding == "valid":
            padding = 0
        attrs = {"in": int(w.shape[1]) * groups, "out": int(w.shape[0]), "kernel": kernel,
                 "stride": _pair(_arg(args, kwargs, 3, "stride", 1)), "padding": _pair(padding),
                 "dilation": dilation, "groups": groups, "bias": b is not None}  # fmt: skip
        return "conv", attrs, {"weight": w, "bias": b}
    if name == "batch_norm":
        names = ["running_mean", "running_var", "weight", "bias"]
        tensors = {n: _arg(args, kwargs, i + 1, n) for i, n in enumerate(names)}
        attrs = {"channels": int(x.shape[1]), "eps": float(_arg(args, kwargs, 7, "eps", 1e-5)),
                 "affine": tensors["weight"] is not None}  # fmt: skip
        return "bn", attrs, tensors
    if name in _ACTIVATIONS:
        return "act", {"name": "relu" if name == "relu_" else name}, {}
    if name in ("max_pool2d", "_max_pool2d", "max_pool2d_with_indices", "avg_pool2d"):
        kernel = _pair(_arg(args, kwargs, 1, "kernel_size"))
        stride = _arg(args, kwargs, 2, "stride", None)
        stride = kernel if stride is None or stride == [] or stride == () else _pair(stride)
        padding = _pair(_arg(args, kwargs, 3, "padding", 0))
        if name == "avg_pool2d":
            if spatial is not None and tuple(kernel) == spatial and padding == (0, 0):
                return "gpool", {}, {}  # a pooling window as large as the map: a global average
            attrs = {"type": "average", "kernel": kernel, "stride": stride, "padding": padding,
                     "ceil_mode": bool(_arg(args, kwargs, 4, "ceil_mode", False)),
                     "count_include_pad": bool(_arg(args, kwargs, 5, "count_include_pad", True))}  # fmt: skip
        else:
            attrs = {"type": "max", "kernel": kernel, "stride": stride, "padding": padding,
                     "ceil_mode": bool(_arg(args, kwargs, 5, "ceil_mode", False))}  # fmt: skip
        if spatial == (1, 1) and kernel == (1, 1):
            return None
        return "pool", attrs, {}
    if name in ("adaptive_avg_pool2d", "adaptive_max_pool2d"):
        size = _pair(_arg(args, kwargs, 1, "output_size"))
        if spatial is not None and spatial == size:
            return None  # pooling a map to its own size does nothing
        if size == (1, 1) and name == "adaptive_avg_pool2d":
            return "gpool", {}, {}
        kind = "average" if "avg" in name else "max"
        return "pool", {"type": f"adaptive {kind}", "output_size": size}, {}
    if name == "mean":
        dims = _arg(args, kwargs, 1, "dim", None)
        dims = (dims,) if isinstance(dims, int) else tuple(dims or ())
        if x.dim() == 4 and sorted(d % 4 for d in dims) == [2, 3]:
            return None if spatial == (1, 1) else ("gpool", {}, {})
        return "other", {"name": "mean"}, {}
    if name == "linear":
        w, b = _arg(args, kwargs, 1, "weight"), _arg(args, kwargs, 2, "bias")
        return (
            "linear",
            {"in": int(w.shape[1]), "out": int(w.shape[0]), "bias": b is not None},
            {"weight": w, "bias": b},
        )
    if name in _JOINS:
        kind = _JOINS[name]
        attrs = {"dim": _arg(args, kwargs, 1, "dim", 0)} if kind == "cat" else {}
        return kind, attrs, {}
    return "other", {"name": name.strip("_")}, {}


def _tensors_in(obj: Any) -> list[torch.Tensor]:
    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, list | tuple):
        return [t for item in obj for t in _tensors_in(item)]
    if isinstance(obj, dict):
        return [t for item in obj.values() for t in _tensors_in(item)]
    return []


class _Recorder(TorchFunctionMode):
    """Record every torch call that consumes a tensor derived from the input, with its producers."""

    def __init__(self, x: torch.Tensor) -> None:
        super().__init__()
        self.input = _Op(-1, "input", {}, [], "", shape=tuple(x.shape[1:]))
        self.producer: dict[int, _Op] = {id(x): self.input}
        self.keep: list[torch.Tensor] = [x]  # keeps ids unique while recording
        self.ops: list[_Op] = []
        self.stack: list[str] = []
        self.failed: _Op | None = None
        self.paused = False  # True while our own BatchNorm calibration runs

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001, ANN204
        kwargs = kwargs or {}
        if self.paused:
            return func(*args, **kwargs)
        name = getattr(func, "__name__", "") or ""
        graph = [t for t in _tensors_in((args, kwargs)) if id(t) in self.producer]
        if not graph:
            return func(*args, **kwargs)
        described = _describe(name, args, kwargs, graph[0])
        op = None
        if described is not None:
            kind, attrs, tensors = described
            inputs = [self.producer[id(t)] for t in graph]
            if kind == "cat" and isinstance(attrs.get("dim"), int) and graph[0].dim():
                attrs["dim"] = attrs["dim"] % graph[0].dim()
            where = self.stack[-1] if self.stack else ""
            kept = {k: v for k, v in tensors.items() if v is not None}
            op = _Op(len(self.ops), kind, attrs, inputs, where, kept, tuple(graph[0].shape[1:]))
            self.ops.append(op)
        try:
            out = func(*args, **kwargs)
        except Exception as exc:
            if op is not None:
                op.error = (
                    f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
                )
                self.failed = op
            raise
        outs = _tensors_in(out)
        target = op if op is not None else self.producer[id(graph[0])]
        for t in outs:
            self.producer[id(t)] = target
            self.keep.append(t)
        if op is not None and outs:
            op.shape = tuple(outs[0].shape[1:])
        return out


def _record(
    module: nn.Module, x: torch.Tensor, calibrate: bool = False
) -> tuple[_Recorder, Any, BaseException | None]:
    """Run ``module(x)`` once and record its operations; ``calibrate`` sets BatchNorm statistics too."""
    rec = _Recorder(x)
    handles = _calibrate_hooks(module, rec) if calibrate else []

    def enter(name: str) -> Callable[..., None]:
        def hook(module: nn.Module, inputs: tuple) -> None:
            rec.stack.append(name)

        return hook

    def leave(module: nn.Module, inputs: tuple, output: Any) -> None:  # returns None: the output is kept
        if rec.stack:
            rec.stack.pop()

    for name, sub in module.named_modules():
        if name:
            handles.append(sub.register_forward_pre_hook(enter(name)))
            handles.append(sub.register_forward_hook(leave))
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


# --------------------------------------------------------------------------------------------------------
# Arranging the recorded operations: chains of layers and parallel branches


@dataclass(eq=False)
class _Join:
    kind: str  # cat or add
    dim: Any
    branches: list[list]  # each a list of _Op | _Join, in forward order
    op: _Op | None


class _Graph:
    def __init__(self, ops: list[_Op]) -> None:
        self.anc: dict[int, set[int]] = {}
        for op in ops:
            self._ancestors(op)

    def _ancestors(self, op: _Op) -> set[int]:
        if id(op) not in self.anc:
            s = {id(op)}
            for i in op.inputs:
                s |= self._ancestors(i)
            self.anc[id(op)] = s
        return self.anc[id(op)]

    def leaves(self, op: _Op) -> list[_Op]:
        out: list[_Op] = []
        for i in op.inputs:
            if i.kind == "cat" and op.kind == "cat" and i.attrs.get("dim") == op.attrs.get("dim"):
                out.extend(self.leaves(i))
            else:
                out.append(i)
        return out

    def seq(self, node: _Op | list[_Op], stop: _Op | None, join: _Op | None = None) -> list:
        items: list = []
        cur: Any = node
        while cur is not stop:
            group = isinstance(cur, list)
            if group or cur.kind == "cat" or len(cur.inputs) > 1:
                leaves = cur if group else self.leaves(cur)
                op = join if group else cur
                common = set.intersection(*(self._ancestors(leaf) for leaf in leaves))
                fork = max(
                    (o for o in self._all(leaves) if id(o) in common), key=lambda o: o.index, default=None
                )
                branches = [
                    self.seq(g[0] if len(g) == 1 else g, fork, op) for g in self._groups(leaves, fork)
                ]
                kind = "cat" if op is None or op.kind == "cat" else op.kind
                items.append(_Join(kind, op.attrs.get("dim") if op else 1, branches, op))
                cur = fork
            else:
                items.append(cur)
                if cur.kind == "input" or not cur.inputs:
                    break
                cur = cur.inputs[0]
            if cur is None:
                break
        items.reverse()
        return [i for i in items if not (isinstance(i, _Op) and i.kind == "input")]

    def _all(self, leaves: list[_Op]) -> list[_Op]:
        seen: dict[int, _Op] = {}
        todo = list(leaves)
        while todo:
            o = todo.pop()
            if id(o) not in seen:
                seen[id(o)] = o
                todo.extend(o.inputs)
        return list(seen.values())

    def _groups(self, leaves: list[_Op], fork: _Op | None) -> list[list[_Op]]:
        base = self._ancestors(fork) if fork is not None else set()
        beyond = [self._ancestors(leaf) - base for leaf in leaves]
        groups: list[list[int]] = []
        for i in range(len(leaves)):
            for g in groups:
                if any(beyond[i] & beyond[j] for j in g):
                    g.append(i)
                    break
            else:
                groups.append([i])
        return [[leaves[i] for i in g] for g in groups]


def _structure(rec: _Recorder, root: _Op) -> list:
    return _Graph(rec.ops).seq(root, rec.input)


# --------------------------------------------------------------------------------------------------------
# Words for layers


def _hw(t: tuple[int, ...]) -> str:
    return "×".join(str(v) for v in t)


def _label(item: Any) -> str:
    """A short label: '1×7 conv', 'avg pool 3×3', '[1×3 ‖ 3×1]'."""
    if isinstance(item, _Join):
        inner = " ‖ ".join(
            " → ".join(_label(i) for i in b if not _minor(i)) or "identity" for b in item.branches
        )
        if item.kind == "cat":
            return f"[{inner}]"
        if item.kind == "add":
            return f"sum of [{inner}]"
        return f"{item.op.attrs.get('name', item.kind) if item.op is not None else item.kind} of [{inner}]"
    a = item.attrs
    if item.kind == "conv":
        stride = "" if a["stride"] == (1, 1) else f"/{a['stride'][0]}"
        return f"{_hw(a['kernel'])}{stride} conv"
    if item.kind == "pool":
        if "output_size" in a:
            return f"{a['type']} pool to {_hw(a['output_size'])}"
        return f"{'avg' if a['type'] == 'average' else 'max'} pool {_hw(a['kernel'])}/{a['stride'][0]}"
    return {"gpool": "global avg pool", "linear": "fc", "bn": "BN", "act": a.get("name", ""),
            "input": "input"}.get(item.kind, a.get("name", item.kind))  # fmt: skip


def _minor(item: Any) -> bool:
    return isinstance(item, _Op) and item.kind in ("bn", "act")


def _describe_layer(op: _Op, stride: bool = True) -> str:
    """A phrase for prose: 'the 1×7 convolution (128 → 128 channels)'."""
    a = op.attrs
    if op.kind == "conv":
        s = f"the {_hw(a['kernel'])} convolution ({a['in']} → {a['out']} channels"
        return s + (f", stride {a['stride'][0]})" if a["stride"] != (1, 1) and stride else ")")
    if op.kind == "pool":
        if "output_size" in a:
            return f"the {a['type']} pooling to {_hw(a['output_size'])}"
        return (
            f"the {_hw(a['kernel'])} {a['type']} pooling (stride {a['stride'][0]}, padding {a['padding'][0]})"
        )
    if op.kind == "bn":
        return f"the BatchNorm ({a['channels']} channels)"
    if op.kind == "act":
        return "the ReLU" if a["name"] == "relu" else f"the {a['name']} activation"
    if op.kind == "linear":
        return f"the fully connected layer ({a['in']} → {a['out']})"
    if op.kind == "gpool":
        return "the global average pooling"
    return f"the operation `{a.get('name', op.kind)}`"


def _yours(op: _Op | None) -> str:
    if op is None:
        return ""
    return f" (your `{op.where}`)" if op.where else " (in your forward)"


def _signature(item: Any) -> str:
    if isinstance(item, _Join):
        return f"{item.kind}{item.dim}(" + "|".join(",".join(map(_signature, b)) for b in item.branches) + ")"
    return f"{item.kind}{sorted(item.attrs.items())}"


def _params_of(items: list) -> dict[int, torch.Tensor]:
    out: dict[int, torch.Tensor] = {}
    for item in items:
        if isinstance(item, _Join):
            for b in item.branches:
                out.update(_params_of(b))
        elif item.kind in ("conv", "bn", "linear"):
            for role in ("weight", "bias"):
                t = item.tensors.get(role)
                if t is not None:
                    out[id(t)] = t
    return out


def _count(items: list) -> int:
    return sum(t.numel() for t in _params_of(items).values())


# --------------------------------------------------------------------------------------------------------
# Comparing two structures


@dataclass
class Finding:
    """One difference between the reader's module and the reference, in plain words."""

    what: str  # a short name of the mistake: "padding", "concatenation order", ...
    where: str  # "branch 2, layer 2 (your `b2.1`)"
    message: str
    hint: str = ""

    def text(self) -> str:
        lines = [f"{self.what} — {self.where}:" if self.where else f"{self.what}:", f"  {self.message}"]
        if self.hint:
            lines.append(f"  Hint: {self.hint}")
        return "\n".join(lines)


class _Diverged(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.what)
        self.finding = finding


_ATTR_ORDER = {
    "conv": ["kernel", "in", "out", "stride", "padding", "bias", "dilation", "groups"],
    "bn": ["channels", "eps", "affine"],
    "act": ["name"],
    "pool": ["type", "kernel", "stride", "padding", "count_include_pad", "ceil_mode", "output_size"],
    "linear": ["in", "out", "bias"],
    "other": ["name"],
}


class _Comparer:
    def __init__(self, partial: bool) -> None:
        self.pairs: list[tuple[_Op, _Op]] = []
        self.partial = partial  # the reader's forward stopped early: a missing tail is not the first mistake

    def seq(self, ref: list, yours: list, ctx: list[str], top: bool = False) -> None:
        steps = self._align(ref, yours)
        k = 0
        while k < len(steps):
            kind, i, j = steps[k]
            if kind == "pair":
                self.item(ref[i], yours[j], ref, i, yours, j, ctx, top)
                k += 1
                continue
            run = []
            while k < len(steps) and steps[k][0] != "pair":
                run.append(steps[k])
                k += 1
            dels = [s for s in run if s[0] == "delete"]
            ins = [s for s in run if s[0] == "insert"]
            i1 = dels[0][1] if dels else run[0][1]
            j1 = ins[0][2] if ins else run[0][2]
            tag = "replace" if dels and ins else "delete" if dels else "insert"
            if tag == "delete" and j1 == len(yours) and self.partial and top:
                return  # the reader's forward stopped early; what it ran so far matches
            self.gap(tag, ref, i1, i1 + len(dels), yours, j1, j1 + len(ins), ctx, top)

    def _align(self, ref: list, yours: list) -> list[tuple[str, int, int]]:
        """Edit-distance alignment in forward order: ("pair", i, j), ("delete", i, j) for ref[i] missing
        before yours[j], ("insert", i, j) for yours[j] extra before ref[i]. Layers of the same kind pair up
        (their differences are reported as attributes, e.g. 7×1 where the reference has 1×7); a layer
        missing or extra costs more than a changed one, and layers of different kinds never pair."""

        def cost(r: Any, y: Any) -> int:
            if isinstance(r, _Join) or isinstance(y, _Join):
                return 0 if isinstance(r, _Join) and isinstance(y, _Join) else 5
            if r.kind != y.kind:
                return 5
            return 0 if self._token(r) == self._token(y) else 1

        # e[i][j]: the cost of aligning ref[i:] with yours[j:]; traced from the start, preferring pairs, so
        # that everything before the first reported difference matches.
        n, m = len(ref), len(yours)
        e = [[2 * ((n - i) + (m - j)) for j in range(m + 1)] for i in range(n + 1)]
        for i in range(n - 1, -1, -1):
            for j in range(m - 1, -1, -1):
                e[i][j] = min(e[i + 1][j + 1] + cost(ref[i], yours[j]), e[i + 1][j] + 2, e[i][j + 1] + 2)
        steps = []
        i = j = 0
        while i < n or j < m:
            if (
                i < n
                and j < m
                and cost(ref[i], yours[j]) < 4
                and e[i][j] == e[i + 1][j + 1] + cost(ref[i], yours[j])
            ):
                steps.append(("pair", i, j))
                i, j = i + 1, j + 1
            elif i < n and e[i][j] == e[i + 1][j] + 2:
                steps.append(("delete", i, j))
                i += 1
            else:
                steps.append(("insert", i, j))
                j += 1
        return steps

    @staticmethod
    def _token(item: Any) -> str:
        if isinstance(item, _Join):
            return "join"
        a = item.attrs
        if item.kind in ("conv", "pool"):
            return f"{item.kind}{a.get('kernel', '')}{a.get('type', '')}"
        return f"{item.kind}{a.get('name', '')}"

    def where(self, seq: list, pos: int, ctx: list[str], top: bool) -> str:
        if pos >= len(seq):
            return ", ".join(ctx + ["the end"]) if ctx else "the end"
        item = seq[pos]
        if isinstance(item, _Join):
            if top and len(seq) == 1:
                return ", ".join(ctx) or "the concatenation"
            n = sum(isinstance(i, _Join) for i in seq[: pos + 1])
            return ", ".join(ctx + [f"module {n}"])
        n = sum(not isinstance(i, _Join) and not _minor(i) for i in seq[: pos + 1])
        label = f"layer {n}" if not _minor(item) else f"after layer {n}"
        return ", ".join(ctx + [label])

    def join_ctx(self, seq: list, pos: int, ctx: list[str], top: bool) -> list[str]:
        if top and len(seq) == 1:
            return ctx
        return ctx + [f"module {sum(isinstance(i, _Join) for i in seq[: pos + 1])}"]

    def item(self, r: Any, y: Any, ref: list, i: int, yours: list, j: int, ctx: list[str], top: bool) -> None:
        if isinstance(r, _Join):
            self.join(r, y, self.join_ctx(ref, i, ctx, top), self.where(yours, j, ctx, top))
            return
        for attr in _ATTR_ORDER.get(r.kind, []):
            rv, yv = r.attrs.get(attr), y.attrs.get(attr)
            same = math.isclose(rv, yv, rel_tol=1e-9) if attr == "eps" else rv == yv
            if not same:
                raise _Diverged(self.attr_finding(attr, r, y, ref, i, yours, j, ctx, top))
        self.pairs.append((r, y))

    # ---- joins (concatenations)

    def join(self, r: _Join, y: _Join, ctx: list[str], where: str) -> None:
        at = where + _yours(y.op)
        if r.kind != y.kind and y.kind != "add":
            name = y.op.attrs.get("name", y.kind) if y.op is not None else y.kind
            raise _Diverged(
                Finding(
                    "branches combined differently",
                    at,
                    f"your forward combines {_label(y)} with `{name}`; the reference concatenates them along "
                    "the channels.",
                    "join branch outputs with torch.cat([...], dim=1).",
                )
            )
        if r.kind != y.kind:
            raise _Diverged(
                Finding(
                    "branches added instead of concatenated",
                    at,
                    f"your forward adds the outputs of {_label(y)}; the reference concatenates them along "
                    "the channels.",
                    "join branch outputs with torch.cat([...], dim=1), which keeps every branch's channels "
                    "side by side (the expanded filter bank of Figure 7); adding mixes them into one.",
                )
            )
        if r.dim != y.dim:
            raise _Diverged(
                Finding(
                    "concatenation dimension",
                    at,
                    f"your torch.cat joins along dim {y.dim}; the reference joins along dim {r.dim} "
                    "(channels).",
                    "tensors are (batch, channels, height, width): concatenate the branches with dim=1.",
                )
            )
        rs, ys = [_signature_seq(b) for b in r.branches], [_signature_seq(b) for b in y.branches]
        if len(r.branches) != len(y.branches):
            missing = [_branch_label(b) for b, s in zip(r.branches, rs, strict=True) if s not in ys]
            extra = [_branch_label(b) for b, s in zip(y.branches, ys, strict=True) if s not in rs]
            msg = (f"your concatenation joins {len(y.branches)} branches, the reference {len(r.branches)}: "
                   f"{' | '.join(_branch_label(b) for b in r.branches)}.")  # fmt: skip
            if missing:
                msg += f" Not matched in yours: {'; '.join(missing)}."
            if extra:
                msg += f" Yours has instead: {'; '.join(extra)}."
            raise _Diverged(
                Finding(
                    "number of branches",
                    at,
                    msg,
                    (
                        "each branch starts from the module's input and ends in the concatenation; a "
                        "branch that "
                        "splits into a 1×3 and a 3×1 shares the layers before the split."
                    ),
                )
            )
        if sorted(rs) == sorted(ys) and rs != ys:
            order = []
            used: set[int] = set()
            for s in ys:
                k = next(k for k, t in enumerate(rs) if t == s and k not in used)
                used.add(k)
                order.append(k + 1)
            raise _Diverged(
                Finding(
                    "concatenation order",
                    at,
                    f"every branch matches, but yours concatenates them in the order {order} of the "
                    "reference's "
                    f"branches ({' | '.join(_branch_label(b) for b in r.branches)}).",
                    "the order of the tensors in torch.cat decides which channels hold which branch; the "
                    "next "
                    "layer's weights (and released checkpoints) expect the reference's order, so list the "
                    "branches in that order.",
                )
            )
        for k, (rb, yb) in enumerate(zip(r.branches, y.branches, strict=True)):
            self.seq(rb, yb, ctx + [f"branch {k + 1}"])

    # ---- attributes of matching layers

    def attr_finding(self, attr: str, r: _Op, y: _Op, ref: list, i: int, yours: list, j: int,
                     ctx: list[str], top: bool) -> Finding:  # fmt: skip
        at = self.where(ref, i, ctx, top) + _yours(y)
        rv, yv = r.attrs.get(attr), y.attrs.get(attr)
        layer = _describe_layer(y)
        grid = ""
        if r.shape and y.shape and r.shape != y.shape and len(r.shape) == 3:
            grid = (
                f" Its output is {_hw(y.shape[1:])} × {y.shape[0]}; "
                f"the reference's is {_hw(r.shape[1:])} × {r.shape[0]}."
            )
        if r.kind == "conv" and attr == "padding":
            kh, kw = r.attrs["kernel"]
            if r.attrs["stride"] == (1, 1):
                hint = (
                    f"a stride-1 {kh}×{kw} convolution keeps the grid size with padding ({kh // 2}, "
                    f"{kw // 2}): "
                    "(k-1)/2 on each side along each axis, so a 1×n is padded along its width only, "
                    "e.g. padding=(0, 3) for a 1×7 and (3, 0) for a 7×1."
                )
            else:
                hint = "the stride-2 convolutions of the released network are unpadded: 35 → 17 and 17 → 8."
            kind = "1×n / n×1 padding" if 1 in (kh, kw) and kh != kw else "padding"
            return Finding(
                kind, at, f"{layer} has padding {yv}; the reference's has padding {rv}.{grid}", hint
            )
        if r.kind == "conv" and attr == "bias":
            if yv:
                return Finding(
                    "conv bias before BatchNorm",
                    at,
                    (f"{layer} has a bias ({y.attrs['out']} extra parameters); the reference's has none."),
                    (
                        "the BatchNorm right after subtracts the mean and adds its own shift (beta), which "
                        "cancels "
                        "a conv bias: build the convolution with bias=False."
                    ),
                )
            return Finding("conv bias", at, f"{layer} has no bias; the reference's has one.")
        if r.kind == "conv" and attr == "stride":
            later = self._later_stride(ref, i, yours, j)
            layer = _describe_layer(y, stride=False)
            if yv != (1, 1) and rv == (1, 1):
                msg = f"{layer} has stride {yv[0]}; the reference keeps it at stride 1"
                msg += f" and halves the grid later, at {later}." if later else "."
                return Finding(
                    "stride on the wrong convolution" if later else "stride",
                    at,
                    msg + grid,
                    (
                        "in a grid reduction each branch works on the full grid and only its last 3×3 has "
                        "stride 2; "
                        "a stride on an earlier layer throws away three of every four positions before the "
                        "3×3 "
                        "convolutions have seen them."
                    ),
                )
            return Finding(
                "stride",
                at,
                f"{layer} has stride {yv[0]}; the reference's has stride {rv[0]}.{grid}",
                ("in a grid reduction the last 3×3 of each conv branch has stride 2 (and no padding)."),
            )
        if r.kind == "conv" and attr == "kernel":
            hint = ("the factorized branches alternate the order of their 1×n and n×1 factors; follow the "
                    "reference's order.") if sorted(rv) == sorted(yv) else ""  # fmt: skip
            return Finding(
                "kernel size",
                at,
                f"your layer here is a {_hw(yv)} convolution; the reference's is {_hw(rv)}.",
                hint,
            )
        if r.kind == "conv" and attr in ("in", "out"):
            return Finding(
                "channels",
                at,
                (
                    f"{layer} maps {y.attrs['in']} → {y.attrs['out']} channels; the reference maps "
                    f"{r.attrs['in']} → {r.attrs['out']}."
                ),
                "check which constructor argument sets this layer's width.",
            )
        if r.kind == "bn" and attr == "eps":
            return Finding(
                "BatchNorm eps",
                at,
                f"your BatchNorm has eps={yv:g}; the reference uses eps={rv:g}.",
                (
                    "PyTorch's default is 1e-5; Inception-v3 uses 0.001, the value Google's TensorFlow "
                    "checkpoints "
                    "were trained with: nn.BatchNorm2d(channels, eps=0.001)."
                ),
            )
        if r.kind == "bn":
            return Finding(
                "BatchNorm", at, f"your BatchNorm has {attr}={yv}; the reference's has {attr}={rv}."
            )
        if r.kind == "pool" and attr == "type":
            if rv == "average":
                hint = (
                    "the pool branch of the Figure 5, 6 and 7 modules averages: a 3×3 average pooling with "
                    "stride 1 and padding 1 (nn.AvgPool2d(3, stride=1, padding=1)) before its 1×1."
                )
            else:
                hint = "the grid reductions (and GoogLeNet's pool branch) use max pooling."
            return Finding(
                "average vs max pooling",
                at,
                f"{layer} is {yv} pooling; the reference's is {rv} pooling.",
                hint,
            )
        if r.kind == "pool" and attr == "count_include_pad":
            return Finding(
                "average pooling padding",
                at,
                (
                    f"your average pooling has count_include_pad={yv}; the reference's has "
                    f"count_include_pad={rv}."
                ),
                (
                    "PyTorch's average pooling counts the zero padding in the average by default, as "
                    "torchvision "
                    "does; TensorFlow leaves it out. Keep PyTorch's default to match the reference."
                ),
            )
        if r.kind == "pool":
            return Finding(
                f"pooling {attr.replace('_', ' ')}",
                at,
                f"{layer} has {attr}={yv}; the reference's has {attr}={rv}.{grid}",
                (
                    "the pool branch of an Inception module keeps the grid (3×3, stride 1, padding 1); the "
                    "pooling of "
                    "a grid reduction halves it (3×3, stride 2, no padding)."
                ),
            )
        if r.kind == "act":
            return Finding("activation", at, f"your activation here is {yv}; the reference uses {rv}.")
        if r.kind == "linear" and attr == "bias" and not rv:
            return Finding(
                "fully connected layer",
                at,
                f"{layer} has a bias; the reference's has none.",
                (
                    "with BN-auxiliary the fully connected layer is batch-normalised: nn.Linear(..., "
                    "bias=False) "
                    "followed by nn.BatchNorm1d(classes, eps=0.001), whose shift takes the bias's place."
                ),
            )
        if r.kind == "linear":
            return Finding(
                "fully connected layer", at, f"{layer} has {attr}={yv}; the reference's has {attr}={rv}."
            )
        return Finding(
            "different operation", at, f"your forward runs `{yv}` here; the reference runs `{rv}`."
        )

    @staticmethod
    def _later_stride(ref: list, i: int, yours: list, j: int) -> str:
        for r, y in zip(ref[i + 1 :], yours[j + 1 :], strict=False):
            if isinstance(r, _Op) and isinstance(y, _Op) and r.kind == y.kind == "conv":
                if r.attrs["stride"] != (1, 1) and y.attrs["stride"] == (1, 1):
                    return _describe_layer(r, stride=False)
        return ""

    # ---- layers present on one side only

    def gap(self, tag: str, ref: list, i1: int, i2: int, yours: list, j1: int, j2: int, ctx: list[str],
            top: bool) -> None:  # fmt: skip
        at = self.where(ref, i1, ctx, top)
        prev = yours[j1 - 1] if j1 > 0 else None
        after = (f"after {_describe_layer(prev)}" if isinstance(prev, _Op)
                 else "after the concatenation" if isinstance(prev, _Join) else "at the start")  # fmt: skip
        if tag == "delete":
            missing = ref[i1:i2]
            at += _yours(prev) if isinstance(prev, _Op) else ""
            first = missing[0]
            if (
                isinstance(first, _Op)
                and first.kind == "conv"
                and first.attrs["kernel"] == (1, 1)
                and (i1 + len(missing) < len(ref))
            ):
                nxt = ref[i1 + len(missing)]
                raise _Diverged(
                    Finding(
                        "missing 1×1 reduction",
                        self.where(ref, i1, ctx, top),
                        (
                            f"the reference starts with a 1×1 convolution that reduces {first.attrs['in']} → "
                            f"{first.attrs['out']} channels before the {_label(nxt)}; yours has no such "
                            "layer, so your "
                            f"{_label(nxt)} works on all {first.attrs['in']} input channels."
                        ),
                        (
                            "add a 1×1 conv-BN-ReLU before it: the cheap 1×1 reduction is what keeps the "
                            "larger "
                            "kernels of an Inception module affordable."
                        ),
                    )
                )
            kinds = [i.kind for i in missing if isinstance(i, _Op)]
            if kinds == ["act"]:
                nxt = ref[i2] if i2 < len(ref) else None
                between = isinstance(nxt, _Op) and nxt.kind == "conv"
                raise _Diverged(
                    Finding(
                        "ReLU missing between factors" if between else "ReLU missing",
                        at,
                        (f"the reference applies a ReLU {after}; yours does not."),
                        (
                            "the paper keeps a ReLU between the factors of a factorized convolution (sec. "
                            "3.1: it "
                            "trained better than a linear first factor); every conv-BN unit here ends in a "
                            "ReLU."
                        )
                        if between
                        else "every conv-BN unit of Inception-v3 ends in a ReLU.",
                    )
                )
            if kinds and kinds[0] == "bn":
                raise _Diverged(
                    Finding(
                        "BatchNorm missing",
                        at,
                        f"the reference applies BatchNorm {after}; yours does not.",
                        ("every convolution is followed by BatchNorm(eps=0.001) and a ReLU."),
                    )
                )
            if j1 == len(yours):
                raise _Diverged(
                    Finding(
                        "missing layers at the end",
                        at,
                        (
                            "yours stops here; the reference continues with "
                            f"{' → '.join(_label(i) for i in missing if not _minor(i))}."
                        ),
                    )
                )
            raise _Diverged(
                Finding(
                    "missing layer",
                    at,
                    (
                        "the reference has "
                        f"{' → '.join(_label(i) for i in missing if not _minor(i)) or _label(first)} here "
                        f"({after}); yours goes on with {_label(yours[j1])}."
                    ),
                )
            )
        if tag == "insert":
            extra = yours[j1:j2]
            at = self.where(yours, j1, ctx, top) + (_yours(extra[0]) if isinstance(extra[0], _Op) else "")
            labels = " → ".join(_label(i) for i in extra)
            hint = ""
            if [i.kind for i in extra if isinstance(i, _Op)] == ["act"]:
                hint = "the reference has no activation at this point."
            raise _Diverged(
                Finding(
                    "extra layer", at, f"yours has {labels} {after}; the reference has nothing there.", hint
                )
            )
        r0, y0 = ref[i1], yours[j1]
        if isinstance(r0, _Join) and isinstance(y0, _Op):
            kernels = [b[0].attrs.get("kernel") for b in r0.branches if b and isinstance(b[0], _Op)]
            split = len(r0.branches) == 2 and all(k and 1 in k for k in kernels)
            if split:
                raise _Diverged(
                    Finding(
                        "1×3 ‖ 3×1 outputs not concatenated",
                        at + _yours(y0),
                        (
                            f"the reference splits here into {_label(r0)}: both convolutions read the same "
                            "input and "
                            "their outputs are concatenated; yours continues with a single chain "
                            f"({_label(y0)} …)."
                        ),
                        (
                            "Figure 7's expanded filter bank: apply the 1×3 and the 3×1 to the same "
                            "tensor, then "
                            "torch.cat([a, b], dim=1). Stacking them would be Figure 6's factorization "
                            "instead."
                        ),
                    )
                )
            raise _Diverged(
                Finding(
                    "missing branches",
                    at + _yours(y0),
                    (
                        f"the reference splits here into parallel branches {_label(r0)} and concatenates "
                        "them; yours "
                        f"continues with {_describe_layer(y0)}."
                    ),
                )
            )
        if isinstance(y0, _Join) and isinstance(r0, _Op):
            raise _Diverged(
                Finding(
                    "extra branches",
                    at,
                    (f"yours splits into {_label(y0)} here; the reference has {_describe_layer(r0)}."),
                )
            )
        if isinstance(r0, _Op) and isinstance(y0, _Op) and r0.kind == y0.kind:
            attr = "kernel" if r0.kind == "conv" else "type" if r0.kind == "pool" else "name"
            raise _Diverged(self.attr_finding(attr, r0, y0, ref, i1, yours, j1, ctx, top))
        raise _Diverged(
            Finding(
                "different layer",
                at + (_yours(y0) if isinstance(y0, _Op) else ""),
                (f"the reference has {_label(r0)} here, yours has {_label(y0)}."),
            )
        )


def _signature_seq(seq: list) -> str:
    return ",".join(_signature(i) for i in seq)


def _branch_label(seq: list) -> str:
    return " → ".join(_label(i) for i in seq if not _minor(i)) or "identity"


# --------------------------------------------------------------------------------------------------------
# The result


@dataclass
class CheckResult:
    """What ``check`` found. ``passed`` is True when parameters, structure and outputs all match."""

    reference: str
    title: str
    reader: str
    status: str  # "passed", "failed", "not written"
    findings: list[Finding] = field(default_factory=list)
    facts: list[tuple[str, str, str]] = field(default_factory=list)  # (what, yours, reference)
    parts: list[tuple[str, str, str]] = field(default_factory=list)  # per branch/layer parameter counts
    parts_title: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def headline(self) -> str:
        if self.status == "passed":
            return "PASSED: matches the reference (parameters, shapes, outputs)."
        if self.status == "not written":
            return "NOT WRITTEN YET: this exercise still raises NotImplementedError."
        return "NOT YET: the first difference from the reference is below."

    def intro(self) -> str:
        return f"Checking your {self.reader} against {self.reference!r}: {self.title}"

    def fact_lines(self) -> list[str]:
        return [f"{w}: {y} (reference: {r})" for w, y, r in self.facts]

    def __repr__(self) -> str:
        lines = [self.intro(), self.headline()]
        for f in self.findings:
            lines += ["", f.text()]
        for n in self.notes:
            lines += ["", n]
        if self.facts:
            lines += [""] + [f"- {line}" for line in self.fact_lines()]
        if self.parts:
            lines += ["", f"{self.parts_title}: parameters (yours / reference)"]
            width = max(len(p) for p, _, _ in self.parts)
            lines += [f"  {p:<{width}}  {y:>11} / {r:>11}" for p, y, r in self.parts]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        colour = {"passed": "#1a7f37", "failed": "#b35806", "not written": "#57606a"}[self.status]
        out = [f'<div class="inception-check" style="border-left: 4px solid {colour}; padding: 0.2em 0.8em">',
               f"<p>{e(self.intro())}<br>"
               f'<strong style="color: {colour}">{e(self.headline())}</strong></p>']  # fmt: skip
        for f in self.findings:
            title = f"{f.what} — {f.where}" if f.where else f.what
            out.append(f"<p><strong>{e(title)}</strong>: {e(f.message)}")
            if f.hint:
                out.append(f"<br><em>Hint:</em> {e(f.hint)}")
            out.append("</p>")
        for n in self.notes:
            out.append(f"<p>{e(n)}</p>")
        if self.facts:
            out.append("<ul>" + "".join(f"<li>{e(line)}</li>" for line in self.fact_lines()) + "</ul>")
        if self.parts:
            out.append(f"<table><caption>{e(self.parts_title)}: parameters</caption><thead><tr><th></th>"
                       '<th style="text-align: right">yours</th><th style="text-align: right">reference</th>'
                       "</tr></thead><tbody>")  # fmt: skip
            out += [f'<tr><td>{e(p)}</td><td style="text-align: right">{e(y)}</td>'
                    f'<td style="text-align: right">{e(r)}</td></tr>' for p, y, r in self.parts]  # fmt: skip
            out.append("</tbody></table>")
        out.append("</div>")
        return "\n".join(out)


# --------------------------------------------------------------------------------------------------------
# check()


def _randomize(model: nn.Module, generator: torch.Generator) -> None:
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


def _calibrate_hooks(model: nn.Module, rec: _Recorder) -> list:
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
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats]  # fmt: skip


def _output_tensor(out: Any) -> torch.Tensor | None:
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, tuple | list) and out and isinstance(out[0], torch.Tensor):
        return out[0]
    return None


def _shape(t: torch.Tensor | None) -> str:
    return "—" if t is None else str(tuple(t.shape[1:]))


def _parts(ref: list, yours: list | None) -> tuple[str, list[tuple[str, str, str]]]:
    def units(seq: list) -> tuple[str, list[tuple[str, list]]]:
        if len(seq) == 1 and isinstance(seq[0], _Join):
            return "per branch", [
                (f"branch {k + 1}: {_branch_label(b)}", b) for k, b in enumerate(seq[0].branches)
            ]
        rows: list[tuple[str, list]] = []
        modules = 0
        for item in seq:
            if isinstance(item, _Join):
                modules += 1
                rows.append((f"module {modules}", [item]))
            elif _minor(item) and rows:
                rows[-1][1].append(item)
            else:
                rows.append((_label(item), [item]))
        return "per layer", [(f"{k + 1}. {name}", items) for k, (name, items) in enumerate(rows)]

    title, ref_rows = units(ref)
    your_title, your_rows = units(yours) if yours is not None else (title, [])
    if your_title != title:  # arranged differently: no row-by-row comparison
        your_rows = []
    rows = []
    for k in range(max(len(ref_rows), len(your_rows))):
        name = ref_rows[k][0] if k < len(ref_rows) else your_rows[k][0]
        r = f"{_count(ref_rows[k][1]):,}" if k < len(ref_rows) else "—"
        y = f"{_count(your_rows[k][1]):,}" if k < len(your_rows) else "—"
        if r == y == "0":
            continue
        rows.append((name, y, r))
    return title, rows


def _reader_name(reader: Any) -> str:
    if isinstance(reader, nn.Module):
        return type(reader).__name__
    return getattr(reader, "__qualname__", None) or getattr(reader, "__name__", None) or type(reader).__name__


def check(
    reader: nn.Module | Callable[..., nn.Module],
    reference: str,
    args: tuple[Any, ...] | None = None,
    input_shape: tuple[int, int, int] | None = None,
) -> CheckResult:
    """Compare the reader's layer or block with the library's reference ``reference`` (see ``REFERENCES``).

    Args:
        reader: a class or factory, called as ``reader(*args)`` with the reference's constructor arguments
            (e.g. ``MyInceptionC(768, 128)``), or an already built ``nn.Module``. The reader's object is
            never modified: the checker works on its own copy.
        reference: one of :func:`reference_names` (``"inception_c"``, ``"reduction_35to17"``, ...).
        args: constructor arguments for both, instead of the reference's defaults
            (``REFERENCES[name].args``), e.g. ``(768, 160)`` for InceptionC.
        input_shape: (C, H, W) of the random input instead of the reference input (e.g. a smaller image for
            the stem or the whole network).

    Returns a :class:`CheckResult`; in a notebook it shows itself as a short report.
    """
    if not isinstance(reference, str) or reference not in REFERENCES:
        raise ValueError(f"unknown reference {reference!r}; choose one of: {', '.join(REFERENCES)}")
    spec = REFERENCES[reference]
    if not (isinstance(reader, nn.Module) or callable(reader)):
        raise TypeError(
            f"reader must be an nn.Module or a class/function that builds one, got {type(reader).__name__} "
            f"({reader!r})"
        )
    args = spec.args if args is None else tuple(args)
    if len(args) != len(spec.arg_names):
        raise ValueError(
            f"args for {reference!r} are ({', '.join(spec.arg_names)}), got {len(args)} values: {args!r}"
        )
    shape = spec.input_shape(args) if input_shape is None else tuple(input_shape)
    if len(shape) != 3 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shape):
        raise ValueError(f"input_shape must be (C, H, W) of positive ints, got {input_shape!r}")
    name = _reader_name(reader)
    call = f"{name}({', '.join(repr(a) for a in args)})" if not isinstance(reader, nn.Module) else name

    # The reference: seeded weights, BatchNorm statistics from the batch, recorded.
    gen = torch.Generator().manual_seed(SEED)
    ref_model = spec.build(*args).double().eval()
    shown = spec.shown or f"{type(ref_model).__name__}({{call}})"
    title = f"{shown.format(call=spec.call(args))}, {spec.title}"
    result = CheckResult(reference, title, call, "failed")
    _randomize(ref_model, gen)
    x = torch.randn(BATCH, *shape, generator=gen, dtype=torch.float64)
    ref_rec, ref_out, ref_error = _record(ref_model, x, calibrate=True)
    if ref_error is not None:
        raise ValueError(f"the reference {reference!r} cannot take an input of shape {shape}: {ref_error}")
    ref_out = _output_tensor(ref_out)
    ref_params = sum(p.numel() for p in ref_model.parameters())
    ref_seq = _structure(ref_rec, ref_rec.producer[id(ref_out)])

    # The reader's module: built (or copied), then recorded.
    try:
        model = reader if isinstance(reader, nn.Module) else reader(*args)
    except NotImplementedError as exc:
        return _not_written(result, f"building {call}", exc, ref_params, ref_out, shape)
    except Exception as exc:
        result.findings.append(
            Finding(
                "building your module failed",
                "",
                f"{call} raised {_error_line(exc)}",
                (
                    f"the checker builds your class with the reference's arguments, in this order: "
                    f"({', '.join(spec.arg_names)}); make __init__ accept them."
                ),
            )
        )
        return result
    if not isinstance(model, nn.Module):
        raise TypeError(f"{call} returned {type(model).__name__}, expected an nn.Module")
    try:
        model = copy.deepcopy(model)
    except Exception:  # an uncopyable module is checked in place (its weights are overwritten)
        result.notes.append(
            "Your module could not be copied, so the reference's weights were copied into it."
        )
    your_params = sum(p.numel() for p in model.parameters())
    model = model.to(device="cpu", dtype=torch.float64).eval()  # the reference runs on the CPU in float64
    rec, out, error = _record(model, x.clone())  # a clone: an in-place first layer must not change x
    if isinstance(error, NotImplementedError):
        return _not_written(result, f"{call}.forward", error, ref_params, ref_out, shape)

    out_t = _output_tensor(out)
    root = rec.failed if error is not None else (rec.producer.get(id(out_t)) if out_t is not None else None)
    your_seq = _structure(rec, root) if root is not None else None
    your_shape = _shape(out_t) if error is None else "(forward failed)"
    result.facts = [
        ("parameters", f"{your_params:,}", f"{ref_params:,}"),
        (f"output shape for an input {shape}", your_shape, _shape(ref_out)),
    ]
    result.parts_title, result.parts = _parts(ref_seq, your_seq)

    comparer = _Comparer(partial=error is not None)
    finding = None
    if your_seq is not None and (error is None or root.kind == "cat"):
        try:
            comparer.seq(ref_seq, your_seq, [], top=True)
        except _Diverged as d:
            finding = d.finding
    if finding is not None:
        result.findings.append(finding)
        if error is not None:
            result.notes.append(f"(Your forward then stopped with {_error_line(error)})")
        return result
    if error is not None:
        result.findings.append(_failure_finding(error, rec.failed))
        return result
    if out_t is None:
        result.findings.append(
            Finding("output", "", f"your forward returned {type(out).__name__}, not a tensor.")
        )
        return result
    if root is None:
        result.findings.append(
            Finding(
                "output",
                "",
                "the tensor your forward returns is not computed from its input.",
                "return the result of the layers applied to x (for a module, the concatenation of its "
                "branches).",
            )
        )
        return result

    # Same structure: each layer used once, no unused parameters, then the same outputs with the same weights.
    used: dict[int, list[_Op]] = {}
    for _, y in comparer.pairs:
        for role in ("weight", "bias"):
            t = y.tensors.get(role)
            if t is not None:
                used.setdefault(id(t), []).append(y)
    for ops in used.values():
        if len(ops) > 1 and len({id(o) for o in ops}) > 1:
            result.findings.append(
                Finding(
                    "layer used twice",
                    f"your `{ops[0].where or 'forward'}`",
                    (
                        f"the same weights run at {len(ops)} places of your forward "
                        f"({_describe_layer(ops[0])}); the "
                        f"reference has a separate layer at each place."
                    ),
                    "create one layer object for each place.",
                )
            )
            return result
    if your_params != ref_params:
        unused = _unused(model, [y for _, y in comparer.pairs])
        ref_unused = _unused(ref_model, [r for r, _ in comparer.pairs])
        hints = []
        if unused:
            hints.append(f"your forward never uses: {_names(unused)}.")
        if ref_unused:
            n = sum(p.numel() for _, p in ref_unused)
            hints.append(
                f"The reference also holds {n:,} parameters that run only in training mode, such as "
                f"{_names(ref_unused)}; build those layers too."
            )
        result.findings.append(
            Finding(
                "parameter count",
                "",
                f"every layer of the forward pass matches, but your module has {your_params:,} parameters "
                f"and the reference {ref_params:,}.",
                " ".join(hints),
            )
        )
        return result
    with torch.no_grad():
        for r, y in comparer.pairs:
            for role, t in y.tensors.items():
                src = r.tensors.get(role)
                if src is not None and src.shape == t.shape:
                    t.copy_(src)
        try:
            again = _output_tensor(model(x.clone()))
        except Exception as exc:
            result.findings.append(_failure_finding(exc, None))
            return result
    scale = max(1.0, float(ref_out.abs().max()))
    if (
        again is None
        or again.shape != ref_out.shape
        or float((again - ref_out).abs().max()) > TOLERANCE * scale
    ):
        result.findings.append(
            Finding(
                "outputs differ",
                "",
                (
                    "every layer matches the reference, but with the reference's weights copied in, your "
                    "outputs "
                    f"differ from its outputs by more than {TOLERANCE_TEXT} (relative)."
                ),
                (
                    "the layers are right, so look at how tensors flow between them: a view/reshape or "
                    "slicing that "
                    "reorders channels, an operation applied twice, or a branch fed from the wrong tensor."
                ),
            )
        )
        return result
    result.status = "passed"
    result.notes.append(
        f"Structure: all {len(comparer.pairs)} layers match in forward order (kernels, strides, padding, "
        f"channels, biases, BatchNorm eps, activations, pooling, concatenation order). Outputs: with the "
        f"reference's weights copied in, yours equal the reference's within {TOLERANCE_TEXT} (relative, "
        "float64)."
    )
    return result


def _unused(model: nn.Module, ops: list[_Op]) -> list[tuple[str, nn.Parameter]]:
    used = {id(t) for op in ops for t in op.tensors.values()}
    return [(n, p) for n, p in model.named_parameters() if id(p) not in used]


def _names(params: list[tuple[str, nn.Parameter]]) -> str:
    modules = list(dict.fromkeys(n.rsplit(".", 1)[0] for n, _ in params))
    return ", ".join(f"`{m}`" for m in modules[:3]) + (" …" if len(modules) > 3 else "")


def _error_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


def _failure_finding(exc: BaseException, op: _Op | None) -> Finding:
    where = (op.where and f"your `{op.where}`") or "your forward" if op is not None else "your forward"
    hint = ""
    if op is not None and op.kind == "cat":
        shapes = ", ".join(_hw(i.shape[1:]) for i in op.inputs if i.shape and len(i.shape) == 3)
        hint = (
            f"the branches give grids of {shapes}: every branch must end on the same grid to be "
            "concatenated. Check each branch's stride and padding."
        )
    elif op is not None and op.kind in ("conv", "bn", "linear"):
        hint = (
            f"{_describe_layer(op)} received an input of shape {op.in_shape}: check the channel numbers "
            "of the layer before it."
        )
    return Finding("your forward raised an error", where, _error_line(exc), hint)


def _not_written(result: CheckResult, what: str, exc: BaseException, ref_params: int, ref_out: torch.Tensor,
                 shape: tuple) -> CheckResult:  # fmt: skip
    result.status = "not written"
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    result.notes = [
        f"{what} raised NotImplementedError" + (f" ({message})" if message else "") + ".",
        "Write your code in the exercise cell above, in place of its `raise NotImplementedError(...)` lines "
        "(in __init__ and in forward), run that cell, then run this check again. The reference's numbers "
        "below are what your module should match.",
    ]
    result.facts = [
        ("parameters", "—", f"{ref_params:,}"),
        (f"output shape for an input {shape}", "—", _shape(ref_out)),
    ]
    return result
