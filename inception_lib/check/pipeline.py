"""``check()``: build both modules, record them, and run a short pipeline of steps, each returning a finding
or nothing; the first finding is the report's.

The steps, in order: the structure (compared layer by layer, :mod:`.align`), a forward that raised, an
output that is not a tensor or not computed from the input, a layer used twice, the parameter count, and
finally the outputs themselves with the reference's weights copied in.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from .align import Comparer, Diverged
from .recording import Op, Recorder, output_tensor, randomize, record
from .references import REFERENCES, Reference
from .report import CheckResult, Finding
from .structure import Join, branch_label, count, describe_layer, hw, label, minor, structure

__all__ = ["TOLERANCE", "TOLERANCE_TEXT", "BATCH", "SEED", "check"]

TOLERANCE = 1e-6  # float64 outputs: a correct module differs from the reference by ~1e-15
TOLERANCE_TEXT = "1e-6"
BATCH = 2  # two images, so that the BatchNorm statistics we set from the batch are defined everywhere
SEED = 0
_COMPARED = ", ".join(
    ["kernels", "strides", "padding", "channels", "biases", "BatchNorm eps", "activations", "pooling",
     "concatenation order"]
)  # what the structure comparison covers, as the passed report lists it


def _error_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


def _shape(t: torch.Tensor | None) -> str:
    return "—" if t is None else str(tuple(t.shape[1:]))


def _reader_name(reader: Any) -> str:
    if isinstance(reader, nn.Module):
        return type(reader).__name__
    return getattr(reader, "__qualname__", None) or getattr(reader, "__name__", None) or type(reader).__name__


def _arguments(
    reader: Any, reference: Any, args: tuple[Any, ...] | None, input_shape: tuple[int, int, int] | None
) -> tuple[Reference, tuple[Any, ...], tuple[int, ...]]:
    """The reference, the constructor arguments and the input shape, or a clear error for a wrong call."""
    if not isinstance(reference, str) or reference not in REFERENCES:
        raise ValueError(f"unknown reference {reference!r}; choose one of: {', '.join(REFERENCES)}")
    spec = REFERENCES[reference]
    if not (isinstance(reader, nn.Module) or callable(reader)):
        got = f"{type(reader).__name__} ({reader!r})"
        raise TypeError(f"reader must be an nn.Module or a class/function that builds one, got {got}")
    args = spec.args if args is None else tuple(args)
    if len(args) != len(spec.arg_names):
        names = ", ".join(spec.arg_names)
        raise ValueError(f"args for {reference!r} are ({names}), got {len(args)} values: {args!r}")
    shape = spec.input_shape(args) if input_shape is None else tuple(input_shape)
    if len(shape) != 3 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shape):
        raise ValueError(f"input_shape must be (C, H, W) of positive ints, got {input_shape!r}")
    return spec, args, shape


@dataclass
class _Run:
    """Everything one check knows, filled in as it goes."""

    result: CheckResult
    spec: Reference
    args: tuple[Any, ...]
    shape: tuple[int, ...]
    call: str  # how the reader's module was built, e.g. "MyInceptionC(768, 128)"
    x: torch.Tensor
    ref_model: nn.Module
    ref_out: torch.Tensor
    ref_seq: list
    model: nn.Module | None = None
    rec: Recorder | None = None
    out: Any = None
    error: BaseException | None = None
    root: Op | None = None
    your_seq: list | None = None
    comparer: Comparer = field(default_factory=lambda: Comparer(partial=False))

    @property
    def ref_params(self) -> int:
        return sum(p.numel() for p in self.ref_model.parameters())

    @property
    def your_params(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    @property
    def out_t(self) -> torch.Tensor | None:
        return output_tensor(self.out)


def _start(reader: Any, name: str, spec: Reference, args: tuple[Any, ...], shape: tuple[int, ...]) -> _Run:
    """The reference: seeded weights, BatchNorm statistics from the batch, recorded."""
    label_ = _reader_name(reader)
    call = f"{label_}({', '.join(repr(a) for a in args)})" if not isinstance(reader, nn.Module) else label_
    gen = torch.Generator().manual_seed(SEED)
    ref_model = spec.build(*args).double().eval()
    shown = spec.shown or f"{type(ref_model).__name__}({{call}})"
    result = CheckResult(name, f"{shown.format(call=spec.call(args))}, {spec.title}", call, "failed")
    randomize(ref_model, gen)
    x = torch.randn(BATCH, *shape, generator=gen, dtype=torch.float64)
    rec, out, error = record(ref_model, x, calibrate=True)
    if error is not None:
        raise ValueError(f"the reference {name!r} cannot take an input of shape {shape}: {error}")
    ref_out = output_tensor(out)
    ref_seq = structure(rec, rec.producer[id(ref_out)])
    return _Run(result, spec, args, shape, call, x, ref_model, ref_out, ref_seq)


def _not_written(run: _Run, what: str, exc: BaseException) -> CheckResult:
    result = run.result
    result.status = "not written"
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    result.notes = [
        f"{what} raised NotImplementedError" + (f" ({message})" if message else "") + ".",
        "Write your code in the exercise cell above, in place of its `raise NotImplementedError(...)` lines "
        "(in __init__ and in forward), run that cell, then run this check again. "
        "The reference's numbers below are what your module should match.",
    ]
    result.facts = [
        ("parameters", "—", f"{run.ref_params:,}"),
        (f"output shape for an input {run.shape}", "—", _shape(run.ref_out)),
    ]
    return result


def _build(run: _Run, reader: Any) -> CheckResult | None:
    """Build (or copy) the reader's module; a result here ends the check early."""
    try:
        model = reader if isinstance(reader, nn.Module) else reader(*run.args)
    except NotImplementedError as exc:
        return _not_written(run, f"building {run.call}", exc)
    except Exception as exc:
        order = ", ".join(run.spec.arg_names)
        run.result.findings.append(
            Finding(
                "building your module failed",
                "",
                f"{run.call} raised {_error_line(exc)}",
                f"the checker builds your class with the reference's arguments, in this order: ({order}); "
                "make __init__ accept them.",
            )
        )
        return run.result
    if not isinstance(model, nn.Module):
        raise TypeError(f"{run.call} returned {type(model).__name__}, expected an nn.Module")
    try:
        model = copy.deepcopy(model)
    except Exception:  # an uncopyable module is checked in place (its weights are overwritten)
        note = "Your module could not be copied, so the reference's weights were copied into it."
        run.result.notes.append(note)
    run.model = model.to(device="cpu", dtype=torch.float64).eval()  # the reference runs on the CPU in float64
    return None


def _record(run: _Run) -> CheckResult | None:
    """Run the reader's module once and arrange what it did; a forward not written yet ends the check."""
    run.rec, run.out, run.error = record(run.model, run.x.clone())  # in-place layers must not change x
    if isinstance(run.error, NotImplementedError):
        return _not_written(run, f"{run.call}.forward", run.error)
    out_t = run.out_t
    if run.error is not None:
        run.root = run.rec.failed
    elif out_t is not None:
        run.root = run.rec.producer.get(id(out_t))
    run.your_seq = structure(run.rec, run.root) if run.root is not None else None
    your_shape = _shape(out_t) if run.error is None else "(forward failed)"
    run.result.facts = [
        ("parameters", f"{run.your_params:,}", f"{run.ref_params:,}"),
        (f"output shape for an input {run.shape}", your_shape, _shape(run.ref_out)),
    ]
    run.result.parts_title, run.result.parts = _parts(run.ref_seq, run.your_seq)
    return None


def _units(seq: list) -> tuple[str, list[tuple[str, list]]]:
    """The rows of the parameter table: one per branch of a module, else one per layer."""
    if len(seq) == 1 and isinstance(seq[0], Join):
        branches = seq[0].branches
        return "per branch", [(f"branch {k + 1}: {branch_label(b)}", b) for k, b in enumerate(branches)]
    rows: list[tuple[str, list]] = []
    modules = 0
    for item in seq:
        if isinstance(item, Join):
            modules += 1
            rows.append((f"module {modules}", [item]))
        elif minor(item) and rows:
            rows[-1][1].append(item)
        else:
            rows.append((label(item), [item]))
    return "per layer", [(f"{k + 1}. {name}", items) for k, (name, items) in enumerate(rows)]


def _parts(ref: list, yours: list | None) -> tuple[str, list[tuple[str, str, str]]]:
    title, ref_rows = _units(ref)
    your_title, your_rows = _units(yours) if yours is not None else (title, [])
    if your_title != title:  # arranged differently: no row-by-row comparison
        your_rows = []
    rows = []
    for k in range(max(len(ref_rows), len(your_rows))):
        name = ref_rows[k][0] if k < len(ref_rows) else your_rows[k][0]
        r = f"{count(ref_rows[k][1]):,}" if k < len(ref_rows) else "—"
        y = f"{count(your_rows[k][1]):,}" if k < len(your_rows) else "—"
        if r == y == "0":
            continue
        rows.append((name, y, r))
    return title, rows


# --------------------------------------------------------------------------------------------------------
# The steps: each returns the first finding it sees, or None


def _structure_differs(run: _Run) -> Finding | None:
    run.comparer = Comparer(partial=run.error is not None)
    if run.your_seq is None or (run.error is not None and run.root.kind != "cat"):
        return None
    try:
        run.comparer.seq(run.ref_seq, run.your_seq, [], top=True)
    except Diverged as d:
        if run.error is not None:
            run.result.notes.append(f"(Your forward then stopped with {_error_line(run.error)})")
        return d.finding
    return None


def _forward_failed(run: _Run) -> Finding | None:
    return _failure(run.error, run.rec.failed) if run.error is not None else None


def _failure(exc: BaseException, op: Op | None) -> Finding:
    """The reader's forward raised ``exc`` (at ``op``, where it is known)."""
    where = (op.where and f"your `{op.where}`") or "your forward" if op is not None else "your forward"
    hint = ""
    if op is not None and op.kind == "cat":
        shapes = ", ".join(hw(i.shape[1:]) for i in op.inputs if i.shape and len(i.shape) == 3)
        hint = (
            f"the branches give grids of {shapes}: "
            "every branch must end on the same grid to be concatenated. "
            "Check each branch's stride and padding."
        )
    elif op is not None and op.kind in ("conv", "bn", "linear"):
        hint = (
            f"{describe_layer(op)} received an input of shape {op.in_shape}: "
            "check the channel numbers of the layer before it."
        )
    return Finding("your forward raised an error", where, _error_line(exc), hint)


def _not_a_tensor(run: _Run) -> Finding | None:
    if run.out_t is not None:
        return None
    return Finding("output", "", f"your forward returned {type(run.out).__name__}, not a tensor.")


def _not_from_input(run: _Run) -> Finding | None:
    if run.root is not None:
        return None
    return Finding(
        "output",
        "",
        "the tensor your forward returns is not computed from its input.",
        "return the result of the layers applied to x (for a module, the concatenation of its branches).",
    )


def _layer_used_twice(run: _Run) -> Finding | None:
    used: dict[int, list[Op]] = {}
    for _, y in run.comparer.pairs:
        for role in ("weight", "bias"):
            t = y.tensors.get(role)
            if t is not None:
                used.setdefault(id(t), []).append(y)
    for ops in used.values():
        if len(ops) > 1 and len({id(o) for o in ops}) > 1:
            return Finding(
                "layer used twice",
                f"your `{ops[0].where or 'forward'}`",
                f"the same weights run at {len(ops)} places of your forward ({describe_layer(ops[0])}); "
                "the reference has a separate layer at each place.",
                "create one layer object for each place.",
            )
    return None


def _unused(model: nn.Module, ops: list[Op]) -> list[tuple[str, nn.Parameter]]:
    used = {id(t) for op in ops for t in op.tensors.values()}
    return [(n, p) for n, p in model.named_parameters() if id(p) not in used]


def _names(params: list[tuple[str, nn.Parameter]]) -> str:
    modules = list(dict.fromkeys(n.rsplit(".", 1)[0] for n, _ in params))
    return ", ".join(f"`{m}`" for m in modules[:3]) + (" …" if len(modules) > 3 else "")


def _parameter_count(run: _Run) -> Finding | None:
    yours, ref = run.your_params, run.ref_params
    if yours == ref:
        return None
    unused = _unused(run.model, [y for _, y in run.comparer.pairs])
    ref_unused = _unused(run.ref_model, [r for r, _ in run.comparer.pairs])
    hints = []
    if unused:
        hints.append(f"your forward never uses: {_names(unused)}.")
    if ref_unused:
        n = sum(p.numel() for _, p in ref_unused)
        hints.append(
            f"The reference also holds {n:,} parameters that run only in training mode, "
            f"such as {_names(ref_unused)}; build those layers too."
        )
    return Finding(
        "parameter count",
        "",
        "every layer of the forward pass matches, "
        f"but your module has {yours:,} parameters and the reference {ref:,}.",
        " ".join(hints),
    )


def _outputs_differ(run: _Run) -> Finding | None:
    """With the reference's weights copied in (in the recorded order), the outputs must agree."""
    with torch.no_grad():
        for r, y in run.comparer.pairs:
            for role, t in y.tensors.items():
                src = r.tensors.get(role)
                if src is not None and src.shape == t.shape:
                    t.copy_(src)
        try:
            again = output_tensor(run.model(run.x.clone()))
        except Exception as exc:
            return _failure(exc, None)
    ref_out = run.ref_out
    scale = max(1.0, float(ref_out.abs().max()))
    same_shape = again is not None and again.shape == ref_out.shape
    if same_shape and float((again - ref_out).abs().max()) <= TOLERANCE * scale:
        return None
    return Finding(
        "outputs differ",
        "",
        "every layer matches the reference, but with the reference's weights copied in, "
        f"your outputs differ from its outputs by more than {TOLERANCE_TEXT} (relative).",
        "the layers are right, so look at how tensors flow between them: "
        "a view/reshape or slicing that reorders channels, an operation applied twice, "
        "or a branch fed from the wrong tensor.",
    )


STEPS: list[Callable[[_Run], Finding | None]] = [
    _structure_differs, _forward_failed, _not_a_tensor, _not_from_input, _layer_used_twice, _parameter_count,
    _outputs_differ,
]


def check(
    reader: nn.Module | Callable[..., nn.Module],
    reference: str,
    args: tuple[Any, ...] | None = None,
    input_shape: tuple[int, int, int] | None = None,
) -> CheckResult:
    """Compare the reader's layer or block with the library's reference ``reference`` (see ``REFERENCES``).

    Args:
        reader: a class or factory, called as ``reader(*args)`` with the reference's constructor arguments
            (e.g. ``MyInceptionC(768, 128)``), or an already built ``nn.Module``. The reader's object is
            never modified: the checker works on its own copy.
        reference: one of :func:`reference_names` (``"inception_c"``, ``"reduction_35to17"``, ...).
        args: constructor arguments for both, instead of the reference's defaults
            (``REFERENCES[name].args``), e.g. ``(768, 160)`` for InceptionC.
        input_shape: (C, H, W) of the random input instead of the reference input (e.g. a smaller image for
            the stem or the whole network).

    Returns a :class:`CheckResult`; in a notebook it shows itself as a short report.
    """
    spec, args, shape = _arguments(reader, reference, args, input_shape)
    run = _start(reader, reference, spec, args, shape)
    ended = _build(run, reader) or _record(run)
    if ended is not None:
        return ended
    for step in STEPS:
        finding = step(run)
        if finding is not None:
            run.result.findings.append(finding)
            return run.result
    run.result.status = "passed"
    run.result.notes.append(
        f"Structure: all {len(run.comparer.pairs)} layers match in forward order ({_COMPARED}). "
        "Outputs: with the reference's weights copied in, "
        f"yours equal the reference's within {TOLERANCE_TEXT} (relative, float64)."
    )
    return run.result
