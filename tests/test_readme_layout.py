"""The README's "Repository layout" names every part of the library, so it cannot fall behind the tree."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "inception_lib"


def layout_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Repository layout", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```\n(.*?)```", section, flags=re.S)
    assert block, "the layout section has no code block"
    return block.group(1)


def library_part(block: str) -> str:
    """The lines about inception_lib/: from its line to the next top-level entry."""
    lines = block.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("inception_lib/"))
    end = next(i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" "))
    return "\n".join(lines[start:end])


def test_every_module_and_package_of_the_library_is_named():
    part = library_part(layout_block())
    words = set(re.findall(r"[A-Za-z_]+", part))
    parts = [p.stem for p in LIB.glob("*.py") if p.stem != "__init__"]
    parts += [p.name for p in LIB.iterdir() if (p / "__init__.py").is_file()]
    missing = sorted(name for name in parts if name not in words)
    assert not missing, f"README's layout does not name inception_lib's {missing}"


def test_the_chapter_modules_of_plots_and_widgets_are_named():
    words = set(re.findall(r"[A-Za-z_]+", library_part(layout_block())))
    for package in ("plots", "widgets"):
        names = {p.stem for p in (LIB / package).glob("*.py")} - {"__init__"}
        missing = sorted(names - words)
        assert not missing, f"README's layout does not name {package}/{missing}"


def test_the_top_level_folders_are_named():
    block = layout_block()
    named = {line.split()[0].rstrip("/") for line in block.splitlines() if line and not line[0].isspace()}
    for folder in ("book", "chapters", "inception_lib", "tests", "tools", "benchmarks"):
        assert folder in named, folder
