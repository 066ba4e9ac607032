"""plots/recipe.py: chapter 5's figures draw what the library computes, in the book's style."""

import matplotlib
import numpy as np
import pytest
import torch
from matplotlib.colors import to_hex

from inception_lib.calibration import SmoothingRun, reliability_bins
from inception_lib.plots.common import OKABE_ITO
from inception_lib.plots.recipe import (
    plot_reliability,
    plot_smoothed_targets,
    plot_smoothing_explorer_view,
    plot_smoothing_seeds,
)
from inception_lib.recipe import optimal_logit_gap, smooth_targets

matplotlib.use("Agg")


def _texts(fig):
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip()]


def _assert_book_style(fig):
    small = [(t.get_text(), t.get_fontsize()) for t in _texts(fig) if t.get_fontsize() < 9]
    assert not small, f"text below 9 pt: {small}"
    for ax in fig.axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def _runs():
    gen = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 10, (200,), generator=gen)
    runs = []
    for seed in range(3):
        for eps, scale in ((0.0, 6.0), (0.1, 2.0)):
            logits = torch.randn(200, 10, generator=gen) * scale
            runs.append(SmoothingRun(eps, seed, logits, labels, 1.0))
    return runs


def test_smoothed_targets_bars_are_the_library_targets():
    fig = plot_smoothed_targets(num_classes=10, eps=0.1, label=3)
    heights = [p.get_height() for p in fig.axes[0].patches]
    expected = (
        smooth_targets(torch.tensor([3]), 10, 0.0)[0].tolist()
        + smooth_targets(torch.tensor([3]), 10, 0.1)[0].tolist()
    )
    assert heights == pytest.approx(expected)
    colours = {to_hex(p.get_facecolor()).upper() for p in fig.axes[0].patches}
    assert colours <= {c.upper() for c in OKABE_ITO}
    _assert_book_style(fig)


def test_seed_figure_has_a_line_per_seed_and_the_optimum():
    runs = _runs()
    fig = plot_smoothing_seeds(runs, num_classes=10)
    assert [ax.get_title() for ax in fig.axes] == [
        "Confidence",
        "Accuracy",
        "Logit gap",
        "Calibration error (ECE)",
    ]
    for ax in fig.axes:
        grey = [line for line in ax.lines if line.get_color() == "0.6"]
        assert len(grey) == 3  # one per seed, joining its two runs
    conf_ax = fig.axes[0]
    seed0 = [line for line in conf_ax.lines if line.get_color() == "0.6"][0]
    assert list(seed0.get_ydata()) == pytest.approx(
        [runs[0].stats()["confidence"], runs[1].stats()["confidence"]]
    )
    optimum = [c for c in fig.axes[2].collections if c.get_linestyle()[0][1] is not None]
    segments = optimum[0].get_segments()
    assert segments[0][0][1] == pytest.approx(optimal_logit_gap(10, 0.1))
    _assert_book_style(fig)


def test_reliability_bars_are_the_pooled_bins():
    runs = _runs()
    fig = plot_reliability(runs, n_bins=10)
    assert len(fig.axes) == 2
    for ax, eps in zip(fig.axes, (0.0, 0.1), strict=True):
        chosen = [r for r in runs if r.eps == eps]
        bins = reliability_bins(torch.cat([r.logits for r in chosen]), torch.cat([r.labels for r in chosen]))
        filled = [a for a, n in zip(bins.accuracy, bins.count, strict=True) if n]
        heights = [p.get_height() for p in ax.patches[: len(filled)]]
        assert heights == pytest.approx(filled)
        mean_ece = np.mean([r.stats()["ece"] for r in chosen])
        assert f"ECE {mean_ece:.3f}" in ax.get_title()
    _assert_book_style(fig)
    with pytest.raises(ValueError, match="no runs"):
        plot_reliability([])


@pytest.mark.parametrize("eps, k", [(0.1, 10), (0.3, 1000), (0.0, 2)])
def test_explorer_view_shows_the_target_and_the_gap(eps, k):
    fig = plot_smoothing_explorer_view(eps, k)
    target_ax, gap_ax = fig.axes
    heights = [p.get_height() for p in target_ax.patches]
    q = smooth_targets(torch.tensor([0]), k, eps)[0].double()
    assert heights == pytest.approx([q[0].item(), q[1].item(), q[1:].sum().item()], rel=1e-6)
    markers = [line for line in gap_ax.lines if line.get_marker() == "o"]
    if eps > 0:
        assert markers[0].get_ydata()[0] == pytest.approx(optimal_logit_gap(k, eps))
    else:
        assert not markers
        assert any("no finite optimum" in t.get_text() for t in _texts(fig))
    # The same axes for every view, so that switching views compares like with like.
    assert gap_ax.get_ylim() == plot_smoothing_explorer_view(0.2, 2).axes[1].get_ylim()
    _assert_book_style(fig)


def test_explorer_view_rejects_bad_values():
    with pytest.raises(ValueError, match="num_classes must be at least 2"):
        plot_smoothing_explorer_view(0.1, 1)
    with pytest.raises(ValueError, match=r"eps must be in \[0, 1\)"):
        plot_smoothing_explorer_view(1.0, 10)
