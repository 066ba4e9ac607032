"""Sphinx extension: give figure outputs of notebook cells a real alt text.

myst-nb renders an image output as ``<img>`` whose alt text is the image's file name, which tells a screen
reader nothing. The book's convention is that every figure cell is followed by a markdown caption that
starts with "Figure" ("Figure: the receptive field of ..."). This extension copies that caption, without
its "Figure:" prefix, into the alt text of each image the cell outputs. An alt text set explicitly in the
cell's metadata (``mystnb: image: alt: ...``) is kept.

tests/test_book.py checks both halves: every figure cell is followed by a caption, and every image on a
chapter page has an alt text that is not a file name.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx

CAPTION_START = re.compile(r"^\s*Figure\b[^:.]*[:.]\s*", re.IGNORECASE)


def caption_after(cell: nodes.Element) -> str | None:
    """Return the text of the "Figure ..." paragraph that directly follows a cell, if there is one."""
    parent = cell.parent
    if parent is None:
        return None
    index = parent.index(cell)
    for sibling in parent.children[index + 1 :]:
        if isinstance(sibling, nodes.target):  # labels (`(name)=`) come before a paragraph
            continue
        if isinstance(sibling, nodes.paragraph) and CAPTION_START.match(sibling.astext()):
            return " ".join(sibling.astext().split())
        return None
    return None


def add_alt_text(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Fill in the alt text of images inside notebook code cells from the caption under the cell."""
    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code":
            continue
        images = [img for img in cell.findall(nodes.image) if not img.get("alt")]
        if not images:
            continue
        caption = caption_after(cell)
        if caption is None:
            continue
        text = CAPTION_START.sub("", caption, count=1).strip() or caption
        for img in images:
            img["alt"] = text


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("doctree-resolved", add_alt_text)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
