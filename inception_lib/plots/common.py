"""Shared figure helpers: the book's style (colour-blind-safe palette, opaque background, readable
labels), bar charts with value labels.

``BOOK_STYLE`` is applied once when ``inception_lib.plots`` is imported: the Okabe-Ito palette (safe for
the common colour-vision deficiencies), fonts of at least 9 pt, and an opaque white figure background, so
a figure stays readable when the book is shown in dark mode (a transparent PNG would put black labels on a
dark page). ``new_figure`` sets the background on the figure itself too, because Jupyter's inline backend
resets the rc background to transparent when it is activated.

Figures readable where they are read (the book's contract for every figure): at most
``MAX_FIGURE_WIDTH_IN`` (6.9 in) wide, no text smaller than ``MIN_FONT_PT`` (8 pt). A figure is rendered as
a PNG with ``PNG_SCALE`` (2) device pixels per CSS pixel, whose CSS size is its size in inches ×
``CSS_PX_PER_INCH`` (100), so it is sharp on high-density screens and a 6.9-inch figure fits the book's
text column (about 690 CSS px) unshrunk. :func:`render_figure` does the rendering and records the smallest
font size of the text it drew; :func:`figure_problems` checks a figure against the contract (plot tests use
it). On import, :func:`enable_figure_formatter` makes IPython show every matplotlib figure that way, with
the CSS size and the smallest font in the output's metadata (``width``, ``height``, ``min_font_pt``): the
rendered book sizes the image from them and book/_ext/figure_sizes.py copies the font size onto the page,
where tests/test_browser.py measures the smallest text as displayed (:func:`text_px_on_page`).
"""

from __future__ import annotations

import base64
import functools
import io
import struct
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.figure import Figure
from matplotlib.text import Text

__all__ = [
    "OKABE_ITO",
    "BOOK_STYLE",
    "new_figure",
    "grouped_bars",
    "format_count",
    "tick_count",
    "bare_axes",
    "CSS_PX_PER_INCH",
    "PNG_SCALE",
    "MAX_FIGURE_WIDTH_IN",
    "MIN_FONT_PT",
    "MIN_TEXT_CSS_PX",
    "RenderedFigure",
    "render_figure",
    "figure_problems",
    "text_px_on_page",
    "figure_png_formatter",
    "enable_figure_formatter",
]

# Okabe & Ito (2008), "Color Universal Design": distinguishable with protanopia, deuteranopia, tritanopia.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

BOOK_STYLE = {
    "axes.prop_cycle": cycler(color=list(OKABE_ITO)),
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "image.cmap": "viridis",
}
mpl.rcParams.update(BOOK_STYLE)


def format_count(value: float) -> str:
    """Human-readable count: 27161264 -> '27.16 M', 5731282144 -> '5.731 G'."""
    for limit, suffix, digits in ((1e9, "G", 3), (1e6, "M", 2), (1e3, "k", 1)):
        if abs(value) >= limit:
            return f"{value / limit:.{digits}f} {suffix}"
    return f"{value:g}"


def tick_count(value: float, _position: object = None) -> str:
    """An axis tick as a short count without trailing zeros: 0, 250 k, 1.5 G (a ``FuncFormatter``)."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:g} {suffix}"
    return f"{value:g}"


def bare_axes(ax) -> None:
    """No grid, ticks or spines: the axes of a diagram, whose x and y place boxes rather than measure."""
    ax.grid(False)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def new_figure(width: float = 7.0, height: float = 4.0, ncols: int = 1, nrows: int = 1):
    """A figure with ``nrows × ncols`` axes and the book's style (light grid, no top/right spines)."""
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width, height), squeeze=False, layout="constrained", facecolor="white"
    )
    for ax in axes.flat:
        ax.grid(True, axis="y", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    return fig, (axes[0, 0] if axes.size == 1 else axes)


def grouped_bars(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    title: str,
    ylabel: str,
    xlabel: str = "",
    value_format=format_count,
    ax=None,
) -> Figure:
    """Bars for each label, one bar per series side by side, each labelled with its value."""
    if ax is None:
        fig, ax = new_figure(max(6.0, 1.2 * len(labels) * max(1, len(series))), 4.0)
    else:
        fig = ax.figure
    x = np.arange(len(labels))
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        bars = ax.bar(x + (i - (len(series) - 1) / 2) * width, values, width, label=name)
        ax.bar_label(bars, labels=[value_format(v) for v in values], fontsize=9, padding=2)
    ax.set_xticks(x, labels)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if xlabel:
        ax.set_xlabel(xlabel)
    if len(series) > 1:
        ax.legend(frameon=False)
    ax.margins(y=0.15)
    return fig


# ---------------------------------------------------------------------------------------------------------
# Figures readable where they are read: 2× PNGs with their CSS size and smallest font recorded.

CSS_PX_PER_INCH = 100  # a figure's CSS size is its size in inches × 100
PNG_SCALE = 2  # device pixels per CSS pixel: sharp on 2× screens
MAX_FIGURE_WIDTH_IN = 6.9  # the book's text column is about 690 CSS px wide
MIN_FONT_PT = 8.0  # no text in a figure smaller than this
MIN_TEXT_CSS_PX = 10.0  # the smallest text as displayed on the page, in CSS px (tests/test_browser.py)
PT_PER_INCH = 72.0
SAVE_KWARGS = {"bbox_inches": "tight", "pad_inches": 0.05}
# The tight bounding box adds its padding around the drawn content: a figure made 6.9 in wide may render a
# little wider. Beyond this slack a figure breaks the contract.
WIDTH_SLACK_IN = 2 * SAVE_KWARGS["pad_inches"]


@dataclass(frozen=True)
class RenderedFigure:
    """A figure rendered for the book: the PNG, its CSS size (px) and the smallest font it drew (pt)."""

    png: bytes
    width: int
    height: int
    min_font_pt: float | None  # None when the figure has no text

    @property
    def width_in(self) -> float:
        return self.width / CSS_PX_PER_INCH

    def metadata(self) -> dict[str, Any]:
        """The output metadata of the PNG: what the rendered book sizes the image from."""
        meta: dict[str, Any] = {"width": self.width, "height": self.height}
        if self.min_font_pt is not None:
            meta["min_font_pt"] = self.min_font_pt
        return meta


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels of a PNG, read from its header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@contextmanager
def _recording_text_sizes(figure: Figure) -> Iterator[list[float]]:
    """Record the font size (pt) of every non-empty visible text of ``figure`` that is drawn meanwhile.

    Text that is never drawn (a tick label outside the axis range, an invisible artist) does not count;
    every text that is drawn passes through ``Text.draw`` (legends, annotations, bar labels, tables)."""
    sizes: list[float] = []
    original = Text.draw

    @functools.wraps(original)  # keeps what matplotlib marks on draw (rasterization support)
    def draw(self: Text, renderer: Any) -> Any:
        parent = self.figure  # a Figure, or a SubFigure whose .figure is the root Figure
        root = getattr(parent, "figure", parent)
        if root is figure and self.get_visible() and self.get_text().strip():
            sizes.append(float(self.get_fontsize()))
        return original(self, renderer)

    Text.draw = draw  # type: ignore[method-assign]
    try:
        yield sizes
    finally:
        Text.draw = original  # type: ignore[method-assign]


def render_figure(fig: Figure) -> RenderedFigure:
    """Render ``fig`` as the book shows it: a PNG at ``PNG_SCALE × CSS_PX_PER_INCH`` dpi (tight bounding
    box, the figure's own background) with its CSS size and the smallest font size of the text drawn."""
    buffer = io.BytesIO()
    with _recording_text_sizes(fig) as sizes:
        fig.savefig(
            buffer,
            format="png",
            dpi=PNG_SCALE * CSS_PX_PER_INCH,
            facecolor=fig.get_facecolor(),
            edgecolor=fig.get_edgecolor(),
            **SAVE_KWARGS,
        )
    png = buffer.getvalue()
    width, height = _png_size(png)
    return RenderedFigure(
        png=png,
        width=round(width / PNG_SCALE),
        height=round(height / PNG_SCALE),
        min_font_pt=round(min(sizes), 2) if sizes else None,
    )


def figure_problems(
    fig: Figure | RenderedFigure,
    max_width_in: float = MAX_FIGURE_WIDTH_IN,
    min_font_pt: float = MIN_FONT_PT,
) -> list[str]:
    """What breaks the book's figure contract (empty when the figure is fine): wider than ``max_width_in``
    inches as rendered, or text smaller than ``min_font_pt`` points. ``assert not figure_problems(fig)``."""
    rendered = fig if isinstance(fig, RenderedFigure) else render_figure(fig)
    problems = []
    if rendered.width_in > max_width_in + WIDTH_SLACK_IN:
        problems.append(
            f"the figure is {rendered.width_in:.2f} in wide as rendered (at most {max_width_in} in): "
            "narrow it, or stack or split its panels"
        )
    if rendered.min_font_pt is not None and rendered.min_font_pt < min_font_pt:
        problems.append(f"its smallest text is {rendered.min_font_pt:g} pt (at least {min_font_pt:g} pt)")
    return problems


def text_px_on_page(min_font_pt: float, natural_width: float, shown_width: float) -> float:
    """The height in CSS px of a figure's smallest text as the page shows it: the font size at the figure's
    natural CSS size (``min_font_pt`` × 100/72), scaled by the displayed width over the natural width."""
    if natural_width <= 0 or shown_width < 0:
        raise ValueError(f"widths must be positive: natural {natural_width}, shown {shown_width}")
    return min_font_pt * CSS_PX_PER_INCH / PT_PER_INCH * shown_width / natural_width


def figure_png_formatter(fig: Figure) -> tuple[str, dict[str, Any]]:
    """IPython's PNG formatter for a Figure: the 2× PNG (base64) and its metadata (CSS size, smallest font),
    the ``(data, metadata)`` pair IPython's own retina formatter returns."""
    rendered = render_figure(fig)
    return base64.b64encode(rendered.png).decode("ascii"), rendered.metadata()


def _install_formatter(shell: Any) -> None:
    formatter = shell.display_formatter.formatters["image/png"]
    if formatter.type_printers.get(Figure) is not figure_png_formatter:
        formatter.for_type(Figure, figure_png_formatter)


def _reinstall_formatter(*_args: object) -> None:
    """After every cell: put the formatter back if ``%matplotlib inline`` (or a reader) replaced it."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None and hasattr(shell, "display_formatter"):
        _install_formatter(shell)


def enable_figure_formatter(shell: Any = None) -> bool:
    """Show every matplotlib figure in this IPython session as :func:`figure_png_formatter` renders it.

    Called on ``import inception_lib.plots``. Activating the inline backend (the first figure, or
    ``%matplotlib inline``) resets IPython's figure formatters, so the backend is resolved first and a
    ``post_run_cell`` hook re-installs the formatter after any cell that replaced it. Returns False (and
    does nothing) outside IPython."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    mpl.get_backend()  # resolve the backend now: the inline backend selects its formats once, on activation
    _install_formatter(shell)
    callbacks = shell.events.callbacks.get("post_run_cell", [])
    if _reinstall_formatter not in callbacks:
        shell.events.register("post_run_cell", _reinstall_formatter)
    return True


enable_figure_formatter()
