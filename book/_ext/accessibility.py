"""Sphinx extension: small markup fixes so that pages pass an accessibility audit (axe-core).

- Bibliography entries: docutils writes each citation as ``<div role="doc-biblioentry">`` inside a
  ``<div role="list">``. ARIA 1.2 deprecates ``doc-biblioentry``, and a list may only contain list items,
  so screen readers and axe-core ("aria-required-children", critical) reject the list. Each entry becomes a
  ``role="listitem"``; the list itself keeps its role.
- Hidden cell inputs: myst-nb's ``<summary aria-label="Toggle hidden content">`` shows "Show code cell
  source"; a spoken name that differs from the visible one fails voice control ("label-content-name-mismatch",
  serious). Without the aria-label the summary's name is its visible text.

Loaded by book/_ext/page_scripts.py (``app.setup_extension``), so _config.yml needs no entry of its own.
tests/test_browser.py runs axe-core over every page and fails on any serious or critical violation.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

BIBLIOENTRY = 'role="doc-biblioentry"'
TOGGLE_SUMMARY = '<summary aria-label="Toggle hidden content">'


def fix_markup(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    body = context.get("body")
    if isinstance(body, str):
        context["body"] = body.replace(BIBLIOENTRY, 'role="listitem"').replace(TOGGLE_SUMMARY, "<summary>")


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("html-page-context", fix_markup)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
