"""The one GPU script: every GPU result the book needs, in one call of at most 9 minutes, stage by stage.

On the machine that has the GPU (the repository alone; no network, no apt) - prepare the data here first:

    python benchmarks/gpu_smoke.py --prepare-data   # the four Fashion-MNIST idx .gz files from
                                                    # /usr/share/datasets/fashion-mnist to data/fashion-mnist
    # (or: mkdir -p data/fashion-mnist && cp /usr/share/datasets/fashion-mnist/*.gz data/fashion-mnist/)

then the one call, with the git-ignored data folder carried along (the session's device tool):

    run(command="python benchmarks/gpu_smoke.py --out $OUT/gpu_check 2>&1 | tee $OUT/gpu_check.log",
        carry=["data/fashion-mnist"], timeout_s=600)

and commit what comes back (e.g. into ``inception_lib/records/gpu_check/``; the first check's records in
``inception_lib/records/gpu_smoke/`` were written by an earlier version of this script, commit ce03866).

    python benchmarks/gpu_smoke.py --cpu --out /tmp/smoke   # every stage, tiny, on the CPU (the tests run it)

Stages, in this order; each writes ``OUT/<stage>.json`` the moment it ends, each has its own timeout (its
subprocesses are killed at it, and what they wrote so far is kept), and ``OUT/verdict.json`` is rewritten
after every stage, so a run stopped anywhere leaves every finished result and a verdict on them:

1. ``preflight``: Python, torch, torchvision, CUDA, the GPU, a C compiler and the Python headers
   (inductor needs both), ``/dev/shm``, fvcore (need not be there), the Fashion-MNIST files.
2. ``throughput``: ``benchmarks/train_throughput.py``, eager: our Inception-v3 against torchvision's
   Inception3 with the engine's own ``train_step`` (bf16 autocast, channels_last, fused Adam, auxiliary
   heads) at 299×299, batch 128 with interleaved repeats (ranges, the paired ratio), a batch-size sweep, MFU,
   and one profiled step of each (aten calls kind by kind; device time by kind of work).
3. ``fashion``: the Fashion-MNIST records, each by the engine's command line
   ``python -m inception_lib.train ... --dataset fashion-mnist --data-dir data/fashion-mnist
   --out OUT/fashion/<name>`` at 75×75 (the 5,000 held-out training images validate, the official 10,000
   test images are evaluated once at the end): the full Inception-v3 with seeds 0 and 1 at the book's
   defaults (seed 0 is also the optimizer comparison's "book's defaults"), TinyNet (``tiny_bn``),
   torchvision's GoogLeNet, and the paper's literal RMSProp (``--optimizer rmsprop-tf --lr 0.045
   --clip-scope global --dropout 0.5``) and TF-slim's per-tensor clipping (``--clip-scope tensor``). The
   runs share the GPU, all six at once (``--fashion-parallel``; at 75 px one run cannot fill an H200, and
   the images stay on the device, so no loader competes for the CPU); each stops at 8 epochs or 1.5
   minutes of training, whichever comes first (``--fashion-epochs``, ``--fashion-minutes``), and keeps
   what the engine writes (``summary.json``, ``metrics.jsonl``, the test predictions) but the checkpoint
   (hundreds of MB).
4. ``ddp``: ``torchrun --nproc_per_node 1`` through the real engine: a process group over NCCL (gloo on
   the CPU), DistributedDataParallel, ``--sync-bn`` on CUDA, on the Fashion-MNIST images.
5. ``data``: ``benchmarks/data_pipeline.py``: the engine's ``train_step`` at 75×75, batch 256, fed by
   the device-side Fashion-MNIST batches (``TensorImages``: uint8 on the GPU, shifted, flipped and resized
   there) against the same step on one reused batch, interleaved: end-to-end and model-only images/s and
   the share the data costs (the target: under 10 %).
6. ``compiled``: ``train_throughput.py`` again, our model under ``torch.compile`` in ``default`` mode,
   torchvision's in the same mode, then, while time is left, ours in ``reduce-overhead`` (CUDA graphs) and
   ``max-autotune-no-cudagraphs``, each interleaved with torchvision eager: images/s, MFU, compile
   seconds, the steps a compilation takes to pay for itself. It runs last because compile times are the
   least predictable (about 130 s for the training graph last time): it gets the time the others left,
   and a mode that would not fit is recorded as skipped.
7. ``verdict.json``: pass/fail per stage, the throughput table (every row of stages 2 and 5), the
   Fashion-MNIST test accuracies, and the issue's targets as findings (ours / torchvision eager >= 1.00,
   the best compiled mode >= 1.5 × torchvision eager, Inception-v3 >= 0.95 test accuracy, the data under
   10 % of end-to-end time).

``--cpu`` runs the same stages tiny: 75 px without the auxiliary heads, a few steps, the compiled stage with
the ``eager`` backend (dynamo tracing, no code generation: inductor on this CPU would take minutes),
Fashion-MNIST from fabricated idx files (``inception_lib.data.write_idx``), gloo, so
``tests/test_gpu_smoke.py`` exercises the whole script and it cannot rot.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import traceback
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run from a checkout without installing it
    sys.path.insert(0, str(REPO))

import torch  # noqa: E402

BUDGET_S = 9 * 60
FASHION_DIR = REPO / "data" / "fashion-mnist"
FASHION_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                 "t10k-labels-idx1-ubyte.gz")
DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")

# The Fashion-MNIST runs: name -> options on top of the common ones. inception_v3_seed0 is the book's
# defaults (Adam, per-tensor clipping, dropout 0.2), also the third optimizer setting.
FASHION_RUNS = {
    "inception_v3_seed0": ["--model", "inception_v3", "--seed", "0"],
    "inception_v3_seed1": ["--model", "inception_v3", "--seed", "1"],
    "tiny_bn": ["--model", "tiny_bn", "--seed", "0"],
    "googlenet": ["--model", "googlenet", "--seed", "0"],
    "rmsprop_paper_global_clip": ["--model", "inception_v3", "--seed", "0", "--optimizer", "rmsprop-tf",
                                  "--lr", "0.045", "--clip-scope", "global", "--dropout", "0.5"],
    "rmsprop_tfslim_tensor_clip": ["--model", "inception_v3", "--seed", "0", "--optimizer", "rmsprop-tf",
                                   "--lr", "0.045", "--clip-scope", "tensor", "--dropout", "0.5"],
}
OPTIMIZER_SETTINGS = {
    "paper_literal": "rmsprop_paper_global_clip",
    "tf_slim_per_tensor_clip": "rmsprop_tfslim_tensor_clip",
    "book_defaults": "inception_v3_seed0",
}

# Stage settings: the GPU, and the CPU mode that the tests run. Timeouts in seconds.
SETTINGS = {
    "gpu": dict(
        throughput=["--device", "cuda", "--image-size", "299", "--batch-size", "128", "--batch-sizes", "64",
                    "256", "--steps", "10", "--repeats", "7", "--sweep-repeats", "3", "--warmup", "5",
                    "--profile"],
        compiled=["--device", "cuda", "--image-size", "299", "--batch-size", "128", "--steps", "10",
                  "--repeats", "5", "--warmup", "3", "--skip-eager", "--compile-modes", "default",
                  "reduce-overhead", "max-autotune-no-cudagraphs", "--compile-torchvision", "best",
                  "--min-compile-s", "60"],
        fashion=["--device", "cuda", "--image-size", "75", "--batch-size", "256", "--epochs", "8",
                 "--max-minutes", "1.5", "--ema", "--threads", "2", "--quiet"],
        fashion_parallel=6,
        ddp=["--device", "cuda", "--model", "inception_v3", "--image-size", "75", "--batch-size", "256",
             "--train-limit", "5120", "--val-limit", "512", "--no-test-eval", "--max-steps", "20",
             "--sync-bn", "--log-every", "5"],
        data=["--device", "cuda", "--model", "inception_v3", "--image-size", "75", "--batch-size", "256",
              "--steps", "20", "--repeats", "3"],
        # about 10 s preflight + 110 + 190 + 45 + 40 leave the compiled stage at least 145 s of the 540
        timeouts=dict(throughput=110, fashion=190, ddp=45, data=40, compiled=600),  # compiled: what is left
    ),
    "cpu": dict(
        throughput=["--device", "cpu", "--image-size", "75", "--no-aux", "--batch-size", "2",
                    "--batch-sizes", "4", "--steps", "1", "--repeats", "2", "--sweep-repeats", "1",
                    "--warmup", "1", "--amp", "off", "--threads", "1", "--profile"],
        compiled=["--device", "cpu", "--image-size", "75", "--no-aux", "--batch-size", "2", "--steps", "1",
                  "--repeats", "1", "--warmup", "1", "--amp", "off", "--threads", "1", "--skip-eager",
                  "--compile-modes", "default", "reduce-overhead", "--compile-backend", "eager"],
        fashion=["--device", "cpu", "--image-size", "75", "--batch-size", "8", "--max-steps", "2",
                 "--holdout", "16", "--ema", "--threads", "1", "--quiet"],
        fashion_parallel=1,
        ddp=["--device", "cpu", "--model", "tiny", "--image-size", "32", "--batch-size", "8",
             "--holdout", "16", "--max-steps", "3", "--threads", "1"],
        data=["--device", "cpu", "--model", "tiny_bn", "--image-size", "75", "--batch-size", "8",
              "--steps", "2", "--repeats", "1"],
        timeouts=dict(throughput=150, fashion=300, ddp=120, data=120, compiled=200),
    ),
}


# --------------------------------------------------------------------------------------------------------
# Helpers


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    tmp.replace(path)


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


class Job:
    """A child process in its own process group, logging to a file; killed as a group at its deadline."""

    def __init__(self, cmd: list[str], env: dict, log: Path, deadline: float) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        self.cmd, self.log, self.deadline = cmd, log, deadline
        self.started = time.perf_counter()
        self._log = log.open("w")
        self._log.write("$ " + " ".join(cmd[1:]) + "\n")
        self._log.flush()
        print("$", " ".join(cmd[1:]), flush=True)
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.timed_out = False
        self.wall_s: float | None = None

    def poll(self) -> int | None:
        """The exit code once ended (killing the group past the deadline), else None."""
        code = self.proc.poll()
        if code is None and time.perf_counter() > self.deadline:
            self.kill()
            code = self.proc.wait()
        if code is not None and self.wall_s is None:
            self.wall_s = time.perf_counter() - self.started
            self._log.close()
        return code

    def kill(self) -> None:
        self.timed_out = True
        for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def wait(self) -> int:
        while (code := self.poll()) is None:
            time.sleep(0.5)
        return code

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text()[-chars:]
        except OSError:
            return ""


def python_cmd(*args: str) -> list[str]:
    return [sys.executable, *args]


def engine_cmd(args: list[str], torchrun: bool = False) -> list[str]:
    if torchrun:
        return python_cmd("-m", "torch.distributed.run", "--standalone", "--nnodes", "1", "--nproc_per_node",
                          "1", "-m", "inception_lib.train", *args)
    return python_cmd("-m", "inception_lib.train", *args)


# --------------------------------------------------------------------------------------------------------
# Stages


def preflight(mode: str, data_dir: Path) -> dict[str, Any]:
    """Versions, the things torch.compile needs, and the Fashion-MNIST files."""
    import importlib.util

    info: dict[str, Any] = {
        "mode": mode, "python": platform.python_version(), "torch": torch.__version__,
        "cuda_available": torch.cuda.is_available(), "cuda": torch.version.cuda, "cpu_count": os.cpu_count(),
        "fvcore_installed": importlib.util.find_spec("fvcore") is not None,
    }
    try:
        import torchvision

        info["torchvision"] = torchvision.__version__
    except Exception as err:  # noqa: BLE001 - record whatever is wrong
        info["torchvision"] = f"import failed: {err}"
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        info.update(device_name=props.name, capability=f"{props.major}.{props.minor}",
                    memory_gib=round(props.total_memory / 2**30, 1),
                    device_count=torch.cuda.device_count())
    compiler = next((c for c in ("cc", "gcc", "clang") if shutil.which(c)), None)
    info["c_compiler"] = shutil.which(compiler) if compiler else None
    if compiler:
        out = subprocess.run([compiler, "--version"], capture_output=True, text=True, timeout=20)
        first_line = (out.stdout or out.stderr).splitlines()[0]
        info["c_compiler_version"] = first_line if out.returncode == 0 else None
    info["python_headers"] = (Path(sysconfig.get_paths()["include"]) / "Python.h").exists()
    try:
        st = os.statvfs("/dev/shm")
        info["dev_shm_gib"] = round(st.f_frsize * st.f_blocks / 2**30, 2)
    except OSError:
        info["dev_shm_gib"] = None
    info["fashion_mnist_dir"] = str(data_dir)
    files = {name: data_dir / name for name in FASHION_FILES}
    info["fashion_mnist_files"] = {n: f.stat().st_size if f.is_file() else None for n, f in files.items()}
    info["fashion_mnist_present"] = all(info["fashion_mnist_files"].values())
    import inception_lib  # noqa: F401 - must import without fvcore

    info["inception_lib_imports"] = True
    from inception_lib.train.checkpoint import git_commit

    info["git_commit"] = git_commit()
    return info


def script_stage(
    name: str, script: str, args: list[str], out: Path, env: dict, deadline: float
) -> dict[str, Any]:
    """``benchmarks/<script>`` in a child process with ``--json``: the JSON it writes is the result,
    complete or, past the deadline, as far as it got, with the exit code, timing and an error tail."""
    path = out / f"{name}.rows.json"
    path.unlink(missing_ok=True)
    cmd = python_cmd(str(REPO / "benchmarks" / script), *args, "--json", str(path))
    job = Job(cmd, env, out / "logs" / f"{name}.log", deadline)
    code = job.wait()
    result = read_json(path) or {}
    path.unlink(missing_ok=True)
    result.update(exit_code=code, timed_out=job.timed_out, wall_s=job.wall_s)
    if code != 0 and not job.timed_out:
        result["error_tail"] = job.tail()
    return result


def benchmark_stage(name: str, args: list[str], out: Path, env: dict, deadline: float) -> dict[str, Any]:
    """benchmarks/train_throughput.py (its JSON is written after every row)."""
    if "--compile-modes" in args:  # leave 15 s to write the result and stop cleanly
        args = [*args, "--deadline-s", str(max(1.0, deadline - time.perf_counter() - 15))]
    return script_stage(name, "train_throughput.py", args, out, env, deadline)


def data_stage(args: list[str], out: Path, env: dict, deadline: float, data_dir: Path) -> dict[str, Any]:
    """benchmarks/data_pipeline.py: the engine's train_step fed by the device-side Fashion-MNIST batches
    against the same step on one reused batch (issue: the data must cost < 10 %)."""
    return script_stage("data", "data_pipeline.py", [*args, "--data-dir", str(data_dir)], out, env, deadline)


def fabricate_fashion(folder: Path, train: int = 64, test: int = 16, seed: int = 0) -> Path:
    """Small idx files in Fashion-MNIST's layout: 28×28 grey images whose class sets their brightness."""
    import numpy as np

    from inception_lib.data import write_idx

    rng = np.random.default_rng(seed)
    for prefix, n in (("train", train), ("t10k", test)):
        labels = np.arange(n, dtype=np.uint8) % 10
        noise = rng.integers(0, 60, size=(n, 28, 28))
        images = np.clip(noise + 20 * labels[:, None, None], 0, 255).astype(np.uint8)
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return folder


def fashion_stage(settings: dict, out: Path, env: dict, deadline: float, data_dir: Path,
                  only: list[str] | None = None) -> dict[str, Any]:
    """The Fashion-MNIST runs, ``fashion_parallel`` at a time; ``fashion.json`` is rewritten as each ends."""
    names = [n for n in FASHION_RUNS if not only or n in only]
    result: dict[str, Any] = {"data_dir": str(data_dir), "common_options": settings["fashion"],
                              "parallel": settings["fashion_parallel"], "requested": names,
                              "optimizer_settings": OPTIMIZER_SETTINGS, "runs": {}}
    pending, running = list(names), {}
    while pending or running:
        while pending and len(running) < settings["fashion_parallel"]:
            name = pending.pop(0)
            run_dir = out / "fashion" / name
            args = ["--dataset", "fashion-mnist", "--data-dir", str(data_dir), *settings["fashion"],
                    *FASHION_RUNS[name], "--out", str(run_dir), "--overwrite"]
            running[name] = Job(engine_cmd(args), env, out / "logs" / f"fashion_{name}.log", deadline)
        for name, job in list(running.items()):
            code = job.poll()
            if code is None:
                continue
            del running[name]
            result["runs"][name] = _fashion_record(name, job, code, out / "fashion" / name)
            write_json(out / "fashion.json", result)
        time.sleep(0.5)
    return result


def _fashion_record(name: str, job: Job, code: int, run_dir: Path) -> dict[str, Any]:
    (run_dir / "checkpoint.pt").unlink(missing_ok=True)  # hundreds of MB: the record is the two small files
    record: dict[str, Any] = {"options": FASHION_RUNS[name], "exit_code": code, "timed_out": job.timed_out,
                              "wall_s": job.wall_s}
    summary = read_json(run_dir / "summary.json")
    if code != 0 or summary is None:
        record["error_tail"] = job.tail()
        return record
    test = summary.get("test") or {}
    record.update(
        model=summary["config"]["model"], seed=summary["config"]["seed"], steps=summary["steps"],
        epochs_completed=summary["epochs_completed"], parameters=summary.get("parameters"),
        final_eval=summary.get("final_eval"), test=test, test_top1=test.get("top1"),
        test_top1_ema=test.get("ema_top1"), images_per_s_median=summary.get("images_per_s_median"),
        wall_time_s=summary.get("wall_time_s"), device_name=summary.get("device_name"),
        data_on_device=summary.get("data_on_device"),
    )
    return record


def ddp_stage(settings: dict, out: Path, env: dict, deadline: float, data_dir: Path) -> dict[str, Any]:
    """torchrun with one process: the engine joins a process group and trains through DDP."""
    run_dir = out / "ddp_run"
    data = ["--dataset", "fashion-mnist", "--data-dir", str(data_dir)] if data_dir.is_dir() else [
        "--dataset", "synthetic", "--synthetic-train-size", "512", "--synthetic-val-size", "64"]
    args = [*data, *settings["ddp"], "--out", str(run_dir), "--overwrite", "--quiet"]
    job = Job(engine_cmd(args, torchrun=True), env, out / "logs" / "ddp.log", deadline)
    code = job.wait()
    (run_dir / "checkpoint.pt").unlink(missing_ok=True)
    summary = read_json(run_dir / "summary.json")
    if code != 0 or summary is None:
        raise RuntimeError(f"exit code {code} (timed out: {job.timed_out}): {job.tail()}")
    return {
        "distributed": summary["distributed"], "world_size": summary["world_size"],
        "backend": "nccl" if summary["device"] == "cuda" else "gloo", "sync_bn": summary["config"]["sync_bn"],
        "dataset": summary["config"]["dataset"], "steps": summary["steps"],
        "final_train_loss": (summary["final_train"] or {}).get("loss"), "device_name": summary["device_name"],
        "wall_s": job.wall_s,
    }


# --------------------------------------------------------------------------------------------------------
# Verdict


def throughput_table(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every measured row of the eager and compiled stages, the numbers a reader needs, in one list."""
    table = []
    for stage in ("throughput", "compiled"):
        for r in results.get(stage, {}).get("rows", []):
            table.append({
                "model": r["model"], "mode": r["mode"], "batch_size": r["batch_size"],
                "images_per_s": r["images_per_s"], "mfu": r["mfu"],
                "ratio_to_torchvision_eager": r.get("ratio_to_torchvision_eager"),
                "ratio_per_repeat": r.get("ratio_per_repeat"), "compile_s": r.get("compile_s"),
                "steps_to_pay_off": r.get("steps_to_pay_off"), "optimizer": r.get("optimizer"),
            })
    return table


def judge(results: dict[str, Any], mode: str) -> dict[str, Any]:
    """Pass/fail per stage (did it run and produce what it should), the table, and the targets as findings."""
    checks: dict[str, bool] = {}
    pre = results.get("preflight", {})
    if "preflight" in results:
        checks["preflight"] = bool(pre.get("inception_lib_imports")) and (
            mode == "cpu" or (bool(pre.get("cuda_available")) and bool(pre.get("fashion_mnist_present")))
        )
    tp = results.get("throughput")
    if tp is not None:
        rows = tp.get("rows", [])
        eager = [r for r in rows if r["mode"] == "eager" and r["batch_size"] == tp.get("batch_size")]
        checks["throughput"] = (
            tp.get("exit_code") == 0 and len(eager) == 2
            and all(r["images_per_s"]["median"] > 0 for r in eager)
            and all((r["mfu"] is None) == (mode == "cpu") for r in rows)
        )
    fashion = results.get("fashion")
    if fashion is not None:
        runs = fashion.get("runs", {})
        checks["fashion"] = set(runs) == set(fashion.get("requested", FASHION_RUNS)) and all(
            r.get("exit_code") == 0 and math.isfinite(r.get("test_top1") if r.get("test_top1") is not None
                                                      else math.nan)
            for r in runs.values()
        )
    ddp = results.get("ddp")
    if ddp is not None:
        checks["ddp"] = bool(ddp.get("distributed")) and ddp.get("world_size") == 1
    data = results.get("data")
    if data is not None:
        checks["data"] = data.get("exit_code") == 0 and (data.get("model_only") or 0) > 0 and (
            data.get("end_to_end") or 0) > 0
    comp = results.get("compiled")
    if comp is not None:
        checks["compiled"] = comp.get("exit_code") == 0 and any(
            r["model"] == "inception_lib" for r in comp.get("rows", [])
        )
    errors = dict(results.get("errors", {}))
    ok = bool(checks) and all(checks.values()) and not errors
    table = throughput_table(results)
    compiled_ours = [r for r in table if r["model"] == "inception_lib" and r["mode"] != "eager"]
    best = max(compiled_ours, key=lambda r: r["ratio_to_torchvision_eager"] or 0, default=None)
    runs = (fashion or {}).get("runs", {})
    v3 = [runs[n]["test_top1"] for n in ("inception_v3_seed0", "inception_v3_seed1")
          if runs.get(n, {}).get("test_top1") is not None]
    gpu = mode == "gpu"
    findings = {
        "eager_ratio": (tp or {}).get("ratio"), "eager_ratio_per_repeat": (tp or {}).get("ratio_per_repeat"),
        "best_compiled_mode": best["mode"] if best else None,
        "best_compiled_speedup_vs_torchvision_eager": best["ratio_to_torchvision_eager"] if best else None,
        "best_compiled_compile_s": best["compile_s"] if best else None,
        "best_compiled_steps_to_pay_off": best["steps_to_pay_off"] if best else None,
        "fashion_test_top1": {n: r.get("test_top1") for n, r in runs.items()},
        "data_share": (data or {}).get("data_share"),
        "data_images_per_s": {k: (data or {}).get(k) for k in ("model_only", "end_to_end")},
    }
    profile = (tp or {}).get("profile", {})
    if len(profile) == 2:  # the two networks' aten calls on this device, and where ours spends its time
        ours, theirs = profile["inception_lib"], profile["torchvision"]
        findings["profile_aten_calls_equal"] = ours["aten_calls_by_op"] == theirs["aten_calls_by_op"]
        findings["profile_share_by_category"] = {n: p["share_by_category"] for n, p in profile.items()}
        findings["profile_kernel_launches"] = {n: p["kernel_launches"] for n, p in profile.items()}
    targets = {
        "eager_ratio_at_least_1.00": (findings["eager_ratio"] or 0) >= 1.0 if gpu else None,
        "best_compiled_at_least_1.5x_torchvision_eager":
            (findings["best_compiled_speedup_vs_torchvision_eager"] or 0) >= 1.5 if gpu else None,
        "inception_v3_test_top1_at_least_0.95": (min(v3) >= 0.95 if v3 else False) if gpu else None,
        "data_share_below_0.10": (findings["data_share"] is not None and findings["data_share"] < 0.10)
        if gpu else None,
    }
    # Targets are findings, not failures: the check passes if every stage ran and produced its records.
    return {"ok": ok, "mode": mode, "checks": checks, "errors": errors, "targets": targets,
            "findings": findings, "throughput_table": table,
            "stage_s": results.get("stage_s", {})}


# --------------------------------------------------------------------------------------------------------
# Main


def prepare_data(source: Path = DEBIAN_FASHION, dest: Path = FASHION_DIR) -> Path:
    """Copy the four Fashion-MNIST idx .gz files into the git-ignored data/fashion-mnist (carried along)."""
    missing = [name for name in FASHION_FILES if not (source / name).is_file()]
    if missing:
        raise SystemExit(f"{source} lacks {', '.join(missing)}: apt-get install dataset-fashion-mnist")
    dest.mkdir(parents=True, exist_ok=True)
    for name in FASHION_FILES:
        shutil.copyfile(source / name, dest / name)
    print(f"copied {len(FASHION_FILES)} files from {source} to {dest}")
    return dest


def _replace_option(options: list[str], flag: str, value: float | None) -> list[str]:
    """``options`` with ``flag``'s value set to ``value`` (added if absent; unchanged if it is None)."""
    if value is None:
        return options
    options = list(options)
    if flag in options:
        options[options.index(flag) + 1] = str(value)
    else:
        options += [flag, str(value)]
    return options


STAGES = ("preflight", "throughput", "fashion", "ddp", "data", "compiled")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, help="folder for the results (required unless --prepare-data)")
    p.add_argument("--cpu", action="store_true", help="tiny CPU mode (what the tests run)")
    p.add_argument("--prepare-data", action="store_true", help="copy Fashion-MNIST to data/ and stop")
    p.add_argument("--skip", nargs="*", default=[], choices=STAGES[1:], help="stages not to run")
    p.add_argument("--fashion-runs", nargs="*", default=None, choices=list(FASHION_RUNS),
                   help="only these Fashion-MNIST runs (default: all)")
    p.add_argument("--fashion-parallel", type=int, default=None, help="Fashion-MNIST runs at a time")
    p.add_argument("--fashion-epochs", type=int, default=None, help="epochs of each Fashion-MNIST run")
    p.add_argument("--fashion-minutes", type=float, default=None, help="training minutes of each, at most")
    p.add_argument("--timeout", nargs="*", default=[], metavar="STAGE=S",
                   help="override a stage's timeout, e.g. fashion=240")
    p.add_argument("--budget-s", type=float, default=BUDGET_S, help="the whole script's time (default 9 min)")
    return p


def main(argv: list[str] | None = None) -> int:
    p = _parser()
    args = p.parse_args(argv)
    if args.prepare_data:
        prepare_data()
        return 0
    if args.out is None:
        p.error("--out is required")
    mode = "cpu" if args.cpu else "gpu"
    if mode == "gpu" and not torch.cuda.is_available():
        p.error("no CUDA device: run with --cpu for the CPU mode")
    settings = dict(SETTINGS[mode])
    if args.fashion_parallel is not None:
        settings["fashion_parallel"] = max(1, args.fashion_parallel)
    settings["fashion"] = _replace_option(settings["fashion"], "--epochs", args.fashion_epochs)
    settings["fashion"] = _replace_option(settings["fashion"], "--max-minutes", args.fashion_minutes)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    deadline = start + args.budget_s
    env = {**os.environ, "TQDM_DISABLE": "1",
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    if mode == "cpu":
        env.update(OMP_NUM_THREADS="1", GLOO_SOCKET_IFNAME="lo", CUDA_VISIBLE_DEVICES="")
        data_dir = fabricate_fashion(out / "fashion_data")
    else:
        data_dir = FASHION_DIR
    timeouts = dict(settings["timeouts"])
    for item in args.timeout:
        stage, _, seconds = item.partition("=")
        if stage not in timeouts or not seconds.replace(".", "", 1).isdigit():
            p.error(f"--timeout {item!r}: expected STAGE=SECONDS with STAGE one of {', '.join(timeouts)}")
        timeouts[stage] = float(seconds)
    results: dict[str, Any] = {"errors": {}, "stage_s": {}}

    def until(stage: str) -> float:
        return min(deadline, time.perf_counter() + timeouts[stage])

    stages = {
        "preflight": lambda: preflight(mode, data_dir),
        "throughput": lambda: benchmark_stage("throughput", settings["throughput"], out, env,
                                              until("throughput")),
        "fashion": lambda: fashion_stage(settings, out, env, until("fashion"), data_dir, args.fashion_runs),
        "ddp": lambda: ddp_stage(settings, out, env, until("ddp"), data_dir),
        "data": lambda: data_stage(settings["data"], out, env, until("data"), data_dir),
        "compiled": lambda: benchmark_stage("compiled", settings["compiled"], out, env, until("compiled")),
    }
    for name in STAGES:
        if name in args.skip:
            continue
        if deadline - time.perf_counter() < 20:
            results["errors"][name] = "skipped: out of time"
            continue
        print(f"== {name} ({deadline - time.perf_counter():.0f} s left)", flush=True)
        started = time.perf_counter()
        try:
            results[name] = stage_result = stages[name]()
            write_json(out / f"{name}.json", stage_result)
            if stage_result.get("timed_out"):
                results["errors"][name] = "timed out (the finished rows are kept)"
            elif stage_result.get("exit_code", 0) != 0:
                results["errors"][name] = f"exit code {stage_result['exit_code']}"
        except Exception as err:  # noqa: BLE001 - record and go on to the next stage
            results["errors"][name] = f"{type(err).__name__}: {err}"[-4000:]
            traceback.print_exc()
        results["stage_s"][name] = round(time.perf_counter() - started, 1)
        write_json(out / "verdict.json", judge(results, mode))
    verdict = judge(results, mode)
    verdict["total_s"] = round(time.perf_counter() - start, 1)
    write_json(out / "verdict.json", verdict)
    print(json.dumps({k: verdict[k] for k in ("ok", "checks", "errors", "targets", "findings")}, indent=2,
                     default=str))
    return 0 if verdict["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
