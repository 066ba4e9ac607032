"""The environment check: why a chapter misbehaves on this machine, one line per thing, each with a fix.

    from inception_lib.doctor import doctor
    doctor()                                   # the full report: versions, device, widgets, ...
    doctor(compact=True, book_version="0.1.0")  # what each chapter's setup cell prints

    python -m inception_lib.doctor             # the same full report from a terminal (exit status 1 on a
                                               # problem)

The full report lists Python, torch, torchvision, fvcore, ipywidgets and matplotlib with the versions this
library needs (read from its installed metadata, so they follow ``pyproject.toml``), the device, whether the
installed ``inception_lib`` is the version the book's pages were built with, whether fvcore counts without
printing warnings, and whether widgets can draw in this front end.

The compact form is made for the setup cells, whose output nbval compares on every machine: on a healthy
machine it prints one line that names no version and no device (:data:`COMPACT_OK`); otherwise one line per
problem with its fix. "The version the book was built with" is the ``book_version`` a setup cell passes;
tests/test_setup_cells.py checks that it equals ``inception_lib.__version__`` in the repository.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import os
import re
import sys
import tomllib
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

__all__ = ["COMPACT_OK", "Check", "Report", "check_environment", "doctor"]

COMPACT_OK = "Environment check: OK — run inception_lib.doctor() for details"
PACKAGES = ("torch", "torchvision", "fvcore", "ipywidgets", "matplotlib")
REINSTALL = "run `%pip uninstall -y inception_lib`, restart the kernel and run the setup cell again"


@dataclass(frozen=True)
class Check:
    """One line of the report. ``ok`` is None for a check that could not run (the reason is in
    ``detail``; the problem that prevented it has its own line)."""

    name: str
    ok: bool | None
    detail: str
    fix: str = ""

    @property
    def status(self) -> str:
        return {True: "OK", False: "PROBLEM", None: "SKIPPED"}[self.ok]

    def line(self) -> str:
        text = f"{self.status:<8} {self.name:<16} {self.detail}"
        return f"{text}\n{'':<25}fix: {self.fix}" if self.ok is False else text


@dataclass(frozen=True)
class Report:
    checks: tuple[Check, ...]

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if c.ok is False]

    @property
    def ok(self) -> bool:
        return not self.problems

    def __getitem__(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(f"no check named {name!r}; checks are {[c.name for c in self.checks]}")

    def full(self) -> str:
        lines = ["inception_lib environment check", *("  " + c.line() for c in self.checks)]
        n = len(self.problems)
        lines.append("All checks passed." if n == 0 else f"{n} problem(s): apply the fixes above.")
        return "\n".join(lines)

    def compact(self) -> str:
        """One stable line when healthy (no versions, no device); else one line per problem."""
        if self.ok:
            return COMPACT_OK
        return "\n".join(f"Environment check: {c.name}: {c.detail} — fix: {c.fix}" for c in self.problems)


# ---------------------------------------------------------------------------------------------------------
# Probes of the environment (module-level functions, so that tests can replace them)


def installed_version(name: str) -> str | None:
    """The installed distribution's version, or None when it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def library_requirements() -> dict[str, str]:
    """``{"torch": ">=2.2", ...}``: this library's runtime requirements, plus ``"python"``; from its
    installed metadata, or from the checkout's pyproject.toml when it runs from a source tree that was never
    installed; empty when neither is there."""
    try:
        dist = metadata.distribution("inception_lib")
        requires, python = list(dist.requires or []), dist.metadata.get("Requires-Python")
    except metadata.PackageNotFoundError:
        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        if not pyproject.is_file():
            return {}
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        if project.get("name") != "inception_lib":
            return {}
        requires, python = list(project.get("dependencies", [])), project.get("requires-python")
    out = {}
    for text in requires:
        if ";" in text:  # extras (book, test) and platform-specific requirements
            continue
        match = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(?:\[[^\]]*\])?\s*(.*)$", text)
        if match:
            out[match.group(1).lower().replace("_", "-")] = match.group(2).strip()
    if python:
        out["python"] = python
    return out


def python_version() -> str:
    return ".".join(map(str, sys.version_info[:3]))


def library_version() -> str:
    return importlib.import_module("inception_lib").__version__


def in_colab() -> bool:
    return "google.colab" in sys.modules


def in_kernel() -> bool:
    """True inside a Jupyter kernel (where widgets can be drawn by a front end)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def in_vscode() -> bool:
    return "VSCODE_PID" in os.environ or "VSCODE_CWD" in os.environ


def device_description() -> str:
    """The device torch will use: the first GPU's name and memory, Apple's MPS, or the CPU."""
    import torch

    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        count = torch.cuda.device_count()
        more = f" (+{count - 1} more)" if count > 1 else ""
        return f"GPU: {props.name}, {props.total_memory / 2**30:.1f} GiB{more}"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "Apple GPU (MPS)"
    return f"CPU only ({os.cpu_count() or '?'} cores); chapter 6's training is faster on a GPU"


def fvcore_noise() -> list[str]:
    """Warnings, log records and stderr text that fvcore produces when the library imports it and counts a
    tiny convolution. Empty when it is quiet. Import-time warnings are only seen on the first import."""
    import torch

    from ..counting import count_macs

    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(f"log {record.name}: {record.getMessage()}")

    handler = Collect(level=logging.WARNING)
    logger = logging.getLogger("fvcore")
    logger.addHandler(handler)
    stderr = io.StringIO()
    try:
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(stderr):
            warnings.simplefilter("always")
            count_macs(torch.nn.Conv2d(1, 1, 3), (1, 5, 5))
    finally:
        logger.removeHandler(handler)
    noise = [f"{w.category.__name__}: {w.message}" for w in caught] + records
    noise += [line for line in stderr.getvalue().splitlines() if line.strip()]
    return noise


# ---------------------------------------------------------------------------------------------------------
# The checks


def _version_tuple(version: str) -> tuple[int, ...]:
    """Release numbers of a version string: "2.11.0+cu128" -> (2, 11, 0); "8.1.0rc1" -> (8, 1, 0)."""
    parts = []
    for piece in version.split("+")[0].split("."):
        match = re.match(r"\d+", piece)
        if not match:
            break
        parts.append(int(match.group()))
    return tuple(parts)


def satisfies(version: str, spec: str) -> bool:
    """Whether ``version`` meets a comma-separated specifier of >=, >, <=, <, ==, != clauses (release
    numbers only; enough for the floors and caps this library states)."""
    have = _version_tuple(version)
    for clause in filter(None, (c.strip() for c in spec.split(","))):
        match = re.match(r"(>=|<=|==|!=|>|<|~=)\s*(\S+)$", clause)
        if not match:
            continue
        op, want = match.group(1), _version_tuple(match.group(2))
        width = max(len(have), len(want))
        a, b = have + (0,) * (width - len(have)), want + (0,) * (width - len(want))
        ok = {
            ">=": a >= b,
            "~=": a >= b,
            ">": a > b,
            "<=": a <= b,
            "<": a < b,
            "==": a == b,
            "!=": a != b,
        }[op]
        if not ok:
            return False
    return True


def _needs(spec: str) -> str:
    return f" (needs {spec})" if spec else ""


def check_python(requirements: dict[str, str]) -> Check:
    version, spec = python_version(), requirements.get("python", "")
    if spec and not satisfies(version, spec):
        return Check(
            "Python", False, f"{version}{_needs(spec)}", f"use a Python {spec} environment or kernel"
        )
    return Check("Python", True, f"{version}{_needs(spec)}")


def check_package(name: str, requirements: dict[str, str]) -> Check:
    version, spec = installed_version(name), requirements.get(name, "")
    if version is None:
        return Check(name, False, "not installed", f"`%pip install '{name}{spec}'`, then restart the kernel")
    if spec and not satisfies(version, spec):
        return Check(
            name,
            False,
            f"{version} is too old{_needs(spec)}",
            f"`%pip install --upgrade '{name}{spec}'`, then restart the kernel",
        )
    return Check(name, True, f"{version}{_needs(spec)}")


def check_device() -> Check:
    if installed_version("torch") is None:
        return Check("device", None, "not checked: torch is missing")
    return Check("device", True, device_description())


def check_library(book_version: str | None) -> Check:
    have = library_version()
    if book_version is None:
        return Check("inception_lib", True, f"{have} (no book version to compare with)")
    if have != book_version:
        return Check(
            "inception_lib",
            False,
            f"{have} is installed; the book's pages were built with {book_version}",
            REINSTALL,
        )
    return Check("inception_lib", True, f"{have}, the version the book was built with")


def check_fvcore_quiet() -> Check:
    name = "fvcore is quiet"
    if installed_version("fvcore") is None or installed_version("torch") is None:
        return Check(name, None, "not checked: fvcore or torch is missing")
    try:
        noise = fvcore_noise()
    except Exception as exc:  # an import that breaks inside fvcore or torch is what this check is for
        return Check(
            name,
            False,
            f"counting MACs fails: {type(exc).__name__}: {exc}",
            "`%pip install --upgrade fvcore`, then restart the kernel; if it persists, report it with "
            "the output of `python -m inception_lib.doctor`",
        )
    if noise:
        return Check(
            name,
            False,
            f"fvcore printed {len(noise)} warning(s), e.g. {noise[0][:120]!r}; chapters compare their "
            "output, so the warnings make them differ",
            "upgrade inception_lib (" + REINSTALL + "); if it persists, report the warning",
        )
    return Check(name, True, "counting MACs prints no warning")


def check_widgets() -> Check:
    version = installed_version("ipywidgets")
    if version is None:
        return Check("widgets", None, "not checked: ipywidgets is missing")
    major = _version_tuple(version)[:1] or (0,)
    if in_colab():
        if major[0] >= 8:
            return Check("widgets", True, f"Colab with ipywidgets {version}")
        return Check(
            "widgets",
            True,
            f"Colab with ipywidgets {version}: needs Colab's custom widget manager, which the setup cell "
            "enables (google.colab.output.enable_custom_widget_manager())",
        )
    if not in_kernel():
        return Check(
            "widgets",
            True,
            "not in a Jupyter kernel: the explorers draw in Jupyter, Colab, VS Code and on the rendered book",
        )
    if in_vscode():
        return Check("widgets", True, f"VS Code with ipywidgets {version} (VS Code draws widgets itself)")
    # JupyterLab / Notebook draw widgets through the front-end package that matches ipywidgets' major.
    companion = "jupyterlab_widgets" if major[0] >= 8 else "widgetsnbextension"
    if installed_version(companion) is None:
        return Check(
            "widgets",
            False,
            f"ipywidgets {version} without {companion}: JupyterLab/Notebook cannot draw the explorers",
            f"`%pip install {companion}` in the environment that runs Jupyter, then reload the page",
        )
    return Check("widgets", True, f"Jupyter kernel with ipywidgets {version} and {companion}")


def check_environment(book_version: str | None = None) -> Report:
    """Run every check and return the report (nothing is printed)."""
    requirements = library_requirements()
    checks: list[Callable[[], Check]] = [
        lambda: check_python(requirements),
        *(lambda name=name: check_package(name, requirements) for name in PACKAGES),
        check_device,
        lambda: check_library(book_version),
        check_fvcore_quiet,
        check_widgets,
    ]
    return Report(tuple(check() for check in checks))


def doctor(compact: bool = False, book_version: str | None = None) -> None:
    """Print the environment check: the full report, or (``compact=True``) one stable line when healthy
    and one line per problem otherwise. ``book_version`` is the ``inception_lib`` version the book's pages
    were built with; the chapters' setup cells pass it."""
    if book_version is not None and not isinstance(book_version, str):
        raise TypeError(f"book_version must be a version string such as '0.1.0', got {book_version!r}")
    report = check_environment(book_version)
    print(report.compact() if compact else report.full())
