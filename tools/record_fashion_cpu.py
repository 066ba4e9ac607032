"""Record the Fashion-MNIST runs chapter 6 reads, on the CPU: Inception-v3 against two baselines at equal
CPU time, and the paper's optimizer against the book's.

    .venv/bin/python tools/record_fashion_cpu.py --lane 0 &    # one lane per core, one torch thread each
    .venv/bin/python tools/record_fashion_cpu.py --lane 1 &

Every run goes through the engine's command line (``python -m inception_lib.train``) with the same data,
recipe and budget: 75 px (Inception-v3's smallest input), batch 32, the book's defaults, EMA, one thread,
stopped by CPU time (``--max-cpu-minutes``, so runs sharing a busy machine get the same compute), validated
on 2,000 of the held-out images, then the official test set evaluated once (the optimizer runs, compared
on their training curves, skip the test set). The checkpoint is deleted (large); ``metrics.jsonl`` and
``summary.json`` stay in ``inception_lib/records/fashion_cpu/<name>/``, shipped with the package.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "inception_lib" / "records" / "fashion_cpu"
COMMON = ["--dataset", "fashion-mnist", "--image-size", "75", "--batch-size", "32", "--ema", "--threads", "1",
          "--device", "cpu", "--val-limit", "2000", "--quiet", "--overwrite"]
MAIN_MINUTES, OPTIMIZER_MINUTES = 6, 3
PAPER_OPTIMIZER = ["--optimizer", "rmsprop-tf", "--lr", "0.045", "--dropout", "0.5"]


def _main_run(model: str, seed: int) -> list[str]:
    # --epochs 100: the CPU budget, not the epoch count, ends every run. (The Inception-v3 and GoogLeNet
    # records were made with the default --epochs 1, which they never reached: the same trajectory.)
    return ["--model", model, "--seed", str(seed), "--max-cpu-minutes", str(MAIN_MINUTES), "--epochs", "100"]


def _paper_optimizer(scope: str) -> list[str]:
    return ["--model", "inception_v3", "--seed", "0", *PAPER_OPTIMIZER, "--clip-scope", scope,
            "--max-cpu-minutes", str(OPTIMIZER_MINUTES), "--no-test-eval"]


# Two lanes (one per core) of about the same CPU time: name -> options.
RUNS = {
    lane: {
        **{f"{m}_seed{lane}": _main_run(m, lane) for m in ("inception_v3", "googlenet", "tiny_bn")},
        f"inception_v3_rmsprop_{scope}": _paper_optimizer(scope),
    }
    for lane, scope in ((0, "global"), (1, "tensor"))
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lane", type=int, choices=sorted(RUNS), required=True)
    parser.add_argument("--only", nargs="*", help="run only these names")
    args = parser.parse_args()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TQDM_DISABLE": "1"}
    for name, extra in RUNS[args.lane].items():
        if args.only and name not in args.only:
            continue
        out = OUT / name
        cmd = [sys.executable, "-m", "inception_lib.train", *COMMON, *extra, "--out", str(out)]
        print("running", name, flush=True)
        subprocess.run(cmd, check=True, env=env, cwd=REPO)
        (out / "checkpoint.pt").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
