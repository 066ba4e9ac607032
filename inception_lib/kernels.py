"""The linear algebra of factorized convolutions (paper sec. 3): what a factorization can and cannot express.

Section 3 of the paper replaces a large kernel by a chain of small ones:

* a 5×5 by two 3×3 and a 7×7 by three 3×3 (sec. 3.1, Figure 1): the same window, fewer weights;
* an n×n by a 1×n followed by an n×1 (sec. 3.2, Figure 3): n² weights become 2n.

Without a non-linearity between them, a chain of convolutions *is* one convolution whose kernel is the full
2-D convolution of the small kernels (``compose_kernels``). That kernel has a restricted form: a 1×3 followed
by a 3×1 gives only rank-1 ("separable") 3×3 kernels (``singular_values``, ``best_rank1``), and two 3×3 give a
17-dimensional family inside the 25-dimensional space of 5×5 kernels (``composition_rank``,
``fit_factor_kernels``). With the ReLU that the paper puts between the factors (sec. 3.1) the chain is no
longer a convolution at all (``collapse_linear_convs`` works only for the linear chain; ``fit_single_conv``
measures how far a module is from the best single convolution).

The costs of the three ways to build an n×n window (``build_factorized``, ``factorization_cost``), the
receptive field of any module (``receptive_field``, measured) and of a chain of layers (``window_trace``,
counted, strides included; ``conv_stack`` builds such chains) complete the chapter's toolbox.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from .layers import AsymmetricConv, ConvBNReLU, StackedConv3x3, check_channels, check_kernel_size

__all__ = [
    "receptive_field",
    "support_shape",
    "WindowStep",
    "window_trace",
    "conv_stack",
    "compose_kernels",
    "singular_values",
    "best_rank1",
    "Rank1",
    "fit_factor_kernels",
    "fit_two_3x3",
    "KernelFit",
    "composition_rank",
    "collapse_linear_convs",
    "pre_activation",
    "fit_single_conv",
    "kernel_size_counts",
    "FACTORIZATIONS",
    "build_factorized",
    "factorization_cost",
    "Cost",
]


# --------------------------------------------------------------------------------------------------------
# Receptive fields


def _replace_batchnorm(model: nn.Module) -> None:
    """Swap every BatchNorm for an identity, in place (so gradients count paths exactly)."""
    names = [name for name, m in model.named_modules() if isinstance(m, _BatchNorm)]
    for name in names:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, nn.Identity())


def receptive_field(module: nn.Module, in_channels: int, size: int = 11) -> np.ndarray:
    """Which input pixels the centre output pixel depends on, and through how many paths (sec. 3.1).

    Works on a deep copy of ``module``: every convolution and linear weight is set to 1, biases to 0,
    BatchNorm replaced by the identity, eval mode. The input is all ones, so every activation is positive and
    no ReLU is dead. The returned map is the gradient of output channel 0 at the centre pixel with respect to
    input channel 0, a ``size × size`` float array:

    * it is non-zero exactly on the module's window (5×5 for a 5×5 conv *and* for two stacked 3×3);
    * for a chain of convolutions with one channel each, every entry counts the paths from that input pixel to
      the output pixel (two 3×3: 1, 2, 3, 2, 1 along a row times the same along a column; centre 9).

    With more channels every path is counted once per intermediate channel. Average pooling contributes its
    1/k² factors, max pooling routes the gradient to one input of each window.

    Args:
        module: any module taking ``(1, in_channels, size, size)`` and returning a 4-D tensor.
        in_channels: the module's input channels.
        size: the input's height and width; make it larger than the window so the padding is never reached.
    """
    check_channels("in_channels", in_channels)
    check_channels("size", size)
    model = copy.deepcopy(module).double().eval()
    _replace_batchnorm(model)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d | nn.Linear):
                m.weight.fill_(1.0)
                if m.bias is not None:
                    m.bias.zero_()
    x = torch.ones(1, in_channels, size, size, dtype=torch.float64, requires_grad=True)
    y = model(x)
    if y.dim() != 4:
        raise ValueError(f"receptive_field needs a module with a 4-D output, got shape {tuple(y.shape)}")
    y[0, 0, y.shape[2] // 2, y.shape[3] // 2].backward()
    return x.grad[0, 0].numpy().copy()


def support_shape(field: np.ndarray, tol: float = 0.0) -> tuple[int, int]:
    """Height and width of the bounding box of the entries of ``field`` whose magnitude exceeds ``tol``.

    ``support_shape(receptive_field(StackedConv3x3(1, 1, 5), 1))`` is ``(5, 5)``: the window two 3×3 see.
    """
    rows, cols = np.nonzero(np.abs(np.asarray(field)) > tol)
    if rows.size == 0:
        return 0, 0
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


@dataclass(frozen=True)
class WindowStep:
    """One layer of a chain and the window its output sees on the chain's input (``window_trace``)."""

    name: str  # the layer's name in the module ("0", "layers.1.conv", "conv_1a_3x3.conv", ...)
    kernel: tuple[int, int]  # (height, width) of the convolution or pooling window
    stride: int
    window: tuple[int, int]  # (height, width) of the input window one output pixel of this layer sees
    jump: int  # input pixels between neighbouring output pixels of this layer (product of the strides)


def window_trace(module: nn.Module) -> list[WindowStep]:
    """The receptive-field size after every convolution and pooling layer of a chain, counted analytically.

    A layer with a k×k window and stride s, applied to a map whose neighbouring pixels lie ``jump`` input
    pixels apart, widens the window by ``(k − 1) · jump`` and multiplies ``jump`` by s. A stride-1 chain
    grows by k − 1 per layer (3 → 5 → 7 for stacked 3×3); after a stride-2 layer every later 3×3 adds 4
    pixels: the released Inception-v3 stem (3×3/2, 3×3, 3×3) sees 3 → 7 → 11 (paper sec. 6, Table 1).

    ``module`` must apply its ``nn.Conv2d`` and pooling layers one after another in registration order (a
    chain such as ``nn.Sequential``, ``StackedConv3x3`` or a network's stem), not in parallel branches;
    ``receptive_field`` measures any module and the unit tests check the two agree on chains.
    """
    steps: list[WindowStep] = []
    window, jump = (1, 1), 1
    for name, m in module.named_modules():
        if isinstance(m, nn.Conv2d):
            kernel = (int(m.kernel_size[0]), int(m.kernel_size[1]))
            dilation = (int(m.dilation[0]), int(m.dilation[1]))
            stride = (int(m.stride[0]), int(m.stride[1]))
        elif isinstance(m, nn.MaxPool2d | nn.AvgPool2d):
            size = m.kernel_size if isinstance(m.kernel_size, tuple) else (m.kernel_size, m.kernel_size)
            kernel = (int(size[0]), int(size[1]))
            raw = m.stride if m.stride is not None else m.kernel_size
            stride = raw if isinstance(raw, tuple) else (raw, raw)
            stride = (int(stride[0]), int(stride[1]))
            raw_dilation = getattr(m, "dilation", 1)
            dilation = raw_dilation if isinstance(raw_dilation, tuple) else (raw_dilation, raw_dilation)
        else:
            continue
        if stride[0] != stride[1]:
            raise ValueError(f"layer {name!r} has unequal strides {stride}: window_trace needs equal ones")
        window = (
            window[0] + (kernel[0] - 1) * dilation[0] * jump,
            window[1] + (kernel[1] - 1) * dilation[1] * jump,
        )
        jump *= stride[0]
        steps.append(WindowStep(name, kernel, stride[0], window, jump))
    if not steps:
        raise ValueError(f"{type(module).__name__} has no convolution or pooling layer: no window to trace")
    return steps


def conv_stack(kernel_size: int, depth: int, first_stride: int = 1, channels: int = 1) -> nn.Sequential:
    """``depth`` k×k conv units in a row, ``channels`` wide, padded by k // 2; the first has ``first_stride``.

    The stacks chapter 1 measures: ``conv_stack(3, 2)`` sees the 5×5 window of one 5×5 (sec. 3.1);
    ``conv_stack(3, 3, first_stride=2)`` is the shape of the released stem's first three convolutions
    (3×3/2, 3×3, 3×3), whose window is 11×11.
    """
    check_kernel_size("kernel_size", kernel_size)
    check_channels("depth", depth)
    if first_stride not in (1, 2):
        raise ValueError(f"first_stride must be 1 or 2, got {first_stride!r}")
    check_channels("channels", channels)
    strides = [first_stride] + [1] * (depth - 1)
    return nn.Sequential(
        *[ConvBNReLU(channels, channels, kernel_size, stride=s, padding=kernel_size // 2) for s in strides]
    )


# --------------------------------------------------------------------------------------------------------
# Composing kernels


def _as_kernel(kernel: object, name: str = "kernel") -> np.ndarray:
    array = np.asarray(kernel, dtype=np.float64)
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(f"{name} must be a non-empty 2-D array, got shape {array.shape}")
    return array


def _full_conv2d(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.zeros((a.shape[0] + b.shape[0] - 1, a.shape[1] + b.shape[1] - 1))
    for i in range(b.shape[0]):
        for j in range(b.shape[1]):
            out[i : i + a.shape[0], j : j + a.shape[1]] += b[i, j] * a
    return out


def compose_kernels(kernels: Sequence[object]) -> np.ndarray:
    """The single kernel of a chain of linear convolutions: the full 2-D convolution of the kernels.

    PyTorch's ``conv2d`` is a cross-correlation; applying kernel ``a`` then kernel ``b`` (no non-linearity in
    between) equals applying ``compose_kernels([a, b])`` once, which has shape
    ``(ha + hb - 1, wa + wb - 1)``: two 3×3 give a 5×5, three give a 7×7, a 1×3 and a 3×1 give a 3×3 (their
    outer product). Full convolution is commutative, so the order of the kernels does not matter.
    """
    if len(kernels) == 0:
        raise ValueError("compose_kernels needs at least one kernel")
    arrays = [_as_kernel(k, f"kernels[{i}]") for i, k in enumerate(kernels)]
    return reduce(_full_conv2d, arrays)


def singular_values(kernel: object) -> np.ndarray:
    """Singular values of a 2-D kernel, largest first.

    A k×k kernel factors exactly into a k×1 column times a 1×k row (a 1×k followed by a k×1 convolution,
    sec. 3.2) if and only if it has rank 1: exactly one non-zero singular value.
    """
    return np.linalg.svd(_as_kernel(kernel), compute_uv=False)


@dataclass(frozen=True)
class Rank1:
    """The best rank-1 approximation ``column ⊗ row`` of a kernel (Eckart-Young: the leading SVD term).

    ``column`` is the k×1 kernel, ``row`` the 1×k kernel, scaled so that the row's first entry of largest
    magnitude is +1 (a deterministic choice: the SVD fixes the factors only up to scale and sign).
    """

    column: np.ndarray
    row: np.ndarray
    approximation: np.ndarray
    relative_residual: float  # ‖kernel − approximation‖ / ‖kernel‖ (Frobenius)


def best_rank1(kernel: object) -> Rank1:
    """Best rank-1 (separable) approximation of a 2-D kernel: what a 1×k then k×1 pair can express.

    The relative residual is 0 for a separable kernel such as Sobel's and equals
    ``sqrt(s2² + s3² + ...) / ‖s‖`` for the singular values ``s`` in general.
    """
    k = _as_kernel(kernel)
    norm = float(np.linalg.norm(k))
    if norm == 0.0:
        raise ValueError("the zero kernel has no meaningful rank-1 factorization")
    u, s, vt = np.linalg.svd(k)
    column, row = u[:, 0] * s[0], vt[0].copy()
    magnitude = np.abs(row)
    pivot = row[int(np.flatnonzero(magnitude >= magnitude.max() * (1 - 1e-9))[0])]
    column, row = column * pivot, row / pivot
    column, row = column + 0.0, row + 0.0  # no negative zeros in printed factors
    approximation = np.outer(column, row) + 0.0
    residual = float(np.linalg.norm(k - approximation) / norm)
    return Rank1(column, row, approximation, residual)


@dataclass(frozen=True)
class KernelFit:
    """Small kernels fitted so that their composition approximates a target kernel."""

    kernels: list[np.ndarray]
    composed: np.ndarray
    relative_residual: float  # ‖target − composed‖ / ‖target‖ (Frobenius)


def _composition_matrix(kernels: list[np.ndarray], index: int) -> np.ndarray:
    """Matrix M with vec(compose(kernels)) = M @ vec(kernels[index]) (the composition is linear in each)."""
    shape = kernels[index].shape
    columns = []
    for j in range(int(np.prod(shape))):
        basis = np.zeros(shape)
        basis.flat[j] = 1.0
        trial = list(kernels)
        trial[index] = basis
        columns.append(compose_kernels(trial).ravel())
    return np.stack(columns, axis=1)


def fit_factor_kernels(
    target: object,
    shapes: Sequence[tuple[int, int]],
    seed: int = 0,
    restarts: int = 8,
    iterations: int = 300,
) -> KernelFit:
    """Least-squares fit of small kernels whose composition approximates ``target`` (sec. 3.1's question).

    Alternating least squares: the composition is linear in each kernel when the others are fixed, so each
    step solves one exact least-squares problem. ``restarts`` random starts (NumPy generator seeded with
    ``seed``) guard against poor local minima; the best fit is returned. Deterministic for a given seed.

    The shapes must compose to the target's shape, e.g. ``[(3, 3), (3, 3)]`` for a 5×5 target.
    """
    t = _as_kernel(target, "target")
    shapes = [tuple(int(v) for v in s) for s in shapes]
    if not shapes:
        raise ValueError("shapes must list at least one kernel shape")
    composed_shape = (
        sum(h for h, _ in shapes) - len(shapes) + 1,
        sum(w for _, w in shapes) - len(shapes) + 1,
    )
    if composed_shape != t.shape:
        raise ValueError(
            f"kernels of shapes {shapes} compose to {composed_shape}, but the target is {t.shape}"
        )
    norm = float(np.linalg.norm(t))
    if norm == 0.0:
        raise ValueError("the target kernel is zero")
    rng = np.random.default_rng(seed)
    best: KernelFit | None = None
    for _ in range(restarts):
        kernels = [rng.standard_normal(s) for s in shapes]
        previous = np.inf
        for _ in range(iterations):
            for index in range(len(kernels)):
                matrix = _composition_matrix(kernels, index)
                solution = np.linalg.lstsq(matrix, t.ravel(), rcond=None)[0]
                kernels[index] = solution.reshape(shapes[index])
            # Balance the scales (the composition is unchanged; keeps the factors well conditioned).
            norms = [float(np.linalg.norm(k)) for k in kernels]
            if all(n > 0 for n in norms):
                mean = float(np.exp(np.mean(np.log(norms))))
                kernels = [k * (mean / n) for k, n in zip(kernels, norms, strict=True)]
            current = float(np.linalg.norm(t - compose_kernels(kernels)))
            if previous - current <= 1e-13 * norm:  # converged (ALS never increases the residual)
                break
            previous = current
        composed = compose_kernels(kernels)
        fit = KernelFit(kernels, composed, float(np.linalg.norm(t - composed) / norm))
        if best is None or fit.relative_residual < best.relative_residual:
            best = fit
    assert best is not None
    return best


def fit_two_3x3(target: object, seed: int = 0, restarts: int = 8, iterations: int = 300) -> KernelFit:
    """Fit two linear 3×3 kernels whose composition best approximates a 5×5 ``target`` (sec. 3.1).

    A 5×5 kernel has 25 free weights; two 3×3 have 18, and scaling one up and the other down changes
    nothing, so they reach only a 17-dimensional family of 5×5 kernels. A random 5×5 is therefore fitted
    with a clearly non-zero relative residual, while a 5×5 built as such a composition is fitted to ~0.
    """
    return fit_factor_kernels(target, [(3, 3), (3, 3)], seed=seed, restarts=restarts, iterations=iterations)


def composition_rank(shapes: Sequence[tuple[int, int]], seed: int = 0) -> int:
    """Degrees of freedom of the kernels reachable by composing kernels of ``shapes`` (no ReLU between).

    The rank of the Jacobian of (k1, k2, ...) -> compose_kernels([k1, k2, ...]) at a random point (seeded):
    the dimension of the family of composed kernels near it. Two 3×3: 17 (18 weights minus one shared
    scale) of 25; three 3×3: 25 of 49; 1×3 and 3×1: 5 of 9.
    """
    rng = np.random.default_rng(seed)
    kernels = [rng.standard_normal(tuple(s)) for s in shapes]
    jacobian = np.concatenate([_composition_matrix(kernels, i) for i in range(len(kernels))], axis=1)
    return int(np.linalg.matrix_rank(jacobian))


# --------------------------------------------------------------------------------------------------------
# A chain of conv units as one convolution (only without ReLUs in between)


def _conv_units(module: nn.Module) -> list[ConvBNReLU]:
    if isinstance(module, ConvBNReLU):
        return [module]
    return [m for m in module.modules() if isinstance(m, ConvBNReLU)]


def _folded(unit: ConvBNReLU) -> tuple[torch.Tensor, torch.Tensor]:
    """The unit's convolution with its (eval-mode) BatchNorm folded in: weight (O, I, kh, kw), bias (O,)."""
    bn = unit.bn
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    weight = unit.conv.weight * scale[:, None, None, None]
    bias = bn.bias - bn.running_mean * scale
    return weight.detach().double(), bias.detach().double()


def collapse_linear_convs(module: nn.Module) -> nn.Conv2d:
    """One convolution (with bias) equal to a chain of conv units that has no ReLU between them.

    ``module`` is a ``ConvBNReLU`` chain applied in registration order (``StackedConv3x3`` or
    ``AsymmetricConv`` with ``relu_between=False``), stride 1. BatchNorm is folded in with its running
    statistics (eval mode). The kernel is, for every output/input channel pair, the sum over intermediate
    channels of the composed kernels (``compose_kernels``); the intermediate biases pass through the later
    kernels' sums. Then ``module(x)`` equals ``relu(conv(x))`` (the last unit keeps its ReLU) away from a
    border of ``kernel_size // 2`` pixels, where the chain's zero padding of intermediate maps differs.

    Raises ValueError if a ReLU sits between two units: then no single convolution exists (sec. 3.1).
    """
    units = _conv_units(module)
    if not units:
        raise ValueError("the module has no ConvBNReLU units to collapse")
    for i, unit in enumerate(units[:-1]):
        if not isinstance(unit.relu, nn.Identity):
            raise ValueError(
                f"unit {i} ({unit.conv.kernel_size[0]}×{unit.conv.kernel_size[1]} conv) is followed by a "
                "ReLU: the chain is not linear, so it is not a single convolution"
            )
    for unit in units:
        if unit.conv.stride != (1, 1) or unit.conv.groups != 1 or unit.conv.dilation != (1, 1):
            raise ValueError(
                "collapse_linear_convs handles stride-1, dilation-1, ungrouped convolutions only"
            )
    for previous, unit in zip(units, units[1:], strict=False):
        if previous.conv.out_channels != unit.conv.in_channels:
            raise ValueError("the units do not form a chain (channel counts do not match)")
    weight, bias = _folded(units[0])
    for unit in units[1:]:
        w2, b2 = _folded(unit)
        out_c, mid_c = w2.shape[:2]
        in_c = weight.shape[1]
        kh = weight.shape[2] + w2.shape[2] - 1
        kw = weight.shape[3] + w2.shape[3] - 1
        combined = torch.zeros(out_c, in_c, kh, kw, dtype=torch.float64)
        # full 2-D convolution over the kernel grid, summed over the intermediate channels
        for i in range(w2.shape[2]):
            for j in range(w2.shape[3]):
                combined[:, :, i : i + weight.shape[2], j : j + weight.shape[3]] += torch.einsum(
                    "om,mihw->oihw", w2[:, :, i, j], weight
                )
        bias = b2 + w2.sum(dim=(2, 3)) @ bias
        weight = combined
    kh, kw = weight.shape[2:]
    conv = nn.Conv2d(weight.shape[1], weight.shape[0], (kh, kw), padding=(kh // 2, kw // 2), bias=True)
    dtype = units[0].conv.weight.dtype
    with torch.no_grad():
        conv.weight.copy_(weight.to(dtype))
        conv.bias.copy_(bias.to(dtype))
    return conv


def pre_activation(module: nn.Module) -> nn.Module:
    """A deep copy of ``module`` whose last conv unit has no ReLU: the layer's output before its final ReLU.

    Comparing *this* with one convolution isolates the ReLUs *between* the factors, the question of sec. 3.1.
    """
    model = copy.deepcopy(module)
    units = _conv_units(model)
    if not units:
        raise ValueError("the module has no ConvBNReLU units")
    units[-1].relu = nn.Identity()
    return model


def fit_single_conv(inputs: torch.Tensor, outputs: torch.Tensor, kernel_size: int) -> float:
    """How far a map is from any single k×k convolution: relative residual of the least-squares fit.

    ``inputs`` and ``outputs`` are (N, 1, H, W) with the same grid ("same" padding). The best k×k kernel
    plus bias is fitted on the interior positions whose window lies inside the image (a border of k // 2 is
    left out, where padding would enter); returns ‖y − ŷ‖ / ‖y − mean(y)‖ there. ~0 means the map *is* a
    convolution (up to float error); a clearly positive value means no k×k convolution reproduces it.
    """
    check_kernel_size("kernel_size", kernel_size)
    if inputs.dim() != 4 or outputs.dim() != 4 or inputs.shape[1] != 1 or outputs.shape[1] != 1:
        raise ValueError("inputs and outputs must be (N, 1, H, W) tensors (one channel each)")
    if inputs.shape != outputs.shape:
        raise ValueError(f"inputs and outputs must share their shape, got {inputs.shape} and {outputs.shape}")
    p = kernel_size // 2
    x = inputs.detach().double()
    height, width = outputs.shape[2:]
    y = outputs.detach().double()[:, 0, p : height - p, p : width - p]
    patches = F.unfold(x, kernel_size)  # (N, k*k, L): every valid window
    design = patches.transpose(1, 2).reshape(-1, kernel_size * kernel_size)
    design = torch.cat([design, torch.ones(design.shape[0], 1, dtype=design.dtype)], dim=1)
    target = y.reshape(-1)
    if design.shape[0] < design.shape[1]:
        raise ValueError("not enough interior positions to fit the kernel: use larger or more inputs")
    solution = torch.linalg.lstsq(design, target[:, None]).solution
    residual = target - (design @ solution)[:, 0]
    spread = torch.linalg.norm(target - target.mean())
    if float(spread) == 0.0:
        raise ValueError("the outputs are constant: nothing to fit")
    return float(torch.linalg.norm(residual) / spread)


# --------------------------------------------------------------------------------------------------------
# Kernel shapes in a module


def kernel_size_counts(module: nn.Module) -> dict[str, int]:
    """How many convolutions of each kernel shape a module holds, e.g. {'1×1': 4, '5×5': 1, '3×3': 2}.

    Keys are 'h×w' in order of first appearance. Evidence for what a block really contains: the released
    InceptionA keeps one 5×5 although Figure 5 shows none.
    """
    counts: Counter[str] = Counter()
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            counts[f"{m.kernel_size[0]}×{m.kernel_size[1]}"] += 1
    return dict(counts)


# --------------------------------------------------------------------------------------------------------
# The three ways to see an n×n window, and their costs


FACTORIZATIONS: dict[str, str] = {
    "full": "one n×n",
    "stacked3x3": "(n−1)/2 stacked 3×3",
    "asymmetric": "1×n then n×1",
}


def build_factorized(
    kind: str, n: int, in_channels: int, out_channels: int, mid_channels: int | None = None
) -> nn.Module:
    """The layer that sees an n×n window, built from ``inception_lib.layers`` (stride 1, "same" padding).

    ``kind``: "full" (``ConvBNReLU`` n×n), "stacked3x3" (``StackedConv3x3``, sec. 3.1) or "asymmetric"
    (``AsymmetricConv``, sec. 3.2). ``mid_channels`` (default ``out_channels``) is the width between factors.
    """
    check_kernel_size("n", n, minimum=3)
    if kind == "full":
        return ConvBNReLU(in_channels, out_channels, n, padding="same")
    if kind == "stacked3x3":
        return StackedConv3x3(in_channels, out_channels, kernel_size=n, mid_channels=mid_channels)
    if kind == "asymmetric":
        return AsymmetricConv(in_channels, out_channels, n=n, mid_channels=mid_channels)
    raise ValueError(f"kind must be one of {sorted(FACTORIZATIONS)}, got {kind!r}")


@dataclass(frozen=True)
class Cost:
    """Closed-form cost of one layer: conv weights, all parameters (with BN's γ, β) and MACs at a grid."""

    kind: str
    layers: int
    conv_weights: int
    params: int
    macs: int


def factorization_cost(
    kind: str,
    n: int,
    in_channels: int,
    out_channels: int,
    grid: int,
    mid_channels: int | None = None,
) -> Cost:
    """Closed-form cost of ``build_factorized(kind, n, ...)`` on a ``grid × grid`` map (batch 1).

    Conv weights: Σ c_in·c_out·kh·kw over the convolutions; parameters add 2 per BatchNorm channel (γ, β);
    MACs are (conv weights + 2 × BatchNorm channels) × grid², as fvcore counts them (one multiply-add per
    weight per output pixel; two per BatchNorm output element, its scale and its shift). The unit tests
    check every formula against ``count_conv_weights``, ``count_params`` and ``count_macs`` on the built
    module, so the fast formula can drive an interactive explorer where a traced count of a large layer
    would be slow.
    """
    check_kernel_size("n", n, minimum=3)
    check_channels("in_channels", in_channels)
    check_channels("out_channels", out_channels)
    check_channels("grid", grid)
    mid = out_channels if mid_channels is None else check_channels("mid_channels", mid_channels)
    if kind == "full":
        layers, weights, bn = 1, in_channels * out_channels * n * n, out_channels
    elif kind == "stacked3x3":
        layers = (n - 1) // 2
        widths = [in_channels] + [mid] * (layers - 1) + [out_channels]
        weights = 9 * sum(a * b for a, b in zip(widths, widths[1:], strict=False))
        bn = sum(widths[1:])
    elif kind == "asymmetric":
        layers, weights, bn = 2, n * (in_channels * mid + mid * out_channels), mid + out_channels
    else:
        raise ValueError(f"kind must be one of {sorted(FACTORIZATIONS)}, got {kind!r}")
    return Cost(kind, layers, weights, weights + 2 * bn, (weights + 2 * bn) * grid * grid)
