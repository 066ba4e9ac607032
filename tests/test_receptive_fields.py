"""counting.receptive_fields and anatomy.receptive_field: from kernel sizes and strides, checked against
gradients and chapter 1."""

import pytest
import torch
from torch import nn

from inception_lib.anatomy import module_tree, receptive_field  # the per-module rule, on single blocks
from inception_lib.blocks import InceptionA, InceptionC
from inception_lib.counting import block_macs, mac_report, receptive_fields
from inception_lib.network import inception_v3


def _field_of(block: nn.Module, shape) -> tuple[int, int]:
    rh, rw, _, _ = receptive_field(module_tree(block, shape))
    return rh, rw


def _gradient_support(block: nn.Module, shape) -> tuple[int, int]:
    """Measure: which input pixels move the centre output? Positive weights keep every ReLU open."""
    block.eval()
    with torch.no_grad():
        for m in block.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.abs_().add_(0.01)
    x = torch.ones(1, *shape, requires_grad=True)
    y = block(x)
    y[0, :, y.shape[2] // 2, y.shape[3] // 2].sum().backward()
    rows = x.grad[0].abs().sum(0).sum(1).nonzero()
    cols = x.grad[0].abs().sum(0).sum(0).nonzero()
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


@pytest.mark.parametrize(
    ("block", "shape", "expected"),
    [
        (InceptionA(8, pool_features=4, ch1x1=4, ch5x5_reduce=4, ch5x5=4, ch3x3dbl_reduce=4, ch3x3dbl=4),
         (8, 21, 21), (5, 5)),  # two 3×3, or the 5×5
        # two 7×1/1×7 pairs after a 1×1: 1 + 6 + 6
        (InceptionC(8, channels_7x7=4, out_per_branch=4), (8, 41, 41), (13, 13)),
    ],
)
def test_block_fields_match_a_gradient_measurement(block, shape, expected):
    assert _field_of(block, shape) == expected
    assert _gradient_support(block, shape) == expected


def test_the_released_stem_sees_3_7_11_pixels_and_the_fields_grow():
    rows = receptive_fields(inception_v3(aux_logits=False), 299)
    by_block = {r.block: r for r in rows}
    stem = [by_block[b].size for b in ("conv_1a_3x3", "conv_2a_3x3", "conv_2b_3x3")]
    assert stem == [(3, 3), (7, 7), (11, 11)]
    assert by_block["maxpool_2"].size == (31, 31) and by_block["maxpool_2"].jump == (8, 8)
    assert by_block["mixed_5b"].size == (63, 63)  # two 3×3 (or one 5×5) at jump 8: + 32
    assert by_block["mixed_6a"].jump == (16, 16) and by_block["mixed_7c"].jump == (32, 32)
    assert by_block["mixed_5b"].output_shape == (256, 35, 35)
    assert by_block["fc"].output_shape == (1000,) and by_block["avgpool"].size is None
    sizes = [r.size[0] for r in rows if r.size is not None]
    assert sizes == sorted(sizes) and sizes[-1] > 299  # the theoretical field outgrows the image
    assert [r.block for r in rows][-3:] == ["avgpool", "dropout", "fc"] and "aux" not in by_block


def test_the_field_does_not_depend_on_the_input_size_but_the_shapes_do():
    model = inception_v3()
    small, large = receptive_fields(model, 75), receptive_fields(model, 299)
    assert [r.size for r in small] == [r.size for r in large]
    assert small[0].output_shape == (32, 37, 37)


def test_receptive_fields_rejects_bad_arguments():
    with pytest.raises(ValueError, match="InceptionV3"):
        receptive_fields(nn.Conv2d(3, 3, 3))
    with pytest.raises(ValueError, match="input_size"):
        receptive_fields(inception_v3(), 40)


def test_block_macs_are_conv_and_linear_per_block():
    model = inception_v3()
    macs = block_macs(model, 75)
    report = mac_report(model, 75)
    assert sum(v for k, v in macs.items() if k != "aux") == report.conv_linear < report.total
    assert macs["maxpool_1"] == 0 and macs["fc"] == 2048 * 1000 and macs["aux"] > 0
    assert macs["conv_1a_3x3"] == 3 * 32 * 9 * 37 * 37  # in · out · kernel · output positions
    assert model.training and next(model.parameters()).device.type == "cpu"  # the model is left alone
    assert "aux" not in block_macs(inception_v3(aux_logits=False), 75)
    with pytest.raises(ValueError, match="input_size"):
        block_macs(model, 74)
