"""Measuring the representational bottleneck of the three ways to halve a grid (paper sec. 2 and 5).

Section 5 compares three ways to go from a d×d grid with k channels to a d/2×d/2 grid with more channels
(Figure 9 left and right, Figure 10). Principle 1 of sec. 2 says not to squeeze the representation too hard
on the way ("avoid representational bottlenecks"), and adds that its dimensionality is only a rough
estimate of the information it carries. This module makes both readings measurable:

* **cost**: parameters and multiply-accumulates of convolutions and linear layers (``measure_strategies``,
  and ``strategy_costs``, which counts on the meta device in milliseconds for chapter 3's explorer);
* **size**: how many numbers (C×H×W) the tensor holds after each step of a strategy
  (``representation_trace``, ``smallest_representation``);
* **recoverability**: how well the input can be rebuilt from a block's output by the best *linear*
  decoder, fitted in closed form by ridge regression (``linear_reconstruction_error``). 0 means the
  input is recovered exactly, 1 means the decoder does no better than predicting the average input.
  ``pca_reconstruction_error`` gives the reference: the best any linear code of a given size can do;
  ``linear_reconstructions`` returns the decoded inputs themselves, to look at.

The Figure 10 strategy is the paper's design as released (``Reduction35to17``, Mixed_6a, with its narrow
1×1 reduction), scaled to the setting with ``Reduction35to17.scaled``. ``parallel="even"`` swaps in
``ParallelReduction``, the same layout with the new channels split evenly and no narrow 1×1, as an example
of a parallel block that is not cheap.

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
from torch.utils.flop_counter import FlopCounterMode

from .anatomy import eval_mode
from .blocks import InceptionThenPool, ParallelReduction, PoolThenInception, Reduction35to17
from .counting import count_params, mac_report
from .layers import ConvBNReLU

__all__ = [
    "STRATEGY_NAMES",
    "EVEN_SPLIT_NAME",
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
    "linear_reconstructions",
    "StrategyMeasurement",
    "measure_strategies",
    "StrategyCost",
    "strategy_costs",
]

STRATEGY_NAMES = ("pool → Inception", "Inception → pool", "parallel (Figure 10)")
EVEN_SPLIT_NAME = "parallel, even split"
PARALLEL_KINDS = ("figure10", "even")
INPUT_KINDS = ("noise", "smooth")
DEFAULT_ALPHAS = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)


def _parallel_block(in_channels: int, out_channels: int, parallel: str) -> nn.Module:
    if parallel not in PARALLEL_KINDS:
        raise ValueError(f"parallel must be one of {PARALLEL_KINDS}, got {parallel!r}")
    if parallel == "even":
        return ParallelReduction(in_channels, out_channels)
    return Reduction35to17.scaled(in_channels, out_channels)


def _strategy_names(parallel: str) -> tuple[str, str, str]:
    if parallel not in PARALLEL_KINDS:
        raise ValueError(f"parallel must be one of {PARALLEL_KINDS}, got {parallel!r}")
    return (*STRATEGY_NAMES[:2], STRATEGY_NAMES[2] if parallel == "figure10" else EVEN_SPLIT_NAME)


def build_strategies(
    in_channels: int, out_channels: int, seed: int = 0, parallel: str = "figure10"
) -> dict[str, nn.Module]:
    """The three grid-reduction strategies of sec. 5, same in/out channels, in eval mode.

    Keys are ``STRATEGY_NAMES``: ``PoolThenInception`` (Figure 9 left), ``InceptionThenPool`` (Figure 9
    right) and the Figure 10 block: ``Reduction35to17.scaled`` (Mixed_6a's design, the default) or, with
    ``parallel="even"``, ``ParallelReduction`` (keyed ``EVEN_SPLIT_NAME``). Each is initialised from
    ``seed`` without touching the global random state.
    """
    names = _strategy_names(parallel)
    builders = (PoolThenInception, InceptionThenPool, lambda i, o: _parallel_block(i, o, parallel))
    blocks = {}
    with torch.random.fork_rng(devices=[]):
        for name, build in zip(names, builders, strict=True):
            torch.manual_seed(seed)
            blocks[name] = build(in_channels, out_channels).eval()
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
    if isinstance(block, ParallelReduction | Reduction35to17):
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
    with eval_mode(block), torch.no_grad():
        for name, step in reduction_steps(block):
            x = step(x)
            rows.append(RepresentationStep(name, tuple(x.shape[1:]), x[0].numel()))
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


def _fit_decoder(
    encode: Callable[[torch.Tensor], torch.Tensor],
    train: torch.Tensor,
    alphas: Sequence[float],
    validation_fraction: float,
) -> tuple[_Ridge, float, int]:
    """Fit the ridge decoder on the first part of ``train``; pick alpha on the rest."""
    if not 0.0 < validation_fraction < 1.0:
        raise ValueError(f"validation_fraction must be in (0, 1), got {validation_fraction!r}")
    if not alphas:
        raise ValueError("alphas must name at least one ridge strength")
    z_train, x_train = _encode(encode, train), _flat(train)
    n_fit = int(round(len(train) * (1.0 - validation_fraction)))
    if n_fit < 2 or n_fit >= len(train):
        raise ValueError(f"need enough training examples for a fit/validation split, got {len(train)}")
    ridge = _Ridge(z_train[:n_fit], x_train[:n_fit])
    errors = [
        _relative_error(x_train[n_fit:], ridge.predict(z_train[n_fit:], a), ridge.x_mean) for a in alphas
    ]
    best = alphas[min(range(len(alphas)), key=errors.__getitem__)]
    return ridge, float(best), z_train.shape[1]


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
    ridge, alpha, code_size = _fit_decoder(encode, train, alphas, validation_fraction)
    error = _relative_error(_flat(test), ridge.predict(_encode(encode, test), alpha), ridge.x_mean)
    return ReconstructionResult(error=error, alpha=alpha, code_size=code_size)


def linear_reconstructions(
    encode: Callable[[torch.Tensor], torch.Tensor],
    train: torch.Tensor,
    test: torch.Tensor,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    validation_fraction: float = 0.2,
) -> torch.Tensor:
    """The inputs as the decoder of ``linear_reconstruction_error`` rebuilds them: ``test``'s shape, float64.

    The same fit (same split, same choice of ridge strength), returning the decoded ``test`` inputs instead
    of their error, so a reader can *see* what a representation kept.
    """
    ridge, alpha, _ = _fit_decoder(encode, train, alphas, validation_fraction)
    return ridge.predict(_encode(encode, test), alpha).reshape(test.shape)


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
    parallel: str = "figure10",
) -> list[StrategyMeasurement]:
    """Parameters, MACs, representation trace and (if ``n_train`` > 0) reconstruction errors of the three
    strategies of ``build_strategies`` on a ``size``×``size`` grid.

    MACs are those of convolutions and linear layers (``mac_report(...).conv_linear``): fvcore's total
    would add BatchNorm, which it counts as two operations per value. Errors are measured after the steps
    of ``reduction_steps`` that do not enlarge the representation (for pool-first: right after the
    pooling, and after the module; for the others: the output). They use the same ``n_train``/``n_test``
    inputs of each kind for every strategy (``strategy_inputs``).
    """
    blocks = build_strategies(in_channels, out_channels, seed=seed, parallel=parallel)
    shape = (in_channels, size, size)
    rows = [
        StrategyMeasurement(
            name, count_params(b), mac_report(b, shape).conv_linear, representation_trace(b, shape)
        )
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


@dataclass(frozen=True)
class StrategyCost:
    """One strategy's parameters, conv + linear MACs and bottleneck at one setting (no measurement)."""

    name: str
    params: int
    macs: int
    smallest: int  # numbers per example at the narrowest point (``smallest_representation``)
    output_shape: tuple[int, ...]


def strategy_costs(
    in_channels: int, out_channels: int, size: int, parallel: str = "figure10"
) -> list[StrategyCost]:
    """Cost and bottleneck size of the three strategies, fast: built and run on PyTorch's meta device.

    Meta tensors carry shapes but no data, so nothing is initialised or computed; torch's
    ``FlopCounterMode`` counts 2 FLOPs per multiply-accumulate of every convolution and matrix product
    from the shapes alone. The MACs equal ``measure_strategies``' (conv + linear), which the tests check;
    chapter 3's explorer precomputes dozens of settings this way in well under a second.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 3:
        raise ValueError(f"size must be an integer grid side >= 3 (a 3×3/2 pool needs it), got {size!r}")
    with torch.device("meta"):
        blocks = {
            name: build(in_channels, out_channels).eval()
            for name, build in zip(
                _strategy_names(parallel),
                (PoolThenInception, InceptionThenPool, lambda i, o: _parallel_block(i, o, parallel)),
                strict=True,
            )
        }
    rows = []
    for name, block in blocks.items():
        x = torch.empty(1, in_channels, size, size, device="meta")
        sizes = [x.numel()]
        counter = FlopCounterMode(display=False)
        with counter, torch.no_grad():
            for _, step in reduction_steps(block):
                x = step(x)
                sizes.append(x.numel())
        rows.append(
            StrategyCost(
                name,
                count_params(block),
                int(counter.get_total_flops()) // 2,
                int(min(sizes[1:])),
                tuple(int(s) for s in x.shape[1:]),
            )
        )
    return rows
