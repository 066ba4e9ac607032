"""Layers: the conv-BN-ReLU unit and the factorized convolutions of the paper's section 3.

Every convolution in Inception-v3 is the same unit: a bias-free convolution, BatchNorm with eps=0.001 and
a ReLU (torchvision calls it ``BasicConv2d``). The factorizations below all keep the spatial size
(stride 1, "same" padding), so each can replace its unfactorized twin inside a module:

* ``StackedConv3x3``   n×n  ->  (n-1)/2 stacked 3×3 convolutions     (sec. 3.1, Figure 1)
* ``AsymmetricConv``   n×n  ->  1×n followed by n×1                    (sec. 3.2, Figure 3)
* ``SplitAsymmetricConv``  1×n and n×1 side by side, concatenated      (Figure 7's expanded filter bank)

``ConvBNReLU(c_in, c_out, n, padding="same")`` is the twin each factorization is compared with.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .anatomy import pair

__all__ = [
    "ConvBNReLU",
    "StackedConv3x3",
    "AsymmetricConv",
    "SplitAsymmetricConv",
    "check_channels",
    "check_kernel_size",
]

BN_EPS = 1e-3  # the TensorFlow value Google's checkpoints were trained with (torchvision keeps it)


def check_channels(name: str, value: object) -> int:
    """Return ``value`` if it is a positive int, else raise a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer number of channels, got {value!r}")
    return value


def check_kernel_size(name: str, value: object, minimum: int = 1) -> int:
    """Return ``value`` if it is an odd int >= ``minimum``.

    Odd sizes only: with stride 1 a k×k kernel keeps the grid size only if it is padded by (k-1)/2 on each
    side, which needs k odd.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an odd integer >= {minimum}, got {value!r}")
    if value % 2 == 0:
        raise ValueError(
            f"{name} must be odd so that padding {name}//2 keeps the grid size; got the even size {value}"
        )
    return value


def _pair(value: int | Sequence[int]) -> tuple[int, int]:
    """``anatomy.pair`` for a kernel size, with an error message that says the sides must be odd."""
    try:
        return pair(value)
    except ValueError:
        raise ValueError(
            f"kernel_size must be an odd int or a pair (height, width) of odd ints, got {value!r}"
        ) from None


class ConvBNReLU(nn.Module):
    """One convolution unit: Conv2d (no bias) -> BatchNorm2d(eps=0.001) -> ReLU.

    The building block of every layer in the paper's Table 1 and of torchvision's ``BasicConv2d``.
    The bias is left out because BatchNorm's shift (beta) plays its role.

    Args:
        in_channels, out_channels: channel counts.
        kernel_size: an int or (height, width); each side odd (e.g. 3, (1, 7), (7, 1)).
        stride: the convolution's stride.
        padding: an int, a pair, or "same" for (kh//2, kw//2), which keeps the grid at stride 1.
        relu: False leaves out the ReLU (a "linear" factor, sec. 3.1's control experiment).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int = 1,
        padding: int | Sequence[int] | str = 0,
        relu: bool = True,
    ) -> None:
        super().__init__()
        check_channels("in_channels", in_channels)
        check_channels("out_channels", out_channels)
        kh, kw = _pair(kernel_size)
        check_kernel_size("kernel height", kh)
        check_kernel_size("kernel width", kw)
        if isinstance(padding, str):
            if padding != "same":
                raise ValueError(f"padding must be an int, a pair or 'same', got {padding!r}")
            padding = (kh // 2, kw // 2)
        self.conv = nn.Conv2d(in_channels, out_channels, (kh, kw), stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=BN_EPS)
        self.relu = nn.ReLU(inplace=True) if relu else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(x)))

    def extra_repr(self) -> str:
        kh, kw = self.conv.kernel_size
        return f"{kh}x{kw}/{self.conv.stride[0]}"


class StackedConv3x3(nn.Module):
    """An n×n convolution factorized into (n-1)/2 stacked 3×3 convolutions (sec. 3.1, Figure 1).

    Two 3×3 layers see a 5×5 window with 2·9 = 18 weights per channel pair instead of 25 (−28%); three
    see 7×7 with 27 instead of 49 (−45%). The first 3×3 maps ``in_channels -> mid_channels``, the last
    ``mid_channels -> out_channels``.

    Args:
        kernel_size: the size being replaced: 3, 5, 7, ... (3 gives a single 3×3).
        mid_channels: width of the intermediate layers (default: ``out_channels``).
        relu_between: False drops the ReLU after the intermediate layers (linear factorization).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 5,
        mid_channels: int | None = None,
        relu_between: bool = True,
    ) -> None:
        super().__init__()
        check_kernel_size("kernel_size", kernel_size, minimum=3)
        mid_channels = out_channels if mid_channels is None else mid_channels
        check_channels("mid_channels", mid_channels)
        depth = (kernel_size - 1) // 2
        widths = [in_channels] + [mid_channels] * (depth - 1) + [out_channels]
        self.layers = nn.Sequential(
            *[
                ConvBNReLU(widths[i], widths[i + 1], 3, padding=1, relu=relu_between or i == depth - 1)
                for i in range(depth)
            ]
        )
        self.kernel_size = kernel_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class AsymmetricConv(nn.Module):
    """An n×n convolution factorized into a 1×n followed by an n×1 (sec. 3.2, Figure 3 and 6).

    n² weights per channel pair become 2n (3×3: 9 -> 6, −33%; 7×7: 49 -> 14). The paper reports it works
    well on medium grids (12 to 20 pixels), poorly early in the network.

    Args:
        n: the kernel size being replaced, odd and >= 3 (n = 1 is nothing to factorize).
        mid_channels: width between the two factors (default: ``out_channels``).
        relu_between: False drops the ReLU between the factors.
        first: "1xn" (1×n then n×1) or "nx1" (n×1 then 1×n); the released 17×17 modules use both orders.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        n: int = 3,
        mid_channels: int | None = None,
        relu_between: bool = True,
        first: str = "1xn",
    ) -> None:
        super().__init__()
        if isinstance(n, bool) or not isinstance(n, int) or n < 2:
            raise ValueError(f"n must be an integer >= 2 for a 1×n + n×1 factorization, got {n!r}")
        check_kernel_size("n", n, minimum=3)
        if first not in ("1xn", "nx1"):
            raise ValueError(f"first must be '1xn' or 'nx1', got {first!r}")
        mid_channels = out_channels if mid_channels is None else mid_channels
        check_channels("mid_channels", mid_channels)
        shapes = [(1, n), (n, 1)] if first == "1xn" else [(n, 1), (1, n)]
        self.first = ConvBNReLU(in_channels, mid_channels, shapes[0], padding="same", relu=relu_between)
        self.second = ConvBNReLU(mid_channels, out_channels, shapes[1], padding="same")
        self.n = n

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.second(self.first(x))


class SplitAsymmetricConv(nn.Module):
    """A 1×n and an n×1 convolution applied side by side and concatenated (Figure 7).

    The 8×8 modules "expand the filter bank" this way instead of stacking the two factors, giving
    ``2 * out_channels_each`` outputs: high-dimensional representations on the coarsest grid (sec. 2).
    """

    def __init__(self, in_channels: int, out_channels_each: int, n: int = 3) -> None:
        super().__init__()
        check_kernel_size("n", n, minimum=3)
        self.row = ConvBNReLU(in_channels, out_channels_each, (1, n), padding="same")
        self.column = ConvBNReLU(in_channels, out_channels_each, (n, 1), padding="same")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.row(x), self.column(x)], dim=1)
