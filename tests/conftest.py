"""Fixtures shared by the unit tests."""

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import torch


@pytest.fixture(scope="module")
def one_cpu_thread():
    """Run a test module's training on one torch thread.

    Small models run fastest on one thread (and shared CI machines punish thread hand-offs). Module scope,
    so that it also covers module-scoped runs: training results depend on the number of threads.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


ROOT = Path(__file__).resolve().parent.parent
IPYWIDGETS7 = ROOT / ".venv" / "ipywidgets7"
# Colab's ipywidgets; the Makefile installs the same into .venv/ipywidgets7. ipywidgets 7 imports
# ``ipython_genutils``, which ipywidgets 8 environments no longer have.
PIP_IPYWIDGETS7 = [
    "ipywidgets==7.7.1",
    "widgetsnbextension==3.6.*",
    "jupyterlab_widgets==1.1.*",
    "ipython_genutils==0.2.0",
]


def _pip_target(requirements: list[str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(IPYWIDGETS7)]
        + requirements,
        check=True,
    )


@pytest.fixture(scope="session")
def run_with_ipywidgets7() -> Callable[[str], str]:
    """Run a Python script with ipywidgets 7.7.1 (Colab's) in place of the environment's 8; return stdout.

    The script runs in a subprocess (one ipywidgets per interpreter) from the repository root, with the
    Agg backend; it fails the test with the script's stderr if it exits non-zero.
    """
    if not (IPYWIDGETS7 / "ipywidgets").is_dir():
        _pip_target(PIP_IPYWIDGETS7)
    elif not (IPYWIDGETS7 / "ipython_genutils").is_dir():
        _pip_target(PIP_IPYWIDGETS7[-1:])

    def run(script: str) -> str:
        check = 'import ipywidgets\nassert ipywidgets.__version__ == "7.7.1", ipywidgets.__version__\n'
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(IPYWIDGETS7), str(ROOT)]), MPLBACKEND="Agg")
        result = subprocess.run(
            [sys.executable, "-c", check + textwrap.dedent(script)],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    return run
