"""Training throughput of our Inception-v3 against torchvision's Inception3, in one run.

    python benchmarks/train_throughput.py --device cuda --batch-size 128
    python benchmarks/train_throughput.py --device cpu --image-size 139 --batch-size 4 --no-aux --steps 2

Both networks run the engine's own training step (``inception_lib.train.train_step``: forward, the
label-smoothed loss with the 0.4-weighted auxiliary loss, backward, clipping, TF-style RMSProp) under the
same settings: autocast in bfloat16 (or float16 with loss scaling) and channels_last on CUDA, float32 on
CPU; optionally ``torch.compile``. The measurement is interleaved - each repeat times both models,
alternating which goes first - and we report the median images/s of each and their ratio (target: ours /
torchvision >= 0.95).

On CUDA it also reports the model FLOPs utilisation (MFU): forward FLOPs at batch 1 from
``inception_lib.counting.count_flops_torch`` (torch's FlopCounterMode; eval graph, no auxiliary head) × 3
(forward + backward) × images/s, divided by the device's dense bf16/fp16 peak from a small table.
``--json PATH`` also writes the results as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

from inception_lib.counting import count_flops_torch
from inception_lib.network import inception_v3
from inception_lib.train import TrainConfig, TrainState, make_optimizer, train_step
from inception_lib.train.runtime import Runtime

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


def peak_flops(device_name: str) -> float | None:
    """The peak of the first table entry whose name appears in ``device_name`` (None if unknown)."""
    for key, value in PEAK_FLOPS.items():
        if key.lower() in device_name.lower():
            return value
    return None


def build_models(aux: bool, num_classes: int = 1000) -> dict[str, nn.Module]:
    from torchvision.models import Inception3

    torch.manual_seed(0)
    ours = inception_v3(num_classes, aux_logits=aux)
    torch.manual_seed(0)
    theirs = Inception3(num_classes, aux_logits=aux, transform_input=False, init_weights=True)
    return {"inception_lib": ours, "torchvision": theirs}


def make_state(model: nn.Module, rt: Runtime, config: TrainConfig, compile_model: bool) -> TrainState:
    """What the engine's ``train_step`` needs, for any model (ours or torchvision's)."""
    model = rt.prepare(model).train()
    net = torch.compile(model) if compile_model else model
    optimizer = make_optimizer(config, model, rt.device)
    return TrainState(config, rt, model, net, optimizer, rt.grad_scaler(), None, steps_per_epoch=10**9)


def measure(args: argparse.Namespace) -> dict:
    device = torch.device("cuda" if args.device != "cpu" and torch.cuda.is_available() else "cpu")
    config = TrainConfig(device=device.type, amp=args.amp, channels_last="auto", image_size=args.image_size)
    rt = Runtime.start(config)  # a single process: device, precision, memory format (cuDNN autotuning)
    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    models = build_models(aux=not args.no_aux)
    flops = count_flops_torch(models["inception_lib"], args.image_size)  # forward, eval graph, batch 1
    states = {name: make_state(m, rt, config, args.compile) for name, m in models.items()}
    gen = torch.Generator().manual_seed(0)
    images = torch.randn(args.batch_size, 3, args.image_size, args.image_size, generator=gen)
    labels = torch.randint(0, 1000, (args.batch_size,), generator=gen)
    images, labels = rt.to_device(images, labels)

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    for state in states.values():
        for i in range(args.warmup):
            train_step(state, images, labels, i)
    sync()
    rates: dict[str, list[float]] = {name: [] for name in states}
    order = list(states)
    for r in range(args.repeats):
        for name in order if r % 2 == 0 else order[::-1]:
            sync()
            start = time.perf_counter()
            for i in range(args.steps):
                train_step(states[name], images, labels, i)
            sync()
            rates[name].append(args.steps * args.batch_size / (time.perf_counter() - start))
    peak = peak_flops(device_name) if device.type == "cuda" else None
    result = {
        "device": device.type, "device_name": device_name, "batch_size": args.batch_size,
        "image_size": args.image_size, "aux": not args.no_aux, "compile": args.compile,
        "amp_dtype": str(rt.amp_dtype).replace("torch.", "") if rt.amp_dtype else None,
        "channels_last": rt.channels_last, "torch_version": torch.__version__,
        "forward_flops_per_image": flops, "peak_flops": peak, "models": {},
    }  # fmt: skip
    for name, state in states.items():
        median = statistics.median(rates[name])
        result["models"][name] = {
            "parameters": sum(p.numel() for p in state.model.parameters()),
            "images_per_s_median": median, "images_per_s_min": min(rates[name]),
            "images_per_s_max": max(rates[name]),
            "mfu": 3 * flops * median / peak if peak else None,
        }  # fmt: skip
    medians = {name: m["images_per_s_median"] for name, m in result["models"].items()}
    result["ratio"] = medians["inception_lib"] / medians["torchvision"]
    return result


def report(result: dict) -> None:
    print(
        f"device: {result['device_name']}; batch {result['batch_size']}, {result['image_size']}×"
        f"{result['image_size']}, aux heads {'on' if result['aux'] else 'off'}, autocast "
        f"{result['amp_dtype'] or 'off'}, channels_last {result['channels_last']}, "
        f"compile {result['compile']}; "
        f"torch {result['torch_version']}"
    )
    print(f"{'model':<15}{'params':>14}{'images/s (median)':>20}{'min':>10}{'max':>10}{'MFU':>8}")
    for name, m in result["models"].items():
        mfu = f"{m['mfu']:.1%}" if m["mfu"] is not None else "n/a"
        print(
            f"{name:<15}{m['parameters']:>14,}{m['images_per_s_median']:>20.2f}{m['images_per_s_min']:>10.2f}"
            f"{m['images_per_s_max']:>10.2f}{mfu:>8}"
        )
    gflops = result["forward_flops_per_image"] / 1e9
    print(f"forward FLOPs per image (eval graph, FlopCounterMode): {gflops:.2f} G")
    verdict = "met" if result["ratio"] >= 0.95 else "NOT met"
    print(f"ratio inception_lib / torchvision: {result['ratio']:.3f} (target >= 0.95: {verdict})")


def build_arg_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--image-size", type=int, default=299)
    p.add_argument("--steps", type=int, default=10, help="timed steps per model per repeat")
    p.add_argument("--repeats", type=int, default=5, help="interleaved repeats (the median is reported)")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps per model first")
    p.add_argument("--no-aux", action="store_true", help="train without the auxiliary heads")
    p.add_argument("--amp", choices=("auto", "off", "bf16", "fp16"), default="auto")
    p.add_argument("--compile", action="store_true", help="torch.compile both models")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default)")
    p.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    return p


def main(argv: list[str] | None = None) -> int:
    p = build_arg_parser()
    args = p.parse_args(argv)
    if args.batch_size < 1 or args.steps < 1 or args.repeats < 1 or args.warmup < 0:
        p.error("--batch-size, --steps and --repeats must be >= 1, --warmup >= 0")
    if args.image_size < 75:
        p.error(f"--image-size {args.image_size} is too small: Inception-v3 needs at least 75")
    if not args.no_aux and args.image_size < 299:
        p.error(
            f"torchvision's auxiliary head needs --image-size >= 299 (got {args.image_size}); "
            "add --no-aux to compare smaller inputs"
        )
    if args.threads < 0:
        p.error("--threads must be >= 0")
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: CUDA is not available")
    result = measure(args)
    report(result)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
