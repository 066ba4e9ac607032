"""Sphinx extension: no figure output of a notebook cell is left with a file name as its alt text.

myst-nb renders an image output as ``<img>`` whose alt text is the image's file name, which tells a screen
reader nothing. The book's convention is that a figure cell carries its own description in the cell's
metadata, ``"mystnb": {"figure": {"name": ..., "caption": ...}, "image": {"alt": ...}}``; that alt text
wins and this extension leaves it alone. For an image without one, it falls back to the "Figure: ..."
markdown paragraph right under the cell (without its "Figure:" prefix), then to the figure's caption.

The "Figure: ..." paragraph is what Jupyter and Colab readers see under a figure (they do not show cell
metadata). On the rendered page it would repeat the numbered caption, so it becomes that caption: its
text (inline markup kept, "Figure:" dropped) replaces the short metadata caption, and the paragraph goes.

tests/test_book.py checks the convention (every figure cell is named, captioned and described by an alt
text that is a sentence, not the caption's first words) and every image on a page.
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


def figure_caption(image: nodes.image) -> str | None:
    """The caption text of the figure an image sits in (myst-nb's ``mystnb.figure.caption``), if any."""
    parent = image.parent
    if isinstance(parent, nodes.figure):
        for caption in parent.findall(nodes.caption):
            return " ".join(caption.astext().split())
    return None


def _paragraph_after(cell: nodes.Element) -> nodes.paragraph | None:
    parent = cell.parent
    if parent is None:
        return None
    for sibling in parent.children[parent.index(cell) + 1 :]:
        if isinstance(sibling, nodes.target):
            continue
        if isinstance(sibling, nodes.paragraph) and CAPTION_START.match(sibling.astext()):
            return sibling
        return None
    return None


def merge_captions(cell: nodes.Element) -> None:
    """Make the "Figure: ..." paragraph under a numbered figure cell its caption (one caption, not two)."""
    captions = [c for fig in cell.findall(nodes.figure) for c in fig.findall(nodes.caption)]
    paragraph = _paragraph_after(cell)
    if len(captions) != 1 or paragraph is None or not isinstance(paragraph.children[0], nodes.Text):
        return
    first = paragraph.children[0]
    rest = CAPTION_START.sub("", str(first), count=1)
    children = [child.deepcopy() for child in paragraph.children[1:]]
    if rest:
        children.insert(0, nodes.Text(rest[:1].upper() + rest[1:]))
    caption = captions[0]
    caption.children = []
    caption.extend(children)
    paragraph.parent.remove(paragraph)


def add_alt_text(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Fill in the alt text of images inside notebook code cells that have none of their own."""
    for cell in list(doctree.findall(nodes.container)):
        if cell.get("nb_element") != "cell_code":
            continue
        images = [img for img in cell.findall(nodes.image) if not img.get("alt")]
        if not images:
            merge_captions(cell)
            continue
        caption = caption_after(cell)
        below = CAPTION_START.sub("", caption, count=1).strip() or caption if caption else None
        for img in images:
            text = below or figure_caption(img)
            if text:
                img["alt"] = text
        merge_captions(cell)


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("doctree-resolved", add_alt_text)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
