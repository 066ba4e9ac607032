"""The network: torchvision parity, Table 3 variants and clear errors for bad input."""

import pytest
import torch
import torchvision

from inception_lib import count_params, inception_v3, load_torchvision_weights, shape_trace
from inception_lib.network import MIN_INPUT_SIZE, InceptionOutputs

# torchvision's block names, in order, and ours
TV_BLOCKS = [
    "Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "maxpool1", "Conv2d_3b_1x1", "Conv2d_4a_3x3",
    "maxpool2", "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d",
    "Mixed_6e", "AuxLogits", "Mixed_7a", "Mixed_7b", "Mixed_7c", "avgpool", "dropout", "fc",
]


@pytest.fixture(scope="module")
def torchvision_v3():
    torch.manual_seed(0)
    return torchvision.models.inception_v3(weights=None, aux_logits=True, init_weights=True).eval()


def test_parameter_counts_match_torchvision(torchvision_v3):
    assert count_params(inception_v3()) == count_params(torchvision_v3) == 27_161_264
    assert count_params(inception_v3(aux_logits=False)) == 23_834_568


def test_shapes_after_every_block_match_torchvision(torchvision_v3):
    shapes = {}
    hooks = [
        getattr(torchvision_v3, name).register_forward_hook(
            lambda m, i, o, name=name: shapes.__setitem__(name, (tuple(i[0].shape[1:]), tuple(o.shape[1:])))
        )
        for name in TV_BLOCKS
        if name != "AuxLogits"
    ]
    with torch.no_grad():
        torchvision_v3(torch.zeros(1, 3, 299, 299))
    for h in hooks:
        h.remove()
    rows = [r for r in shape_trace(inception_v3()) if r.block != "aux"]
    assert [r.block.replace("_", "").lower() for r in rows] == [
        n.replace("_", "").lower().replace("conv2d", "conv") for n in TV_BLOCKS if n != "AuxLogits"
    ]
    for row, name in zip(rows, [n for n in TV_BLOCKS if n != "AuxLogits"], strict=True):
        assert (row.input_shape, row.output_shape) == shapes[name], name


def test_outputs_equal_torchvision_after_loading_its_weights(torchvision_v3):
    ours = load_torchvision_weights(inception_v3(), torchvision_v3.state_dict()).eval()
    torch.manual_seed(1)
    x = torch.randn(2, 3, 299, 299)
    with torch.no_grad():
        assert (ours(x) - torchvision_v3(x)).abs().max().item() <= 1e-5
        # the auxiliary head too (torchvision runs it only in training; call both heads directly)
        feats = torch.randn(2, 768, 17, 17)
        assert (ours.aux(feats) - torchvision_v3.AuxLogits(feats)).abs().max().item() <= 1e-5


def test_loading_without_aux_head(torchvision_v3):
    ours = load_torchvision_weights(inception_v3(aux_logits=False), torchvision_v3.state_dict())
    assert torch.equal(ours.fc.weight, torchvision_v3.fc.weight)


def test_loading_rejects_other_architectures(torchvision_v3):
    with pytest.raises(ValueError, match="entries"):
        load_torchvision_weights(inception_v3(bn_aux=True), torchvision_v3.state_dict())
    with pytest.raises(ValueError, match="entries"):
        load_torchvision_weights(inception_v3(stem="7x7"), torchvision_v3.state_dict())
    with pytest.raises(ValueError, match=r"1000 classes, the model 10: build .* num_classes=1000"):
        load_torchvision_weights(inception_v3(num_classes=10), torchvision_v3.state_dict())
    with pytest.raises(TypeError, match="InceptionV3"):
        load_torchvision_weights(torchvision_v3, torchvision_v3.state_dict())


def test_loading_says_when_a_state_dict_is_not_inception3():
    import torchvision

    model = inception_v3()
    with pytest.raises(ValueError, match="the state_dict is empty: expected torchvision's Inception3"):
        load_torchvision_weights(model, {})
    with pytest.raises(ValueError, match=r"not a torchvision Inception3 state_dict.*\['conv1.weight'"):
        load_torchvision_weights(model, torchvision.models.resnet18().state_dict())
    with pytest.raises(ValueError, match=r"this library's own state_dict: use model.load_state_dict"):
        load_torchvision_weights(model, inception_v3().state_dict())
    with pytest.raises(TypeError, match="expected a state_dict"):
        load_torchvision_weights(model, [1, 2])


def test_loading_a_headless_state_dict_into_a_model_with_aux_says_aux_logits_false():
    import torchvision

    headless = torchvision.models.inception_v3(init_weights=False, aux_logits=False).state_dict()
    with pytest.raises(ValueError, match="no auxiliary head.*aux_logits=False"):
        load_torchvision_weights(inception_v3(), headless)


def test_training_mode_returns_both_heads():
    model = inception_v3(num_classes=10).train()
    out = model(torch.randn(2, 3, 299, 299))
    assert isinstance(out, InceptionOutputs) and out.logits.shape == out.aux_logits.shape == (2, 10)
    assert isinstance(
        inception_v3(num_classes=10, aux_logits=False).train()(torch.randn(2, 3, 96, 96)), torch.Tensor
    )


@pytest.mark.parametrize("stem", ["3x3", "7x7"])
def test_smallest_input(stem):
    model = inception_v3(num_classes=5, stem=stem)
    assert model.train()(torch.randn(2, 3, MIN_INPUT_SIZE, MIN_INPUT_SIZE)).aux_logits.shape == (2, 5)
    with pytest.raises(ValueError, match=r"74×74 is too small.*75×75"):
        model.eval()(torch.randn(1, 3, 74, 74))


def test_table3_variants():
    assert count_params(inception_v3(stem="7x7")) < count_params(inception_v3())
    assert count_params(inception_v3(bn_aux=True)) == count_params(inception_v3()) - 1000 + 2 * 1000
    rows = shape_trace(inception_v3(stem="7x7", aux_logits=False))
    assert rows[0].block == "conv_1a_7x7" and rows[0].output_shape == (64, 147, 147)


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (torch.randn(3, 299, 299), r"4-D batch.*\(3, 299, 299\)"),
        (torch.randn(1, 1, 3, 299, 299), r"4-D batch"),
        (torch.randn(1, 1, 299, 299), r"3 input channels, got 1"),
        (torch.randn(1, 4, 299, 299), r"3 input channels, got 4"),
        (torch.randn(1, 3, 60, 299), r"60×299 is too small"),
    ],
)
def test_bad_input_gets_a_clear_error(x, message):
    with pytest.raises(ValueError, match=message):
        inception_v3(aux_logits=False).eval()(x)


@pytest.mark.parametrize(
    ("dtype", "message"),
    [
        (torch.uint8, r"floating-point image batch, got dtype torch.uint8: convert .* x.float\(\) / 255"),
        (torch.int64, r"floating-point image batch, got dtype torch.int64"),
        (torch.float64, r"input dtype torch.float64 does not match the weights' torch.float32.*x.to"),
    ],
)
def test_wrong_dtype_says_how_to_convert(dtype, message):
    with pytest.raises(TypeError, match=message):
        inception_v3(num_classes=3, aux_logits=False).eval()(torch.zeros(1, 3, 75, 75, dtype=dtype))


def test_float32_input_runs_under_bf16_autocast():
    model = inception_v3(num_classes=3, aux_logits=False).eval()
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        assert model(torch.zeros(1, 3, 75, 75)).shape == (1, 3)


def test_not_a_tensor():
    with pytest.raises(TypeError, match="expected a torch.Tensor.*got list"):
        inception_v3(aux_logits=False).eval()([1, 2, 3])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stem": "5x5"}, "stem must be one of"),
        ({"num_classes": 0}, "num_classes"),
        ({"in_channels": -1}, "in_channels"),
        ({"dropout": 1.0}, "dropout"),
    ],
)
def test_bad_constructor_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        inception_v3(**kwargs)
