"""The engine on real-image data (fabricated Fashion-MNIST files): the standard protocol (held-out
validation, the official test set evaluated once at the end), batches made on the device, bitwise resume,
the GoogLeNet baseline, the CPU-time budget, and no host reads between logging boundaries."""

import json
import sys

import pytest
import torch
from test_real_data import fabricate_fashion_mnist

import inception_lib.data.fashion_mnist as fashion_module
from inception_lib.data import TensorImages
from inception_lib.train import TrainConfig, engine, load_checkpoint
from inception_lib.train.runtime import resolve_log_every

pytestmark = pytest.mark.usefixtures("one_cpu_thread")


@pytest.fixture
def fashion(tmp_path, monkeypatch):
    """Options for a small Fashion-MNIST run on fabricated files (Debian's copy hidden)."""
    monkeypatch.setattr(fashion_module, "DEBIAN_FASHION_MNIST", tmp_path / "no-debian-package")
    folder = fabricate_fashion_mnist(tmp_path / "fm")
    return dict(dataset="fashion-mnist", data_dir=str(folder), holdout=12, model="tiny_bn", image_size=32,
                batch_size=8, epochs=2, device="cpu", verbose=False)


def _records(out):
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def test_fashion_mnist_run_reports_the_test_set_once_at_the_end(fashion, tmp_path):
    out = tmp_path / "run"
    summary = engine.train(TrainConfig(out=str(out), ema=True, **fashion))
    assert summary["steps"] == 2 * (48 // 8) and summary["data_on_device"]
    tests = [r for r in _records(out) if r["kind"] == "test"]
    assert len(tests) == 1 and tests[0]["step"] == summary["steps"] == _records(out)[-1]["step"]
    assert summary["test"] == tests[0] and {"top1", "ema_top1", "loss"} <= set(tests[0])
    assert tests[0]["top1"] in {k / 20 for k in range(21)}  # 20 fabricated test images
    assert [r["kind"] for r in _records(out)].count("eval") == 2  # the held-out part, every epoch
    assert summary["classes"][0] == "T-shirt/top" and summary["cpu_time_s"] > 0
    saved = json.loads((out / "test_predictions.json").read_text())
    assert saved["labels"] == "".join(str(i % 10) for i in range(20)) and saved["step"] == summary["steps"]
    for key, top1 in (("predictions", "top1"), ("ema_predictions", "ema_top1")):
        hits = sum(p == t for p, t in zip(saved[key], saved["labels"], strict=True))
        assert hits / 20 == summary["test"][top1]
    no_test = engine.train(TrainConfig(out=str(tmp_path / "r2"), max_steps=1, test_eval=False, **fashion))
    assert no_test["test"] is None


def test_fashion_mnist_resume_mid_epoch_is_bitwise_identical(fashion, tmp_path):
    full = engine.train(TrainConfig(out=str(tmp_path / "full"), **fashion))
    engine.train(TrainConfig(out=str(tmp_path / "half"), max_steps=4, **fashion))
    resumed = engine.train(TrainConfig(out=str(tmp_path / "half"), resume=True, **fashion))
    assert resumed["steps"] == full["steps"]
    a, b = load_checkpoint(tmp_path / "full"), load_checkpoint(tmp_path / "half")
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
    assert resumed["test"] == full["test"]


def test_googlenet_baseline_trains(fashion, tmp_path):
    summary = engine.train(TrainConfig(out=str(tmp_path / "g"), **{**fashion, "model": "googlenet",
                                                                 "max_steps": 2}))
    assert summary["steps"] == 2 and summary["parameters"] > 5_000_000
    model = engine.build_model(TrainConfig(model="googlenet"), 10)
    assert type(model).__name__ == "GoogLeNet" and model.aux1 is None  # no auxiliary heads


def test_cpu_time_budget_stops_the_run_and_still_evaluates(fashion, tmp_path):
    summary = engine.train(TrainConfig(out=str(tmp_path / "b"), max_cpu_minutes=1e-6, **fashion))
    assert summary["steps"] == 1 and summary["final_eval"]["step"] == 1 and summary["test"]["step"] == 1
    with pytest.raises(ValueError, match="max_cpu_minutes"):
        TrainConfig(max_cpu_minutes=0).validate()
    with pytest.raises(ValueError, match="train_limit"):
        TrainConfig(dataset="synthetic", train_limit=10).validate()


def test_log_every_auto_reads_every_step_on_the_cpu_only():
    assert resolve_log_every("auto", torch.device("cpu")) == 1
    assert resolve_log_every("auto", torch.device("cuda", 0)) > 10
    assert resolve_log_every(7, torch.device("cuda", 0)) == 7
    with pytest.raises(ValueError, match="log_every"):
        TrainConfig(log_every="often").validate()


_READS = ("item", "tolist", "numpy", "__float__", "__int__", "__bool__", "__index__")
# Reads that are not device syncs on a GPU: the label range check runs only for CPU tensors
# (recipe.label_smoothing_loss), and torch's optimizers read their step counter, a host scalar.
_HOST_ONLY = ("_check_labels", "_get_value")


def _caller_names(depth: int = 12) -> set[str]:
    frame, names = sys._getframe(2), set()
    while frame is not None and depth:
        names.add(frame.f_code.co_name)
        frame, depth = frame.f_back, depth - 1
    return names


def test_no_host_reads_between_logging_boundaries(fashion, tmp_path, monkeypatch):
    """As on a GPU (no per-step check), a step and the making of its batch read nothing back from the
    device: reads happen only at the logging boundaries (every 3 steps here), outside both."""
    build = engine._Run._build_state
    where = {"now": None}
    reads = []

    def gpu_like(self, steps_per_epoch):
        state = build(self, steps_per_epoch)
        state.check_each_step = False
        return state

    def watched(function, label):
        def call(*args, **kwargs):
            where["now"] = label
            try:
                return function(*args, **kwargs)
            finally:
                where["now"] = None

        return call

    monkeypatch.setattr(engine._Run, "_build_state", gpu_like)
    monkeypatch.setattr(engine, "train_step", watched(engine.train_step, "train_step"))
    monkeypatch.setattr(TensorImages, "batch", watched(TensorImages.batch, "batch"))
    for name in _READS:
        real = getattr(torch.Tensor, name)

        def spy(self, *args, _real=real, _name=name, **kwargs):
            if where["now"] is not None and not _caller_names() & set(_HOST_ONLY):
                reads.append((where["now"], _name, tuple(self.shape)))
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, spy)
    summary = engine.train(TrainConfig(out=str(tmp_path / "s"), log_every=3, max_steps=6, **fashion))
    assert summary["steps"] == 6 and reads == []
    steps = [r["step"] for r in _records(tmp_path / "s") if r["kind"] == "train"]
    assert steps == [3, 6]  # one record per boundary, each read at once
