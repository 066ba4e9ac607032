"""inception_lib.anatomy: the mode guard, the (height, width) reader, the recorder, the tree and the
receptive field that walks it."""

import pytest
import torch
from torch import nn

from inception_lib.anatomy import eval_mode, module_tree, pair, receptive_field, record_calls, window
from inception_lib.blocks import InceptionA, InceptionE
from inception_lib.layers import ConvBNReLU


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


def test_record_calls_says_how_each_module_combines_its_children():
    block = InceptionE(32, ch1x1=4, ch3x3=4, ch3x3dbl_reduce=4, pool_features=4)
    block.train()
    calls = record_calls(block, torch.randn(1, 32, 8, 8))
    assert block.training  # the mode is back
    assert calls[id(block)].flow == "branches" and calls[id(block)].shape == (4 + 2 * 4 + 2 * 4 + 4, 8, 8)
    assert calls[id(block.branch3x3)].flow == "chain"
    assert calls[id(block.branch3x3[1])].flow == "branches"  # 1×3 beside 3×1
    assert calls[id(block.branch1x1.conv)].flow is None  # a layer without children


def test_module_tree_starts_with_the_input_and_keeps_units_closed():
    tree = module_tree(InceptionA(16, 8), (16, 9, 9), units=(ConvBNReLU,))
    assert [c.kind for c in tree.children] == ["input", "branches"]
    assert tree.children[0].shape == (16, 9, 9) and tree.shape == (64 + 64 + 96 + 8, 9, 9)
    branches = tree.children[1]
    assert [c.kind for c in branches.children] == ["unit", "chain", "chain", "chain"]
    assert (branches.width, branches.height, tree.height) == (4, 4, 5)
    with pytest.raises(ValueError, match="closed unit"):
        receptive_field(tree)
    assert receptive_field(module_tree(InceptionA(16, 8), (16, 9, 9)))[:2] == (5, 5)


class _Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        return x + self.conv(x)  # a functional operation the hooks cannot see


def test_module_tree_rejects_what_is_neither_chain_nor_branches():
    with pytest.raises(ValueError, match="_Residual.*neither a chain nor"):
        module_tree(nn.Sequential(_Residual(), nn.ReLU()), (3, 5, 5))
    relu = nn.ReLU()
    with pytest.raises(ValueError, match="called twice"):
        record_calls(nn.Sequential(relu, relu), torch.zeros(1, 3, 5, 5))


def test_receptive_field_grows_by_kernel_dilation_and_jump():
    stack = nn.Sequential(nn.Conv2d(1, 1, 3, stride=2), nn.Conv2d(1, 1, 3, dilation=2), nn.MaxPool2d(2))
    # 1 + 2 (3×3/2) = 3, jump 2; + 2 · 2 · 2 (3×3 dilated 2) = 11; + 1 · 2 (2×2/2) = 13, jump 4
    assert receptive_field(module_tree(stack, (1, 31, 31))) == (13, 13, 4, 4)
    assert window(nn.MaxPool2d(2)) == ((2, 2), (2, 2), (1, 1))
    assert window(nn.ReLU()) is None
    assert receptive_field(module_tree(nn.Sequential(stack, nn.AdaptiveAvgPool2d(1)), (1, 31, 31))) is None
