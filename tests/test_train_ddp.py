"""Several processes: the engine under torchrun (DistributedDataParallel over gloo on the CPU).

What must match, and why. ``--batch-size`` is global, and each of N processes takes positions rank,
rank + N, ... of every global batch, so the processes together see exactly the batch one process sees.
DDP averages the per-process mean gradients, which for equal shares is the mean gradient of the whole
batch. That makes the N-process run equal to the 1-process run up to floating-point summation order -
for a network without BatchNorm (per-process batch statistics; SyncBatchNorm does not run over gloo on
the CPU) and without dropout (per-process random masks). The tiny model with ``--dropout 0`` is such a
network, so we compare it: final weights within 1e-5, and the logged loss at every step.
"""

import os
import socket
import subprocess
import sys

import pytest
import torch

from inception_lib.train import TrainConfig, load_checkpoint, read_metrics, train

ARGS = dict(
    dataset="synthetic",
    model="tiny",
    image_size=32,
    batch_size=8,
    epochs=2,
    synthetic_train_size=32,  # 4 steps per epoch
    synthetic_val_size=10,  # odd split across the two processes: 5 + 5, and evaluation all-reduces
    dropout=0.0,
    device="cpu",
    verbose=False,
)


# Results depend on the number of threads; these runs use one (see tests/conftest.py).
pytestmark = pytest.mark.usefixtures("one_cpu_thread")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _torchrun(out, *extra: str) -> subprocess.CompletedProcess:
    cli = []
    for key, value in ARGS.items():
        if key == "verbose":
            continue
        cli += [f"--{key.replace('_', '-')}", str(value)]
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc_per_node", "2",
        "--master_addr", "127.0.0.1", "--master_port", str(_free_port()),
        "-m", "inception_lib.train", *cli, "--out", str(out), "--quiet", *extra,
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TQDM_DISABLE": "1", "GLOO_SOCKET_IFNAME": "lo"}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env)


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without torch.distributed")
def test_two_processes_match_one_process_including_a_resume(tmp_path):
    ddp_dir = tmp_path / "ddp"
    # Interrupted in the middle of the second epoch (step 5 of 8), then resumed, both with 2 processes.
    first = _torchrun(ddp_dir, "--max-steps", "5", "--checkpoint-every", "2")
    assert first.returncode == 0, first.stderr[-3000:]
    assert load_checkpoint(ddp_dir)["step"] == 5
    assert len(load_checkpoint(ddp_dir)["rng"]) == 2  # one RNG state per process
    second = _torchrun(ddp_dir, "--resume")
    assert second.returncode == 0, second.stderr[-3000:]

    single_dir = tmp_path / "single"
    train(TrainConfig(out=str(single_dir), **ARGS))

    ddp, single = load_checkpoint(ddp_dir), load_checkpoint(single_dir)
    assert ddp["step"] == single["step"] == 8
    for key, value in single["model"].items():
        assert torch.allclose(ddp["model"][key], value, rtol=0, atol=1e-5), key

    ddp_records, single_records = read_metrics(ddp_dir), read_metrics(single_dir)
    ddp_train = [r for r in ddp_records if r["kind"] == "train"]
    single_train = [r for r in single_records if r["kind"] == "train"]
    assert [r["step"] for r in ddp_train] == list(range(1, 9))  # rank 0 alone writes, no duplicates
    for a, b in zip(ddp_train, single_train, strict=True):
        assert a["loss"] == pytest.approx(b["loss"], abs=1e-5)
        assert a["top1"] == b["top1"]
    ddp_eval = [r for r in ddp_records if r["kind"] == "eval"]
    single_eval = [r for r in single_records if r["kind"] == "eval"]
    assert [r["step"] for r in ddp_eval] == [4, 5, 8]  # epoch 1, the interruption, epoch 2
    assert ddp_eval[-1]["top1"] == single_eval[-1]["top1"]
    assert ddp_eval[-1]["loss"] == pytest.approx(single_eval[-1]["loss"], abs=1e-5)
    assert sorted(p.name for p in ddp_dir.iterdir()) == ["checkpoint.pt", "metrics.jsonl", "summary.json"]


def test_global_batch_must_split_evenly(tmp_path, monkeypatch):
    # As torchrun would set it for rank 0 of 2; the check comes before joining any process group.
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    with pytest.raises(ValueError, match="batch_size=7 .* divisible by the number of processes"):
        train(TrainConfig(out=str(tmp_path / "r"), **{**ARGS, "batch_size": 7}))
    assert not torch.distributed.is_initialized()
