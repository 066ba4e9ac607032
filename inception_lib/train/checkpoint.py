"""The one owner of what a run writes: ``checkpoint.pt``, ``metrics.jsonl`` and ``summary.json``.

* ``checkpoint.pt``: plain types and CPU tensors only (a checkpoint written on a GPU loads on a machine
  without one), read with ``torch.load(..., weights_only=True)``; written to a temporary file, flushed and
  renamed, so a crash never leaves half a checkpoint.
* ``metrics.jsonl``: one JSON record per logged training window (``"kind": "train"``) and per evaluation
  (``"kind": "eval"``); on resume, records after the checkpoint's step are dropped (they are rewritten).
* ``summary.json``: the config, final metrics, device and versions.

A resumed run must agree with its checkpoint on every setting that shapes the trajectory
(:data:`TRAJECTORY_KEYS`); epochs, max_steps and the machinery (device, workers, logging) may change.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from .config import TRAJECTORY_KEYS, TrainConfig

__all__ = [
    "CHECKPOINT_FORMAT",
    "CHECKPOINT_KEYS",
    "TRAJECTORY_KEYS",
    "CheckpointError",
    "RunFiles",
    "to_cpu",
    "save_checkpoint",
    "load_checkpoint",
    "read_metrics",
    "MetricsLog",
    "check_resume",
    "atomic_write_text",
    "git_commit",
]

CHECKPOINT_FORMAT = 2  # 2: every tensor on the CPU
CHECKPOINT_KEYS = ("config", "model", "optimizer", "step", "num_classes", "rng")  # what resuming reads


class RunFiles:
    """The paths of a run folder."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.checkpoint = self.out / "checkpoint.pt"
        self.metrics = self.out / "metrics.jsonl"
        self.summary = self.out / "summary.json"

    def check_start(self, config: TrainConfig) -> None:
        """Refuse to resume without a checkpoint, or to overwrite a run nobody asked to overwrite."""
        if config.resume and not self.checkpoint.exists():
            raise ValueError(f"resume=True but there is no checkpoint to resume from at {self.checkpoint}")
        if not config.resume and not config.overwrite and (self.checkpoint.exists() or self.metrics.exists()):
            raise ValueError(
                f"{self.out} already holds a run; pass resume=True (--resume) to continue it, overwrite=True "
                "(--overwrite) to start it afresh, or choose another out (--out)"
            )

    def clear(self) -> None:
        for path in (self.checkpoint, self.metrics, self.summary):
            path.unlink(missing_ok=True)


def to_cpu(obj: Any) -> Any:
    """``obj`` with every tensor (in nested dicts, lists and tuples) copied to the CPU."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, Mapping):
        return {k: to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(to_cpu(v) for v in obj)
    return obj


def _temp_file(path: Path) -> tuple[int, str]:
    """A temporary file beside ``path`` with the permissions a new file gets (mkstemp makes it 0600)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)
    return fd, tmp


def _atomic_write(path: Path, write: Any, mode: str) -> None:
    """Write through ``write(file)`` next to ``path``, flush to disk, rename over ``path``."""
    fd, tmp = _temp_file(path)
    try:
        with os.fdopen(fd, mode) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable (not possible on every platform)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def atomic_write_text(text: str, path: str | Path) -> None:
    _atomic_write(Path(path), lambda f: f.write(text), "w")


def save_checkpoint(state: dict[str, Any], path: str | Path) -> None:
    """Write a checkpoint atomically, every tensor moved to the CPU first."""
    state = {"format": CHECKPOINT_FORMAT, **to_cpu(state)}
    _atomic_write(Path(path), lambda f: torch.save(state, f), "wb")


class CheckpointError(ValueError):
    """A ``checkpoint.pt`` that is damaged (truncated, corrupt) or was not written by this engine.

    The message names the file, says which of the two it is, and gives the reader's choices. ``path`` is the
    file. A ValueError, so ``python -m inception_lib.train`` prints it as ``error: ...`` (exit status 2).
    """

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        choices = f"pass --overwrite (overwrite=True) to replace the run in {path.parent}"
        super().__init__(
            f"{path} {problem}, so no run can be resumed or loaded from it. "
            f"To start afresh, {choices}, or train into another folder with --out."
        )


def _first_sentence(exc: BaseException) -> str:
    """The first sentence of an exception's message (torch's errors go on with generic advice)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text.split(". ")[0].rstrip(".") or type(exc).__name__


def _unreadable(path: Path, exc: Exception) -> CheckpointError:
    """Why ``torch.load`` failed, in words: a torch.save file (a zip archive) that breaks is damaged; one
    that holds more than tensors and plain types is someone else's; anything else is not a checkpoint."""
    with open(path, "rb") as f:
        zipped = f.read(4) == b"PK\x03\x04"  # torch.save writes a zip archive
    if not zipped:
        reason = "the file is empty" if path.stat().st_size == 0 else "it is not a file torch.save writes"
        return CheckpointError(path, f"is damaged or not a checkpoint at all ({reason})")
    if isinstance(exc, pickle.UnpicklingError) and "weights only" in str(exc).lower():
        objects = "it holds Python objects, not only tensors and plain types"
        return CheckpointError(path, f"is not a checkpoint of this training engine: {objects}")
    return CheckpointError(path, f"is damaged (truncated or corrupt: {_first_sentence(exc)})")


def _describe_content(state: Any) -> str:
    """What a loaded file holds that is not a checkpoint: 'a Tensor', 'a state_dict (a mapping of ...)'."""
    if isinstance(state, Mapping) and state and all(isinstance(v, torch.Tensor) for v in state.values()):
        return f"a plain state_dict ({len(state)} tensors), not a training checkpoint"
    if isinstance(state, Mapping):
        missing = [k for k in CHECKPOINT_KEYS if k not in state]
        return f"a dict without the keys a checkpoint has ({', '.join(missing)} missing)"
    return f"a {type(state).__name__}, not a training checkpoint"


def load_checkpoint(run_dir: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load ``run_dir/checkpoint.pt`` (or a checkpoint file) with ``weights_only=True``.

    Raises :class:`CheckpointError` for a file that is damaged or that this engine did not write (a plain
    state_dict, a tensor, a pickle of something else, a dict without :data:`CHECKPOINT_KEYS`), and
    FileNotFoundError where there is none.
    """
    path = Path(run_dir)
    if path.is_dir():
        path = path / "checkpoint.pt"
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        with warnings.catch_warnings():  # a foreign pickle's protocol warning would precede our error
            warnings.filterwarnings("ignore", message="Detected pickle protocol", category=UserWarning)
            state = torch.load(path, map_location=map_location, weights_only=True)
    except OSError:
        raise  # unreadable for another reason (permissions, a folder): torch's words are clear there
    except Exception as exc:  # torch raises RuntimeError, UnpicklingError, EOFError, KeyError, ... here
        raise _unreadable(path, exc) from exc
    if not isinstance(state, dict) or any(k not in state for k in CHECKPOINT_KEYS):
        content = _describe_content(state)
        raise CheckpointError(path, f"is not a checkpoint of this training engine: it holds {content}")
    return state


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """The records of a ``metrics.jsonl`` file (or of ``DIR/metrics.jsonl`` given a run folder)."""
    path = Path(path)
    if path.is_dir():
        path = path / "metrics.jsonl"
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


class MetricsLog:
    """Appends records to ``metrics.jsonl`` (main process only; others pass ``path=None``)."""

    def __init__(self, path: Path | None, verbose: bool, resume_step: int | None = None) -> None:
        if path is not None and resume_step is not None and path.exists():
            keep = [r for r in read_metrics(path) if int(r.get("step", 0)) <= resume_step]
            atomic_write_text("".join(json.dumps(r) + "\n" for r in keep), path)
        self.verbose = verbose
        self.file = open(path, "a") if path is not None else None  # noqa: SIM115

    def write(self, record: dict[str, Any]) -> None:
        if self.file is not None:
            self.file.write(json.dumps(record) + "\n")
            self.file.flush()

    def say(self, text: str) -> None:
        if self.verbose and self.file is not None:
            print(text, flush=True)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def check_resume(saved: dict[str, Any], config: TrainConfig, out: str | Path) -> None:
    """Raise ValueError listing every trajectory setting on which ``config`` and the checkpoint differ."""
    defaults = TrainConfig()
    diffs = [
        f"{k}: checkpoint {saved.get(k, getattr(defaults, k))!r} vs now {getattr(config, k)!r}"
        for k in TRAJECTORY_KEYS
        if saved.get(k, getattr(defaults, k)) != getattr(config, k)
    ]
    if diffs:
        raise ValueError(
            f"cannot resume the run in {out} with different settings ({'; '.join(diffs)}); "
            "use the original settings (epochs and max_steps may change) or start a new run in another --out"
        )


def git_commit() -> str | None:
    """The commit of the library's checkout, or None outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent, capture_output=True,
            text=True, timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and len(commit) == 40 else None
