"""widgets/recipe.py: chapter 5's label-smoothing explorer under ipywidgets 8 (browser) and 7 (Colab)."""

import html
import re
import textwrap

import ipywidgets
import pytest

from inception_lib.calibration import optimal_logit_gap
from inception_lib.widgets.explorer import Explorer
from inception_lib.widgets.recipe import (
    SMOOTHING_CLASSES,
    SMOOTHING_EPS,
    smoothing_alt_text,
    smoothing_explorer,
)


def _alt(view_html: str) -> str:
    return html.unescape(re.search(r'alt="([^"]*)"', view_html).group(1))


@pytest.fixture(scope="module")
def explorer():
    return smoothing_explorer()


def test_every_view_is_stored_and_the_sliders_are_linked(explorer):
    assert ipywidgets.__version__.startswith("8")
    assert isinstance(explorer, Explorer)
    assert explorer.n_views == len(SMOOTHING_EPS) * len(SMOOTHING_CLASSES) <= 40
    eps_slider, k_slider = explorer.controls
    assert eps_slider.description == "ε" and k_slider.description == "classes K"
    assert list(eps_slider.options) == [f"{e:g}" for e in SMOOTHING_EPS]
    assert eps_slider.value == "0.1" and k_slider.value == "10"
    outer = explorer.children[1]
    assert isinstance(outer, ipywidgets.Stack) and len(outer.children) == len(SMOOTHING_EPS)
    assert all(len(inner.children) == len(SMOOTHING_CLASSES) for inner in outer.children)
    assert len(explorer.links) == len(SMOOTHING_EPS) + 1  # K drives every inner stack, ε the outer one


def test_moving_a_slider_changes_the_view_and_its_alt_text(explorer):
    eps_slider, k_slider = explorer.controls
    first = explorer.shown_html()
    assert _alt(first) == smoothing_alt_text(0.1, 10)
    assert f"{optimal_logit_gap(10, 0.1):.2f}" in _alt(first)
    k_slider.value = "1,000"
    assert explorer.shown_html() != first
    assert "0.9001" in _alt(explorer.shown_html())  # the true class keeps 1 - ε + ε/K
    eps_slider.value = "0"
    assert "no finite optimum" in _alt(explorer.shown_html())
    eps_slider.value, k_slider.value = "0.1", "10"
    assert explorer.shown_html() == first


def test_alt_text_states_the_numbers():
    text = smoothing_alt_text(0.2, 100)
    assert "0.802" in text and "0.002" in text and "0.198" in text
    assert f"{optimal_logit_gap(100, 0.2):.2f}" in text


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"eps_values": ()}, "at least one"),
        ({"eps_values": (0.1, 1.0)}, r"every ε must be in \[0, 1\)"),
        ({"class_counts": (10, 1)}, "integer >= 2"),
        ({"eps_values": [i / 100 for i in range(20)], "class_counts": range(2, 10)}, "more than the 64"),
        ({"initial_eps": 0.15}, "is not one of the options"),
    ],
)
def test_bad_arguments_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        smoothing_explorer(**kwargs)


def test_explorer_under_ipywidgets_7(run_with_ipywidgets7):
    script = textwrap.dedent(
        """
        import html, re
        import ipywidgets
        from inception_lib.widgets.recipe import smoothing_alt_text, smoothing_explorer

        assert ipywidgets.__version__ == "7.7.1", ipywidgets.__version__
        box = smoothing_explorer(eps_values=(0.0, 0.1, 0.3), class_counts=(10, 100))  # 6 views: quick
        eps, k = box.controls
        alt = lambda: html.unescape(re.search(r'alt="([^"]*)"', box.shown_html()).group(1))
        before = box.shown_html()
        assert alt() == smoothing_alt_text(0.1, 10)
        k.value = "100"
        eps.value = "0.3"
        assert box.shown_html() != before
        assert alt() == smoothing_alt_text(0.3, 100), alt()
        print("ipywidgets", ipywidgets.__version__, "OK", box.n_views)
        """
    )
    assert "ipywidgets 7.7.1 OK 6" in run_with_ipywidgets7(script)
