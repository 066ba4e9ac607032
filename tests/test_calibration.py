"""calibration.py: the optimal logit gap, confidence, reliability bins, ECE, and the label-smoothing
experiment of chapter 5."""

import math

import pytest
import torch

from inception_lib.calibration import (
    SmallConvNet,
    SmoothingRun,
    calibration_stats,
    confidence_stats,
    expected_calibration_error,
    label_smoothing_experiment,
    optimal_logit_gap,
    paired_differences,
    reliability_bins,
    summarize,
)
from inception_lib.counting import count_params
from inception_lib.recipe import label_smoothing_loss


def test_optimal_logit_gap_minimises_smoothed_loss():
    k, eps = 10, 0.1
    gap = optimal_logit_gap(k, eps)
    assert gap == pytest.approx(math.log(1 + k * (1 - eps) / eps))

    def loss_at(g):
        logits = torch.zeros(1, k, dtype=torch.float64)
        logits[0, 0] = g
        return label_smoothing_loss(logits, torch.tensor([0]), eps).item()

    assert loss_at(gap) < loss_at(gap - 0.5)
    assert loss_at(gap) < loss_at(gap + 0.5)
    assert optimal_logit_gap(k, 0.0) == math.inf


def test_confidence_stats():
    logits = torch.tensor([[4.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    labels = torch.tensor([0, 2])
    stats = confidence_stats(logits, labels)
    assert stats["accuracy"] == 0.5
    assert stats["logit_gap"] == pytest.approx((4.0 + 1.0) / 2)
    assert stats["max_logit"] == pytest.approx(2.5)
    p0 = math.exp(4) / (math.exp(4) + 2)
    p1 = math.e / (math.e + 2)
    assert stats["confidence"] == pytest.approx((p0 + p1) / 2)
    with pytest.raises(ValueError):
        confidence_stats(logits, labels[:1])


def two_class_logits(confidences, predicted):
    """Logits of a two-class problem whose top probability is exactly each confidence (> 0.5)."""
    rows = []
    for p, k in zip(confidences, predicted, strict=True):
        gap = math.log(p / (1 - p))
        rows.append([gap, 0.0] if k == 0 else [0.0, gap])
    return torch.tensor(rows, dtype=torch.float64)


def reference_ece(conf, correct, n_bins):
    """ECE written out independently: loop over the predictions, not over bins."""
    total = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        members = [i for i, c in enumerate(conf) if (lo < c <= hi) or (b == 0 and c == 0)]
        if members:
            acc = sum(correct[i] for i in members) / len(members)
            mean_conf = sum(conf[i] for i in members) / len(members)
            total += len(members) / len(conf) * abs(acc - mean_conf)
    return total


def test_bins_count_and_average_the_right_predictions():
    conf = [0.55, 0.65, 0.95, 0.95, 0.92]
    pred = [0, 1, 0, 1, 1]
    labels = torch.tensor([0, 0, 0, 1, 0])  # correct: yes, no, yes, yes, no
    bins = reliability_bins(two_class_logits(conf, pred), labels, n_bins=10)
    assert bins.edges[0] == 0.0 and bins.edges[-1] == 1.0 and len(bins.edges) == 11
    assert bins.count == [0, 0, 0, 0, 0, 1, 1, 0, 0, 3]
    assert bins.total == 5
    assert bins.accuracy[5] == 1.0 and bins.accuracy[6] == 0.0
    assert bins.accuracy[9] == pytest.approx(2 / 3)
    assert bins.confidence[9] == pytest.approx((0.95 + 0.95 + 0.92) / 3)
    assert math.isnan(bins.accuracy[0]) and math.isnan(bins.confidence[0])
    expected = 0.2 * 0.45 + 0.2 * 0.65 + 0.6 * abs(2 / 3 - (0.95 + 0.95 + 0.92) / 3)
    assert bins.ece() == pytest.approx(expected)


def test_a_confidence_on_an_edge_lands_in_the_bin_it_closes():
    logits = torch.zeros(4, 2, dtype=torch.float64)  # every confidence is exactly 0.5
    bins = reliability_bins(logits, torch.tensor([0, 0, 1, 1]), n_bins=10)
    assert bins.count[4] == 4  # (0.4, 0.5]
    assert expected_calibration_error(logits, torch.tensor([0, 0, 1, 1])) == pytest.approx(0.0)


def test_ece_matches_an_independent_implementation_on_random_logits():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(500, 10, generator=gen, dtype=torch.float64) * 3
    labels = torch.randint(0, 10, (500,), generator=gen)
    probs = torch.softmax(logits, 1)
    conf = probs.max(1).values.tolist()
    correct = (probs.argmax(1) == labels).tolist()
    for n_bins in (1, 5, 15):
        assert expected_calibration_error(logits, labels, n_bins) == pytest.approx(
            reference_ece(conf, correct, n_bins), abs=1e-12
        )


def test_calibrated_and_overconfident_predictions():
    # 10 predictions at confidence 0.8, 8 of them right: calibrated.
    logits = two_class_logits([0.8] * 10, [0] * 10)
    labels = torch.tensor([0] * 8 + [1] * 2)
    assert expected_calibration_error(logits, labels) == pytest.approx(0.0, abs=1e-9)
    stats = calibration_stats(logits, labels)
    assert stats["overconfidence"] == pytest.approx(0.0, abs=1e-9)
    # The same confidence, half of them right: over-confident by 0.3.
    labels = torch.tensor([0] * 5 + [1] * 5)
    stats = calibration_stats(logits, labels)
    assert stats["ece"] == pytest.approx(0.3)
    assert stats["overconfidence"] == pytest.approx(0.3)
    assert set(stats) >= {"accuracy", "confidence", "logit_gap", "max_logit", "ece", "overconfidence"}


@pytest.mark.parametrize(
    "logits, labels, kwargs, message",
    [
        (torch.zeros(5), torch.zeros(5, dtype=torch.long), {}, r"logits must be a tensor \(N, K\)"),
        (torch.zeros(5, 1), torch.zeros(5, dtype=torch.long), {}, "K >= 2"),
        (torch.zeros(5, 3), torch.zeros(4, dtype=torch.long), {}, "N = 5"),
        (torch.zeros(5, 3), torch.zeros(5), {}, "integer class indices"),
        (torch.zeros(0, 3), torch.zeros(0, dtype=torch.long), {}, "at least one prediction"),
        (
            torch.zeros(5, 3),
            torch.zeros(5, dtype=torch.long),
            {"n_bins": 0},
            "n_bins must be an integer >= 1",
        ),
    ],
)
def test_bad_input_is_explained(logits, labels, kwargs, message):
    with pytest.raises(ValueError, match=message):
        reliability_bins(logits, labels, **kwargs)


def test_small_convnet_shapes_and_size():
    net = SmallConvNet(num_classes=10, width=8)
    assert net(torch.zeros(3, 3, 24, 24)).shape == (3, 10)
    # conv 3->8, 8->16, 16->32 (3×3, no bias) + BN (2 per channel) + fc 32->10
    expected = 9 * (3 * 8 + 8 * 16 + 16 * 32) + 2 * (8 + 16 + 32) + 32 * 10 + 10
    assert count_params(net) == expected
    with pytest.raises(ValueError, match="width must be an integer >= 1"):
        SmallConvNet(width=0)
    with pytest.raises(ValueError, match="num_classes must be an integer >= 2"):
        SmallConvNet(num_classes=1)


SMALL = dict(train_size=20, val_size=30, image_size=16, epochs=2, batch_size=10)


@pytest.fixture(scope="module")
def small_runs(one_cpu_thread):
    return label_smoothing_experiment(eps_values=(0.0, 0.1), seeds=(0, 1), **SMALL)


def test_experiment_pairs_runs_by_seed_and_shares_the_validation_set(small_runs):
    assert [(r.seed, r.eps) for r in small_runs] == [(0, 0.0), (0, 0.1), (1, 0.0), (1, 0.1)]
    for r in small_runs:
        assert r.logits.shape == (30, 10) and r.labels.shape == (30,)
        assert torch.equal(r.labels, small_runs[0].labels)
        assert 0.0 <= r.train_accuracy <= 1.0
    # Different targets (same seed) and different seeds give different networks.
    assert not torch.equal(small_runs[0].logits, small_runs[1].logits)
    assert not torch.equal(small_runs[0].logits, small_runs[2].logits)


def test_experiment_is_reproducible(small_runs, one_cpu_thread):
    again = label_smoothing_experiment(eps_values=(0.0,), seeds=(1,), **SMALL)
    assert torch.equal(again[0].logits, small_runs[2].logits)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"eps_values": ()}, "eps_values is empty"),
        ({"eps_values": (0.0, 1.0)}, r"every ε must be in \[0, 1\)"),
        ({"seeds": ()}, "seeds is empty"),
        ({"seeds": (0, 0)}, "seeds must be distinct"),
        ({"epochs": 0}, "epochs must be an integer >= 1"),
        ({"train_size": 2.5}, "train_size must be an integer >= 1"),
        ({"image_size": 4}, "image_size must be an integer >= 8"),
        ({"lr": 0.0}, "lr must be positive"),
    ],
)
def test_experiment_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        label_smoothing_experiment(**kwargs)


def _run(eps, seed, confidences, correct):
    """A run whose validation predictions have the given confidences; correct[i] says if i is right."""
    logits = two_class_logits(confidences, [0] * len(confidences))
    labels = torch.tensor([0 if c else 1 for c in correct])
    return SmoothingRun(eps, seed, logits, labels, 1.0)


def test_paired_differences_and_summary():
    runs = [
        _run(0.0, 0, [0.9] * 4, [True, True, False, False]),
        _run(0.1, 0, [0.7] * 4, [True, True, False, False]),
        _run(0.0, 1, [0.95] * 4, [True, True, True, False]),
        _run(0.1, 1, [0.6] * 4, [True, True, True, False]),
    ]
    assert paired_differences(runs, "confidence", eps=0.1) == pytest.approx([-0.2, -0.35])
    assert paired_differences(runs, "accuracy", eps=0.1) == pytest.approx([0.0, 0.0])
    assert paired_differences(runs, "ece", eps=0.1) == pytest.approx([0.2 - 0.4, 0.15 - 0.2])
    summary = summarize(runs)
    assert list(summary) == [0.0, 0.1]
    mean, sd = summary[0.0]["confidence"]
    assert mean == pytest.approx(0.925) and sd == pytest.approx(0.025)
    with pytest.raises(ValueError, match="unknown metric 'loss'"):
        paired_differences(runs, "loss", eps=0.1)
    with pytest.raises(ValueError, match="seed 1 has no run with ε = 0.1"):
        paired_differences(runs[:3], "confidence", eps=0.1)
    with pytest.raises(ValueError, match="no runs"):
        summarize([])
