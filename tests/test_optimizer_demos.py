"""optimizer_demos.py: chapter 5's comparisons of TensorFlow's RMSProp with torch.optim.RMSprop."""

import math

import pytest
import torch

from inception_lib.optimizer_demos import first_step_sizes, optimizer_race, rmsprop_step_multiplier
from inception_lib.recipe import TFRMSprop


def test_step_multiplier_styles():
    g = torch.tensor([0.0, 1.0, 3.0])
    assert torch.allclose(rmsprop_step_multiplier(g, 1.0, "tf"), 1 / torch.sqrt(g.double() ** 2 + 1))
    assert torch.allclose(rmsprop_step_multiplier(g, 1.0, "torch"), 1 / (g.double() + 1))
    with pytest.raises(ValueError):
        rmsprop_step_multiplier(g, 1.0, "keras")


def test_optimizer_race_records_every_step_and_separates_the_optimizers():
    out = optimizer_race(
        {
            "tf": lambda p: TFRMSprop(p, lr=0.01),
            "torch": lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1.0, momentum=0.9),
        },
        steps=30,
    )
    assert len(out["tf"]["loss"]) == 30 and len(out["torch"]["update_norm"]) == 30
    assert out["tf"]["loss"][-1] < out["tf"]["loss"][0]
    assert out["tf"]["loss"][0] == out["torch"]["loss"][0]  # same start
    assert out["tf"]["loss"][-1] != pytest.approx(out["torch"]["loss"][-1], rel=1e-3)


def test_first_step_sizes_match_the_two_formulas():
    ((g, tf, pt),) = first_step_sizes([2.0], lr=0.1)
    assert tf == pytest.approx(0.1 * 2 / math.sqrt(0.9 + 0.1 * 4 + 1.0))  # ms starts at 1, eps inside
    assert pt == pytest.approx(0.1 * 2 / (math.sqrt(0.1 * 4) + 1.0))  # v starts at 0, eps outside
