"""Execute chapter notebooks in place, in a fresh kernel each, the way the book stores them.

    python tools/execute_notebooks.py chapters/01_factorizing.ipynb [...]   (default: every notebook)

nbclient stores the widget state in the notebook metadata, which the rendered book needs to show
widgets. The kernel runs in the notebook's folder with TQDM_DISABLE=1, as under nbval in CI.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def execute(path: Path, timeout: int = 900) -> None:
    nb = nbformat.read(path, as_version=4)
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
        record_timing=False,  # no wall-clock times in the stored notebooks
    )
    client.execute()
    nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted(
        p for p in (ROOT / "chapters").glob("**/*.ipynb") if ".ipynb_checkpoints" not in p.parts
    )
    for path in paths:
        print(f"executing {path}", flush=True)
        execute(path.resolve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
