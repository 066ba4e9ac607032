"""Spell-check the book's prose and code with codespell (run by `make test`).

    python tools/spellcheck.py [paths ...]      (default: the whole book and library)

Prose: the markdown cells of every notebook under chapters/ (the chapters and the workbooks), book/*.md,
README.md and tests/README.md. Code: the notebooks' code cells, the library, the tests, the tools, the
Sphinx extensions and static files, the Makefile, CI scripts and workflows. A notebook is checked cell by
cell, its outputs left out (images are base64 text), and a finding names the notebook, the cell and the line.
Legitimate words codespell does not know go in tools/codespell-words.txt, one per line.
Exit status 1 when codespell finds a misspelling.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
WORDS = ROOT / "tools" / "codespell-words.txt"
DEFAULT_PATHS = [
    "README.md",
    "tests/README.md",
    "book",
    "chapters",
    "inception_lib",
    "tests",
    "tools",
    "benchmarks",
    "Makefile",
    ".ci",
    ".github",
    "_config.yml",
    "_toc.yml",
    "pyproject.toml",
]
SUFFIXES = {".md", ".py", ".js", ".css", ".yml", ".yaml", ".toml", ".txt", ".cfg", ".bib", ".ipynb", ""}
SKIP_PARTS = {"__pycache__", "vendor", ".ipynb_checkpoints", "_build", ".venv", "node_modules"}


def files_to_check(paths: list[str]) -> list[Path]:
    out = []
    for name in paths:
        path = ROOT / name
        candidates = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for p in candidates:
            rel = p.relative_to(ROOT)
            if SKIP_PARTS & set(rel.parts) or p.suffix not in SUFFIXES or p == WORDS:
                continue
            out.append(p)
    return out


def shown_name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def explode_notebook(path: Path, dest: Path) -> dict[str, str]:
    """Write each cell's source to its own file under ``dest``; return {written file: "nb cell N"}."""
    names = {}
    nb = nbformat.read(path, as_version=4)
    rel = shown_name(path).lstrip("/")
    for i, cell in enumerate(nb.cells):
        suffix = ".md" if cell.cell_type == "markdown" else ".py"
        target = dest / f"{rel.replace('/', '__')}.cell{i}{suffix}"
        target.write_text(cell.source + "\n", encoding="utf-8")
        names[str(target)] = f"{rel} cell {i}"
    return names


def check(files: list[Path]) -> tuple[int, str]:
    """Run codespell over ``files``; return its exit status and its findings, notebook cells named."""
    with tempfile.TemporaryDirectory() as tmp:
        renames: dict[str, str] = {}
        plain = []
        for path in files:
            if path.suffix == ".ipynb":
                renames.update(explode_notebook(path, Path(tmp)))
            else:
                plain.append(shown_name(path))
        command = [sys.executable, "-m", "codespell_lib", "--ignore-words", str(WORDS), "--check-filenames"]
        result = subprocess.run([*command, *plain, *renames], capture_output=True, text=True, cwd=ROOT)
    report = result.stdout + result.stderr
    for written, name in renames.items():
        report = re.sub(re.escape(written) + r":(\d+):", lambda m, n=name: f"{n}, line {m.group(1)}:", report)
    return result.returncode, report


def main(argv: list[str]) -> int:
    status, report = check(files_to_check(argv or DEFAULT_PATHS))
    if report.strip():
        print(report.rstrip())
    print("spellcheck: " + ("no misspelling" if status == 0 else "misspellings above (or add real words to "
          f"{WORDS.relative_to(ROOT)})"))
    return 0 if status == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
