"""Counting: fvcore's MACs against torch's FlopCounterMode and the published figures; no noise leaks."""

import subprocess
import sys

import pytest
from torch import nn

from inception_lib import (
    count_conv_weights,
    count_flops_torch,
    count_macs,
    count_params,
    inception_v3,
    mac_report,
)
from inception_lib.layers import ConvBNReLU, StackedConv3x3


@pytest.fixture(scope="module")
def v3_report():
    return mac_report(inception_v3(), 299)


def test_full_network_macs(v3_report):
    assert v3_report.total == 5_731_282_144  # fvcore's count for torchvision's Inception3
    assert v3_report.conv_linear == 5_713_216_096  # torchvision's published 5.713 "GFLOPS"
    assert v3_report.by_operator["batch_norm"] == 17_934_976
    assert {"aten::max_pool2d", "aten::avg_pool2d"} <= set(v3_report.skipped)


def test_fvcore_agrees_with_flop_counter_mode(v3_report):
    assert count_flops_torch(inception_v3(), 299) == 2 * v3_report.conv_linear


@pytest.mark.parametrize("module", [ConvBNReLU(16, 32, 5, padding="same"), StackedConv3x3(16, 32, 7)])
def test_small_modules_agree_too(module):
    report = mac_report(module, (16, 17, 17))
    assert count_flops_torch(module, (16, 17, 17)) == 2 * report.conv_linear
    # a stride-1 conv on an H×W map costs k·k·C_in·C_out·H·W MACs
    if isinstance(module, ConvBNReLU):
        assert report.conv_linear == 5 * 5 * 16 * 32 * 17 * 17


def test_matches_torchvision_count():
    import torchvision

    tv = torchvision.models.inception_v3(weights=None, aux_logits=True, init_weights=False)
    assert count_macs(tv, (3, 299, 299)) == 5_731_282_144


def test_counting_restores_training_mode_and_counts_eval():
    model = inception_v3(num_classes=10).train()
    assert count_macs(model, 299) == count_macs(inception_v3(num_classes=10, aux_logits=False), 299) + 0 * 1
    assert model.training


def test_input_size_forms():
    conv = nn.Conv2d(3, 8, 3)
    assert (
        count_macs(conv, 10) == count_macs(conv, (10, 10)) == count_macs(conv, (3, 10, 10)) == 8 * 3 * 9 * 64
    )
    for bad in (0, (1, 2, 3, 4), (3, -1, 4), 2.5):
        with pytest.raises(ValueError, match="input_size"):
            count_macs(conv, bad)


def test_count_params_trainable_only():
    m = ConvBNReLU(2, 3, 3)
    m.conv.weight.requires_grad_(False)
    assert count_params(m) == 2 * 3 * 9 + 6 and count_params(m, trainable_only=True) == 6


def test_no_warning_or_log_reaches_the_output():
    code = (
        "import warnings; warnings.simplefilter('always')\n"
        "import inception_lib\n"
        "from inception_lib import count_macs, inception_v3\n"
        "from inception_lib.blocks import InceptionA\n"
        "count_macs(InceptionA(192, 32), 35)\n"
        "count_macs(inception_v3(), 299)\n"
        "print('done')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "done\n"
    assert result.stderr == ""


def test_library_imports_without_fvcore_and_says_what_needs_it():
    # A GPU image or a bare environment may lack fvcore: importing must work, counting MACs must say why not.
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['fvcore'] = None\n"
        "import inception_lib, inception_lib.train\n"
        "from inception_lib import count_macs, count_params, inception_v3\n"
        "m = inception_v3(num_classes=10)\n"
        "assert count_params(m) > 0\n"
        "try:\n"
        "    count_macs(m, 75)\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "counting MACs needs fvcore" in out and "pip install fvcore" in out


def test_counting_a_too_small_input_says_the_minimum_not_a_kernel_error():
    # fvcore traces the network, which skips its forward-time checks; the counter runs them first.
    model = inception_v3(num_classes=10)
    with pytest.raises(ValueError, match=r"40×40 is too small: Inception-v3 needs at least 75×75"):
        count_macs(model, (3, 40, 40))
    with pytest.raises(ValueError, match=r"40×40 is too small"):
        count_flops_torch(model, 40)


def test_counting_with_the_wrong_channel_count_names_it():
    with pytest.raises(ValueError, match=r"has 1 channels, but the module's first layer takes 3"):
        count_macs(inception_v3(num_classes=10), (1, 299, 299))


@pytest.mark.parametrize("function", [count_params, count_conv_weights])
def test_counting_something_that_is_not_a_module(function):
    with pytest.raises(TypeError, match="expected a torch.nn.Module, got str"):
        function("inception")
