"""The checks of sections 7 and 8's claims (chapter 5): label smoothing, the learning-rate schedule, and
what clipping at 2.0 does to a fresh network. Each recomputes its claim's number with the library."""

from __future__ import annotations

from .table import Finding, register_check

__all__ = [
    "check_smoothed_target",
    "check_smoothing_is_a_mixture",
    "check_smoothing_bounds_the_gap",
    "check_lr_schedule",
    "check_global_clipping_scale",
]

# Chapter 5's bound: a fresh network's global gradient norm exceeds this.
_FRESH_NORM = 100.0


@register_check
def check_smoothed_target() -> Finding:
    """Sec. 7: q'(k) = (1 − ε)δ + ε/K; the true class keeps 0.9001 for K = 1000, ε = 0.1."""
    import torch

    from ..recipe import smooth_targets

    q = smooth_targets(torch.tensor([7]), 1000, 0.1).double()[0]
    kept = 1 - 0.1 + 0.1 / 1000  # the formula: 1 − ε + ε/K
    holds = abs(q.sum().item() - 1) < 1e-6 and abs(q[7].item() - kept) < 1e-6 and round(kept, 4) == 0.9001
    return Finding(holds, {"kept": f"{kept:.4f}"})


@register_check
def check_smoothing_is_a_mixture() -> Finding:
    """Sec. 7: H(q', p) = (1 − ε)H(q, p) + εH(u, p); the library's loss is that mixture."""
    import torch
    import torch.nn.functional as F

    from ..recipe import label_smoothing_loss

    gen = torch.Generator().manual_seed(0)
    logits = 3 * torch.randn(64, 10, generator=gen, dtype=torch.float64)
    labels = torch.randint(0, 10, (64,), generator=gen)
    ok = True
    for eps in (0.0, 0.1, 0.3):
        hard = F.cross_entropy(logits, labels)
        uniform = -F.log_softmax(logits, dim=1).mean(dim=1).mean()
        ok &= torch.allclose(label_smoothing_loss(logits, labels, eps), (1 - eps) * hard + eps * uniform)
    return Finding(bool(ok))


@register_check
def check_smoothing_bounds_the_gap() -> Finding:
    """Sec. 7: with one-hot targets the loss keeps falling as the true logit's lead grows; with smoothing
    it is smallest at a finite gap, log(1 + K(1 − ε)/ε)."""
    import torch

    from ..calibration import optimal_logit_gap
    from ..recipe import PAPER_RECIPE, label_smoothing_loss

    def loss(gap: float, k: int, eps: float) -> float:
        logits = torch.zeros(1, k, dtype=torch.float64)
        logits[0, 0] = gap
        return label_smoothing_loss(logits, torch.tensor([0]), eps).item()

    eps = PAPER_RECIPE["label_smoothing"]
    ok = True
    for k in (10, 1000):
        best = optimal_logit_gap(k, eps)
        ok &= loss(best, k, eps) < min(loss(best - 0.05, k, eps), loss(best + 0.05, k, eps))
        ok &= all(loss(g + 1, k, 0.0) < loss(g, k, 0.0) for g in range(0, 40, 5))
    return Finding(bool(ok), {"gap_1000": f"{optimal_logit_gap(1000, eps):.2f}"})


@register_check
def check_lr_schedule() -> Finding:
    """Sec. 8: learning rate 0.045, times 0.94 every two epochs, over the 100 epochs."""
    import math

    from ..recipe import PAPER_RECIPE, inception_lr

    lr, decay = PAPER_RECIPE["lr"], PAPER_RECIPE["lr_decay"]
    epochs = int(PAPER_RECIPE["epochs"])
    holds = all(math.isclose(inception_lr(e), lr * decay ** (e // 2), rel_tol=1e-12) for e in range(epochs))
    holds &= inception_lr(1.5) == inception_lr(0) and inception_lr(2) < inception_lr(1)
    return Finding(holds, {"lr_end": f"{100 * inception_lr(epochs - 1) / lr:.1f}%"})


@register_check
def check_global_clipping_scale() -> Finding:
    """Sec. 8, clipping at 2.0: a fresh network's global gradient norm is over 100 (chapter 5's set-up),
    so clipping that norm to 2.0 shrinks its first steps more than fiftyfold."""
    import math

    import torch

    from ..network import inception_v3
    from ..notebook import seed_everything
    from ..recipe import PAPER_RECIPE, label_smoothing_loss

    seed_everything(0)
    net = inception_v3(num_classes=10).train()
    images, targets = torch.randn(8, 3, 75, 75), torch.randint(0, 10, (8,))
    out = net(images)
    loss = label_smoothing_loss(out.logits, targets) + 0.4 * label_smoothing_loss(out.aux_logits, targets)
    loss.backward()
    norm = math.sqrt(sum(p.grad.double().pow(2).sum().item() for p in net.parameters() if p.grad is not None))
    clip = PAPER_RECIPE["clip_grad_norm"]
    values = {"norm_bound": f"{_FRESH_NORM:g}", "shrink": f"{_FRESH_NORM / clip:g}"}
    return Finding(norm > _FRESH_NORM, values)
