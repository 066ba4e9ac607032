"""plots.factorizing and plots.modules (chapters 1 and 2): titles, labelled axes, the expected artists and
boxes."""


import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyBboxPatch, Rectangle  # noqa: E402
from torch import nn  # noqa: E402

from inception_lib import plots  # noqa: E402
from inception_lib.anatomy import module_tree  # noqa: E402
from inception_lib.blocks import (  # noqa: E402
    AuxClassifier,
    GoogLeNetModule,
    InceptionA,
    InceptionC,
    InceptionE,
    InceptionThenPool,
    ParallelReduction,
    Reduction17to8,
    Reduction35to17,
)
from inception_lib.kernels import receptive_field  # noqa: E402
from inception_lib.layers import ConvBNReLU, StackedConv3x3  # noqa: E402
from inception_lib.plots.common import MAX_FIGURE_WIDTH_IN, figure_problems, render_figure  # noqa: E402
from inception_lib.plots.modules import (  # noqa: E402
    DIAGRAM_UNITS,
    box_text,
    diagram_labels,
    plot_module_diagram,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _labelled(ax) -> bool:
    return bool(ax.get_title() and ax.get_xlabel() and ax.get_ylabel())


def _heatmaps_labelled(fig) -> bool:
    """Every panel titled, and one pair of axis labels for the whole figure instead of one per panel."""
    panels = [ax for ax in fig.axes if ax.images]
    titled = all(ax.get_title() for ax in panels)
    once = bool(fig._supxlabel and fig._supxlabel.get_text() and fig._supylabel and fig._supylabel.get_text())
    return titled and once and not any(ax.get_xlabel() or ax.get_ylabel() for ax in panels)


def test_package_functions_draw_what_they_are_given():
    """What ``inception_lib.plots`` exports draws: one image per kernel, one box per diagram label."""
    fig = plots.plot_kernels({"a": np.eye(3), "b": -np.eye(3)}, title="K")
    assert [ax.get_title() for ax in fig.axes if ax.images] == ["a", "b"]
    labels = plots.diagram_labels(InceptionA(16, 8), 9)
    patches = plots.plot_module_diagram(InceptionA(16, 8)).axes[0].patches
    boxes = [p for p in patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == len(labels) == 10


def test_compared_kernels_share_one_colour_scale():
    kernel = np.array([[2.0, -1.0], [0.5, 0.0]])
    fit = np.array([[1.9, -1.0], [0.4, 0.1]])
    fig = plots.plot_kernels({"kernel": kernel, "fit": fit, "residual": kernel - fit})
    panels = [ax for ax in fig.axes if ax.images]
    limits = {ax.images[0].get_clim() for ax in panels}
    assert limits == {(-2.0, 2.0)}  # the residual is drawn on the kernel's scale: it looks as small as it is
    assert len(fig.axes) == len(panels) + 1  # one colour bar for the three panels
    alone = plots.plot_kernels({"kernel": kernel, "residual": kernel - fit}, shared_scale=False)
    assert sorted(ax.images[0].get_clim()[1] for ax in alone.axes if ax.images) == [pytest.approx(0.1), 2.0]


def test_relative_fields_with_outlined_windows():
    fields = {
        "two 3×3": receptive_field(StackedConv3x3(1, 1, 5), 1, 9),
        "one 7×7": receptive_field(ConvBNReLU(1, 1, 7, padding="same"), 1, 9),
    }
    fig = plots.plot_receptive_fields(fields, annotate=False, relative=True, outline=True)
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.images[0].get_array().max() for ax in panels] == [1.0, 1.0]
    assert {ax.images[0].get_clim() for ax in panels} == {(0.0, 1.0)}
    frames = [[p for p in ax.patches if isinstance(p, Rectangle)] for ax in panels]
    assert [(f[0].get_width(), f[0].get_height()) for f in frames] == [(5, 5), (7, 7)]
    assert [[t.get_text() for t in ax.texts] for ax in panels] == [["window 5×5"], ["window 7×7"]]


def test_labels_are_at_least_9_points():
    figures = [
        plots.plot_kernels({"k": np.ones((3, 3))}),
        plots.plot_receptive_fields({"f": np.ones((3, 3))}),
        plots.plot_cost_curves([3, 5], {"a": [1, 2]}, "T", "x", "y"),
        plots.plot_module_diagram(InceptionA(16, 8)),
        plots.plot_branch_costs({"m": [1, 2]}, ["a", "b"], "T", "x"),
    ]
    for fig in figures:
        sizes = [t.get_fontsize() for ax in fig.axes for t in ax.texts]
        ticks = [label for ax in fig.axes for label in ax.get_xticklabels() + ax.get_yticklabels()]
        sizes += [label.get_fontsize() for label in ticks]
        sizes += [t.get_fontsize() for legend in fig.legends for t in legend.get_texts()]
        assert sizes and min(sizes) >= 9, fig


def test_branch_costs_stack_one_segment_per_branch():
    costs = {"A": [1e6, 2e6, 3e6], "A twin": [1e6, 2e6, 5e6]}
    fig = plots.plot_branch_costs(costs, ["1×1", "5×5", "deep"], "Where the MACs go", "MACs (count)")
    ax = fig.axes[0]
    assert _labelled(ax) and len(ax.patches) == 6
    widths = sorted(round(p.get_width()) for p in ax.patches)
    assert widths == [1_000_000, 1_000_000, 2_000_000, 2_000_000, 3_000_000, 5_000_000]
    assert sorted(t.get_text().strip() for t in ax.texts) == ["6.00 M", "8.00 M"]  # totals at the bars' ends
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["1×1", "5×5", "deep"]
    fig.canvas.draw()
    assert "2 M" in [t.get_text() for t in ax.get_xticklabels()]  # plain counts, no "1e6" offset
    with pytest.raises(ValueError, match="3 branches"):
        plots.plot_branch_costs({"A": [1, 2]}, ["a", "b", "c"], "T", "x")


def test_receptive_fields_one_image_per_panel_with_path_counts():
    fields = {
        "5×5": receptive_field(ConvBNReLU(1, 1, 5, padding="same"), 1, 9),
        "two 3×3": receptive_field(StackedConv3x3(1, 1, 5), 1, 9),
    }
    fig = plots.plot_receptive_fields(fields, title="RF")
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 2 and _heatmaps_labelled(fig)
    assert fig._suptitle.get_text() == "RF"
    texts = [t.get_text() for t in panels[1].texts]
    assert "9" in texts and len(texts) == 25  # the 5×5 window annotated (zeros blank); 9 paths to the centre
    assert len(fig.axes) == 2 * len(panels)  # without ``relative``: a scale and a colour bar per panel


def test_relative_fields_print_path_counts_on_one_shared_scale():
    """Fig. 1.1: colours are shares of each map's most-connected pixel (one colour bar for all panels),
    the printed numbers stay the path counts."""
    fields = {
        "5×5": receptive_field(ConvBNReLU(1, 1, 5, padding="same"), 1, 9),
        "three 3×3": receptive_field(StackedConv3x3(1, 1, 7), 1, 9),
    }
    fig = plots.plot_receptive_fields(fields, ncols=2, relative=True)
    panels = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == len(panels) + 1 and _heatmaps_labelled(fig)
    assert {ax.images[0].get_clim() for ax in panels} == {(0.0, 1.0)}
    assert "49" in [t.get_text() for t in panels[1].texts]  # three 3×3: 49 paths from the centre pixel
    assert {t.get_text() for t in panels[0].texts} == {"1"}


def test_receptive_fields_grid_hides_spare_axes():
    fields = {str(i): np.eye(3) for i in range(3)}
    fig = plots.plot_receptive_fields(fields, ncols=2)
    assert sum(ax.get_visible() and bool(ax.images) for ax in fig.axes) == 3
    with pytest.raises(ValueError):
        plots.plot_receptive_fields({})


def test_kernels_annotate_every_weight_rounded():
    fig = plots.plot_kernels({"Sobel": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])}, title="K")
    (ax,) = [a for a in fig.axes if a.images]
    assert _heatmaps_labelled(fig)
    assert sorted(t.get_text() for t in ax.texts) == ["-1", "-1", "-2", "0", "0", "0", "1", "1", "2"]


def test_singular_values_bars():
    fig = plots.plot_singular_values({"a": [3.0, 0.0, 0.0], "b": [2.0, 1.0, 0.5]})
    ax = fig.axes[0]
    assert _labelled(ax) and len(ax.patches) == 6
    assert [t.get_text() for t in ax.get_xticklabels()] == ["σ1", "σ2", "σ3"]
    with pytest.raises(ValueError):
        plots.plot_singular_values({"a": [1.0], "b": [1.0, 2.0]})


def test_cost_curves_one_line_per_series():
    fig = plots.plot_cost_curves(
        [3, 5, 7], {"n²": [9, 25, 49], "2n": [6, 10, 14]}, "T", "n (pixels)", "weights"
    )
    ax = fig.axes[0]
    assert _labelled(ax) and len(ax.lines) == 2
    assert ax.get_legend() is not None
    with pytest.raises(ValueError):
        plots.plot_cost_curves([3, 5], {"x": [1]}, "T", "x", "y")


def test_kernel_values_are_rounded_without_negative_zero():
    fig = plots.plot_kernels({"k": np.array([[1.0000001, -0.001], [0.25, 2.0]])}, digits=2)
    (ax,) = [a for a in fig.axes if a.images]
    assert sorted(t.get_text() for t in ax.texts) == ["0", "0.25", "1", "2"]


def _conv_labels(module: nn.Module) -> list[str]:
    labels = []
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            kh, kw = m.kernel_size
            stride = f"/{m.stride[0]}" if m.stride[0] > 1 else ""
            labels.append(f"{kh}×{kw}{stride} conv, {m.out_channels}")
    return labels


def test_inception_a_diagram_reads_its_convolutions():
    module = InceptionA(192, 32)
    labels = diagram_labels(module)
    assert labels == [
        "input, 192",
        "1×1 conv, 64",
        "1×1 conv, 48",
        "5×5 conv, 64",
        "1×1 conv, 64",
        "3×3 conv, 96",
        "3×3 conv, 96",
        "3×3 avg pool, 192",
        "1×1 conv, 32",
        "concat, 256",
    ]
    assert sorted(label for label in labels if "conv" in label) == sorted(_conv_labels(module))
    fig = plot_module_diagram(module, input_size=35)
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == len(labels) == 10
    texts = [t.get_text() for t in ax.texts if t.get_text()]  # one per box in drawing order (arrows are "")
    assert [text.split("\n")[0] for text in texts] == [label.rpartition(", ")[0] for label in labels]
    assert texts[0] == "input\n35×35×192" and texts[-1] == "concat\n35×35×256"
    assert _labelled(ax) and "256" in ax.get_title() and "35×35" in ax.get_title()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["input", "1×1 convolution", "k×k, 1×n or n×1 convolution", "pooling",
                      "concatenation (filter concat)"]
    # every box fill is one of the legend's colours
    fills = {p.get_facecolor() for p in boxes}
    assert fills <= {h.get_facecolor() for h in fig.legends[0].legend_handles}


@pytest.mark.parametrize(
    ("module", "concat"),
    [
        (InceptionC(768, 160), "concat, 768"),
        (InceptionE(1280), "concat, 2048"),
        (GoogLeNetModule(192, 64, 96, 128, 16, 32, 32), "concat, 256"),
        (GoogLeNetModule(192, 64, 96, 128, 16, 32, 32, factorized=True), "concat, 256"),
        (Reduction35to17(288), "concat, 768"),
        (Reduction17to8(768), "concat, 1280"),
        (ParallelReduction(64, 128), "concat, 128"),
    ],
)
def test_every_conv_of_a_block_appears_in_its_diagram(module, concat):
    labels = diagram_labels(module)
    assert sorted(label for label in labels if "conv" in label) == sorted(_conv_labels(module))
    assert labels[-1] == concat


def test_nested_branches_and_chains():
    tree = module_tree(InceptionE(1280), (1280, 9, 9), units=DIAGRAM_UNITS)
    root = tree.children[1]
    assert tree.kind == "chain" and root.kind == "branches" and len(root.children) == 4
    split = root.children[1].children[1]  # 1×1 -> [1×3 ‖ 3×1]
    assert split.kind == "branches" and split.shape[0] == 768
    then_pool = InceptionThenPool(64, 128)
    pool_then = module_tree(then_pool, (64, 9, 9), units=DIAGRAM_UNITS)
    assert [c.kind for c in pool_then.children] == ["input", "branches", "unit"]
    assert "3×3/2 max pool, 128" in diagram_labels(then_pool)
    assert "3×3/2 max pool, 288" in diagram_labels(Reduction35to17(288))


def test_boxes_show_the_grid_each_layer_outputs():
    ax = plot_module_diagram(Reduction35to17(288), input_size=35).axes[0]
    texts = [t.get_text() for t in ax.texts if t.get_text()]
    assert texts == [
        "input\n35×35×288",
        "3×3/2 conv\n17×17×384",
        "1×1 conv\n35×35×64",
        "3×3 conv\n35×35×96",
        "3×3/2 conv\n17×17×96",
        "3×3/2 max pool\n17×17×288",
        "concat\n17×17×768",
    ]
    assert box_text("5×5 conv, 64", None) == "5×5 conv, 64"
    assert box_text("concat, 2048", (8, 8)) == "concat\n8×8×2048"


def test_diagram_into_given_axes_side_by_side():
    fig, axes = plt.subplots(1, 2)
    plot_module_diagram(InceptionA(16, 8), ax=axes[0], legend=False)
    out = plot_module_diagram(Reduction35to17(16), ax=axes[1], input_size=9)
    assert out is fig and len(fig.legends) == 1
    assert all(any(isinstance(p, FancyBboxPatch) for p in ax.patches) for ax in axes)


def test_undrawable_module_raises():
    with pytest.raises(ValueError, match="AuxClassifier"):
        diagram_labels(AuxClassifier(768, 10), 17)


def test_chapter_figures_fit_the_text_column_with_readable_text():
    """The contract of chapters 1-2: at most 6.9 inches wide as saved, no text under 8 points."""
    fields = {
        name: receptive_field(module, 1, 9)
        for name, module in {
            "one 5×5": ConvBNReLU(1, 1, 5, padding="same"),
            "two 3×3": StackedConv3x3(1, 1, 5),
            "one 7×7": ConvBNReLU(1, 1, 7, padding="same"),
            "three 3×3": StackedConv3x3(1, 1, 7),
        }.items()
    }
    rng = np.random.default_rng(0)
    kernels = {f"kernel {i}": rng.standard_normal((3, 3)) for i in range(6)}
    figures = [
        plots.plot_receptive_fields(fields, ncols=2, relative=True),
        plots.plot_receptive_fields(fields, ncols=2, relative=True, annotate=False, outline=True),
        plots.plot_kernels(kernels, ncols=3),
        plots.plot_kernels({k: rng.standard_normal((5, 5)) for k in ("a", "b", "c")}, digits=1),
        plots.plot_singular_values({"a": [3.0, 0.0, 0.0], "b": [2.0, 1.0, 0.5]}),
        plots.plot_cost_curves([3, 5, 7, 9, 11, 13], {"n²": [9, 25, 49, 81, 121, 169]}, "T", "n", "w"),
        plots.plot_branch_costs(
            {f"Mixed_6b: InceptionC, 17×17×768, variant {i}": [1e8, 2e8, 3e8, 1e7] for i in range(6)},
            ["1×1 branch", "1×7, 7×1 branch (one 7×7 in the twin)",
             "deep branch: two pairs (two 7×7 in the twin)", "pool branch (average pool, 1×1)"],
            "InceptionC and its full-7×7 twin: MACs per branch on the 17×17 grid (768 → 768 channels)",
            "multiply-accumulates (fvcore count, BatchNorm included)",
        ),
        plots.plot_module_diagram(InceptionE(1280), input_size=8),
        plots.plot_module_diagram(InceptionC(768, 128), input_size=17),
        plots.plot_module_diagram(GoogLeNetModule(192, 64, 96, 128, 16, 32, 32), input_size=28),
    ]
    for fig in figures:
        assert not figure_problems(fig), (fig, figure_problems(fig))


def test_the_width_check_fails_a_wide_figure():
    """The check above can fail: six receptive fields in a row are far wider than the column."""
    fields = {str(i): np.eye(5) for i in range(6)}
    assert render_figure(plots.plot_receptive_fields(fields, ncols=6)).width_in > MAX_FIGURE_WIDTH_IN


def test_diagram_boxes_are_as_wide_as_their_text():
    """InceptionE's six columns fit the page because a 1×3 box is narrower than the pool box."""
    fig = plot_module_diagram(InceptionE(1280), input_size=8)
    boxes = [p for p in fig.axes[0].patches if isinstance(p, FancyBboxPatch)]
    widths = sorted({round(p.get_width(), 2) for p in boxes})
    assert len(widths) >= 3  # leaf boxes, the pool box and the concat boxes differ
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for box, text in zip(boxes, [t for t in fig.axes[0].texts if t.get_text()], strict=True):
        inside = box.get_window_extent(renderer)
        assert text.get_window_extent(renderer).width < inside.width  # the label fits its box
