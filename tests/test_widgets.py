"""widgets.py: the factorization explorer, driven from Python under ipywidgets 8 and 7.7 (Colab's)."""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import ipywidgets
import pytest

from inception_lib.counting import count_macs, count_params
from inception_lib.kernels import FACTORIZATIONS, build_factorized
from inception_lib.widgets import factorization_explorer, factorization_sweep_figure, factorization_table

ROOT = Path(__file__).resolve().parent.parent
IPYWIDGETS7 = ROOT / ".venv" / "ipywidgets7"
# The Makefile creates the same folder during install with this command.
PIP_IPYWIDGETS7 = [
    "ipywidgets==7.7.1",
    "widgetsnbextension==3.6.*",
    "jupyterlab_widgets==1.1.*",
    "ipython_genutils==0.2.0",
]


def _numbers(html: str) -> list[int]:
    return [int(v.replace(",", "")) for v in re.findall(r">([\d,]+)</td>", html)]


def _expected(n: int, channels: int, grid: int) -> list[int]:
    values = []
    for kind in FACTORIZATIONS:
        module = build_factorized(kind, n, channels, channels)
        convs = sum(1 for m in module.modules() if m.__class__.__name__ == "Conv2d")
        values += [convs, count_params(module), count_macs(module, grid)]
    return values


def test_explorer_numbers_follow_the_controls_and_equal_the_library_counts():
    assert ipywidgets.__version__.startswith("8")
    box = factorization_explorer(n=5, channels=32, grid=17)
    size, width, grid = box.children[0].children
    shown = box.children[1]
    assert _numbers(shown.value) == _expected(5, 32, 17)
    first = shown.value
    size.value = 7
    assert shown.value != first
    assert _numbers(shown.value) == _expected(7, 32, 17)
    width.value = 48
    grid.value = 8
    assert _numbers(shown.value) == _expected(7, 48, 8)
    assert "n = 7, 48→48 channels, 8×8 grid" in shown.value


def test_initial_display_is_deterministic():
    assert repr(factorization_explorer()) == repr(factorization_explorer())
    assert "IntSlider(value=5" in repr(factorization_explorer())


def test_table_rows_and_savings():
    table = factorization_table(5, 192, 35)
    assert [row[0] for row in table.rows] == ["5×5", "2 × 3×3", "1×5 + 5×1"]
    assert table.rows[1][-1] == "-27.9%"  # MACs of two 3×3 vs one 5×5 (BatchNorm adds a little)
    assert table.rows[0][-1] == "reference"


def test_explorer_rejects_bad_arguments():
    with pytest.raises(ValueError):
        factorization_explorer(n=4)


def test_static_twin_figure():
    fig = factorization_sweep_figure(channels=64, grid=17, n_values=(3, 5, 7))
    axes = fig.axes
    assert len(axes) == 2 and all(len(ax.lines) == 3 for ax in axes)
    assert all(ax.get_title() and ax.get_xlabel() and ax.get_ylabel() for ax in axes)
    assert fig._suptitle is not None and fig._suptitle.get_text()


def _pip_target(requirements: list[str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(IPYWIDGETS7)]
        + requirements,
        check=True,
    )


@pytest.fixture(scope="session")
def ipywidgets7_path() -> Path:
    """ipywidgets 7.7.1 (Colab's version) installed apart from the environment's ipywidgets 8.

    ipywidgets 7 imports ``ipython_genutils``, which ipywidgets 8 environments no longer have.
    """
    if not (IPYWIDGETS7 / "ipywidgets").is_dir():
        _pip_target(PIP_IPYWIDGETS7)
    elif not (IPYWIDGETS7 / "ipython_genutils").is_dir():
        _pip_target(PIP_IPYWIDGETS7[-1:])
    return IPYWIDGETS7


def test_explorer_under_ipywidgets_7(ipywidgets7_path):
    script = textwrap.dedent(
        """
        import re
        import ipywidgets
        from inception_lib.counting import count_macs, count_params
        from inception_lib.kernels import build_factorized
        from inception_lib.widgets import factorization_explorer

        assert ipywidgets.__version__ == "7.7.1", ipywidgets.__version__
        box = factorization_explorer(n=5, channels=32, grid=17)
        size, width, grid = box.children[0].children
        shown = box.children[1]
        before = shown.value
        size.value = 7
        width.value = 48
        grid.value = 8
        assert shown.value != before
        numbers = [int(v.replace(",", "")) for v in re.findall(r">([\\d,]+)</td>", shown.value)]
        module = build_factorized("asymmetric", 7, 48, 48)
        assert numbers[-2:] == [count_params(module), count_macs(module, 8)], numbers
        print("ipywidgets", ipywidgets.__version__, "OK")
        """
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ipywidgets7_path), str(ROOT)]))
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "ipywidgets 7.7.1 OK" in result.stdout
