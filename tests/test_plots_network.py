"""Figures of chapter 4 (plots/network.py): the network drawn from the model, stages, Table 3 cost."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyBboxPatch, Rectangle  # noqa: E402

from inception_lib import plots  # noqa: E402
from inception_lib.network import inception_v3  # noqa: E402
from inception_lib.plots import network  # noqa: E402
from inception_lib.plots.common import figure_problems  # noqa: E402
from inception_lib.plots.network import cost_comparison, network_diagram, stage_breakdown  # noqa: E402


def _bars(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle)]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_the_plots_package_exports_this_modules_figures():
    for name in network.__all__:
        assert getattr(plots, name) is getattr(network, name)


def test_network_diagram_has_a_box_a_size_and_a_field_per_block():
    fig = network_diagram(inception_v3(), 299)
    (ax,) = fig.axes
    texts = [t.get_text() for t in ax.texts]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == 21 + 1  # 21 blocks on the main path, the auxiliary head
    for expected in (
        "mixed_5b: Figure 5 module",
        "35×35×256",
        "63×63 px",
        "3 × 35×35 modules",
        "4 × 17×17 modules",
        "2 × 8×8 modules",
        "aux classifier (training only)\n→ 1,000 logits",
        "whole image",
        "1,311×1,311 px",  # thousands separators
        "fc",  # a block whose layer only repeats its name is named once
        "dropout",
        "avgpool: global avg pool",
    ):
        assert expected in texts, expected
    assert not [t for t in texts if t.count(":") == 1 and t.split(": ")[0] == t.split(": ")[-1]]
    assert "299×299" in fig._suptitle.get_text()
    assert min(t.get_fontsize() for t in ax.texts) >= 9
    assert figure_problems(fig) == []  # fits the text column, text >= 8 pt
    no_aux = network_diagram(inception_v3(aux_logits=False), 75)
    no_aux_texts = [t.get_text() for t in no_aux.axes[0].texts]
    assert not any("aux classifier" in t for t in no_aux_texts) and "37×37×32" in no_aux_texts
    assert figure_problems(no_aux) == []


def test_network_diagram_boxes_do_not_overlap_the_columns():
    fig = network_diagram(inception_v3(), 299)
    (ax,) = fig.axes
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    main = [b for b in boxes if b.get_linestyle() == "-"]
    right_edge = max(b.get_window_extent(renderer).x1 for b in main)
    columns = [t for t in ax.texts if t.get_text().endswith(" px") or t.get_text() == "whole image"]
    assert columns and min(t.get_window_extent(renderer).x0 for t in columns) > right_edge
    # every text lies inside the figure, and no two texts touch
    width = fig.bbox.width
    extents = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts if t.get_text()]
    for text, extent in extents:
        assert extent.x0 >= 0 and extent.x1 <= width, text
    for i, (a, ea) in enumerate(extents):
        for b, eb in extents[i + 1 :]:
            assert not ea.overlaps(eb), (a, b)


def test_stage_breakdown_labels_shares():
    fig = stage_breakdown(["stem", "modules", "head"], [10, 30, 60], [50, 50, 0], title="T")
    assert fig._suptitle.get_text() == "T"
    params_ax, macs_ax = fig.axes
    assert params_ax.get_position().y0 > macs_ax.get_position().y1  # stacked, parameters on top
    assert [b.get_width() for b in _bars(params_ax)] == [10, 30, 60]
    labels = [t.get_text() for t in params_ax.texts]
    assert labels[-1].endswith("(60%)")
    for ax in fig.axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel() == "stage"
    assert [t.get_text() for t in macs_ax.get_yticklabels()] == ["stem", "modules", "head"]
    with pytest.raises(ValueError, match="params"):
        stage_breakdown(["a"], [1, 2], [1])
    long = ["auxiliary head (training only)", "reduction 35→17"] * 4
    assert figure_problems(stage_breakdown(long, [10**6] * 8, [10**9] * 8)) == []


def test_cost_comparison_pairs_paper_and_measured_and_marks_reconstructions():
    flags = [False, True, False]
    fig = cost_comparison(["GoogLeNet", "v2", "v3"], [1.5, 3.8, 4.8], [1.50, 5.30, 5.71], flags)
    (ax,) = fig.axes
    assert ax.get_title() and ax.get_ylabel() and ax.get_xlabel() == "network"
    bars = _bars(ax)
    assert len(bars) == 6
    assert [b.get_hatch() for b in bars[3:]] == [None, "//", None]
    assert [t.get_text() for t in ax.get_xticklabels()][1] == "v2\n(reconstructed)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "paper (Table 3)",
        "measured (this book)",
        "measured on a reconstruction",
    ]
    assert figure_problems(fig) == []
    plain = cost_comparison(["a"], [1.0], [2.0])
    assert len(plain.axes[0].get_legend().get_texts()) == 2
    with pytest.raises(ValueError, match="measured"):
        cost_comparison(["a"], [1.0], [])
    with pytest.raises(ValueError, match="reconstructed"):
        cost_comparison(["a"], [1.0], [1.0], [True, False])
