"""inception_lib.roofline: every operator's FLOPs and bytes in a training step, extended to a larger
batch, and the roofline time per kind of operator."""

import pytest
import torch
from torch import nn

from inception_lib.roofline import H200, Device, OpCall, at_batch, by_kind, step_profile


def _step(model, batch):
    x = torch.randn(batch, 3, 8, 8)

    def step():
        model.zero_grad(set_to_none=True)  # every step alike: no accumulation into old gradients
        model(x).sum().backward()

    return step


def test_profile_counts_conv_flops_and_bytes_and_skips_views():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.Flatten())
    calls = step_profile(_step(model, 2))
    kinds = by_kind(calls)
    # forward conv: 2 images × 4 out × 8×8 positions × 3×3×3 MACs × 2 FLOPs; backward: twice that
    forward = 2 * 4 * 64 * 27 * 2
    # backward: the weight gradient only (the input needs none), as many FLOPs again
    assert kinds["convolution"].flops == 2 * forward and kinds["convolution"].calls == 2
    assert kinds["batch norm"].calls == 2 and kinds["batch norm"].flops == 0
    first_conv = next(c for c in calls if c.kind == "convolution")
    # reads the input and the weight, writes the output (float32)
    assert first_conv.bytes == 4 * (2 * 3 * 64 + 4 * 27 + 2 * 4 * 64)
    assert not any(c.kind == "convolution" and c.flops == 0 for c in calls)


def test_extending_to_a_larger_batch_is_exact_for_affine_counts():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten())
    p2, p4, p8 = (step_profile(_step(model, b)) for b in (2, 4, 8))
    extended = at_batch(p2, 2, p4, 4, 8)
    assert [c.kind for c in extended] == [c.kind for c in p8]
    for a, b in zip(extended, p8, strict=True):
        assert a.flops == pytest.approx(b.flops) and a.bytes == pytest.approx(b.bytes)
    with pytest.raises(ValueError, match="same operators"):
        at_batch(p2, 2, p4[:-1], 4, 8)


def test_roofline_time_is_the_slower_of_arithmetic_and_memory():
    device = Device("toy", peak_flops=100.0, bandwidth=10.0)
    kinds = by_kind([OpCall("convolution", 1000.0, 10.0), OpCall("element-wise", 0.0, 50.0)], device)
    assert kinds["convolution"].seconds == 10.0  # arithmetic-bound: 1000 / 100
    assert kinds["element-wise"].seconds == 5.0  # memory-bound: 50 / 10
    assert kinds["convolution"].intensity == 100.0 and device.ridge == 10.0
    assert H200.ridge == pytest.approx(989e12 / 4.8e12)
