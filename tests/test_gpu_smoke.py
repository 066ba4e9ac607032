"""benchmarks/gpu_smoke.py in its CPU mode: every stage of the GPU check runs here, tiny, so the script
that a GPU machine runs once cannot rot (preflight, throughput via the engine's train_step, the full
network through the CLI interrupted and resumed, a one-process torchrun through DDP over gloo)."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_gpu_smoke_cpu_mode(tmp_path):
    out = tmp_path / "smoke"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TQDM_DISABLE": "1"}
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "gpu_smoke.py"), "--cpu", "--out", str(out)],
        capture_output=True, text=True, timeout=900, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["ok"] and verdict["mode"] == "cpu" and not verdict["errors"]
    assert {k for k, v in verdict["checks"].items() if v} == {"preflight", "throughput", "real_run", "ddp"}
    pre = json.loads((out / "preflight.json").read_text())
    assert pre["inception_lib_imports"] and pre["torch"] and "dev_shm_gib" in pre
    tp = json.loads((out / "throughput.json").read_text())
    assert set(tp["models"]) == {"inception_lib", "torchvision"} and tp["ratio"] > 0
    run = json.loads((out / "real_run.json").read_text())
    assert run["interrupted_at"] == 5 and run["steps"] == 8 and run["ema"]
    assert run["checkpoint_tensor_devices"] == ["cpu"]
    assert sorted(p.name for p in (out / "gpu_run").iterdir()) == ["metrics.jsonl", "summary.json"]
    ddp = json.loads((out / "ddp.json").read_text())
    assert ddp["distributed"] and ddp["world_size"] == 1 and ddp["backend"] == "gloo"
