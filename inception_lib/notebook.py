"""Notebook helpers shared by every chapter: seeding, ``glue`` for numbers quoted in the prose,
``check_claim`` for claims drawn from measured results, and ``show_source`` for the library's code.

``glue`` writes the same output that myst-nb's ``glue`` writes (a display with ``scrapbook`` metadata),
so the rendered book can quote a computed number with ``{glue:text}`name``` while the notebook still runs
where myst-nb is not installed (Colab). nbval compares the stored text like any other output.
"""

from __future__ import annotations

import inspect
import math
import random
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

if TYPE_CHECKING:
    from IPython.display import Markdown

__all__ = ["ClaimFailed", "check_claim", "glue", "seed_everything", "show_source"]

_HIDDEN_PREFIX = "application/papermill.record/"


def glue(name: str, value: Any, display: bool = False) -> None:
    """Record ``value`` under ``name`` for ``{glue:text}`` / ``{glue:figure}`` in the book's prose.

    Plain numbers are stored as Python ints/floats (NumPy scalars break ``{glue:text}`` format specs).
    ``display=False`` (the default) stores the value without showing it in the notebook.
    """
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipy_display

    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    bundle, metadata = format_display_data(value)
    prefix = "" if display else _HIDDEN_PREFIX
    metadata = dict(metadata)
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    ipy_display({prefix + key: data for key, data in bundle.items()}, raw=True, metadata=metadata)


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and torch so a chapter prints the same numbers on every run."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class ClaimFailed(AssertionError):
    """A claim the prose makes about a measured result does not hold on this run."""


def _condition(above: float | None, below: float | None, near: float | None, tol: float | None) -> str:
    parts = []
    if near is not None:
        parts.append(f"within {tol:g} of {near:g}")
    if above is not None:
        parts.append(f"> {above:g}")
    if below is not None:
        parts.append(f"< {below:g}")
    return " and ".join(parts)


def check_claim(
    claim: str,
    value: Any,
    *,
    above: float | None = None,
    below: float | None = None,
    near: float | None = None,
    tol: float | None = None,
) -> None:
    """Check a claim the prose draws from a measured (training or otherwise chaotic) result.

    The page's run-specific numbers live in cells that nbval does not compare; the *claim* drawn from them
    is checked here on every run, on any machine, with a direction or a tolerance instead of digits:

    >>> check_claim("smoothing lowers the mean top probability", p_smooth - p_hard, below=0)
    claim holds: smoothing lowers the mean top probability (value < 0)

    ``value`` is either a number with at least one bound (``above``/``below`` are strict; ``near`` needs
    ``tol``: ``|value - near| <= tol``) or a ``bool`` with no bound. The printed line never contains the
    value itself, so it is the same on every machine; a failing claim raises :class:`ClaimFailed` naming the
    value and the bound.
    """
    if not claim or not isinstance(claim, str):
        raise ValueError(f"claim must be a non-empty sentence, got {claim!r}")
    if (near is None) != (tol is None):
        raise ValueError(f"near and tol go together, got near={near!r}, tol={tol!r}")
    if tol is not None and tol < 0:
        raise ValueError(f"tol must be >= 0, got {tol!r}")
    bounded = any(bound is not None for bound in (above, below, near))
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        if bounded:
            raise ValueError("a bool claim takes no bound (above, below, near)")
        if not value:
            raise ClaimFailed(f"claim does not hold: {claim}")
        print(f"claim holds: {claim}")
        return
    if not isinstance(value, int | float):
        raise TypeError(f"value must be a number or a bool, got {type(value).__name__}")
    if not bounded:
        raise ValueError("a numeric claim needs a bound: above=, below=, or near= with tol=")
    condition = _condition(above, below, near, tol)
    ok = math.isfinite(value)
    if above is not None:
        ok = ok and value > above
    if below is not None:
        ok = ok and value < below
    if near is not None:
        ok = ok and abs(value - near) <= tol
    if not ok:
        raise ClaimFailed(f"claim does not hold: {claim}: got {value!r}, required value {condition}")
    print(f"claim holds: {claim} (value {condition})")


def show_source(obj: Any, *, members: Sequence[str] | None = None) -> Markdown:
    """The library's own source of ``obj`` (a class or function), to display on the page.

    The chapters show the code they teach from the library itself, so a listing cannot drift from what
    runs. ``members`` restricts a class to some of its methods (e.g. ``["__init__", "forward"]``), shown
    in that order. Returns a Markdown code block: Jupyter, Colab and the rendered book all highlight it.
    """
    if members is None:
        pieces = [inspect.getsource(obj)]
    else:
        if not inspect.isclass(obj):
            raise TypeError(f"members= needs a class, got {type(obj).__name__}")
        missing = [name for name in members if name not in vars(obj)]
        if missing:
            raise ValueError(f"{obj.__name__} defines no {missing}; it defines {sorted(vars(obj))}")
        pieces = [textwrap.dedent(inspect.getsource(vars(obj)[name])) for name in members]
    from IPython.display import Markdown

    module = inspect.getmodule(obj)
    where = module.__name__ if module is not None else "?"
    header = f"# {where}.{obj.__qualname__}" + (f" ({', '.join(members)})" if members else "")
    body = "\n\n".join(piece.rstrip("\n") for piece in pieces)
    return Markdown(f"```python\n{header}\n{body}\n```")
