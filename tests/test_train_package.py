"""The engine's parts on their own: the config and its command line, the checkpoint files, the training
step calling the recipe's functions, and a non-finite loss caught at a logging boundary (the GPU path)."""

import argparse
import json
import math
import re
from dataclasses import fields

import pytest
import torch

from inception_lib.train import (
    ConfigError,
    Runtime,
    TrainConfig,
    build_parser,
    config_from_args,
    engine,
    evaluate,
    load_checkpoint,
    main,
    predict,
)
from inception_lib.train.checkpoint import CHECKPOINT_FORMAT, atomic_write_text, save_checkpoint, to_cpu
from inception_lib.train.runtime import resolve_workers, torchrun_env

TINY = dict(
    dataset="synthetic", model="tiny", image_size=32, batch_size=8, epochs=2, synthetic_train_size=32,
    synthetic_val_size=8, verbose=False, device="cpu",
)

pytestmark = pytest.mark.usefixtures("one_cpu_thread")


# ---------------------------------------------------------------------------------------------- config


def _other_value(f) -> tuple[list[str], object]:
    """Command-line words that set field ``f`` to a non-default value, and that value."""
    flag = "--" + f.name.replace("_", "-")
    default, meta = f.default, f.metadata
    if f.name == "verbose":
        return ["--quiet"], False
    if meta.get("flag") == "boolean":  # --x / --no-x, on by default
        return ["--no-" + flag[2:]], False
    if isinstance(default, bool):
        return [flag], True
    if "choices" in meta:
        value = next(c for c in meta["choices"] if c != default)
        return [flag, value], value
    if meta.get("kind") in ("workers", "auto_int"):
        return [flag, "3"], 3
    if isinstance(default, float) or meta.get("kind") == "optional_float":
        value = (default or 1.0) * 0.5
        return [flag, repr(value)], value
    if isinstance(default, int) or meta.get("kind") == "optional_int":
        value = (default or 0) + 7
        return [flag, str(value)], value
    return [flag, "somewhere/else"], "somewhere/else"


def test_every_config_field_has_a_flag_that_reaches_the_config():
    parser = build_parser()
    for f in fields(TrainConfig):
        words, expected = _other_value(f)
        config = config_from_args(parser.parse_args(words))
        assert getattr(config, f.name) == expected, f.name
        assert getattr(config, f.name) != f.default, f.name
        untouched = [
            g.name for g in fields(TrainConfig) if g.name != f.name and getattr(config, g.name) != g.default
        ]
        assert not untouched, (f.name, untouched)


def test_trajectory_keys_are_declared_on_the_fields():
    from inception_lib.train.checkpoint import TRAJECTORY_KEYS

    declared = [f.name for f in fields(TrainConfig) if f.metadata.get("trajectory")]
    assert list(TRAJECTORY_KEYS) == declared
    assert {"seed", "lr", "optimizer", "dataset", "holdout", "train_limit"} <= set(TRAJECTORY_KEYS)
    assert not {"epochs", "max_steps", "device", "out", "log_every", "val_limit"} & set(TRAJECTORY_KEYS)


def test_every_check_is_declared_on_its_field():
    """validate() is one loop over the fields' own checks: each refuses a bad value in its own words."""
    bad = {"image_size": 0, "threads": -1, "workers": "many", "log_every": 0, "max_steps": 0,
           "max_minutes": 0, "lr": float("inf"), "lr_decay": 1.5, "momentum": 1, "dropout": True,
           "ema_decay": 1, "seed": -1, "optimizer": "lamb", "device": "tpu"}
    for f in fields(TrainConfig):
        check = f.metadata["check"]
        if check is None:
            continue
        ok, allowed = check
        assert ok(f.default) and allowed, f.name
        if f.name in bad:
            assert not ok(bad[f.name]), f.name
            with pytest.raises(ConfigError, match=re.escape(allowed)) as info:
                TrainConfig(**{f.name: bad[f.name]}).validate()
            assert info.value.field == f.name
    assert set(bad) <= {f.name for f in fields(TrainConfig) if f.metadata["check"] is not None}


def test_validation_and_worker_resolution_happen_once(tmp_path, monkeypatch):
    from inception_lib.train import runtime

    calls = {"validate": 0, "resolve_workers": 0}
    validate, resolve = TrainConfig.validate, runtime.resolve_workers

    def counted_validate(self):
        calls["validate"] += 1
        return validate(self)

    def counted_resolve(*args, **kwargs):
        calls["resolve_workers"] += 1
        return resolve(*args, **kwargs)

    monkeypatch.setattr(TrainConfig, "validate", counted_validate)
    monkeypatch.setattr(runtime, "resolve_workers", counted_resolve)
    words = ["--dataset", "synthetic", "--model", "tiny", "--image-size", "32", "--batch-size", "8",
             "--synthetic-train-size", "16", "--synthetic-val-size", "8", "--device", "cpu", "--quiet"]
    assert main([*words, "--out", str(tmp_path / "r")]) == 0
    assert calls == {"validate": 1, "resolve_workers": 1}


def test_defaults_match_between_parser_and_config():
    assert config_from_args(build_parser().parse_args([])) == TrainConfig()


def test_config_from_args_refuses_missing_and_unknown_names():
    values = vars(build_parser().parse_args([]))
    with pytest.raises(ValueError, match="unknown.*learning_rate"):
        config_from_args(argparse.Namespace(**values, learning_rate=0.1))
    values.pop("lr")
    with pytest.raises(ValueError, match="missing.*lr"):
        config_from_args(argparse.Namespace(**values))


def test_cli_error_names_the_flag(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--batch-size", "0"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--batch-size" in err and ">= 1" in err


def test_workers_auto_and_torchrun_env(monkeypatch):
    assert resolve_workers("auto", torch.device("cpu")) == 0
    assert resolve_workers(3, torch.device("cpu")) == 3
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    monkeypatch.delenv("RANK", raising=False)
    assert torchrun_env() is None
    monkeypatch.setenv("WORLD_SIZE", "1")  # torchrun --nproc_per_node 1: still a process group
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("LOCAL_RANK", "0")
    assert torchrun_env() == (0, 1, 0)


# ---------------------------------------------------------------------------------------------- checkpoint


def test_checkpoint_holds_cpu_tensors_and_loads_weights_only(tmp_path):
    w = torch.ones(3, requires_grad=True) * 2
    required = {"config": {}, "model": {}, "optimizer": {}, "step": 0, "num_classes": 2, "rng": []}
    nested = {"a": [w, (torch.zeros(2), 5)], "b": {"c": torch.arange(3)}, "d": "text", **required}
    moved = to_cpu(nested)
    assert moved["a"][0].device.type == "cpu" and not moved["a"][0].requires_grad
    assert isinstance(moved["a"][1], tuple) and moved["a"][1][1] == 5 and moved["d"] == "text"
    save_checkpoint(nested, tmp_path / "c.pt")
    back = load_checkpoint(tmp_path / "c.pt")
    assert back["format"] == CHECKPOINT_FORMAT and torch.equal(back["b"]["c"], torch.arange(3))


def test_failed_writes_leave_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "c.pt"
    required = {"config": {}, "model": {}, "optimizer": {}, "num_classes": 2, "rng": []}
    save_checkpoint({"step": 1, **required}, path)
    with pytest.raises(Exception):  # noqa: B017 - whatever pickling raises
        save_checkpoint({"step": 2, "bad": lambda: None, **required}, path)
    assert load_checkpoint(path)["step"] == 1
    atomic_write_text("{}", tmp_path / "s.json")
    assert json.loads((tmp_path / "s.json").read_text()) == {}
    assert not list(tmp_path.glob(".*.tmp"))


# ---------------------------------------------------------------------------------------------- the step


def test_train_step_runs_the_recipe_functions(tmp_path, monkeypatch):
    calls = {"inception_lr": 0, "clip_gradients": 0, "label_smoothing_loss": 0}
    for name in calls:
        real = getattr(engine, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            calls[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(engine, name, spy)
    engine.train(TrainConfig(out=str(tmp_path / "r"), max_steps=2, **TINY))
    assert calls == {"inception_lr": 2, "clip_gradients": 2, "label_smoothing_loss": 4}  # main + aux heads


def test_evaluate_and_predict_take_the_runtime_and_keep_the_mode():
    """One Runtime passed down: evaluation and prediction compute where and how it says (here a CPU in
    float32 with one DataLoader worker), in eval mode, and give the model its training mode back."""
    from inception_lib.data import SyntheticShapes
    from inception_lib.network import TinyNet

    torch.manual_seed(0)
    model, data = TinyNet(10, dropout=0.5), SyntheticShapes(12, 32, seed=1, split="val")
    rt = Runtime(torch.device("cpu"), workers=1)
    hits: list[int] = []
    metrics = evaluate(model, data, rt, batch_size=5, predictions=hits)
    logits, labels = predict(model, data, rt, batch_size=4)
    assert model.training and logits.shape == (12, 10) and labels.tolist() == [i % 10 for i in range(12)]
    assert hits == logits.argmax(1).tolist()
    assert metrics["top1"] == pytest.approx((logits.argmax(1) == labels).double().mean().item())
    loss = torch.nn.functional.cross_entropy(logits, labels).item()
    assert metrics["loss"] == pytest.approx(loss, rel=1e-6)
    assert evaluate(model, data) == evaluate(model, data, Runtime(torch.device("cpu")), batch_size=64)


def test_nonfinite_loss_found_at_a_logging_boundary(tmp_path, monkeypatch):
    """On a GPU the step does not read the loss; the next boundary finds the bad step, before saving."""
    build = engine._Run._build_state

    def without_per_step_check(self, steps_per_epoch):
        state = build(self, steps_per_epoch)
        state.check_each_step = False
        return state

    monkeypatch.setattr(engine._Run, "_build_state", without_per_step_check)
    out = tmp_path / "r"
    cfg = TrainConfig(out=str(out), log_every=4, checkpoint_every=3, debug_nan_step=7, **TINY)
    with pytest.raises(engine.NonFiniteLossError, match="step 7") as info:
        engine.train(cfg)
    assert "before saving" in str(info.value) and "step 6" in str(info.value)
    ckpt = load_checkpoint(out)
    assert ckpt["step"] == 6 and all(torch.isfinite(v).all() for v in ckpt["model"].values())
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert max(r["step"] for r in records) == 6 and all(math.isfinite(r["loss"]) for r in records)


def test_run_figures_heads_ema_and_schedules(tmp_path):
    import matplotlib.pyplot as plt

    from inception_lib.plots.training import (
        moving_average,
        plot_head_losses,
        plot_lr_schedules,
        plot_raw_vs_ema,
    )
    from inception_lib.train import read_metrics

    assert moving_average([1.0, 3.0, 5.0], 2).tolist() == [1.0, 2.0, 4.0]
    engine.train(TrainConfig(out=str(tmp_path / "r"), ema=True, ema_decay=0.9, **TINY))
    records = read_metrics(tmp_path / "r")
    for fig in (plot_head_losses(records, 0.4), plot_raw_vs_ema(records), plot_lr_schedules(records)):
        assert fig.axes and all(ax.get_xlabel() == "epoch" and ax.get_ylabel() for ax in fig.axes)
        plt.close(fig)
    with pytest.raises(ValueError, match="moving average"):
        plot_raw_vs_ema([r for r in records if r["kind"] == "train"] + [{"kind": "eval", "top1": 0.5}])
    with pytest.raises(ValueError, match="no training records"):
        plot_head_losses([])
