"""Every chapter opens the same way, so that it runs in Colab and in any fresh environment.

The first code cell of each notebook under chapters/ (the chapters and the workbooks, all listed in
_toc.yml) is the standard setup cell: it installs `inception_lib` when it is missing, from
$INCEPTION_LIB_PIP_SPEC or from the book's repository at the branch that _config.yml names (the one place
that configures the repository), and it is hidden on the page. Notebooks that show widgets switch on Colab's
custom widget manager; the training chapter asks Colab for a GPU. Then the setup cell runs the environment
check in its compact form, naming the library version the book was built with
(``doctor(compact=True, book_version="<inception_lib.__version__>")``); its stored output is the one line a
healthy machine prints. tests/test_fresh_env.py runs the notebooks through that cell in a fresh virtual
environment.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import book_site
import nbformat
import pytest
import yaml
from IPython.core.inputtransformer2 import TransformerManager

import inception_lib
from inception_lib.doctor import COMPACT_OK

ROOT = Path(__file__).resolve().parent.parent

CHAPTER_DOCS = book_site.notebook_docnames()
GPU_CHAPTERS = {"chapters/06_training"}
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

SETUP_TEMPLATE = """\
# Setup: make `inception_lib` importable. In Colab or a fresh environment
# this installs it from the book's repository (or from
# $INCEPTION_LIB_PIP_SPEC); torch is never reinstalled.
import importlib.util
import os
import sys

if importlib.util.find_spec("inception_lib") is None:
    _spec = os.environ.get("INCEPTION_LIB_PIP_SPEC") or (
        "{spec}"
    )
    %pip install --quiet {{_spec}}
"""
DOCTOR_IMPORT = "from inception_lib.doctor import doctor\n"
DOCTOR_CALL = f'doctor(compact=True, book_version="{inception_lib.__version__}")\n'
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


def test_repository_spec_is_a_github_branch() -> None:
    """A GitHub repository and a branch (a fork sets its own with tools/set_repository.py)."""
    assert re.fullmatch(r"git\+https://github\.com/[\w.-]+/[\w.-]+@[\w./-]+", repository_spec()), (
        repository_spec()
    )


def test_a_fork_points_the_book_at_itself(tmp_path: Path) -> None:
    """tools/set_repository.py rewrites _config.yml and every setup cell, and the two still agree."""
    import set_repository

    shutil.copy2(ROOT / "_config.yml", tmp_path / "_config.yml")
    for name in CHAPTER_DOCS:
        target = tmp_path / f"{name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f"{name}.ipynb", target)
    fork = "https://github.com/someone/my-inception-fork"
    changed = set_repository.set_repository(fork, "study", root=tmp_path)
    assert len(changed) == 1 + len(CHAPTER_DOCS)
    config = yaml.safe_load((tmp_path / "_config.yml").read_text())
    assert config["repository"]["url"] == fork and config["repository"]["branch"] == "study"
    before = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert {k: v for k, v in config.items() if k != "repository"} == {
        k: v for k, v in before.items() if k != "repository"
    }
    for name in CHAPTER_DOCS:
        setup = code_cells(nbformat.read(tmp_path / f"{name}.ipynb", as_version=4))[0].source
        assert SETUP_TEMPLATE.format(spec=f"git+{fork}@study").rstrip("\n") in setup, name
        assert repository_spec() not in setup
    with pytest.raises(ValueError, match="not a GitHub repository URL"):
        set_repository.set_repository("https://gitlab.com/a/b", root=tmp_path)


def test_toc_lists_chapters() -> None:
    toc = book_site.load_yaml("_toc.yml")
    assert len(toc["parts"][0]["chapters"]) == 6
    assert {f"chapters/{p.stem}" for p in (ROOT / "chapters").glob("0*.ipynb")} <= set(CHAPTER_DOCS)


def test_every_notebook_under_chapters_is_in_the_toc() -> None:
    """A notebook that is not listed would get none of these checks (and no page)."""
    on_disk = {
        p.relative_to(ROOT).with_suffix("").as_posix()
        for p in (ROOT / "chapters").rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts
    }
    assert on_disk - set(CHAPTER_DOCS) == set(), "notebooks under chapters/ missing from _toc.yml"


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
def test_setup_cell_runs_the_environment_check(name: str) -> None:
    """The setup cell ends its installing part with the compact environment check, naming this library's
    version, and its stored output is the line every healthy machine prints."""
    setup = code_cells(load(name))[0]
    source = setup.source + "\n"
    assert source.count(DOCTOR_CALL) == 1, (
        f"{name}: the setup cell must call, once, after installing the library:\n"
        f"{DOCTOR_IMPORT}\n{DOCTOR_CALL}(book_version is inception_lib.__version__, "
        f"{inception_lib.__version__!r})"
    )
    assert DOCTOR_IMPORT in source, f"{name}: the setup cell lacks {DOCTOR_IMPORT!r}"
    assert source.index("%pip install") < source.index(DOCTOR_IMPORT) < source.index(DOCTOR_CALL)
    printed = "".join(o.get("text", "") for o in setup.get("outputs", []) if o.get("output_type") == "stream")
    assert COMPACT_OK in printed.splitlines(), f"{name}: the stored setup output lacks {COMPACT_OK!r}"


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
