"""The workbooks (chapters/exercises/*.ipynb) work both ways: as stored, and with the solutions filled in.

Each workbook is stored with its exercise cells as stubs that raise ``NotImplementedError``, so the check
under each one shows the checker's "not written yet" report; nbval re-executes the stored notebooks in CI
(both passes) and compares those reports. This file runs each workbook the other way: every exercise cell's
source is replaced by its solution, the notebook is executed in a fresh kernel with nbclient, and every
check must report PASSED. That proves the workbook's own check lines (reference names, arguments, input
shapes) accept a correct answer, not only that the solutions pass on their own.

Conventions the workbooks follow, which this file also checks without executing anything:

* an exercise cell is tagged ``exercise`` and defines ``class MyName(nn.Module)``, raising
  ``NotImplementedError``; the next code cell is its check, ``check(MyName, "<reference>", ...)``;
* its solution, in the "Solutions" section at the end, is a code cell tagged ``hide-cell`` and ``solution``
  (folded on the page) that defines ``class SolutionName`` and ends with the same check for that class;
* substituting a solution means: the solution cell's source without its ``check(...)`` line, followed by
  ``MyName = SolutionName``, in place of the exercise cell.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
WORKBOOKS = sorted((ROOT / "chapters" / "exercises").glob("*.ipynb"))
PASSED = "PASSED: matches the reference"
NOT_WRITTEN = "NOT WRITTEN YET"
CLASS = re.compile(r"^class (My|Solution)(\w+)\(nn\.Module\):", re.MULTILINE)


def ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def tagged(nb: nbformat.NotebookNode, tag: str) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code" and tag in c.metadata.get("tags", [])]


def class_name(cell: nbformat.NotebookNode, prefix: str) -> str:
    names = [m.group(2) for m in CLASS.finditer(cell.source) if m.group(1) == prefix]
    assert len(names) == 1, f"expected one `class {prefix}...(nn.Module)` in:\n{cell.source}"
    return names[0]


def plain(cell: nbformat.NotebookNode) -> str:
    outputs = cell.get("outputs", [])
    return "".join(o.get("data", {}).get("text/plain", "") + o.get("text", "") for o in outputs)


def check_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code" and re.search(r"^check\(", c.source, re.MULTILINE)]


def with_solutions(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose exercise cells hold the solutions (see the module docstring)."""
    nb = nbformat.from_dict(nb)
    solutions = {class_name(c, "Solution"): c for c in tagged(nb, "solution")}
    for cell in tagged(nb, "exercise"):
        name = class_name(cell, "My")
        lines = solutions[name].source.splitlines()
        body = "\n".join(line for line in lines if not line.startswith("check("))
        cell.source = f"{body.rstrip()}\n\n\nMy{name} = Solution{name}\n"
        cell.outputs = []
    return nb


def test_there_is_a_workbook_per_chapter_1_to_5() -> None:
    assert [p.name[:3] for p in WORKBOOKS] == ["01_", "02_", "03_", "04_", "05_"]


@pytest.mark.parametrize("path", WORKBOOKS, ids=ids(WORKBOOKS))
def test_workbook_layout(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), "first: a # Title"
    exercises, solutions = tagged(nb, "exercise"), tagged(nb, "solution")
    assert exercises, "a workbook without exercises"
    assert [class_name(c, "My") for c in exercises] == [class_name(c, "Solution") for c in solutions]
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in exercises:
        assert "raise NotImplementedError(" in cell.source
        following = code[code.index(cell) + 1]
        last_line = following.source.rstrip().splitlines()[-1]  # the check may follow a short setup line
        assert last_line.startswith(f"check(My{class_name(cell, 'My')}, "), following.source
        assert NOT_WRITTEN in plain(following), "the stored check output is not the 'not written yet' report"
        assert "Traceback" not in plain(following)
    first_solution = nb.cells.index(solutions[0])
    assert max(nb.cells.index(c) for c in exercises) < first_solution, "solutions come after every exercise"
    for cell in solutions:
        assert "hide-cell" in cell.metadata.get("tags", []), "a solution is folded on the page"
        last = cell.source.rstrip().splitlines()[-1]
        assert last.startswith(f"check(Solution{class_name(cell, 'Solution')}, "), last
        assert PASSED in plain(cell), "the stored solution does not pass its check"


@pytest.mark.parametrize("path", WORKBOOKS, ids=ids(WORKBOOKS))
def test_workbook_passes_with_the_solutions_filled_in(path: Path) -> None:
    nb = with_solutions(nbformat.read(path, as_version=4))
    os.environ.setdefault("TQDM_DISABLE", "1")
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    checks = check_cells(nb)
    assert len(checks) == 2 * len(tagged(nb, "exercise"))
    for cell in checks:
        out = plain(cell)
        assert PASSED in out, f"{path.name}: a check failed with the solutions in:\n{cell.source}\n{out}"
        assert NOT_WRITTEN not in out
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error" and output.get("name") != "stderr", output
