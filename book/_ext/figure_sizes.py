"""Sphinx extension: figures and printed output readable where they are read.

Figures. The library renders every figure a notebook shows as a 2× PNG whose output metadata gives its CSS
size (inches × 100) and the smallest font it drew (``image/png`` metadata ``width``, ``height``,
``min_font_pt``; see inception_lib/plots/common.py). myst-nb sizes the ``<img>`` from ``width``/``height``;
this extension copies the rest onto the page: each figure image gets ``data-css-width`` (its natural CSS
width) and ``data-min-font-pt``, found by the image file's name, which myst-nb derives from the SHA-256 of the
PNG. tests/test_browser.py reads them to measure the smallest text as the page displays it.

Printed output. A cell's printed output and the library listings a chapter shows (``show_source``) may
have lines longer than the text column. Instead of scrolling sideways, they wrap without losing meaning:
each line of such a block becomes its own box (``span.wl``) that keeps the line's indentation and gives
its wrapped continuation a hanging indent of four characters beyond it (book/_static/book.css). The line
breaks stay text, so copying the block gives the original lines. Notebook code cells do not wrap: they are
kept at 80 characters (tests/test_notebook_lines.py).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

WRAP_CLASS = "wrap-lines"
HANGING_INDENT_CH = 4
IMG_TAG = re.compile(r'<img\b[^>]*\bsrc="[^"]*?/([0-9a-f]{64})\.png"[^>]*>')
WRAP_BLOCK = re.compile(
    r'(<div class="[^"]*\b' + WRAP_CLASS + r'\b[^"]*"><div class="highlight"><pre>)(.*?)(</pre>)', re.DOTALL
)
TAG = re.compile(r"<[^>]+>")


def figure_records(notebook: Path) -> dict[str, dict[str, Any]]:
    """SHA-256 of each PNG output of a notebook -> its recorded CSS width and smallest font (pt)."""
    records: dict[str, dict[str, Any]] = {}
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get("image/png")
            meta = output.get("metadata", {}).get("image/png", {})
            if not data or "min_font_pt" not in meta:
                continue
            png = base64.b64decode("".join(data) if isinstance(data, list) else data)
            records[hashlib.sha256(png).hexdigest()] = {
                "css_width": meta.get("width"),
                "min_font_pt": meta["min_font_pt"],
            }
    return records


def annotate_images(body: str, records: dict[str, dict[str, Any]]) -> str:
    """Add data-css-width and data-min-font-pt to every figure <img> whose PNG has a record."""

    def add(match: re.Match[str]) -> str:
        tag, record = match.group(0), records.get(match.group(1))
        if record is None or "data-min-font-pt" in tag:
            return tag
        attrs = f' data-min-font-pt="{record["min_font_pt"]:g}"'
        if record["css_width"]:
            attrs = f' data-css-width="{record["css_width"]}"' + attrs
        end = -2 if tag.endswith("/>") else -1
        return tag[:end].rstrip() + attrs + tag[end:]

    return IMG_TAG.sub(add, body)


def _indent(line_html: str) -> int:
    text = html.unescape(TAG.sub("", line_html))
    return len(text) - len(text.lstrip(" "))


def wrap_lines(pre_inner: str) -> str | None:
    """Each line of a highlighted <pre>'s content in its own box with a hanging indent; None when a tag
    spans lines (Pygments closes its spans at each line end, so this should not happen)."""
    lines = pre_inner.split("\n")
    out = []
    for line in lines:
        if line.count("<span") != line.count("</span>"):
            return None
        if not TAG.sub("", line):  # an empty line (or the opening empty <span></span> alone)
            out.append(line)
            continue
        out.append(f'<span class="wl" style="--wl-indent:{_indent(line) + HANGING_INDENT_CH}">{line}</span>')
    return "\n".join(out)


def wrap_output_blocks(body: str) -> str:
    def wrap(match: re.Match[str]) -> str:
        wrapped = wrap_lines(match.group(2))
        return match.group(0) if wrapped is None else match.group(1) + wrapped + match.group(3)

    return WRAP_BLOCK.sub(wrap, body)


def mark_output_blocks(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Mark the literal blocks inside notebook cell outputs (printed text, library listings) for wrapping."""
    for container in doctree.findall(nodes.container):
        if container.get("nb_element") != "cell_code_output":
            continue
        for block in container.findall(nodes.literal_block):
            if WRAP_CLASS not in block["classes"]:
                block["classes"].append(WRAP_CLASS)


def rewrite_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    body = context.get("body")
    if not isinstance(body, str) or doctree is None:
        return
    source = Path(app.env.doc2path(pagename))
    if source.suffix == ".ipynb" and source.is_file():
        body = annotate_images(body, figure_records(source))
    context["body"] = wrap_output_blocks(body)


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("doctree-resolved", mark_output_blocks)
    app.connect("html-page-context", rewrite_page)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
