"""Chapter 3's explorer: the three grid-reduction strategies' cost and bottleneck as grid and width change.

Section 5 of the paper argues with one setting, a d×d grid with k channels halved to d/2×d/2 with 2k.
The explorer lets a reader move d and k over the network's grids and widths and see, for pool → Inception
(Figure 9, left), Inception → pool (Figure 9, right) and the parallel block (Figure 10, Mixed_6a's design
scaled by ``Reduction35to17.scaled``): the multiply-accumulates of their convolutions and the narrowest
tensor on the way. Every view is precomputed by ``precomputed_explorer`` (counted on the meta device by
``representation.strategy_costs``), so the controls respond on the rendered page without a kernel.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from matplotlib.figure import Figure

from ..plots.grid_reduction import strategy_cost_view
from ..representation import strategy_costs
from .explorer import MAX_VIEWS, Explorer, precomputed_explorer

__all__ = ["GRID_SIDES", "WIDTHS", "grid_reduction_view", "grid_reduction_alt", "grid_reduction_explorer"]

# Grids the network halves (71 -> 35 in the stem, 35 -> 17, 17 -> 8) and one more; input widths k.
GRID_SIDES: tuple[int, ...] = (17, 35, 71, 147)
WIDTHS: tuple[int, ...] = (64, 128, 192, 288, 384)


def _setting(grid: int, channels: int) -> tuple[str, int]:
    out = (grid - 3) // 2 + 1  # a 3×3/2 pool without padding
    return f"{grid}×{grid}×{channels} → {out}×{out}×{2 * channels}", out


@lru_cache(maxsize=128)
def _costs(grid: int, channels: int) -> tuple:
    return tuple(strategy_costs(channels, 2 * channels, grid))


def grid_reduction_view(grid: int, channels: int) -> Figure:
    """One view: the three strategies from a ``grid``×``grid``×``channels`` map to half the grid, 2× width."""
    setting, out = _setting(grid, channels)
    costs = _costs(grid, channels)
    output = 2 * channels * out * out
    return strategy_cost_view(
        [c.name for c in costs], [c.macs for c in costs], [c.smallest for c in costs], [output] * 3, setting
    )


def grid_reduction_alt(grid: int, channels: int) -> str:
    """The alt text of a view: the setting and every number the figure shows, in words."""
    setting, _ = _setting(grid, channels)
    costs = _costs(grid, channels)
    parts = [
        f"{c.name}: {c.macs / 1e6:,.1f} million MACs, narrowest tensor {c.smallest:,} numbers" for c in costs
    ]
    return f"Bar charts for {setting}. " + "; ".join(parts) + "."


def grid_reduction_explorer(
    grids: Sequence[int] = GRID_SIDES,
    widths: Sequence[int] = WIDTHS,
    grid: int = 35,
    channels: int = 288,
) -> Explorer:
    """Two sliders (grid side d, input channels k) over precomputed views of the three strategies.

    Each view is two bar charts: conv + linear MACs, and the narrowest tensor on the way as a share of the
    output. ``grid``/``channels`` pick the starting view and must be among the options.
    """
    grids, widths = [int(g) for g in grids], [int(w) for w in widths]
    if len(grids) * len(widths) > MAX_VIEWS:
        raise ValueError(f"{len(grids)} grids × {len(widths)} widths exceed {MAX_VIEWS} precomputed views")
    for name, values in (("grids", grids), ("widths", widths)):
        if not values or any(v < (3 if name == "grids" else 1) for v in values):
            raise ValueError(f"{name} must be a non-empty list of sizes (grids >= 3), got {values}")
    return precomputed_explorer(
        "grid reduction: cost and bottleneck",
        {
            "grid d×d": [(f"{g}×{g}", g) for g in grids],
            "channels k": [(str(w), w) for w in widths],
        },
        render=lambda **v: grid_reduction_view(v["grid d×d"], v["channels k"]),
        alt=lambda **v: grid_reduction_alt(v["grid d×d"], v["channels k"]),
        initial={"grid d×d": grid, "channels k": channels},
    )
