"""Chapter 3's explorer (widgets/grid_reduction.py): precomputed views that follow both controls, with the
library's counts, under ipywidgets 8 (views switched in the browser) and 7.7 (Colab, a kernel callback)."""

import re
import textwrap

import ipywidgets
import pytest

from inception_lib.counting import mac_report
from inception_lib.representation import build_strategies, measure_strategies, strategy_costs
from inception_lib.widgets.grid_reduction import (
    grid_reduction_alt,
    grid_reduction_explorer,
    grid_reduction_view,
)


def _alt(html: str) -> str:
    return re.search(r'alt="([^"]*)"', html).group(1)


def test_meta_device_counts_equal_fvcores_conv_and_linear_macs():
    for (c_in, c_out, size) in ((8, 16, 17), (288, 768, 35)):
        fast = strategy_costs(c_in, c_out, size)
        slow = measure_strategies(c_in, c_out, size)
        assert [(f.name, f.params, f.macs, f.smallest, f.output_shape) for f in fast] == [
            (s.name, s.params, s.macs, s.smallest, s.output_shape) for s in slow
        ]
    blocks = build_strategies(288, 768)
    assert fast[2].macs == mac_report(blocks["parallel (Figure 10)"], (288, 35, 35)).conv_linear


def test_views_follow_both_controls():
    assert ipywidgets.__version__.startswith("8")
    explorer = grid_reduction_explorer(grids=(17, 35), widths=(64, 128), grid=35, channels=128)
    assert explorer.n_views == 4 and len(explorer.links) == 3  # one jslink per Stack
    first = explorer.shown_html()
    assert "35×35×128 → 17×17×256" in _alt(first)
    grid, width = explorer.controls
    width.index = 0
    assert "35×35×64 → 17×17×128" in _alt(explorer.shown_html())
    grid.index = 0
    shown = explorer.shown_html()
    assert _alt(shown) == grid_reduction_alt(17, 64) and shown != first
    assert shown.startswith("<img") and "data:image/png;base64," in shown


def test_alt_text_states_the_librarys_numbers():
    text = grid_reduction_alt(35, 288)
    for cost in strategy_costs(288, 576, 35):
        assert f"{cost.name}: {cost.macs / 1e6:,.1f} million MACs" in text
        assert f"narrowest tensor {cost.smallest:,} numbers" in text
    fig = grid_reduction_view(35, 288)
    assert fig._suptitle.get_text() == "35×35×288 → 17×17×576"


def test_explorer_rejects_bad_settings():
    with pytest.raises(ValueError, match="views"):
        grid_reduction_explorer(grids=tuple(range(3, 20)), widths=(8, 16, 32, 64))
    with pytest.raises(ValueError, match="grids"):
        grid_reduction_explorer(grids=(2,), widths=(8,), grid=2, channels=8)
    with pytest.raises(ValueError, match="initial"):
        grid_reduction_explorer(grids=(17,), widths=(8,), grid=35, channels=8)


def test_explorer_under_ipywidgets_7(run_with_ipywidgets7):
    script = textwrap.dedent(
        """
        import ipywidgets
        from inception_lib.widgets.grid_reduction import grid_reduction_alt, grid_reduction_explorer

        assert ipywidgets.__version__ == "7.7.1", ipywidgets.__version__
        explorer = grid_reduction_explorer(grids=(17, 35), widths=(64, 128), grid=35, channels=128)
        before = explorer.shown_html()
        grid, width = explorer.controls
        grid.index = 0
        width.index = 0
        after = explorer.shown_html()
        assert after != before
        assert grid_reduction_alt(17, 64) in after
        print("ipywidgets", ipywidgets.__version__, "OK")
        """
    )
    assert "ipywidgets 7.7.1 OK" in run_with_ipywidgets7(script)
