"""Counting: parameters, and multiply-accumulates (MACs) through fvcore; the network block by block.

Vocabulary. One multiply-accumulate (MAC) is one multiplication and one addition. fvcore calls its unit
a "flop" but counts one fused multiply-add as one, so its numbers are MACs; torchvision publishes the same
quantity as "GFLOPS". A FLOP count in the strict sense is about 2 × MACs, which is what
``torch.utils.flop_counter.FlopCounterMode`` reports (we use it as an independent cross-check).

fvcore counts convolutions, linear layers, BatchNorm and adaptive average pooling. It counts max/avg
pooling, additions and softmax as 0 and says so with a warning; we silence those warnings (they would
leak into every notebook) and report the skipped operators instead.

Block by block (chapter 4, the paper's Table 1): ``shape_trace`` lists each top-level block of
Inception-v3 with its input and output shapes, parameters and MACs, ``block_macs`` the MACs of its
convolutions and linear layers, and ``receptive_fields`` how much of the image each block's output sees.
"""

from __future__ import annotations

import copy
import logging
import warnings
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from .anatomy import eval_mode, node_of, receptive_field, record_calls
from .blocks import AuxClassifier, InceptionA, InceptionC, InceptionE, Reduction17to8, Reduction35to17
from .layers import ConvBNReLU
from .network import MIN_INPUT_SIZE, InceptionV3

__all__ = [
    "count_params",
    "count_conv_weights",
    "count_macs",
    "count_macs_by_module",
    "mac_report",
    "MacReport",
    "count_flops_torch",
    "as_input_shape",
    "TraceRow",
    "shape_trace",
    "block_macs",
    "ReceptiveField",
    "receptive_fields",
]

# Messages raised while fvcore traces a module with torch.jit.trace; none says anything about the count.
_TRACE_NOISE = (
    r".*torch\.jit\.(trace|script|_get_trace_graph).* is deprecated",
    r"Converting a tensor to a Python (boolean|index|integer)",
    r".*TracerWarning.*",
)


def _check_module(module: object) -> None:
    if not isinstance(module, nn.Module):
        raise TypeError(f"expected a torch.nn.Module, got {type(module).__name__}")


def count_params(module: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (weights, biases, BatchNorm's gamma and beta; not its running statistics)."""
    _check_module(module)
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def count_conv_weights(module: nn.Module) -> int:
    """Number of convolution kernel weights in ``module`` (BatchNorm and biases left out).

    With one input and one output channel this is the paper's "weights per channel pair": 25 for a 5×5,
    18 for two 3×3.
    """
    _check_module(module)
    return sum(m.weight.numel() for m in module.modules() if isinstance(m, nn.Conv2d))


def _first_conv_channels(module: nn.Module) -> int:
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            return m.in_channels
        if isinstance(m, nn.Linear):
            return m.in_features
    raise ValueError("cannot infer the input channels of a module without a Conv2d; pass (C, H, W)")


def as_input_shape(module: nn.Module, input_size: int | tuple[int, ...]) -> tuple[int, int, int]:
    """Normalise ``input_size`` (S, (H, W) or (C, H, W)) to (C, H, W), inferring C from the first conv.

    A given C must match the module's first convolution (or linear layer).
    """
    _check_module(module)
    size = (input_size,) if isinstance(input_size, int | float | str) else tuple(input_size)
    if not 1 <= len(size) <= 3 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in size):
        raise ValueError(
            f"input_size must be a positive int S, (H, W) or (C, H, W) without the batch, got {input_size!r}"
        )
    if len(size) == 1:
        size = (size[0], size[0])
    if len(size) == 2:
        size = (_first_conv_channels(module), *size)
    else:
        try:
            expected = _first_conv_channels(module)
        except ValueError:
            expected = size[0]
        if size[0] != expected:
            raise ValueError(
                f"input_size {input_size!r} has {size[0]} channels, but the module's first layer takes "
                f"{expected}: pass ({expected}, H, W), or just (H, W)"
            )
    return size  # type: ignore[return-value]


@dataclass
class MacReport:
    """fvcore's count of one module at one input size (batch 1, eval mode)."""

    input_shape: tuple[int, int, int]
    total: int
    by_module: dict[str, int] = field(repr=False)  # "" is the whole module; "mixed_5b.branch1x1", ...
    by_operator: dict[str, int] = field(default_factory=dict)  # "conv", "batch_norm", "linear", ...
    skipped: dict[str, int] = field(default_factory=dict)  # operators counted as 0, with how often

    @property
    def conv_linear(self) -> int:
        """MACs of convolutions and fully connected layers only (torchvision's published figure)."""
        return sum(v for k, v in self.by_operator.items() if k in ("conv", "linear", "addmm", "matmul"))


def _example_input(module: nn.Module, shape: tuple[int, int, int]) -> torch.Tensor:
    """A batch of one zero input, checked by the module's own ``check_input`` when it has one.

    fvcore traces the module, and a traced forward skips such checks; running them first turns a deep
    "kernel size can't be greater than actual input size" into the module's plain message.
    """
    x = torch.zeros(1, *shape)
    check = getattr(module, "check_input", None)
    if callable(check):
        check(x)
    return x


def _fvcore_analysis_class():
    """fvcore's ``FlopCountAnalysis``, imported only when MACs are counted.

    ``import inception_lib`` must work where fvcore is missing (a GPU image, a bare environment): only
    the MAC counts need it. `import fvcore.nn` touches torch.jit.script, which torch >= 2.11 reports as
    deprecated; we silence that one message, not every warning.
    """
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.* is deprecated")
            from fvcore.nn import FlopCountAnalysis
    except ImportError as exc:
        raise ImportError(
            "counting MACs needs fvcore, which is not installed: `pip install fvcore` (parameters and "
            "count_flops_torch work without it)"
        ) from exc
    return FlopCountAnalysis


def mac_report(module: nn.Module, input_size: int | tuple[int, ...]) -> MacReport:
    """Count ``module``'s MACs with fvcore on one input of ``input_size`` (batch 1, eval mode)."""
    shape = as_input_shape(module, input_size)
    with eval_mode(module), warnings.catch_warnings():
        for message in _TRACE_NOISE:
            warnings.filterwarnings("ignore", message=message)
        analysis = _fvcore_analysis_class()(module, _example_input(module, shape))
        analysis.unsupported_ops_warnings(False)
        analysis.uncalled_modules_warnings(False)
        analysis.tracer_warnings("none")
        # fvcore also logs through `logging`; keep its logger quiet while it runs.
        logger = logging.getLogger("fvcore")
        level = logger.level
        logger.setLevel(logging.ERROR)
        try:
            total = int(analysis.total())
            by_module = {k: int(v) for k, v in analysis.by_module().items()}
            by_operator = {k: int(v) for k, v in analysis.by_operator().items()}
            skipped = dict(analysis.unsupported_ops())
        finally:
            logger.setLevel(level)
    return MacReport(shape, total, by_module, by_operator, {k: int(v) for k, v in skipped.items()})


def count_macs(module: nn.Module, input_size: int | tuple[int, ...]) -> int:
    """Multiply-accumulates of one forward pass (batch 1, eval mode), counted by fvcore.

    ``input_size``: S (square), (H, W) or (C, H, W). FLOPs ≈ 2 × MACs.
    """
    return mac_report(module, input_size).total


def count_macs_by_module(module: nn.Module, input_size: int | tuple[int, ...]) -> dict[str, int]:
    """MACs of every submodule by qualified name ("" is the whole module), from one fvcore count."""
    return mac_report(module, input_size).by_module


def count_flops_torch(module: nn.Module, input_size: int | tuple[int, ...]) -> int:
    """FLOPs (2 per multiply-accumulate) from torch's own FlopCounterMode, batch 1, eval mode.

    It counts convolutions and matrix products only, so it equals 2 × (fvcore's conv + linear MACs).
    """
    shape = as_input_shape(module, input_size)
    with eval_mode(module), torch.no_grad():
        counter = FlopCounterMode(display=False)
        with counter:
            module(_example_input(module, shape))
    return int(counter.get_total_flops())


# --- The network block by block (Table 1) ---------------------------------------------------------------


@dataclass(frozen=True)
class TraceRow:
    """One row of a shape trace: a block of the network and what it does to the tensor."""

    block: str
    layer: str  # e.g. "conv 3×3/2", "Figure 5 module"
    input_shape: tuple[int, ...]  # (C, H, W)
    output_shape: tuple[int, ...]
    params: int
    macs: int


_BLOCK_NAMES = {
    InceptionA: "Figure 5 module",
    InceptionC: "Figure 6 module (n=7)",
    InceptionE: "Figure 7 module",
    Reduction35to17: "grid reduction 35→17",
    Reduction17to8: "grid reduction 17→8",
    AuxClassifier: "auxiliary classifier",
    nn.Linear: "fc",
    nn.Dropout: "dropout",
}


def _describe(module: nn.Module) -> str:
    """A Table-1-style name for a block: 'conv 3×3/2', 'pool 3×3/2', 'Figure 5 module', ..."""
    if isinstance(module, ConvBNReLU):
        kh, kw = module.conv.kernel_size
        return f"conv {kh}×{kw}/{module.conv.stride[0]}" + (" padded" if module.conv.padding[0] else "")
    if isinstance(module, nn.MaxPool2d):
        return f"max pool {module.kernel_size}×{module.kernel_size}/{module.stride}"
    if isinstance(module, nn.AdaptiveAvgPool2d):
        return "global avg pool"
    return _BLOCK_NAMES.get(type(module), type(module).__name__)


def _check_network(model: object, input_size: object) -> None:
    if not isinstance(model, InceptionV3):
        raise ValueError(f"model must be an InceptionV3, got {type(model).__name__}")
    if isinstance(input_size, bool) or not isinstance(input_size, int) or input_size < MIN_INPUT_SIZE:
        raise ValueError(f"input_size must be an integer >= {MIN_INPUT_SIZE}, got {input_size!r}")


def _image(model: InceptionV3, input_size: int) -> torch.Tensor:
    return torch.zeros(1, model.in_channels, input_size, input_size)


def shape_trace(model: InceptionV3, input_size: int = 299) -> list[TraceRow]:
    """Run one eval-mode forward pass (batch 1) and return a row per block, as in the paper's Table 1.

    MACs per block come from one fvcore count of the whole network. The auxiliary head, which runs only
    in training, is traced separately on the last 17×17 output and listed after ``mixed_6e``.
    """
    calls = record_calls(model, _image(model, input_size))
    captured = {
        name: (tuple(calls[id(module)].input.shape[1:]), calls[id(module)].shape)
        for name, module in model.named_children()
        if id(module) in calls
    }
    macs = count_macs_by_module(model, (model.in_channels, input_size, input_size))
    if model.aux is not None:
        aux_in = captured["mixed_6e"][1]
        with eval_mode(model.aux), torch.no_grad():
            aux_out = tuple(model.aux(torch.zeros(1, *aux_in)).shape[1:])
        captured["aux"] = (aux_in, aux_out)
        macs["aux"] = count_macs_by_module(model.aux, aux_in)[""]
    order = [n for n, _ in model.named_children() if n in captured]
    return [
        TraceRow(
            block=name,
            layer=_describe(getattr(model, name)),
            input_shape=captured[name][0],
            output_shape=captured[name][1],
            params=count_params(getattr(model, name)),
            macs=int(macs.get(name, 0)),
        )
        for name in order
    ]


def block_macs(model: InceptionV3, input_size: int = 299) -> dict[str, int]:
    """Multiply-accumulates of convolutions and linear layers in each top-level block, by block name.

    The quantity torchvision publishes (and ``mac_report(...).conv_linear`` for the whole network);
    fvcore's per-block totals in ``shape_trace`` also count BatchNorm, as two operations per value. Counted
    by torch's ``FlopCounterMode`` (2 FLOPs per MAC) on a copy of the model on the meta device, which
    tracks shapes without computing, in training mode so that the auxiliary head is counted too (under
    "aux"; its MACs are spent only in training). Per image; blocks without convolutions count 0.
    """
    _check_network(model, input_size)
    meta = copy.deepcopy(model).to("meta").train()
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        # batch 2: training-mode BatchNorm needs more than one value per channel after the aux pooling
        meta(torch.empty(2, model.in_channels, input_size, input_size, device="meta"))
    counts = counter.get_flop_counts()
    root = type(model).__name__
    return {
        name: int(sum(counts.get(f"{root}.{name}", {}).values())) // 4  # 2 FLOPs per MAC, 2 images
        for name, module in model.named_children()
        if module is not None
    }


@dataclass(frozen=True)
class ReceptiveField:
    """The receptive field of one top-level block's output on the network's input.

    ``size`` is the (height, width) in input pixels that one output position depends on, from the kernel
    sizes, strides and dilations on the deepest path through the block (padding only moves the window);
    ``None`` after global pooling, where every output depends on the whole image. ``jump`` is the distance
    in input pixels between neighbouring output positions (the product of the strides so far).
    """

    block: str
    layer: str
    output_shape: tuple[int, ...]  # (C, H, W) or (C,)
    size: tuple[int, int] | None
    jump: tuple[int, int]


def receptive_fields(model: InceptionV3, input_size: int = 299) -> list[ReceptiveField]:
    """The receptive field and output shape of every top-level block on the main path, in order.

    Computed from the modules themselves: one eval-mode forward pass (batch 1) records which child feeds
    which (``anatomy.module_tree``'s reading), then the field grows through each sliding window by
    (kernel - 1) × dilation × jump and the jump by the stride; parallel branches take the largest field
    (``anatomy.receptive_field``). The stem gives 3, 7, 11 pixels (chapter 1's stacked 3×3 after a
    stride-2 first layer). Rows after global pooling have ``size=None``. The auxiliary head, which runs
    only in training, is left out.
    """
    _check_network(model, input_size)
    calls = record_calls(model, _image(model, input_size))
    field = (1, 1, 1, 1)
    rows = []
    for name, block in model.named_children():
        if name == "aux" or id(block) not in calls:
            continue
        field = receptive_field(node_of(block, calls), field)
        rows.append(
            ReceptiveField(
                block=name,
                layer=_describe(block),
                output_shape=calls[id(block)].shape,
                size=None if field is None else (field[0], field[1]),
                jump=(0, 0) if field is None else (field[2], field[3]),
            )
        )
    return rows
