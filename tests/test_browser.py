"""A real browser reads the real book: headless Chromium (Debian's, driven by Playwright) over the built site.

The site in _build/html is served on 127.0.0.1 and every page listed in _toc.yml is opened. Each must load
with no console error, no failed request and no request to any other host (the book works offline: MathJax,
RequireJS and the widget manager are served from the site), every image must have loaded, math must be
typeset by MathJax, every stored widget must be drawn by the widget manager, and a chapter's Colab button
must open that chapter's notebook on GitHub. The search page must find the book's main word. One full-page
screenshot per notebook page goes to _build/screenshots/, in light and in dark mode.

Readers' checks on top: every control of every explorer is moved (the slider's arrow keys, as a keyboard
user would) and the view it shows must change, with no console error; axe-core (fetched from npm by
`tools/vendor_assets.py test-js`, injected by this test only) audits every page in light and dark mode and
no serious or critical violation may remain; in dark mode every figure image must sit on an opaque light
background (book/_static/book.css), so black text on a transparent figure never meets a dark page.

Readable where it is read (issue 17): in a 1,280 px window, every figure's smallest text, scaled from its
natural CSS size to the width the page shows it at, is at least 10 CSS px, and every figure is a 2× PNG whose
size and smallest font were recorded when the library rendered it (inception_lib.plots.common,
book/_ext/figure_sizes.py); a planted figure drawn too wide fails. No code, output or listing block may
scroll sideways.

`make test` builds the book first; run alone, this builds it when the build is missing or stale.
Needs /usr/bin/chromium (`apt-get install chromium`); Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import book_site
import matplotlib.pyplot as plt
import pytest
import vendor_assets
from playwright.sync_api import BrowserContext, Page, sync_playwright

from inception_lib import plots

ROOT = Path(__file__).resolve().parent.parent

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
NOTEBOOK_DOCS = book_site.notebook_docnames()
# Chapters with at least one explorer that responds on the static page (issue 12).
EXPLORER_CHAPTERS = [
    "chapters/01_factorizing",
    "chapters/02_modules",
    "chapters/03_grid_reduction",
    "chapters/05_recipe",
]
AXE = vendor_assets.TEST_JS_DEST / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
# Violations of the theme (pydata-sphinx-theme 0.17) that neither CSS nor configuration can fix, exempt for
# the named elements only: the search button is labelled "Search" while it shows "Search... Ctrl+K", and the
# colour-mode button is labelled "Color mode" while its icons' titles say "Light"/"Dark"/"System Settings".
AXE_EXEMPT = {"label-content-name-mismatch": [".search-button__button", ".theme-switch-button"]}
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


def open_context(playwright, profile: Path, base_url: str, color_scheme: str) -> BrowserContext:
    """A Chromium profile of its own whose reader prefers ``color_scheme``; requests to any other host than
    the local site are aborted and remembered."""
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, color_scheme=color_scheme
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
    return context


@pytest.fixture(scope="module")
def playwright_session():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright_session, tmp_path_factory: pytest.TempPathFactory, base_url: str):
    context = open_context(playwright_session, tmp_path_factory.mktemp("chromium-profile"), base_url, "light")
    yield context
    context.close()


@pytest.fixture(scope="module")
def dark_browser(playwright_session, tmp_path_factory: pytest.TempPathFactory, base_url: str):
    """A second browser whose reader prefers dark mode (the theme follows it: default_mode auto)."""
    profile = tmp_path_factory.mktemp("chromium-profile-dark")
    context = open_context(playwright_session, profile, base_url, "dark")
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


def wait_for_widgets(page: Page) -> list[str]:
    """Wait until the widget manager has drawn every stored widget view; return their model ids."""
    views = stored_widget_views(page)
    if views:
        page.wait_for_function(
            "n => document.querySelectorAll('.widget-subarea .jupyter-widgets').length >= n",
            arg=len(views),
        )
    return views


def screenshot_name(docname: str) -> str:
    """chapters/02_modules -> 02_modules; chapters/exercises/ex02 -> exercises-ex02."""
    return docname.removeprefix("chapters/").replace("/", "-")


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
        views = wait_for_widgets(page)
        if views:
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
                page.screenshot(path=str(SCREENSHOTS / f"{screenshot_name(docname)}.png"), full_page=True)

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


# ---------------------------------------------------------------------------------------------------------
# Explorers: moving a control on the static page changes what it shows.

# What a widget area shows besides its controls: the visible HTML views, outputs and images.
SHOWN_JS = """area => {
    const controls = '.widget-slider, .widget-dropdown, .widget-toggle-buttons, .widget-radio';
    const parts = [];
    for (const el of area.querySelectorAll('.widget-html-content, .widget-output, img')) {
        if (el.closest(controls) || el.getClientRects().length === 0) continue;
        if (el.tagName === 'IMG' && el.closest('.widget-html-content')) continue;  // inside a view already
        parts.push(el.tagName === 'IMG' ? el.src : el.innerHTML);
    }
    return parts.join('\\n');
}"""


def widget_controls(page: Page) -> list[tuple[int, int]]:
    """(widget area, slider) index pairs of every slider handle drawn on the page."""
    counts = page.eval_on_selector_all(
        ".widget-subarea",
        "areas => areas.map(a => a.querySelectorAll('.widget-slider [role=slider]').length)",
    )
    return [(area, k) for area, n in enumerate(counts) for k in range(n)]


def pages_with_sliders() -> list[str]:
    """Notebook pages whose stored widget state has a slider (every explorer's control is one)."""
    out = []
    for name in NOTEBOOK_DOCS:
        nb = json.loads((ROOT / f"{name}.ipynb").read_text(encoding="utf-8"))
        state = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
        if any(str(m.get("model_name", "")).endswith("SliderModel") for m in state.values()):
            out.append(name)
    return out


@pytest.mark.parametrize("docname", pages_with_sliders())
def test_explorers_respond_on_the_static_page(browser: BrowserContext, base_url: str, docname: str) -> None:
    """Every slider of every explorer, moved with the keyboard, changes the view shown beside it, and moving
    it back shows the first view again, with no console error (no kernel: the views are stored)."""
    rec = visit(browser, f"{base_url}{docname}.html")
    page = rec.page
    try:
        wait_for_widgets(page)
        controls = widget_controls(page)
        assert controls, f"{docname} stores sliders but draws none"
        areas = page.locator(".widget-subarea")
        for area_index, k in controls:
            area = areas.nth(area_index)
            handle = area.locator(".widget-slider [role=slider]").nth(k)
            name = handle.get_attribute("aria-label") or f"slider {k}"
            where = f"{docname}: widget area {area_index}, {name!r}"
            before = area.evaluate(SHOWN_JS)
            assert before, f"{where}: the explorer shows nothing"
            now, top = (
                float(handle.get_attribute("aria-valuenow")),
                float(handle.get_attribute("aria-valuemax")),
            )
            forward, back = ("ArrowRight", "ArrowLeft") if now < top else ("ArrowLeft", "ArrowRight")
            handle.focus()
            page.keyboard.press(forward)
            moved = area.evaluate(SHOWN_JS)
            for _ in range(50):  # the manager re-renders asynchronously
                if moved != before:
                    break
                page.wait_for_timeout(100)
                moved = area.evaluate(SHOWN_JS)
            assert float(handle.get_attribute("aria-valuenow")) != now, f"{where}: the slider did not move"
            assert moved != before, f"{where}: moving the slider did not change what the explorer shows"
            handle.focus()
            page.keyboard.press(back)
            page.wait_for_timeout(200)
            assert area.evaluate(SHOWN_JS) == before, f"{where}: moving back did not restore the first view"
        assert not rec.console_errors, f"console errors: {rec.console_errors}"
    finally:
        page.close()


@pytest.mark.parametrize("docname", EXPLORER_CHAPTERS)
def test_chapter_has_an_explorer(docname: str) -> None:
    """Chapters 1, 2, 3 and 5 each store an explorer that switches views in the browser (a Stack whose
    selected index a jslink ties to a slider)."""
    nb = json.loads((ROOT / f"{docname}.ipynb").read_text(encoding="utf-8"))
    state = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    models = {model.get("model_name") for model in state.values()}
    assert {"StackModel", "LinkModel", "SelectionSliderModel"} <= models, (
        f"{docname} stores no browser-side explorer (Stack + jslink + SelectionSlider): {sorted(models)}"
    )


# ---------------------------------------------------------------------------------------------------------
# Accessibility (axe-core) and dark mode.


def axe_violations(page: Page) -> list[str]:
    """Serious and critical axe-core violations on the page, less the narrow exemptions of AXE_EXEMPT."""
    assert AXE.is_file(), f"{AXE} is missing: run `python tools/vendor_assets.py test-js` (make install does)"
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async ([impacts, exempt]) => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            const out = [];
            for (const v of result.violations) {
                if (!impacts.includes(v.impact)) continue;
                for (const node of v.nodes) {
                    const t = node.target[0];
                    const el = typeof t === 'string' ? document.querySelector(t) : null;
                    const skip = (exempt[v.id] || []).some(sel => el && el.closest(sel));
                    if (!skip) out.push(`${v.impact} ${v.id}: ${v.help} at ${node.target.join(' ')}`);
                }
            }
            return out;
        }""",
        [list(BLOCKING_IMPACTS), AXE_EXEMPT],
    )
    return found


def settle(page: Page) -> None:
    """Wait for what changes the page after load: math typesetting and widgets."""
    if page.locator("article .math").count():
        wait_for_math(page)
    wait_for_widgets(page)


@pytest.mark.parametrize("docname", DOCNAMES)
def test_accessibility_audit(
    browser: BrowserContext, dark_browser: BrowserContext, base_url: str, docname: str
):
    """axe-core over the whole page, in light and in dark mode (colour contrast differs)."""
    problems = []
    for mode, context in (("light", browser), ("dark", dark_browser)):
        page = context.new_page()
        try:
            page.goto(f"{base_url}{docname}.html", wait_until="networkidle")
            settle(page)
            problems += [f"[{mode}] {v}" for v in axe_violations(page)]
        finally:
            page.close()
    assert not problems, f"{docname}: accessibility violations:\n" + "\n".join(problems)


def test_axe_finds_a_planted_violation(browser: BrowserContext, base_url: str) -> None:
    """The audit can fail: an image without alt text and an unlabeled slider are reported."""
    page = browser.new_page()
    try:
        page.goto(f"{base_url}{DOCNAMES[0]}.html", wait_until="networkidle")
        page.evaluate(
            """() => {
                const main = document.querySelector('article') || document.body;
                const img = document.createElement('img');
                img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
                main.appendChild(img);
                const knob = document.createElement('div');
                knob.setAttribute('role', 'slider'); knob.setAttribute('tabindex', '0');
                knob.setAttribute('aria-valuenow', '1');
                main.appendChild(knob);
            }"""
        )
        found = "\n".join(axe_violations(page))
        assert "image-alt" in found and "aria-input-field-name" in found, found
    finally:
        page.close()


# Figure images in dark mode: every pixel of the image area must end up on an opaque light background,
# either because the image itself is opaque or because its computed background is opaque and light.
FIGURE_BACKGROUNDS_JS = """async () => {
    const out = [];
    const imgs = Array.from(document.querySelectorAll('article .cell_output img'))
        .filter(img => img.getClientRects().length > 0);
    for (const img of imgs) {
        img.loading = 'eager';
        if (!img.complete) await new Promise(done => { img.onload = done; img.onerror = done; });
        const bg = getComputedStyle(img).backgroundColor;
        const m = bg.match(/rgba?\\(([\\d.]+),\\s*([\\d.]+),\\s*([\\d.]+)(?:,\\s*([\\d.]+))?\\)/);
        const [r, g, b, a] = m ? [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]] : [0, 0, 0, 0];
        const lightBackground = a === 1 && (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 > 0.85;
        let opaquePixels = false;
        try {
            const c = document.createElement('canvas');
            c.width = img.naturalWidth; c.height = img.naturalHeight;
            const ctx = c.getContext('2d');
            ctx.drawImage(img, 0, 0);
            const data = ctx.getImageData(0, 0, c.width, c.height).data;
            opaquePixels = true;
            for (let i = 3; i < data.length; i += 4) if (data[i] < 255) { opaquePixels = false; break; }
        } catch (e) { opaquePixels = false; }
        out.push({src: (img.getAttribute('src') || '').slice(0, 80), bg, lightBackground, opaquePixels});
    }
    return out;
}"""


@pytest.mark.parametrize("docname", NOTEBOOK_DOCS)
def test_dark_mode(dark_browser: BrowserContext, base_url: str, docname: str) -> None:
    """The page turns dark when the reader prefers it, its figures stay readable (opaque light background),
    and a dark screenshot is saved beside the light one."""
    page = dark_browser.new_page()
    try:
        page.goto(f"{base_url}{docname}.html", wait_until="networkidle")
        settle(page)
        assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
        figures = page.evaluate(FIGURE_BACKGROUNDS_JS)
        unreadable = [f for f in figures if not (f["lightBackground"] or f["opaquePixels"])]
        assert not unreadable, (
            f"{docname}: figures that would show on the dark page's background: {unreadable}"
        )
        # book.css puts every output image on white, whatever the image is.
        assert all(f["lightBackground"] for f in figures), figures
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{screenshot_name(docname)}-dark.png"), full_page=True)
    finally:
        page.close()


# ---------------------------------------------------------------------------------------------------------
# Readable where it is read (issue 17): figure text at least 10 CSS px on the page, nothing scrolls sideways.

WINDOW = {"width": 1280, "height": 900}

def figure_problem(fig: dict) -> str | None:
    """Why a figure as displayed is not readable (None when it is): its smallest text, scaled from its
    natural CSS size to the width it is shown at, must be at least MIN_TEXT_CSS_PX; it must be a 2× PNG
    whose CSS size and smallest font were recorded when it was rendered (inception_lib.plots)."""
    name = f"{fig.get('figure') or 'image'} ({fig['src']})"
    if fig["minFontPt"] is None or not fig["cssWidth"]:
        return (
            f"{name}: no recorded CSS size and smallest font: the output was not rendered by "
            "inception_lib.plots (re-execute the notebook)"
        )
    if fig["naturalWidth"] < 1.9 * fig["cssWidth"]:
        return f"{name}: a {fig['naturalWidth']} px PNG shown as {fig['cssWidth']} CSS px is not 2×"
    px = plots.text_px_on_page(fig["minFontPt"], fig["cssWidth"], fig["shown"])
    if px < plots.MIN_TEXT_CSS_PX:
        return (
            f"{name}: its smallest text ({fig['minFontPt']:g} pt) is {px:.1f} CSS px on the page, under "
            f"{plots.MIN_TEXT_CSS_PX:g}: {fig['cssWidth']} px wide, shown at {fig['shown']:.0f} px "
            f"(draw it at most {plots.MAX_FIGURE_WIDTH_IN} in wide, or stack or split its panels)"
        )
    return None


def test_figure_judgement() -> None:
    """The judgement itself (no browser): a figure that fits passes; one drawn too wide, with too small a
    font, at 1×, or without a record fails."""
    fits = {"src": "a.png", "cssWidth": 690, "minFontPt": 8.0, "naturalWidth": 1380, "shown": 690.0}
    assert figure_problem(fits) is None
    too_wide = dict(fits, cssWidth=1675, naturalWidth=3350, minFontPt=9.0)
    assert "CSS px on the page" in figure_problem(too_wide)
    assert "CSS px on the page" in figure_problem(dict(fits, minFontPt=7.0))
    assert "is not 2×" in figure_problem(dict(fits, naturalWidth=690))
    assert "no recorded" in figure_problem(dict(fits, minFontPt=None))


def open_readable(context: BrowserContext, base_url: str, docname: str) -> Page:
    page = context.new_page()
    page.set_viewport_size(WINDOW)
    page.goto(f"{base_url}{docname}.html", wait_until="networkidle")
    settle(page)
    return page


@pytest.mark.parametrize("docname", NOTEBOOK_DOCS)
def test_figures_readable_on_the_page(browser: BrowserContext, base_url: str, docname: str) -> None:
    """In a 1,280 px window, every figure's smallest text is at least 10 CSS px as displayed."""
    page = open_readable(browser, base_url, docname)
    try:
        figures = page.evaluate(book_site.FIGURES_JS)
    finally:
        page.close()
    problems = [p for p in map(figure_problem, figures) if p]
    assert not problems, f"{docname}: figures not readable on the page:\n" + "\n".join(problems)


def test_a_too_wide_figure_fails(browser: BrowserContext, base_url: str) -> None:
    """Plant a figure drawn 12 inches wide with 9 pt text, rendered by the library as every figure is (2×
    PNG, size and smallest font recorded), into a built chapter page: the measurement reports it, because
    the column shrinks its text below 10 CSS px."""
    fig, ax = plots.new_figure(12.0, 3.0)
    ax.plot([0, 1], [0, 1])
    ax.set(title="A figure drawn too wide", xlabel="x (px)", ylabel="y (px)")
    rendered = plots.render_figure(fig)
    plt.close(fig)
    assert plots.figure_problems(rendered)  # the library's own check rejects it too
    src = "data:image/png;base64," + base64.b64encode(rendered.png).decode("ascii") + "#planted"
    page = open_readable(browser, base_url, "chapters/01_factorizing")
    try:
        page.evaluate(
            """([src, width, font]) => {
                const img = document.createElement('img');
                img.src = src;
                img.alt = 'A planted figure, drawn twelve inches wide with nine-point text.';
                img.style.width = width + 'px';
                img.dataset.cssWidth = String(width);
                img.dataset.minFontPt = String(font);
                document.querySelector('article .cell_output').appendChild(img);
            }""",
            [src, rendered.width, rendered.min_font_pt],
        )
        figures = page.evaluate(book_site.FIGURES_JS)
    finally:
        page.close()
    planted = [f for f in figures if f["src"].endswith("#planted")]
    assert len(planted) == 1 and planted[0]["shown"] < rendered.width, planted
    assert "CSS px on the page" in (figure_problem(planted[0]) or ""), planted[0]


# Code and output blocks whose content is wider than their box (they scroll sideways, or spill over), with
# every hidden cell part opened.
SCROLLING_JS = """() => {
    // Hidden inputs and outputs are measured as a reader who opens them sees them.
    document.querySelectorAll('article details').forEach(d => { d.open = true; });
    const cells = Array.from(document.querySelectorAll('article div.cell'));
    const out = [];
    const seen = new Set();
    for (const el of document.querySelectorAll(
            'article pre, article div.highlight, article .cell_output, article div.output')) {
        if (el.getClientRects().length === 0 || el.scrollWidth <= el.clientWidth + 1) continue;
        const block = el.closest('div.highlight') || el;
        if (seen.has(block)) continue;
        seen.add(block);
        const cell = el.closest('div.cell');
        const lines = (el.innerText || '').split('\\n');
        const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), '');
        out.push({
            where: cell ? `code cell ${cells.indexOf(cell) + 1} of the page, ` +
                (el.closest('.cell_input') ? 'its code' : 'its output') : 'a block outside the cells',
            scrollWidth: el.scrollWidth, clientWidth: el.clientWidth,
            longest: longest.length + ' characters: ' + longest.slice(0, 90),
        });
    }
    return out;
}"""


@pytest.mark.parametrize("docname", DOCNAMES)
def test_no_block_scrolls_sideways(browser: BrowserContext, base_url: str, docname: str) -> None:
    """In a 1,280 px window no code, output or listing block is wider than the column: code cells are kept
    at 80 characters, printed output and listings wrap (book/_ext/figure_sizes.py, book.css)."""
    page = open_readable(browser, base_url, docname)
    try:
        wide = page.evaluate(SCROLLING_JS)
    finally:
        page.close()
    assert not wide, f"{docname}: blocks that scroll sideways:\n" + "\n".join(
        f"{w['where']}: {w['scrollWidth']} px of content in {w['clientWidth']} px; longest line "
        f"{w['longest']}"
        for w in wide
    )
