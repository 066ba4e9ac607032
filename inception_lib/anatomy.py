"""Module anatomy: the small facts about a module that figures, counts and checks all need.

``eval_mode`` runs a block of code with a module in evaluation mode and puts its mode back afterwards
(drawing, counting and evaluating all look at a model without changing it); ``pair`` reads a
convolution or pooling argument (an int or a pair) as ``(height, width)``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from torch import nn

__all__ = ["eval_mode", "pair"]


@contextmanager
def eval_mode(module: nn.Module) -> Iterator[nn.Module]:
    """``with eval_mode(model):`` runs the block in ``model.eval()`` and restores the previous mode.

    BatchNorm uses its running statistics and dropout is off inside, so looking at a model (a forward
    pass for a figure, a count, an evaluation) never updates its statistics; the caller's training mode
    comes back even if the block raises.
    """
    was_training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was_training)


def pair(value: int | Sequence[int]) -> tuple[int, int]:
    """A kernel size, stride, padding or dilation as ``(height, width)``: 3 -> (3, 3), (1, 7) -> (1, 7)."""
    if isinstance(value, int):
        return value, value
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
        return int(value[0]), int(value[1])
    raise ValueError(f"expected an int or a pair (height, width) of ints, got {value!r}")
