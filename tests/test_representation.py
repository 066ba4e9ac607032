"""Measuring the representational bottleneck (representation.py): sizes, decoders, the three strategies."""

import pytest
import torch
from torch import nn

from inception_lib.blocks import InceptionThenPool, ParallelReduction, PoolThenInception, Reduction35to17
from inception_lib.counting import count_macs, mac_report
from inception_lib.representation import (
    DEFAULT_ALPHAS,
    EVEN_SPLIT_NAME,
    STRATEGY_NAMES,
    build_strategies,
    linear_reconstruction_error,
    linear_reconstructions,
    make_inputs,
    measure_strategies,
    pca_reconstruction_error,
    plain_conv_strategies,
    reduction_steps,
    representation_trace,
    smallest_representation,
    strategy_costs,
    strategy_inputs,
)


def test_reduction_steps_follow_the_forward_order():
    assert [n for n, _ in reduction_steps(PoolThenInception(8, 24))] == ["max pool 3×3/2", "Inception module"]
    assert [n for n, _ in reduction_steps(InceptionThenPool(8, 24))] == ["Inception module", "max pool 3×3/2"]
    block = ParallelReduction(8, 24)
    assert reduction_steps(block) == [("stride-2 convs ‖ stride-2 pool", block)]
    seq = nn.Sequential(nn.Identity(), nn.ReLU())
    assert [n for n, _ in reduction_steps(seq)] == ["Identity", "ReLU"]


def test_trace_sizes_show_the_pool_first_bottleneck():
    pool_first = representation_trace(PoolThenInception(8, 24), (8, 15, 15))
    assert [(s.shape, s.size) for s in pool_first] == [
        ((8, 15, 15), 1800),
        ((8, 7, 7), 392),
        ((24, 7, 7), 1176),
    ]
    inception_first = representation_trace(InceptionThenPool(8, 24), (8, 15, 15))
    assert [s.size for s in inception_first] == [1800, 24 * 15 * 15, 1176]
    assert smallest_representation(pool_first) == 392
    assert smallest_representation(inception_first) == 1176
    parallel = representation_trace(ParallelReduction(8, 24), (8, 15, 15))
    assert smallest_representation(parallel) == 1176


def test_trace_rejects_bad_shapes_and_keeps_training_mode():
    block = PoolThenInception(4, 8).train()
    representation_trace(block, (4, 9, 9))
    assert block.training
    with pytest.raises(ValueError, match="C, H, W"):
        representation_trace(block, (9, 9))
    with pytest.raises(ValueError, match="at least one step"):
        smallest_representation(representation_trace(block, (4, 9, 9))[:1])


def test_make_inputs_is_seeded_and_smooth_inputs_are_correlated():
    a, b = make_inputs(64, (2, 9, 9), "noise", seed=3), make_inputs(64, (2, 9, 9), "noise", seed=3)
    assert a.shape == (64, 2, 9, 9) and torch.equal(a, b)
    assert not torch.equal(a, make_inputs(64, (2, 9, 9), "noise", seed=4))

    def neighbour_corr(x):
        return torch.corrcoef(torch.stack([x[..., :-1].flatten(), x[..., 1:].flatten()]))[0, 1].item()

    smooth = make_inputs(256, (2, 9, 9), "smooth", seed=0)
    assert smooth.shape == (256, 2, 9, 9)
    assert abs(smooth.std().item() - 1.0) < 1e-4
    assert neighbour_corr(smooth) > 0.6 > 0.1 > abs(neighbour_corr(a))
    with pytest.raises(ValueError, match="kind"):
        make_inputs(4, (1, 5, 5), "images")


def test_decoder_recovers_an_invertible_code_and_nothing_from_a_constant():
    train, test = make_inputs(600, (1, 5, 5), seed=1), make_inputs(200, (1, 5, 5), seed=2)
    identity = linear_reconstruction_error(lambda x: 2.0 * x + 1.0, train, test)
    assert identity.error < 1e-6 and identity.code_size == 25 and identity.alpha in DEFAULT_ALPHAS
    constant = linear_reconstruction_error(lambda x: torch.ones(len(x), 3), train, test)
    assert constant.error == pytest.approx(1.0, abs=0.02)


def test_decoder_of_a_projection_matches_the_pca_floor_on_white_noise():
    # White noise: keeping 10 of 25 coordinates loses 15/25 of the variance, whatever the decoder.
    train, test = make_inputs(2000, (1, 5, 5), seed=1), make_inputs(1000, (1, 5, 5), seed=2)
    result = linear_reconstruction_error(lambda x: x.flatten(1)[:, :10], train, test)
    assert result.error == pytest.approx(0.6, abs=0.05)
    assert pca_reconstruction_error(train, test, 10) == pytest.approx(0.6, abs=0.05)
    assert pca_reconstruction_error(train, test, 25) < 1e-9
    with pytest.raises(ValueError, match="code_size"):
        pca_reconstruction_error(train, test, 26)


def test_pca_floor_falls_with_code_size_and_is_lower_for_smooth_inputs():
    noise = make_inputs(800, (1, 7, 7), "noise", seed=1), make_inputs(300, (1, 7, 7), "noise", seed=2)
    smooth = make_inputs(800, (1, 7, 7), "smooth", seed=1), make_inputs(300, (1, 7, 7), "smooth", seed=2)
    errors = [pca_reconstruction_error(*smooth, k) for k in (4, 12, 24)]
    assert errors[0] > errors[1] > errors[2]
    assert pca_reconstruction_error(*smooth, 12) < 0.5 * pca_reconstruction_error(*noise, 12)


def test_decoder_argument_checks():
    x = make_inputs(20, (1, 3, 3))
    with pytest.raises(ValueError, match="validation_fraction"):
        linear_reconstruction_error(lambda t: t, x, x, validation_fraction=1.0)
    with pytest.raises(ValueError, match="alphas"):
        linear_reconstruction_error(lambda t: t, x, x, alphas=())


def test_build_strategies_is_seeded_and_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    state = torch.get_rng_state()
    a, b = build_strategies(4, 12, seed=5), build_strategies(4, 12, seed=5)
    assert torch.equal(torch.get_rng_state(), state)
    assert list(a) == list(STRATEGY_NAMES)
    for name in STRATEGY_NAMES:
        assert not a[name].training
        for pa, pb in zip(a[name].parameters(), b[name].parameters(), strict=True):
            assert torch.equal(pa, pb)
    c = build_strategies(4, 12, seed=6)
    assert not torch.equal(next(a[STRATEGY_NAMES[2]].parameters()), next(c[STRATEGY_NAMES[2]].parameters()))


def test_plain_conv_strategies_reproduce_section_5_arithmetic():
    # d = 16, k = 8 -> 2k = 16: conv-first costs 4× pool-first, the parallel block half of pool-first.
    blocks = plain_conv_strategies(8, 16)
    macs = {name: count_macs(b, (8, 16, 16)) for name, b in blocks.items()}
    assert macs["conv → pool"] == 4 * macs["pool → conv"]
    assert 2 * macs["parallel"] == macs["pool → conv"]
    for b in blocks.values():
        assert b(torch.zeros(1, 8, 16, 16)).shape == (1, 16, 8, 8)
    with pytest.raises(ValueError, match="exceed"):
        plain_conv_strategies(8, 8)


def test_measure_strategies_costs_sizes_and_errors():
    rows = measure_strategies(2, 6, 7, n_train=1500, n_test=300, kinds=("smooth",))
    assert [r.name for r in rows] == list(STRATEGY_NAMES)
    pool_first, inception_first, parallel = rows
    assert pool_first.params == inception_first.params  # same module, only the pooling moves
    assert inception_first.macs > 3 * pool_first.macs
    assert {r.output_shape for r in rows} == {(6, 3, 3)}
    assert pool_first.smallest == 2 * 3 * 3 < parallel.smallest == 6 * 3 * 3
    # pool-first is measured right after the pooling too; the enlarged Inception-first tensor is not
    assert list(pool_first.step_errors["smooth"]) == ["max pool 3×3/2", "Inception module"]
    assert list(inception_first.step_errors["smooth"]) == ["max pool 3×3/2"]
    for r in rows:
        assert 0.0 <= r.errors["smooth"] <= 1.05
    # the parallel block's output contains the pooled input itself: decoding can only get better
    assert parallel.errors["smooth"] <= pool_first.step_errors["smooth"]["max pool 3×3/2"] + 0.02
    assert measure_strategies(2, 6, 7)[0].step_errors == {}


def test_strategy_inputs_are_fixed_per_kind_and_split():
    train, test = strategy_inputs((1, 5, 5), "smooth", 30, 10, seed=0)
    assert train.shape == (30, 1, 5, 5) and test.shape == (10, 1, 5, 5)
    again, _ = strategy_inputs((1, 5, 5), "smooth", 30, 10, seed=0)
    assert torch.equal(train, again)
    noise, _ = strategy_inputs((1, 5, 5), "noise", 30, 10, seed=0)
    assert not torch.equal(train, noise) and not torch.equal(train[:10], test)
    with pytest.raises(ValueError, match="kind"):
        strategy_inputs((1, 5, 5), "images", 3, 3)


def test_the_figure_10_strategy_is_mixed_6a_and_the_even_split_is_the_aside():
    blocks = build_strategies(288, 768)
    parallel = blocks["parallel (Figure 10)"]
    assert isinstance(parallel, Reduction35to17)
    released = Reduction35to17(288)
    assert [p.shape for p in parallel.parameters()] == [p.shape for p in released.parameters()]
    even = build_strategies(288, 768, parallel="even")
    assert list(even) == [*STRATEGY_NAMES[:2], EVEN_SPLIT_NAME]
    assert isinstance(even[EVEN_SPLIT_NAME], ParallelReduction)
    assert reduction_steps(parallel) == [("stride-2 convs ‖ stride-2 pool", parallel)]
    with pytest.raises(ValueError, match="parallel"):
        build_strategies(4, 12, parallel="figure9")
    # Mixed_6a's design is the cheap one: its wide branch works at stride 2.
    rows = {r.name: r.macs for r in measure_strategies(288, 768, 35)}
    aside = measure_strategies(288, 768, 35, parallel="even")[2]
    assert rows["parallel (Figure 10)"] < 0.4 * aside.macs
    assert rows["parallel (Figure 10)"] < 0.3 * rows["Inception → pool"]


def test_measured_macs_are_conv_and_linear_only():
    row = measure_strategies(8, 24, 15)[1]
    block = build_strategies(8, 24)[row.name]
    report = mac_report(block, (8, 15, 15))
    assert row.macs == report.conv_linear < report.total  # fvcore's total adds BatchNorm


def test_strategy_costs_are_quick_shapes_only_counts():
    fast = strategy_costs(8, 24, 15)
    slow = measure_strategies(8, 24, 15)
    assert [(f.name, f.params, f.macs, f.smallest, f.output_shape) for f in fast] == [
        (s.name, s.params, s.macs, s.smallest, s.output_shape) for s in slow
    ]
    even = strategy_costs(8, 24, 15, parallel="even")[2]
    assert even.name == EVEN_SPLIT_NAME
    assert even.macs == measure_strategies(8, 24, 15, parallel="even")[2].macs
    with pytest.raises(ValueError, match="size"):
        strategy_costs(8, 24, 2)


def test_linear_reconstructions_are_the_decoder_behind_the_error():
    train, test = make_inputs(600, (1, 5, 5), "smooth", seed=1), make_inputs(50, (1, 5, 5), "smooth", seed=2)
    pooled = torch.nn.MaxPool2d(3, stride=2)
    rebuilt = linear_reconstructions(pooled, train, test)
    assert rebuilt.shape == test.shape and rebuilt.dtype == torch.float64
    mean = train[:480].double().mean(0)
    error = float(((test.double() - rebuilt) ** 2).sum() / ((test.double() - mean) ** 2).sum())
    assert error == pytest.approx(linear_reconstruction_error(pooled, train, test).error, rel=1e-9)
    assert torch.allclose(linear_reconstructions(lambda x: x, train, test), test.double(), atol=1e-2)
