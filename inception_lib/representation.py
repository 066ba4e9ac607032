"""Measuring the representational bottleneck of the three ways to halve a grid (paper sec. 2 and 5).

Section 5 compares three ways to go from a d×d grid with k channels to a d/2×d/2 grid with more channels
(Figure 9 left and right, Figure 10). Principle 1 of sec. 2 says not to squeeze the representation too hard
on the way ("avoid representational bottlenecks"), and adds that its dimensionality is only a rough
estimate of the information it carries. This module makes both readings measurable:

* **size**: how many numbers (C×H×W) the tensor holds after each step of a strategy
  (``representation_trace``, ``smallest_representation``);
* **recoverability**: how well the input can be rebuilt from a block's output by the best *linear*
  decoder, fitted in closed form by ridge regression (``linear_reconstruction_error``). 0 means the
  input is recovered exactly, 1 means the decoder does no better than predicting the average input.
  ``pca_reconstruction_error`` gives the reference: the best any linear code of a given size can do.

Limits, stated where the numbers are used: the blocks have random weights (nothing was trained to keep
information), the decoder is linear (a nonlinear one could recover more), and the inputs are synthetic
(white noise, or noise blurred to give neighbouring pixels the correlation of natural images).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import InceptionThenPool, ParallelReduction, PoolThenInception
from .counting import count_macs, count_params
from .layers import ConvBNReLU

__all__ = [
    "STRATEGY_NAMES",
    "INPUT_KINDS",
    "build_strategies",
    "plain_conv_strategies",
    "RepresentationStep",
    "reduction_steps",
    "representation_trace",
    "smallest_representation",
    "make_inputs",
    "strategy_inputs",
    "ReconstructionResult",
    "linear_reconstruction_error",
    "pca_reconstruction_error",
    "StrategyMeasurement",
    "measure_strategies",
]

STRATEGY_NAMES = ("pool → Inception", "Inception → pool", "parallel (Figure 10)")
INPUT_KINDS = ("noise", "smooth")
DEFAULT_ALPHAS = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)


def build_strategies(in_channels: int, out_channels: int, seed: int = 0) -> dict[str, nn.Module]:
    """The three grid-reduction strategies of sec. 5, same in/out channels, in eval mode.

    Keys are ``STRATEGY_NAMES``: ``PoolThenInception`` (Figure 9 left), ``InceptionThenPool`` (Figure 9
    right) and ``ParallelReduction`` (Figure 10). Each is initialised from ``seed`` without touching the
    global random state.
    """
    classes = (PoolThenInception, InceptionThenPool, ParallelReduction)
    blocks = {}
    with torch.random.fork_rng(devices=[]):
        for name, cls in zip(STRATEGY_NAMES, classes, strict=True):
            torch.manual_seed(seed)
            blocks[name] = cls(in_channels, out_channels).eval()
    return blocks


def plain_conv_strategies(in_channels: int, out_channels: int, kernel_size: int = 3) -> dict[str, nn.Module]:
    """Section 5's arithmetic with single convolutions instead of Inception modules.

    k = ``in_channels`` channels on a d×d grid to ``out_channels`` (2k in the paper) on d/2×d/2:

    * pool → conv: max-pool 3×3/2, then a stride-1 conv k -> 2k on the small grid (the paper's
      2(d/2)²k², Figure 9 left);
    * conv → pool: a stride-1 conv k -> 2k on the full grid, then pool (2d²k², Figure 9 right);
    * parallel: a stride-2 conv k -> (2k - k) beside a stride-2 max-pool that passes the k channels
      (Figure 10).
    """
    if out_channels <= in_channels:
        raise ValueError(
            f"out_channels must exceed in_channels (the grid halves while the filter bank grows); "
            f"got in_channels={in_channels}, out_channels={out_channels}"
        )
    pad = kernel_size // 2
    return {
        "pool → conv": nn.Sequential(
            nn.MaxPool2d(3, stride=2, padding=1),
            ConvBNReLU(in_channels, out_channels, kernel_size, padding=pad),
        ).eval(),
        "conv → pool": nn.Sequential(
            ConvBNReLU(in_channels, out_channels, kernel_size, padding=pad),
            nn.MaxPool2d(3, stride=2, padding=1),
        ).eval(),
        "parallel": _ConvBesidePool(in_channels, out_channels, kernel_size).eval(),
    }


class _ConvBesidePool(nn.Module):
    """A stride-2 convolution (to ``out_channels - in_channels``) beside a stride-2 max-pool, concatenated."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int) -> None:
        super().__init__()
        pad = kernel_size // 2
        self.conv = ConvBNReLU(in_channels, out_channels - in_channels, kernel_size, stride=2, padding=pad)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.conv(x), self.pool(x)], dim=1)


@dataclass(frozen=True)
class RepresentationStep:
    """The tensor after one step of a block: its name, shape (C, H, W) and size (numbers it holds)."""

    name: str
    shape: tuple[int, ...]
    size: int


def reduction_steps(block: nn.Module) -> list[tuple[str, nn.Module]]:
    """The steps of a grid-reduction strategy in the order its forward pass runs them.

    Pool-first and Inception-first are two steps each; the parallel block (and any other module) is one
    step, since its branches run side by side and only their concatenation leaves the block.
    """
    if isinstance(block, PoolThenInception):
        return [("max pool 3×3/2", block.pool), ("Inception module", block.inception)]
    if isinstance(block, InceptionThenPool):
        return [("Inception module", block.inception), ("max pool 3×3/2", block.pool)]
    if isinstance(block, ParallelReduction):
        return [("stride-2 convs ‖ stride-2 pool", block)]
    if isinstance(block, nn.Sequential):
        return [(type(m).__name__, m) for m in block]
    return [(type(block).__name__, block)]


def representation_trace(block: nn.Module, input_shape: Sequence[int]) -> list[RepresentationStep]:
    """Shape and size of the representation at the input and after each step (batch 1, eval mode).

    ``input_shape`` is (C, H, W). The first row is the input itself.
    """
    shape = tuple(int(s) for s in input_shape)
    if len(shape) != 3:
        raise ValueError(f"input_shape must be (C, H, W), got {tuple(input_shape)!r}")
    x = torch.zeros(1, *shape)
    rows = [RepresentationStep("input", shape, x.numel())]
    was_training = block.training
    block.eval()
    try:
        with torch.no_grad():
            for name, step in reduction_steps(block):
                x = step(x)
                rows.append(RepresentationStep(name, tuple(x.shape[1:]), x[0].numel()))
    finally:
        block.train(was_training)
    return rows


def smallest_representation(trace: Sequence[RepresentationStep]) -> int:
    """The fewest numbers the signal passes through after the input: the size of the bottleneck."""
    if len(trace) < 2:
        raise ValueError("the trace needs the input and at least one step")
    return min(step.size for step in trace[1:])


def make_inputs(n: int, shape: Sequence[int], kind: str = "noise", seed: int = 0) -> torch.Tensor:
    """``n`` synthetic inputs of ``shape`` (C, H, W), unit variance, from a private generator.

    ``kind="noise"``: independent Gaussian values, the hardest input to compress (no structure at all).
    ``kind="smooth"``: Gaussian noise blurred by a 5×5 binomial filter in each channel, so neighbouring
    pixels are strongly correlated as in natural images (channels stay independent).
    """
    if kind not in INPUT_KINDS:
        raise ValueError(f"kind must be one of {INPUT_KINDS}, got {kind!r}")
    c, h, w = (int(s) for s in shape)
    g = torch.Generator().manual_seed(seed)
    if kind == "noise":
        return torch.randn(n, c, h, w, generator=g)
    taps = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])
    kernel = torch.outer(taps, taps)
    kernel = (kernel / kernel.sum()).expand(c, 1, 5, 5)
    x = F.conv2d(torch.randn(n, c, h + 4, w + 4, generator=g), kernel, groups=c)
    return x / x.std()


def strategy_inputs(
    shape: Sequence[int], kind: str, n_train: int, n_test: int, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """The training and test inputs ``measure_strategies`` uses for ``kind`` with the same ``seed``."""
    if kind not in INPUT_KINDS:
        raise ValueError(f"kind must be one of {INPUT_KINDS}, got {kind!r}")
    k = INPUT_KINDS.index(kind)
    train = make_inputs(n_train, shape, kind, seed=seed + 1 + 2 * k)
    test = make_inputs(n_test, shape, kind, seed=seed + 2 + 2 * k)
    return train, test


@dataclass(frozen=True)
class ReconstructionResult:
    """How well a linear decoder rebuilt the held-out inputs from a code."""

    error: float  # ||x - x̂||² / ||x - mean||² on the test inputs: 0 exact, 1 no better than the mean
    alpha: float  # the ridge strength chosen on the validation split
    code_size: int  # numbers per example the decoder read


def _flat(t: torch.Tensor) -> torch.Tensor:
    return t.reshape(t.shape[0], -1).double()


def _encode(
    encode: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, batch: int = 2048
) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([_flat(encode(x[i : i + batch])) for i in range(0, len(x), batch)])


class _Ridge:
    """Ridge regression from centred codes to targets, solved once by an eigendecomposition so that every
    ridge strength costs only a matrix product.

    The codes are scaled by one global factor, not feature by feature: a ReLU unit that is almost never
    active would otherwise be blown up and make the decoder unstable on new inputs.
    """

    def __init__(self, z: torch.Tensor, x: torch.Tensor) -> None:
        self.z_mean, self.x_mean = z.mean(0), x.mean(0)
        self.z_std = (z - self.z_mean).std().clamp_min(1e-12)
        a = (z - self.z_mean) / self.z_std
        self.eigvals, self.eigvecs = torch.linalg.eigh(a.T @ a)
        self.rotated = self.eigvecs.T @ (a.T @ (x - self.x_mean))
        self.scale = self.eigvals.mean().clamp_min(1e-12)  # alpha is relative to the average eigenvalue

    def predict(self, z: torch.Tensor, alpha: float) -> torch.Tensor:
        weights = self.eigvecs @ (self.rotated / (self.eigvals + alpha * self.scale)[:, None])
        return ((z - self.z_mean) / self.z_std) @ weights + self.x_mean


def _relative_error(x: torch.Tensor, prediction: torch.Tensor, mean: torch.Tensor) -> float:
    return float(((x - prediction) ** 2).sum() / ((x - mean) ** 2).sum())


def linear_reconstruction_error(
    encode: Callable[[torch.Tensor], torch.Tensor],
    train: torch.Tensor,
    test: torch.Tensor,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    validation_fraction: float = 0.2,
) -> ReconstructionResult:
    """Fit the best linear decoder from ``encode(x)`` back to ``x`` and measure it on ``test``.

    Ridge regression in closed form (float64, ``torch.linalg``), fitted on the first
    ``1 - validation_fraction`` of ``train``; the ridge strength is the one of ``alphas`` that does best on
    the rest of ``train``. Use several times more training examples than code numbers, or the decoder
    memorises instead of decoding.
    """
    if not 0.0 < validation_fraction < 1.0:
        raise ValueError(f"validation_fraction must be in (0, 1), got {validation_fraction!r}")
    if not alphas:
        raise ValueError("alphas must name at least one ridge strength")
    z_train, z_test = _encode(encode, train), _encode(encode, test)
    x_train, x_test = _flat(train), _flat(test)
    n_fit = int(round(len(train) * (1.0 - validation_fraction)))
    if n_fit < 2 or n_fit >= len(train):
        raise ValueError(f"need enough training examples for a fit/validation split, got {len(train)}")
    ridge = _Ridge(z_train[:n_fit], x_train[:n_fit])
    errors = [
        _relative_error(x_train[n_fit:], ridge.predict(z_train[n_fit:], a), ridge.x_mean) for a in alphas
    ]
    best = alphas[min(range(len(alphas)), key=errors.__getitem__)]
    error = _relative_error(x_test, ridge.predict(z_test, best), ridge.x_mean)
    return ReconstructionResult(error=error, alpha=float(best), code_size=z_train.shape[1])


def pca_reconstruction_error(train: torch.Tensor, test: torch.Tensor, code_size: int) -> float:
    """The best a linear code of ``code_size`` numbers can do: keep the top principal components.

    The components come from ``train``; the error is measured on ``test`` as in
    ``linear_reconstruction_error``. A reference point, not a network.
    """
    x_train, x_test = _flat(train), _flat(test)
    if not 1 <= code_size <= x_train.shape[1]:
        raise ValueError(f"code_size must be between 1 and {x_train.shape[1]}, got {code_size}")
    mean = x_train.mean(0)
    _, eigvecs = torch.linalg.eigh((x_train - mean).T @ (x_train - mean))
    top = eigvecs[:, -code_size:]
    centred = x_test - mean
    return _relative_error(x_test, centred @ top @ top.T + mean, mean)


@dataclass
class StrategyMeasurement:
    """One grid-reduction strategy at one setting: its cost, its sizes, its reconstruction errors."""

    name: str
    params: int
    macs: int
    trace: list[RepresentationStep]
    # input kind -> {step name: linear reconstruction error from the tensor after that step}; only steps
    # whose output is no larger than the input are measured (a larger tensor is no bottleneck). The last
    # step, the block's output, is always measured.
    step_errors: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def errors(self) -> dict[str, float]:
        """Input kind -> reconstruction error from the block's output."""
        return {kind: errs[self.trace[-1].name] for kind, errs in self.step_errors.items()}

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.trace[-1].shape

    @property
    def smallest(self) -> int:
        return smallest_representation(self.trace)


def measure_strategies(
    in_channels: int,
    out_channels: int,
    size: int,
    n_train: int = 0,
    n_test: int = 0,
    kinds: Sequence[str] = INPUT_KINDS,
    seed: int = 0,
) -> list[StrategyMeasurement]:
    """Parameters, MACs, representation trace and (if ``n_train`` > 0) reconstruction errors of the three
    strategies of ``build_strategies`` on a ``size``×``size`` grid.

    Errors are measured after the steps of ``reduction_steps`` that do not enlarge the representation
    (for pool-first: right after the pooling, and after the module; for the others: the output). They
    use the same ``n_train``/``n_test`` inputs of each kind for every strategy (``strategy_inputs``).
    """
    blocks = build_strategies(in_channels, out_channels, seed=seed)
    shape = (in_channels, size, size)
    rows = [
        StrategyMeasurement(name, count_params(b), count_macs(b, shape), representation_trace(b, shape))
        for name, b in blocks.items()
    ]
    if n_train > 0:
        for kind in kinds:
            train, test = strategy_inputs(shape, kind, n_train, n_test, seed)
            for row in rows:
                steps = reduction_steps(blocks[row.name])
                row.step_errors[kind] = {
                    name: linear_reconstruction_error(
                        nn.Sequential(*(step for _, step in steps[: i + 1])), train, test
                    ).error
                    for i, (name, _) in enumerate(steps)
                    if i == len(steps) - 1 or row.trace[i + 1].size <= row.trace[0].size
                }
    return rows
