"""RMSProp two ways, demonstrated: chapter 5's comparisons of TensorFlow's RMSProp (the paper's, sec. 8) with
``torch.optim.RMSprop`` and other optimizers.

The paper's RMSProp (decay 0.9, ε = 1.0) is TensorFlow's: ε inside the square root, the mean square
starting at one (:class:`~inception_lib.recipe.TFRMSprop`, which the training engine runs). PyTorch's
``torch.optim.RMSprop`` with the same numbers is another optimizer. Three small measurements show how
they differ:

* :func:`rmsprop_step_multiplier`: how much each scales a gradient of constant size once the mean square
  has settled (with ε = 1 both act like momentum SGD for small gradients);
* :func:`first_step_sizes`: the very first update of one weight under each;
* :func:`optimizer_race`: optimizers side by side on one small least-squares problem whose gradients span
  two orders of magnitude, loss and update size per step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from .recipe import TFRMSprop

__all__ = ["rmsprop_step_multiplier", "first_step_sizes", "optimizer_race"]


def rmsprop_step_multiplier(grad: torch.Tensor | float, eps: float = 1.0, style: str = "tf") -> torch.Tensor:
    """How much RMSProp scales a gradient of constant size |g| once the mean square has settled at g².

    ``"tf"``: 1 / sqrt(g² + ε) (TensorFlow, the paper); ``"torch"``: 1 / (|g| + ε) (torch.optim.RMSprop).
    With ε = 1 both are close to 1 for small gradients: RMSProp then acts like momentum SGD.
    """
    g = torch.as_tensor(grad, dtype=torch.float64).abs()
    if style == "tf":
        return 1.0 / torch.sqrt(g * g + eps)
    if style == "torch":
        return 1.0 / (g + eps)
    raise ValueError(f"style must be 'tf' or 'torch', got {style!r}")


def first_step_sizes(
    grads: Sequence[float], lr: float = 0.045, decay: float = 0.9, eps: float = 1.0
) -> list[tuple[float, float, float]]:
    """The very first update |Δw| of one weight with gradient g, for TFRMSprop and torch.optim.RMSprop
    with the same (lr, decay, eps, momentum 0.9): rows (g, TF step, PyTorch step)."""
    rows = []
    for g in grads:
        steps = []
        for make in (
            lambda p: TFRMSprop(p, lr=lr, decay=decay, momentum=0.9, eps=eps),
            lambda p: torch.optim.RMSprop(p, lr=lr, alpha=decay, eps=eps, momentum=0.9),
        ):
            w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
            opt = make([w])
            w.grad = torch.full_like(w, float(g))
            opt.step()
            steps.append(float(w.detach().abs()))
        rows.append((float(g), steps[0], steps[1]))
    return rows


def optimizer_race(
    make_optimizers: dict[str, Callable[[Sequence[torch.Tensor]], torch.optim.Optimizer]],
    steps: int = 200,
    seed: int = 0,
    num_features: int = 20,
    num_samples: int = 256,
) -> dict[str, dict[str, list[float]]]:
    """Run each optimizer on the same small least-squares problem; return its loss and update size per step.

    The problem: y = X·w* + noise with feature scales spread from 0.1 to 10, so that gradients of very
    different sizes meet the optimizer (where RMSProp's per-coordinate scaling matters). Returns
    ``{name: {"loss": [...], "update_norm": [...]}}`` with ``steps`` entries each (loss before each step).
    """
    gen = torch.Generator().manual_seed(seed)
    scales = torch.logspace(-1, 1, num_features, dtype=torch.float64)
    x = torch.randn(num_samples, num_features, generator=gen, dtype=torch.float64) * scales
    w_true = torch.randn(num_features, generator=gen, dtype=torch.float64) / scales
    y = x @ w_true + 0.1 * torch.randn(num_samples, generator=gen, dtype=torch.float64)
    results: dict[str, dict[str, list[float]]] = {}
    for name, make in make_optimizers.items():
        w = torch.zeros(num_features, dtype=torch.float64, requires_grad=True)
        opt = make([w])
        losses, updates = [], []
        for _ in range(steps):
            loss = 0.5 * ((x @ w - y) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            before = w.detach().clone()
            opt.step()
            losses.append(float(loss.detach()))
            updates.append(float((w.detach() - before).norm()))
        results[name] = {"loss": losses, "update_norm": updates}
    return results
