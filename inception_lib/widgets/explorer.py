"""Explorers that respond on the static page: every view precomputed, switched in the browser.

The rendered book runs no Python, so a slider whose callback recomputes a figure does nothing there. An
explorer built here renders one view (a figure or a table) for every combination of its controls' values
when the cell runs, and stores them all in the notebook's widget state. Moving a control then only selects
which stored view is shown:

* with ipywidgets 8 (the book build, JupyterLab), each control's ``index`` is ``jslink``-ed to the
  ``selected_index`` of a ``Stack`` of views, so the switch happens in the browser's widget manager, with
  or without a kernel;
* with ipywidgets 7 (Colab), which has no ``Stack``, a Python callback swaps the shown view; it needs the
  running kernel, which Colab has.

Views are HTML: a figure becomes an ``<img>`` with an alt text (a screen reader hears what it shows), a
table its own HTML. Two controls make a grid of views (a ``Stack`` of ``Stack``s), so keep the number of
combinations small (at most ``MAX_VIEWS``).
"""

from __future__ import annotations

import base64
import html
import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = ["MAX_VIEWS", "Explorer", "precomputed_explorer", "figure_html", "has_stack"]

MAX_VIEWS = 64


def has_stack() -> bool:
    """True with ipywidgets 8 (``Stack`` exists: views switch in the browser), False with 7.x."""
    return hasattr(widgets, "Stack")


def figure_html(fig: Figure, alt: str) -> str:
    """A matplotlib figure as an ``<img>`` tag (inline PNG) with an alt text; closes the figure.

    Rendered as every figure of the book is (:func:`inception_lib.plots.common.render_figure`): a 2× PNG
    whose CSS size is the figure's size in inches × 100 (the ``width``/``height`` attributes), with the
    smallest font it drew in ``data-min-font-pt``, which tests/test_browser.py reads to measure the
    smallest text as displayed. ``max-width: 100%`` lets a narrow screen shrink it."""
    from inception_lib.plots.common import render_figure

    if not alt.strip():
        raise ValueError("a figure in an explorer needs an alt text that says what it shows")
    rendered = render_figure(fig)
    plt.close(fig)
    data = base64.b64encode(rendered.png).decode("ascii")
    font = "" if rendered.min_font_pt is None else f' data-min-font-pt="{rendered.min_font_pt:g}"'
    return (
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}" '
        f'width="{rendered.width}" height="{rendered.height}"{font} '
        'style="max-width:100%;height:auto;background:white">'
    )


def _as_html(view: Any, alt: str) -> str:
    if isinstance(view, Figure):
        return figure_html(view, alt)
    if hasattr(view, "_repr_html_"):
        return view._repr_html_()
    if isinstance(view, str):
        return view
    raise TypeError(f"render must return a Figure, an object with _repr_html_, or an HTML str; got {view!r}")


class Explorer(widgets.VBox):
    """The explorer's box: controls on top, the selected view below. Its repr is short and stable."""

    def __init__(
        self,
        title: str,
        controls: list[widgets.SelectionSlider],
        views: widgets.Widget,
        n: int,
        links: list[widgets.Widget],
    ):
        super().__init__([widgets.HBox(controls), views])
        self.title = title
        self.controls = controls
        self.n_views = n
        self.links = links  # the jslinks (ipywidgets 8) that switch views in the browser

    def __repr__(self) -> str:
        names = ", ".join(c.description for c in self.controls)
        return f"Explorer({self.title!r}; controls: {names}; {self.n_views} precomputed views)"

    def shown_html(self) -> str:
        """The HTML of the view the controls select now (what the reader sees)."""
        view: widgets.Widget = self.children[1]
        if not has_stack():  # ipywidgets 7: the shown view is the box's only child
            return view.children[0].value
        for control in self.controls:
            view = view.children[control.index]
        return view.value


def precomputed_explorer(
    title: str,
    controls: Mapping[str, Sequence[tuple[str, Any]]],
    render: Callable[..., Any],
    alt: Callable[..., str] | None = None,
    initial: Mapping[str, Any] | None = None,
) -> Explorer:
    """An explorer over one or two controls, each a list of ``(label, value)`` options.

    ``render(**values)`` returns a matplotlib Figure, a table (anything with ``_repr_html_``) or an HTML
    string for one combination of values; ``alt(**values)`` is the alt text of a figure view (required
    when ``render`` returns figures). ``initial`` picks each control's starting value (default: the first).
    """
    if not 1 <= len(controls) <= 2:
        raise ValueError(f"an explorer takes one or two controls, got {len(controls)}: {list(controls)}")
    names = list(controls)
    options = {name: list(controls[name]) for name in names}
    for name, opts in options.items():
        if not opts:
            raise ValueError(f"control {name!r} has no options")
    total = 1
    for opts in options.values():
        total *= len(opts)
    if total > MAX_VIEWS:
        raise ValueError(f"{total} combinations of control values; at most {MAX_VIEWS} views are stored")
    start = {name: 0 for name in names}
    for name, value in (initial or {}).items():
        if name not in options:
            raise ValueError(f"initial names an unknown control {name!r}; controls are {names}")
        values = [v for _, v in options[name]]
        if value not in values:
            raise ValueError(f"initial {name}={value!r} is not one of the options {values}")
        start[name] = values.index(value)

    def view_html(indices: tuple[int, ...]) -> str:
        kwargs = {name: options[name][i][1] for name, i in zip(names, indices, strict=True)}
        text = alt(**kwargs) if alt is not None else ""
        return _as_html(render(**kwargs), text)

    html_views = {
        indices: widgets.HTML(value=view_html(indices))
        for indices in itertools.product(*(range(len(options[name])) for name in names))
    }
    sliders = [
        widgets.SelectionSlider(
            options=[label for label, _ in options[name]],
            index=start[name],
            description=name,
            continuous_update=True,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="22em"),
        )
        for name in names
    ]
    links: list[widgets.Widget] = []
    if has_stack():
        views = _stacks(sliders, html_views, names, options, start, links)
    else:
        views = _swapping_box(sliders, html_views)
    return Explorer(title, sliders, views, total, links)


def _stacks(sliders, html_views, names, options, start, links) -> widgets.Widget:
    """ipywidgets 8: nested Stacks whose selected_index follows the sliders in the browser (jslink)."""
    if len(names) == 1:
        stack = widgets.Stack([html_views[(i,)] for i in range(len(options[names[0]]))])
        stack.selected_index = start[names[0]]
        links.append(widgets.jslink((sliders[0], "index"), (stack, "selected_index")))
        return stack
    inner_stacks = []
    for i in range(len(options[names[0]])):
        inner = widgets.Stack([html_views[(i, j)] for j in range(len(options[names[1]]))])
        inner.selected_index = start[names[1]]
        links.append(widgets.jslink((sliders[1], "index"), (inner, "selected_index")))
        inner_stacks.append(inner)
    outer = widgets.Stack(inner_stacks)
    outer.selected_index = start[names[0]]
    links.append(widgets.jslink((sliders[0], "index"), (outer, "selected_index")))
    return outer


def _swapping_box(sliders, html_views) -> widgets.Widget:
    """ipywidgets 7: one box showing the selected view, swapped by a Python callback (needs a kernel)."""
    box = widgets.VBox([html_views[tuple(s.index for s in sliders)]])

    def show(change: object = None) -> None:
        box.children = [html_views[tuple(s.index for s in sliders)]]

    for slider in sliders:
        slider.observe(show, names="index")
    return box
