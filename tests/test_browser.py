"""A real browser reads the real book: headless Chromium (Debian's, driven by Playwright) over the built site.

The site in _build/html is served on 127.0.0.1 and every page listed in _toc.yml is opened. Each must load
with no console error, no failed request and no request to any other host (the book works offline: MathJax,
RequireJS and the widget manager are served from the site), every image must have loaded, math must be
typeset by MathJax, every stored widget must be drawn by the widget manager, and a chapter's Colab button
must open that chapter's notebook on GitHub. The search page must find the book's main word. One full-page
screenshot per chapter goes to _build/screenshots/.

`make test` builds the book first; run alone, this builds it when the build is missing or stale.
Needs /usr/bin/chromium (`apt-get install chromium`); Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import book_site  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = ROOT / "_build" / "screenshots"
DOCNAMES = book_site.toc_docnames()
LOAD_TIMEOUT_MS = 60_000
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site silently, remembering every request it could not answer (the browser fetches some
    files, such as the favicon, without telling Playwright)."""

    errors: list[str] = []

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if str(code).isdigit() and int(code) >= 400:
            self.errors.append(f"{self.path} (HTTP {code})")


@pytest.fixture(scope="module")
def site() -> Path:
    return book_site.ensure_built()


@pytest.fixture(scope="module")
def base_url(site: Path):
    QuietHandler.errors.clear()
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, base_url: str):
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context.set_default_timeout(LOAD_TIMEOUT_MS)
        context.outside_requests = []  # type: ignore[attr-defined]
        local = urlsplit(base_url).netloc

        def guard(route) -> None:
            url = route.request.url
            if urlsplit(url).netloc == local:
                route.continue_()
            else:
                context.outside_requests.append(url)  # type: ignore[attr-defined]
                route.abort()

        context.route("**/*", guard)
        yield context
        context.close()


@dataclass
class Visit:
    page: Page
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def visit(context: BrowserContext, url: str) -> Visit:
    """Open a page, recording console errors, page errors and failed requests, and wait for the network."""
    page = context.new_page()
    rec = Visit(page)
    page.on("console", lambda msg: rec.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: rec.console_errors.append(f"uncaught: {exc}"))
    page.on("request", lambda req: rec.requests.append(req.url))
    page.on("requestfailed", lambda req: rec.failed_requests.append(f"{req.url} ({req.failure})"))
    page.on(
        "response",
        lambda resp: (
            rec.failed_requests.append(f"{resp.url} (HTTP {resp.status})") if resp.status >= 400 else None
        ),
    )
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.ok, f"{url}: {response and response.status}"
    return rec


def wait_for_math(page: Page) -> None:
    """Wait until MathJax has typeset the page (its startup promise has resolved)."""
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise.then(() => true)")


def load_images(page: Page) -> list[str]:
    """Load every image (lazy ones too) and return the src of those that failed to load."""
    return page.evaluate(
        """async () => {
            const imgs = Array.from(document.images);
            for (const img of imgs) img.loading = 'eager';
            await Promise.all(imgs.map(img => img.complete ? null : new Promise(done => {
                img.addEventListener('load', done); img.addEventListener('error', done);
            })));
            return imgs.filter(img => !(img.naturalWidth > 0)).map(img => img.getAttribute('src'));
        }"""
    )


def broken_style_urls(page: Page, site: Path, base_url: str) -> list[str]:
    """Files named by url(...) in the page's <style> elements that the site does not have. The widget
    manager injects its CSS that way, with font files the browser may or may not request, so a missing
    file would not always show up as a failed request."""
    urls = page.evaluate(
        """() => {
            const urls = new Set();
            for (const style of document.querySelectorAll('style')) {
                const css = style.textContent.replace(/\\/\\*[\\s\\S]*?\\*\\//g, '');  // drop comments
                for (const m of css.matchAll(/url\\(\\s*['"]?([^'")]+)['"]?\\s*\\)/g)) {
                    if (m[1].startsWith('data:') || m[1].startsWith('#')) continue;
                    urls.add(new URL(m[1], document.baseURI).href);
                }
            }
            return Array.from(urls);
        }"""
    )
    bad = []
    for url in urls:
        if not url.startswith(base_url):
            bad.append(f"{url} (another host)")
        elif not (site / unquote(urlsplit(url).path).lstrip("/")).is_file():
            bad.append(f"{url} (no such file)")
    return bad


def stored_widget_views(page: Page) -> list[str]:
    """Model ids of the widget views stored on the page whose model is in the page's widget state."""
    states = page.eval_on_selector_all(f'script[type="{WIDGET_STATE}"]', "els => els.map(e => e.textContent)")
    models = set()
    for text in states:
        models.update(json.loads(text).get("state", {}))
    views = page.eval_on_selector_all(f'script[type="{WIDGET_VIEW}"]', "els => els.map(e => e.textContent)")
    return [v["model_id"] for v in map(json.loads, views) if v["model_id"] in models]


def expected_colab_url(docname: str) -> str:
    config = book_site.load_yaml("_config.yml")
    repo = config["repository"]
    github = repo["url"].removeprefix("https://github.com/").strip("/")
    path = "/".join(p for p in (repo.get("path_to_book", "").strip("/"), f"{docname}.ipynb") if p)
    return f"https://colab.research.google.com/github/{github}/blob/{repo['branch']}/{path}"


@pytest.mark.parametrize("docname", DOCNAMES)
def test_page_renders_offline(browser: BrowserContext, site: Path, base_url: str, docname: str) -> None:
    QuietHandler.errors.clear()
    rec = visit(browser, f"{base_url}{docname}.html")
    page = rec.page
    try:
        # Math: every math element holds MathJax's output, and none is an error.
        n_math = page.locator("article .math").count()
        if n_math:
            wait_for_math(page)
            untypeset = page.eval_on_selector_all(
                "article .math", "els => els.filter(e => !e.querySelector('mjx-container')).length"
            )
            assert untypeset == 0, f"{untypeset} of {n_math} math elements not typeset"
            assert page.locator("article mjx-merror").count() == 0, "MathJax reported a TeX error"

        # Widgets: the manager draws one widget area per stored view.
        views = stored_widget_views(page)
        if views:
            page.wait_for_function(
                "n => document.querySelectorAll('.widget-subarea .jupyter-widgets').length >= n",
                arg=len(views),
            )
            drawn = page.locator(".widget-subarea > .jupyter-widgets")
            assert drawn.count() >= len(views)
            for i in range(drawn.count()):
                widget = drawn.nth(i)
                assert widget.is_visible(), f"widget {i} is not visible"
                classes = widget.get_attribute("class") or ""
                assert re.search(r"\bwidget-", classes), f"widget {i} has no widget-* class: {classes!r}"

        broken = load_images(page)
        assert not broken, f"images that did not load: {broken}"
        broken = broken_style_urls(page, site, base_url)
        assert not broken, f"files named in the page's styles that do not load: {broken}"

        if (book_site.ROOT / f"{docname}.ipynb").exists():
            colab = page.locator('a[href^="https://colab.research.google.com/"]')
            assert colab.count() >= 1, "no Colab launch button"
            assert colab.first.get_attribute("href") == expected_colab_url(docname)
            if docname.startswith("chapters/"):
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / f"{Path(docname).name}.png"), full_page=True)

        page.wait_for_load_state("networkidle")
        assert not rec.console_errors, f"console errors: {rec.console_errors}"
        assert not rec.failed_requests, f"failed requests: {rec.failed_requests}"
        outside = [
            u for u in rec.requests if not u.startswith(base_url) and not u.startswith(("data:", "blob:"))
        ]
        assert not outside, f"requests to other hosts: {outside}"
    finally:
        page.close()
    assert not QuietHandler.errors, f"the server could not answer: {QuietHandler.errors}"


def test_search_finds_results(browser: BrowserContext, base_url: str) -> None:
    QuietHandler.errors.clear()
    rec = visit(browser, f"{base_url}search.html?q=factorization")
    page = rec.page
    try:
        results = page.locator("#search-results ul.search li")
        results.first.wait_for(state="attached")
        assert results.count() >= 1
        links = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(a => a.href)")
        assert any("/chapters/" in link for link in links), f"no chapter among the results: {links}"
        assert not rec.console_errors, f"console errors: {rec.console_errors}"
        assert not rec.failed_requests, f"failed requests: {rec.failed_requests}"
    finally:
        page.close()
    assert not QuietHandler.errors, f"the server could not answer: {QuietHandler.errors}"
