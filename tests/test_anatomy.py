"""inception_lib.anatomy: the mode guard and the (height, width) reader."""

import pytest
from torch import nn

from inception_lib.anatomy import eval_mode, pair


def test_eval_mode_restores_training_mode_even_after_an_error():
    model = nn.Sequential(nn.BatchNorm2d(3), nn.Dropout())
    model.train()
    with eval_mode(model) as inside:
        assert inside is model
        assert not model.training and not model[0].training
    assert model.training and model[1].training
    with pytest.raises(RuntimeError), eval_mode(model):
        raise RuntimeError("boom")
    assert model.training


def test_eval_mode_keeps_a_model_in_eval_mode():
    model = nn.BatchNorm2d(3).eval()
    with eval_mode(model):
        pass
    assert not model.training


def test_pair_reads_ints_and_pairs_and_names_bad_values():
    assert pair(3) == (3, 3)
    assert pair((1, 7)) == (1, 7)
    assert pair([7, 1]) == (7, 1)
    with pytest.raises(ValueError, match=r"\(1, 2, 3\)"):
        pair((1, 2, 3))
