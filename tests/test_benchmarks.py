"""The pieces of benchmarks/train_throughput.py and benchmarks/gpu_smoke.py that decide what a GPU run
reports: pay-off steps, MFU, the peak table, the interleaving order, the verdict on partial results, and
a stage's timeout killing its whole process group. (Both scripts run end to end in test_gpu_smoke.py.)"""

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _load(name):
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tt():
    return _load("train_throughput")


@pytest.fixture(scope="module")
def smoke():
    return _load("gpu_smoke")


def test_steps_to_pay_off(tt):
    # 60 s of compilation, 30 ms saved per step: 2,000 steps
    assert tt.steps_to_pay_off(60.0, 0.05, 0.08) == pytest.approx(2000)
    assert tt.steps_to_pay_off(60.0, 0.08, 0.05) is None  # slower than the baseline: never
    assert tt.steps_to_pay_off(None, 0.05, 0.08) is None
    assert tt.steps_to_pay_off(-0.5, 0.05, 0.08) == 0  # a negative estimate (noise) counts as free


def test_mfu_and_peaks(tt):
    assert tt.mfu(1e9, 1000.0, None) is None  # the CPU, or an unknown GPU
    assert tt.mfu(11.4e9, 2000.0, 989e12) == pytest.approx(3 * 11.4e9 * 2000 / 989e12)
    assert tt.peak_flops("NVIDIA H200") == 989e12
    assert tt.peak_flops("NVIDIA L40S") == 362e12 and tt.peak_flops("NVIDIA L4") == 121e12
    assert tt.peak_flops("Tesla T4") == 65e12 and tt.peak_flops("Some New GPU") is None
    assert tt.spread([3.0, 1.0, 2.0]) == {"min": 1.0, "median": 2.0, "max": 3.0}


def test_interleave_alternates_which_goes_first(tt):
    bench = object.__new__(tt.Bench)
    bench.args = argparse.Namespace(steps=2)
    calls = []

    def timer(name):
        def run(n, size):
            calls.append(name)
            return 0.1 * n

        return run

    times = bench.interleave({"a": timer("a"), "b": timer("b")}, size=4, repeats=4)
    assert calls == ["a", "b", "b", "a", "a", "b", "b", "a"]
    assert times == {"a": [pytest.approx(0.1)] * 4, "b": [pytest.approx(0.1)] * 4}  # seconds per step


def test_arguments_checked(tt):
    p = tt.build_arg_parser()
    with pytest.raises(SystemExit):  # torchvision's auxiliary head needs 299
        tt.check_args(p, p.parse_args(["--image-size", "75", "--device", "cpu"]))
    tt.check_args(p, p.parse_args(["--image-size", "75", "--no-aux", "--device", "cpu"]))


def _row(model, mode, rate, ratio=None, compile_s=None, batch=128):
    return {"model": model, "mode": mode, "batch_size": batch, "mfu": 0.05, "compile_s": compile_s,
            "ratio_to_torchvision_eager": ratio,
            "images_per_s": {"min": rate, "median": rate, "max": rate}}


def test_verdict_keeps_partial_results(smoke):
    """A throughput stage cut by its timeout fails its check but its finished rows reach the table; the
    targets are judged (on a GPU) from what was measured."""
    rows = [_row("inception_lib", "eager", 2100.0, 1.05), _row("torchvision", "eager", 2000.0)]
    results = {
        "preflight": {"inception_lib_imports": True, "cuda_available": True, "fashion_mnist_present": True},
        "throughput": {"rows": rows, "batch_size": 128, "exit_code": -9, "timed_out": True, "ratio": 1.05},
        "compiled": {"rows": [_row("inception_lib", "default", 3200.0, 1.6, 120.0)], "exit_code": 0},
        "errors": {"throughput": "timed out"},
    }
    verdict = smoke.judge(results, "gpu")
    assert not verdict["ok"]
    assert verdict["checks"] == {"preflight": True, "throughput": False, "compiled": True}
    assert [(r["model"], r["mode"]) for r in verdict["throughput_table"]] == [
        ("inception_lib", "eager"), ("torchvision", "eager"), ("inception_lib", "default")]
    assert verdict["targets"]["eager_ratio_at_least_1.00"] is True
    assert verdict["targets"]["best_compiled_at_least_1.5x_torchvision_eager"] is True
    assert verdict["targets"]["inception_v3_test_top1_at_least_0.95"] is False  # no Fashion-MNIST run
    assert verdict["findings"]["best_compiled_compile_s"] == 120.0


def test_fashion_check_needs_every_requested_run(smoke):
    run = {"exit_code": 0, "test_top1": 0.9}
    fashion = {"requested": ["tiny_bn", "googlenet"], "runs": {"tiny_bn": run}}
    assert smoke.judge({"fashion": fashion}, "cpu")["checks"]["fashion"] is False
    fashion["runs"]["googlenet"] = dict(run, test_top1=None)  # ran, but recorded no test accuracy
    assert smoke.judge({"fashion": fashion}, "cpu")["checks"]["fashion"] is False
    fashion["runs"]["googlenet"] = run
    assert smoke.judge({"fashion": fashion}, "cpu")["checks"]["fashion"] is True


def test_job_timeout_kills_the_process_group(smoke, tmp_path):
    """At its deadline a stage's child and the children it started are killed (torchrun's workers)."""
    pid_file = tmp_path / "grandchild.pid"
    code = (
        "import subprocess, sys, time; "
        f"p = subprocess.Popen(['sleep', '60']); open({str(pid_file)!r}, 'w').write(str(p.pid)); "
        "time.sleep(60)"
    )
    deadline = time.perf_counter() + 2
    job = smoke.Job([sys.executable, "-c", code], dict(os.environ), tmp_path / "log.txt", deadline)
    started = time.perf_counter()
    assert job.wait() != 0 and job.timed_out
    assert time.perf_counter() - started < 30
    grandchild = int(pid_file.read_text())
    for _ in range(50):  # reaped by init shortly after the kill
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        if Path(f"/proc/{grandchild}/stat").read_text().split()[2] == "Z":
            break
        time.sleep(0.1)
    else:
        pytest.fail("the grandchild outlived the stage's timeout")


def test_fabricated_fashion_files_load(smoke, tmp_path):
    from inception_lib.data import load_fashion_mnist

    folder = smoke.fabricate_fashion(tmp_path / "fm", train=20, test=10)
    assert sorted(p.name for p in folder.iterdir()) == sorted(smoke.FASHION_FILES)
    data = load_fashion_mnist(folder)
    images, labels = data["train"]
    assert images.shape == (20, 28, 28) and labels.tolist() == [i % 10 for i in range(20)]
    assert data["test"][0].shape == (10, 28, 28)
    # the class sets the brightness, so the fabricated images are learnable, not noise alone
    assert images[labels == 9].mean() > images[labels == 0].mean() + 100


def test_fashion_options_replaced(smoke):
    common = ["--epochs", "8", "--max-minutes", "1.75", "--ema"]
    assert smoke._replace_option(common, "--epochs", 3) == ["--epochs", "3", "--max-minutes", "1.75", "--ema"]
    assert smoke._replace_option(common, "--max-steps", 5)[-2:] == ["--max-steps", "5"]
    assert smoke._replace_option(common, "--epochs", None) == common


def test_gpu_command_lines_are_valid(smoke, tt):
    """The GPU mode cannot run here, but every command line it builds must parse: the benchmark's options,
    and each Fashion-MNIST run and the torchrun stage against the engine's own parser and checks."""
    from inception_lib.train import build_parser, config_from_args

    gpu = smoke.SETTINGS["gpu"]
    p = tt.build_arg_parser()
    for stage in ("throughput", "compiled"):
        args = p.parse_args(gpu[stage])
        assert args.device == "cuda" and args.image_size == 299 and not args.no_aux
    compiled = p.parse_args(gpu["compiled"])
    assert compiled.compile_modes[0] == "default" and compiled.compile_torchvision == "best"
    engine = build_parser()
    data = ["--dataset", "fashion-mnist", "--data-dir", "data/fashion-mnist"]
    for name, options in smoke.FASHION_RUNS.items():
        config = config_from_args(engine.parse_args([*data, *gpu["fashion"], *options, "--out", "x"]))
        config.validate()
        assert (config.image_size, config.batch_size, config.ema) == (75, 256, True), name
    config = config_from_args(engine.parse_args([*data, *gpu["ddp"], "--out", "x"]))
    config.validate()
    assert config.sync_bn and config.max_steps == 20
    assert set(smoke.OPTIMIZER_SETTINGS.values()) <= set(smoke.FASHION_RUNS)
