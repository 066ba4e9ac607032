"""The layers and blocks a reader can be checked against: one row per reference.

``check`` calls the reader's class (or factory) with a reference's ``args`` positionally, in the order of
``arg_names``, and builds the reference with ``build(*args)``; the random input is ``input_shape(args)``.
"""

from __future__ import annotations

import ast
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

from ..blocks import (
    AuxClassifier,
    GoogLeNetModule,
    InceptionA,
    InceptionC,
    InceptionE,
    Reduction17to8,
    Reduction35to17,
)
from ..layers import AsymmetricConv, ConvBNReLU, SplitAsymmetricConv, StackedConv3x3
from ..network import inception_v3

__all__ = ["Reference", "REFERENCES", "reference_names"]


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


def _ref(
    name: str, build: Callable[..., nn.Module], call: str, hw: int, title: str, shown: str = ""
) -> Reference:
    """A row: ``call`` lists the constructor arguments as ``"in_channels=768 channels_7x7=128"``; the input
    is ``in_channels × hw × hw`` (3 × hw × hw for a reference without arguments)."""
    pairs = [item.split("=") for item in call.split()]
    names, args = tuple(n for n, _ in pairs), tuple(ast.literal_eval(v) for _, v in pairs)
    return Reference(name, title, names, args, build, lambda a: (a[0] if a else 3, hw, hw), shown)


def _stem(in_channels: int = 3) -> nn.Sequential:
    """The released stem (Table 1's first rows as in the released code): 299×299×3 -> 35×35×192."""
    net = inception_v3(aux_logits=False, in_channels=in_channels)
    return nn.Sequential(OrderedDict((n, m) for n, m in net.feature_blocks() if not n.startswith("mixed")))


_CONV = "in_channels=64 out_channels=96 kernel_size=3 stride=1 padding=1"
_AUX = "in_channels=768 num_classes=1000"
_FIVE = "StackedConv3x3({call}, kernel_size=5)"
_BN_FC = "AuxClassifier({call}, bn_fc=True)"
_STEM = "the stem of InceptionV3, conv_1a_3x3 to maxpool_2 ({call})"
_GOOGLENET = "in_channels=192 ch1x1=64 ch3x3_reduce=96 ch3x3=128 ch5x5_reduce=16 ch5x5=32 pool_proj=32"

REFERENCES: dict[str, Reference] = {r.name: r for r in [
    # name, build, constructor arguments,
    #     input height and width, title[, how the report names it]
    _ref("conv_bn_relu", lambda i, o, k, s, p: ConvBNReLU(i, o, k, stride=s, padding=p), _CONV,
         17, "the conv-BN-ReLU unit"),
    _ref("two_3x3", lambda i, o: StackedConv3x3(i, o, kernel_size=5), "in_channels=64 out_channels=96",
         17, "a 5×5 factorized into two 3×3 (Figure 1)", _FIVE),
    _ref("stacked_3x3", lambda i, o, k: StackedConv3x3(i, o, kernel_size=k),
         "in_channels=64 out_channels=96 kernel_size=7", 17, "an n×n factorized into stacked 3×3 (sec. 3.1)"),
    _ref("asymmetric", lambda i, o, n: AsymmetricConv(i, o, n=n), "in_channels=128 out_channels=192 n=7",
         17, "an n×n factorized into 1×n and n×1 (Figure 3, sec. 3.2)"),
    _ref("split_asymmetric", lambda i, o, n: SplitAsymmetricConv(i, o, n=n),
         "in_channels=384 out_channels_each=384 n=3", 8, "1×n ‖ n×1 side by side (Figure 7)"),
    _ref("googlenet_module", GoogLeNetModule, _GOOGLENET,
         28, "GoogLeNet's Inception module (Figure 4; inception 3a)"),
    _ref("inception_a", InceptionA, "in_channels=192 pool_features=32",
         35, "the 35×35 module of Figure 5 (Mixed_5b)"),
    _ref("inception_c", InceptionC, "in_channels=768 channels_7x7=128",
         17, "the 17×17 module of Figure 6 (Mixed_6b)"),
    _ref("inception_e", InceptionE, "in_channels=1280",
         8, "the 8×8 module of Figure 7 (Mixed_7b)"),
    _ref("reduction_35to17", Reduction35to17, "in_channels=288",
         35, "the grid reduction 35×35 -> 17×17 (Figure 10; Mixed_6a)"),
    _ref("reduction_17to8", Reduction17to8, "in_channels=768",
         17, "the grid reduction 17×17 -> 8×8 (Mixed_7a)"),
    _ref("aux_classifier", lambda i, n: AuxClassifier(i, n), _AUX,
         17, "the auxiliary classifier (Figure 8)"),
    _ref("aux_classifier_bn", lambda i, n: AuxClassifier(i, n, bn_fc=True), _AUX,
         17, "the auxiliary classifier with BN-auxiliary (Figure 8, sec. 10)", _BN_FC),
    _ref("stem", _stem, "in_channels=3",
         299, "299×299×3 -> 35×35×192 (Table 1's first rows, as released)", _STEM),
    _ref("inception_v3", lambda: inception_v3(), "",
         299, "Inception-v3, the whole network"),
]}


def reference_names() -> list[str]:
    """The names ``check`` accepts."""
    return list(REFERENCES)
