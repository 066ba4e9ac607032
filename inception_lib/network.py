"""The full Inception-v3 network (paper sec. 6 and 10, Table 1), its Table 3 variants and a small test net.

The default build is the released architecture, layer for layer the same as torchvision's ``Inception3``
(and TF-slim's ``inception_v3``), which differs from the paper's Table 1 in its stem and module counts;
chapter 4 sets the two side by side. Layer names follow Google's checkpoints (Conv2d_1a_3x3 ->
``conv_1a_3x3``, Mixed_5b -> ``mixed_5b``), so they can be found in either code base.

The network alone lives here. Looking at it block by block (``shape_trace``, ``receptive_fields``,
``block_macs``) is in ``counting``; torchvision's ImageNet weights (``load_torchvision_weights``) are in
``pretrained``.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from .blocks import AuxClassifier, InceptionA, InceptionC, InceptionE, Reduction17to8, Reduction35to17
from .layers import ConvBNReLU, check_channels

__all__ = [
    "MIN_INPUT_SIZE",
    "InceptionV3",
    "InceptionOutputs",
    "inception_v3",
    "TinyNet",
]

MIN_INPUT_SIZE = 75  # 74×74 leaves a 2×2 grid for the 17->8 reduction's 3×3/2 convolution: it fails
STEMS = ("3x3", "7x7")


class InceptionOutputs(NamedTuple):
    """What the network returns in training mode with the auxiliary head on."""

    logits: torch.Tensor
    aux_logits: torch.Tensor | None


def _stem(kind: str, in_channels: int) -> list[tuple[str, nn.Module]]:
    if kind == "3x3":  # Inception-v3: the first 7×7 factorized into three 3×3 (sec. 10, Table 1 rows 1-3)
        first = [
            ("conv_1a_3x3", ConvBNReLU(in_channels, 32, 3, stride=2)),
            ("conv_2a_3x3", ConvBNReLU(32, 32, 3)),
            ("conv_2b_3x3", ConvBNReLU(32, 64, 3, padding=1)),
        ]
    else:  # reconstructed Inception-v2 stem: one 7×7/2 to 64 channels, unpadded so 299 -> 147 as above
        first = [("conv_1a_7x7", ConvBNReLU(in_channels, 64, 7, stride=2))]
    return first + [
        ("maxpool_1", nn.MaxPool2d(3, stride=2)),
        ("conv_3b_1x1", ConvBNReLU(64, 80, 1)),
        ("conv_4a_3x3", ConvBNReLU(80, 192, 3)),
        ("maxpool_2", nn.MaxPool2d(3, stride=2)),
    ]


def _autocast_enabled(device_type: str) -> bool:
    try:
        return torch.is_autocast_enabled(device_type)
    except TypeError:  # torch < 2.4 takes no device type
        return torch.is_autocast_cpu_enabled() if device_type == "cpu" else torch.is_autocast_enabled()


def _check_dtype(x: torch.Tensor, weight_dtype: torch.dtype) -> None:
    """An image tensor must be floating point and, outside autocast, of the weights' dtype."""
    if not x.is_floating_point():
        raise TypeError(
            f"expected a floating-point image batch, got dtype {x.dtype}: convert an 8-bit image with "
            "x.float() / 255 and normalise it as the model was trained (e.g. to [-1, 1] with "
            "(x - 0.5) / 0.5), or use the book's transforms in inception_lib.data"
        )
    if x.dtype != weight_dtype and not _autocast_enabled(x.device.type):
        raise TypeError(
            f"input dtype {x.dtype} does not match the weights' {weight_dtype}: convert the input with "
            f"x.to({weight_dtype}) (or the model with model.to({x.dtype})), or run under torch.autocast"
        )


class InceptionV3(nn.Module):
    """Inception-v3 (Szegedy et al. 2016), built from the blocks of ``blocks.py``.

    299×299×3 -> stem (to 35×35×192) -> 3 × Figure 5 (35×35) -> reduction -> 4 × Figure 6 (17×17, n = 7)
    -> reduction -> 2 × Figure 7 (8×8) -> global average pool -> dropout -> fc. In training mode the
    auxiliary classifier on the last 17×17 layer returns a second set of logits.

    Args:
        num_classes: output classes (1000 for ImageNet; Google's checkpoints have 1001).
        aux_logits: build the auxiliary classifier (Figure 8).
        stem: "3x3" (v3: the first 7×7 factorized into three 3×3) or "7x7". The paper never spells out
            the unfactorized stem of Table 3's earlier rows; we reconstruct it as GoogLeNet's first layer,
            one 7×7/2 convolution to 64 channels, without padding so that 299 -> 147 and every later
            layer sees the same shapes as in v3.
        bn_aux: batch-normalise the auxiliary classifier's fully connected layer ("BN-auxiliary").
        dropout: dropout before the final fc (0.5 as in torchvision; TF-slim keeps 0.8, i.e. drops 0.2).
        in_channels: image channels.
    """

    def __init__(
        self,
        num_classes: int = 1000,
        aux_logits: bool = True,
        stem: str = "3x3",
        bn_aux: bool = False,
        dropout: float = 0.5,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        if stem not in STEMS:
            raise ValueError(f"stem must be one of {STEMS}, got {stem!r}")
        check_channels("num_classes", num_classes)
        check_channels("in_channels", in_channels)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.in_channels = in_channels
        self.aux_logits = aux_logits
        for name, layer in _stem(stem, in_channels):
            self.add_module(name, layer)
        self.mixed_5b = InceptionA(192, pool_features=32)  # -> 256
        self.mixed_5c = InceptionA(256, pool_features=64)  # -> 288
        self.mixed_5d = InceptionA(288, pool_features=64)  # -> 288
        self.mixed_6a = Reduction35to17(288)  # 35 -> 17, -> 768
        self.mixed_6b = InceptionC(768, channels_7x7=128)
        self.mixed_6c = InceptionC(768, channels_7x7=160)
        self.mixed_6d = InceptionC(768, channels_7x7=160)
        self.mixed_6e = InceptionC(768, channels_7x7=192)
        self.aux = AuxClassifier(768, num_classes, bn_fc=bn_aux) if aux_logits else None
        self.mixed_7a = Reduction17to8(768)  # 17 -> 8, -> 1280
        self.mixed_7b = InceptionE(1280)  # -> 2048
        self.mixed_7c = InceptionE(2048)  # -> 2048
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(2048, num_classes)
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, std=0.01)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def feature_blocks(self) -> list[tuple[str, nn.Module]]:
        """The main path's blocks in order, up to the last 8×8 module (the auxiliary head excluded)."""
        return [(n, m) for n, m in self.named_children() if n not in ("aux", "avgpool", "dropout", "fc")]

    def check_input(self, x: torch.Tensor) -> None:
        """Raise a clear error naming the problem if ``x`` is not a batch this network can take.

        Checked before any layer runs, so a learner's first mistakes (a single image without a batch
        dimension, a ``uint8`` image straight from a file, a grey image, a thumbnail) get an answer that
        says what to change instead of a shape or dtype error from deep inside torch.
        """
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"expected a torch.Tensor of shape (N, C, H, W), got {type(x).__name__}")
        if x.dim() != 4:
            raise ValueError(
                f"expected a 4-D batch (N, {self.in_channels}, H, W), got shape {tuple(x.shape)}; "
                "add a batch dimension with x.unsqueeze(0)"
            )
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"expected {self.in_channels} input channels, got {x.shape[1]} (shape {tuple(x.shape)})"
            )
        h, w = int(x.shape[2]), int(x.shape[3])
        if min(h, w) < MIN_INPUT_SIZE:
            raise ValueError(
                f"input {h}×{w} is too small: Inception-v3 needs at least {MIN_INPUT_SIZE}×{MIN_INPUT_SIZE} "
                "(smaller grids vanish in the last reduction); the paper uses 299×299"
            )
        _check_dtype(x, self.fc.weight.dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor | InceptionOutputs:
        if not torch.jit.is_tracing():  # counting.mac_report checks the input before fvcore traces
            self.check_input(x)
        aux = None
        for name, block in self.feature_blocks():
            x = block(x)
            if name == "mixed_6e" and self.aux is not None and self.training:
                aux = self.aux(x)
        x = torch.flatten(self.dropout(self.avgpool(x)), 1)
        x = self.fc(x)
        if self.training and self.aux is not None:
            return InceptionOutputs(x, aux)
        return x


def inception_v3(
    num_classes: int = 1000,
    aux_logits: bool = True,
    stem: str = "3x3",
    bn_aux: bool = False,
    dropout: float = 0.5,
    in_channels: int = 3,
) -> InceptionV3:
    """Build Inception-v3. The defaults give torchvision's ``Inception3`` architecture exactly.

    Table 3 variants: ``stem="7x7"`` for the rows before "Factorized 7×7"; ``bn_aux=True`` for the last
    row ("BN-auxiliary"), which is the paper's full Inception-v3.
    """
    return InceptionV3(num_classes, aux_logits, stem, bn_aux, dropout, in_channels)


# --------------------------------------------------------------------------------------------------------
# Small models for tests


class TinyNet(nn.Module):
    """A four-convolution CNN with an auxiliary head like Inception-v3's, for tests and small experiments.

    ``batch_norm=False`` (model "tiny"): plain convolutions with bias. Without BatchNorm (whose batch
    statistics are per process) and with ``dropout=0`` (random masks are per process), data-parallel
    training on N processes computes exactly the gradients of one process on the whole batch, so the two
    runs must agree to rounding error. ``batch_norm=True`` (model "tiny_bn"): conv-BN-ReLU units as in
    Inception-v3, which train well with the paper's RMSProp settings. Returns
    :class:`~inception_lib.network.InceptionOutputs` in training mode when ``aux_logits``.
    """

    def __init__(
        self,
        num_classes: int = 10,
        aux_logits: bool = True,
        width: int = 16,
        dropout: float = 0.0,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()

        def unit(c_in: int, c_out: int, stride: int) -> list[nn.Module]:
            if batch_norm:
                conv = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
                return [conv, nn.BatchNorm2d(c_out, eps=0.001), nn.ReLU(inplace=True)]
            return [nn.Conv2d(c_in, c_out, 3, stride, 1), nn.ReLU(inplace=True)]

        w = width
        self.features1 = nn.Sequential(*unit(3, w, 2), *unit(w, 2 * w, 2))
        self.features2 = nn.Sequential(*unit(2 * w, 4 * w, 2), *unit(4 * w, 4 * w, 1))
        self.aux = nn.Linear(2 * w, num_classes) if aux_logits else None
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(4 * w, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor | InceptionOutputs:
        x = self.features1(x)
        aux = self.aux(x.mean((2, 3))) if self.aux is not None and self.training else None
        logits = self.fc(self.dropout(self.features2(x).mean((2, 3))))
        return InceptionOutputs(logits, aux) if aux is not None else logits
