"""Interactive explorers (ipywidgets 7 and 8), one module per chapter, named as the chapter is, on one
shared mechanism.

* ``explorer``        ``precomputed_explorer``: every view rendered when the cell runs, switched in the
                      browser, so the explorers respond on the static page too (read its docstring)
* ``factorizing``     chapter 1's ``window_explorer``: the window a stack of convolutions sees, by depth
* ``modules``         chapter 2's ``factorization_explorer``: the cost of an n×n window, by n and grid
* ``grid_reduction``  chapter 3's ``grid_reduction_explorer``: the three strategies by grid and width
* ``recipe``          chapter 5's ``smoothing_explorer``: smoothed targets and the optimal logit gap

Chapters import an explorer from its module, e.g. ``from inception_lib.widgets.factorizing import
window_explorer``.
"""

from .explorer import MAX_VIEWS, Explorer, figure_html, has_stack, precomputed_explorer
from .modules import (
    GRID_CHOICES,
    factorization_explorer,
    factorization_table,
    method_label,
)

__all__ = [
    "MAX_VIEWS",
    "Explorer",
    "figure_html",
    "has_stack",
    "precomputed_explorer",
    "GRID_CHOICES",
    "factorization_explorer",
    "factorization_table",
    "method_label",
]
