"""Figures readable where they are read: the book's figure contract and how notebooks show figures.

Every figure is at most 6.9 in wide with no text under 8 pt; the library renders it as a 2× PNG whose CSS
size is inches × 100 and records its smallest font (inception_lib.plots.common). In a notebook, every
figure a cell shows is rendered that way, also after `%matplotlib inline` (which resets IPython's figure
formatters). The page-level judgement (smallest text on the rendered page, in CSS px) is checked here as
a pure function; tests/test_browser.py applies it to every figure of the built book.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

from inception_lib import plots  # noqa: E402
from inception_lib.plots import common  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def png_size(data: bytes) -> tuple[int, int]:
    return struct.unpack(">II", data[16:24])


def test_render_figure_is_2x_with_css_size_in_inches_times_100() -> None:
    fig, ax = plots.new_figure(6.0, 3.0)
    ax.plot([0, 1, 2], [1, 3, 2])
    ax.set(title="A title", xlabel="step", ylabel="loss")
    rendered = plots.render_figure(fig)
    plt.close(fig)
    w, h = png_size(rendered.png)
    assert (w, h) == (pytest.approx(2 * rendered.width, abs=1), pytest.approx(2 * rendered.height, abs=1))
    # The tight bounding box trims the figure's margins a little, never more than its padding adds.
    assert 5.5 <= rendered.width_in <= 6.0 + common.WIDTH_SLACK_IN
    assert rendered.min_font_pt == 9.0  # BOOK_STYLE's tick labels
    assert rendered.metadata() == {"width": rendered.width, "height": rendered.height, "min_font_pt": 9.0}


def test_smallest_font_counts_only_drawn_text() -> None:
    fig, ax = plots.new_figure(4.0, 3.0)
    ax.plot([0, 1], [0, 1])
    ax.set_title("Title", fontsize=12)
    ax.text(0.5, 0.5, "hidden", fontsize=5, visible=False)
    ax.text(0.5, 0.5, "   ", fontsize=4)  # blank text draws nothing readable
    ax.annotate("note", (0.2, 0.2), fontsize=8.5)
    ax.legend(["line"], fontsize=8.25)
    assert plots.render_figure(fig).min_font_pt == 8.25
    other, _ = plots.new_figure(2.0, 2.0)
    other.text(0.1, 0.1, "in another figure", fontsize=3)
    assert plots.render_figure(fig).min_font_pt == 8.25  # another figure's text does not count
    empty = plt.figure(figsize=(2, 1))
    assert plots.render_figure(empty).min_font_pt is None
    for f in (fig, other, empty):
        plt.close(f)


def test_figure_problems_names_what_breaks_the_contract() -> None:
    good, ax = plots.new_figure(6.9, 3.0)
    ax.plot([0, 1], [0, 1])
    ax.set(title="Fits the column", xlabel="x (px)", ylabel="y (px)")
    assert plots.figure_problems(good) == []
    wide, ax = plots.new_figure(12.0, 3.0)
    ax.plot([0, 1], [0, 1])
    ax.text(0.5, 0.5, "small", fontsize=6)
    problems = plots.figure_problems(wide)
    assert len(problems) == 2
    assert "in wide as rendered (at most 6.9 in)" in problems[0]
    assert "smallest text is 6 pt (at least 8 pt)" in problems[1]
    for f in (good, wide):
        plt.close(f)


def test_text_px_on_page() -> None:
    """The judgement the browser test applies to every figure on the page."""
    # 8 pt at natural size is 11.1 CSS px; a 6.9-inch figure in a 690 px column keeps it.
    assert plots.text_px_on_page(8.0, 690, 690) == pytest.approx(800 / 72)
    assert plots.text_px_on_page(8.0, 690, 690) >= plots.MIN_TEXT_CSS_PX
    # Chapter 3's old three-strategy figure: 16.75 in wide with 9 pt labels, shrunk into a 690 px column.
    assert plots.text_px_on_page(9.0, 1675, 690) < plots.MIN_TEXT_CSS_PX
    # A figure drawn too wide fails even with 8 pt text: 12 in shrunk to 690 px gives 6.4 px.
    assert plots.text_px_on_page(8.0, 1200, 690) == pytest.approx(6.39, abs=0.01)
    with pytest.raises(ValueError):
        plots.text_px_on_page(8.0, 0, 690)


def run_cells(*sources: str) -> nbformat.NotebookNode:
    """Run code cells in a fresh kernel of this environment (as tools/execute_notebooks.py does)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    resources = {"metadata": {"path": str(ROOT)}}
    NotebookClient(nb, timeout=180, kernel_name="python3", resources=resources).execute()
    return nb


def png_outputs(cell: nbformat.NotebookNode) -> list[dict]:
    return [o for o in cell.outputs if "image/png" in o.get("data", {})]


FIGURE_CELL = """import matplotlib.pyplot as plt
from inception_lib import plots
fig, ax = plots.new_figure(5.0, 2.5)
ax.plot([0, 1], [0, 1])
ax.set(title="T", xlabel="x", ylabel="y")
plt.show()"""


def test_notebook_figures_are_2x_pngs_with_metadata_after_matplotlib_inline() -> None:
    """As the chapters' setup cells do: import the library, then `%matplotlib inline`; a later cell's
    figure is a 2× PNG whose metadata gives its CSS size and smallest font, and so is one shown with
    display(fig) after another `%matplotlib inline`."""
    nb = run_cells(
        "from inception_lib import plots\n%matplotlib inline",
        FIGURE_CELL,
        "%matplotlib inline\nfrom IPython.display import display\n"
        "fig2, ax2 = plots.new_figure(3.0, 2.0)\n_ = ax2.set_title('Again', fontsize=8)\ndisplay(fig2)\n"
        "plt.close(fig2)",
    )
    for cell, font in ((nb.cells[1], 9.0), (nb.cells[2], 8.0)):
        (out,) = png_outputs(cell)
        meta = out["metadata"]["image/png"]
        w, h = png_size(base64.b64decode(out["data"]["image/png"]))
        assert (w, h) == (pytest.approx(2 * meta["width"], abs=1), pytest.approx(2 * meta["height"], abs=1))
        assert meta["min_font_pt"] == font
        assert out["data"]["text/plain"].startswith("<Figure size")  # what nbval compares is unchanged
    assert png_outputs(nb.cells[1])[0]["metadata"]["image/png"]["width"] <= 500 + 10


def test_explorer_views_are_2x_with_recorded_font() -> None:
    from inception_lib.widgets.explorer import figure_html

    fig, ax = plots.new_figure(4.0, 2.0)
    ax.set(title="View", xlabel="x", ylabel="y")
    tag = figure_html(fig, "A view of nothing much, with a title and two axes.")
    assert 'data-min-font-pt="9"' in tag
    width = int(tag.split('width="')[1].split('"')[0])
    data = base64.b64decode(tag.split("base64,")[1].split('"')[0])
    assert png_size(data)[0] == pytest.approx(2 * width, abs=1)
    assert 350 <= width <= 410


def load_extension():
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        import figure_sizes
    finally:
        sys.path.pop(0)
    return figure_sizes


def test_extension_copies_the_record_onto_the_img(tmp_path: Path) -> None:
    ext = load_extension()
    fig, ax = plots.new_figure(3.0, 2.0)
    ax.set(title="T", xlabel="x", ylabel="y")
    data, meta = common.figure_png_formatter(fig)
    plt.close(fig)
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("plt.show()")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": data}, metadata={"image/png": meta})
    ]
    nb.cells = [cell]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    records = ext.figure_records(path)
    digest = hashlib.sha256(base64.b64decode(data)).hexdigest()
    assert records == {digest: {"css_width": meta["width"], "min_font_pt": 9.0}}
    body = f'<p>x</p><img alt="A" src="../_images/{digest}.png" style="width: 10px;" />'
    out = ext.annotate_images(body, records)
    assert f'style="width: 10px;" data-css-width="{meta["width"]}" data-min-font-pt="9"/>' in out
    other = f'<img alt="B" src="../_images/{"0" * 64}.png" />'
    assert ext.annotate_images(other, records) == other  # no record: left alone (the browser test fails it)


def test_extension_wraps_output_lines_with_a_hanging_indent() -> None:
    ext = load_extension()
    pre = '<span></span><span class="k">def</span> f():\n    <span class="k">return</span> 1\n\nend\n'
    wrapped = ext.wrap_lines(pre)
    lines = wrapped.split("\n")
    assert lines[0] == (
        '<span class="wl" style="--wl-indent:4"><span></span><span class="k">def</span> f():</span>'
    )
    assert lines[1].startswith('<span class="wl" style="--wl-indent:8">    <span class="k">')
    assert lines[2] == "" and lines[3].endswith(">end</span>") and lines[4] == ""
    assert ext.wrap_lines('<span class="s">"""open\nclose"""</span>') is None  # a span across lines
    div = '<div class="output stream wrap-lines highlight-myst-ansi notranslate"><div class="highlight">'
    body = f"{div}<pre>{pre}</pre>"
    assert 'class="wl"' in ext.wrap_output_blocks(body)
    code = body.replace("wrap-lines ", "")
    assert ext.wrap_output_blocks(code) == code  # code cells are not wrapped
