"""Sphinx extension: keep each page's list of scripts clean, so the page loads without a console error.

- Drop exact duplicates. Under Sphinx 7.4, sphinx-thebe registers its inline configuration script twice,
  and the second ``const THEBE_JS_URL = ...`` throws "Identifier has already been declared".
- Drop sphinx-thebe's scripts altogether when the book has no live-code (thebe) button: they only exist to
  fetch thebe from a CDN when that button is pressed, and the rendered book is meant to work offline.

It also loads book/_ext/accessibility.py (markup fixes for the accessibility audit), so that _config.yml
lists one extension for both.

tests/test_browser.py opens every page in a browser and fails on any console error or outside request.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def _thebe_enabled(app: Sphinx) -> bool:
    options = app.config.html_theme_options or {}
    return bool((options.get("launch_buttons") or {}).get("thebe")) or bool(
        getattr(app.config, "use_thebe", False)
    )


def _is_thebe(script: Any) -> bool:
    filename = str(getattr(script, "filename", "") or "")
    body = str(getattr(script, "attributes", {}).get("body", ""))
    return "thebe" in filename or "THEBE_JS_URL" in body


def clean_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Remove duplicate scripts, and thebe's scripts when thebe is off, from the page being written."""
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    drop_thebe = not _thebe_enabled(app)
    seen: set[Any] = set()
    kept = []
    for script in scripts:
        if drop_thebe and _is_thebe(script):
            continue
        try:
            key = hash(script)
        except TypeError:
            key = id(script)
        if key in seen:
            continue
        seen.add(key)
        kept.append(script)
    context["script_files"] = kept


def setup(app: Sphinx) -> dict[str, object]:
    app.setup_extension("accessibility")  # book/_ext is on sys.path (local_extensions in _config.yml)
    # A late priority: run after the extensions that add per-page scripts (myst-nb adds the widget ones).
    app.connect("html-page-context", clean_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
