"""The PDF edition (tools/make_pdf.py, `make pdf`): the whole book printed by Chromium from the rendered site.

Checks the PDF itself with pypdf: a contents page that lists every page of the book with the page where it
starts, an outline entry per page of the book pointing there, the chapters in order each on pages of its own
that start with its title, the figures embedded as images, math typeset (MathJax's glyphs are embedded
fonts), figure text readable on paper (measured in print layout, as the web edition's browser test
measures the screen), and a few exact counts the chapters print, recomputed here from the library.
`make test` makes the PDF first; run alone, this makes it when it is missing or older than the built site.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import book_site
import make_pdf
import nbformat
import pytest
from pypdf import PdfReader

from inception_lib import count_params, inception_v3, plots

ROOT = Path(__file__).resolve().parent.parent

PDF = make_pdf.DEFAULT_OUT
MANIFEST = PDF.with_suffix(".json")


def squash(text: str) -> str:
    """Text as extracted from a PDF, compared loosely: ligatures undone, whitespace and hyphens ignored."""
    text = (
        text.replace("\ufb01", "fi").replace("\ufb02", "fl").replace("\ufb00", "ff").replace("\ufb03", "ffi")
    )
    return re.sub(r"[\s\u00ad-]+", "", text).lower()


def notebook_title(docname: str) -> str:
    """The '# Title' that opens a notebook (markdown markup removed)."""
    nb = nbformat.read(ROOT / f"{docname}.ipynb", as_version=4)
    first = nb.cells[0].source.lstrip().splitlines()[0]
    return re.sub(r"[`*_]", "", first.removeprefix("# ")).strip()


@pytest.fixture(scope="module")
def pdf() -> PdfReader:
    if not make_pdf.is_fresh(PDF):
        make_pdf.make_pdf(PDF)
    return PdfReader(str(PDF))


@pytest.fixture(scope="module")
def manifest(pdf: PdfReader) -> list[dict]:
    return json.loads(MANIFEST.read_text())


@pytest.fixture(scope="module")
def page_texts(pdf: PdfReader) -> list[str]:
    return [page.extract_text() or "" for page in pdf.pages]


def pages_of(entry: dict, texts: list[str]) -> str:
    first = entry["first_page"] - 1
    return "\n".join(texts[first : first + entry["n_pages"]])


def test_every_page_of_the_book_in_order(pdf: PdfReader, manifest: list[dict]) -> None:
    assert [e["docname"] for e in manifest] == book_site.toc_docnames()
    expected_first = 2  # after the contents page
    for entry in manifest:
        assert entry["first_page"] == expected_first, entry
        assert entry["n_pages"] >= 1
        expected_first += entry["n_pages"]
    assert len(pdf.pages) == expected_first - 1


def test_contents_page_and_outline(pdf: PdfReader, manifest: list[dict], page_texts: list[str]) -> None:
    contents = page_texts[0]
    assert "Contents" in contents
    for entry in manifest:  # each title followed by its page number (a long title may wrap)
        assert squash(f"{entry['title']} {entry['first_page']}") in squash(contents), (entry, contents)
    outline = [(item.title, pdf.get_destination_page_number(item) + 1) for item in pdf.outline]
    assert outline == [("Contents", 1)] + [(e["title"], e["first_page"]) for e in manifest]


@pytest.mark.parametrize("docname", book_site.chapter_docnames())
def test_chapter_pages_start_with_its_title(
    docname: str, manifest: list[dict], page_texts: list[str]
) -> None:
    entry = next(e for e in manifest if e["docname"] == docname)
    title = notebook_title(docname)
    assert squash(title) in squash(entry["title"]), (title, entry["title"])
    first_page = page_texts[entry["first_page"] - 1]
    assert squash(title) in squash(first_page[: len(title) + 200]), (
        f"{docname}: its first page: {first_page[:300]}"
    )


def test_figures_and_math_are_printed(pdf: PdfReader, manifest: list[dict]) -> None:
    """Each page's images are embedded (image XObjects) and pages with math embed MathJax's glyph fonts
    (Type3 fonts in Chromium's PDFs); make_pdf refuses to print a page whose math is not typeset."""
    for entry in manifest:
        first = entry["first_page"] - 1
        pages = pdf.pages[first : first + entry["n_pages"]]
        n_images = sum(len(page.images) for page in pages)
        type3 = 0
        for page in pages:
            fonts = (page.get("/Resources") or {}).get("/Font") or {}
            type3 += sum(1 for font in fonts.values() if font.get_object().get("/Subtype") == "/Type3")
        if entry["n_images"]:
            assert n_images >= 1, (
                f"{entry['docname']}: {entry['n_images']} images on the page, none in the PDF"
            )
        if entry["n_math"]:
            assert type3 >= 1, f"{entry['docname']}: math on the page, but no MathJax glyphs in the PDF"
    n_figures = sum(e["n_images"] for e in manifest if e["docname"].startswith("chapters/"))
    assert n_figures >= len(book_site.chapter_docnames()), "the chapters print almost no figures"


def test_exact_counts_in_the_text(manifest: list[dict], page_texts: list[str]) -> None:
    """Counts that chapter 4 prints, recomputed from the library: Inception-v3's parameters with its
    auxiliary head, and the auxiliary head's own."""
    model = inception_v3()
    chapter4 = pages_of(next(e for e in manifest if e["docname"] == "chapters/04_network"), page_texts)
    for number in (count_params(model), count_params(model.aux)):
        assert f"{number:,}" in chapter4, f"{number:,} is not in chapter 4's pages of the PDF"


def test_figures_readable_in_print(manifest: list[dict]) -> None:
    """Every figure of a notebook page, as laid out for print (tools/make_pdf.py measures it at the A4
    page's printable width), is the web edition's 2× PNG, and its smallest text is at least 10 CSS px
    (7.5 pt on paper)."""
    problems, n_figures = [], 0
    for entry in manifest:
        for fig in entry.get("figures", []):
            n_figures += 1
            where = f"{entry['docname']} {fig.get('figure') or fig['src']}"
            if fig["minFontPt"] is None or not fig["cssWidth"]:
                problems.append(f"{where}: no recorded CSS size and smallest font")
                continue
            if fig["naturalWidth"] < 1.9 * fig["cssWidth"]:
                problems.append(f"{where}: not 2× ({fig['naturalWidth']} px for {fig['cssWidth']} CSS px)")
            px = plots.text_px_on_page(fig["minFontPt"], fig["cssWidth"], fig["shown"])
            if px < plots.MIN_TEXT_CSS_PX:
                problems.append(f"{where}: smallest text {px:.1f} CSS px ({fig['shown']:.0f} px wide)")
    assert n_figures >= len(book_site.chapter_docnames()), "the PDF's manifest records almost no figures"
    assert not problems, "figures not readable in the PDF:\n" + "\n".join(problems)
