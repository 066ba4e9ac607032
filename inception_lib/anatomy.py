"""Module anatomy: what a module is made of, read off one forward pass (chapters 2-4).

Figures, counts and receptive fields all need the same few facts about a module; this is their one home:

* ``eval_mode``: run a block of code with a module in evaluation mode and put its mode back afterwards
  (drawing, counting and evaluating look at a model without changing it);
* ``pair``: a convolution or pooling argument (an int or a pair) as ``(height, width)``, and ``window``:
  a sliding-window layer's kernel, stride and dilation;
* ``record_calls``: one forward pass with hooks on every submodule, which records the order of the calls,
  the tensors that went in and came out, and how each module combined its children;
* ``module_tree`` (``node_of`` for a submodule of a recording): the module as a tree of units, chains
  (each child takes the previous child's output) and branches (every child takes the module's input,
  their outputs are concatenated along channels, the paper's "filter concat"), with the shape of every
  output. The diagrams of chapters 2 and 3 are drawn from it, and chapter 4's receptive fields walk it;
* ``receptive_field``: how much of the input one output position sees, walking that tree (sec. 3.1's
  "a 3×3 stack sees 5×5", applied to any module).

Two pieces of anatomy live elsewhere on purpose. ``kernels`` (chapter 1) computes receptive fields in
closed form and by counting paths through a stack of *linear* convolutions: it shows where the rule comes
from, on single stacks, and ``module_tree`` is the general tool that applies the rule to any module.
``check.recording`` records a reader's forward pass at the level of torch *functions*
(``TorchFunctionMode``), not modules: a workbook's forward may call ``F.relu`` or ``torch.cat`` directly,
which forward hooks cannot see, while the figures here draw modules built from modules.

This module imports only torch and the standard library, so every other part of the library can use it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
from torch import nn

__all__ = [
    "eval_mode",
    "pair",
    "window",
    "Call",
    "record_calls",
    "Node",
    "node_of",
    "module_tree",
    "Field",
    "receptive_field",
]


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
    if isinstance(value, Sequence) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return value[0], value[1]
    raise ValueError(f"expected an int or a pair (height, width) of ints, got {value!r}")


Window = tuple[tuple[int, int], tuple[int, int], tuple[int, int]]


def window(module: nn.Module | None) -> Window | None:
    """``(kernel, stride, dilation)`` of a convolution or a (max or average) pooling layer, else None."""
    if isinstance(module, nn.Conv2d):
        return pair(module.kernel_size), pair(module.stride), pair(module.dilation)
    if isinstance(module, nn.MaxPool2d | nn.AvgPool2d):
        stride = module.stride if module.stride is not None else module.kernel_size
        return pair(module.kernel_size), pair(stride), pair(getattr(module, "dilation", 1))
    return None


# --- Recording: one forward pass, every submodule's call ------------------------------------------------


@dataclass(eq=False)
class Call:
    """One submodule's call in a recorded forward pass.

    ``input`` and ``output`` are the tensors themselves (kept alive, so identity tells which call fed
    which); ``shape`` is the output's shape without the batch dimension. ``children`` are the module's
    own children that ran inside it, in call order, and ``flow`` how it combined them, decided when the
    call returned: "chain", "branches" or None (no children ran, or a forward the two words do not
    describe, e.g. with functional operations between the children).
    """

    order: int
    input: object
    output: object = None
    shape: tuple[int, ...] = ()
    children: list[nn.Module] = field(default_factory=list)
    flow: str | None = None


def _flow(call: Call, calls: dict[int, Call]) -> str | None:
    """How a finished call combined its children: "chain", "branches" or None."""
    records = [calls[id(c)] for c in call.children]
    if not records:
        return None
    linked = all(b.input is a.output for a, b in zip(records, records[1:], strict=False))
    if records[0].input is call.input and linked and records[-1].output is call.output:
        return "chain"
    out, outputs = call.output, [r.output for r in records]
    if not all(r.input is call.input for r in records) or not isinstance(out, torch.Tensor) or out.dim() < 2:
        return None
    shared = _besides_channels(out)
    if not all(isinstance(o, torch.Tensor) and _besides_channels(o) == shared for o in outputs):
        return None
    joined = torch.cat(outputs, dim=1)  # compared now, before a later in-place operation changes a value
    return "branches" if joined.shape == out.shape and torch.equal(joined, out) else None


def _besides_channels(t: torch.Tensor) -> tuple[int, ...]:
    """A tensor's shape without its channel dimension (dimension 1): what concatenated tensors share."""
    return (t.dim(), *t.shape[:1], *t.shape[2:])


class _Recorder:
    """Forward hooks on every submodule of ``module`` that fill ``calls``, keyed by ``id(submodule)``."""

    def __init__(self, module: nn.Module) -> None:
        self.calls: dict[int, Call] = {}
        self.handles = []
        for m in module.modules():
            self.handles.append(m.register_forward_pre_hook(self._before))
            self.handles.append(m.register_forward_hook(self._after))

    def _before(self, m: nn.Module, args: tuple) -> None:
        if id(m) in self.calls:
            raise ValueError(f"{type(m).__name__} is called twice in one forward pass: it is not a tree")
        self.calls[id(m)] = Call(len(self.calls), args[0] if args else None)

    def _after(self, m: nn.Module, args: tuple, output: object) -> None:
        call = self.calls[id(m)]
        call.output = output
        if isinstance(output, torch.Tensor):
            call.shape = tuple(int(s) for s in output.shape[1:])
        ran = [c for c in m.children() if id(c) in self.calls and self.calls[id(c)].order > call.order]
        call.children = sorted(ran, key=lambda c: self.calls[id(c)].order)
        call.flow = _flow(call, self.calls)

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def record_calls(module: nn.Module, x: torch.Tensor) -> dict[int, Call]:
    """Run ``module(x)`` once (eval mode, no gradients) and return every submodule's :class:`Call`.

    Keyed by ``id(submodule)``; a submodule that did not run (e.g. an auxiliary head in eval mode) has no
    entry. A submodule called twice raises ValueError.
    """
    recorder = _Recorder(module)
    try:
        with eval_mode(module), torch.no_grad():
            module(x)
    finally:
        recorder.remove()
    return recorder.calls


# --- The tree of units, chains and branches ----------------------------------------------------------


@dataclass
class Node:
    """One node of a module's tree.

    ``kind`` is "input" (the tensor the module receives; ``module`` is None), "unit" (a module drawn
    and counted as one step: a layer without children, or one of the ``units`` types asked for), "chain"
    (children applied one after another) or "branches" (children applied to the same input, their outputs
    concatenated along channels). ``shape`` is the node's output without the batch dimension, e.g.
    (C, H, W).
    """

    kind: str
    module: nn.Module | None
    shape: tuple[int, ...]
    children: list[Node] = field(default_factory=list)

    @property
    def width(self) -> int:
        """Columns a drawing needs: one per unit side by side."""
        if not self.children:
            return 1
        widths = [c.width for c in self.children]
        return max(widths) if self.kind == "chain" else sum(widths)

    @property
    def height(self) -> int:
        """Rows a drawing needs: one per unit stacked; branches add a row for their concatenation."""
        if not self.children:
            return 1
        heights = [c.height for c in self.children]
        return sum(heights) if self.kind == "chain" else max(heights) + 1


def node_of(module: nn.Module, calls: dict[int, Call], units: tuple[type, ...] = ()) -> Node:
    """The tree of ``module`` from a recording (``record_calls``); ``units`` types are not opened.

    Raises ValueError for a module whose children ran but neither as a chain nor as concatenated
    branches (functional operations between them are invisible to forward hooks).
    """
    call = calls[id(module)]
    if not call.children or isinstance(module, units):
        return Node("unit", module, call.shape)
    if call.flow is None:
        raise ValueError(
            f"cannot read {type(module).__name__} as a tree: its forward is neither a chain nor a channel "
            "concatenation of its child modules (functional operations in forward() are invisible here)"
        )
    return Node(call.flow, module, call.shape, [node_of(c, calls, units) for c in call.children])


def module_tree(module: nn.Module, input_shape: Sequence[int], units: tuple[type, ...] = ()) -> Node:
    """``module`` as a tree, from one forward pass on a seeded random batch of one of ``input_shape``.

    The root is a chain that starts with an "input" node of ``input_shape`` (without the batch
    dimension), followed by the module's own steps (its chain's children, or the module as one node).
    ``units`` lists module types to keep as single units (e.g. a conv-BN-ReLU for a diagram). Random
    input rather than zeros, so that a concatenation is recognised by its values.
    """
    shape = tuple(int(s) for s in input_shape)
    x = torch.randn(1, *shape, generator=torch.Generator().manual_seed(0))
    root = node_of(module, record_calls(module, x), units)
    steps = root.children if root.kind == "chain" else [root]
    return Node("chain", module, root.shape, [Node("input", None, shape), *steps])


# --- Receptive fields, walking the tree ---------------------------------------------------------------

Field = tuple[int, int, int, int]  # (height, width, jump height, jump width) in input pixels


def receptive_field(node: Node, field: Field | None = (1, 1, 1, 1)) -> Field | None:
    """The receptive field after ``node``, given the field of its input (None: the whole input).

    A sliding window grows the field by (kernel - 1) × dilation × jump and multiplies the jump (the
    distance in input pixels between neighbouring outputs) by its stride; padding only moves the window.
    A chain applies its children in turn; parallel branches take the largest field; global (adaptive)
    pooling sees the whole input; any other layer (BatchNorm, ReLU, dropout) keeps the field. The tree
    must be built without ``units`` that hide a window.
    """
    module = node.module
    if field is None or isinstance(module, nn.AdaptiveAvgPool2d | nn.AdaptiveMaxPool2d):
        return None
    sliding = window(module)
    if sliding is not None:
        (kh, kw), (sh, sw), (dh, dw) = sliding
        rh, rw, jh, jw = field
        return rh + (kh - 1) * dh * jh, rw + (kw - 1) * dw * jw, jh * sh, jw * sw
    if node.kind == "chain":
        for child in node.children:
            field = receptive_field(child, field)
        return field
    if node.kind == "branches":
        fields = [receptive_field(child, field) for child in node.children]
        if any(f is None for f in fields):
            return None
        return tuple(max(f[i] for f in fields) for i in range(4))  # type: ignore[return-value]
    if node.kind == "unit" and module is not None and any(True for _ in module.children()):
        raise ValueError(f"{type(module).__name__} is a closed unit: build the tree without units")
    return field
