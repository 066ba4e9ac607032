"""Figures of chapters 3-4 (plots/network.py): titles, labelled axes, one bar per value."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from inception_lib import plots  # noqa: E402
from inception_lib.plots.network import cost_comparison, reduction_comparison, stage_breakdown  # noqa: E402


def _bars(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle)]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_exported_through_the_plots_package():
    for name in ("reduction_comparison", "stage_breakdown", "cost_comparison"):
        assert getattr(plots, name) is not None


def test_reduction_comparison_has_four_labelled_panels():
    names = ["a", "b", "c"]
    fig = reduction_comparison(
        names,
        [1, 2, 3],
        [10, 40, 20],
        [5, 9, 9],
        {"noise": [0.9, 0.8, 0.7], "smooth": [0.5, 0.3, 0.2]},
        cost_setting="35×35×288 → 17×17×768",
        error_setting="toy",
    )
    axes = fig.axes
    assert len(axes) == 4 and fig._suptitle.get_text()
    for ax in axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert [len(_bars(ax)) for ax in axes] == [3, 3, 3, 6]
    assert "35×35×288" in axes[0].get_title() and "toy" in axes[3].get_title()
    assert [b.get_height() for b in _bars(axes[1])] == [10, 40, 20]
    with pytest.raises(ValueError, match="macs"):
        reduction_comparison(names, [1, 2, 3], [1, 2], [1, 2, 3], {})


def test_stage_breakdown_labels_shares():
    fig = stage_breakdown(["stem", "modules", "head"], [10, 30, 60], [50, 50, 0], title="T")
    assert fig._suptitle.get_text() == "T"
    params_ax, macs_ax = fig.axes
    assert [b.get_width() for b in _bars(params_ax)] == [10, 30, 60]
    labels = [t.get_text() for t in params_ax.texts]
    assert labels[-1].endswith("(60%)")
    for ax in fig.axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel() == "stage"
    assert [t.get_text() for t in macs_ax.get_yticklabels()] == ["stem", "modules", "head"]
    with pytest.raises(ValueError, match="params"):
        stage_breakdown(["a"], [1, 2], [1])


def test_cost_comparison_pairs_paper_and_measured():
    fig = cost_comparison(["GoogLeNet", "v3"], [1.5, 4.8], [1.50, 5.71])
    (ax,) = fig.axes
    assert ax.get_title() and ax.get_ylabel() and ax.get_xlabel() == "network"
    assert len(_bars(ax)) == 4
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["paper (Table 3)", "measured (this book)"]
    with pytest.raises(ValueError, match="measured"):
        cost_comparison(["a"], [1.0], [])
