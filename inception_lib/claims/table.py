"""The claims table: the record of one claim, the table read from ``claims.toml``, and the registry of the
checks that back the claims marked reproduced or measured.

The table is data, not code: ``claims.toml`` beside this file holds the paper's sections in order and,
under each, its claims in the book's words (the file's header explains every field). Each check is a
zero-argument function registered with :func:`register_check` under its own name, which is what a claim's
``check`` field names.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "VERDICTS",
    "NEEDS_CHECK",
    "PaperSection",
    "SECTIONS",
    "Claim",
    "CLAIMS",
    "Finding",
    "CHECKS",
    "register_check",
    "percent",
    "run_check",
    "is_pytest_node",
    "verdict_counts",
]

TABLE_FILE = Path(__file__).with_name("claims.toml")

# Verdict key -> how the page writes it. Keys are what a Claim stores.
VERDICTS: dict[str, str] = {
    "reproduced": "reproduced exactly",
    "measured": "measured here",
    "miniature": "shown in miniature",
    "untestable": "not testable here",
}
NEEDS_CHECK = ("reproduced", "measured")


@dataclass(frozen=True)
class PaperSection:
    """One section of the paper, as the page groups the claims."""

    key: str
    title: str


@dataclass(frozen=True)
class Claim:
    """One claim of the paper and what the book did about it.

    ``target`` is where the book does it: a ``(label)=`` target of a chapter (``"ch02-principles"``) or a
    document (``"chapters/05_recipe"``). ``heading`` names the section of that document (its heading
    text, exactly) where a document alone would be too coarse; empty for a label or a whole document.
    ``book`` is what the book did and ``note`` the verdict's detail (how the measurement differs, on
    what data the miniature runs, why the claim is not testable here). Both may quote the check's values
    and the paper's numbers as ``{name}`` fields (:func:`paper_values`, :attr:`Finding.values`).
    ``check`` is required for the verdicts "reproduced" and "measured": the name of a function in
    :data:`CHECKS` or a pytest node id.
    """

    key: str
    section: str
    where: str  # in the paper: "sec. 3.1", "Table 3", "Figure 8 caption"
    claim: str  # in the book's words
    paper: str  # the paper's number(s), "" if the claim has none
    verdict: str
    target: str
    book: str
    note: str
    heading: str = ""
    check: str = ""


@dataclass(frozen=True)
class Finding:
    """What a check found: whether the claim's verdict holds, and the values the page quotes."""

    holds: bool
    values: Mapping[str, str] = field(default_factory=dict)


def percent(fraction: float) -> str:
    """A fraction as the page quotes it: 0.28 -> "28%"."""
    return f"{100 * fraction:.0f}%"


def load_table(path: Path = TABLE_FILE) -> tuple[tuple[PaperSection, ...], tuple[Claim, ...]]:
    """The paper's sections and the claims under them, in the file's order.

    A note's ``{name}`` for a name under ``[reasons]`` is replaced by that reason's text here, so the
    claims hold their whole sentences; the other ``{name}`` fields are filled in by the page.
    """
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    reasons: dict[str, str] = data.get("reasons", {})
    sections, claims = [], []
    for entry in data["section"]:
        sections.append(PaperSection(entry["key"], entry["title"]))
        for fields in entry.get("claim", []):
            note = fields["note"]
            for name, text in reasons.items():
                note = note.replace(f"{{{name}}}", text)
            claims.append(Claim(**{**fields, "section": entry["key"], "note": note}))
    return tuple(sections), tuple(claims)


SECTIONS, CLAIMS = load_table()

# Check name -> check function; filled by register_check as the check modules are imported.
CHECKS: dict[str, Callable[[], Finding]] = {}


def register_check(fn: Callable[[], Finding]) -> Callable[[], Finding]:
    """Register a zero-argument check under its own name (a decorator); return it unchanged."""
    if fn.__name__ in CHECKS:
        raise ValueError(f"two checks are named {fn.__name__!r}")
    CHECKS[fn.__name__] = fn
    return fn


def is_pytest_node(check: str) -> bool:
    """True when a check names a pytest node ("tests/test_x.py::test_y") rather than a function here."""
    return "::" in check


def run_check(claim: Claim) -> Finding:
    """Run a claim's check function and return what it found (pytest nodes are run by the tests)."""
    if not claim.check:
        raise ValueError(f"claim {claim.key!r} has no check")
    if is_pytest_node(claim.check):
        raise ValueError(f"claim {claim.key!r} names a pytest node; run it with pytest")
    if claim.check not in CHECKS:
        raise KeyError(f"claim {claim.key!r}: no check function {claim.check!r} in inception_lib.claims")
    return CHECKS[claim.check]()


def verdict_counts(claims: tuple[Claim, ...] = CLAIMS) -> dict[str, int]:
    """Verdict key -> number of claims, in ``VERDICTS`` order."""
    counts = Counter(c.verdict for c in claims)
    return {verdict: counts.get(verdict, 0) for verdict in VERDICTS}
