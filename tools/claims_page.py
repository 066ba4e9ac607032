"""Write the book's "claims" page, book/claims.md, from the table in inception_lib.claims.

    python tools/claims_page.py           regenerate book/claims.md
    python tools/claims_page.py --check   exit 1 if book/claims.md differs from what this writes now

The page and tests/test_claims.py share the table, so the page cannot drift from it: every claim's
number comes from the library (the paper's from ``inception_lib.paper``, the book's from the claim's check,
which must hold before the page is written), and every link is checked against the chapters' ``(label)=``
targets and headings by :func:`link_problems`, which the tests call too.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "book" / "claims.md"
DOCNAME = "book/claims"
if str(ROOT) not in sys.path:  # run as a script from anywhere: the library and book_site importable
    sys.path.insert(0, str(ROOT))
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

import book_site  # noqa: E402

from inception_lib.claims import (  # noqa: E402
    CHECKS,
    CLAIMS,
    NEEDS_CHECK,
    SECTIONS,
    VERDICTS,
    Claim,
    is_pytest_node,
    paper_values,
    run_check,
    verdict_counts,
)

LABEL = re.compile(r"^\(([A-Za-z0-9_-]+)\)=\s*$")
HEADING = re.compile(r"^(#{1,6})\s+(\S.*?)\s*$")
CHAPTER = re.compile(r"^chapters/(\d\d)_[a-z0-9_]+$")


def _markdown_of(docname: str) -> str:
    path = book_site.source_of(docname)
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return path.read_text(encoding="utf-8")


@cache
def chapter_anchors() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """Every ``(label)=`` target of the book's chapters (label -> docname) and every chapter's headings
    (docname -> heading texts), read from the sources as they are now."""
    labels: dict[str, str] = {}
    headings: dict[str, frozenset[str]] = {}
    for docname in book_site.chapter_docnames():
        found = set()
        for line in _markdown_of(docname).splitlines():
            if m := LABEL.match(line.strip()):
                labels[m.group(1)] = docname
            elif m := HEADING.match(line):
                found.add(m.group(2))
        headings[docname] = frozenset(found)
    return labels, headings


def is_document(target: str) -> bool:
    """A target with a slash is a document (``chapters/05_recipe``); without one, a ``(label)=``."""
    return "/" in target


def link_problems(claim: Claim) -> list[str]:
    """Why a claim's link would not lead to the section that does it; empty when it does."""
    labels, headings = chapter_anchors()
    problems = []
    if is_document(claim.target):
        if claim.target not in book_site.chapter_docnames():
            problems.append(f"{claim.key}: {claim.target!r} is not a chapter in _toc.yml")
        elif claim.heading and claim.heading not in headings[claim.target]:
            problems.append(f"{claim.key}: {claim.target} has no heading {claim.heading!r}")
    else:
        if claim.target not in labels:
            problems.append(f"{claim.key}: no chapter has the target ({claim.target})=")
        if claim.heading:
            problems.append(f"{claim.key}: a label target names its own section; drop heading=")
    return problems


def check_problems(claim: Claim) -> list[str]:
    """Why a claim's verdict is not backed the way the table requires; empty when it is."""
    if claim.verdict not in VERDICTS:
        return [f"{claim.key}: unknown verdict {claim.verdict!r}"]
    if claim.verdict in NEEDS_CHECK and not claim.check:
        return [f"{claim.key}: a claim marked {VERDICTS[claim.verdict]!r} needs a check"]
    if claim.check and not is_pytest_node(claim.check) and claim.check not in CHECKS:
        return [f"{claim.key}: no check function {claim.check!r} in inception_lib.claims"]
    return []


def _chapter_number(docname: str) -> int:
    m = CHAPTER.match(docname)
    if not m:
        raise ValueError(f"not a chapter docname: {docname!r}")
    return int(m.group(1))


def link(claim: Claim) -> str:
    """The MyST reference to where the book does it: a ``{ref}`` to a label or a ``{doc}`` to a chapter."""
    labels, _ = chapter_anchors()
    if is_document(claim.target):
        text = f"{{doc}}`Chapter {_chapter_number(claim.target)} <../{claim.target}>`"
        return f"{text}, section *{claim.heading}*" if claim.heading else text
    return f"Chapter {_chapter_number(labels[claim.target])}, {{ref}}`{claim.target}`"


def values_for(claim: Claim) -> Mapping[str, str]:
    """The paper's numbers and, for a claim with a check function, what the check measured; raises when
    the check does not hold, so a page is never written from a failing check."""
    values = dict(paper_values())
    if claim.check and not is_pytest_node(claim.check):
        finding = run_check(claim)
        if not finding.holds:
            raise AssertionError(f"the check of claim {claim.key!r} ({claim.check}) does not hold")
        values.update(finding.values)
    return values


def _check_line(claim: Claim) -> str:
    if not claim.check:
        return ""
    if is_pytest_node(claim.check):
        return f"- *Check:* the test `{claim.check}`.\n"
    return f"- *Check:* `inception_lib.claims.{claim.check}()`, which recomputes it with the library.\n"


INTRO = """\
# The paper, claim by claim

This page holds "Rethinking the Inception Architecture for Computer Vision" {{cite}}`szegedy2016rethinking`
to account. It lists the paper's quantitative and causal claims in the order of its sections, says for
each what this book did about it and where, and gives a verdict. Most of the paper's accuracy numbers come
from training on ImageNet at a scale no reader's laptop reaches, so many verdicts are honest "not testable
here"; what the book can do, counting and constructing, it does exactly.

The page is written by `tools/claims_page.py` from one table in the library, `inception_lib.claims.CLAIMS`.
The book's tests share that table: they fail if a claim links to a chapter section that does not exist, or
if a claim marked "reproduced exactly" or "measured here" has no check that runs and holds. Every number
below is computed: the paper's from `inception_lib.paper`, the book's by the claim's check.

## How to read a verdict

- **{reproduced}**: the book rebuilds what the claim states and gets the paper's number or statement.
- **{measured}**: the book measures the claimed quantity with its own code; the entry says how the result
  differs from the paper's, when it does.
- **{miniature}**: a chapter shows the effect on small data, and the entry names the data; the paper's
  scale is out of reach.
- **{untestable}**: the entry says why, usually the compute an ImageNet training run needs.

## Summary

| verdict | claims |
|---|---:|
{rows}
| all | {total} |
"""


def render() -> str:
    """The whole page, as book/claims.md holds it."""
    counts = verdict_counts()
    rows = "\n".join(f"| {VERDICTS[v]} | {n} |" for v, n in counts.items())
    parts = [INTRO.format(rows=rows, total=sum(counts.values()), **VERDICTS)]
    number = 0
    for section in SECTIONS:
        claims = [c for c in CLAIMS if c.section == section.key]
        if not claims:
            continue
        parts.append(f"\n## {section.title}\n")
        for claim in claims:
            number += 1
            values = values_for(claim)
            text = {
                name: getattr(claim, name).format(**values) for name in ("claim", "paper", "book", "note")
            }
            paper = f"{text['paper']} ({claim.where})" if text["paper"] else claim.where
            parts.append(
                f"\n**{number}. {text['claim']}**\n\n"
                f"- *Paper:* {paper}.\n"
                f"- *Verdict:* **{VERDICTS[claim.verdict]}**. {text['note']}\n"
                f"- *In the book:* {text['book']} See {link(claim)}.\n" + _check_line(claim)
            )
    return "".join(parts)


def main(argv: list[str]) -> int:
    if argv not in ([], ["--check"]):
        print(__doc__, file=sys.stderr)
        return 2
    problems = [p for claim in CLAIMS for p in link_problems(claim) + check_problems(claim)]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    page = render()
    if argv == ["--check"]:
        current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
        if current != page:
            print(
                f"{PAGE.relative_to(ROOT)} is out of date: run python tools/claims_page.py", file=sys.stderr
            )
            return 1
        return 0
    PAGE.write_text(page, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}: {len(CLAIMS)} claims")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
