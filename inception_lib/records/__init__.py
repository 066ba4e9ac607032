"""Training runs recorded with the book, shipped inside the package so chapter 6 reads them anywhere.

A reader who opens chapter 6 in Colab has the notebook and the installed library, not the repository, so
the records live here as package data (``README.md`` in this folder says how each was made):

* ``fashion_cpu/<run>``  Fashion-MNIST on the CPU: Inception-v3, torchvision's GoogLeNet and TinyNet at
  equal CPU time (two seeds each), and the paper's RMSProp two ways (``tools/record_fashion_cpu.py``)
* ``cpu_run``    the full Inception-v3 trained on the CPU (generated 75×75 images): the machinery
* ``gpu_smoke``  the GPU check of ``benchmarks/gpu_smoke.py`` on one NVIDIA H200, its run in ``gpu_run``
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["RECORDS_DIR", "recorded_run", "Record", "load_record", "FASHION_CPU_RUNS"]

RECORDS_DIR = Path(__file__).resolve().parent
# The Fashion-MNIST CPU records, by model: two seeds each, equal CPU time (tools/record_fashion_cpu.py).
FASHION_CPU_RUNS = {
    model: tuple(f"fashion_cpu/{model}_seed{seed}" for seed in (0, 1))
    for model in ("inception_v3", "googlenet", "tiny_bn")
}


def recorded_run(name: str) -> Path:
    """The folder of a recorded run (``summary.json`` and ``metrics.jsonl``), e.g. ``"cpu_run"`` or
    ``"fashion_cpu/inception_v3_seed0"``."""
    path = RECORDS_DIR / name
    if ".." in Path(name).parts or not path.is_dir():
        raise ValueError(f"no recorded run {name!r}; the records are {_available()}")
    return path


def _available() -> list[str]:
    found = []
    for p in sorted(RECORDS_DIR.iterdir()):
        if p.is_dir() and not p.name.startswith("_"):
            found.append(p.name)
            found += [f"{p.name}/{q.name}" for q in sorted(p.iterdir()) if (q / "summary.json").is_file()]
    return found


@dataclass
class Record:
    """One recorded run: its summary, its metrics (train / eval / test records) and, where kept, the test
    set's labels and predictions (strings of digits, one per image)."""

    name: str
    summary: dict[str, Any]
    metrics: list[dict[str, Any]]
    predictions: dict[str, Any] | None = None
    config: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.config = self.summary["config"]

    def kind(self, kind: str) -> list[dict[str, Any]]:
        """The metrics records of one kind: "train", "eval" or "test"."""
        return [r for r in self.metrics if r.get("kind") == kind]


def load_record(name: str) -> Record:
    """Read a recorded run by name (see :func:`recorded_run`)."""
    path = recorded_run(name)
    summary = json.loads((path / "summary.json").read_text())
    metrics = [json.loads(line) for line in (path / "metrics.jsonl").read_text().splitlines() if line.strip()]
    predictions_file = path / "test_predictions.json"
    predictions = json.loads(predictions_file.read_text()) if predictions_file.is_file() else None
    return Record(name, summary, metrics, predictions)
