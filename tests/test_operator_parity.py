"""Our Inception-v3 launches exactly the operators torchvision's Inception3 does, kind by kind.

One training step of the engine (``train_step``: forward with the auxiliary head, the smoothed losses,
backward, clipping, the optimizer) is profiled with torch.profiler for each network, and the aten calls are
compared name by name: in float32 with contiguous tensors, and in channels_last under bf16 autocast (the
engine's GPU settings, here on the CPU). So a throughput gap between the two on a GPU cannot come from
the network doing different work; the GPU benchmark (benchmarks/train_throughput.py --profile) looks for
it elsewhere.

The size is the smallest both networks accept with the auxiliary heads on: torchvision's head pools 5×5/3
and then convolves 5×5 without padding, which needs its 17×17 grid, i.e. 299×299 inputs (ours pools
adaptively below that, a different operator). Batch 2: BatchNorm in training mode needs more than one value
per channel after the auxiliary head's 1×1 grid.
"""

import importlib.util
from pathlib import Path

import pytest
import torch
from torch import nn

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    path = REPO / "benchmarks" / "train_throughput.py"
    spec = importlib.util.spec_from_file_location("train_throughput", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _differences(ours, theirs) -> dict[str, tuple[int, int]]:
    return {op: (ours[op], theirs[op]) for op in sorted(set(ours) | set(theirs)) if ours[op] != theirs[op]}


@pytest.mark.parametrize(
    "amp, channels_last", [("off", False), ("bf16", True)], ids=["float32-contiguous", "bf16-channels_last"]
)
def test_same_aten_calls_as_torchvision(bench, amp, channels_last):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        counts = {
            name: bench.step_op_counts(name, image_size=299, batch_size=2, aux=True, amp=amp,
                                       channels_last=channels_last)
            for name in ("inception_lib", "torchvision")
        }
    finally:
        torch.set_num_threads(threads)
    ours, theirs = counts["inception_lib"], counts["torchvision"]
    assert _differences(ours, theirs) == {}, "aten calls (ours, torchvision) that differ"
    # The profile saw the whole step: every convolution forward and backward, the optimizer's update.
    convs = sum(isinstance(m, nn.Conv2d) for m in bench.build_model("inception_lib", aux=True).modules())
    assert convs == 96  # 94 in the trunk, 2 in the auxiliary head
    assert ours["aten::convolution"] == convs and ours["aten::convolution_backward"] == convs
    assert ours["aten::addcdiv_"] > 0  # Adam (the engine's default optimizer) stepped
    if amp == "bf16":
        assert ours["aten::_to_copy"] >= convs  # autocast cast every convolution's weight to bf16
    assert sum(ours.values()) > 10_000


def test_difference_is_reported(bench):
    """The comparison is not vacuous: one extra operator in one network shows up as a difference."""
    from collections import Counter

    ours = Counter({"aten::convolution": 96, "aten::relu_": 94})
    theirs = Counter({"aten::convolution": 96, "aten::relu_": 94, "aten::contiguous": 1})
    assert _differences(ours, theirs) == {"aten::contiguous": (0, 1)}
    assert bench.categorize("aten::convolution_backward") == "convolution"
    assert bench.categorize("aten::_fused_adam_") == "optimizer"
    assert bench.categorize("aten::cat") == "concatenation and copies"
    assert bench.categorize("aten::threshold_backward") == "element-wise and other"
