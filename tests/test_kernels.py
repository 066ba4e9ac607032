"""kernels.py: receptive fields, kernel composition, rank, fits, linear collapse, closed-form costs."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from inception_lib.blocks import InceptionA, InceptionC
from inception_lib.counting import count_conv_weights, count_macs, count_params
from inception_lib.kernels import (
    FACTORIZATIONS,
    best_rank1,
    build_factorized,
    collapse_linear_convs,
    compose_kernels,
    composition_rank,
    conv_stack,
    factorization_cost,
    fit_factor_kernels,
    fit_single_conv,
    fit_two_3x3,
    kernel_size_counts,
    pre_activation,
    receptive_field,
    singular_values,
    support_shape,
    window_trace,
)
from inception_lib.layers import AsymmetricConv, ConvBNReLU, StackedConv3x3

SOBEL = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])


def _centred(values: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros((size, size))
    k = values.shape[0]
    start = size // 2 - k // 2
    out[start : start + k, start : start + k] = values
    return out


# ---------------------------------------------------------------------------------------- receptive field


@pytest.mark.parametrize(
    ("module", "paths_1d"),
    [
        (StackedConv3x3(1, 1, 5), [1, 2, 3, 2, 1]),
        (StackedConv3x3(1, 1, 7), [1, 3, 6, 7, 6, 3, 1]),
        (ConvBNReLU(1, 1, 5, padding="same"), [1, 1, 1, 1, 1]),
        (AsymmetricConv(1, 1, 3), [1, 1, 1]),
        (AsymmetricConv(1, 1, 7, first="nx1"), [1] * 7),
    ],
)
def test_receptive_field_counts_paths_on_exactly_the_window(module, paths_1d):
    field = receptive_field(module, 1, 11)
    row = np.array(paths_1d, dtype=float)
    assert field.shape == (11, 11)
    np.testing.assert_array_equal(field, _centred(np.outer(row, row), 11))
    assert support_shape(field) == (len(row), len(row))


def test_receptive_field_of_two_2x2_is_3x3():
    two_2x2 = nn.Sequential(nn.Conv2d(1, 1, 2, bias=False), nn.Conv2d(1, 1, 2, bias=False))
    field = receptive_field(two_2x2, 1, 9)
    assert support_shape(field) == (3, 3)
    assert field.max() == 4 and field.sum() == 16  # paths: [1, 2, 1] ⊗ [1, 2, 1]


def test_receptive_field_multiplies_paths_by_intermediate_channels_and_leaves_module_alone():
    module = StackedConv3x3(2, 3, 5, mid_channels=4)
    before = [p.detach().clone() for p in module.parameters()]
    field = receptive_field(module, 2, 9)
    assert field[4, 4] == 9 * 4  # 9 paths through the grid, times 4 intermediate channels
    assert all(torch.equal(a, b) for a, b in zip(before, module.parameters(), strict=True))
    assert module.training  # the copy was put in eval mode, not the module


def test_receptive_field_rejects_flat_outputs():
    with pytest.raises(ValueError, match="4-D"):
        receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Flatten()), 1, 7)


@pytest.mark.parametrize(
    ("kernel", "depth", "first_stride", "windows"),
    [
        (3, 3, 1, [3, 5, 7]),
        (5, 2, 1, [5, 9]),
        (3, 3, 2, [3, 7, 11]),  # the released stem's shape: a stride-2 first layer doubles every later step
        (3, 5, 2, [3, 7, 11, 15, 19]),
        (7, 1, 2, [7]),
    ],
)
def test_window_trace_counts_the_measured_window(kernel, depth, first_stride, windows):
    stack = conv_stack(kernel, depth, first_stride)
    steps = window_trace(stack)
    assert [step.window for step in steps] == [(w, w) for w in windows]
    assert [step.jump for step in steps] == [first_stride] * depth
    assert steps[0].stride == first_stride and all(step.stride == 1 for step in steps[1:])
    field = receptive_field(stack, 1, 25)  # 25 = 1 (mod 4): the centre output sits over the centre input
    assert support_shape(field) == (windows[-1], windows[-1])


def test_window_trace_of_the_released_stem_and_the_7x7_stem():
    from inception_lib.network import InceptionV3

    v3, v2 = InceptionV3(aux_logits=False), InceptionV3(aux_logits=False, stem="7x7")
    stem = nn.Sequential(v3.conv_1a_3x3, v3.conv_2a_3x3, v3.conv_2b_3x3)
    assert [s.window[0] for s in window_trace(stem)] == [3, 7, 11]
    assert [s.name for s in window_trace(stem)] == ["0.conv", "1.conv", "2.conv"]
    assert support_shape(receptive_field(stem, 3, 31)) == (11, 11)
    assert [s.window[0] for s in window_trace(v2.conv_1a_7x7)] == [7]
    assert support_shape(receptive_field(v2.conv_1a_7x7, 3, 31)) == (7, 7)
    # the rest of the stem: maxpool 3×3/2, 1×1, 3×3, maxpool 3×3/2 (the pooling layers count too)
    full = nn.Sequential(*[m for _, m in v3.feature_blocks()[:7]])
    assert [s.window[0] for s in window_trace(full)] == [3, 7, 11, 15, 15, 23, 31]


def test_window_trace_handles_pooling_and_rejects_modules_without_windows():
    steps = window_trace(nn.Sequential(nn.Conv2d(1, 1, 3), nn.MaxPool2d(2), nn.Conv2d(1, 1, (1, 5))))
    assert [(s.kernel, s.stride, s.window, s.jump) for s in steps] == [
        ((3, 3), 1, (3, 3), 1),
        ((2, 2), 2, (4, 4), 2),
        ((1, 5), 1, (4, 12), 2),
    ]
    with pytest.raises(ValueError, match="no convolution or pooling"):
        window_trace(nn.Sequential(nn.ReLU()))
    with pytest.raises(ValueError, match="unequal strides"):
        window_trace(nn.Conv2d(1, 1, 3, stride=(1, 2)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kernel_size": 4, "depth": 2}, "kernel_size must be odd"),
        ({"kernel_size": 3, "depth": 0}, "depth must be a positive integer"),
        ({"kernel_size": 3, "depth": 2, "first_stride": 3}, "first_stride must be 1 or 2"),
    ],
)
def test_conv_stack_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        conv_stack(**kwargs)


def test_support_shape_of_zero_map():
    assert support_shape(np.zeros((4, 4))) == (0, 0)


# ---------------------------------------------------------------------------------------- composition


def test_compose_equals_a_chain_of_torch_convolutions():
    rng = np.random.default_rng(1)
    a, b, c = rng.standard_normal((3, 3)), rng.standard_normal((1, 3)), rng.standard_normal((3, 1))
    x = torch.from_numpy(rng.standard_normal((1, 1, 12, 12)))
    chain = x
    for k in (a, b, c):
        chain = F.conv2d(chain, torch.from_numpy(k)[None, None])
    once = F.conv2d(x, torch.from_numpy(compose_kernels([a, b, c]))[None, None])
    assert compose_kernels([a, b, c]).shape == (5, 5)
    torch.testing.assert_close(chain, once)
    np.testing.assert_allclose(compose_kernels([a, c, b]), compose_kernels([c, b, a]))  # commutative


def test_1x3_and_3x1_compose_to_their_outer_product():
    row, column = np.array([[1.0, 0.0, -1.0]]), np.array([[1.0], [2.0], [1.0]])
    np.testing.assert_array_equal(compose_kernels([row, column]), SOBEL)
    np.testing.assert_array_equal(compose_kernels([column, row]), SOBEL)


def test_compose_rejects_bad_input():
    with pytest.raises(ValueError):
        compose_kernels([])
    with pytest.raises(ValueError, match="2-D"):
        compose_kernels([np.ones(3)])


# ---------------------------------------------------------------------------------------- rank


def test_sobel_is_rank_one_and_factors_exactly():
    s = singular_values(SOBEL)
    assert s[0] > 3 and np.all(s[1:] < 1e-12)
    fit = best_rank1(SOBEL)
    np.testing.assert_allclose(fit.column, [1, 2, 1])
    np.testing.assert_allclose(fit.row, [1, 0, -1])
    assert fit.relative_residual < 1e-12


def test_random_kernel_is_not_separable():
    kernel = np.random.default_rng(0).standard_normal((3, 3))
    s = singular_values(kernel)
    fit = best_rank1(kernel)
    assert np.all(s > 1e-3) and list(s) == sorted(s, reverse=True)
    assert fit.relative_residual == pytest.approx(np.sqrt((s[1:] ** 2).sum() / (s**2).sum()))
    assert fit.relative_residual > 0.1


def test_best_rank1_rejects_zero():
    with pytest.raises(ValueError):
        best_rank1(np.zeros((3, 3)))


def test_alternating_least_squares_finds_the_svd_optimum_for_1x3_3x1():
    kernel = np.random.default_rng(3).standard_normal((3, 3))
    fit = fit_factor_kernels(kernel, [(3, 1), (1, 3)], restarts=2, iterations=50)
    assert fit.relative_residual == pytest.approx(best_rank1(kernel).relative_residual, abs=1e-8)


def test_two_3x3_fit_a_composition_but_not_a_random_5x5():
    rng = np.random.default_rng(5)
    random_5x5 = rng.standard_normal((5, 5))
    composed = compose_kernels([rng.standard_normal((3, 3)), rng.standard_normal((3, 3))])
    fit_random = fit_two_3x3(random_5x5, seed=0, restarts=4, iterations=100)
    fit_composed = fit_two_3x3(composed, seed=0, restarts=4, iterations=100)
    assert fit_random.relative_residual > 0.1
    assert fit_composed.relative_residual < 1e-6
    np.testing.assert_allclose(compose_kernels(fit_random.kernels), fit_random.composed)
    again = fit_two_3x3(random_5x5, seed=0, restarts=4, iterations=100)
    assert again.relative_residual == fit_random.relative_residual
    np.testing.assert_array_equal(again.kernels[0], fit_random.kernels[0])


def test_fit_rejects_shapes_that_do_not_compose_to_the_target():
    with pytest.raises(ValueError, match="compose"):
        fit_factor_kernels(np.ones((5, 5)), [(3, 3)])
    with pytest.raises(ValueError, match="zero"):
        fit_two_3x3(np.zeros((5, 5)))


@pytest.mark.parametrize(
    ("shapes", "rank"),
    [([(3, 3), (3, 3)], 17), ([(3, 3)] * 3, 25), ([(1, 3), (3, 1)], 5), ([(2, 2), (2, 2)], 7)],
)
def test_degrees_of_freedom_of_compositions(shapes, rank):
    assert composition_rank(shapes) == rank


# ---------------------------------------------------------------------------------------- linear collapse


def _randomise_batchnorm(module: nn.Module) -> nn.Module:
    for bn in module.modules():
        if isinstance(bn, nn.BatchNorm2d):
            bn.running_mean.normal_()
            bn.running_var.uniform_(0.5, 2.0)
            nn.init.normal_(bn.weight)
            nn.init.normal_(bn.bias)
    return module.eval()


@pytest.mark.parametrize(
    "module",
    [
        StackedConv3x3(3, 4, 5, mid_channels=6, relu_between=False),
        StackedConv3x3(2, 2, 7, relu_between=False),
        AsymmetricConv(3, 5, 7, mid_channels=4, relu_between=False),
        AsymmetricConv(1, 1, 3, relu_between=False, first="nx1"),
    ],
)
def test_linear_chain_is_one_convolution(module):
    torch.manual_seed(0)
    _randomise_batchnorm(module)
    conv = collapse_linear_convs(module)
    x = torch.randn(2, conv.in_channels, 14, 14)
    p = conv.kernel_size[0] // 2
    with torch.no_grad():
        expected, got = module(x), torch.relu(conv(x))
    torch.testing.assert_close(got[..., p:-p, p:-p], expected[..., p:-p, p:-p], atol=1e-5, rtol=1e-5)


def test_relu_between_cannot_collapse():
    with pytest.raises(ValueError, match="ReLU"):
        collapse_linear_convs(StackedConv3x3(1, 1, 5))
    with pytest.raises(ValueError):
        collapse_linear_convs(nn.Sequential(nn.ReLU()))


def test_pre_activation_drops_only_the_last_relu():
    module = StackedConv3x3(1, 1, 7)
    copy = pre_activation(module)
    relus = [unit.relu for unit in copy.layers]
    assert isinstance(relus[-1], nn.Identity) and all(isinstance(r, nn.ReLU) for r in relus[:-1])
    assert isinstance(module.layers[-1].relu, nn.ReLU)


def test_single_conv_fit_separates_linear_from_relu_stacks():
    torch.manual_seed(0)
    x = torch.randn(8, 1, 16, 16)
    residuals = {}
    for relu_between in (False, True):
        module = pre_activation(StackedConv3x3(1, 1, 5, relu_between=relu_between)).eval()
        with torch.no_grad():
            residuals[relu_between] = fit_single_conv(x, module(x), 5)
    assert residuals[False] < 1e-5
    assert residuals[True] > 0.1


def test_single_conv_fit_rejects_bad_shapes():
    with pytest.raises(ValueError):
        fit_single_conv(torch.zeros(1, 2, 8, 8), torch.zeros(1, 2, 8, 8), 3)
    with pytest.raises(ValueError):
        fit_single_conv(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 6, 6), 3)
    with pytest.raises(ValueError, match="constant"):
        fit_single_conv(torch.randn(1, 1, 8, 8), torch.zeros(1, 1, 8, 8), 3)


# ---------------------------------------------------------------------------------------- shapes and costs


def test_kernel_size_counts_show_the_released_5x5():
    assert kernel_size_counts(InceptionA(192, 32)) == {"1×1": 4, "5×5": 1, "3×3": 2}
    assert kernel_size_counts(InceptionA(192, 32, factorized=False)) == {"1×1": 4, "5×5": 2}
    assert kernel_size_counts(InceptionC(768, 128)) == {"1×1": 4, "1×7": 3, "7×1": 3}


@pytest.mark.parametrize("kind", sorted(FACTORIZATIONS))
@pytest.mark.parametrize("n", [3, 5, 7])
@pytest.mark.parametrize(("c_in", "c_out", "mid", "grid"), [(3, 5, None, 9), (4, 6, 7, 5)])
def test_closed_form_cost_matches_the_library_counts(kind, n, c_in, c_out, mid, grid):
    module = build_factorized(kind, n, c_in, c_out, mid)
    cost = factorization_cost(kind, n, c_in, c_out, grid, mid)
    assert cost.conv_weights == count_conv_weights(module)
    assert cost.params == count_params(module)
    assert cost.macs == count_macs(module, grid)
    assert cost.layers == sum(isinstance(m, nn.Conv2d) for m in module.modules())


def test_per_channel_pair_costs():
    weights = {kind: factorization_cost(kind, 5, 1, 1, 1).conv_weights for kind in FACTORIZATIONS}
    assert weights == {"full": 25, "stacked3x3": 18, "asymmetric": 10}


def test_bad_kind_raises():
    with pytest.raises(ValueError, match="kind"):
        build_factorized("dilated", 5, 1, 1)
    with pytest.raises(ValueError, match="kind"):
        factorization_cost("dilated", 5, 1, 1, 7)
    with pytest.raises(ValueError):
        factorization_cost("full", 4, 1, 1, 7)
