"""benchmarks/gpu_smoke.py in its CPU mode: every stage of the one GPU script runs here, tiny, so the script
that a GPU machine runs once cannot rot (preflight; throughput against torchvision through the engine's
train_step, with the profile; the six Fashion-MNIST runs through the engine's command line on fabricated
idx files; a one-process torchrun through DDP over gloo; the data pipeline's share; the compiled rows with
dynamo's eager backend; the verdict)."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STAGES = {"preflight", "throughput", "fashion", "ddp", "data", "compiled"}


def test_gpu_smoke_cpu_mode(tmp_path):
    out = tmp_path / "smoke"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TQDM_DISABLE": "1"}
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "gpu_smoke.py"), "--cpu", "--out", str(out)],
        capture_output=True, text=True, timeout=900, env=env, cwd=tmp_path,
    )
    verdict = json.loads((out / "verdict.json").read_text())
    why = json.dumps({k: verdict[k] for k in ("checks", "errors")}, indent=1)
    assert result.returncode == 0, why + result.stderr[-3000:]
    assert verdict["ok"] and verdict["mode"] == "cpu" and not verdict["errors"]
    assert {k for k, v in verdict["checks"].items() if v} == STAGES
    assert set(verdict["targets"].values()) == {None}  # targets are judged on a GPU only
    for stage in STAGES:
        assert (out / f"{stage}.json").is_file(), stage

    pre = json.loads((out / "preflight.json").read_text())
    assert pre["inception_lib_imports"] and pre["torch"] and "dev_shm_gib" in pre
    assert pre["fashion_mnist_present"]  # the fabricated files

    tp = json.loads((out / "throughput.json").read_text())
    assert tp["complete"] and tp["exit_code"] == 0 and not tp["timed_out"]
    rows = {(r["model"], r["batch_size"]): r for r in tp["rows"]}
    assert set(rows) == {(m, b) for m in ("inception_lib", "torchvision") for b in (2, 4)}
    for r in tp["rows"]:
        s = r["images_per_s"]
        assert 0 < s["min"] <= s["median"] <= s["max"] and r["mfu"] is None and r["mode"] == "eager"
    ours = rows[("inception_lib", 2)]
    assert ours["repeats"] == 2 and ours["ratio_per_repeat"]["min"] <= ours["ratio_per_repeat"]["max"]
    assert tp["ratio"] == ours["ratio_to_torchvision_eager"] > 0
    prof = tp["profile"]
    assert prof["inception_lib"]["aten_calls_by_op"] == prof["torchvision"]["aten_calls_by_op"]
    assert abs(sum(prof["inception_lib"]["share_by_category"].values()) - 1) < 1e-9

    fashion = json.loads((out / "fashion.json").read_text())
    assert set(fashion["runs"]) == set(fashion["requested"]) and len(fashion["runs"]) == 6
    models = {name: r["model"] for name, r in fashion["runs"].items()}
    assert sorted(set(models.values())) == ["googlenet", "inception_v3", "tiny_bn"]
    for name, r in fashion["runs"].items():
        assert r["exit_code"] == 0 and r["steps"] == 2 and 0 <= r["test_top1"] <= 1, name
        files = {p.name for p in (out / "fashion" / name).iterdir()}
        assert {"metrics.jsonl", "summary.json"} <= files and "checkpoint.pt" not in files
    summary = json.loads((out / "fashion" / "rmsprop_paper_global_clip" / "summary.json").read_text())
    cfg = summary["config"]
    paper = ("rmsprop-tf", 0.045, "global", 0.5)
    assert (cfg["optimizer"], cfg["lr"], cfg["clip_scope"], cfg["dropout"]) == paper
    assert summary["test"] is not None and summary["config"]["dataset"] == "fashion-mnist"

    ddp = json.loads((out / "ddp.json").read_text())
    assert ddp["distributed"] and ddp["world_size"] == 1 and ddp["backend"] == "gloo"

    data = json.loads((out / "data.json").read_text())
    assert data["exit_code"] == 0 and data["device"] == "cpu" and data["images"] == 64  # the fabricated set
    assert data["model_only"] > 0 and data["end_to_end"] > 0
    assert data["data_share"] == 1 - data["end_to_end"] / data["model_only"]
    assert verdict["findings"]["data_share"] == data["data_share"]

    comp = json.loads((out / "compiled.json").read_text())
    (row,) = comp["rows"]
    assert (row["model"], row["mode"], row["compile_backend"]) == ("inception_lib", "default", "eager")
    assert row["compile_s"] is not None and row["ratio_to_torchvision_eager"] > 0
    assert comp["skipped"] == [{"model": "inception_lib", "mode": "reduce-overhead",
                                "reason": "CUDA graphs need CUDA"}]
    assert len(verdict["throughput_table"]) == len(tp["rows"]) + 1
