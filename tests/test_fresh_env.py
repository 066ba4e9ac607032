"""Each chapter runs in a fresh environment that has only PyTorch, the way a reader's Colab or laptop has,
and reproduces its stored outputs there on "another machine": the second nbval pass of `make test`.

Once per session: a new virtual environment in which only torch and torchvision (and what they depend on)
are installed, plus ipykernel to run notebooks. The preinstalled packages are this checkout's own copies,
linked in through a .pth file (no 5 GB reinstall). Then each chapter listed in _toc.yml is copied into an
empty folder, away from the checkout, and run there by strict nbval in that environment's kernel, with
PyTorch's plain kernels, oneDNN capped at AVX2 and another thread count (tests/README.md): its setup cell
must install `inception_lib` (a wheel built once from a copy of the checkout, via $INCEPTION_LIB_PIP_SPEC)
and everything it needs, without touching torch, and every compared output must match the stored one. A
check cell appended to the chapter reports which torch it ended up with.

Offline and fast: pip in the kernel installs only from the wheelhouse that `make test` prepares
(tools/vendor_assets.py wheels -> .venv/wheelhouse); PIP_NO_INDEX is set. The kernel sees no GPU
(CUDA_VISIBLE_DEVICES is empty), so each chapter takes its CPU path, the one nbval checks; TQDM_DISABLE=1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

import book_site
import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent

CHAPTER_DOCS = book_site.notebook_docnames()  # the chapters and the workbooks
PREINSTALLED = ["torch", "torchvision"]
WHEELHOUSE = Path(os.environ.get("INCEPTION_WHEELHOUSE", ROOT / ".venv" / "wheelhouse"))
KERNEL_NAME = "fresh-env"
CELL_TIMEOUT_S = 900
CHECK_CELL = (
    "import json as _json\nimport os as _os\nimport sys as _sys\n\nimport inception_lib as _il\n"
    "import torch as _torch\nfrom inception_lib.doctor import check_environment as _check\n\n"
    "_report = _check(_il.__version__)\n"
    "with open({report!r}, 'w') as _f:\n"
    '    _json.dump({{"torch_version": str(_torch.__version__), "torch_file": _torch.__file__, '
    '"inception_lib_file": _il.__file__, "executable": _sys.executable, "doctor": _report.full(), '
    '"doctor_ok": _report.ok, "environ": dict(_os.environ)}}, _f)\n'
)
# The other numeric environment of tests/README.md: PyTorch's plain kernels, oneDNN capped at AVX2, and a
# torch thread count other than the first nbval pass's default (one per core).
OTHER_MACHINE = {
    "ATEN_CPU_CAPABILITY": "default",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "OMP_NUM_THREADS": "1" if (os.cpu_count() or 1) > 1 else "2",
}
NBVAL_SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"


def distribution_closure(names: list[str]) -> list[metadata.Distribution]:
    """The installed distributions of ``names`` and, recursively, of everything they require (with the
    extras they are required with; requirements whose environment marker is false are left out)."""
    found: dict[str, metadata.Distribution] = {}
    todo: list[tuple[str, frozenset[str]]] = [(name, frozenset()) for name in names]
    done: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        key = (canonicalize_name(name), extras)
        if key in done:
            continue
        done.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional platform dependency this environment does without
        found[canonicalize_name(dist.metadata["Name"])] = dist
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is not None and not any(
                req.marker.evaluate({"extra": extra}) for extra in (extras | {""})
            ):
                continue
            todo.append((req.name, frozenset(req.extras)))
    return list(found.values())


def link_distributions(dists: list[metadata.Distribution], target: Path) -> None:
    """Symlink each distribution's top-level files and folders (package, .dist-info, ...) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for dist in dists:
        files = dist.files
        assert files is not None, f"{dist.metadata['Name']} has no RECORD; cannot preinstall it"
        base = Path(dist.locate_file("")).resolve()
        tops = {f.parts[0] for f in files if f.parts and f.parts[0] not in ("..", "__pycache__")}
        for top in sorted(tops):
            source = base / top
            link = target / top
            if source.exists() and not link.exists():
                link.symlink_to(source, target_is_directory=source.is_dir())


def copy_checkout(dest: Path) -> Path:
    """A copy of what `pip install <checkout>` needs (the package, pyproject.toml, README), without build
    debris, so that pip never writes into the working tree."""
    dest.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", "LICENSE", "setup.cfg", "MANIFEST.in"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(
        ROOT / "inception_lib",
        dest / "inception_lib",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".ipynb_checkpoints"),
    )
    return dest


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("cwd", ROOT.parent)  # never from the checkout's root, where inception_lib imports
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{result.stdout}\n{result.stderr}"
    return result


class FreshEnv:
    """A virtual environment with torch, torchvision and ipykernel only, and a kernel spec for it."""

    def __init__(self, root: Path) -> None:
        if not any(WHEELHOUSE.glob("ipykernel-*.whl")):
            run(
                [
                    sys.executable,
                    str(ROOT / "tools" / "vendor_assets.py"),
                    "wheels",
                    "--dest",
                    str(WHEELHOUSE),
                ]
            )
        self.root = root
        self.venv = root / "venv"
        self.preinstalled = root / "preinstalled"  # outside the venv: pip never uninstalls from here
        run([sys.executable, "-m", "venv", str(self.venv)])
        self.python = self.venv / "bin" / "python"
        self.site_packages = Path(
            run(
                [str(self.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
            ).stdout.strip()
        )
        dists = distribution_closure(PREINSTALLED)
        link_distributions(dists, self.preinstalled)
        (self.site_packages / "zz_preinstalled_torch.pth").write_text(f"{self.preinstalled}\n")
        # The reference: torch as this checkout's environment imports it (the version string has the
        # build's local tag, e.g. +cu130, which the distribution's metadata does not).
        self.torch_version, torch_file = run(
            [sys.executable, "-c", "import torch; print(torch.__version__); print(torch.__file__)"]
        ).stdout.split()
        self.torch_file = Path(torch_file).resolve()
        self.env = self._environment()
        run([str(self.python), "-m", "pip", "install", "--quiet", "ipykernel"], env=self.env)
        self.initially_installed = {
            name: self.installed(name) for name in ("inception_lib", "fvcore", "matplotlib", "ipykernel")
        }
        # The library built once, in this environment, offline (build isolation from the wheelhouse): every
        # chapter's setup cell then installs this wheel, with its dependencies from the wheelhouse.
        wheels = root / "wheel"
        run(
            [str(self.python), "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels)]
            + [str(copy_checkout(root / "checkout"))],
            env=self.env,
        )
        (self.spec,) = wheels.glob("inception_lib-*.whl")
        spec_dir = root / "kernels" / KERNEL_NAME
        spec_dir.mkdir(parents=True)
        (spec_dir / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": [str(self.python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    "display_name": "fresh environment (torch only)",
                    "language": "python",
                }
            )
        )

    def _environment(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV", "CONDA", "JUPYTER_", "MPLBACKEND"))
        }
        env.update(
            VIRTUAL_ENV=str(self.venv),
            PATH=f"{self.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            PYTHONNOUSERSITE="1",
            PIP_CONFIG_FILE=os.devnull,  # ignore this machine's pip configuration: wheelhouse only
            PIP_NO_INDEX="1",
            PIP_FIND_LINKS=str(WHEELHOUSE),
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            PIP_NO_INPUT="1",
            TQDM_DISABLE="1",
            CUDA_VISIBLE_DEVICES="",
            MPLBACKEND="module://matplotlib_inline.backend_inline",
        )
        return env

    def installed(self, name: str) -> bool:
        code = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({name!r}) is None)"
        # Run outside the checkout: from its root, `inception_lib` would import from the working tree.
        return subprocess.run([str(self.python), "-c", code], env=self.env, cwd=self.root).returncode == 0

    def uninstall_library(self) -> None:
        if self.installed("inception_lib"):
            run(
                [str(self.python), "-m", "pip", "uninstall", "--yes", "--quiet", "inception_lib"],
                env=self.env,
            )

    def nbval(self, notebook: Path, cwd: Path) -> subprocess.CompletedProcess:
        """Strict nbval over ``notebook`` with this environment's kernel (found through JUPYTER_PATH), in
        the other numeric environment; nbval itself runs in the test's Python."""
        env = dict(
            self.env,
            **OTHER_MACHINE,
            INCEPTION_LIB_PIP_SPEC=str(self.spec),
            JUPYTER_PATH=str(self.root),  # the kernel spec is root/kernels/fresh-env
            INCEPTION_BOOK_OFFLINE="1",
        )
        cmd = [sys.executable, "-m", "pytest", "-q", "--color=no", "-p", "no:cacheprovider"]
        cmd += ["--rootdir", str(cwd)]
        cmd += ["--nbval", "--nbval-kernel-name", KERNEL_NAME, "--nbval-sanitize-with", str(NBVAL_SANITIZE)]
        cmd += [f"--nbval-cell-timeout={CELL_TIMEOUT_S}", str(notebook)]
        return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)


@pytest.fixture(scope="session")
def fresh_env(tmp_path_factory: pytest.TempPathFactory) -> FreshEnv:
    return FreshEnv(tmp_path_factory.mktemp("fresh-env"))


def test_fresh_env_has_only_torch(fresh_env: FreshEnv) -> None:
    """The environment really is fresh: torch imports from the linked copy; the book's library, fvcore and
    matplotlib are absent until a chapter's setup cell installs them."""
    out = run(
        [
            str(fresh_env.python),
            "-c",
            "import torch, torchvision; print(torch.__version__); print(torch.__file__)",
        ],
        env=fresh_env.env,
    ).stdout.split()
    assert out[0] == fresh_env.torch_version
    assert out[1].startswith(str(fresh_env.preinstalled))
    assert Path(out[1]).resolve() == fresh_env.torch_file
    before = fresh_env.initially_installed
    assert before == {"inception_lib": False, "fvcore": False, "matplotlib": False, "ipykernel": True}, before
    assert not (fresh_env.site_packages / "torch").exists()
    # The library's own site-packages are not on its path (it is a separate environment).
    assert (
        sysconfig.get_paths()["purelib"]
        not in run([str(fresh_env.python), "-c", "import sys; print(sys.path)"], env=fresh_env.env).stdout
    )


@pytest.mark.parametrize("name", CHAPTER_DOCS)
def test_chapter_reproduces_its_outputs_in_a_fresh_env_on_another_machine(
    fresh_env: FreshEnv, tmp_path: Path, name: str
) -> None:
    """The chapter, copied into an empty folder, runs in the fresh environment's kernel under strict nbval
    in the other numeric environment (tests/README.md): its setup cell installs the library, and every
    output matches the stored one. One execution checks both, so `make test` runs each chapter twice, not
    three times. A check cell appended (its output not compared) reports where torch and the library came
    from."""
    source = ROOT / f"{name}.ipynb"
    assert source.is_file(), f"{source.relative_to(ROOT)} is listed in _toc.yml but does not exist"
    fresh_env.uninstall_library()  # every chapter's setup cell must install it itself
    workdir = tmp_path / "reader"
    workdir.mkdir()
    path = workdir / source.name
    report_file = tmp_path / "report.json"
    nb = nbformat.read(source, as_version=4)
    check = nbformat.v4.new_code_cell(CHECK_CELL.format(report=str(report_file)))
    check.metadata["tags"] = ["nbval-ignore-output"]
    nb.cells.append(check)
    nbformat.write(nb, path)
    # nbval's hook for this book's notebooks (which outputs are compared), next to the copy.
    shutil.copy2(ROOT / "conftest.py", workdir / "conftest.py")
    result = fresh_env.nbval(path, workdir)
    assert result.returncode == 0, (
        f"{name} in the fresh environment, other numeric settings ({OTHER_MACHINE}):\n"
        f"{result.stdout[-12000:]}\n{result.stderr[-3000:]}"
    )

    report = json.loads(report_file.read_text())
    assert report["executable"].startswith(str(fresh_env.venv))
    assert report["torch_version"] == fresh_env.torch_version, "the setup cell replaced torch"
    assert report["torch_file"].startswith(str(fresh_env.preinstalled)), (
        f"torch was imported from {report['torch_file']}, not the preinstalled copy"
    )
    assert Path(report["torch_file"]).resolve() == fresh_env.torch_file
    assert report["inception_lib_file"].startswith(str(fresh_env.site_packages)), (
        f"inception_lib came from {report['inception_lib_file']}, not from the setup cell's install"
    )
    assert not (fresh_env.site_packages / "torch").exists(), "pip installed a second torch"
    # The environment check finds nothing wrong in the reader's fresh kernel (nbval compared the setup
    # cell's own line, COMPACT_OK, with the stored one).
    assert report["doctor_ok"], f"the environment check found problems:\n{report['doctor']}"
    for key, value in OTHER_MACHINE.items():
        assert report["environ"].get(key) == value, f"the kernel ran with {key}={report['environ'].get(key)}"
