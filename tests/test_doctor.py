"""The environment check (inception_lib.doctor): each probe replaced to imitate a broken machine."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import inception_lib

# The module itself (``inception_lib.doctor`` may be re-exported as the function by the package).
doc = importlib.import_module("inception_lib.doctor")
ROOT = Path(__file__).resolve().parent.parent
VERSION = inception_lib.__version__


def test_healthy_here_full_and_compact(capsys: pytest.CaptureFixture[str]) -> None:
    report = doc.check_environment(VERSION)
    assert report.ok, report.full()
    names = [c.name for c in report.checks]
    for name in ("Python", "torch", "torchvision", "fvcore", "ipywidgets", "matplotlib", "device"):
        assert name in names
    assert "inception_lib" in names and "fvcore is quiet" in names and "widgets" in names
    doc.doctor(compact=True, book_version=VERSION)
    assert capsys.readouterr().out == doc.COMPACT_OK + "\n"
    doc.doctor()
    full = capsys.readouterr().out
    import torch

    assert f"torch            {torch.__version__.split('+')[0]}" in full
    assert "All checks passed." in full


def test_compact_output_names_no_version_or_device(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On any healthy machine the compact line is the same: other versions and a GPU change nothing."""
    monkeypatch.setattr(doc, "device_description", lambda: "GPU: NVIDIA H200, 139.8 GiB")
    real = doc.installed_version
    monkeypatch.setattr(doc, "installed_version", lambda name: "99.0" if name == "torch" else real(name))
    monkeypatch.setattr(doc, "in_colab", lambda: True)
    doc.doctor(compact=True, book_version=VERSION)
    out = capsys.readouterr().out
    assert out == doc.COMPACT_OK + "\n"
    assert "H200" not in out and "99.0" not in out


@pytest.mark.parametrize("missing", ["fvcore", "ipywidgets", "torchvision", "matplotlib"])
def test_missing_package_is_one_problem_with_its_fix(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], missing: str
) -> None:
    real = doc.installed_version
    monkeypatch.setattr(doc, "installed_version", lambda name: None if name == missing else real(name))
    report = doc.check_environment(VERSION)
    assert [c.name for c in report.problems] == [missing]
    assert report[missing].detail == "not installed"
    assert f"%pip install '{missing}" in report[missing].fix
    doc.doctor(compact=True, book_version=VERSION)
    out = capsys.readouterr().out.splitlines()
    assert out == [f"Environment check: {missing}: not installed — fix: {report[missing].fix}"]
    # A check that depends on the missing package says it was not run, instead of failing twice.
    if missing == "fvcore":
        assert report["fvcore is quiet"].ok is None
    if missing == "ipywidgets":
        assert report["widgets"].ok is None


def test_old_torch_is_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    real = doc.installed_version
    monkeypatch.setattr(doc, "installed_version", lambda name: "1.13.1" if name == "torch" else real(name))
    monkeypatch.setattr(doc, "library_requirements", lambda: {"torch": ">=2.2", "python": ">=3.11"})
    report = doc.check_environment(VERSION)
    assert [c.name for c in report.problems] == ["torch"]
    assert "1.13.1 is too old (needs >=2.2)" == report["torch"].detail
    assert "--upgrade 'torch>=2.2'" in report["torch"].fix


def test_old_python_is_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doc, "python_version", lambda: "3.9.18")
    monkeypatch.setattr(doc, "library_requirements", lambda: {"python": ">=3.11,<3.14"})
    report = doc.check_environment(VERSION)
    assert [c.name for c in report.problems] == ["Python"]


def test_other_library_version_than_the_book(capsys: pytest.CaptureFixture[str]) -> None:
    report = doc.check_environment("0.0.1")
    assert [c.name for c in report.problems] == ["inception_lib"]
    check = report["inception_lib"]
    assert check.detail == f"{VERSION} is installed; the book's pages were built with 0.0.1"
    assert "%pip uninstall -y inception_lib" in check.fix and "setup cell" in check.fix
    doc.doctor(compact=True, book_version="0.0.1")
    assert capsys.readouterr().out.startswith("Environment check: inception_lib: ")


def test_book_version_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="book_version must be a version string"):
        doc.doctor(compact=True, book_version=0.1)  # type: ignore[arg-type]


def test_noisy_fvcore_is_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doc, "fvcore_noise", lambda: ["FutureWarning: `torch.jit.script` is deprecated"])
    report = doc.check_environment(VERSION)
    assert [c.name for c in report.problems] == ["fvcore is quiet"]
    assert "torch.jit.script" in report["fvcore is quiet"].detail


def test_fvcore_noise_sees_warnings_the_library_does_not_silence(monkeypatch: pytest.MonkeyPatch) -> None:
    """The probe itself: a warning raised while counting is reported (and nothing leaks out)."""
    counting = importlib.import_module("inception_lib.counting")
    real = counting.count_macs

    def noisy(module, input_size):
        warnings.warn("something new from fvcore", UserWarning, stacklevel=1)
        return real(module, input_size)

    monkeypatch.setattr(counting, "count_macs", noisy)
    assert doc.fvcore_noise() == ["UserWarning: something new from fvcore"]
    monkeypatch.setattr(counting, "count_macs", real)
    assert doc.fvcore_noise() == []


def test_widgets_in_colab_and_jupyter(monkeypatch: pytest.MonkeyPatch) -> None:
    real = doc.installed_version
    monkeypatch.setattr(doc, "in_colab", lambda: True)
    monkeypatch.setattr(
        doc, "installed_version", lambda name: "7.7.1" if name == "ipywidgets" else real(name)
    )
    check = doc.check_widgets()
    assert check.ok and "custom widget manager" in check.detail
    monkeypatch.setattr(doc, "in_colab", lambda: False)
    monkeypatch.setattr(doc, "in_kernel", lambda: True)
    monkeypatch.setattr(doc, "in_vscode", lambda: False)
    monkeypatch.setattr(
        doc, "installed_version", lambda name: None if name == "widgetsnbextension" else real(name)
    )
    # ipywidgets 8 (installed here) needs jupyterlab_widgets, which is installed: fine.
    assert doc.check_widgets().ok
    monkeypatch.setattr(
        doc,
        "installed_version",
        lambda name: {"ipywidgets": "8.1.5", "jupyterlab_widgets": None}.get(name, real(name)),
    )
    check = doc.check_widgets()
    assert check.ok is False and "%pip install jupyterlab_widgets" in check.fix


@pytest.mark.parametrize(
    ("version", "spec", "expected"),
    [
        ("2.11.0+cu128", ">=2.2", True),
        ("2.1.2", ">=2.2", False),
        ("3.13.1", ">=3.11,<3.14", True),
        ("3.14.0", "<3.14,>=3.11", False),
        ("8.1.0rc1", ">=7.6", True),
        ("0.1.5.post20221221", "", True),
    ],
)
def test_satisfies(version: str, spec: str, expected: bool) -> None:
    assert doc.satisfies(version, spec) is expected


def test_requirements_follow_the_installed_metadata() -> None:
    reqs = doc.library_requirements()
    assert reqs["torch"].startswith(">=") and reqs["ipywidgets"].startswith(">=")
    assert "pytest" not in reqs  # extras are not runtime requirements
    assert "python" in reqs


def test_run_as_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "inception_lib.doctor"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("inception_lib environment check\n")
    assert result.stdout.rstrip().endswith("All checks passed.")


def test_requirements_from_the_checkout_when_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from a source tree that pip never installed: the floors come from its pyproject.toml."""

    def not_installed(name: str):
        raise doc.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(doc.metadata, "distribution", not_installed)
    reqs = doc.library_requirements()
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch_req = next(
        r for r in project["dependencies"] if r.startswith("torch") and not r.startswith("torchv")
    )
    assert reqs["torch"] == torch_req.removeprefix("torch").strip()
    assert reqs["python"] == project["requires-python"]
