"""Blocks: the Inception modules, the grid reductions and the auxiliary classifier (paper sec. 3-6, 10).

Each class is one block, its channel counts are constructor arguments, and its branches are built from
the units in ``layers.py``. Defaults are the widths of the released network (torchvision's Inception3,
TF-slim's inception_v3); the classes it corresponds to in torchvision are named in each docstring.

The modules take ``factorized=False`` to build their unfactorized counterparts, so a chapter can put
the two side by side with everything else equal.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .layers import BN_EPS, AsymmetricConv, ConvBNReLU, SplitAsymmetricConv, StackedConv3x3, check_channels

__all__ = [
    "InceptionA",
    "InceptionC",
    "InceptionE",
    "Reduction35to17",
    "Reduction17to8",
    "AuxClassifier",
    "GoogLeNetModule",
    "PoolThenInception",
    "InceptionThenPool",
    "ParallelReduction",
]


class _PoolProjection(nn.Module):
    """3×3 average pooling (stride 1, keeps the grid) followed by a 1×1 projection: the pool branch."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.pool = nn.AvgPool2d(3, stride=1, padding=1)  # PyTorch's default counts the zero padding
        self.proj = ConvBNReLU(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(self.pool(x))


class InceptionA(nn.Module):
    """The 35×35 module of Figure 5, as released (torchvision ``InceptionA``, Mixed_5b/5c/5d).

    Branches: 1×1 | 1×1 -> 5×5 | 1×1 -> 3×3 -> 3×3 | avg-pool -> 1×1 (``pool_features``).
    Figure 5 replaces the 5×5 by two 3×3; the released network keeps a real 5×5 branch beside the
    factorized one, and we follow the released network. ``factorized=False`` turns the two-3×3 branch
    back into a single 5×5 (GoogLeNet's Figure 4 form).
    """

    def __init__(
        self,
        in_channels: int,
        pool_features: int,
        ch1x1: int = 64,
        ch5x5_reduce: int = 48,
        ch5x5: int = 64,
        ch3x3dbl_reduce: int = 64,
        ch3x3dbl: int = 96,
        factorized: bool = True,
    ) -> None:
        super().__init__()
        self.branch1x1 = ConvBNReLU(in_channels, ch1x1, 1)
        self.branch5x5 = nn.Sequential(
            ConvBNReLU(in_channels, ch5x5_reduce, 1), ConvBNReLU(ch5x5_reduce, ch5x5, 5, padding="same")
        )
        wide = (
            StackedConv3x3(ch3x3dbl_reduce, ch3x3dbl, kernel_size=5)
            if factorized
            else ConvBNReLU(ch3x3dbl_reduce, ch3x3dbl, 5, padding="same")
        )
        self.branch3x3dbl = nn.Sequential(ConvBNReLU(in_channels, ch3x3dbl_reduce, 1), wide)
        self.branch_pool = _PoolProjection(in_channels, pool_features)
        self.out_channels = ch1x1 + ch5x5 + ch3x3dbl + pool_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = [self.branch1x1, self.branch5x5, self.branch3x3dbl, self.branch_pool]
        return torch.cat([branch(x) for branch in branches], dim=1)


class InceptionC(nn.Module):
    """The 17×17 module of Figure 6 with n×n factorized into 1×n and n×1 (torchvision ``InceptionC``).

    Branches: 1×1 | 1×1 -> 1×n -> n×1 | 1×1 -> n×1 -> 1×n -> n×1 -> 1×n | avg-pool -> 1×1; all four end
    in 192 channels. ``channels_7x7`` is the inner width (128, 160, 160, 192 in Mixed_6b..6e), n = 7 in the
    network. ``factorized=False`` uses full n×n convolutions instead (one per factorized pair).
    """

    def __init__(
        self,
        in_channels: int,
        channels_7x7: int,
        n: int = 7,
        out_per_branch: int = 192,
        factorized: bool = True,
    ) -> None:
        super().__init__()
        c = check_channels("channels_7x7", channels_7x7)

        def pair(c_in: int, c_out: int, first: str) -> nn.Module:
            if factorized:
                return AsymmetricConv(c_in, c_out, n=n, mid_channels=c, first=first)
            return ConvBNReLU(c_in, c_out, n, padding="same")

        self.branch1x1 = ConvBNReLU(in_channels, out_per_branch, 1)
        self.branch7x7 = nn.Sequential(ConvBNReLU(in_channels, c, 1), pair(c, out_per_branch, "1xn"))
        self.branch7x7dbl = nn.Sequential(
            ConvBNReLU(in_channels, c, 1), pair(c, c, "nx1"), pair(c, out_per_branch, "nx1")
        )
        self.branch_pool = _PoolProjection(in_channels, out_per_branch)
        self.out_channels = 4 * out_per_branch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = [self.branch1x1, self.branch7x7, self.branch7x7dbl, self.branch_pool]
        return torch.cat([branch(x) for branch in branches], dim=1)


class InceptionE(nn.Module):
    """The 8×8 module of Figure 7: expanded filter banks (torchvision ``InceptionE``, Mixed_7b/7c).

    Branches: 1×1 (320) | 1×1 (384) -> [1×3 ‖ 3×1] (2·384) | 1×1 (448) -> 3×3 (384) -> [1×3 ‖ 3×1]
    (2·384) | avg-pool -> 1×1 (192). Out: 320 + 768 + 768 + 192 = 2048 channels.
    """

    def __init__(
        self,
        in_channels: int,
        ch1x1: int = 320,
        ch3x3: int = 384,
        ch3x3dbl_reduce: int = 448,
        pool_features: int = 192,
    ) -> None:
        super().__init__()
        self.branch1x1 = ConvBNReLU(in_channels, ch1x1, 1)
        self.branch3x3 = nn.Sequential(ConvBNReLU(in_channels, ch3x3, 1), SplitAsymmetricConv(ch3x3, ch3x3))
        self.branch3x3dbl = nn.Sequential(
            ConvBNReLU(in_channels, ch3x3dbl_reduce, 1),
            ConvBNReLU(ch3x3dbl_reduce, ch3x3, 3, padding=1),
            SplitAsymmetricConv(ch3x3, ch3x3),
        )
        self.branch_pool = _PoolProjection(in_channels, pool_features)
        self.out_channels = ch1x1 + 4 * ch3x3 + pool_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = [self.branch1x1, self.branch3x3, self.branch3x3dbl, self.branch_pool]
        return torch.cat([branch(x) for branch in branches], dim=1)


class Reduction35to17(nn.Module):
    """Grid reduction 35×35 -> 17×17 in the style of Figure 10 (torchvision ``InceptionB``, Mixed_6a).

    Stride-2 convolutions and a stride-2 max-pool run in parallel and are concatenated: 3×3/2 (384) |
    1×1 (64) -> 3×3 (96) -> 3×3/2 (96) | max-pool 3×3/2 (passes ``in_channels``). 288 in -> 768 out.
    """

    def __init__(self, in_channels: int, ch3x3: int = 384, ch_dbl_reduce: int = 64, ch_dbl: int = 96) -> None:
        super().__init__()
        self.branch3x3 = ConvBNReLU(in_channels, ch3x3, 3, stride=2)
        self.branch3x3dbl = nn.Sequential(
            ConvBNReLU(in_channels, ch_dbl_reduce, 1),
            ConvBNReLU(ch_dbl_reduce, ch_dbl, 3, padding=1),
            ConvBNReLU(ch_dbl, ch_dbl, 3, stride=2),
        )
        self.branch_pool = nn.MaxPool2d(3, stride=2)
        self.out_channels = ch3x3 + ch_dbl + in_channels

    @classmethod
    def scaled(cls, in_channels: int, out_channels: int) -> Reduction35to17:
        """Mixed_6a's design for any ``in_channels -> out_channels``, keeping its proportions.

        Mixed_6a turns 288 channels into 768: the pool passes the 288, the stride-2 branches add 480 new
        ones, 384 (4/5) from the single 3×3/2 and 96 (1/5) from the 1×1 -> 3×3 -> 3×3/2 branch, whose
        1×1 first reduces to 64 (2/9 of the input). ``scaled(288, 768)`` is exactly Mixed_6a; chapter 3
        uses smaller ones to compare Figure 10's design with Figure 9's at other sizes.
        """
        check_channels("in_channels", in_channels)
        check_channels("out_channels", out_channels)
        new = out_channels - in_channels
        if new < 2:
            raise ValueError(
                f"out_channels must exceed in_channels by at least 2 (the conv branches add channels "
                f"beside the pooled ones); got in_channels={in_channels}, out_channels={out_channels}"
            )
        ch3x3 = min(new - 1, max(1, round(new * 4 / 5)))
        reduce = max(1, round(in_channels * 2 / 9))
        return cls(in_channels, ch3x3=ch3x3, ch_dbl_reduce=reduce, ch_dbl=new - ch3x3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch3x3(x), self.branch3x3dbl(x), self.branch_pool(x)], dim=1)


class Reduction17to8(nn.Module):
    """Grid reduction 17×17 -> 8×8 (torchvision ``InceptionD``, Mixed_7a; Figure 10's idea again).

    1×1 (192) -> 3×3/2 (320) | 1×1 (192) -> 1×7 -> 7×1 -> 3×3/2 (192) | max-pool 3×3/2.
    768 in -> 1280 out.
    """

    def __init__(self, in_channels: int, ch_reduce: int = 192, ch3x3: int = 320, ch7x7: int = 192) -> None:
        super().__init__()
        self.branch3x3 = nn.Sequential(
            ConvBNReLU(in_channels, ch_reduce, 1), ConvBNReLU(ch_reduce, ch3x3, 3, stride=2)
        )
        self.branch7x7x3 = nn.Sequential(
            ConvBNReLU(in_channels, ch_reduce, 1),
            AsymmetricConv(ch_reduce, ch7x7, n=7, mid_channels=ch7x7, first="1xn"),
            ConvBNReLU(ch7x7, ch7x7, 3, stride=2),
        )
        self.branch_pool = nn.MaxPool2d(3, stride=2)
        self.out_channels = ch3x3 + ch7x7 + in_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch3x3(x), self.branch7x7x3(x), self.branch_pool(x)], dim=1)


class AuxClassifier(nn.Module):
    """The auxiliary classifier on the last 17×17 layer (Figure 8; torchvision ``InceptionAux``).

    avg-pool 5×5/3 (17 -> 5) -> 1×1 conv (128) -> 5×5 conv (768; on a 5×5 map it acts as a fully connected
    layer) -> global average -> fc to ``num_classes``.

    ``bn_fc=True`` is the paper's "BN-auxiliary" (sec. 10, Table 3): the fully connected layer is batch-
    normalised too. We implement it as fc without bias -> BatchNorm1d, BN's shift taking the bias's place.
    The released code has no such BN (its convs carry BN; the final Linear does not).

    Smaller inputs: torchvision's head needs a grid of at least 17×17 (input >= 299). Below that we pool
    adaptively to 5×5 instead (the same idea as TF-slim shrinking the kernel), so the head trains at any
    size the network accepts; at 17×17 and above it is exactly torchvision's.
    """

    def __init__(self, in_channels: int, num_classes: int, bn_fc: bool = False) -> None:
        super().__init__()
        check_channels("num_classes", num_classes)
        self.conv0 = ConvBNReLU(in_channels, 128, 1)
        self.conv1 = ConvBNReLU(128, 768, 5)
        self.fc = nn.Linear(768, num_classes, bias=not bn_fc)
        self.fc_bn = nn.BatchNorm1d(num_classes, eps=BN_EPS) if bn_fc else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if min(x.shape[-2:]) >= 17:
            x = F.avg_pool2d(x, kernel_size=5, stride=3)
        else:
            x = F.adaptive_avg_pool2d(x, 5)
        x = self.conv1(self.conv0(x))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc_bn(self.fc(x))


class GoogLeNetModule(nn.Module):
    """The original Inception module of GoogLeNet (the paper's Figure 4), with its 5×5 branch.

    1×1 | 1×1 -> 3×3 | 1×1 -> 5×5 | max-pool 3×3/1 -> 1×1. ``factorized=True`` swaps the 5×5 for two
    3×3 (which turns it into Figure 5), so the pair isolates the cost of that one change.
    """

    def __init__(
        self,
        in_channels: int,
        ch1x1: int,
        ch3x3_reduce: int,
        ch3x3: int,
        ch5x5_reduce: int,
        ch5x5: int,
        pool_proj: int,
        factorized: bool = False,
    ) -> None:
        super().__init__()
        self.branch1x1 = ConvBNReLU(in_channels, ch1x1, 1)
        self.branch3x3 = nn.Sequential(
            ConvBNReLU(in_channels, ch3x3_reduce, 1), ConvBNReLU(ch3x3_reduce, ch3x3, 3, padding=1)
        )
        wide = (
            StackedConv3x3(ch5x5_reduce, ch5x5, kernel_size=5)
            if factorized
            else ConvBNReLU(ch5x5_reduce, ch5x5, 5, padding="same")
        )
        self.branch5x5 = nn.Sequential(ConvBNReLU(in_channels, ch5x5_reduce, 1), wide)
        self.branch_pool = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1), ConvBNReLU(in_channels, pool_proj, 1)
        )
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = [self.branch1x1, self.branch3x3, self.branch5x5, self.branch_pool]
        return torch.cat([branch(x) for branch in branches], dim=1)


# --- The three ways to halve the grid that section 5 compares (Figure 9 left, Figure 9 right, Figure 10).
# Each maps (in_channels, H, W) -> (out_channels, ~H/2, ~W/2) so the chapter can compare them fairly.


class PoolThenInception(nn.Module):
    """Figure 9, left: pool first, then an Inception module on the small grid.

    Cheap, but the pooling squeezes the representation before the module can widen it: the
    "representational bottleneck" of sec. 2 and 5.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.pool = nn.MaxPool2d(3, stride=2)
        self.inception = _EvenInception(in_channels, out_channels)
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inception(self.pool(x))


class InceptionThenPool(nn.Module):
    """Figure 9, right: the Inception module on the full grid, then pool. No bottleneck, ~4× the cost."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.inception = _EvenInception(in_channels, out_channels)
        self.pool = nn.MaxPool2d(3, stride=2)
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.inception(x))


class ParallelReduction(nn.Module):
    """Figure 10's layout with the new channels split evenly between its two conv branches.

    The pooled branch passes all ``in_channels`` through; the conv branches add
    ``out_channels - in_channels`` new ones, so the grid halves while the filter bank grows. Unlike the
    paper's design (``Reduction35to17``, Mixed_6a), the 1×1 -> 3×3 -> 3×3/2 branch has no narrow 1×1
    reduction: its middle 3×3 runs at full resolution as wide as its output, which makes this block
    expensive. Chapter 3 keeps it as an example of what not to do.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        new = out_channels - in_channels
        if new < 2:
            raise ValueError(
                f"out_channels must exceed in_channels by at least 2 (the conv branches add channels "
                f"beside the pooled ones); got in_channels={in_channels}, out_channels={out_channels}"
            )
        half = new // 2
        self.branch3x3 = ConvBNReLU(in_channels, new - half, 3, stride=2)
        self.branch3x3dbl = nn.Sequential(
            ConvBNReLU(in_channels, half, 1),
            ConvBNReLU(half, half, 3, padding=1),
            ConvBNReLU(half, half, 3, stride=2),
        )
        self.branch_pool = nn.MaxPool2d(3, stride=2)
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch3x3(x), self.branch3x3dbl(x), self.branch_pool(x)], dim=1)


class _EvenInception(nn.Module):
    """A stride-1 Figure-5-style module whose four branches share ``out_channels`` evenly.

    The reduction strategies above use it so that the only difference between them is where the grid is
    halved.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        check_channels("out_channels", out_channels)
        if out_channels < 4:
            raise ValueError(f"out_channels must be at least 4 (four branches), got {out_channels}")
        quarter = out_channels // 4
        widths = [out_channels - 3 * quarter, quarter, quarter, quarter]
        self.branch1x1 = ConvBNReLU(in_channels, widths[0], 1)
        self.branch3x3 = nn.Sequential(
            ConvBNReLU(in_channels, widths[1], 1), ConvBNReLU(widths[1], widths[1], 3, padding=1)
        )
        self.branch3x3dbl = nn.Sequential(
            ConvBNReLU(in_channels, widths[2], 1), StackedConv3x3(widths[2], widths[2], kernel_size=5)
        )
        self.branch_pool = _PoolProjection(in_channels, widths[3])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = [self.branch1x1, self.branch3x3, self.branch3x3dbl, self.branch_pool]
        return torch.cat([branch(x) for branch in branches], dim=1)
