"""The alignment of two structures: the reference's and the reader's, walked together in forward order.

Chains are aligned by edit distance (layers of the same kind pair up; a layer missing or extra costs more
than a changed one), joins are compared branch by branch. The first difference stops the walk
(:class:`Diverged`) with a :class:`Finding` from the catalogue (:mod:`.mistakes`); the pairs matched
before it are kept in :attr:`Comparer.pairs`, in forward order.
"""

from __future__ import annotations

import math
from typing import Any

from . import mistakes
from .recording import Op
from .report import Finding
from .structure import Join, describe_layer, minor, yours

__all__ = ["ATTR_ORDER", "Diverged", "Comparer", "align"]

# The attributes compared, in the order a difference is reported.
ATTR_ORDER = {
    "conv": ["kernel", "in", "out", "stride", "padding", "bias", "dilation", "groups"],
    "bn": ["channels", "eps", "affine"],
    "act": ["name"],
    "pool": ["type", "kernel", "stride", "padding", "count_include_pad", "ceil_mode", "output_size"],
    "linear": ["in", "out", "bias"],
    "other": ["name"],
}


class Diverged(Exception):
    """The walk found the first difference."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.what)
        self.finding = finding


def _token(item: Any) -> str:
    if isinstance(item, Join):
        return "join"
    a = item.attrs
    if item.kind in ("conv", "pool"):
        return f"{item.kind}{a.get('kernel', '')}{a.get('type', '')}"
    return f"{item.kind}{a.get('name', '')}"


def _cost(r: Any, y: Any) -> int:
    if isinstance(r, Join) or isinstance(y, Join):
        return 0 if isinstance(r, Join) and isinstance(y, Join) else 5
    if r.kind != y.kind:
        return 5
    return 0 if _token(r) == _token(y) else 1


def align(ref: list, yours: list) -> list[tuple[str, int, int]]:
    """Edit-distance alignment in forward order: ("pair", i, j), ("delete", i, j) for ref[i] missing
    before yours[j], ("insert", i, j) for yours[j] extra before ref[i]. Layers of the same kind pair up
    (their differences are reported as attributes, e.g. 7×1 where the reference has 1×7); a layer
    missing or extra costs more than a changed one, and layers of different kinds never pair."""
    # e[i][j]: the cost of aligning ref[i:] with yours[j:]; traced from the start, preferring pairs, so
    # that everything before the first reported difference matches.
    n, m = len(ref), len(yours)
    e = [[2 * ((n - i) + (m - j)) for j in range(m + 1)] for i in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            e[i][j] = min(e[i + 1][j + 1] + _cost(ref[i], yours[j]), e[i + 1][j] + 2, e[i][j + 1] + 2)
    steps = []
    i = j = 0
    while i < n or j < m:
        pair = _cost(ref[i], yours[j]) if i < n and j < m else 5
        if pair < 4 and e[i][j] == e[i + 1][j + 1] + pair:
            steps.append(("pair", i, j))
            i, j = i + 1, j + 1
        elif i < n and e[i][j] == e[i + 1][j] + 2:
            steps.append(("delete", i, j))
            i += 1
        else:
            steps.append(("insert", i, j))
            j += 1
    return steps


def _where(seq: list, pos: int, ctx: list[str], top: bool) -> str:
    """'branch 2, layer 3', 'branch 1, after layer 1', 'module 2', 'the end' ..."""
    if pos >= len(seq):
        return ", ".join(ctx + ["the end"]) if ctx else "the end"
    item = seq[pos]
    if isinstance(item, Join):
        if top and len(seq) == 1:
            return ", ".join(ctx) or "the concatenation"
        n = sum(isinstance(i, Join) for i in seq[: pos + 1])
        return ", ".join(ctx + [f"module {n}"])
    n = sum(not isinstance(i, Join) and not minor(i) for i in seq[: pos + 1])
    return ", ".join(ctx + [f"layer {n}" if not minor(item) else f"after layer {n}"])


def _join_ctx(seq: list, pos: int, ctx: list[str], top: bool) -> list[str]:
    if top and len(seq) == 1:
        return ctx
    return ctx + [f"module {sum(isinstance(i, Join) for i in seq[: pos + 1])}"]


def _later_stride(ref: list, i: int, yours: list, j: int) -> str:
    """The reference's next strided convolution where the reader's is not strided, described."""
    for r, y in zip(ref[i + 1 :], yours[j + 1 :], strict=False):
        if isinstance(r, Op) and isinstance(y, Op) and r.kind == y.kind == "conv":
            if r.attrs["stride"] != (1, 1) and y.attrs["stride"] == (1, 1):
                return describe_layer(r, stride=False)
    return ""


def _runs(steps: list[tuple[str, int, int]]) -> list[tuple[str, int, int, int, int]]:
    """Steps grouped: ("pair", i, i + 1, j, j + 1), or a run of deletions and insertions as one gap with its
    tag (replace, delete or insert) and its ranges."""
    out: list[tuple[str, int, int, int, int]] = []
    k = 0
    while k < len(steps):
        kind, i, j = steps[k]
        if kind == "pair":
            out.append(("pair", i, i + 1, j, j + 1))
            k += 1
            continue
        run = []
        while k < len(steps) and steps[k][0] != "pair":
            run.append(steps[k])
            k += 1
        dels = [s for s in run if s[0] == "delete"]
        ins = [s for s in run if s[0] == "insert"]
        i1 = dels[0][1] if dels else run[0][1]
        j1 = ins[0][2] if ins else run[0][2]
        tag = "replace" if dels and ins else "delete" if dels else "insert"
        out.append((tag, i1, i1 + len(dels), j1, j1 + len(ins)))
    return out


class Comparer:
    """Walks the reference's structure and the reader's together; raises Diverged at the first difference."""

    def __init__(self, partial: bool) -> None:
        self.pairs: list[tuple[Op, Op]] = []
        self.partial = partial  # the reader's forward stopped early: a missing tail is not the first mistake

    def seq(self, ref: list, yours: list, ctx: list[str], top: bool = False) -> None:
        for tag, i1, i2, j1, j2 in _runs(align(ref, yours)):
            if tag == "pair":
                self.item(ref, i1, yours, j1, ctx, top)
                continue
            if tag == "delete" and j1 == len(yours) and self.partial and top:
                return  # the reader's forward stopped early; what it ran so far matches
            where = _where(ref, i1, ctx, top), _where(yours, j1, ctx, top)
            self.gap(tag, mistakes.Gap(ref, i1, i2, yours, j1, j2, *where), ctx, top)

    def item(self, ref: list, i: int, yours: list, j: int, ctx: list[str], top: bool) -> None:
        r, y = ref[i], yours[j]
        if isinstance(r, Join):
            self.join(r, y, _join_ctx(ref, i, ctx, top), _where(yours, j, ctx, top))
            return
        for attr in ATTR_ORDER.get(r.kind, []):
            rv, yv = r.attrs.get(attr), y.attrs.get(attr)
            same = math.isclose(rv, yv, rel_tol=1e-9) if attr == "eps" else rv == yv
            if not same:
                raise Diverged(self.attribute(attr, ref, i, yours, j, ctx, top))
        self.pairs.append((r, y))

    @staticmethod
    def attribute(attr: str, ref: list, i: int, yours_: list, j: int, ctx: list[str], top: bool) -> Finding:
        r, y = ref[i], yours_[j]
        at = _where(ref, i, ctx, top) + yours(y)
        later = _later_stride(ref, i, yours_, j) if r.kind == "conv" and attr == "stride" else ""
        return mistakes.attribute_mistake(mistakes.Mismatch(attr, r, y, at, later))

    def join(self, r: Join, y: Join, ctx: list[str], where: str) -> None:
        finding = mistakes.join_mistake(mistakes.JoinPair(r, y, where + yours(y.op)))
        if finding is not None:
            raise Diverged(finding)
        for k, (rb, yb) in enumerate(zip(r.branches, y.branches, strict=True)):
            self.seq(rb, yb, ctx + [f"branch {k + 1}"])

    def gap(self, tag: str, g: mistakes.Gap, ctx: list[str], top: bool) -> None:
        if tag == "delete":
            raise Diverged(mistakes.missing_mistake(g))
        if tag == "insert":
            raise Diverged(mistakes.extra_mistake(g))
        r0, y0 = g.ref[g.i1], g.yours[g.j1]
        if isinstance(r0, Op) and isinstance(y0, Op) and r0.kind == y0.kind:  # one layer changed
            attr = "kernel" if r0.kind == "conv" else "type" if r0.kind == "pool" else "name"
            raise Diverged(self.attribute(attr, g.ref, g.i1, g.yours, g.j1, ctx, top))
        raise Diverged(mistakes.replaced_mistake(g))
