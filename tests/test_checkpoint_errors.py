"""A damaged or foreign checkpoint.pt gets a clear error, on resume, in load_trained_model and in the CLI.

Each test plants one kind of bad file where a run's checkpoint belongs: a truncated copy of a real (tiny)
checkpoint, random bytes, an empty file, a plain state_dict, a tensor, a pickle of another object, a dict
without the keys a checkpoint has. The error must name the file, say what is wrong with it, and offer
--overwrite and --out; it must never be torch's own message (zip internals, weights_only advice).
"""

from __future__ import annotations

import collections
import os
import shutil
from pathlib import Path

import pytest
import torch

from inception_lib.train import load_checkpoint, load_trained_model, main, train
from inception_lib.train.checkpoint import CHECKPOINT_KEYS, CheckpointError

TINY = dict(model="tiny", dataset="synthetic", image_size=32, batch_size=8, synthetic_train_size=16,
            synthetic_val_size=8, epochs=1, device="cpu", verbose=False)
TINY_ARGS = ["--model", "tiny", "--dataset", "synthetic", "--image-size", "32", "--batch-size", "8",
             "--synthetic-train-size", "16", "--synthetic-val-size", "8", "--epochs", "1", "--device", "cpu",
             "--quiet"]


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("real") / "run"
    train(dict(TINY, out=str(out)))
    return out


def _truncated(src: Path, dst: Path) -> None:
    data = (src / "checkpoint.pt").read_bytes()
    (dst / "checkpoint.pt").write_bytes(data[: len(data) // 2])


def _random_bytes(src: Path, dst: Path) -> None:
    (dst / "checkpoint.pt").write_bytes(os.urandom(4096))


def _empty(src: Path, dst: Path) -> None:
    (dst / "checkpoint.pt").write_bytes(b"")


def _state_dict(src: Path, dst: Path) -> None:
    torch.save(load_checkpoint(src)["model"], dst / "checkpoint.pt")


def _tensor(src: Path, dst: Path) -> None:
    torch.save(torch.zeros(3), dst / "checkpoint.pt")


class Note:
    """Something a checkpoint never holds: an instance of a class of its own."""


def _other_object(src: Path, dst: Path) -> None:
    torch.save({"note": Note()}, dst / "checkpoint.pt")


def _missing_keys(src: Path, dst: Path) -> None:
    ckpt = load_checkpoint(src)
    torch.save({k: v for k, v in ckpt.items() if k not in ("optimizer", "rng")}, dst / "checkpoint.pt")


DAMAGED = {"truncated": _truncated, "random bytes": _random_bytes, "empty": _empty}
FOREIGN = {"state_dict": _state_dict, "tensor": _tensor, "other object": _other_object,
           "missing keys": _missing_keys}
EXPECTED = {
    "truncated": "is damaged (truncated or corrupt: PytorchStreamReader failed reading zip archive",
    "random bytes": "is damaged or not a checkpoint at all (it is not a file torch.save writes)",
    "empty": "is damaged or not a checkpoint at all (the file is empty)",
    "state_dict": "is not a checkpoint of this training engine: it holds a plain state_dict (",
    "tensor": "is not a checkpoint of this training engine: it holds a Tensor",
    "other object": "is not a checkpoint of this training engine: it holds Python objects",
    "missing keys": "it holds a dict without the keys a checkpoint has (optimizer, rng missing)",
}


@pytest.fixture(params=[*DAMAGED, *FOREIGN])
def planted(request: pytest.FixtureRequest, real_run: Path, tmp_path: Path) -> tuple[str, Path]:
    """A run folder whose checkpoint.pt is bad in one way (its metrics and summary are the real ones)."""
    out = tmp_path / "run"
    shutil.copytree(real_run, out)
    {**DAMAGED, **FOREIGN}[request.param](real_run, out)
    return request.param, out


def _assert_clear(message: str, case: str, out: Path) -> None:
    assert str(out / "checkpoint.pt") in message
    assert EXPECTED[case] in message, message
    assert "--overwrite" in message and "--out" in message
    assert "weights_only" not in message and "miniz" not in message and "Traceback" not in message


def test_the_real_checkpoint_loads(real_run: Path) -> None:
    ckpt = load_checkpoint(real_run)
    assert all(k in ckpt for k in CHECKPOINT_KEYS)
    assert not load_trained_model(real_run).training


def test_load_trained_model_names_the_bad_file(planted: tuple[str, Path]) -> None:
    case, out = planted
    with pytest.raises(CheckpointError) as err:
        load_trained_model(out)
    assert isinstance(err.value, ValueError) and err.value.path == out / "checkpoint.pt"
    _assert_clear(str(err.value), case, out)


def test_resume_names_the_bad_file(planted: tuple[str, Path]) -> None:
    case, out = planted
    with pytest.raises(CheckpointError) as err:
        train(dict(TINY, out=str(out), resume=True))
    _assert_clear(str(err.value), case, out)


@pytest.mark.parametrize("case", ["truncated", "state_dict"])
def test_the_cli_prints_the_message_not_a_traceback(
    case: str, real_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    shutil.copytree(real_run, out)
    {**DAMAGED, **FOREIGN}[case](real_run, out)
    assert main([*TINY_ARGS, "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    _assert_clear(err, case, out)


def test_a_missing_checkpoint_is_still_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(tmp_path)


def test_a_counter_is_not_a_checkpoint(tmp_path: Path) -> None:
    torch.save(collections.Counter("ab"), tmp_path / "checkpoint.pt")
    with pytest.raises(CheckpointError, match="it holds a dict without the keys a checkpoint has"):
        load_checkpoint(tmp_path)
