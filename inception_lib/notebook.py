"""Notebook helpers shared by every chapter: seeding and ``glue`` for numbers quoted in the prose.

``glue`` writes the same output that myst-nb's ``glue`` writes (a display with ``scrapbook`` metadata),
so the rendered book can quote a computed number with ``{glue:text}`name``` while the notebook still runs
where myst-nb is not installed (Colab). nbval compares the stored text like any other output.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch

__all__ = ["glue", "seed_everything"]

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
