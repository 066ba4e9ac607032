"""Training runs recorded with the book, shipped inside the package so chapter 6 reads them anywhere.

A reader who opens chapter 6 in Colab has the notebook and the installed library, not the repository, so
the records live here as package data (``README.md`` in this folder says how each was made):

* ``cpu_run``    the full Inception-v3 trained on the CPU (generated 75×75 images)
* ``gpu_smoke``  the GPU check of ``benchmarks/gpu_smoke.py`` on one NVIDIA H200, its run in ``gpu_run``
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["RECORDS_DIR", "recorded_run"]

RECORDS_DIR = Path(__file__).resolve().parent


def recorded_run(name: str) -> Path:
    """The folder of a recorded run (``summary.json`` and ``metrics.jsonl``), e.g. ``"cpu_run"``."""
    available = sorted(p.name for p in RECORDS_DIR.iterdir() if p.is_dir() and not p.name.startswith("_"))
    path = RECORDS_DIR / name
    if name not in available:
        raise ValueError(f"no recorded run {name!r}; the records are {available}")
    return path
