"""The Inception-v3 training recipe (paper sec. 7 and 8), and the parts the paper leaves to the code.

Paper, sec. 8: RMSProp with decay 0.9 and epsilon 1.0; learning rate 0.045, multiplied by 0.94 every two
epochs; gradient clipping with threshold 2.0; evaluation with a running average of the parameters.
Sec. 7: label smoothing with epsilon 0.1 and a uniform prior.

Not in the paper, filled in from Google's TensorFlow reference code (TF-slim / ``inception`` model):
RMSProp momentum 0.9, auxiliary-loss weight 0.4 (main head 1.0), weight decay 4e-5 on the convolution and
fully connected weights, moving-average decay 0.9999.

Everything here is plain PyTorch and independent of the network, so each piece can be tested on its own.
This module holds what the training engine (:mod:`inception_lib.train`) runs, and the smoothed targets the
loss is defined by. Chapter 5's demonstrations live beside the calibration experiment: the optimal logit
gap and confidence statistics in :mod:`inception_lib.calibration`, RMSProp's two conventions compared step
by step in :mod:`inception_lib.optimizer_demos`.

Gradient clipping: the paper, the released code, the book's choice
-------------------------------------------------------------------
What the paper says (sec. 8): "gradient clipping with threshold 2.0 was found to be useful to stabilize the
training", for 50 replicas of batch 32 each. It names no norm (global, per tensor, per element) and does
not say whether each replica clipped its own batch-32 gradient or the gradients were combined first.

What Google's released TensorFlow code does (read in ``tensorflow/models``):

* ``research/inception/inception/inception_train.py`` (the 2016 Inception-v3 training script, synchronous
  multi-GPU): RMSProp(decay 0.9, momentum 0.9, epsilon 1.0), initial lr 0.1 decayed by 0.16 every 30
  epochs, and **no gradient clipping at all**.
* ``research/slim/train_image_classifier.py`` (TF-slim, the code behind the published Inception-v3
  checkpoints' recipe: RMSProp, lr decay 0.94 every 2 epochs, aux weight 0.4): **no clipping and no flag
  for it**.
* ``slim/learning.py``, ``create_train_op(..., clip_gradient_norm=0)``: off by default; when it is set,
  ``clip_gradient_norms`` clips **each gradient tensor to that norm on its own** (``tf.clip_by_norm`` per
  variable), not the global norm (``tf.clip_by_global_norm``).

What this means for a fresh network. A freshly initialised Inception-v3 has a global gradient norm of
hundreds at 299 px and over a thousand at 75 px (measured with this library; the stem convolutions carry
most of it). Clipping the *global* norm to 2.0 shrinks every early step about a hundredfold, and a run
with those settings stays at chance for hundreds of steps. Clipping *per tensor* (TF-slim's meaning)
bounds each layer's step on its own, so the stem's huge gradients cannot blow up the stem while the other
layers keep their own, smaller, gradients.

:func:`clip_gradients` offers both (``scope="tensor"`` or ``"global"``).

What we measured (full Inception-v3, 75 px, batch 32, generated data, CPU; 100-200 steps per setting):
global clipping at 2.0 with RMSProp (eps 1.0, lr 0.045) stays at chance (validation top-1 0.06-0.15, loss
flat at the uniform-guess level); per-tensor clipping with the same RMSProp moves, but its loss climbs above
that level (lr 0.045) or stays there (lr 0.01, 0.003); RMSProp without clipping at lr 0.003-0.01 and
momentum SGD at 0.1 (per-tensor clipping) also stay at or above it; RMSProp with a small epsilon (1e-3) at
lr 1e-3-3e-3 climbs above it. Adam at lr 1e-3 was the one setting whose loss fell within 100 steps
(validation top-1 0.33 at step 100). RMSProp with epsilon 1.0 is momentum SGD for small gradients, whose
steps on the BatchNorm-normalised layers are tiny while the classifier's are large.

The book's choice (:data:`BOOK_RECIPE`, the engine's defaults): keep the paper's threshold 2.0, applied per
tensor (TF-slim's meaning); Adam at lr 1e-3 instead of RMSProp; TF-slim's dropout 0.2 (keep 0.8); and the
paper's label smoothing 0.1, auxiliary weight 0.4, weight decay 4e-5 and decay 0.94 every two epochs. The
paper's literal recipe stays available: ``TrainConfig(optimizer="rmsprop-tf", lr=0.045,
clip_scope="global", dropout=0.5)`` (``--optimizer rmsprop-tf --lr 0.045 --clip-scope global --dropout
0.5``). Chapter 6 shows a recorded run of the defaults (``inception_lib/records/cpu_run/``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "PAPER_RECIPE",
    "BOOK_RECIPE",
    "smooth_targets",
    "label_smoothing_loss",
    "TFRMSprop",
    "weight_decay_groups",
    "inception_lr",
    "CLIP_SCOPES",
    "clip_gradients",
    "global_grad_norm",
    "ModelEMA",
]

# The recipe in one place: paper sec. 7-8, plus the TF reference code where the paper is silent.
PAPER_RECIPE: dict[str, float] = {
    "lr": 0.045,  # paper sec. 8
    "lr_decay": 0.94,  # every two epochs, paper sec. 8
    "epochs_per_decay": 2.0,
    "rmsprop_decay": 0.9,  # paper sec. 8
    "rmsprop_eps": 1.0,  # paper sec. 8 (TF's epsilon: inside the square root)
    "rmsprop_momentum": 0.9,  # TF reference code
    "clip_grad_norm": 2.0,  # paper sec. 8 ("gradient clipping with threshold 2.0")
    "label_smoothing": 0.1,  # paper sec. 7
    "aux_weight": 0.4,  # TF reference code (the paper gives no weight)
    "weight_decay": 4e-5,  # TF reference code
    "ema_decay": 0.9999,  # TF reference code (the paper: "a running average of the parameters")
    "batch_size_per_replica": 32,  # paper sec. 8: 50 replicas
    "epochs": 100,  # paper sec. 8
}

# What the book's engine uses by default where it departs from the paper, and why: the module docstring,
# "Gradient clipping: the paper, the released code, the book's choice".
BOOK_RECIPE: dict[str, float | str] = {
    "optimizer": "adam",  # RMSProp(eps 1.0) at lr 0.045 stays at chance or diverges in short runs
    "lr": 1e-3,
    "clip_scope": "tensor",  # threshold 2.0 per tensor, as TF-slim's clip_gradient_norm
    "dropout": 0.2,  # TF-slim: keep_prob 0.8
}


# --------------------------------------------------------------------------------------------------------
# Label smoothing (sec. 7)


def _check_eps(eps: float) -> None:
    if not 0.0 <= eps < 1.0:
        raise ValueError(f"label smoothing eps must be in [0, 1), got {eps!r}")


def _check_labels(labels: torch.Tensor, num_classes: int) -> None:
    if labels.dtype not in (torch.int64, torch.int32, torch.int16, torch.uint8):
        raise ValueError(f"labels must be integer class indices, got dtype {labels.dtype}")
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ValueError(
            f"labels must lie in [0, {num_classes}), got values {int(labels.min())}..{int(labels.max())}"
        )


def smooth_targets(labels: torch.Tensor, num_classes: int, eps: float = 0.1) -> torch.Tensor:
    """The smoothed target distribution of sec. 7: q'(k) = (1 − ε)·δ(k, y) + ε/K, one row per label.

    With e = ε/K this is the study note's form: the true class gets 1 − (K − 1)·e, every other class e.
    For K = 1000 and ε = 0.1 the true class keeps 0.9001, not 0.9 (the uniform share also lands on it).
    """
    _check_eps(eps)
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes!r}")
    labels = torch.as_tensor(labels)
    _check_labels(labels, num_classes)
    one_hot = F.one_hot(labels.long(), num_classes).float()
    return one_hot * (1.0 - eps) + eps / num_classes


def label_smoothing_loss(logits: torch.Tensor, labels: torch.Tensor, eps: float = 0.1) -> torch.Tensor:
    """Cross-entropy against the smoothed targets of :func:`smooth_targets`, averaged over the batch.

    Paper sec. 7: H(q', p) = (1 − ε)·H(q, p) + ε·H(u, p), the cross-entropy with the true class plus ε
    times the cross-entropy with the uniform prior u = 1/K. Written out that way (a gather and a mean of
    the log-probabilities; no K-wide target matrix), it equals
    ``torch.nn.functional.cross_entropy(logits, labels, label_smoothing=eps)``.

    Labels are range-checked only on the CPU: on a GPU the check would make the host wait for the device
    at every step (an out-of-range label there still stops the run, with a device-side assert).
    """
    _check_eps(eps)
    if logits.dim() != 2:
        raise ValueError(f"logits must be (N, K), got shape {tuple(logits.shape)}")
    if labels.dim() != 1 or labels.shape[0] != logits.shape[0]:
        raise ValueError(f"labels must be (N,) = ({logits.shape[0]},), got shape {tuple(labels.shape)}")
    if labels.device.type == "cpu":
        _check_labels(labels, logits.shape[1])
    log_p = F.log_softmax(logits, dim=1)
    true_class = log_p.gather(1, labels.to(log_p.device, torch.long).unsqueeze(1)).squeeze(1)  # −H(q, p)
    uniform = log_p.mean(dim=1)  # −H(u, p)
    return -((1.0 - eps) * true_class + eps * uniform).mean()


# --------------------------------------------------------------------------------------------------------
# RMSProp as TensorFlow defines it (sec. 8)


class TFRMSprop(torch.optim.Optimizer):
    """RMSProp with TensorFlow's conventions, the optimizer the paper's numbers come from (sec. 8).

    For every parameter p with gradient g (plus ``weight_decay``·p, i.e. L2 regularisation added to the
    gradient, as TF-slim's ``l2_regularizer`` does through the loss)::

        ms  = ρ·ms + (1 − ρ)·g²              ms starts at ``initial_mean_square`` (TF: ones)
        mom = μ·mom + lr·g / sqrt(ms + ε)    ε INSIDE the square root
        p   = p − mom

    ``torch.optim.RMSprop(alpha=ρ, eps=ε, momentum=μ)`` is a different optimizer: it divides by
    sqrt(v) + ε, starts v at zero and keeps lr outside the momentum buffer. With ε = 1.0 the two differ
    for every gradient (see :func:`~inception_lib.optimizer_demos.rmsprop_step_multiplier`).

    Args:
        params: parameters or parameter groups.
        lr: learning rate (paper: 0.045).
        decay: ρ, the mean-square decay (paper: 0.9).
        momentum: μ (TF reference code: 0.9).
        eps: ε, inside the square root (paper: 1.0).
        weight_decay: L2 coefficient added to the gradient (TF reference code: 4e-5 on weights only; use
            :func:`weight_decay_groups` to leave BatchNorm and biases out).
        initial_mean_square: the value ms starts from (TF: 1.0).
        foreach: use the multi-tensor kernels (faster on GPU; same arithmetic). ``None``: on for CUDA.
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict],
        lr: float = 0.045,
        decay: float = 0.9,
        momentum: float = 0.9,
        eps: float = 1.0,
        weight_decay: float = 0.0,
        initial_mean_square: float = 1.0,
        foreach: bool | None = None,
    ) -> None:
        if not lr > 0.0:
            raise ValueError(f"lr must be positive, got {lr!r}")
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"decay must be in [0, 1), got {decay!r}")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        if not eps > 0.0:
            raise ValueError(f"eps must be positive, got {eps!r}")
        if weight_decay < 0.0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}")
        if initial_mean_square < 0.0:
            raise ValueError(f"initial_mean_square must be >= 0, got {initial_mean_square!r}")
        defaults = dict(
            lr=lr,
            decay=decay,
            momentum=momentum,
            eps=eps,
            weight_decay=weight_decay,
            initial_mean_square=initial_mean_square,
            foreach=foreach,
        )
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params, grads, mean_squares, moms = [], [], [], []
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise RuntimeError("TFRMSprop does not support sparse gradients")
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["mean_square"] = torch.full_like(
                        p, group["initial_mean_square"], memory_format=torch.preserve_format
                    )
                    state["momentum_buffer"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["step"] += 1
                params.append(p)
                grads.append(p.grad)
                mean_squares.append(state["mean_square"])
                moms.append(state["momentum_buffer"])
            if not params:
                continue
            foreach = group["foreach"]
            if foreach is None:
                foreach = all(p.is_cuda for p in params)
            (self._step_foreach if foreach else self._step_loop)(group, params, grads, mean_squares, moms)
        return loss

    @staticmethod
    def _step_loop(group: dict, params: list, grads: list, mean_squares: list, moms: list) -> None:
        rho, mu, eps = group["decay"], group["momentum"], group["eps"]
        lr, wd = group["lr"], group["weight_decay"]
        for p, g, ms, mom in zip(params, grads, mean_squares, moms, strict=True):
            if wd:
                g = g.add(p, alpha=wd)
            ms.mul_(rho).addcmul_(g, g, value=1.0 - rho)
            mom.mul_(mu).addcdiv_(g, ms.add(eps).sqrt_(), value=lr)
            p.sub_(mom)

    @staticmethod
    def _step_foreach(group: dict, params: list, grads: list, mean_squares: list, moms: list) -> None:
        rho, mu, eps = group["decay"], group["momentum"], group["eps"]
        lr, wd = group["lr"], group["weight_decay"]
        if wd:
            grads = torch._foreach_add(grads, params, alpha=wd)
        torch._foreach_mul_(mean_squares, rho)
        torch._foreach_addcmul_(mean_squares, grads, grads, value=1.0 - rho)
        denom = torch._foreach_add(mean_squares, eps)
        torch._foreach_sqrt_(denom)
        torch._foreach_mul_(moms, mu)
        torch._foreach_addcdiv_(moms, grads, denom, value=lr)
        torch._foreach_sub_(params, moms)


def weight_decay_groups(model: nn.Module, weight_decay: float = 4e-5) -> list[dict]:
    """Two parameter groups: weights of convolutions and linear layers (decayed) and the rest (not).

    TF-slim puts its L2 regulariser on ``conv2d`` and ``fully_connected`` weights only; BatchNorm's beta
    and gamma and the biases are left alone. Weights are told apart by having more than one dimension.
    """
    decay, no_decay = [], []
    for p in model.parameters():
        if p.requires_grad:
            (decay if p.dim() > 1 else no_decay).append(p)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]


# --------------------------------------------------------------------------------------------------------
# Learning-rate schedule and gradient clipping (sec. 8)


def inception_lr(
    epoch: float, base_lr: float = 0.045, decay: float = 0.94, epochs_per_decay: float = 2.0
) -> float:
    """Learning rate at ``epoch`` (may be fractional): base_lr · decay^floor(epoch / epochs_per_decay).

    Paper sec. 8: 0.045, "decayed every two epoch using an exponential rate of 0.94" (a staircase, as TF's
    ``exponential_decay(staircase=True)``).
    """
    if epoch < 0:
        raise ValueError(f"epoch must be >= 0, got {epoch!r}")
    if not epochs_per_decay > 0:
        raise ValueError(f"epochs_per_decay must be positive, got {epochs_per_decay!r}")
    return base_lr * decay ** math.floor(epoch / epochs_per_decay)


CLIP_SCOPES = ("tensor", "global")


def clip_gradients(
    parameters: Iterable[torch.Tensor], max_norm: float = 2.0, scope: str = "global"
) -> torch.Tensor:
    """Clip gradients to L2 norm ``max_norm``; return the global L2 norm of all gradients before clipping.

    The paper says "gradient clipping with threshold 2.0" without naming the norm (see the module
    docstring, "Gradient clipping"). ``scope="global"``: scale all gradients together so their joint norm is
    at most ``max_norm`` (TF's ``clip_by_global_norm``, PyTorch's ``clip_grad_norm_``). ``scope="tensor"``:
    clip each parameter's gradient to norm ``max_norm`` on its own, what TF-slim's
    ``create_train_op(clip_gradient_norm=...)`` does (``clip_by_norm`` per variable). Neither waits for the
    device: the scale factors stay tensors.
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm!r}")
    if scope not in CLIP_SCOPES:
        raise ValueError(f"scope must be one of {CLIP_SCOPES}, got {scope!r}")
    params = [p for p in parameters if p.grad is not None]
    if not params:
        return torch.zeros(())
    if scope == "global":
        return torch.nn.utils.clip_grad_norm_(params, max_norm)
    grads = [p.grad for p in params]
    norms = _tensor_norms(grads)
    scales = [torch.clamp(max_norm / (n + 1e-6), max=1.0) for n in norms]
    if _foreach_ok(grads):
        torch._foreach_mul_(grads, scales)
    else:
        for g, c in zip(grads, scales, strict=True):
            g.mul_(c)
    return torch.linalg.vector_norm(torch.stack(norms))


def global_grad_norm(parameters: Iterable[torch.Tensor]) -> torch.Tensor:
    """The global L2 norm of the parameters' gradients (a tensor on their device; nothing is changed)."""
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.zeros(())
    return torch.linalg.vector_norm(torch.stack(_tensor_norms(grads)))


def _foreach_ok(tensors: Sequence[torch.Tensor]) -> bool:
    # The multi-tensor kernels pay off on GPUs; on the CPU the plain loop keeps results bit-stable.
    return all(t.is_cuda for t in tensors)


def _tensor_norms(grads: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    if _foreach_ok(grads):
        return [n.float() for n in torch._foreach_norm(grads)]
    return [torch.linalg.vector_norm(g.float()) for g in grads]


# --------------------------------------------------------------------------------------------------------
# Running average of the weights for evaluation (sec. 8)


def _unwrap(model: nn.Module) -> nn.Module:
    model = getattr(model, "_orig_mod", model)  # torch.compile
    return getattr(model, "module", model)  # DistributedDataParallel


class ModelEMA:
    """An exponential moving average of a model's weights and BatchNorm statistics, for evaluation.

    Paper sec. 8 evaluates "using a running average of the parameters computed over time"; the TF code
    averages the trainable variables and BatchNorm's moving mean and variance with decay 0.9999. With
    ``warmup=True`` the decay follows TF's ``ExponentialMovingAverage(num_updates=...)``:
    min(decay, (1 + n) / (10 + n)) after n updates, so early averages are not stuck at the random init.
    Integer buffers (BatchNorm's batch counter) are copied.

    ``ema.module`` is a frozen copy of the model in eval mode; call ``update(model)`` after each step.
    The update is one fused multi-tensor ``lerp`` over cached lists of tensors (a few kernel launches per
    step on a GPU, not two per tensor), and never waits for the device.
    """

    def __init__(self, model: nn.Module, decay: float = 0.9999, warmup: bool = True) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"EMA decay must be in (0, 1), got {decay!r}")
        self.module = copy.deepcopy(_unwrap(model)).eval()
        self.module.requires_grad_(False)
        self.decay = decay
        self.warmup = warmup
        self.num_updates = 0
        self._source: nn.Module | None = None
        self._pairs: tuple[list[torch.Tensor], ...] = ()

    def current_decay(self) -> float:
        """The decay the next :meth:`update` will use."""
        if not self.warmup:
            return self.decay
        n = self.num_updates
        return min(self.decay, (1.0 + n) / (10.0 + n))

    def _tensor_lists(self, source: nn.Module) -> tuple[list[torch.Tensor], ...]:
        """(averaged floats, source floats, averaged integers, source integers), in state-dict order.

        Cached per source model object; moving a model to another device after the first update replaces
        its tensors, so build a new ModelEMA then.
        """
        if source is not self._source:
            mine = self.module.state_dict(keep_vars=True)
            theirs = source.state_dict(keep_vars=True)
            if mine.keys() != theirs.keys():
                raise ValueError("ModelEMA.update got a model with other parameters than the averaged one")
            floats = [k for k, v in mine.items() if v.dtype.is_floating_point]
            ints = [k for k, v in mine.items() if not v.dtype.is_floating_point]
            self._pairs = (
                [mine[k].data for k in floats],
                [theirs[k].data for k in floats],
                [mine[k].data for k in ints],
                [theirs[k].data for k in ints],
            )
            self._source = source
        return self._pairs

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        avg_f, src_f, avg_i, src_i = self._tensor_lists(_unwrap(model))
        weight = 1.0 - self.current_decay()  # avg += weight · (value − avg)
        if avg_f:
            torch._foreach_lerp_(avg_f, src_f, weight)
        for a, v in zip(avg_i, src_i, strict=True):
            a.copy_(v)
        self.num_updates += 1

    def state_dict(self) -> dict:
        return {"module": self.module.state_dict(), "num_updates": self.num_updates, "decay": self.decay}

    def load_state_dict(self, state: dict) -> None:
        self.module.load_state_dict(state["module"])
        self.num_updates = int(state["num_updates"])
        self.decay = float(state["decay"])
