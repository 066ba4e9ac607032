"""The recorded Fashion-MNIST runs (inception_lib/records/fashion_cpu/) are this engine's, complete, and
say what chapter 6 reads from them.

Each record is re-run for its first two steps from its own summary (the same data, augmentation,
initialisation and recipe) and compared with what it logged, within the tolerances that
tests/test_cpu_run_record.py measured across numeric environments: step 1 fixes initialisation, data,
model, dropout and loss; step 2 the optimizer, clipping and learning rate. The test set's predictions kept
with each record must give the test accuracy the record reports.
"""

import math

import pytest

from inception_lib.data import find_fashion_mnist
from inception_lib.evaluation import digits
from inception_lib.records import FASHION_CPU_RUNS, load_record
from inception_lib.train import TrainConfig, read_metrics, train

MAIN = [name for names in FASHION_CPU_RUNS.values() for name in names]
OPTIMIZER = ["fashion_cpu/inception_v3_rmsprop_global", "fashion_cpu/inception_v3_rmsprop_tensor"]
TOL_LOSS_1, TOL_GRAD_1, TOL_LOSS_2 = 2e-3, 1e-2, 0.025

pytestmark = pytest.mark.usefixtures("one_cpu_thread")


@pytest.mark.parametrize("name", MAIN + OPTIMIZER)
def test_record_is_complete_and_names_its_code_machine_and_config(name):
    record = load_record(name)
    s, cfg = record.summary, record.config
    assert cfg["dataset"] == "fashion-mnist" and cfg["image_size"] == 75 and cfg["batch_size"] == 32
    assert len(s["git_commit"]) == 40 and s["torch_version"] and s["device"] == "cpu" and s["device_name"]
    assert s["threads"] == 1 and s["cpu_time_s"] >= 60 * cfg["max_cpu_minutes"] > 0
    assert TrainConfig.from_dict(cfg) == TrainConfig(**cfg)
    steps = [r["step"] for r in record.kind("train")]
    assert steps == list(range(1, s["steps"] + 1))
    assert all(math.isfinite(r["loss"]) for r in record.kind("train"))
    assert record.kind("eval")[-1]["step"] == s["steps"]


@pytest.mark.parametrize("name", MAIN)
def test_main_records_report_the_test_set_once_and_keep_its_predictions(name):
    record = load_record(name)
    (test,) = record.kind("test")
    assert test == record.summary["test"] and record.predictions["step"] == test["step"]
    labels = digits(record.predictions["labels"])
    assert len(labels) == 10_000
    for key, top1 in (("predictions", "top1"), ("ema_predictions", "ema_top1")):
        assert abs(float((digits(record.predictions[key]) == labels).mean()) - test[top1]) < 1e-9


def test_the_comparison_is_fair():
    """Same recipe, data and CPU budget for every network; seeds 0 and 1 for each; every run ended by its
    CPU budget, not by its epoch count (which may differ: a limit a run never reaches changes nothing)."""
    records = {name: load_record(name) for name in MAIN}
    configs = {name: r.config for name, r in records.items()}
    varying = {"model", "seed", "out", "epochs"}
    first = next(iter(configs.values()))
    for name, cfg in configs.items():
        assert {k for k in cfg if cfg[k] != first[k]} <= varying, name
        s = records[name].summary
        assert s["steps"] < cfg["epochs"] * s["steps_per_epoch"], name
        assert 60 * cfg["max_cpu_minutes"] <= s["cpu_time_s"] <= 60 * cfg["max_cpu_minutes"] * 1.2, name
    for model, names in FASHION_CPU_RUNS.items():
        assert [configs[n]["model"] for n in names] == [model, model]
        assert [configs[n]["seed"] for n in names] == [0, 1]


@pytest.mark.parametrize("name", ["fashion_cpu/tiny_bn_seed0", "fashion_cpu/inception_v3_seed1",
                                  "fashion_cpu/inception_v3_rmsprop_global"])
def test_rerunning_a_record_reproduces_its_first_steps(name, tmp_path):
    if find_fashion_mnist() is None:
        pytest.fail("Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist (README, 'Data')")
    record = load_record(name)
    config = {**record.config, "out": str(tmp_path / "replay"), "max_steps": 2, "max_cpu_minutes": None,
              "val_limit": 8, "test_eval": False, "overwrite": False, "verbose": False}
    train(TrainConfig.from_dict(config))
    replay = [r for r in read_metrics(tmp_path / "replay") if r["kind"] == "train"]
    recorded = record.kind("train")[:2]
    assert [r["lr"] for r in replay] == [r["lr"] for r in recorded]
    first, second = replay[0]["loss"], replay[1]["loss"]
    assert abs(first - recorded[0]["loss"]) <= TOL_LOSS_1, (first, recorded[0]["loss"])
    assert abs(replay[0]["grad_norm"] / recorded[0]["grad_norm"] - 1) <= TOL_GRAD_1
    assert abs(second - recorded[1]["loss"]) <= TOL_LOSS_2, (second, recorded[1]["loss"])
