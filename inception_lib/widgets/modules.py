"""Chapter 2's explorer: what the three ways to see an n×n window cost, as n and the grid change.

``factorization_explorer`` shows, for a window size n and a grid picked with two sliders, the parameters
and multiply-accumulates of one n×n convolution, (n−1)/2 stacked 3×3 (sec. 3.1) and a 1×n followed by an
n×1 (sec. 3.2). The numbers come from ``kernels.factorization_cost``, whose formulas the unit tests check
against ``count_params`` and ``count_macs`` on the built modules. Every table is precomputed
(``widgets.explorer``), so the sliders respond on the rendered page, offline, with no Python running;
under ipywidgets 7 (Colab) a Python callback swaps the tables.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..kernels import FACTORIZATIONS, factorization_cost
from ..tables import Table
from .explorer import Explorer, precomputed_explorer

__all__ = [
    "GRID_CHOICES",
    "N_CHOICES",
    "method_label",
    "factorization_table",
    "factorization_explorer",
]

# The grids of Inception-v3 (Table 1 / the released network): stem, 35×35, 17×17 and 8×8 stages.
GRID_CHOICES: tuple[int, ...] = (8, 17, 35, 73, 147)
# The window sizes the explorer offers (odd: the factorizations need (n − 1)/2 3×3 layers).
N_CHOICES: tuple[int, ...] = (3, 5, 7, 9, 11)


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


def factorization_explorer(
    n: int = 5,
    channels: int = 192,
    grid: int = 35,
    n_values: Sequence[int] = N_CHOICES,
    grids: Sequence[int] = GRID_CHOICES,
) -> Explorer:
    """Sliders for the window size n and the grid; below them the table of the three layers' costs.

    ``channels`` in and out is fixed (192: the 35×35 stage). Every table (``len(n_values) ×
    len(grids)``, 25 by default) is computed when the cell runs, so the sliders switch tables on the
    rendered page too (``widgets.explorer``); ``n`` and ``grid`` pick the table shown first.
    """
    for value in n_values:
        factorization_cost("full", value, channels, channels, 1)  # validate before building any view
    for value in grids:
        factorization_cost("full", 3, channels, channels, value)

    def render(**values: int) -> str:
        return factorization_table(values["window n"], channels, values["grid"])._repr_html_()

    return precomputed_explorer(
        f"cost of an n×n window, {channels}→{channels} channels",
        {
            "window n": [(f"{v}×{v}", v) for v in n_values],
            "grid": [(f"{g}×{g}", g) for g in grids],
        },
        render,
        initial={"window n": n, "grid": grid},
    )
