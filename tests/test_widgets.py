"""widgets.modules and widgets.factorizing: the explorers of chapters 2 and 1, driven from Python under
ipywidgets 8 and 7.7 (Colab's)."""

import re
import textwrap

import ipywidgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from inception_lib.counting import count_macs, count_params
from inception_lib.kernels import FACTORIZATIONS, build_factorized
from inception_lib.widgets import factorization_explorer, factorization_table
from inception_lib.widgets.factorizing import INPUT_SIZE, window_alt, window_explorer, window_figure


def _numbers(html: str) -> list[int]:
    return [int(v.replace(",", "")) for v in re.findall(r">([\d,]+)</td>", html)]


def _expected(n: int, channels: int, grid: int) -> list[int]:
    values = []
    for kind in FACTORIZATIONS:
        module = build_factorized(kind, n, channels, channels)
        convs = sum(1 for m in module.modules() if m.__class__.__name__ == "Conv2d")
        values += [convs, count_params(module), count_macs(module, grid)]
    return values


def test_explorer_numbers_follow_the_controls_and_equal_the_library_counts():
    assert ipywidgets.__version__.startswith("8")
    box = factorization_explorer(n=5, channels=32, grid=17)
    size, grid = box.controls
    assert box.n_views == 25 and size.value == "5×5" and grid.value == "17×17"
    assert _numbers(box.shown_html()) == _expected(5, 32, 17)
    first = box.shown_html()
    size.value = "7×7"
    assert box.shown_html() != first
    assert _numbers(box.shown_html()) == _expected(7, 32, 17)
    grid.value = "8×8"
    assert _numbers(box.shown_html()) == _expected(7, 32, 8)
    assert "n = 7, 32→32 channels, 8×8 grid" in box.shown_html()


def test_explorer_switches_tables_in_the_browser():
    """The stored widget state carries every table and the links; no Python callback is needed."""
    box = factorization_explorer(n=5, channels=32, grid=17)
    outer = box.children[1]
    assert isinstance(outer, ipywidgets.Stack) and len(outer.children) == 5
    assert all(isinstance(inner, ipywidgets.Stack) and len(inner.children) == 5 for inner in outer.children)
    # the stored view: window 5×5 (index 1) on the 17×17 grid (index 1)
    assert outer.selected_index == 1 and all(inner.selected_index == 1 for inner in outer.children)
    size, grid = box.controls
    linked = {(link.source[0], link.target[0]) for link in box.links}
    assert (size, outer) in linked and all((grid, inner) in linked for inner in outer.children)


def test_initial_display_is_deterministic():
    assert repr(factorization_explorer()) == repr(factorization_explorer())
    assert repr(factorization_explorer()) == (
        "Explorer('cost of an n×n window, 192→192 channels'; controls: window n, grid; 25 precomputed views)"
    )


def test_window_explorer_views_follow_the_controls():
    box = window_explorer()
    assert box.n_views == 15
    stack, depth = box.controls
    assert (stack.value, depth.value) == ("3×3 convs", "2")
    assert 'alt="Heat map' in box.shown_html() and "5 by 5 window" in box.shown_html()
    seen = set()
    for label, size in [("3×3 convs", 7), ("5×5 convs", 13), ("3×3 convs, the first with stride 2", 11)]:
        stack.value = label
        depth.value = "3"
        assert f"{size} by {size} window" in box.shown_html()
        seen.add(box.shown_html())
    assert len(seen) == 3
    with pytest.raises(ValueError, match="stack must be one of"):
        window_explorer(stack="7×7 convs")


def test_window_views_agree_with_the_counted_window():
    for kernel, first_stride, depth, window in [(3, 1, 4, 9), (5, 1, 2, 9), (3, 2, 2, 7), (3, 2, 5, 19)]:
        fig = window_figure(kernel, first_stride, depth)
        assert f"sees {window}×{window}" in fig._suptitle.get_text()
        assert f"{window} by {window} window" in window_alt(kernel, first_stride, depth)
        (ax,) = [a for a in fig.axes if a.images]
        assert f"window {window}×{window}" in [t.get_text() for t in ax.texts]
        assert ax.images[0].get_array().shape == (INPUT_SIZE, INPUT_SIZE)
        plt.close(fig)


def test_table_rows_and_savings():
    table = factorization_table(5, 192, 35)
    assert [row[0] for row in table.rows] == ["5×5", "2 × 3×3", "1×5 + 5×1"]
    assert table.rows[1][-1] == "-27.9%"  # MACs of two 3×3 vs one 5×5 (BatchNorm adds a little)
    assert table.rows[0][-1] == "reference"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 4}, r"window n=4 is not one of the options"),
        ({"grid": 20}, r"grid=20 is not one of the options"),
        ({"n_values": (3, 4)}, "n must be odd"),
        ({"channels": 0}, "in_channels must be a positive integer"),
    ],
)
def test_explorer_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        factorization_explorer(**kwargs)


def test_explorers_under_ipywidgets_7(run_with_ipywidgets7):
    script = textwrap.dedent(
        r"""
        import re
        import ipywidgets
        from inception_lib.counting import count_macs, count_params
        from inception_lib.kernels import build_factorized
        from inception_lib.widgets import factorization_explorer
        from inception_lib.widgets.factorizing import window_explorer

        assert ipywidgets.__version__ == "7.7.1", ipywidgets.__version__
        box = factorization_explorer(n=5, channels=32, grid=17)
        size, grid = box.controls
        before = box.shown_html()
        size.value = "7×7"
        grid.value = "8×8"
        assert box.shown_html() != before
        numbers = [int(v.replace(",", "")) for v in re.findall(r">([\d,]+)</td>", box.shown_html())]
        module = build_factorized("asymmetric", 7, 32, 32)
        assert numbers[-2:] == [count_params(module), count_macs(module, 8)], numbers

        windows = window_explorer(depths=(1, 3), depth=1)
        stack, depth = windows.controls
        assert "3 by 3 window" in windows.shown_html()
        stack.value = "3×3 convs, the first with stride 2"
        depth.value = "3"
        assert "11 by 11 window" in windows.shown_html()
        print("ipywidgets", ipywidgets.__version__, "OK")
        """
    )
    assert "ipywidgets 7.7.1 OK" in run_with_ipywidgets7(script)
