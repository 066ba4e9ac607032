"""Code cells fit the book's text column: every line of every code cell of the chapters and workbooks is at
most 80 characters, so the rendered page shows it whole (tests/test_browser.py checks the page itself;
book/_static/book.css sizes the code font so that 80 characters fit a 1,280 px window's column).
The library's own code may use 110 (ruff); listings of it wrap on the page instead."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_CODE_LINE = 80
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb")) + sorted(
    (ROOT / "chapters" / "exercises").glob("*.ipynb")
)


def long_lines(path: Path, limit: int = MAX_CODE_LINE) -> list[str]:
    """'cell N, line M (L characters): text' for every code-cell line longer than ``limit``."""
    nb = nbformat.read(path, as_version=4)
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for j, line in enumerate(cell.source.splitlines(), start=1):
            if len(line) > limit:
                out.append(f"cell {i}, line {j} ({len(line)} characters): {line.strip()[:60]}")
    return out


def test_long_lines_are_found(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# T\n" + "word " * 40),  # prose may be longer
        nbformat.v4.new_code_cell("x = 1\n" + "y = " + "1 + " * 20 + "1"),
    ]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    (problem,) = long_lines(path)
    assert problem.startswith("cell 1, line 2 (85 characters): y = 1 + 1")
    assert long_lines(path, limit=85) == []


@pytest.mark.parametrize(
    "path", NOTEBOOKS, ids=[p.relative_to(ROOT / "chapters").as_posix() for p in NOTEBOOKS]
)
def test_code_cells_fit_80_characters(path: Path) -> None:
    problems = long_lines(path)
    assert not problems, f"{path.name}: code lines over {MAX_CODE_LINE} characters:\n" + "\n".join(problems)
