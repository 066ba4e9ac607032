"""The paper, claim by claim (inception_lib.claims and its claims.toml, tools/claims_page.py, book/claims.md).

The table must be well formed, every link must lead to a section that exists in the chapters as they are
now, every claim marked reproduced or measured must have a check that runs and holds, and the committed
page must be what the generator writes from the table today.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from string import Formatter

import book_site
import claims_page
import pytest

from inception_lib import claims
from inception_lib.claims import CHECKS, CLAIMS, NEEDS_CHECK, SECTIONS, VERDICTS, Claim, PaperSection
from inception_lib.claims.table import load_table

ROOT = Path(__file__).resolve().parent.parent
FUNCTION_CHECKED = [c for c in CLAIMS if c.check and not claims.is_pytest_node(c.check)]
NODE_CHECKED = [c for c in CLAIMS if c.check and claims.is_pytest_node(c.check)]
TEXT_FIELDS = ("claim", "paper", "book", "note")


def fields_of(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def test_the_table_is_well_formed() -> None:
    keys = [c.key for c in CLAIMS]
    assert len(keys) == len(set(keys)), "claim keys must be unique"
    section_keys = [s.key for s in SECTIONS]
    assert len(section_keys) == len(set(section_keys))
    for claim in CLAIMS:
        assert claim.section in section_keys, claim.key
        assert claim.verdict in VERDICTS, claim.key
        for name in ("where", "claim", "book", "note", "target"):
            assert getattr(claim, name).strip(), f"{claim.key}: empty {name}"
    # Grouped by section in the paper's order: the page lists them as the table does.
    order = [section_keys.index(c.section) for c in CLAIMS]
    assert order == sorted(order)


def test_at_least_25_claims_covering_what_the_issue_asks_for() -> None:
    assert len(CLAIMS) >= 25
    assert {c.section for c in CLAIMS} == {s.key for s in SECTIONS}, "a section without claims"
    text = " ".join(f"{c.where} {c.claim}" for c in CLAIMS).lower()
    for topic in (
        "table 1",
        "table 2",
        "table 3",
        "table 4",
        "table 5",
        "auxiliary",
        "label smoothing",
        "144 crops",
        "ensemble",
        "rmsprop",
        "clipping",
        "learning rate",
        "parameters",
    ):
        assert topic in text, topic
    for principle in range(1, 5):
        assert any(c.where == f"sec. 2, principle {principle}" for c in CLAIMS), principle


def test_every_verdict_is_used_and_counted() -> None:
    counts = claims.verdict_counts()
    assert list(counts) == list(VERDICTS)
    assert sum(counts.values()) == len(CLAIMS)
    assert all(n > 0 for n in counts.values()), counts


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.key)
def test_every_link_leads_to_a_section_that_exists(claim: Claim) -> None:
    assert claims_page.link_problems(claim) == []


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.key)
def test_reproduced_and_measured_claims_have_a_check(claim: Claim) -> None:
    assert claims_page.check_problems(claim) == []
    if claim.verdict in NEEDS_CHECK:
        assert claim.check


@pytest.mark.parametrize("claim", FUNCTION_CHECKED, ids=lambda c: c.key)
def test_check_holds_and_gives_every_value_the_text_quotes(claim: Claim) -> None:
    finding = claims.run_check(claim)
    assert finding.holds, f"{claim.key}: {claim.check} does not hold"
    available = set(claims.paper_values()) | set(finding.values)
    for name in TEXT_FIELDS:
        missing = fields_of(getattr(claim, name)) - available
        assert not missing, f"{claim.key}.{name} quotes {missing}: neither the paper nor the check gives it"


@pytest.mark.parametrize("claim", [c for c in CLAIMS if c not in FUNCTION_CHECKED], ids=lambda c: c.key)
def test_claims_without_a_check_function_quote_only_the_papers_numbers(claim: Claim) -> None:
    for name in TEXT_FIELDS:
        assert fields_of(getattr(claim, name)) <= set(claims.paper_values()), f"{claim.key}.{name}"


@pytest.mark.parametrize("claim", NODE_CHECKED, ids=lambda c: c.key)
def test_pytest_node_checks_exist_and_pass(claim: Claim) -> None:
    path = claim.check.split("::")[0]
    assert (ROOT / path).is_file(), f"{claim.key}: no test file {path}"
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", claim.check],
        cwd=ROOT, capture_output=True, text=True, env=env,
    )
    assert result.returncode == 0, f"{claim.check}:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}"
    assert " passed" in result.stdout and "no tests ran" not in result.stdout


def test_every_check_function_is_used_by_a_claim() -> None:
    assert set(CHECKS) == {c.check for c in FUNCTION_CHECKED}


def test_every_check_function_is_where_the_page_says() -> None:
    # The page names each check `inception_lib.claims.<name>()`.
    for name, fn in CHECKS.items():
        assert getattr(claims, name) is fn, name


def test_the_table_file_gives_sections_in_order_and_writes_shared_reasons_out(tmp_path: Path) -> None:
    path = tmp_path / "claims.toml"
    path.write_text(
        '[reasons]\nwhy = "Too big."\n\n'
        '[[section]]\nkey = "7"\ntitle = "Section 7"\n\n'
        '[[section.claim]]\nkey = "k"\nwhere = "sec. 7"\nverdict = "untestable"\ntarget = "t"\n'
        'claim = "c"\npaper = ""\nbook = "b"\nnote = "{why} And {p_lr}."\n\n'
        '[[section]]\nkey = "8"\ntitle = "Section 8"\n',
        encoding="utf-8",
    )
    sections, table = load_table(path)
    assert sections == (PaperSection("7", "Section 7"), PaperSection("8", "Section 8"))
    assert [(c.key, c.section, c.note) for c in table] == [("k", "7", "Too big. And {p_lr}.")]
    assert not any("{imagenet}" in c.note for c in CLAIMS)


# The checkers must be able to fail.


def test_a_missing_label_or_heading_or_chapter_is_reported() -> None:
    claim = next(c for c in CLAIMS if c.heading)
    bad_heading = dataclasses.replace(claim, heading="A heading no chapter has")
    assert "no heading" in " ".join(claims_page.link_problems(bad_heading))
    bad_label = dataclasses.replace(claim, target="no-such-label", heading="")
    assert "no chapter has the target" in " ".join(claims_page.link_problems(bad_label))
    bad_doc = dataclasses.replace(claim, target="chapters/99_missing")
    assert "not a chapter" in " ".join(claims_page.link_problems(bad_doc))


def test_a_reproduced_claim_without_a_working_check_is_reported() -> None:
    claim = next(c for c in CLAIMS if c.verdict == "reproduced")
    assert "needs a check" in " ".join(claims_page.check_problems(dataclasses.replace(claim, check="")))
    unknown = dataclasses.replace(claim, check="check_that_does_not_exist")
    assert "no check function" in " ".join(claims_page.check_problems(unknown))
    with pytest.raises(KeyError):
        claims.run_check(unknown)
    bad_verdict = dataclasses.replace(claim, verdict="true")
    assert "unknown verdict" in " ".join(claims_page.check_problems(bad_verdict))


def test_a_check_that_fails_stops_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    claim = FUNCTION_CHECKED[0]
    monkeypatch.setitem(CHECKS, claim.check, lambda: claims.Finding(False))
    with pytest.raises(AssertionError, match=claim.key):
        claims_page.values_for(claim)


def test_labels_and_headings_are_read_from_the_chapters() -> None:
    labels, headings = claims_page.chapter_anchors()
    assert labels["ch02-principles"] == "chapters/02_modules"
    assert set(headings) == set(book_site.chapter_docnames())
    assert "Label smoothing" in headings["chapters/05_recipe"]


# The page


def test_committed_page_is_what_the_table_generates_now() -> None:
    current = claims_page.PAGE.read_text(encoding="utf-8")
    assert current == claims_page.render(), "book/claims.md is stale: run python tools/claims_page.py"


def test_page_counts_every_verdict_and_numbers_every_claim() -> None:
    page = claims_page.PAGE.read_text(encoding="utf-8")
    for verdict, n in claims.verdict_counts().items():
        assert f"| {VERDICTS[verdict]} | {n} |" in page
    assert f"| all | {len(CLAIMS)} |" in page
    assert f"**{len(CLAIMS)}. " in page and f"**{len(CLAIMS) + 1}. " not in page
    for section in SECTIONS:
        assert f"\n## {section.title}\n" in page


def test_page_is_in_the_back_matter_of_the_table_of_contents() -> None:
    toc = book_site.load_yaml("_toc.yml")
    back = next(part for part in toc["parts"] if part.get("caption") == "Back matter")
    assert back["chapters"][0] == {"file": claims_page.DOCNAME}
    assert claims_page.DOCNAME in book_site.toc_docnames()
