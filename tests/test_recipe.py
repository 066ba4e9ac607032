"""Tests for inception_lib.recipe: label smoothing, TF-style RMSProp, the LR schedule, clipping, EMA."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from inception_lib.recipe import (
    PAPER_RECIPE,
    ModelEMA,
    TFRMSprop,
    clip_gradients,
    inception_lr,
    label_smoothing_loss,
    smooth_targets,
    weight_decay_groups,
)

# ---------------------------------------------------------------------------------------------- smoothing


def test_smooth_targets_paper_formula_and_study_note_form():
    k, eps = 1000, 0.1
    q = smooth_targets(torch.tensor([3, 999]), k, eps)
    assert q.shape == (2, k)
    assert torch.allclose(q.sum(1), torch.ones(2, dtype=q.dtype))
    e = eps / k  # the study note's e
    assert q[0, 3].item() == pytest.approx(1 - (k - 1) * e, abs=1e-7)
    assert q[0, 3].item() == pytest.approx(0.9001, abs=1e-6)  # not 0.9
    assert q[0, 0].item() == pytest.approx(e, rel=1e-6)
    assert q[1, 999].item() == pytest.approx(0.9001, abs=1e-6)


def test_smooth_targets_eps_zero_is_one_hot():
    q = smooth_targets(torch.tensor([1, 0]), 3, 0.0)
    assert torch.equal(q, torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]))


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.4])
def test_label_smoothing_loss_equals_torch_cross_entropy(eps):
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(16, 10, generator=gen) * 3
    labels = torch.randint(0, 10, (16,), generator=gen)
    ours = label_smoothing_loss(logits, labels, eps)
    theirs = F.cross_entropy(logits, labels, label_smoothing=eps)
    assert torch.allclose(ours, theirs, atol=1e-6)


def test_label_smoothing_loss_is_mixture_of_two_cross_entropies():
    # H(q', p) = (1 - eps) H(q, p) + eps H(u, p)  (paper sec. 7)
    logits = torch.tensor([[2.0, -1.0, 0.5, 0.0]])
    labels = torch.tensor([0])
    eps = 0.2
    logp = F.log_softmax(logits, 1)
    expected = (1 - eps) * -logp[0, 0] + eps * -logp[0].mean()
    assert label_smoothing_loss(logits, labels, eps).item() == pytest.approx(expected.item(), rel=1e-6)


@pytest.mark.parametrize(
    "call",
    [
        lambda: smooth_targets(torch.tensor([0]), 10, 1.0),
        lambda: smooth_targets(torch.tensor([0]), 10, -0.1),
        lambda: smooth_targets(torch.tensor([10]), 10, 0.1),
        lambda: smooth_targets(torch.tensor([0.5]), 10, 0.1),
        lambda: label_smoothing_loss(torch.zeros(10), torch.tensor([0]), 0.1),
    ],
)
def test_smoothing_rejects_bad_input(call):
    with pytest.raises(ValueError):
        call()


# ---------------------------------------------------------------------------------------------- RMSProp


def numpy_tf_rmsprop(w0, grad_fn, steps, lr, rho=0.9, mu=0.9, eps=1.0, wd=0.0):
    """TensorFlow's RMSProp update, written out in NumPy (float64)."""
    w = w0.copy()
    ms = np.ones_like(w)
    mom = np.zeros_like(w)
    trajectory = []
    for _ in range(steps):
        g = grad_fn(w) + wd * w
        ms = rho * ms + (1 - rho) * g * g
        mom = mu * mom + lr * g / np.sqrt(ms + eps)
        w = w - mom
        trajectory.append(w.copy())
    return trajectory


def _problem():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(8, 5)) * np.array([0.1, 0.5, 1.0, 3.0, 10.0])
    b = rng.normal(size=8)
    w0 = rng.normal(size=5)

    def grad(w):
        return a.T @ (a @ w - b) / len(b)

    def torch_loss(w):
        r = torch.from_numpy(a) @ w - torch.from_numpy(b)
        return 0.5 * (r * r).mean()

    return w0, grad, torch_loss


@pytest.mark.parametrize("foreach", [False, True])
@pytest.mark.parametrize("wd", [0.0, 4e-5, 0.1])
def test_tf_rmsprop_matches_numpy_reference_step_by_step(foreach, wd):
    w0, grad, torch_loss = _problem()
    lr = 0.045
    reference = numpy_tf_rmsprop(w0, grad, 25, lr, wd=wd)
    w = torch.tensor(w0, requires_grad=True)
    opt = TFRMSprop([w], lr=lr, decay=0.9, momentum=0.9, eps=1.0, weight_decay=wd, foreach=foreach)
    for expected in reference:
        opt.zero_grad()
        torch_loss(w).backward()
        opt.step()
        np.testing.assert_allclose(w.detach().numpy(), expected, rtol=1e-12, atol=1e-12)
    assert torch.all(opt.state[w]["mean_square"] > 0)


def test_tf_rmsprop_mean_square_starts_at_one():
    w = torch.zeros(3, requires_grad=True)
    opt = TFRMSprop([w], lr=0.1)
    w.grad = torch.zeros(3)
    opt.step()
    assert torch.equal(opt.state[w]["mean_square"], torch.full((3,), 0.9))  # 0.9·1 + 0.1·0


def test_torch_rmsprop_is_a_different_optimizer():
    w0, grad, torch_loss = _problem()
    reference = numpy_tf_rmsprop(w0, grad, 10, 0.045)
    w = torch.tensor(w0, requires_grad=True)
    opt = torch.optim.RMSprop([w], lr=0.045, alpha=0.9, eps=1.0, momentum=0.9)
    for _ in range(10):
        opt.zero_grad()
        torch_loss(w).backward()
        opt.step()
    diff = np.abs(w.detach().numpy() - reference[-1]).max()
    assert diff > 1e-3, "torch.optim.RMSprop unexpectedly matches TF's RMSProp"


def test_weight_decay_groups_leave_bn_and_bias_alone():
    model = nn.Sequential(nn.Conv2d(3, 4, 3, bias=False), nn.BatchNorm2d(4), nn.Flatten(), nn.LazyLinear(2))
    model(torch.zeros(1, 3, 5, 5))
    decay, no_decay = weight_decay_groups(model, 4e-5)
    assert decay["weight_decay"] == 4e-5 and no_decay["weight_decay"] == 0.0
    assert {tuple(p.shape) for p in decay["params"]} == {(4, 3, 3, 3), (2, 36)}
    assert {tuple(p.shape) for p in no_decay["params"]} == {(4,), (2,)}  # BN gamma/beta, fc bias


def test_tf_rmsprop_rejects_bad_hyperparameters():
    w = torch.zeros(1, requires_grad=True)
    for kwargs in ({"lr": 0.0}, {"decay": 1.0}, {"momentum": -0.1}, {"eps": 0.0}, {"weight_decay": -1.0}):
        with pytest.raises(ValueError):
            TFRMSprop([w], **kwargs)


# ---------------------------------------------------------------------------------------------- schedule


def test_inception_lr_staircase():
    assert inception_lr(0) == pytest.approx(0.045)
    assert inception_lr(1.99) == pytest.approx(0.045)
    assert inception_lr(2) == pytest.approx(0.045 * 0.94)
    assert inception_lr(5) == pytest.approx(0.045 * 0.94**2)
    assert inception_lr(100) == pytest.approx(0.045 * 0.94**50)
    with pytest.raises(ValueError):
        inception_lr(-1)


def test_clip_gradients_uses_the_global_l2_norm():
    a = torch.zeros(2, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    a.grad = torch.tensor([3.0, 0.0])
    b.grad = torch.tensor([4.0])
    norm = clip_gradients([a, b], max_norm=2.0)
    assert norm.item() == pytest.approx(5.0)
    new = torch.cat([a.grad, b.grad]).norm().item()
    assert new == pytest.approx(2.0, rel=1e-5)
    assert torch.allclose(a.grad, torch.tensor([1.2, 0.0]), atol=1e-5)  # same direction, scaled together


def test_paper_recipe_values():
    assert PAPER_RECIPE["lr"] == 0.045 and PAPER_RECIPE["rmsprop_eps"] == 1.0
    assert PAPER_RECIPE["clip_grad_norm"] == 2.0 and PAPER_RECIPE["aux_weight"] == 0.4


# ---------------------------------------------------------------------------------------------- EMA


def _bn_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3))


def test_ema_averages_parameters_and_bn_buffers():
    model = _bn_model()
    ema = ModelEMA(model, decay=0.5, warmup=False)
    assert not ema.module.training
    assert all(not p.requires_grad for p in ema.module.parameters())
    old = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        model[0].weight.add_(1.0)
    model.train()
    model(torch.randn(4, 2, 3, 3))  # updates BN running stats and the batch counter
    new = model.state_dict()
    ema.update(model)
    avg = ema.module.state_dict()
    for key in ("0.weight", "1.running_mean", "1.running_var"):
        assert torch.allclose(avg[key], 0.5 * old[key] + 0.5 * new[key]), key
    assert int(avg["1.num_batches_tracked"]) == int(new["1.num_batches_tracked"]) == 1


def test_ema_warmup_follows_tensorflow():
    ema = ModelEMA(_bn_model(), decay=0.9999)
    assert ema.current_decay() == pytest.approx(0.1)  # (1 + 0) / (10 + 0)
    ema.update(_bn_model())
    assert ema.current_decay() == pytest.approx(2 / 11)
    ema.num_updates = 10**6
    assert ema.current_decay() == 0.9999


def test_ema_state_dict_round_trip_and_frozen_model_unchanged():
    model = _bn_model()
    ema = ModelEMA(model, decay=0.9)
    ema.update(model)
    state = ema.state_dict()
    other = ModelEMA(_bn_model(), decay=0.5)
    other.load_state_dict(state)
    assert other.num_updates == 1 and other.decay == 0.9
    for a, b in zip(other.module.state_dict().values(), ema.module.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    with pytest.raises(ValueError):
        ModelEMA(model, decay=1.0)


def test_clip_gradients_per_tensor_clips_each_gradient_on_its_own():
    a = torch.zeros(2, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    a.grad = torch.tensor([3.0, 4.0])  # norm 5: clipped to 2
    b.grad = torch.tensor([1.0])  # norm 1: left alone
    norm = clip_gradients([a, b], max_norm=2.0, scope="tensor")
    assert norm.item() == pytest.approx(math.sqrt(26.0))  # the global norm before clipping
    assert torch.allclose(a.grad, torch.tensor([1.2, 1.6]), atol=1e-5)
    assert torch.equal(b.grad, torch.tensor([1.0]))
    with pytest.raises(ValueError, match="scope"):
        clip_gradients([a], 2.0, scope="layer")


def test_book_recipe_departs_from_the_paper_only_where_documented():
    from inception_lib.recipe import BOOK_RECIPE

    assert BOOK_RECIPE == {"optimizer": "adam", "lr": 1e-3, "clip_scope": "tensor", "dropout": 0.2}


def test_fused_ema_matches_the_formula_over_several_updates():
    model = _bn_model()
    ema = ModelEMA(model, decay=0.9, warmup=False)
    expected = {k: v.clone() for k, v in model.state_dict().items()}
    for step in range(3):
        with torch.no_grad():
            model[0].weight.mul_(1.5).add_(step)
        model.train()
        model(torch.randn(4, 2, 3, 3))
        ema.update(model)  # the cached tensor lists must follow in-place changes
        for k, v in model.state_dict().items():
            if v.dtype.is_floating_point:
                expected[k] = 0.9 * expected[k] + 0.1 * v
            else:
                expected[k] = v.clone()
    for k, v in ema.module.state_dict().items():
        assert torch.allclose(v, expected[k], atol=1e-6), k
    with pytest.raises(ValueError, match="other parameters"):
        ema.update(nn.Linear(2, 2))


def test_label_smoothing_loss_rejects_bad_labels_with_a_clear_message():
    logits = torch.zeros(2, 4)
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        label_smoothing_loss(logits, torch.tensor([0, 4]))
    with pytest.raises(ValueError, match="labels must be"):
        label_smoothing_loss(logits, torch.tensor([0, 1, 2]))
