"""The rendered book as the tests see it: its pages (from _toc.yml) and an up-to-date build.

    python tools/book_site.py build    fetch the vendored JavaScript, then build the book (`make book`)

`make book` builds with ``jupyter-book build . -W -n --keep-going --all`` and, only when that succeeds,
touches ``_build/html/.build-ok``. The tests that read the built site (tests/test_book.py,
tests/test_browser.py) call :func:`ensure_built`, which builds nothing when that stamp is newer than every
source of the book.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
STAMP = HTML / ".build-ok"
# `--all`: re-read every page (no warning hides in Sphinx's cache) and copy changed static files.
BUILD_COMMAND = ["jupyter-book", "build", ".", "-W", "-n", "--keep-going", "--all"]


# Every figure image shown on a page (run in the browser): its natural CSS width (data-css-width, written by
# book/_ext/figure_sizes.py from the output's metadata; an explorer view's width attribute), its recorded
# smallest font, its PNG's pixel width, and the width it is displayed at (content box). Used by
# tests/test_browser.py (the page in a 1,280 px window) and tools/make_pdf.py (the printed page).
FIGURES_JS = """async () => {
    const selector = 'article .cell_output img, article .widget-html-content img';
    const imgs = Array.from(document.querySelectorAll(selector))
        .filter(img => img.getClientRects().length > 0);
    const out = [];
    for (const img of imgs) {
        img.loading = 'eager';
        if (!img.complete) await new Promise(done => { img.onload = done; img.onerror = done; });
        const cs = getComputedStyle(img);
        const box = img.getBoundingClientRect().width;
        const shown = box - ['paddingLeft', 'paddingRight', 'borderLeftWidth', 'borderRightWidth']
            .reduce((sum, k) => sum + (parseFloat(cs[k]) || 0), 0);
        const css = img.dataset.cssWidth || img.getAttribute('width');
        const figure = img.closest('figure');
        const number = figure && figure.querySelector('.caption-number');
        out.push({
            src: (img.getAttribute('src') || '').slice(-40),
            figure: number ? number.textContent.trim() : '',
            cssWidth: css ? Number(css) : null,
            minFontPt: img.dataset.minFontPt ? Number(img.dataset.minFontPt) : null,
            naturalWidth: img.naturalWidth,
            shown: shown,
        });
    }
    return out;
}"""


def load_yaml(name: str) -> dict:
    """Parse one of the book's YAML files at the repository root."""
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def toc_docnames() -> list[str]:
    """Every document of the book in reading order, as Sphinx docnames (no suffix): root first."""
    toc = load_yaml("_toc.yml")
    names = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                names.append(entry["file"])
            for key in ("sections", "chapters"):
                walk(entry.get(key, []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return names


def source_of(docname: str) -> Path:
    """The source file of a docname (.ipynb or .md)."""
    for suffix in (".ipynb", ".md"):
        path = ROOT / f"{docname}{suffix}"
        if path.exists():
            return path
    raise FileNotFoundError(f"no .ipynb or .md source for {docname!r} listed in _toc.yml")


def notebook_docnames() -> list[str]:
    """The docnames of every notebook page under chapters/ (the chapters and the workbooks in its
    subfolders), in reading order, as _toc.yml lists them."""
    return [name for name in toc_docnames() if name.startswith("chapters/")]


def chapter_docnames() -> list[str]:
    """The chapters proper: the entries of the "Chapters" part of _toc.yml, in order."""
    for part in load_yaml("_toc.yml").get("parts", []):
        if part.get("caption") == "Chapters":
            return [entry["file"] for entry in part.get("chapters", [])]
    raise ValueError('_toc.yml has no part with caption "Chapters"')


def chapter_notebooks() -> list[Path]:
    """The notebooks listed in _toc.yml that exist, in reading order."""
    out = []
    for name in toc_docnames():
        path = ROOT / f"{name}.ipynb"
        if path.exists():
            out.append(path)
    return out


def book_sources() -> list[Path]:
    """Files whose change makes the built site stale."""
    files = [ROOT / "_config.yml", ROOT / "_toc.yml"]
    files += [p for p in (ROOT / "book").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    for name in toc_docnames():
        try:
            files.append(source_of(name))
        except FileNotFoundError:
            pass
    return files


def is_fresh() -> bool:
    """True when the last successful build is newer than every source of the book."""
    if not STAMP.exists():
        return False
    built = STAMP.stat().st_mtime
    return all(p.stat().st_mtime <= built for p in book_sources())


def build() -> None:
    """Fetch the vendored JavaScript and build the book; raise if the build warns or fails."""
    bindir = Path(sys.executable).parent
    subprocess.run([sys.executable, str(ROOT / "tools" / "vendor_assets.py"), "js"], check=True, cwd=ROOT)
    STAMP.unlink(missing_ok=True)
    command = [str(bindir / BUILD_COMMAND[0]), *BUILD_COMMAND[1:]]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        log = f"{result.stdout[-6000:]}\n{result.stderr}"
        raise RuntimeError(f"`{' '.join(BUILD_COMMAND)}` failed ({result.returncode}):\n{log}")
    STAMP.touch()


def ensure_built() -> Path:
    """Return the built site's folder, building the book first if it is missing or stale."""
    if not is_fresh():
        build()
    return HTML


if __name__ == "__main__":
    if sys.argv[1:] != ["build"]:
        raise SystemExit(__doc__)
    try:
        build()
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from None
    print(f"book built: {HTML / 'index.html'}")
