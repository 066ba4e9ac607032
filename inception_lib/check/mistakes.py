"""The catalogue of mistakes: one small function per family, each turning a difference into plain words.

Three kinds of difference reach the catalogue, each with the facts a message needs:

* :class:`Mismatch`: a layer that pairs up with the reference's but differs in one attribute (padding,
  stride, kernel, channels, bias, BatchNorm eps, pooling, activation, fully connected layer). The family is
  chosen by ``(kind, attribute)`` in :data:`ATTRIBUTE_MISTAKES`, then ``(kind, None)``.
* :class:`Gap`: layers on one side only (a missing 1×1 reduction, ReLU or BatchNorm, a layer missing or
  extra, branches missing or extra). :data:`MISSING_MISTAKES` and :data:`REPLACED_MISTAKES` are tried in
  order; the first that recognises the gap names it.
* :class:`JoinPair`: two concatenations (added instead of concatenated, another dimension, another number
  or order of branches), tried in the order of :data:`JOIN_MISTAKES`.

Adding a mistake: write its function here, register it, and plant it in one test of tests/test_check.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .recording import Op
from .report import Finding
from .structure import Join, branch_label, describe_layer, hw, label, minor, signature_seq, yours

__all__ = [
    "Mismatch", "Gap", "JoinPair", "ATTRIBUTE_MISTAKES", "MISSING_MISTAKES", "REPLACED_MISTAKES",
    "JOIN_MISTAKES",
    "attribute_mistake", "missing_mistake", "extra_mistake", "replaced_mistake", "join_mistake",
]


# --------------------------------------------------------------------------------------------------------
# A layer that differs in one attribute


@dataclass
class Mismatch:
    """Layer ``r`` of the reference and the reader's ``y`` pair up but differ in ``attr``."""

    attr: str
    r: Op
    y: Op
    at: str  # where, in words
    later: str = ""  # for a stride: the reference's later strided layer, described

    @property
    def rv(self) -> Any:
        return self.r.attrs.get(self.attr)

    @property
    def yv(self) -> Any:
        return self.y.attrs.get(self.attr)

    @property
    def layer(self) -> str:
        return describe_layer(self.y)

    @property
    def grid(self) -> str:
        """' Its output is 17×11 × 16; the reference's is 17×17 × 16.' where the output grids differ."""
        r, y = self.r.shape, self.y.shape
        if not (r and y and r != y and len(r) == 3):
            return ""
        return f" Its output is {hw(y[1:])} × {y[0]}; the reference's is {hw(r[1:])} × {r[0]}."


def conv_padding(m: Mismatch) -> Finding:
    kh, kw = m.r.attrs["kernel"]
    if m.r.attrs["stride"] == (1, 1):
        hint = (
            f"a stride-1 {kh}×{kw} convolution keeps the grid size with padding ({kh // 2}, {kw // 2}): "
            "(k-1)/2 on each side along each axis, so a 1×n is padded along its width only, "
            "e.g. padding=(0, 3) for a 1×7 and (3, 0) for a 7×1."
        )
    else:
        hint = "the stride-2 convolutions of the released network are unpadded: 35 → 17 and 17 → 8."
    what = "1×n / n×1 padding" if 1 in (kh, kw) and kh != kw else "padding"
    message = f"{m.layer} has padding {m.yv}; the reference's has padding {m.rv}.{m.grid}"
    return Finding(what, m.at, message, hint)


def conv_bias(m: Mismatch) -> Finding:
    if not m.yv:
        return Finding("conv bias", m.at, f"{m.layer} has no bias; the reference's has one.")
    return Finding(
        "conv bias before BatchNorm",
        m.at,
        f"{m.layer} has a bias ({m.y.attrs['out']} extra parameters); the reference's has none.",
        "the BatchNorm right after subtracts the mean and adds its own shift (beta), "
        "which cancels a conv bias: build the convolution with bias=False.",
    )


def conv_stride(m: Mismatch) -> Finding:
    layer = describe_layer(m.y, stride=False)
    if m.yv != (1, 1) and m.rv == (1, 1):
        later = f" and halves the grid later, at {m.later}." if m.later else "."
        return Finding(
            "stride on the wrong convolution" if m.later else "stride",
            m.at,
            f"{layer} has stride {m.yv[0]}; the reference keeps it at stride 1{later}{m.grid}",
            "in a grid reduction each branch works on the full grid and only its last 3×3 has stride 2; "
            "a stride on an earlier layer throws away three of every four positions "
            "before the 3×3 convolutions have seen them.",
        )
    return Finding(
        "stride",
        m.at,
        f"{layer} has stride {m.yv[0]}; the reference's has stride {m.rv[0]}.{m.grid}",
        "in a grid reduction the last 3×3 of each conv branch has stride 2 (and no padding).",
    )


def conv_kernel(m: Mismatch) -> Finding:
    swapped = sorted(m.rv) == sorted(m.yv)
    hint = (
        "the factorized branches alternate the order of their 1×n and n×1 factors; "
        "follow the reference's order."
    )
    message = f"your layer here is a {hw(m.yv)} convolution; the reference's is {hw(m.rv)}."
    return Finding("kernel size", m.at, message, hint if swapped else "")


def conv_channels(m: Mismatch) -> Finding:
    r, y = m.r.attrs, m.y.attrs
    return Finding(
        "channels",
        m.at,
        f"{m.layer} maps {y['in']} → {y['out']} channels; the reference maps {r['in']} → {r['out']}.",
        "check which constructor argument sets this layer's width.",
    )


def batchnorm_eps(m: Mismatch) -> Finding:
    return Finding(
        "BatchNorm eps",
        m.at,
        f"your BatchNorm has eps={m.yv:g}; the reference uses eps={m.rv:g}.",
        "PyTorch's default is 1e-5; "
        "Inception-v3 uses 0.001, the value Google's TensorFlow checkpoints were trained with: "
        "nn.BatchNorm2d(channels, eps=0.001).",
    )


def batchnorm_other(m: Mismatch) -> Finding:
    message = f"your BatchNorm has {m.attr}={m.yv}; the reference's has {m.attr}={m.rv}."
    return Finding("BatchNorm", m.at, message)


def pooling_type(m: Mismatch) -> Finding:
    if m.rv == "average":
        hint = (
            "the pool branch of the Figure 5, 6 and 7 modules averages: "
            "a 3×3 average pooling with stride 1 and padding 1 "
            "(nn.AvgPool2d(3, stride=1, padding=1)) before its 1×1."
        )
    else:
        hint = "the grid reductions (and GoogLeNet's pool branch) use max pooling."
    message = f"{m.layer} is {m.yv} pooling; the reference's is {m.rv} pooling."
    return Finding("average vs max pooling", m.at, message, hint)


def pooling_padding_counted(m: Mismatch) -> Finding:
    return Finding(
        "average pooling padding",
        m.at,
        f"your average pooling has count_include_pad={m.yv}; the reference's has count_include_pad={m.rv}.",
        "PyTorch's average pooling counts the zero padding in the average by default, as torchvision does; "
        "TensorFlow leaves it out. "
        "Keep PyTorch's default to match the reference.",
    )


def pooling_other(m: Mismatch) -> Finding:
    return Finding(
        f"pooling {m.attr.replace('_', ' ')}",
        m.at,
        f"{m.layer} has {m.attr}={m.yv}; the reference's has {m.attr}={m.rv}.{m.grid}",
        "the pool branch of an Inception module keeps the grid (3×3, stride 1, padding 1); "
        "the pooling of a grid reduction halves it (3×3, stride 2, no padding).",
    )


def activation(m: Mismatch) -> Finding:
    return Finding("activation", m.at, f"your activation here is {m.yv}; the reference uses {m.rv}.")


def fully_connected(m: Mismatch) -> Finding:
    if m.attr == "bias" and not m.rv:
        return Finding(
            "fully connected layer",
            m.at,
            f"{m.layer} has a bias; the reference's has none.",
            "with BN-auxiliary the fully connected layer is batch-normalised: "
            "nn.Linear(..., bias=False) followed by nn.BatchNorm1d(classes, eps=0.001), "
            "whose shift takes the bias's place.",
        )
    message = f"{m.layer} has {m.attr}={m.yv}; the reference's has {m.attr}={m.rv}."
    return Finding("fully connected layer", m.at, message)


def different_operation(m: Mismatch) -> Finding:
    message = f"your forward runs `{m.yv}` here; the reference runs `{m.rv}`."
    return Finding("different operation", m.at, message)


ATTRIBUTE_MISTAKES: dict[tuple[str, str | None], Callable[[Mismatch], Finding]] = {
    ("conv", "padding"): conv_padding,
    ("conv", "bias"): conv_bias,
    ("conv", "stride"): conv_stride,
    ("conv", "kernel"): conv_kernel,
    ("conv", "in"): conv_channels,
    ("conv", "out"): conv_channels,
    ("bn", "eps"): batchnorm_eps,
    ("bn", None): batchnorm_other,
    ("pool", "type"): pooling_type,
    ("pool", "count_include_pad"): pooling_padding_counted,
    ("pool", None): pooling_other,
    ("act", None): activation,
    ("linear", None): fully_connected,
}


def attribute_mistake(m: Mismatch) -> Finding:
    """The family of a one-attribute difference, chosen by (kind, attribute), then by kind."""
    kind, catalogue = m.r.kind, ATTRIBUTE_MISTAKES
    family = catalogue.get((kind, m.attr)) or catalogue.get((kind, None)) or different_operation
    return family(m)


# --------------------------------------------------------------------------------------------------------
# Layers on one side only


@dataclass
class Gap:
    """``ref[i1:i2]`` stand where the reader has ``yours[j1:j2]`` (one of the two ranges may be empty)."""

    ref: list
    i1: int
    i2: int
    yours: list
    j1: int
    j2: int
    at: str  # where in the reference, in words
    at_yours: str  # where in the reader's module, in words

    @property
    def prev(self) -> Any:
        return self.yours[self.j1 - 1] if self.j1 > 0 else None

    @property
    def after(self) -> str:
        if isinstance(self.prev, Op):
            return f"after {describe_layer(self.prev)}"
        return "after the concatenation" if isinstance(self.prev, Join) else "at the start"

    @property
    def missing(self) -> list:
        return self.ref[self.i1 : self.i2]

    @property
    def kinds(self) -> list[str]:
        return [i.kind for i in self.missing if isinstance(i, Op)]

    @property
    def at_prev(self) -> str:
        return self.at + (yours(self.prev) if isinstance(self.prev, Op) else "")


def missing_reduction(g: Gap) -> Finding | None:
    first = g.missing[0]
    if not (isinstance(first, Op) and first.kind == "conv" and first.attrs["kernel"] == (1, 1)):
        return None
    if g.i2 >= len(g.ref):
        return None
    nxt, a = label(g.ref[g.i2]), first.attrs
    return Finding(
        "missing 1×1 reduction",
        g.at,
        f"the reference starts with a 1×1 convolution that reduces {a['in']} → {a['out']} channels "
        f"before the {nxt}; yours has no such layer, so your {nxt} works on all {a['in']} input channels.",
        "add a 1×1 conv-BN-ReLU before it: "
        "the cheap 1×1 reduction is what keeps the larger kernels of an Inception module affordable.",
    )


def missing_relu(g: Gap) -> Finding | None:
    if g.kinds != ["act"]:
        return None
    nxt = g.ref[g.i2] if g.i2 < len(g.ref) else None
    if isinstance(nxt, Op) and nxt.kind == "conv":
        what = "ReLU missing between factors"
        hint = (
            "the paper keeps a ReLU between the factors of a factorized convolution "
            "(sec. 3.1: it trained better than a linear first factor); "
            "every conv-BN unit here ends in a ReLU."
        )
    else:
        what, hint = "ReLU missing", "every conv-BN unit of Inception-v3 ends in a ReLU."
    return Finding(what, g.at_prev, f"the reference applies a ReLU {g.after}; yours does not.", hint)


def missing_batchnorm(g: Gap) -> Finding | None:
    if not g.kinds or g.kinds[0] != "bn":
        return None
    return Finding(
        "BatchNorm missing",
        g.at_prev,
        f"the reference applies BatchNorm {g.after}; yours does not.",
        "every convolution is followed by BatchNorm(eps=0.001) and a ReLU.",
    )


def missing_at_the_end(g: Gap) -> Finding | None:
    if g.j1 != len(g.yours):
        return None
    rest = " → ".join(label(i) for i in g.missing if not minor(i))
    message = f"yours stops here; the reference continues with {rest}."
    return Finding("missing layers at the end", g.at_prev, message)


def missing_layer(g: Gap) -> Finding:
    names = " → ".join(label(i) for i in g.missing if not minor(i)) or label(g.missing[0])
    message = f"the reference has {names} here ({g.after}); yours goes on with {label(g.yours[g.j1])}."
    return Finding("missing layer", g.at_prev, message)


MISSING_MISTAKES: list[Callable[[Gap], Finding | None]] = [
    missing_reduction, missing_relu, missing_batchnorm, missing_at_the_end, missing_layer,
]


def missing_mistake(g: Gap) -> Finding:
    """Layers of the reference that the reader's module lacks."""
    return next(f for f in (family(g) for family in MISSING_MISTAKES) if f is not None)


def extra_mistake(g: Gap) -> Finding:
    """Layers the reader's module has and the reference does not."""
    extra = g.yours[g.j1 : g.j2]
    at = g.at_yours + (yours(extra[0]) if isinstance(extra[0], Op) else "")
    only_act = [i.kind for i in extra if isinstance(i, Op)] == ["act"]
    hint = "the reference has no activation at this point." if only_act else ""
    names = " → ".join(label(i) for i in extra)
    return Finding("extra layer", at, f"yours has {names} {g.after}; the reference has nothing there.", hint)


def split_not_concatenated(g: Gap) -> Finding | None:
    r0, y0 = g.ref[g.i1], g.yours[g.j1]
    if not (isinstance(r0, Join) and isinstance(y0, Op)):
        return None
    kernels = [b[0].attrs.get("kernel") for b in r0.branches if b and isinstance(b[0], Op)]
    if not (len(r0.branches) == 2 and all(k and 1 in k for k in kernels)):
        return None
    return Finding(
        "1×3 ‖ 3×1 outputs not concatenated",
        g.at + yours(y0),
        f"the reference splits here into {label(r0)}: "
        "both convolutions read the same input and their outputs are concatenated; "
        f"yours continues with a single chain ({label(y0)} …).",
        "Figure 7's expanded filter bank: "
        "apply the 1×3 and the 3×1 to the same tensor, then torch.cat([a, b], dim=1). "
        "Stacking them would be Figure 6's factorization instead.",
    )


def missing_branches(g: Gap) -> Finding | None:
    r0, y0 = g.ref[g.i1], g.yours[g.j1]
    if not (isinstance(r0, Join) and isinstance(y0, Op)):
        return None
    return Finding(
        "missing branches",
        g.at + yours(y0),
        f"the reference splits here into parallel branches {label(r0)} and concatenates them; "
        f"yours continues with {describe_layer(y0)}.",
    )


def extra_branches(g: Gap) -> Finding | None:
    r0, y0 = g.ref[g.i1], g.yours[g.j1]
    if not (isinstance(y0, Join) and isinstance(r0, Op)):
        return None
    message = f"yours splits into {label(y0)} here; the reference has {describe_layer(r0)}."
    return Finding("extra branches", g.at, message)


def different_layer(g: Gap) -> Finding:
    r0, y0 = g.ref[g.i1], g.yours[g.j1]
    at = g.at + (yours(y0) if isinstance(y0, Op) else "")
    return Finding("different layer", at, f"the reference has {label(r0)} here, yours has {label(y0)}.")


REPLACED_MISTAKES: list[Callable[[Gap], Finding | None]] = [
    split_not_concatenated, missing_branches, extra_branches, different_layer,
]


def replaced_mistake(g: Gap) -> Finding:
    """Layers of other kinds where the reference has its own (a layer of the same kind is a Mismatch)."""
    return next(f for f in (family(g) for family in REPLACED_MISTAKES) if f is not None)


# --------------------------------------------------------------------------------------------------------
# Two concatenations


@dataclass
class JoinPair:
    """The reference's join ``r`` and the reader's ``y`` at the same place."""

    r: Join
    y: Join
    at: str

    @property
    def branches(self) -> str:
        return " | ".join(branch_label(b) for b in self.r.branches)


def combined_differently(p: JoinPair) -> Finding | None:
    if p.r.kind == p.y.kind or p.y.kind == "add":
        return None
    name = p.y.op.attrs.get("name", p.y.kind) if p.y.op is not None else p.y.kind
    return Finding(
        "branches combined differently",
        p.at,
        f"your forward combines {label(p.y)} with `{name}`; "
        "the reference concatenates them along the channels.",
        "join branch outputs with torch.cat([...], dim=1).",
    )


def added_instead_of_concatenated(p: JoinPair) -> Finding | None:
    if p.r.kind == p.y.kind:
        return None
    adds = f"your forward adds the outputs of {label(p.y)}"
    message = f"{adds}; the reference concatenates them along the channels."
    return Finding(
        "branches added instead of concatenated",
        p.at,
        message,
        "join branch outputs with torch.cat([...], dim=1), "
        "which keeps every branch's channels side by side (the expanded filter bank of Figure 7); "
        "adding mixes them into one.",
    )


def concatenation_dimension(p: JoinPair) -> Finding | None:
    if p.r.dim == p.y.dim:
        return None
    return Finding(
        "concatenation dimension",
        p.at,
        f"your torch.cat joins along dim {p.y.dim}; the reference joins along dim {p.r.dim} (channels).",
        "tensors are (batch, channels, height, width): concatenate the branches with dim=1.",
    )


def number_of_branches(p: JoinPair) -> Finding | None:
    if len(p.r.branches) == len(p.y.branches):
        return None
    rs, ys = [signature_seq(b) for b in p.r.branches], [signature_seq(b) for b in p.y.branches]
    missing = [branch_label(b) for b, s in zip(p.r.branches, rs, strict=True) if s not in ys]
    extra = [branch_label(b) for b, s in zip(p.y.branches, ys, strict=True) if s not in rs]
    counts = f"{len(p.y.branches)} branches, the reference {len(p.r.branches)}"
    message = f"your concatenation joins {counts}: {p.branches}."
    if missing:
        message += f" Not matched in yours: {'; '.join(missing)}."
    if extra:
        message += f" Yours has instead: {'; '.join(extra)}."
    return Finding(
        "number of branches",
        p.at,
        message,
        "each branch starts from the module's input and ends in the concatenation; "
        "a branch that splits into a 1×3 and a 3×1 shares the layers before the split.",
    )


def concatenation_order(p: JoinPair) -> Finding | None:
    rs, ys = [signature_seq(b) for b in p.r.branches], [signature_seq(b) for b in p.y.branches]
    if sorted(rs) != sorted(ys) or rs == ys:
        return None
    order: list[int] = []  # for each of the reader's branches, the number of the reference's it matches
    for s in ys:
        order.append(1 + next(k for k, t in enumerate(rs) if t == s and k + 1 not in order))
    return Finding(
        "concatenation order",
        p.at,
        f"every branch matches, but yours concatenates them in the order {order} of the reference's branches "
        f"({p.branches}).",
        "the order of the tensors in torch.cat decides which channels hold which branch; "
        "the next layer's weights (and released checkpoints) expect the reference's order, "
        "so list the branches in that order.",
    )


JOIN_MISTAKES: list[Callable[[JoinPair], Finding | None]] = [
    combined_differently, added_instead_of_concatenated, concatenation_dimension, number_of_branches,
    concatenation_order,
]


def join_mistake(p: JoinPair) -> Finding | None:
    """The first way the reader's join differs from the reference's; None: the branches are compared next."""
    return next((f for f in (family(p) for family in JOIN_MISTAKES) if f is not None), None)
