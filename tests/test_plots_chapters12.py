"""plots.factorizing and plots.diagrams: titles, labelled axes, the expected artists and boxes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402
from torch import nn  # noqa: E402

from inception_lib import plots  # noqa: E402
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
from inception_lib.plots.diagrams import diagram_labels, module_tree, plot_module_diagram  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _labelled(ax) -> bool:
    return bool(ax.get_title() and ax.get_xlabel() and ax.get_ylabel())


def test_exports():
    for name in ("plot_receptive_fields", "plot_kernels", "plot_module_diagram", "diagram_labels"):
        assert hasattr(plots, name)


def test_receptive_fields_one_image_per_panel_with_path_counts():
    fields = {
        "5×5": receptive_field(ConvBNReLU(1, 1, 5, padding="same"), 1, 9),
        "two 3×3": receptive_field(StackedConv3x3(1, 1, 5), 1, 9),
    }
    fig = plots.plot_receptive_fields(fields, title="RF")
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 2 and all(_labelled(ax) for ax in panels)
    assert fig._suptitle.get_text() == "RF"
    texts = [t.get_text() for t in panels[1].texts]
    assert "9" in texts and len(texts) == 25  # the 5×5 window annotated (zeros blank); 9 paths to the centre


def test_receptive_fields_grid_hides_spare_axes():
    fields = {str(i): np.eye(3) for i in range(3)}
    fig = plots.plot_receptive_fields(fields, ncols=2)
    assert sum(ax.get_visible() and bool(ax.images) for ax in fig.axes) == 3
    with pytest.raises(ValueError):
        plots.plot_receptive_fields({})


def test_kernels_annotate_every_weight_rounded():
    fig = plots.plot_kernels({"Sobel": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])}, title="K")
    (ax,) = [a for a in fig.axes if a.images]
    assert _labelled(ax)
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


def test_sweep_figure_has_two_labelled_panels():
    fig = plots.plot_factorization_sweep([3, 5], {"a": [1, 2]}, {"a": [3, 4]}, channels=8, grid=5)
    assert len(fig.axes) == 2 and all(_labelled(ax) and len(ax.lines) == 1 for ax in fig.axes)


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
    fig = plot_module_diagram(module)
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == len(labels) == 10
    assert sorted(t.get_text() for t in ax.texts if t.get_text()) == sorted(labels)
    assert _labelled(ax) and "256" in ax.get_title()


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
    tree = module_tree(InceptionE(1280))
    root = tree.children[1]
    assert tree.kind == "chain" and root.kind == "branches" and len(root.children) == 4
    split = root.children[1].children[1]  # 1×1 -> [1×3 ‖ 3×1]
    assert split.kind == "branches" and split.out_channels == 768
    then_pool = InceptionThenPool(64, 128)
    pool_then = module_tree(then_pool)
    assert [c.kind for c in pool_then.children] == ["box", "branches", "box"]
    assert "3×3/2 max pool, 128" in diagram_labels(then_pool)
    assert "3×3/2 max pool, 288" in diagram_labels(Reduction35to17(288))


def test_undrawable_module_raises():
    with pytest.raises(ValueError, match="AuxClassifier"):
        diagram_labels(AuxClassifier(768, 10), 17)
