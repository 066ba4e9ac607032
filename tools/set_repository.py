"""Point the book at another GitHub repository (a fork): _config.yml and every notebook's setup cell.

    python tools/set_repository.py https://github.com/OWNER/REPO [--branch main]

_config.yml's ``repository.url`` and ``repository.branch`` name the repository once for the book: the
Colab and repository buttons on every page are built from them. The notebooks' setup cells repeat the
install source, ``git+<url>@<branch>``, because Colab opens a notebook without the book around it; this
rewrites both, so that a fork's Colab buttons open the fork's notebooks and its setup cells install the
fork's library. tests/test_setup_cells.py checks that the two agree. Run it, then `make test`, and commit.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
GITHUB_URL = re.compile(r"^https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def spec(url: str, branch: str) -> str:
    return f"git+{url.rstrip('/')}@{branch}"


def set_repository(url: str, branch: str = "main", root: Path = ROOT) -> list[Path]:
    """Rewrite _config.yml and the setup cells under ``root``; return the files changed."""
    url = url.rstrip("/").removesuffix(".git")
    if not GITHUB_URL.match(url):
        raise ValueError(f"{url!r} is not a GitHub repository URL (https://github.com/OWNER/REPO)")
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", branch):
        raise ValueError(f"{branch!r} is not a branch name")
    config_path = root / "_config.yml"
    text = config_path.read_text(encoding="utf-8")
    repo = yaml.safe_load(text)["repository"]
    old = spec(repo["url"], repo["branch"])
    block = re.search(r"(?ms)^repository:\n(?:[ \t]+.*\n?)+", text)
    if block is None:
        raise ValueError(f"{config_path}: no `repository:` block")
    new_block = re.sub(r"(?m)^([ \t]+url:[ \t]*).*$", lambda m: m.group(1) + url, block.group(0), count=1)
    new_block = re.sub(r"(?m)^([ \t]+branch:[ \t]*).*$", lambda m: m.group(1) + branch, new_block, count=1)
    changed = []
    new_text = text[: block.start()] + new_block + text[block.end() :]
    if new_text != text:
        config_path.write_text(new_text, encoding="utf-8")
        changed.append(config_path)
    new = spec(url, branch)
    for path in sorted((root / "chapters").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        nb = nbformat.read(path, as_version=4)
        cells = [c for c in nb.cells if c.cell_type == "code"]
        if cells and old in cells[0].source and old != new:
            cells[0].source = cells[0].source.replace(old, new)
            nbformat.write(nb, path)
            changed.append(path)
    return changed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url", help="https://github.com/OWNER/REPO")
    parser.add_argument("--branch", default="main")
    args = parser.parse_args(argv)
    try:
        changed = set_repository(args.url, args.branch)
    except ValueError as exc:
        raise SystemExit(f"set_repository: {exc}") from None
    for path in changed:
        print(f"set_repository: updated {path.relative_to(ROOT)}")
    print(f"set_repository: the book now installs from {spec(args.url, args.branch)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
