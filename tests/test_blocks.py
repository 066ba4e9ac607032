"""Blocks: output shapes, channel bookkeeping and the unfactorized counterparts."""

import pytest
import torch

from inception_lib.blocks import (
    AuxClassifier,
    GoogLeNetModule,
    InceptionA,
    InceptionC,
    InceptionE,
    InceptionThenPool,
    ParallelReduction,
    PoolThenInception,
    Reduction17to8,
    Reduction35to17,
)
from inception_lib.counting import count_conv_weights, count_params


@pytest.mark.parametrize(
    ("block", "c_in", "size", "out"),
    [
        (InceptionA(192, 32), 192, 35, (256, 35)),
        (InceptionA(192, 32, factorized=False), 192, 35, (256, 35)),
        (InceptionC(768, 128), 768, 17, (768, 17)),
        (InceptionC(768, 128, factorized=False), 768, 17, (768, 17)),
        (InceptionE(1280), 1280, 8, (2048, 8)),
        (Reduction35to17(288), 288, 35, (768, 17)),
        (Reduction17to8(768), 768, 17, (1280, 8)),
        (GoogLeNetModule(192, 64, 96, 128, 16, 32, 32), 192, 28, (256, 28)),
        (PoolThenInception(32, 64), 32, 35, (64, 17)),
        (InceptionThenPool(32, 64), 32, 35, (64, 17)),
        (ParallelReduction(32, 64), 32, 35, (64, 17)),
    ],
)
def test_block_output_shapes(block, c_in, size, out):
    y = block.eval()(torch.randn(1, c_in, size, size))
    assert tuple(y.shape[1:]) == (out[0], out[1], out[1])
    assert block.out_channels == out[0]


def test_factorized_modules_are_cheaper_than_their_counterparts():
    assert count_params(InceptionA(192, 32)) < count_params(InceptionA(192, 32, factorized=False))
    assert count_params(InceptionC(768, 160)) < count_params(InceptionC(768, 160, factorized=False))
    v1 = GoogLeNetModule(192, 64, 96, 128, 16, 32, 32)
    v1f = GoogLeNetModule(192, 64, 96, 128, 16, 32, 32, factorized=True)
    # only the 5×5 (16 -> 32) changed: 25·16·32 -> 9·16·32 + 9·32·32
    assert count_conv_weights(v1) - count_conv_weights(v1f) == 25 * 16 * 32 - (9 * 16 * 32 + 9 * 32 * 32)


def test_inception_c_unfactorized_uses_full_7x7():
    kernels = {
        m.kernel_size for m in InceptionC(768, 128, factorized=False).modules() if hasattr(m, "kernel_size")
    }
    assert (7, 7) in kernels and (1, 7) not in kernels


def test_aux_classifier_matches_pooling_at_17_and_adapts_below():
    aux = AuxClassifier(768, 10).eval()
    assert aux(torch.randn(2, 768, 17, 17)).shape == (2, 10)
    assert aux(torch.randn(2, 768, 5, 5)).shape == (2, 10)
    assert aux(torch.randn(2, 768, 1, 1)).shape == (2, 10)
    bn = AuxClassifier(768, 10, bn_fc=True)
    assert bn.fc.bias is None and count_params(bn) == count_params(aux) - 10 + 2 * 10


def test_parallel_reduction_needs_room_for_conv_channels():
    with pytest.raises(
        ValueError, match="out_channels must exceed in_channels.*in_channels=64, out_channels=64"
    ):
        ParallelReduction(64, 64)


def test_scaled_reduction_keeps_mixed_6a_proportions():
    assert [p.shape for p in Reduction35to17.scaled(288, 768).parameters()] == [
        p.shape for p in Reduction35to17(288).parameters()
    ]
    small = Reduction35to17.scaled(4, 12)
    assert small.out_channels == 12
    assert small(torch.zeros(1, 4, 11, 11)).shape == (1, 12, 5, 5)
    assert small.branch3x3dbl[0].conv.out_channels == 1  # the narrow 1×1 reduction survives the scaling
    for k in (64, 128, 192):
        assert Reduction35to17.scaled(k, 2 * k).out_channels == 2 * k
    with pytest.raises(ValueError, match="exceed"):
        Reduction35to17.scaled(8, 9)
    with pytest.raises(ValueError, match="in_channels"):
        Reduction35to17.scaled(0, 9)
