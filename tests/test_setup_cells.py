"""Every chapter opens the same way, so that it runs in Colab and in any fresh environment.

The first code cell of each chapter listed in _toc.yml is the standard setup cell: it installs
`inception_lib` when it is missing, from $INCEPTION_LIB_PIP_SPEC or from the book's repository at the
branch that _config.yml names (the one place that configures the repository), and it is hidden on the page.
Chapters that show widgets switch on Colab's custom widget manager; the training chapter asks Colab for a GPU.
tests/test_fresh_env.py runs the chapters through that cell in a fresh virtual environment.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import book_site  # noqa: E402

CHAPTER_DOCS = [name for name in book_site.toc_docnames() if name.startswith("chapters/")]
GPU_CHAPTERS = {"chapters/06_training"}
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

SETUP_TEMPLATE = """\
# Setup: make `inception_lib` importable. In Colab or a fresh environment this installs it from the
# book's repository (or from $INCEPTION_LIB_PIP_SPEC); torch is never reinstalled.
import importlib.util
import os
import sys

if importlib.util.find_spec("inception_lib") is None:
    _spec = os.environ.get(
        "INCEPTION_LIB_PIP_SPEC", "{spec}"
    )
    %pip install --quiet {{_spec}}
"""
COLAB_WIDGETS = """if "google.colab" in sys.modules:
    from google.colab import output

    output.enable_custom_widget_manager()
"""


def repository_spec() -> str:
    """The pip spec the setup cells must install from: git+<repository.url>@<repository.branch>."""
    repo = book_site.load_yaml("_config.yml")["repository"]
    return f"git+{repo['url'].rstrip('/')}@{repo['branch']}"


def load(name: str) -> nbformat.NotebookNode:
    path = ROOT / f"{name}.ipynb"
    assert path.is_file(), f"{path.relative_to(ROOT)} is listed in _toc.yml but does not exist"
    return nbformat.read(path, as_version=4)


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"]


def uses_widgets(nb: nbformat.NotebookNode) -> bool:
    """A chapter shows widgets when it stores widget state or widget views, or imports ipywidgets."""
    if (nb.metadata.get("widgets") or {}).get("application/vnd.jupyter.widget-state+json", {}).get("state"):
        return True
    for cell in code_cells(nb):
        if "ipywidgets" in cell.source or "inception_lib.widgets" in cell.source:
            return True
        if any(WIDGET_MIME in out.get("data", {}) for out in cell.get("outputs", [])):
            return True
    return False


def test_repository_spec_is_main_branch() -> None:
    assert repository_spec() == "git+https://github.com/inception-book/rethinking-inception@main"


def test_toc_lists_chapters() -> None:
    assert len(CHAPTER_DOCS) == 6


@pytest.mark.parametrize("name", CHAPTER_DOCS)
def test_first_code_cell_is_the_setup_cell(name: str) -> None:
    nb = load(name)
    cells = code_cells(nb)
    assert cells, f"{name}: no code cell"
    setup = cells[0]
    expected = SETUP_TEMPLATE.format(spec=repository_spec()).rstrip("\n")
    source = setup.source + "\n"
    assert source.startswith(expected + "\n"), (
        f"{name}: the first code cell is not the standard setup cell (installing from {repository_spec()}).\n"
        f"--- expected to start with ---\n{expected}\n--- found ---\n{setup.source[: len(expected) + 200]}"
    )
    assert "hide-input" in setup.metadata.get("tags", []), f"{name}: the setup cell is not tagged hide-input"
    # What Jupyter runs (with %pip turned into a call) must be valid Python.
    compile(TransformerManager().transform_cell(setup.source), f"{name}[setup]", "exec")


@pytest.mark.parametrize("name", CHAPTER_DOCS)
def test_only_setup_cells_install_and_they_are_hidden(name: str) -> None:
    cells = code_cells(load(name))
    for i, cell in enumerate(cells):
        installs = (
            'find_spec("inception_lib")' in cell.source or "%pip" in cell.source or "!pip" in cell.source
        )
        if installs:
            assert i == 0, f"{name}: code cell {i} installs packages; only the first (setup) cell may"
            assert "hide-input" in cell.metadata.get("tags", [])


@pytest.mark.parametrize("name", CHAPTER_DOCS)
def test_widget_chapters_enable_colab_widget_manager(name: str) -> None:
    nb = load(name)
    setup = code_cells(nb)[0].source
    if uses_widgets(nb):
        assert COLAB_WIDGETS in setup, f"{name} shows widgets but its setup cell lacks:\n{COLAB_WIDGETS}"
    else:
        assert "enable_custom_widget_manager" not in setup, f"{name} shows no widget; drop the widget manager"


@pytest.mark.parametrize("name", CHAPTER_DOCS)
def test_colab_metadata(name: str) -> None:
    nb = load(name)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", f"{name}: Colab needs kernel python3"
    if name in GPU_CHAPTERS:
        assert nb.metadata.get("accelerator") == "GPU", f"{name}: Colab should open it on a GPU runtime"
