"""Interactive explorers (ipywidgets), each with a static twin figure for the rendered book.

``factorization_explorer`` lets a reader pick a window size n, a channel count and a grid, and shows the
parameters and multiply-accumulates of the three ways to see an n×n window (paper sec. 3): one n×n
convolution, (n−1)/2 stacked 3×3 (sec. 3.1) and a 1×n followed by an n×1 (sec. 3.2). The numbers come from
``kernels.factorization_cost``, whose formulas the unit tests check against ``count_params`` and
``count_macs`` on the built modules.

Only APIs that ipywidgets 7.7 (Colab) and 8.x share are used: ``IntSlider``, ``Dropdown``, ``HTML``,
``HBox``/``VBox`` and ``observe(..., names="value")``. The rendered page runs no Python, so the sliders
there do nothing: ``factorization_sweep_figure`` draws the same sweep as a picture.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
from matplotlib.figure import Figure

from ..kernels import FACTORIZATIONS, factorization_cost
from ..plots.factorizing import plot_factorization_sweep
from ..tables import Table

__all__ = [
    "GRID_CHOICES",
    "method_label",
    "factorization_table",
    "factorization_explorer",
    "factorization_sweep_figure",
]

# The grids of Inception-v3 (Table 1 / the released network): stem, 35×35, 17×17 and 8×8 stages.
GRID_CHOICES: tuple[int, ...] = (8, 17, 35, 73, 147)


def method_label(kind: str, n: int) -> str:
    """A short name of one way to see an n×n window: '5×5', '2 × 3×3' or '1×5 + 5×1'."""
    if kind == "full":
        return f"{n}×{n}"
    if kind == "stacked3x3":
        return f"{(n - 1) // 2} × 3×3"
    if kind == "asymmetric":
        return f"1×{n} + {n}×1"
    raise ValueError(f"kind must be one of {sorted(FACTORIZATIONS)}, got {kind!r}")


def factorization_table(n: int, channels: int, grid: int) -> Table:
    """Parameters and MACs of the three layers seeing an n×n window, ``channels`` in and out, on a grid.

    One row per method (n×n, stacked 3×3, 1×n + n×1), with the change relative to the n×n layer.
    """
    costs = {kind: factorization_cost(kind, n, channels, channels, grid) for kind in FACTORIZATIONS}
    full = costs["full"]
    rows = [
        [
            method_label(kind, n),
            cost.layers,
            cost.params,
            cost.macs,
            "reference" if kind == "full" else f"{cost.params / full.params - 1:+.1%}",
            "reference" if kind == "full" else f"{cost.macs / full.macs - 1:+.1%}",
        ]
        for kind, cost in costs.items()
    ]
    return Table(
        rows,
        ["layer", "convs", "parameters", "MACs", "parameters vs n×n", "MACs vs n×n"],
        title=f"n = {n}, {channels}→{channels} channels, {grid}×{grid} grid",
    )


def factorization_explorer(n: int = 5, channels: int = 192, grid: int = 35) -> widgets.VBox:
    """Sliders for window size, channels and grid, and a table of the three layers' costs below them.

    Returns the ``VBox`` (sliders in an ``HBox`` on top, an ``HTML`` table below). Its first display is
    computed from the arguments alone, so a stored notebook output is the same on every run. The table
    updates whenever a control's value changes.
    """
    grids = sorted(set(GRID_CHOICES) | {int(grid)})
    factorization_cost("full", n, channels, channels, grid)  # validate the arguments before building
    size = widgets.IntSlider(value=n, min=3, max=15, step=2, description="window n")
    width = widgets.IntSlider(value=channels, min=16, max=1024, step=16, description="channels")
    grid_choice = widgets.Dropdown(options=[(f"{g}×{g}", g) for g in grids], value=grid, description="grid")
    shown = widgets.HTML(value=factorization_table(n, channels, grid)._repr_html_())

    def update(change: object = None) -> None:
        table = factorization_table(size.value, width.value, grid_choice.value)
        shown.value = table._repr_html_()

    for control in (size, width, grid_choice):
        control.observe(update, names="value")
    return widgets.VBox([widgets.HBox([size, width, grid_choice]), shown])


def factorization_sweep_figure(
    channels: int = 192, grid: int = 35, n_values: Sequence[int] = (3, 5, 7, 9, 11)
) -> Figure:
    """The explorer's static twin: parameters and MACs over n for the three methods (one Figure)."""
    params: dict[str, list[int]] = {}
    macs: dict[str, list[int]] = {}
    for kind, description in FACTORIZATIONS.items():
        costs = [factorization_cost(kind, n, channels, channels, grid) for n in n_values]
        params[description] = [c.params for c in costs]
        macs[description] = [c.macs for c in costs]
    return plot_factorization_sweep(list(n_values), params, macs, channels, grid)
