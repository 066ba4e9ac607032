"""The book's configuration, its sources, and the built site (read as HTML, no browser).

Covers: the Jupyter Book settings the project relies on, the bibliography and the glossary, offline assets
(no script or stylesheet from a CDN), and accessibility basics: headings in order with one H1 per page,
every figure numbered, captioned and described by a real alt text and carrying its recorded size and
smallest font, setup cells hidden. Every notebook page counts: the chapters and the workbooks under
chapters/. `make test` builds the book first; run alone, the built-site tests build it when the build is
missing or stale.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import book_site
import nbformat
import pytest
from bs4 import BeautifulSoup
from pybtex.database import parse_file

ROOT = Path(__file__).resolve().parent.parent

CHAPTERS = [
    "chapters/01_factorizing",
    "chapters/02_modules",
    "chapters/03_grid_reduction",
    "chapters/04_network",
    "chapters/05_recipe",
    "chapters/06_training",
]
REQUIRED_BIB_KEYS = {
    "szegedy2015going": ("Going Deeper with Convolutions", "2015"),
    "ioffe2015batch": ("Batch Normalization", "2015"),
    "simonyan2015very": ("Very Deep Convolutional Networks", "2015"),
    "szegedy2016rethinking": ("Rethinking the Inception Architecture", "2016"),
    "szegedy2017inception": ("Inception-v4", "2017"),
    "muller2019label": ("When Does Label Smoothing Help", "2019"),
    "tieleman2012rmsprop": ("RMSProp", "2012"),
    "he2016deep": ("Deep Residual Learning", "2016"),
    "luo2016erf": ("Understanding the Effective Receptive Field", "2016"),
    # The released code the book treats as ground truth.
    "torchvision_inception": ("torchvision.models.inception", "2016"),
    "tfslim_inception_v3": ("TF-Slim image classification models", "2016"),
    "tf_inception_2016": ("Inception in TensorFlow", "2016"),
}
# The glossary (book/glossary.md) defines at least these terms.
GLOSSARY_TERMS = [
    "MAC",
    "FLOP",
    "Receptive field",
    "Effective receptive field",
    "Bottleneck",
    "Rank",
    "Factorization",
    "Grid reduction",
    "Auxiliary classifier",
    "Label smoothing",
    "ECE",
    "BatchNorm",
    "EMA of weights",
    "Top-1 and top-5 accuracy",
    "MFU",
]
DOCNAMES = book_site.toc_docnames()
NOTEBOOKS = book_site.chapter_notebooks()
FIGURE_MIME = ("image/png", "image/svg+xml", "image/jpeg", "image/gif")
EXTERNAL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
IMAGE_FILE = re.compile(r"\.(png|svg|jpe?g|gif|webp)$", re.IGNORECASE)
CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
FIGURE_NAME = re.compile(r"^fig-[a-z0-9]+(-[a-z0-9]+)*$")
MIN_ALT_WORDS = 6


def ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


# ---------------------------------------------------------------------------------------------------------
# Configuration and sources


def test_config() -> None:
    config = book_site.load_yaml("_config.yml")
    assert config["execute"]["execute_notebooks"] == "off"  # the string, not YAML's false
    assert (ROOT / "_config.yml").read_text().count('execute_notebooks: "off"') == 1
    assert config["only_build_toc_files"] is True
    for pattern in (".venv/**", "tests/**", "_build/**", "benchmarks/**", "tools/**", "node_modules/**"):
        assert pattern in config["exclude_patterns"], pattern
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    repo = config["repository"]
    # A GitHub repository (the Colab buttons need one); a fork sets its own with tools/set_repository.py.
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", repo["url"]), repo["url"]
    assert repo["branch"]
    assert repo["path_to_book"] == ""
    assert config["bibtex_bibfiles"] == ["book/references.bib"]
    sphinx = config["sphinx"]
    assert sphinx["recursive_update"] is True
    assert "sphinx-mathjax-offline" in sphinx["extra_extensions"]
    widget_js = list(sphinx["config"]["nb_ipywidgets_js"])
    assert not [js for js in widget_js if EXTERNAL.match(js)], widget_js
    assert sphinx["config"]["html_static_path"] == ["book/_static"]
    assert (ROOT / "book" / "_static" / "widgets_setup.js").is_file()


def test_repository_url_is_only_in_config() -> None:
    """The repository's address is configured once, in _config.yml; the setup cells repeat it as their
    install source (tests/test_setup_cells.py checks that they agree)."""
    url = book_site.load_yaml("_config.yml")["repository"]["url"]
    files = [ROOT / "_toc.yml", ROOT / "Makefile", ROOT / "README.md", ROOT / ".ci" / "run"]
    files += sorted((ROOT / "tools").glob("*.py")) + sorted((ROOT / "book").glob("*.md"))
    repeats = [p.relative_to(ROOT).as_posix() for p in files if p.is_file() and url in p.read_text()]
    assert not repeats, f"these files repeat the repository URL instead of reading _config.yml: {repeats}"


def test_toc() -> None:
    toc = book_site.load_yaml("_toc.yml")
    assert toc["format"] == "jb-book"
    assert toc["root"] == "book/intro"
    parts = toc["parts"]
    assert parts[0]["caption"] == "Chapters"
    assert [c["file"] for c in parts[0]["chapters"]] == CHAPTERS == book_site.chapter_docnames()
    assert DOCNAMES[0] == "book/intro" and DOCNAMES[-1] == "book/references"
    assert DOCNAMES[1 : 1 + len(CHAPTERS)] == CHAPTERS
    back = [entry["file"] for entry in parts[-1]["chapters"]]
    assert parts[-1]["caption"] == "Back matter" and back[-1] == "book/references", back
    assert "book/glossary" in back and all(name.startswith("book/") for name in back), back
    # Between the chapters and the back matter only the workbooks (notebooks in chapters/ subfolders).
    others = DOCNAMES[1 + len(CHAPTERS) : -len(back)]
    assert all(re.match(r"^chapters/[^/]+/[^/]+$", name) for name in others), others
    for name in DOCNAMES:
        book_site.source_of(name)  # raises when the page's source is missing
    on_disk = {
        p.relative_to(ROOT).with_suffix("").as_posix()
        for p in (ROOT / "chapters").rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts
    }
    assert on_disk <= set(DOCNAMES), f"notebooks without a page: {sorted(on_disk - set(DOCNAMES))}"


def test_bibliography_has_the_cited_works() -> None:
    entries = parse_file(str(ROOT / "book" / "references.bib")).entries
    for key, (title, year) in REQUIRED_BIB_KEYS.items():
        assert key in entries, key
        fields = entries[key].fields
        assert title.lower() in fields["title"].replace("{", "").replace("}", "").lower(), key
        assert fields["year"] == year, key
    assert "1512.00567" in entries["szegedy2016rethinking"].fields["eprint"]
    assert ":all:" in (ROOT / "book" / "references.md").read_text()


def test_glossary_defines_the_terms() -> None:
    """book/glossary.md is one {glossary} block whose terms include the ones the chapters lean on, each
    with a definition that points to a chapter."""
    text = (ROOT / "book" / "glossary.md").read_text()
    block = re.search(r"```\{glossary\}\n(.*?)\n```", text, re.DOTALL)
    assert block, "book/glossary.md has no {glossary} block"
    entries: dict[str, str] = {}
    terms: list[str] = []
    in_definition = False
    for line in block.group(1).splitlines():
        if line and not line.startswith(" "):  # a term line; several in a row name one entry
            terms = [line.strip()] if in_definition else [*terms, line.strip()]
            in_definition = False
        elif line.strip():
            in_definition = True
            for term in terms:
                entries[term] = entries.get(term, "") + " " + line.strip()
    missing = [term for term in GLOSSARY_TERMS if term not in entries]
    assert not missing, f"terms the glossary does not define: {missing}"
    unlinked = [term for term, body in entries.items() if "{doc}`/chapters/" not in body]
    assert not unlinked, f"glossary entries that point to no chapter: {unlinked}"


def cited_keys(text: str) -> set[str]:
    return {key.strip() for match in CITE_ROLE.findall(text) for key in match.split(",")}


def test_every_citation_is_in_the_bibliography() -> None:
    entries = parse_file(str(ROOT / "book" / "references.bib")).entries
    missing = {}
    for name in DOCNAMES:
        path = book_site.source_of(name)
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        else:
            text = path.read_text()
        unknown = cited_keys(text) - set(entries)
        if unknown:
            missing[name] = sorted(unknown)
    assert not missing, f"cited but not in book/references.bib: {missing}"


def markdown_headings(text: str) -> list[tuple[int, str]]:
    """ATX headings of a markdown text, skipping fenced code blocks."""
    out, fence = [], None
    for line in text.splitlines():
        stripped = line.lstrip()
        marker = re.match(r"(`{3,}|~{3,})", stripped)
        if marker:
            if fence is None:
                fence = marker.group(1)[0]
            elif stripped.startswith(fence * 3):
                fence = None
            continue
        if fence is None:
            m = re.match(r"^(#{1,6})\s+(\S.*)$", line)
            if m:
                out.append((len(m.group(1)), m.group(2).strip()))
    return out


def check_heading_order(headings: list[tuple[int, str]], where: str) -> None:
    assert headings, f"{where}: no heading"
    assert headings[0][0] == 1, f"{where}: the first heading is not an H1: {headings[0]}"
    assert [h for h in headings if h[0] == 1] == [headings[0]], f"{where}: more than one H1"
    for (prev, _), (level, title) in zip(headings, headings[1:], strict=False):
        assert level <= prev + 1, f"{where}: heading {title!r} skips from H{prev} to H{level}"


@pytest.mark.parametrize("name", DOCNAMES)
def test_source_headings_in_order(name: str) -> None:
    path = book_site.source_of(name)
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        assert nb.cells[0].cell_type == "markdown", f"{name}: the first cell is not markdown"
        assert nb.cells[0].source.lstrip().startswith("# "), (
            f"{name}: the first cell does not open with '# Title'"
        )
        text = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    else:
        text = path.read_text()
    check_heading_order(markdown_headings(text), name)


def figure_cells(nb: nbformat.NotebookNode) -> list[int]:
    """Indexes of code cells that output a figure (an image), not counting glue-only records."""
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") in ("display_data", "execute_result") and any(
                mime in output.get("data", {}) for mime in FIGURE_MIME
            ):
                out.append(i)
                break
    return out


def words(text: str) -> list[str]:
    return re.findall(r"[\w×%.,'-]+", text.lower())


def alt_text_problem(alt: str, caption: str = "", src: str = "") -> str | None:
    """Why an alt text does not describe its figure, or None when it does. A description is a sentence of
    its own (at least ``MIN_ALT_WORDS`` words), not a file name, not the caption or its first words."""
    alt = " ".join(alt.split())
    if not alt:
        return "no alt text"
    if IMAGE_FILE.search(alt) or (src and alt.rsplit("/", 1)[-1] == src.rsplit("/", 1)[-1]):
        return "the alt text is a file name"
    alt_words = words(alt)
    if len(alt_words) < MIN_ALT_WORDS:
        return f"the alt text has {len(alt_words)} words; say what the figure shows in a sentence"
    cap_words = words(re.sub(r"^\s*(Fig\.|Figure)\s*[\d.]*\s*:?", "", caption))
    if cap_words and alt_words == cap_words[: len(alt_words)]:
        return "the alt text only repeats the caption (or its first words); describe what the figure shows"
    return None


def test_alt_text_rule() -> None:
    caption = "Receptive field of stacked 3×3 convolutions as depth grows."
    assert alt_text_problem("fig.png") == "the alt text is a file name"
    assert alt_text_problem("") == "no alt text"
    assert "words" in alt_text_problem("Receptive field plot")
    assert "repeats the caption" in alt_text_problem("Receptive field of stacked 3×3 convolutions", caption)
    assert "repeats the caption" in alt_text_problem(caption, "Fig. 1.2 " + caption)
    assert (
        alt_text_problem(
            "A line chart: the receptive field grows by 2 pixels per 3×3 layer, from 3 to 11 at depth 5.",
            caption,
        )
        is None
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_every_figure_is_named_captioned_and_described(path: Path) -> None:
    """Each figure cell follows the book's convention (tests/README.md): cell metadata
    ``"mystnb": {"figure": {"name": "fig-...", "caption": ...}, "image": {"alt": ...}}``, so the book numbers
    the figure, prose refers to it with {numref}, and a screen reader hears a description of it."""
    nb = nbformat.read(path, as_version=4)
    bad = []
    for i in figure_cells(nb):
        meta = nb.cells[i].metadata.get("mystnb", {})
        figure, image = meta.get("figure", {}), meta.get("image", {})
        first_line = nb.cells[i].source.splitlines()[0][:60] if nb.cells[i].source else ""
        if not FIGURE_NAME.match(figure.get("name", "")):
            bad.append(f"cell {i} ({first_line}): mystnb.figure.name {figure.get('name')!r} is not fig-...")
        if not str(figure.get("caption", "")).strip():
            bad.append(f"cell {i} ({first_line}): no mystnb.figure.caption")
        problem = alt_text_problem(str(image.get("alt", "")), str(figure.get("caption", "")))
        if problem:
            bad.append(f"cell {i} ({first_line}): mystnb.image.alt: {problem}")
    assert not bad, f"{path.name}:\n" + "\n".join(bad)


def test_figure_names_are_unique() -> None:
    seen: dict[str, str] = {}
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            name = cell.metadata.get("mystnb", {}).get("figure", {}).get("name")
            if name:
                assert name not in seen, f"{name} is used in {seen[name]} and {path.name}"
                seen[name] = path.name


# ---------------------------------------------------------------------------------------------------------
# The built site


@pytest.fixture(scope="module")
def site() -> Path:
    return book_site.ensure_built()


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def article(page: BeautifulSoup):
    found = page.find("article", class_="bd-article") or page.find("article")
    assert found is not None, "no <article> in the page"
    return found


def test_every_page_is_built(site: Path) -> None:
    for name in DOCNAMES:
        assert (site / f"{name}.html").is_file(), name
    assert (site / "index.html").is_file()
    assert (site / "search.html").is_file()


def test_no_asset_from_another_host(site: Path) -> None:
    """Scripts, stylesheets, images and frames come from the site itself (plain <a> links may leave it)."""
    offenders = []
    for path in html_pages(site):
        for tag in soup(path).find_all(
            ["script", "link", "img", "iframe", "source", "video", "audio", "embed"]
        ):
            if tag.name == "link" and "canonical" in (tag.get("rel") or []):
                continue  # names the page's public address; the browser does not fetch it
            for attr in ("src", "href", "data-src", "srcset"):
                value = tag.get(attr)
                if value and EXTERNAL.match(value):
                    offenders.append(f"{path.relative_to(site)}: <{tag.name} {attr}={value!r}>")
    assert not offenders, "\n".join(offenders)


def test_no_cdn_url_in_inline_scripts(site: Path) -> None:
    """No inline script names a CDN it might load later (thebe's is removed by book/_ext/page_scripts.py)."""
    cdn = re.compile(r"https?://(unpkg\.com|cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com)[^\s\"']*")
    offenders = []
    for path in html_pages(site):
        for tag in soup(path).find_all("script"):
            if tag.get("src") is None and cdn.search(tag.get_text()):
                offenders.append(f"{path.relative_to(site)}: {cdn.search(tag.get_text()).group(0)}")
    assert not offenders, "\n".join(offenders)


def local_target(site: Path, page: Path, ref: str) -> Path:
    return (page.parent / ref.split("?")[0].split("#")[0]).resolve()


def test_math_and_widget_scripts_are_served_locally(site: Path) -> None:
    pages_with_math = pages_with_widgets = 0
    for path in html_pages(site):
        page = soup(path)
        sources = [s.get("src") for s in page.find_all("script") if s.get("src")]
        for src in sources:
            assert local_target(site, path, src).is_file(), f"{path.relative_to(site)}: {src} is missing"
        if page.select("article .math"):
            pages_with_math += 1
            assert any(s.split("?")[0].endswith("_static/mathjax/tex-chtml.js") for s in sources), path
        if page.find("script", type="application/vnd.jupyter.widget-state+json"):
            pages_with_widgets += 1
            names = [s.split("?")[0].rsplit("/", 1)[-1] for s in sources]
            assert "require.js" in names and "embed-amd.js" in names, f"{path.relative_to(site)}: {names}"
            assert names.index("require.js") < names.index("widgets_setup.js") < names.index("embed-amd.js")
    assert pages_with_math >= 1, "no page has math: MathJax is untested"
    widget_notebooks = [p for p in NOTEBOOKS if nbformat.read(p, as_version=4).metadata.get("widgets")]
    assert pages_with_widgets >= len(widget_notebooks)


def test_vendor_files_in_site(site: Path) -> None:
    static = site / "_static"
    for rel in (
        "mathjax/tex-chtml.js",
        "vendor/requirejs/require.js",
        "vendor/html-manager/embed-amd.js",
        "widgets_setup.js",
    ):
        assert (static / rel).is_file(), rel
    assert list((static / "vendor" / "html-manager").glob("*.woff2")), "Font Awesome files for the widgets"
    assert (static / "book.css").is_file()
    links = [link.get("href", "") for link in soup(site / "book" / "intro.html").find_all("link")]
    assert any(href.split("?")[0].endswith("_static/book.css") for href in links), links


@pytest.mark.parametrize("name", DOCNAMES)
def test_page_headings_in_order(site: Path, name: str) -> None:
    body = article(soup(site / f"{name}.html"))
    headings = [(int(h.name[1]), h.get_text(" ", strip=True)) for h in body.find_all(re.compile(r"^h[1-6]$"))]
    check_heading_order(headings, name)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_figures_have_alt_text(site: Path, path: Path) -> None:
    """Every image on a notebook's page has an alt text that describes it: not a file name, not its
    caption's first words; every figure output is numbered (a <figure> with a caption)."""
    name = path.relative_to(ROOT).with_suffix("").as_posix()
    body = article(soup(site / f"{name}.html"))
    bad = []
    for img in body.find_all("img"):
        figure = img.find_parent("figure")
        caption = (
            figure.find("figcaption").get_text(" ", strip=True)
            if figure and figure.find("figcaption")
            else ""
        )
        problem = alt_text_problem(img.get("alt") or "", caption, img.get("src") or "")
        if problem:
            bad.append(f"{img.get('src')}: {problem} (alt={img.get('alt')!r})")
    assert not bad, f"{name}: images without a real alt text:\n" + "\n".join(bad)
    n_figures = len(figure_cells(nbformat.read(path, as_version=4)))
    assert len(body.select(".cell_output img")) >= n_figures
    numbered = body.select(".cell_output figure figcaption .caption-number")
    assert len(numbered) >= n_figures, (
        f"{name}: {len(numbered)} numbered figures for {n_figures} figure cells"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_figures_carry_their_size_and_smallest_font(site: Path, path: Path) -> None:
    """Every figure output on a notebook's page was rendered by the library (a 2× PNG with its CSS size and
    smallest font in the output metadata): the <img> is sized in CSS px and carries data-css-width and
    data-min-font-pt (book/_ext/figure_sizes.py), which tests/test_browser.py measures on the page."""
    name = path.relative_to(ROOT).with_suffix("").as_posix()
    body = article(soup(site / f"{name}.html"))
    bad = []
    for img in body.select(".cell_output img"):
        if img.find_parent(class_="widget-subarea"):
            continue
        sized = re.search(r"width:\s*\d+px", img.get("style") or "")
        if not (img.get("data-css-width") and img.get("data-min-font-pt") and sized):
            bad.append(f"{img.get('alt', '')[:60]!r} ({img.get('src')})")
    assert not bad, (
        f"{name}: figures without a recorded size and smallest font (re-execute the notebook with the "
        "current library):\n" + "\n".join(bad)
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_setup_cell_hidden_on_page(site: Path, path: Path) -> None:
    name = path.relative_to(ROOT).with_suffix("").as_posix()
    cells = article(soup(site / f"{name}.html")).select("div.cell")
    assert cells, f"{name}: no code cell on the page"
    classes = cells[0].get("class") or []
    assert "tag_hide-input" in classes, f"{name}: the first code cell is not hidden: {classes}"


def test_bibliography_page_lists_entries(site: Path) -> None:
    body = article(soup(site / "book" / "references.html"))
    text = body.get_text(" ", strip=True)
    for title, _ in REQUIRED_BIB_KEYS.values():
        assert title.lower() in text.lower(), title


def test_search_index_has_the_chapters(site: Path) -> None:
    raw = (site / "searchindex.js").read_text()
    index = json.loads(raw[raw.index("(") + 1 : raw.rindex(")")])
    assert set(CHAPTERS) <= set(index["docnames"])


# ---------------------------------------------------------------------------------------------------------
# The checks `make test` runs on the sources besides pytest: they must be able to fail.


def test_spellcheck_names_the_notebook_cell(tmp_path: Path) -> None:
    import spellcheck

    misspelled = "rec" + "ieved"  # assembled, so that this file itself stays clean
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_markdown_cell(f"One.\nIt was {misspelled}."),
    ]
    path = tmp_path / "planted.ipynb"
    nbformat.write(nb, path)
    status, report = spellcheck.check([path])
    assert status != 0
    assert f"planted.ipynb cell 1, line 2: {misspelled} ==> received" in report
    status, report = spellcheck.check([ROOT / "README.md", ROOT / "tests" / "README.md"])
    assert status == 0, report


def test_workflow_check_catches_mistakes(tmp_path: Path) -> None:
    import check_workflows

    assert check_workflows.workflow_files(), "no workflow under .github/workflows"
    assert check_workflows.lint(check_workflows.workflow_files()) == []
    broken = tmp_path / "broken.yml"
    text = (ROOT / ".github" / "workflows" / "book.yml").read_text()
    typo, missing_job = "py" + "ton", "test" + "s"  # assembled, so that the spell check passes this file
    broken.write_text(
        text.replace("matrix.python }}", f"matrix.{typo} }}}}", 1).replace(
            "needs: test", f"needs: {missing_job}"
        )
    )
    findings = "\n".join(check_workflows.lint([broken]))
    assert f'property "{typo}" is not defined' in findings
    assert f'needs job "{missing_job}" which does not exist' in findings


def test_workflow_runs_the_readme_test_command_and_publishes_pages() -> None:
    workflow = book_site.load_yaml(".github/workflows/book.yml")
    triggers = workflow.get("on") or workflow.get(True)  # YAML 1.1 reads a bare `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    test = workflow["jobs"]["test"]
    assert test["runs-on"] == "ubuntu-latest"
    assert test["strategy"]["matrix"]["python"] == ["3.11", "3.13"]
    runs = [step.get("run", "") for step in test["steps"]]
    assert ".ci/run" in runs  # installs chromium and npm, then `make test`
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    uses = [step.get("uses", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    deploy = workflow["jobs"]["deploy"]
    assert "refs/heads/main" in deploy["if"] and deploy["permissions"] == {
        "pages": "write",
        "id-token": "write",
    }
