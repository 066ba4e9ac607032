"""Sphinx extension: small markup fixes so that pages pass an accessibility audit (axe-core).

- Bibliography entries: docutils writes each citation as ``<div role="doc-biblioentry">`` inside a
  ``<div role="list">``. ARIA 1.2 deprecates ``doc-biblioentry``, and a list may only contain list items,
  so screen readers and axe-core ("aria-required-children", critical) reject the list. Each entry becomes a
  ``role="listitem"``; the list itself keeps its role.

Loaded by book/_ext/page_scripts.py (``app.setup_extension``), so _config.yml needs no entry of its own.
tests/test_browser.py runs axe-core over every page and fails on any serious or critical violation.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

BIBLIOENTRY = 'role="doc-biblioentry"'


def fix_markup(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    body = context.get("body")
    if isinstance(body, str) and BIBLIOENTRY in body:
        context["body"] = body.replace(BIBLIOENTRY, 'role="listitem"')


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("html-page-context", fix_markup)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
