"""Counting: parameters, and multiply-accumulates (MACs) through fvcore.

Vocabulary. One multiply-accumulate (MAC) is one multiplication and one addition. fvcore calls its unit
a "flop" but counts one fused multiply-add as one, so its numbers are MACs; torchvision publishes the same
quantity as "GFLOPS". A FLOP count in the strict sense is about 2 × MACs, which is what
``torch.utils.flop_counter.FlopCounterMode`` reports (we use it as an independent cross-check).

fvcore counts convolutions, linear layers, BatchNorm and adaptive average pooling. It counts max/avg
pooling, additions and softmax as 0 and says so with a warning; we silence those warnings (they would
leak into every notebook) and report the skipped operators instead.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

__all__ = [
    "count_params",
    "count_conv_weights",
    "count_macs",
    "count_macs_by_module",
    "mac_report",
    "MacReport",
    "count_flops_torch",
    "as_input_shape",
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


@contextmanager
def _eval_mode(module: nn.Module) -> Iterator[nn.Module]:
    was_training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was_training)


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
    with _eval_mode(module), warnings.catch_warnings():
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
    with _eval_mode(module), torch.no_grad():
        counter = FlopCounterMode(display=False)
        with counter:
            module(_example_input(module, shape))
    return int(counter.get_total_flops())
