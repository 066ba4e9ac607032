"""Training throughput of our Inception-v3 against torchvision's Inception3, in one process.

    python benchmarks/train_throughput.py --device cuda --batch-size 128 --batch-sizes 64 256 \\
        --compile-modes default reduce-overhead --json throughput.json
    python benchmarks/train_throughput.py --device cpu --image-size 75 --no-aux --batch-size 2 \\
        --steps 1 --repeats 3 --warmup 1                                   # the quick CPU mode

Every row runs the engine's own ``inception_lib.train.train_step`` (forward, the label-smoothed loss with
the 0.4-weighted auxiliary loss, backward, clipping, the engine's optimizer - on CUDA Adam with
``fused=True``, the fused kernel torch offers - and its learning-rate schedule) under the engine's
settings: bf16 autocast (fp16 with loss scaling on GPUs without native bf16) and channels_last on CUDA,
float32 on the CPU.

What it measures, and how:

* **Eager, ours against torchvision**, at ``--batch-size`` and at each of ``--batch-sizes`` (the sweep):
  ``--repeats`` interleaved repeats of ``--steps`` steps per model, alternating which model goes first, so
  a drifting clock or a noisy neighbour slows both alike. Each model's images/s is reported as
  min / median / max over the repeats, and the ratio ours / torchvision both as the ratio of the medians
  and as min / median / max of the per-repeat (paired) ratios.
* **Compiled**: our model under ``torch.compile`` in each of ``--compile-modes`` (``default``,
  ``max-autotune-no-cudagraphs``, ``reduce-overhead`` - inductor's CUDA graphs), each measured interleaved
  with torchvision eager. ``compile_s`` is the time the first ``--warmup`` steps took beyond that many
  steady steps; ``steps_to_pay_off`` is ``compile_s`` divided by the time a step saves against
  torchvision eager (null if it saves none). ``--compile-torchvision best`` also compiles torchvision's
  network with the fastest of our modes. ``--compile-backend eager`` (dynamo tracing only, no code
  generation) exercises this path cheaply on the CPU. ``--compile-torchvision`` runs right after our
  first mode, so that a time budget (``--deadline-s``) keeps both networks compiled before more modes.
* **MFU** (model FLOPs utilisation) of every row: 3 × the forward FLOPs of one image (eval graph,
  torch's FlopCounterMode; counting forward + backward of a training step with the auxiliary head gives
  the same 3.0 × within 0.01 %) × images/s, over the device's dense bf16/fp16 peak from ``PEAK_FLOPS``.
  A CPU row reports null.
* ``--profile``: one profiled training step of each model (eager): the aten calls kind by kind (the two
  networks launch the same operators; ``tests/test_operator_parity.py`` keeps it so) and where the
  device's time goes (convolutions and matrix products, i.e. tensor-core work, against batch norm,
  element-wise, concatenation/copies, pooling and the optimizer).

``--json PATH`` writes the results after every row, so a run stopped part way (a stage timeout) still
leaves every finished row; ``--deadline-s`` skips the compiled rows that would not fit (recorded as
skipped, with the reason).
"""

from __future__ import annotations

import argparse
import collections
import gc
import json
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run from a checkout without installing it
    sys.path.insert(0, str(REPO))

import torch  # noqa: E402
from torch import nn  # noqa: E402

from inception_lib.counting import count_flops_torch  # noqa: E402
from inception_lib.network import inception_v3  # noqa: E402
from inception_lib.train import TrainConfig, TrainState, make_optimizer, train_step  # noqa: E402
from inception_lib.train.runtime import Runtime  # noqa: E402

# Dense (no sparsity) peak tensor throughput in bf16 (fp16 where the device has no bf16), FLOP/s.
PEAK_FLOPS = {
    "H200": 989e12,
    "H100": 989e12,
    "A100": 312e12,
    "L40S": 362e12,
    "L4": 121e12,
    "A10G": 70e12,
    "V100": 125e12,
    "T4": 65e12,
}
MODELS = ("inception_lib", "torchvision")
COMPILE_MODES = ("default", "max-autotune-no-cudagraphs", "reduce-overhead")


def peak_flops(device_name: str) -> float | None:
    """The peak of the first table entry whose name appears in ``device_name`` (None if unknown)."""
    for key, value in PEAK_FLOPS.items():
        if key.lower() in device_name.lower():
            return value
    return None


def build_model(name: str, aux: bool, num_classes: int = 1000) -> nn.Module:
    """Our Inception-v3 or torchvision's Inception3, seeded alike (same constructor, same seed)."""
    torch.manual_seed(0)
    if name == "inception_lib":
        return inception_v3(num_classes, aux_logits=aux)
    if name == "torchvision":
        from torchvision.models import Inception3

        return Inception3(num_classes, aux_logits=aux, transform_input=False, init_weights=True)
    raise ValueError(f"unknown model {name!r}: choose one of {', '.join(MODELS)}")


def build_models(aux: bool, num_classes: int = 1000) -> dict[str, nn.Module]:
    return {name: build_model(name, aux, num_classes) for name in MODELS}


def make_state(
    model: nn.Module,
    rt: Runtime,
    config: TrainConfig,
    compile_mode: str | None = None,
    backend: str = "inductor",
) -> TrainState:
    """What the engine's ``train_step`` needs, for any model (ours or torchvision's); ``compile_mode``
    None is eager, else the ``torch.compile`` mode."""
    model = rt.prepare(model).train()
    net = model
    if compile_mode is not None:
        mode = None if compile_mode == "default" or backend != "inductor" else compile_mode
        net = torch.compile(model, mode=mode, backend=backend)  # other backends: the mode names the row only
    optimizer = make_optimizer(config, model, rt.device)
    return TrainState(config, rt, model, net, optimizer, rt.grad_scaler(), None, steps_per_epoch=10**9)


def optimizer_kind(optimizer: torch.optim.Optimizer) -> str:
    """e.g. "Adam (fused)", "TFRMSprop (foreach)", "SGD (for-loop)"."""
    defaults = optimizer.defaults
    how = "fused" if defaults.get("fused") else "foreach" if defaults.get("foreach") else "for-loop"
    return f"{type(optimizer).__name__} ({how})"


def spread(values: list[float]) -> dict[str, float]:
    """min / median / max of a list of measurements."""
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def steps_to_pay_off(compile_s: float | None, step_s: float, baseline_step_s: float) -> float | None:
    """Steps after which a compiled variant has won back its compile time against the baseline; None if it
    saves nothing per step (it never pays for itself)."""
    if compile_s is None:
        return None
    saved = baseline_step_s - step_s
    if saved <= 0:
        return None
    return max(0.0, compile_s) / saved


def mfu(flops_per_image: float, images_per_s: float, peak: float | None) -> float | None:
    """Model FLOPs utilisation of a training step: 3 × forward FLOPs per image × images/s / peak."""
    return 3 * flops_per_image * images_per_s / peak if peak else None


class Bench:
    """The shared pieces of one benchmark run: device, config, data, timing."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        want_cuda = args.device != "cpu" and torch.cuda.is_available()
        self.device = torch.device("cuda" if want_cuda else "cpu")
        self.config = TrainConfig(device=self.device.type, amp=args.amp, channels_last="auto",
                                  image_size=args.image_size, optimizer=args.optimizer)
        self.rt = Runtime.start(self.config)  # one process: device, precision, memory format, cuDNN
        self.device_name = torch.cuda.get_device_name(self.device) if want_cuda else "CPU"
        self.peak = peak_flops(self.device_name) if want_cuda else None
        self.flops = count_flops_torch(build_model("inception_lib", aux=False), args.image_size)
        self.batches: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}

    def batch(self, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        if size not in self.batches:
            gen = torch.Generator().manual_seed(size)
            images = torch.randn(size, 3, self.args.image_size, self.args.image_size, generator=gen)
            labels = torch.randint(0, 1000, (size,), generator=gen)
            self.batches = {size: self.rt.to_device(images, labels)}  # keep one batch size on the device
        return self.batches[size]

    def sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def stepper(self, state: TrainState, cudagraphs: bool) -> Callable[[int, int], float]:
        """A function running ``n`` steps at batch ``size`` and returning the seconds they took."""

        def run(n: int, size: int) -> float:
            images, labels = self.batch(size)
            self.sync()
            start = time.perf_counter()
            for i in range(n):
                if cudagraphs:  # a new iteration: outputs of the previous replay may be overwritten
                    torch.compiler.cudagraph_mark_step_begin()
                train_step(state, images, labels, i)
            self.sync()
            return time.perf_counter() - start

        return run

    def interleave(self, runs: dict[str, Callable[[int, int], float]], size: int, repeats: int) -> dict:
        """Seconds per step of each variant over ``repeats`` repeats, alternating which goes first."""
        steps = self.args.steps
        times: dict[str, list[float]] = {name: [] for name in runs}
        order = list(runs)
        for r in range(repeats):
            for name in order if r % 2 == 0 else order[::-1]:
                times[name].append(runs[name](steps, size) / steps)
        return times

    def row(self, model: str, mode: str, size: int, step_s: list[float], state: TrainState, **extra) -> dict:
        rates = [size / s for s in step_s]
        r = spread(rates)
        row = {
            "model": model, "mode": mode, "batch_size": size, "images_per_s": r,
            "step_ms_median": 1e3 * statistics.median(step_s), "mfu": mfu(self.flops, r["median"], self.peak),
            "optimizer": optimizer_kind(state.optimizer), "repeats": len(step_s), "steps": self.args.steps,
        }
        if self.device.type == "cuda":
            row["max_memory_gib"] = torch.cuda.max_memory_allocated(self.device) / 2**30
        row.update(extra)
        return row

    def reset_peak_memory(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)


def skip(result: dict, **why: Any) -> None:
    """Record a row that did not run, and why."""
    result["skipped"].append(why)


def _paired_ratios(ours: list[float], theirs: list[float]) -> dict[str, float]:
    """Spread of the per-repeat speed ratios ours / theirs, from seconds per step."""
    return spread([t / o for o, t in zip(ours, theirs, strict=True)])


def _cudagraph_counters() -> dict[str, int]:
    """Inductor's counters saying whether CUDA graphs were used or skipped (and why), if torch has them."""
    try:
        from torch._dynamo.utils import counters
    except ImportError:  # pragma: no cover - private API moved
        return {}
    return {f"{group}.{k}": int(v) for group in ("inductor", "stats") for k, v in counters[group].items()
            if "cudagraph" in k}


def measure(args: argparse.Namespace, on_update: Callable[[dict], None] | None = None) -> dict:
    """Run every row ``args`` asks for; call ``on_update(result)`` after each (e.g. to write the JSON)."""
    started = time.perf_counter()
    b = Bench(args)
    aux = not args.no_aux
    result: dict[str, Any] = {
        "device": b.device.type, "device_name": b.device_name, "batch_size": args.batch_size,
        "image_size": args.image_size, "aux": aux,
        "amp_dtype": str(b.rt.amp_dtype).replace("torch.", "") if b.rt.amp_dtype else None,
        "channels_last": b.rt.channels_last, "torch_version": torch.__version__,
        "forward_flops_per_image": b.flops, "peak_flops": b.peak, "cudnn_benchmark": b.device.type == "cuda",
        "rows": [], "skipped": [],
    }

    def update() -> None:
        result["elapsed_s"] = time.perf_counter() - started
        if on_update is not None:
            on_update(result)

    update()
    if args.profile:
        result["profile"] = {name: profile_step(name, aux, b) for name in MODELS}
        update()
    states = {name: make_state(build_model(name, aux), b.rt, b.config) for name in MODELS}
    eager = {name: b.stepper(state, cudagraphs=False) for name, state in states.items()}
    sizes = [args.batch_size] + [s for s in args.batch_sizes if s != args.batch_size]
    tv_main: list[float] = []
    if not args.skip_eager:
        for size in sizes:
            try:
                b.reset_peak_memory()
                for run in eager.values():
                    run(args.warmup, size)
                repeats = args.repeats if size == args.batch_size else args.sweep_repeats
                times = b.interleave(eager, size, repeats)
            except torch.OutOfMemoryError as err:
                skip(result, batch_size=size, mode="eager", reason=f"out of memory: {err}")
                b.batches.clear()
                torch.cuda.empty_cache()
                update()
                continue
            ours_s, tv_s = times["inception_lib"], times["torchvision"]
            ratio = statistics.median(tv_s) / statistics.median(ours_s)  # images/s ours over theirs
            paired = _paired_ratios(ours_s, tv_s)
            for name in MODELS:
                extra = {}
                if name == "inception_lib":
                    extra = {"ratio_to_torchvision_eager": ratio, "ratio_per_repeat": paired}
                result["rows"].append(b.row(name, "eager", size, times[name], states[name], **extra))
            if size == args.batch_size:
                tv_main = tv_s
                models = {r["model"]: r for r in result["rows"][-2:]}
                result["models"] = {  # the two eager rows at the main batch size, in the older record's shape
                    name: {"images_per_s_median": r["images_per_s"]["median"],
                           "images_per_s_min": r["images_per_s"]["min"],
                           "images_per_s_max": r["images_per_s"]["max"], "mfu": r["mfu"],
                           "parameters": sum(p.numel() for p in states[name].model.parameters())}
                    for name, r in models.items()
                }
                result["ratio"] = ratio
                result["ratio_per_repeat"] = paired
            update()
    del states["inception_lib"], eager["inception_lib"]
    if args.compile_modes:
        compile_rows(args, b, result, states["torchvision"], tv_main, update, started)
    return result


def compile_rows(args: argparse.Namespace, b: Bench, result: dict, tv_state: TrainState,
                 tv_main: list[float], update: Callable[[], None], started: float) -> None:
    """Our model compiled in each mode and torchvision's in the best of ours so far (after our first mode),
    each interleaved with torchvision eager at the main batch size."""
    size, aux = args.batch_size, not args.no_aux
    tv_eager = b.stepper(tv_state, cudagraphs=False)
    if not tv_main:  # no eager stage in this run: time torchvision eager once for the baseline
        tv_eager(args.warmup, size)
        tv_main = b.interleave({"torchvision": tv_eager}, size, args.repeats)["torchvision"]
    plan = [("inception_lib", mode) for mode in args.compile_modes]
    if args.compile_torchvision != "none":  # right after our first mode: the two compiled side by side early
        plan.insert(1, ("torchvision", args.compile_torchvision))
    last_compile_s = 0.0
    for model, mode in plan:
        if mode == "best":
            ours = [r for r in result["rows"] if r["model"] == "inception_lib" and r["mode"] not in ("eager",)
                    and r["batch_size"] == size]
            if not ours:
                skip(result, model=model, mode="best", reason="no compiled row of ours")
                continue
            mode = max(ours, key=lambda r: r["images_per_s"]["median"])["mode"]
        if b.device.type == "cpu" and mode == "reduce-overhead":
            skip(result, model=model, mode=mode, reason="CUDA graphs need CUDA")
            update()
            continue
        left = args.deadline_s - (time.perf_counter() - started) if args.deadline_s else math.inf
        measuring = 2 * args.repeats * args.steps * statistics.median(tv_main) * 1.5  # both, with slack
        # a later compilation reuses the compiled kernels of an earlier one (same operators): about half
        need = max(args.min_compile_s, 0.5 * last_compile_s) + measuring
        if left < need:
            skip(result, model=model, mode=mode, reason=f"out of time: {left:.0f} s left, {need:.0f} needed")
            update()
            continue
        torch._dynamo.reset()
        gc.collect()
        b.reset_peak_memory()
        cudagraphs = mode == "reduce-overhead"
        try:
            state = make_state(build_model(model, aux), b.rt, b.config, mode, args.compile_backend)
            run = b.stepper(state, cudagraphs)
            first = [run(1, size) for _ in range(max(1, args.warmup))]  # compile, capture graphs, autotune
            times = b.interleave({"compiled": run, "torchvision": tv_eager}, size, args.repeats)
        except Exception as err:  # noqa: BLE001 - a mode that fails is a finding; record it and go on
            skip(result, model=model, mode=mode, reason=f"{type(err).__name__}: {err}"[:2000])
            update()
            continue
        step_s = statistics.median(times["compiled"])
        tv_step_s = statistics.median(times["torchvision"] + tv_main)
        compile_s = sum(first) - len(first) * step_s
        last_compile_s = compile_s
        result["rows"].append(b.row(
            model, mode, size, times["compiled"], state, compile_backend=args.compile_backend,
            compile_s=compile_s, first_steps_s=first,
            steps_to_pay_off=steps_to_pay_off(compile_s, step_s, tv_step_s),
            ratio_to_torchvision_eager=tv_step_s / step_s,
            ratio_per_repeat=_paired_ratios(times["compiled"], times["torchvision"]),
            cudagraph_counters=_cudagraph_counters() if b.device.type == "cuda" else {},
        ))
        del state, run
        update()


# --------------------------------------------------------------------------------------------------------
# The profile of one step


CATEGORIES = (  # (category, substrings of aten op names), first match wins
    ("convolution", ("convolution",)),
    ("matrix product", ("addmm", "::mm", "bmm", "matmul", "linear")),
    ("batch norm", ("batch_norm",)),
    ("optimizer", ("_foreach_", "_fused_")),
    ("concatenation and copies", ("::cat", "copy_", "_to_copy", "clone", "contiguous")),
    ("pooling", ("pool",)),
)


def categorize(op: str) -> str:
    """The kind of work an aten op does, for the time breakdown (else "element-wise and other")."""
    for category, keys in CATEGORIES:
        if any(key in op for key in keys):
            return category
    return "element-wise and other"


def aten_counts(step: Callable[[], Any], device_time: bool = False) -> tuple[collections.Counter, dict, dict]:
    """Run ``step`` once under torch.profiler: (aten calls by name, self time per category in ms, device
    kernels by name as [calls, ms]; empty without ``device_time``).

    The time is the device's (CUDA kernels attributed to the aten op that launched them) when
    ``device_time``, else the CPU's. Ops inside the optimizer's step count as "optimizer" whatever they are.
    """
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device_time else [])
    with profile(activities=activities) as prof:
        step()
        if device_time:
            torch.cuda.synchronize()
    counts: collections.Counter = collections.Counter()
    times: dict[str, float] = collections.defaultdict(float)
    kernels: dict[str, list] = {}
    for event in prof.events():
        if device_time and event.device_type == DeviceType.CUDA:  # a kernel (or memcpy/memset) on the GPU
            entry = kernels.setdefault(event.name[:160], [0, 0.0])
            entry[0] += 1
            entry[1] += event.time_range.elapsed_us() / 1e3
            continue
        if not event.name.startswith("aten::"):
            continue
        counts[event.name] += 1
        if device_time:
            us = getattr(event, "self_device_time_total", None)
            us = event.self_cuda_time_total if us is None else us
        else:
            us = event.self_cpu_time_total
        times[_category(event)] += us / 1e3
    return counts, dict(times), kernels


def _category(event: Any) -> str:
    parent = event.cpu_parent
    while parent is not None:
        if parent.name.startswith("Optimizer.step"):
            return "optimizer"
        parent = parent.cpu_parent
    return categorize(event.name)


def profile_step(name: str, aux: bool, b: Bench) -> dict:
    """One training step of model ``name`` (eager) at the main batch size, profiled after a warm-up."""
    state = make_state(build_model(name, aux), b.rt, b.config)
    images, labels = b.batch(b.args.batch_size)
    for i in range(max(1, b.args.warmup)):
        train_step(state, images, labels, i)
    b.sync()
    on_gpu = b.device.type == "cuda"
    counts, times, kernels = aten_counts(lambda: train_step(state, images, labels, 0), device_time=on_gpu)
    total = sum(times.values()) or 1.0
    top = sorted(kernels.items(), key=lambda kv: -kv[1][1])[:25]
    layout = [k for k in kernels if any(key in k.lower() for key in ("nchwtonhwc", "nhwctonchw"))]
    return {
        "kernels": len(kernels), "kernel_launches": sum(n for n, _ in kernels.values()),
        "kernel_ms_total": sum(ms for _, ms in kernels.values()),  # vs the step_ms_median: the GPU idle
        "top_kernels_ms": [{"name": k, "calls": n, "ms": ms} for k, (n, ms) in top],
        "layout_conversion_kernel_launches": sum(kernels[k][0] for k in layout),
        "aten_calls": sum(counts.values()), "aten_calls_by_op": dict(sorted(counts.items())),
        "time_clock": "device" if b.device.type == "cuda" else "cpu", "self_ms_by_category": times,
        "share_by_category": {k: v / total for k, v in times.items()},
        "tensor_core_share": (times.get("convolution", 0) + times.get("matrix product", 0)) / total,
    }


def step_op_counts(
    model: str, image_size: int = 299, batch_size: int = 2, aux: bool = True, amp: str = "off",
    channels_last: bool = False,
) -> collections.Counter:
    """The aten calls of one engine training step of ``model`` on the CPU (float32, or bf16 autocast), in
    contiguous or channels_last memory: what ``tests/test_operator_parity.py`` compares."""
    config = TrainConfig(device="cpu", amp=amp, channels_last="on" if channels_last else "off",
                         image_size=image_size)
    rt = Runtime.start(config)
    state = make_state(build_model(model, aux), rt, config)
    gen = torch.Generator().manual_seed(0)
    images = torch.randn(batch_size, 3, image_size, image_size, generator=gen)
    labels = torch.randint(0, 1000, (batch_size,), generator=gen)
    images, labels = rt.to_device(images, labels)
    counts, _, _ = aten_counts(lambda: train_step(state, images, labels, 0))
    return counts


# --------------------------------------------------------------------------------------------------------
# Report and command line


def report(result: dict) -> None:
    print(
        f"device: {result['device_name']}; {result['image_size']}×{result['image_size']}, aux heads "
        f"{'on' if result['aux'] else 'off'}, autocast {result['amp_dtype'] or 'off'}, channels_last "
        f"{result['channels_last']}; torch {result['torch_version']}"
    )
    head = f"{'model':<15}{'mode':<28}{'batch':>6}{'images/s (min-median-max)':>30}{'MFU':>7}"
    print(head + f"{'vs tv eager':>13}{'compile s':>11}{'pay-off steps':>15}")
    for r in result["rows"]:
        s = r["images_per_s"]
        rate = f"{s['min']:.1f}-{s['median']:.1f}-{s['max']:.1f}"
        mfu_text = f"{r['mfu']:.1%}" if r["mfu"] is not None else "n/a"
        ratio = f"{r['ratio_to_torchvision_eager']:.3f}" if "ratio_to_torchvision_eager" in r else ""
        comp = f"{r['compile_s']:.1f}" if r.get("compile_s") is not None else ""
        pay = r.get("steps_to_pay_off")
        pay_text = "" if "compile_s" not in r else "never" if pay is None else f"{pay:.0f}"
        print(f"{r['model']:<15}{r['mode']:<28}{r['batch_size']:>6}{rate:>30}{mfu_text:>7}{ratio:>13}"
              f"{comp:>11}{pay_text:>15}")
    for s in result["skipped"]:
        print(f"skipped: {s}")
    gflops = result["forward_flops_per_image"] / 1e9
    print(f"forward FLOPs per image (eval graph, FlopCounterMode): {gflops:.2f} G")
    if "ratio" in result:
        rp = result["ratio_per_repeat"]
        print(f"ratio inception_lib / torchvision, eager: {result['ratio']:.3f} (per repeat "
              f"{rp['min']:.3f}-{rp['median']:.3f}-{rp['max']:.3f}; target >= 1.00)")
    for name, prof in result.get("profile", {}).items():
        by_share = sorted(prof["share_by_category"].items(), key=lambda kv: -kv[1])
        shares = ", ".join(f"{k} {v:.0%}" for k, v in by_share)
        print(f"profile {name}: {prof['aten_calls']} aten calls; {prof['time_clock']} time: {shares}")


def build_arg_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--batch-size", type=int, default=64, help="the main batch size (ratio, compiled rows)")
    p.add_argument("--batch-sizes", type=int, nargs="*", default=[], help="eager sweep over these too")
    p.add_argument("--image-size", type=int, default=299)
    p.add_argument("--steps", type=int, default=10, help="timed steps per model per repeat")
    p.add_argument("--repeats", type=int, default=5, help="interleaved repeats at the main batch size")
    p.add_argument("--sweep-repeats", type=int, default=3, help="interleaved repeats at the other sizes")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps per model first")
    p.add_argument("--no-aux", action="store_true", help="train without the auxiliary heads")
    p.add_argument("--amp", choices=("auto", "off", "bf16", "fp16"), default="auto")
    p.add_argument("--optimizer", default=TrainConfig.optimizer, help="the engine's optimizer (its default)")
    p.add_argument("--skip-eager", action="store_true", help="no eager rows (only the compiled ones)")
    p.add_argument("--compile-modes", nargs="*", default=[], choices=COMPILE_MODES,
                   help="torch.compile our model in these modes")
    p.add_argument("--compile-torchvision", default="none", choices=("none", "best", *COMPILE_MODES),
                   help="also compile torchvision's model (best: our fastest mode)")
    p.add_argument("--compile-backend", default="inductor", help="inductor; eager traces only (cheap tests)")
    p.add_argument("--min-compile-s", type=float, default=0.0,
                   help="with --deadline-s: assume a compilation takes at least this long")
    p.add_argument("--deadline-s", type=float, default=0.0, help="skip compiled rows that would end later")
    p.add_argument("--profile", action="store_true", help="profile one step of each model (eager)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default)")
    p.add_argument("--json", type=Path, default=None, help="write the results here (after every row)")
    return p


def check_args(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if min(args.batch_size, args.steps, args.repeats, args.sweep_repeats, *args.batch_sizes) < 1:
        p.error("--batch-size(s), --steps, --repeats and --sweep-repeats must be >= 1")
    if args.warmup < 0 or args.threads < 0:
        p.error("--warmup and --threads must be >= 0")
    if args.image_size < 75:
        p.error(f"--image-size {args.image_size} is too small: Inception-v3 needs at least 75")
    if not args.no_aux and args.image_size < 299:
        p.error(
            f"torchvision's auxiliary head needs --image-size >= 299 (got {args.image_size}); "
            "add --no-aux to compare smaller inputs"
        )
    if args.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: CUDA is not available")


def main(argv: list[str] | None = None) -> int:
    p = build_arg_parser()
    args = p.parse_args(argv)
    check_args(p, args)
    if args.threads:
        torch.set_num_threads(args.threads)

    def write(result: dict) -> None:
        if args.json is not None:
            tmp = args.json.with_suffix(".tmp")
            tmp.write_text(json.dumps(result, indent=2) + "\n")
            tmp.replace(args.json)

    result = measure(args, on_update=write)
    result["complete"] = True
    write(result)
    report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
