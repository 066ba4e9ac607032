"""Tests for the training engine (inception_lib.train), all on the CPU with tiny images and datasets."""

import json
import math

import pytest
import torch

from inception_lib.data import DatasetNotFoundError
from inception_lib.train import (
    NonFiniteLossError,
    TrainConfig,
    build_parser,
    engine,
    load_checkpoint,
    load_trained_model,
    main,
    read_metrics,
    train,
)
from inception_lib.train.runtime import native_bf16

# Three steps per epoch with Inception-v3 at its smallest input.
V3 = dict(
    dataset="synthetic",
    model="inception_v3",
    image_size=75,
    batch_size=4,
    epochs=2,
    synthetic_train_size=12,
    synthetic_val_size=4,
    verbose=False,
    device="cpu",
)
# The small CNN, with dropout so that restoring the RNG state matters.
TINY = dict(
    dataset="synthetic",
    model="tiny",
    image_size=32,
    batch_size=8,
    epochs=2,
    synthetic_train_size=32,
    synthetic_val_size=8,
    dropout=0.5,
    verbose=False,
    device="cpu",
)


# Results depend on the number of threads; these runs use one (see tests/conftest.py).
pytestmark = pytest.mark.usefixtures("one_cpu_thread")


def _same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(scope="module")
def v3_full_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("v3_full")
    summary = train(TrainConfig(out=str(out), **V3))
    return out, summary


# ---------------------------------------------------------------------------------------------- outputs


def test_run_writes_metrics_checkpoint_and_summary(v3_full_run):
    out, summary = v3_full_run
    records = read_metrics(out)
    train_records = [r for r in records if r["kind"] == "train"]
    eval_records = [r for r in records if r["kind"] == "eval"]
    assert [r["step"] for r in train_records] == [1, 2, 3, 4, 5, 6]
    assert [r["step"] for r in eval_records] == [3, 6]  # one per epoch
    for r in train_records:
        assert {"step", "epoch", "loss", "top1", "top5", "lr", "images_per_s"} <= r.keys()
        assert math.isfinite(r["loss"]) and 0 <= r["top1"] <= r["top5"] <= 1 and r["images_per_s"] > 0
        assert r["lr"] == pytest.approx(TrainConfig().lr)  # decay starts after two epochs
    ckpt = torch.load(out / "checkpoint.pt", weights_only=True)  # plain types only
    assert ckpt["step"] == 6 and ckpt["config"]["model"] == "inception_v3"
    saved = json.loads((out / "summary.json").read_text())
    assert saved["steps"] == summary["steps"] == 6
    assert saved["final_eval"]["step"] == 6 and saved["torch_version"] == torch.__version__
    assert saved["device"] == "cpu" and saved["device_name"]
    assert saved["git_commit"] is None or len(saved["git_commit"]) == 40
    assert saved["config"]["image_size"] == 75
    assert not list(out.glob(".*.tmp"))  # no leftovers of the atomic writes
    model = load_trained_model(out)
    assert not model.training and model.fc.out_features == 10


def test_refuses_to_overwrite_a_run_unless_asked(v3_full_run):
    out, _ = v3_full_run
    with pytest.raises(ValueError, match="already holds a run"):
        train(TrainConfig(out=str(out), **V3))


# ---------------------------------------------------------------------------------------------- resume


def test_resume_mid_epoch_is_bitwise_identical_to_an_uninterrupted_run(v3_full_run, tmp_path):
    full_dir, _ = v3_full_run
    out = tmp_path / "interrupted"
    # 4 of 6 steps: step 4 is in the middle of the second epoch (3 steps per epoch).
    train(TrainConfig(out=str(out), max_steps=4, checkpoint_every=2, **V3))
    assert load_checkpoint(out)["step"] == 4
    train(TrainConfig(out=str(out), resume=True, **V3))
    resumed, full = load_checkpoint(out), load_checkpoint(full_dir)
    assert resumed["step"] == full["step"] == 6
    assert _same_weights(resumed["model"], full["model"])  # weights and BatchNorm statistics
    opt_resumed, opt_full = resumed["optimizer"]["state"], full["optimizer"]["state"]
    assert opt_resumed.keys() == opt_full.keys() and opt_full
    for k in opt_full:  # the optimizer's moment estimates and step counts
        assert opt_resumed[k].keys() == opt_full[k].keys()
        for name, value in opt_full[k].items():
            assert torch.equal(torch.as_tensor(opt_resumed[k][name]), torch.as_tensor(value)), name
    losses = [r["loss"] for r in read_metrics(out) if r["kind"] == "train"]
    assert losses == [r["loss"] for r in read_metrics(full_dir) if r["kind"] == "train"]


def test_resume_refuses_changed_trajectory_settings(tmp_path):
    out = tmp_path / "run"
    train(TrainConfig(out=str(out), max_steps=1, **TINY))
    with pytest.raises(ValueError, match="lr"):
        train(TrainConfig(out=str(out), resume=True, **{**TINY, "lr": 0.1}))
    with pytest.raises(ValueError, match="no checkpoint"):
        train(TrainConfig(out=str(tmp_path / "empty"), resume=True, **TINY))


# ---------------------------------------------------------------------------------------------- failure


def test_nan_loss_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path):
    reference = tmp_path / "reference"
    train(TrainConfig(out=str(reference), **TINY))  # 8 steps
    out = tmp_path / "nan"
    with pytest.raises(NonFiniteLossError, match="step 7") as info:
        train(TrainConfig(out=str(out), checkpoint_every=3, debug_nan_step=7, **TINY))
    assert "step 6" in str(info.value)  # names the checkpoint that was kept
    ckpt = load_checkpoint(out)
    assert ckpt["step"] == 6
    assert all(torch.isfinite(v).all() for v in ckpt["model"].values())
    # The kept checkpoint is good: resuming it ends where the clean run ended, bit for bit.
    train(TrainConfig(out=str(out), resume=True, **TINY))
    assert _same_weights(load_checkpoint(out)["model"], load_checkpoint(reference)["model"])
    assert max(r["step"] for r in read_metrics(out)) == 8


def test_cli_exit_code_on_nan(tmp_path, capsys):
    args = ["--model", "tiny", "--image-size", "32", "--batch-size", "8", "--synthetic-train-size", "16"]
    code = main([*args, "--out", str(tmp_path / "r"), "--debug-nan-step", "1", "--quiet"])
    assert code == 1
    assert "became nan" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    "change, words",
    [
        ({"dataset": "mnist"}, ["dataset", "mnist", "synthetic"]),
        ({"image_size": 74}, ["image_size", "74", "75"]),
        ({"batch_size": 0}, ["batch_size", ">= 1"]),
        ({"epochs": 0}, ["epochs", ">= 1"]),
        ({"max_steps": 0}, ["max_steps"]),
        ({"lr": -1.0}, ["lr", "positive"]),
        ({"label_smoothing": 1.0}, ["label_smoothing", "[0, 1)"]),
        ({"optimizer": "adagrad"}, ["optimizer", "adam", "rmsprop-tf"]),
        ({"amp": "fp8"}, ["amp"]),
        ({"resume": True, "overwrite": True}, ["resume", "overwrite"]),
    ],
)
def test_bad_settings_fail_before_any_work(change, words, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "build_datasets", lambda *a, **k: pytest.fail("data was touched"))
    with pytest.raises(ValueError) as info:
        train(TrainConfig(out=str(tmp_path / "x"), **{**V3, **change}))
    for word in words:
        assert word in str(info.value)
    assert not (tmp_path / "x").exists()


def test_unknown_config_field_is_rejected():
    with pytest.raises(ValueError, match="lrr"):
        train({"lrr": 0.1})


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--dataset", "mnist"], ["--dataset", "mnist"]),
        (["--image-size", "50"], ["image_size", "50", "75"]),
        (["--batch-size", "0"], ["--batch-size", ">= 1"]),
        (["--epochs", "0"], ["--epochs", ">= 1"]),
        (["--device", "tpu"], ["--device", "tpu"]),
    ],
)
def test_cli_argument_errors(argv, words, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err


def test_cli_missing_dataset_names_folder_and_alternative(tmp_path, capsys):
    code = main(["--dataset", "imagenette", "--data-dir", str(tmp_path), "--out", str(tmp_path / "r")])
    assert code == 2
    err = capsys.readouterr().err
    assert "Imagenette" in err and str(tmp_path.resolve()) in err and "--dataset synthetic" in err
    with pytest.raises(DatasetNotFoundError):
        train(TrainConfig(dataset="cifar10", data_dir=str(tmp_path), out=str(tmp_path / "r2"), image_size=96))


def test_parser_covers_every_documented_option():
    options = {a for action in build_parser()._actions for a in action.option_strings}
    for flag in (
        "--dataset", "--data-dir", "--download", "--image-size", "--epochs", "--batch-size", "--max-steps",
        "--lr", "--device", "--seed", "--out", "--resume", "--aux-weight", "--label-smoothing",
        "--optimizer", "--ema", "--compile", "--amp", "--workers", "--model", "--no-aux",
        "--checkpoint-every",
    ):
        assert flag in options, flag


def test_cuda_request_without_cuda_is_a_clear_error(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")  # the error path exists only without it
    with pytest.raises(ValueError, match="CUDA is not available"):
        train(TrainConfig(out=str(tmp_path / "r"), **{**TINY, "device": "cuda"}))


# ---------------------------------------------------------------------------------------------- fast paths


def test_bf16_autocast_and_channels_last_step_on_cpu(tmp_path):
    summary = train(TrainConfig(out=str(tmp_path / "r"), max_steps=1, amp="bf16", channels_last="on", **V3))
    assert summary["amp_dtype"] == "bfloat16" and summary["channels_last"] is True
    assert math.isfinite(summary["final_train"]["loss"])
    ckpt = load_checkpoint(tmp_path / "r")
    assert ckpt["model"]["conv_1a_3x3.conv.weight"].dtype == torch.float32  # master weights stay fp32


def test_native_bf16_is_false_on_cpu():
    assert native_bf16(torch.device("cpu")) is False


def test_fp16_needs_cuda(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ValueError, match="fp16"):
        train(TrainConfig(out=str(tmp_path / "r"), amp="fp16", **TINY))


def test_compile_code_path(tmp_path, monkeypatch):
    """--compile goes through torch.compile; the eager backend keeps the test fast (inductor takes ~30 s
    to build its C++ kernels on a small CPU) while exercising the same Dynamo-traced training step."""
    calls = []
    real_compile = torch.compile

    def fast_compile(model, **kwargs):
        calls.append(type(model).__name__)
        return real_compile(model, backend="eager")

    monkeypatch.setattr(torch, "compile", fast_compile)
    compiled = train(
        TrainConfig(out=str(tmp_path / "c"), compile=True, max_steps=3, **{**TINY, "dropout": 0.0})
    )
    eager = train(TrainConfig(out=str(tmp_path / "e"), max_steps=3, **{**TINY, "dropout": 0.0}))
    assert calls == ["TinyNet"]
    assert compiled["final_train"]["loss"] == pytest.approx(eager["final_train"]["loss"], rel=1e-5)
    assert "fc.weight" in load_checkpoint(tmp_path / "c")["model"]  # no _orig_mod. prefix


def test_ema_is_saved_and_evaluated(tmp_path):
    summary = train(TrainConfig(out=str(tmp_path / "r"), ema=True, ema_decay=0.9, max_steps=3, **TINY))
    assert {"ema_top1", "ema_loss"} <= summary["final_eval"].keys()
    ckpt = load_checkpoint(tmp_path / "r")
    assert ckpt["ema"]["num_updates"] == 3
    ema_model = load_trained_model(tmp_path / "r", weights="ema")
    raw_model = load_trained_model(tmp_path / "r")
    assert not torch.equal(ema_model.fc.weight, raw_model.fc.weight)


def test_lr_follows_the_staircase_schedule(tmp_path):
    train(TrainConfig(out=str(tmp_path / "r"), epochs_per_decay=1.0, lr=0.045, **{**TINY, "epochs": 3}))
    lrs = {r["step"]: r["lr"] for r in read_metrics(tmp_path / "r") if r["kind"] == "train"}
    assert lrs[4] == pytest.approx(0.045) and lrs[5] == pytest.approx(0.045 * 0.94)
    assert lrs[12] == pytest.approx(0.045 * 0.94**2)


def test_training_curves_figure(v3_full_run):
    import matplotlib.pyplot as plt

    from inception_lib.data import SyntheticShapes
    from inception_lib.plots import plot_dataset_samples, plot_training_curves

    out, _ = v3_full_run
    fig = plot_training_curves(read_metrics(out), title="run")
    assert len(fig.axes) == 3
    assert all(ax.get_xlabel() == "epoch" and ax.get_ylabel() and ax.get_title() for ax in fig.axes)
    plt.close(fig)
    with pytest.raises(ValueError, match="no training records"):
        plot_training_curves([{"kind": "eval", "step": 1}])
    ds = SyntheticShapes(30, 32)
    fig = plot_dataset_samples(ds, ds.classes, per_class=2)
    assert len(fig.axes) == 20 and fig._suptitle.get_text()
    plt.close(fig)
