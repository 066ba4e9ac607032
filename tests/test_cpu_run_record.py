"""results/cpu_run/ is a record of this engine: re-running its configuration reproduces its first steps.

Chapter 6 plots the recorded CPU run (the full Inception-v3 on the generated data) and checks its claims
on the recorded metrics, which hold on any machine because the record is a file. This test ties the file
to the code: it re-runs the recorded configuration for its first STEPS steps and compares the training
loss step by step. Tolerance: TOL (absolute) per step. Other processors and thread counts change float32
results in the last bits, and a dozen steps amplify that to around 1e-4 or less; a different engine (other
initialisation, data order, loss or optimizer) moves the loss by more than TOL within the first steps.
"""

import json
import math
from pathlib import Path

import pytest

from inception_lib.train import TrainConfig, read_metrics, train

RECORD = Path(__file__).resolve().parent.parent / "results" / "cpu_run"
STEPS = 12
TOL = 0.02

pytestmark = pytest.mark.usefixtures("one_cpu_thread")


def test_record_names_its_code_machine_and_full_config():
    summary = json.loads((RECORD / "summary.json").read_text())
    assert summary["config"]["model"] == "inception_v3" and summary["config"]["dataset"] == "synthetic"
    assert len(summary["git_commit"]) == 40 and summary["torch_version"] and summary["device"] == "cpu"
    assert TrainConfig.from_dict(summary["config"]) == TrainConfig(**summary["config"])  # every field known
    records = read_metrics(RECORD)
    steps = [r["step"] for r in records if r["kind"] == "train"]
    assert steps == list(range(1, summary["steps"] + 1))  # one record per step, none missing
    assert all(math.isfinite(r["loss"]) for r in records if r["kind"] == "train")
    assert not (RECORD / "checkpoint.pt").exists()  # the record stays small


def test_rerunning_the_recorded_config_reproduces_its_first_steps(tmp_path):
    summary = json.loads((RECORD / "summary.json").read_text())
    recorded = [r for r in read_metrics(RECORD) if r["kind"] == "train"][:STEPS]
    # The same trajectory, shortened: validation size and time limit do not touch training.
    config = {
        **summary["config"], "out": str(tmp_path / "replay"), "max_steps": STEPS, "max_minutes": None,
        "synthetic_val_size": 8, "overwrite": False, "resume": False, "verbose": False,
    }  # fmt: skip
    train(TrainConfig.from_dict(config))
    replay = [r for r in read_metrics(tmp_path / "replay") if r["kind"] == "train"]
    assert [r["step"] for r in replay] == [r["step"] for r in recorded] == list(range(1, STEPS + 1))
    for ours, theirs in zip(replay, recorded, strict=True):
        assert ours["lr"] == theirs["lr"]
        assert abs(ours["loss"] - theirs["loss"]) <= TOL, (ours["step"], ours["loss"], theirs["loss"])
