"""The checks of section 3's claims (chapter 1): what factorizing a convolution saves, and what the
ReLU between the factors adds. Each recomputes its claim's number with the library."""

from __future__ import annotations

from .table import Finding, percent, register_check

__all__ = [
    "check_two_3x3_weights",
    "check_two_3x3_window",
    "check_relu_between",
    "check_asymmetric_3x3",
    "check_two_2x2",
    "check_asymmetric_grows_with_n",
]

# Chapter 1's bound: the best single convolution leaves at least this relative residual.
_RELU_RESIDUAL = 0.1


def _per_pair(full_kernel: int, factorized) -> tuple[int, int]:  # noqa: ANN001 (an nn.Module)
    from ..counting import count_conv_weights
    from ..layers import ConvBNReLU

    return count_conv_weights(ConvBNReLU(1, 1, full_kernel, padding="same")), count_conv_weights(factorized)


@register_check
def check_two_3x3_weights() -> Finding:
    """Sec. 3.1: two 3×3 instead of a 5×5 keep 18 of 25 weights per channel pair, a 28% saving."""
    from ..layers import StackedConv3x3

    full, fact = _per_pair(5, StackedConv3x3(1, 1, kernel_size=5))
    saving = 1 - fact / full
    return Finding(round(100 * saving) == 28, {"w5": str(full), "w33": str(fact), "s33": percent(saving)})


@register_check
def check_two_3x3_window() -> Finding:
    """Figure 1: two stacked 3×3 see exactly a 5×5 window (three see a 7×7), measured with gradients."""
    from ..kernels import receptive_field, support_shape
    from ..layers import StackedConv3x3

    two = support_shape(receptive_field(StackedConv3x3(1, 1, kernel_size=5), 1, 11))
    three = support_shape(receptive_field(StackedConv3x3(1, 1, kernel_size=7), 1, 11))
    return Finding(
        two == (5, 5) and three == (7, 7), {"win2": f"{two[0]}×{two[1]}", "win3": f"{three[0]}×{three[1]}"}
    )


@register_check
def check_relu_between() -> Finding:
    """Sec. 3.1: without a ReLU between them two 3×3 are one 5×5 convolution; with it, no single
    convolution up to 9×9 fits the layer (the bounds chapter 1 checks)."""
    import torch

    from ..kernels import fit_single_conv, pre_activation
    from ..layers import StackedConv3x3
    from ..notebook import seed_everything

    seed_everything(0)
    linear = StackedConv3x3(1, 1, kernel_size=5, relu_between=False).eval()
    with_relu = StackedConv3x3(1, 1, kernel_size=5, relu_between=True).eval()
    x = torch.randn(16, 1, 24, 24)
    with torch.no_grad():
        y_linear, y_relu = pre_activation(linear)(x), pre_activation(with_relu)(x)
    linear_fits = fit_single_conv(x, y_linear, 5) < 1e-4
    relu_misses = min(fit_single_conv(x, y_relu, k) for k in (5, 7, 9)) > _RELU_RESIDUAL
    return Finding(linear_fits and relu_misses, {"relu_bound": f"{_RELU_RESIDUAL:g}"})


@register_check
def check_asymmetric_3x3() -> Finding:
    """Sec. 3.2: a 3×1 then a 1×3 is 33% cheaper than a 3×3."""
    from ..layers import AsymmetricConv

    full, fact = _per_pair(3, AsymmetricConv(1, 1, n=3))
    saving = 1 - fact / full
    return Finding(round(100 * saving) == 33, {"w3": str(full), "w13": str(fact), "s13": percent(saving)})


@register_check
def check_two_2x2() -> Finding:
    """Sec. 3.2: two 2×2 instead of a 3×3 would save only 11%."""
    from torch import nn

    from ..counting import count_conv_weights

    full = count_conv_weights(nn.Conv2d(1, 1, 3, bias=False))
    fact = count_conv_weights(nn.Sequential(nn.Conv2d(1, 1, 2, bias=False), nn.Conv2d(1, 1, 2, bias=False)))
    saving = 1 - fact / full
    return Finding(round(100 * saving) == 11, {"w22": str(fact), "w3": str(full), "s22": percent(saving)})


@register_check
def check_asymmetric_grows_with_n() -> Finding:
    """Sec. 3.2: the saving of a 1×n then n×1 grows with n (2n weights against n²)."""
    from ..layers import AsymmetricConv

    ns = range(3, 17, 2)
    pairs = [_per_pair(n, AsymmetricConv(1, 1, n=n)) for n in ns]
    savings = [1 - fact / full for full, fact in pairs]
    exact = all(pair == (n * n, 2 * n) for n, pair in zip(ns, pairs, strict=True))
    rising = all(a < b for a, b in zip(savings, savings[1:], strict=False))
    full7, fact7 = pairs[list(ns).index(7)]
    values = {"w77": str(full7), "w17": str(fact7), "s17": percent(1 - fact7 / full7)}
    return Finding(exact and rising, values)
