"""widgets.explorer: precomputed views switched by the controls, ipywidgets 8 (browser) / 7 (kernel)."""

import textwrap

import ipywidgets
import pytest

from inception_lib.plots.common import new_figure
from inception_lib.widgets import Explorer, precomputed_explorer


def _square_figure(n: int):
    fig, ax = new_figure(3, 2)
    ax.plot(range(n), [i * i for i in range(n)])
    ax.set_title(f"n = {n}")
    ax.set_xlabel("i")
    ax.set_ylabel("i²")
    return fig


def _table(a: int, b: int) -> str:
    return f"<p>{a} × {b} = {a * b}</p>"


def test_one_control_stacks_one_figure_per_value_and_links_the_slider():
    box = precomputed_explorer(
        "squares", {"n": [("3", 3), ("5", 5), ("8", 8)]}, _square_figure, alt=lambda n: f"squares up to {n}"
    )
    assert isinstance(box, Explorer) and box.n_views == 3
    slider = box.controls[0]
    stack = box.children[1]
    assert isinstance(stack, ipywidgets.Stack) and len(stack.children) == 3
    assert all('alt="squares up to' in view.value for view in stack.children)
    first = box.shown_html()
    slider.index = 2
    assert box.shown_html() != first and 'alt="squares up to 8"' in box.shown_html()
    # The browser switches views through a jslink from the slider's index to the stack's selected_index.
    pairs = [(link.source, link.target) for link in box.links]
    assert pairs == [((slider, "index"), (stack, "selected_index"))]
    assert repr(box) == "Explorer('squares'; controls: n; 3 precomputed views)"


def test_two_controls_make_a_grid_of_views_with_a_chosen_start():
    box = precomputed_explorer(
        "products", {"a": [("1", 1), ("2", 2)], "b": [("10", 10), ("20", 20), ("30", 30)]}, _table,
        initial={"b": 20},
    )
    assert box.n_views == 6
    assert box.shown_html() == "<p>1 × 20 = 20</p>"
    box.controls[0].index = 1
    box.controls[1].index = 2
    assert box.shown_html() == "<p>2 × 30 = 60</p>"
    outer = box.children[1]
    assert [inner.selected_index for inner in outer.children] == [1, 1]  # as stored: the initial view
    assert len(box.links) == 3  # slider b drives both inner stacks, slider a the outer one


@pytest.mark.parametrize(
    "controls, kwargs, message",
    [
        ({}, {}, "one or two controls"),
        ({"a": [], "b": [("1", 1)]}, {}, "has no options"),
        ({"a": [(str(i), i) for i in range(9)], "b": [(str(i), i) for i in range(9)]}, {}, "at most 64"),
        ({"a": [("1", 1)]}, {"initial": {"z": 1}}, "unknown control 'z'"),
        ({"a": [("1", 1)]}, {"initial": {"a": 7}}, r"a=7 is not one of the options \[1\]"),
    ],
)
def test_bad_arguments_are_explained(controls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        precomputed_explorer("x", controls, lambda **_: "<p></p>", **kwargs)


def test_figures_need_an_alt_text():
    with pytest.raises(ValueError, match="alt text"):
        precomputed_explorer("x", {"n": [("3", 3)]}, _square_figure)


def test_explorer_under_ipywidgets_7_swaps_views_in_the_kernel(run_with_ipywidgets7):
    script = textwrap.dedent(
        """
        import ipywidgets
        from inception_lib.widgets import has_stack, precomputed_explorer

        assert ipywidgets.__version__ == "7.7.1" and not has_stack()
        box = precomputed_explorer(
            "products", {"a": [("1", 1), ("2", 2)], "b": [("10", 10), ("20", 20)]},
            lambda a, b: f"<p>{a * b}</p>",
        )
        assert box.shown_html() == "<p>10</p>"
        box.controls[0].index = 1
        box.controls[1].index = 1
        assert box.shown_html() == "<p>40</p>", box.shown_html()
        print("ipywidgets 7 explorer OK")
        """
    )
    assert "ipywidgets 7 explorer OK" in run_with_ipywidgets7(script)
