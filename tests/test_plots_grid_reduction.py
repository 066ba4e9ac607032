"""Figures of chapter 3 (plots/grid_reduction.py): diagrams read off the modules, labelled panels, one
colour per strategy, one colour scale for the reconstructions."""


import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.patches import FancyBboxPatch, Rectangle  # noqa: E402

from inception_lib import plots  # noqa: E402
from inception_lib.blocks import Reduction35to17  # noqa: E402
from inception_lib.plots import grid_reduction  # noqa: E402
from inception_lib.plots.common import MAX_FIGURE_WIDTH_IN, figure_problems, render_figure  # noqa: E402
from inception_lib.plots.grid_reduction import (  # noqa: E402
    STRATEGY_COLOURS,
    reconstruction_grid,
    reduction_comparison,
    strategy_cost_view,
    strategy_diagrams,
)
from inception_lib.representation import build_strategies  # noqa: E402


def _bars(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_the_plots_package_exports_this_modules_figures():
    for name in grid_reduction.__all__:
        assert getattr(plots, name) is getattr(grid_reduction, name)
    fig = plots.reduction_comparison(["a"], [1], [2], [3], {"noise": [0.5]})
    assert [b.get_height() for b in _bars(fig.axes[1])] == [2]


def test_strategy_diagram_reads_branches_and_shapes_off_the_module():
    fig = strategy_diagrams({"Mixed_6a": Reduction35to17(288)}, (288, 35, 35))
    texts = [text for text in _texts(fig) if text]  # two per box in drawing order (arrows are ""): the
    # operation, then its output H×W×C
    assert list(zip(texts[::2], texts[1::2], strict=True)) == [
        ("input", "35×35×288"),
        ("3×3/2 conv", "17×17×384"),
        ("1×1 conv", "35×35×64"),
        ("3×3 conv", "35×35×96"),
        ("3×3/2 conv", "17×17×96"),
        ("3×3/2 max pool", "17×17×288"),
        ("concat", "17×17×768"),
    ]
    with pytest.raises(ValueError, match="C, H, W"):
        strategy_diagrams({"Mixed_6a": Reduction35to17(8)}, (35, 35))


def test_strategy_diagrams_draw_every_box_with_its_size_and_mark_only_the_waist():
    blocks = build_strategies(8, 24)
    fig = strategy_diagrams(blocks, (8, 15, 15), notes={"pool → Inception": "cheap"})
    assert len(fig.axes) == 3
    texts = _texts(fig)
    assert "7×7×8" in texts  # pool-first's waist: 15 -> 7, still 8 channels
    assert texts.count("7×7×24") >= 3  # every strategy ends at 7×7×24
    assert fig.axes[0].get_title() == "pool → Inception\ncheap"
    outlines = [[p.get_linewidth() for p in ax.patches if isinstance(p, FancyBboxPatch)] for ax in fig.axes]
    thick = [sum(width > 2 for width in widths) for widths in outlines]
    assert thick == [1, 0, 0]
    boxes = sum(isinstance(p, FancyBboxPatch) for p in fig.axes[2].patches)
    assert boxes == 1 + 5 + 1  # input, 5 units in three branches, concat
    with pytest.raises(ValueError, match="at least one"):
        strategy_diagrams({}, (8, 15, 15))


def test_reduction_comparison_keeps_one_colour_per_strategy():
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
    colours = [matplotlib.colors.to_hex(b.get_facecolor()) for b in _bars(axes[0])]
    assert colours == [c.lower() for c in STRATEGY_COLOURS[:3]]
    error_colours = [matplotlib.colors.to_hex(b.get_facecolor()) for b in _bars(axes[3])]
    assert error_colours == [colours[0]] * 2 + [colours[1]] * 2 + [colours[2]] * 2
    assert min(t.get_fontsize() for ax in axes for t in ax.texts) >= 9
    with pytest.raises(ValueError, match="macs"):
        reduction_comparison(names, [1, 2, 3], [1, 2], [1, 2, 3], {})


def test_reconstruction_grid_shares_one_symmetric_colour_scale():
    inputs = torch.randn(3, 2, 5, 5, generator=torch.Generator().manual_seed(0))
    recon = {"faded": 0.3 * inputs, "exact": inputs.clone()}
    fig = reconstruction_grid(inputs, recon, channel=1, errors={"faded": 0.49})
    images = [im for ax in fig.axes for im in ax.images]
    assert len(images) == 9
    limits = {im.get_clim() for im in images}
    bound = float(inputs[:, 1].abs().max())
    assert limits == {(-bound, bound)}
    assert "error 0.49" in fig.axes[3].get_ylabel()
    with pytest.raises(ValueError, match="differs"):
        reconstruction_grid(inputs, {"bad": inputs[:2]})
    with pytest.raises(ValueError, match="channel"):
        reconstruction_grid(inputs, recon, channel=2)


def test_strategy_cost_view_shows_macs_and_the_bottleneck_share():
    fig = strategy_cost_view(["a", "b"], [100, 400], [50, 100], [100, 100], "setting")
    macs_ax, share_ax = fig.axes
    assert share_ax.get_position().y1 < macs_ax.get_position().y0  # stacked, so the view fits the column
    assert [t.get_text() for t in share_ax.get_yticklabels()] == ["a", "b"]
    assert [b.get_width() for b in _bars(macs_ax)] == [100, 400]
    assert [b.get_width() for b in _bars(share_ax)] == [50.0, 100.0]
    assert [t.get_text() for t in share_ax.texts] == ["50 numbers", "100 numbers"]
    assert fig._suptitle.get_text() == "setting" and macs_ax.get_xlabel() and share_ax.get_xlabel()
    with pytest.raises(ValueError, match="smallest"):
        strategy_cost_view(["a"], [1], [], [1], "s")


def test_chapter_3_figures_fit_the_text_column_with_readable_text():
    """At most 6.9 inches wide as saved and no text under 8 points: each strategy drawn alone, the
    comparison, the reconstructions and the explorer's view, at the chapter's real sizes."""
    blocks = build_strategies(288, 768)
    names = list(blocks)
    figures = [strategy_diagrams({name: block}, (288, 35, 35)) for name, block in blocks.items()]
    figures.append(
        reduction_comparison(
            names,
            [1_219_200, 1_219_200, 1_153_280],
            [351_570_000, 1_490_000_000, 401_940_000],
            [83_232, 221_952, 221_952],
            {"noise": [0.98, 0.92, 0.78], "smooth": [0.52, 0.38, 0.22]},
            cost_setting="35×35×288 → 17×17×768",
            error_setting="toy 4×11×11 → 12×5×5, this run",
        )
    )
    inputs = torch.randn(4, 4, 11, 11, generator=torch.Generator().manual_seed(0))
    rows = {"pool → Inception: after the pool": inputs} | {f"{n}: output": inputs for n in names}
    figures.append(reconstruction_grid(inputs, rows, errors=dict.fromkeys(rows, 0.5)))
    figures.append(strategy_cost_view(names, [1, 2, 3], [83_232, 166_464, 166_464], [166_464] * 3, "s"))
    for fig in figures:
        assert not figure_problems(fig), (fig, figure_problems(fig))
    # and the check can fail: the three strategies side by side are more than twice as wide
    assert render_figure(strategy_diagrams(blocks, (288, 35, 35))).width_in > 2 * MAX_FIGURE_WIDTH_IN
