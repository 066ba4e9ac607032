"""plots/recipe.py: chapter 5's figures draw what the library computes, in the book's style."""

import matplotlib
import numpy as np
import pytest
import torch
from matplotlib.colors import to_hex

from inception_lib.calibration import (
    SmoothingRun,
    expected_calibration_error,
    optimal_logit_gap,
    reliability_bins,
)
from inception_lib.data import SyntheticShapes
from inception_lib.plots.common import OKABE_ITO, figure_problems
from inception_lib.plots.recipe import (
    plot_dataset_samples,
    plot_lr_schedule,
    plot_optimizer_race,
    plot_reliability,
    plot_rmsprop_multiplier,
    plot_smoothed_targets,
    plot_smoothing_explorer_view,
    plot_smoothing_seeds,
)
from inception_lib.recipe import smooth_targets

matplotlib.use("Agg")


def _texts(fig):
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip()]


def _assert_book_style(fig):
    small = [(t.get_text(), t.get_fontsize()) for t in _texts(fig) if t.get_fontsize() < 9]
    assert not small, f"text below 9 pt: {small}"
    for ax in fig.axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    # readable where it is read: at most 6.9 in wide as rendered, no text below 8 pt
    assert figure_problems(fig) == []


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
    expected = (
        smooth_targets(torch.tensor([3]), 10, 0.0)[0].tolist()
        + smooth_targets(torch.tensor([3]), 10, 0.1)[0].tolist()
    )
    whole, zoom = fig.axes
    for ax in (whole, zoom):
        heights = [p.get_height() for p in ax.patches]
        assert heights == pytest.approx(expected)
        colours = {to_hex(p.get_facecolor()).upper() for p in ax.patches}
        assert colours <= {c.upper() for c in OKABE_ITO}
    assert whole.get_ylim()[1] > 1.0
    # The magnified panel makes the eps/K bars readable: at least a third of its height.
    low, high = zoom.get_ylim()
    assert low == 0 and 0.1 / 10 >= high / 3
    _assert_book_style(fig)


def test_smoothed_target_bars_of_the_wrong_classes_are_tall_enough_to_read():
    fig = plot_smoothed_targets(num_classes=10, eps=0.1, label=3)
    fig.canvas.draw()
    zoom = fig.axes[1]
    wrong = [p for p in zoom.patches[10:] if p.get_height() == pytest.approx(0.01)]
    assert len(wrong) == 9
    # height on the page in CSS px (100 px per inch): far more than the 2 px of a 0-1 scale
    assert all(p.get_window_extent().height / fig.dpi * 100 > 40 for p in wrong)


def test_seed_figure_has_a_line_per_seed_and_the_optimum():
    runs = _runs()
    fig = plot_smoothing_seeds(runs, num_classes=10)
    assert [ax.get_title() for ax in fig.axes] == [
        "Confidence",
        "Accuracy",
        "Logit gap",
        "Calibration error (ECE)",
    ]
    # two rows of two panels, so the figure fits the text column
    assert len({round(ax.get_position().y0, 3) for ax in fig.axes}) == 2
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
        # the title's ECE is that of the pooled predictions the bars show, not a mean over the seeds
        pooled = expected_calibration_error(
            torch.cat([r.logits for r in chosen]), torch.cat([r.labels for r in chosen])
        )
        assert f"ECE {pooled:.3f}" in ax.get_title() and "pooled" in ax.get_title()
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


def test_every_chapter5_figure_fits_the_text_column():
    race = {
        "a": {"loss": [3.0, 2.0, 1.0], "update_norm": [0.5, 0.4, 0.3]},
        "b": {"loss": [3.0, 1.0, 0.1], "update_norm": [0.9, 0.8, 0.2]},
    }
    for fig in (
        plot_rmsprop_multiplier(),
        plot_optimizer_race(race),
        plot_lr_schedule(),
        plot_smoothing_explorer_view(0.1, 1000),
    ):
        _assert_book_style(fig)


def test_dataset_samples_wrap_ten_classes_into_bands_of_five():
    data = SyntheticShapes(60, image_size=16, seed=0, split="train")
    fig = plot_dataset_samples(data, SyntheticShapes.classes, per_class=2)
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert len(titled) == len(SyntheticShapes.classes)
    assert len({round(ax.get_position().x0, 3) for ax in fig.axes}) == 5
    assert max(len(line) for ax in titled for line in ax.get_title().split("\n")) <= 12
    assert figure_problems(fig) == []


def test_reliability_title_is_the_pooled_ece_not_the_mean_of_the_seeds():
    gen = torch.Generator().manual_seed(1)
    # one confident and one hesitant seed: pooling them differs from averaging their ECEs
    runs = [
        SmoothingRun(0.0, seed, torch.randn(n, 10, generator=gen) * scale,
                     torch.randint(0, 10, (n,), generator=gen), 1.0)
        for seed, n, scale in ((0, 400, 8.0), (1, 50, 0.5))
    ]
    logits, labels = torch.cat([r.logits for r in runs]), torch.cat([r.labels for r in runs])
    pooled = expected_calibration_error(logits, labels)
    mean_ece = float(np.mean([r.stats()["ece"] for r in runs]))
    assert f"{pooled:.3f}" != f"{mean_ece:.3f}"
    title = plot_reliability(runs).axes[0].get_title()
    assert f"ECE {pooled:.3f}" in title and f"{mean_ece:.3f}" not in title
