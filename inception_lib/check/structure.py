"""The structure of a recorded forward pass: chains of layers and parallel branches, and words for them.

The recorded operations are arranged by how tensors flow: a ``torch.cat`` of branches becomes a
:class:`Join` holding its parallel branches (nested or flat concatenations alike), everything else a chain
in forward order. Labels (``'1×7 conv'``), phrases for prose (``'the 1×7 convolution (128 → 128
channels)'``) and signatures (to compare branches regardless of names) are read from that structure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from .recording import Op, Recorder

__all__ = [
    "Join", "structure", "hw", "label", "minor", "describe_layer", "yours", "signature_seq", "branch_label",
    "count",
]


@dataclass(eq=False)
class Join:
    """Parallel branches joined by a concatenation (or an addition, or another operation)."""

    kind: str  # cat or add
    dim: Any
    branches: list[list]  # each a list of Op | Join, in forward order
    op: Op | None


class _Graph:
    def __init__(self, ops: list[Op]) -> None:
        self.anc: dict[int, set[int]] = {}
        for op in ops:
            self._ancestors(op)

    def _ancestors(self, op: Op) -> set[int]:
        if id(op) not in self.anc:
            s = {id(op)}
            for i in op.inputs:
                s |= self._ancestors(i)
            self.anc[id(op)] = s
        return self.anc[id(op)]

    def leaves(self, op: Op) -> list[Op]:
        out: list[Op] = []
        for i in op.inputs:
            if i.kind == "cat" and op.kind == "cat" and i.attrs.get("dim") == op.attrs.get("dim"):
                out.extend(self.leaves(i))
            else:
                out.append(i)
        return out

    def seq(self, node: Op | list[Op], stop: Op | None, join: Op | None = None) -> list:
        """The chain that ends at ``node`` (an op, or a group of branch ends), back to ``stop``."""
        items: list = []
        cur: Any = node
        while cur is not stop:
            group = isinstance(cur, list)
            if group or cur.kind == "cat" or len(cur.inputs) > 1:
                item, cur = self._join(cur if group else self.leaves(cur), join if group else cur)
                items.append(item)
            else:
                items.append(cur)
                if cur.kind == "input" or not cur.inputs:
                    break
                cur = cur.inputs[0]
            if cur is None:
                break
        items.reverse()
        return [i for i in items if not (isinstance(i, Op) and i.kind == "input")]

    def _join(self, leaves: list[Op], op: Op | None) -> tuple[Join, Op | None]:
        """The branches that end in ``leaves`` and the op they fork from."""
        common = set.intersection(*(self._ancestors(leaf) for leaf in leaves))
        fork = max((o for o in self._all(leaves) if id(o) in common), key=lambda o: o.index, default=None)
        branches = [self.seq(g[0] if len(g) == 1 else g, fork, op) for g in self._groups(leaves, fork)]
        kind = "cat" if op is None or op.kind == "cat" else op.kind
        return Join(kind, op.attrs.get("dim") if op else 1, branches, op), fork

    def _all(self, leaves: list[Op]) -> list[Op]:
        seen: dict[int, Op] = {}
        todo = list(leaves)
        while todo:
            o = todo.pop()
            if id(o) not in seen:
                seen[id(o)] = o
                todo.extend(o.inputs)
        return list(seen.values())

    def _groups(self, leaves: list[Op], fork: Op | None) -> list[list[Op]]:
        base = self._ancestors(fork) if fork is not None else set()
        beyond = [self._ancestors(leaf) - base for leaf in leaves]
        groups: list[list[int]] = []
        for i in range(len(leaves)):
            for g in groups:
                if any(beyond[i] & beyond[j] for j in g):
                    g.append(i)
                    break
            else:
                groups.append([i])
        return [[leaves[i] for i in g] for g in groups]


def structure(rec: Recorder, root: Op) -> list:
    """The recorded operations that lead to ``root``, as a chain of Op and Join items."""
    return _Graph(rec.ops).seq(root, rec.input)


# ---- words for layers


def hw(t: tuple[int, ...]) -> str:
    return "×".join(str(v) for v in t)


def label(item: Any) -> str:
    """A short label: '1×7 conv', 'avg pool 3×3', '[1×3 ‖ 3×1]'."""
    if isinstance(item, Join):
        inner = " ‖ ".join(branch_label(b) for b in item.branches)
        if item.kind == "cat":
            return f"[{inner}]"
        if item.kind == "add":
            return f"sum of [{inner}]"
        return f"{item.op.attrs.get('name', item.kind) if item.op is not None else item.kind} of [{inner}]"
    a = item.attrs
    if item.kind == "conv":
        stride = "" if a["stride"] == (1, 1) else f"/{a['stride'][0]}"
        return f"{hw(a['kernel'])}{stride} conv"
    if item.kind == "pool":
        if "output_size" in a:
            return f"{a['type']} pool to {hw(a['output_size'])}"
        return f"{'avg' if a['type'] == 'average' else 'max'} pool {hw(a['kernel'])}/{a['stride'][0]}"
    names = {"gpool": "global avg pool", "linear": "fc", "bn": "BN", "input": "input"}
    return names.get(item.kind, a.get("name", "" if item.kind == "act" else item.kind))


def minor(item: Any) -> bool:
    """BatchNorm and activations: parts of a layer, not layers of their own in labels and positions."""
    return isinstance(item, Op) and item.kind in ("bn", "act")


def describe_layer(op: Op, stride: bool = True) -> str:
    """A phrase for prose: 'the 1×7 convolution (128 → 128 channels)'."""
    a = op.attrs
    if op.kind == "conv":
        s = f"the {hw(a['kernel'])} convolution ({a['in']} → {a['out']} channels"
        return s + (f", stride {a['stride'][0]})" if a["stride"] != (1, 1) and stride else ")")
    if op.kind == "pool":
        if "output_size" in a:
            return f"the {a['type']} pooling to {hw(a['output_size'])}"
        where = f"stride {a['stride'][0]}, padding {a['padding'][0]}"
        return f"the {hw(a['kernel'])} {a['type']} pooling ({where})"
    if op.kind == "bn":
        return f"the BatchNorm ({a['channels']} channels)"
    if op.kind == "act":
        return "the ReLU" if a["name"] == "relu" else f"the {a['name']} activation"
    if op.kind == "linear":
        return f"the fully connected layer ({a['in']} → {a['out']})"
    if op.kind == "gpool":
        return "the global average pooling"
    return f"the operation `{a.get('name', op.kind)}`"


def yours(op: Op | None) -> str:
    """' (your `b7.1.c`)': where in the reader's module an operation ran."""
    if op is None:
        return ""
    return f" (your `{op.where}`)" if op.where else " (in your forward)"


def _signature(item: Any) -> str:
    if isinstance(item, Join):
        return f"{item.kind}{item.dim}(" + "|".join(",".join(map(_signature, b)) for b in item.branches) + ")"
    return f"{item.kind}{sorted(item.attrs.items())}"


def signature_seq(seq: list) -> str:
    """What a chain computes, without names: equal signatures, equal branches."""
    return ",".join(_signature(i) for i in seq)


def branch_label(seq: list) -> str:
    return " → ".join(label(i) for i in seq if not minor(i)) or "identity"


def _params_of(items: list) -> dict[int, torch.Tensor]:
    out: dict[int, torch.Tensor] = {}
    for item in items:
        if isinstance(item, Join):
            for b in item.branches:
                out.update(_params_of(b))
        elif item.kind in ("conv", "bn", "linear"):
            for role in ("weight", "bias"):
                t = item.tensors.get(role)
                if t is not None:
                    out[id(t)] = t
    return out


def count(items: list) -> int:
    """The parameters (weights and biases) the items use, each tensor once."""
    return sum(t.numel() for t in _params_of(items).values())
