"""Print the rendered book to one PDF: a contents page, then every page of _toc.yml in reading order.

    python tools/make_pdf.py [--out _build/pdf/book.pdf]      (`make pdf`)

The built site (_build/html; built first when missing or stale, as `make book`) is served on 127.0.0.1 and
each page is printed by the same Debian Chromium the browser tests use (/usr/bin/chromium, driven by
Playwright; no browser is downloaded), after MathJax has typeset its math, the widget manager has drawn its
widgets (an explorer prints the view its controls start on) and every image has loaded. book.css's print
rules leave out the site's navigation. The pages are joined with pypdf, behind a contents page that lists
each chapter with its page number; the PDF's outline (bookmarks) has one entry per page of the book.
Beside the PDF, book.json records where each page of the book starts and what it held (math, images), and
every figure as printed: its natural CSS width, its recorded smallest font and the width it is printed at
(measured in print layout at the printable width of the page), so tests/test_pdf.py can check that figure
text stays readable on paper too. The figures are the web edition's 2× PNGs, embedded as they are.
tests/test_pdf.py checks the result.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import html
import http.server
import io
import json
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import book_site  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DEFAULT_OUT = ROOT / "_build" / "pdf" / "book.pdf"
TIMEOUT_MS = 120_000
PDF_OPTIONS = {
    "format": "A4",
    "print_background": True,
    "margin": {"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
}
# The printable width of an A4 page between the margins, in CSS px (96 per inch): figures are measured there.
PRINT_WIDTH_PX = round((210 - 14 - 14) / 25.4 * 96)
VIEWPORT = {"width": 1100, "height": 1400}
# Page numbers in the footer of every printed page (Chromium fills in pageNumber per printed document; the
# contents page gives the page in the whole book).
FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center;color:#555"><span class="title"></span></div>'
)


@dataclass(frozen=True)
class Entry:
    docname: str
    title: str
    first_page: int  # 1-based page of the joined PDF
    n_pages: int
    n_math: int  # math elements on the page, all typeset by MathJax before printing
    n_images: int  # images on the page, all loaded before printing
    figures: list[dict] = dataclasses.field(default_factory=list)  # as printed (book_site.FIGURES_JS)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@contextmanager
def serve(site: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


READY_JS = """async () => {
    if (document.querySelector('article .math')) {
        while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
            await new Promise(r => setTimeout(r, 50));
        }
        await MathJax.startup.promise;
    }
    const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
    for (let i = 0; i < 200 && document.querySelectorAll('.widget-subarea .jupyter-widgets').length
             < views.length; i++) {
        await new Promise(r => setTimeout(r, 50));
    }
    const imgs = Array.from(document.images);
    for (const img of imgs) img.loading = 'eager';
    await Promise.all(imgs.map(img => img.complete ? null : new Promise(done => {
        img.addEventListener('load', done); img.addEventListener('error', done);
    })));
    // Hidden cell inputs (the setup cells) stay hidden; <details> that hold output are opened.
    document.querySelectorAll('article details.hide-output').forEach(d => { d.open = true; });
    const math = Array.from(document.querySelectorAll('article .math'));
    return {
        math: math.length,
        typeset: math.filter(e => e.querySelector('mjx-container') && !e.querySelector('mjx-merror')).length,
        images: document.querySelectorAll('article img').length,
        broken: imgs.filter(img => !(img.naturalWidth > 0)).map(img => img.getAttribute('src')),
    };
}"""

TITLE_JS = """() => {
    const h1 = document.querySelector('article h1');
    if (!h1) return document.title;
    const copy = h1.cloneNode(true);
    copy.querySelectorAll('.headerlink').forEach(a => a.remove());
    return copy.textContent.replace(/\\s+/g, ' ').trim();
}"""


def contents_html(title: str, entries: list[Entry]) -> str:
    rows = "\n".join(
        f'<tr><td class="t">{html.escape(e.title)}</td><td class="p">{e.first_page}</td></tr>'
        for e in entries
    )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
  body {{ font-family: "DejaVu Sans", sans-serif; color: #111; margin: 0; }}
  h1 {{ font-size: 26pt; margin: 30mm 0 4mm; }}
  p.sub {{ font-size: 11pt; color: #444; margin: 0 0 14mm; }}
  h2 {{ font-size: 15pt; border-bottom: 1px solid #999; padding-bottom: 2mm; }}
  table {{ width: 100%; border-collapse: collapse; font-size: 12pt; }}
  td {{ padding: 2.2mm 0; border-bottom: 1px dotted #bbb; }}
  td.p {{ text-align: right; width: 20mm; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="sub">The rendered book, printed. Every page of the web edition follows, in reading order.</p>
<h2>Contents</h2>
<table>{rows}</table>
</body></html>"""


def make_pdf(out: Path = DEFAULT_OUT) -> list[Entry]:
    """Print every page of the book and join them behind a contents page into ``out``."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader, PdfWriter

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"make_pdf: {CHROMIUM} is missing: apt-get install chromium")
    site = book_site.ensure_built()
    book_title = str(book_site.load_yaml("_config.yml").get("title", "Book"))
    printed: list[tuple[str, str, dict, bytes]] = []
    with serve(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(color_scheme="light", viewport=VIEWPORT)
        context.set_default_timeout(TIMEOUT_MS)
        local = base.split("//", 1)[1].rstrip("/")
        context.route(
            "**/*",
            lambda route: route.continue_() if f"//{local}/" in route.request.url else route.abort(),
        )
        for docname in book_site.toc_docnames():
            page = context.new_page()
            page.goto(f"{base}{docname}.html", wait_until="networkidle")
            ready = page.evaluate(READY_JS)
            if ready["typeset"] != ready["math"] or ready["broken"]:
                raise RuntimeError(
                    f"{docname}: {ready['math'] - ready['typeset']} of {ready['math']} math elements not "
                    f"typeset, images that did not load: {ready['broken']}"
                )
            page.emulate_media(media="print")
            page.set_viewport_size({"width": PRINT_WIDTH_PX, "height": VIEWPORT["height"]})
            ready["figures"] = page.evaluate(book_site.FIGURES_JS)
            page.set_viewport_size(VIEWPORT)
            title = page.evaluate(TITLE_JS)
            pdf = page.pdf(
                **PDF_OPTIONS,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=FOOTER,
            )
            printed.append((docname, title, ready, pdf))
            page.close()
        entries, first = [], 2  # page 1 is the contents page
        for docname, title, ready, pdf in printed:
            n = len(PdfReader(io.BytesIO(pdf)).pages)
            entries.append(Entry(docname, title, first, n, ready["math"], ready["images"], ready["figures"]))
            first += n
        page = context.new_page()
        page.set_content(contents_html(book_title, entries), wait_until="load")
        contents = page.pdf(**PDF_OPTIONS)
        page.close()
        browser.close()

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(contents)))
    n_contents = len(writer.pages)
    if n_contents != 1:
        raise RuntimeError(f"the contents page printed on {n_contents} pages; page numbers would be off")
    writer.add_outline_item(title="Contents", page_number=0)
    for entry, (*_, pdf) in zip(entries, printed, strict=True):
        writer.append(PdfReader(io.BytesIO(pdf)))
        writer.add_outline_item(title=entry.title, page_number=entry.first_page - 1)
    writer.add_metadata(
        {"/Title": book_title, "/Author": str(book_site.load_yaml("_config.yml").get("author"))}
    )
    writer.page_mode = "/UseOutlines"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".pdf.tmp")
    with tmp.open("wb") as f:
        writer.write(f)
    tmp.replace(out)  # atomically: a half-written PDF never replaces a good one
    manifest = out.with_suffix(".json")
    manifest.write_text(json.dumps([dataclasses.asdict(e) for e in entries], indent=1) + "\n")
    return entries


def is_fresh(out: Path = DEFAULT_OUT) -> bool:
    """True when ``out`` is newer than the last successful book build (and the build is current)."""
    return out.is_file() and book_site.is_fresh() and out.stat().st_mtime >= book_site.STAMP.stat().st_mtime


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    entries = make_pdf(args.out.resolve())
    total = entries[-1].first_page + entries[-1].n_pages - 1 if entries else 1
    print(f"make_pdf: {args.out} ({total} pages, {len(entries)} book pages)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
