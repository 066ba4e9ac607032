"""Layers: the factorizations keep the grid, have the paper's weight counts and receptive fields."""

import pytest
import torch
from torch import nn

from inception_lib.counting import count_conv_weights, count_params
from inception_lib.layers import AsymmetricConv, ConvBNReLU, SplitAsymmetricConv, StackedConv3x3


@pytest.mark.parametrize(
    ("factorized", "twin", "expected"),
    [
        (StackedConv3x3(1, 1, kernel_size=5), ConvBNReLU(1, 1, 5, padding="same"), (18, 25)),
        (StackedConv3x3(1, 1, kernel_size=7), ConvBNReLU(1, 1, 7, padding="same"), (27, 49)),
        (AsymmetricConv(1, 1, n=3), ConvBNReLU(1, 1, 3, padding="same"), (6, 9)),
        (AsymmetricConv(1, 1, n=7), ConvBNReLU(1, 1, 7, padding="same"), (14, 49)),
    ],
)
def test_weights_per_channel_pair(factorized, twin, expected):
    assert (count_conv_weights(factorized), count_conv_weights(twin)) == expected


def test_headline_savings_with_real_channels():
    c = 192  # equal in/mid/out widths: the saving per channel pair carries over exactly
    five = count_conv_weights(ConvBNReLU(c, c, 5, padding="same"))
    two3 = count_conv_weights(StackedConv3x3(c, c, 5))
    assert (five, two3) == (25 * c * c, 18 * c * c)
    assert round(1 - two3 / five, 2) == 0.28
    seven = count_conv_weights(ConvBNReLU(c, c, 7, padding="same"))
    assert round(1 - count_conv_weights(StackedConv3x3(c, c, 7)) / seven, 2) == 0.45
    three = count_conv_weights(ConvBNReLU(c, c, 3, padding="same"))
    assert round(1 - count_conv_weights(AsymmetricConv(c, c, 3)) / three, 2) == 0.33
    # BatchNorm adds gamma and beta per output channel of each unit
    assert count_params(StackedConv3x3(c, c, 5)) == 18 * c * c + 2 * (2 * c)


@pytest.mark.parametrize("size", [8, 17, 35])
@pytest.mark.parametrize(
    "module",
    [
        StackedConv3x3(4, 6, 5),
        StackedConv3x3(4, 6, 7, mid_channels=3),
        AsymmetricConv(4, 6, 7, first="nx1"),
        SplitAsymmetricConv(4, 3),
        ConvBNReLU(4, 6, (1, 7), padding="same"),
    ],
)
def test_factorizations_keep_the_grid(module, size):
    out = module.eval()(torch.randn(2, 4, size, size))
    assert out.shape == (2, 6, size, size)


def _receptive_window(module: nn.Module, size: int = 15) -> torch.Tensor:
    """Where the gradient of the centre output pixel w.r.t. the input is non-zero."""
    module = module.eval()
    for m in module.modules():  # positive weights and inputs keep every ReLU open
        if isinstance(m, nn.Conv2d):
            nn.init.constant_(m.weight, 0.1)
    x = torch.ones(1, 1, size, size, requires_grad=True)
    module(x)[0, :, size // 2, size // 2].sum().backward()
    return x.grad[0, 0] != 0


@pytest.mark.parametrize(
    ("module", "k"),
    [
        (StackedConv3x3(1, 1, 5), 5),
        (StackedConv3x3(1, 1, 7), 7),
        (AsymmetricConv(1, 1, 3), 3),
        (AsymmetricConv(1, 1, 7), 7),
        (ConvBNReLU(1, 1, 5, padding="same"), 5),
    ],
)
def test_receptive_field_is_exactly_the_window(module, k):
    window = _receptive_window(module)
    c, r = 15 // 2, k // 2
    expected = torch.zeros(15, 15, dtype=torch.bool)
    expected[c - r : c + r + 1, c - r : c + r + 1] = True
    assert torch.equal(window, expected)


def test_linear_stack_has_no_relu_between():
    stack = StackedConv3x3(2, 2, 5, relu_between=False)
    assert isinstance(stack.layers[0].relu, nn.Identity)
    assert isinstance(stack.layers[1].relu, nn.ReLU)
    pair = AsymmetricConv(2, 2, 3, relu_between=False)
    assert isinstance(pair.first.relu, nn.Identity)


@pytest.mark.parametrize("bad", [0, -3, 2, 4, 1.5, "3", True])
def test_bad_kernel_sizes_are_rejected(bad):
    with pytest.raises(ValueError, match="kernel|odd"):
        ConvBNReLU(3, 8, bad, padding="same")


@pytest.mark.parametrize("bad", [1, 2, 4, 6])
def test_stacked_needs_odd_kernel_of_at_least_3(bad):
    with pytest.raises(ValueError, match=f"kernel_size.*{bad}"):
        StackedConv3x3(3, 8, bad)


@pytest.mark.parametrize("n", [1, 0, -1])
def test_asymmetric_needs_n_at_least_2(n):
    with pytest.raises(ValueError, match=rf"n must be an integer >= 2.*{n}"):
        AsymmetricConv(3, 8, n)


def test_asymmetric_even_n_is_rejected():
    with pytest.raises(ValueError, match="odd.*4"):
        AsymmetricConv(3, 8, 4)


@pytest.mark.parametrize("bad", [0, -1, 2.0, None])
def test_bad_channels_are_rejected(bad):
    with pytest.raises(ValueError, match="channels"):
        ConvBNReLU(bad, 8, 3)
    with pytest.raises(ValueError, match="channels"):
        StackedConv3x3(4, 8, 5, mid_channels=bad if bad is not None else 0)


def test_bad_padding_word():
    with pytest.raises(ValueError, match="padding.*'valid'"):
        ConvBNReLU(3, 8, 3, padding="valid")
