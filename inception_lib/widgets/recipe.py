"""Chapter 5's explorer: the smoothed target and the optimal logit gap as ε and K change (paper sec. 7).

Built on :func:`~inception_lib.widgets.explorer.precomputed_explorer`: every (ε, K) view is drawn when the
cell runs, so moving a slider on the rendered page switches views in the browser, without a kernel.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..calibration import optimal_logit_gap
from ..plots.recipe import plot_smoothing_explorer_view
from .explorer import MAX_VIEWS, Explorer, precomputed_explorer

__all__ = ["SMOOTHING_EPS", "SMOOTHING_CLASSES", "smoothing_alt_text", "smoothing_explorer"]

SMOOTHING_EPS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)
SMOOTHING_CLASSES = (2, 10, 100, 1000)


def smoothing_alt_text(eps: float, num_classes: int) -> str:
    """What one view shows, for a screen reader: the target's three numbers and the optimal gap."""
    k = num_classes
    true_p, other_p = 1.0 - eps + eps / k, eps / k
    target = (
        f"With label smoothing ε = {eps:g} and K = {k:,} classes, the smoothed target gives the true "
        f"class {true_p:.4g}, each other class {other_p:.4g} and all {k - 1:,} others together "
        f"{other_p * (k - 1):.4g}."
    )
    if eps == 0:
        gap = (
            " The plot of the optimal logit gap against ε has no point for ε = 0: without smoothing the "
            "gap has no finite optimum."
        )
    else:
        gap = (
            " The optimal logit gap log(1 + K(1 − ε)/ε), plotted against ε, falls as ε grows; "
            f"at ε = {eps:g} it is {optimal_logit_gap(k, eps):.2f}."
        )
    return target + gap


def smoothing_explorer(
    eps_values: Sequence[float] = SMOOTHING_EPS,
    class_counts: Sequence[int] = SMOOTHING_CLASSES,
    initial_eps: float = 0.1,
    initial_classes: int = 10,
) -> Explorer:
    """Two sliders, ε and K; each of the ``len(eps_values) × len(class_counts)`` views is a figure of the
    smoothed target of one example and of the optimal logit gap (``plots.recipe.
    plot_smoothing_explorer_view``), with an alt text (:func:`smoothing_alt_text`)."""
    eps_values, class_counts = list(eps_values), list(class_counts)
    if not eps_values or not class_counts:
        raise ValueError("give at least one ε and one class count K")
    for eps in eps_values:
        if not 0.0 <= eps < 1.0:
            raise ValueError(f"every ε must be in [0, 1), got {eps!r}")
    for k in class_counts:
        if isinstance(k, bool) or not isinstance(k, int) or k < 2:
            raise ValueError(f"every class count K must be an integer >= 2, got {k!r}")
    if len(eps_values) * len(class_counts) > MAX_VIEWS:
        raise ValueError(
            f"{len(eps_values)} × {len(class_counts)} views is more than the {MAX_VIEWS} an explorer stores"
        )
    return precomputed_explorer(
        "Label smoothing: target and optimal logit gap",
        {
            "ε": [(f"{e:g}", e) for e in eps_values],
            "classes K": [(f"{k:,}", k) for k in class_counts],
        },
        render=lambda **v: plot_smoothing_explorer_view(v["ε"], v["classes K"]),
        alt=lambda **v: smoothing_alt_text(v["ε"], v["classes K"]),
        initial={"ε": initial_eps, "classes K": initial_classes},
    )
