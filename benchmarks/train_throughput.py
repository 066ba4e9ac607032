"""Training throughput of our Inception-v3 against torchvision's Inception3, in one run.

    python benchmarks/train_throughput.py --device cuda --batch-size 128
    python benchmarks/train_throughput.py --device cpu --image-size 139 --batch-size 4 --no-aux --steps 2

Both networks run the same training step (forward, label-smoothed loss with the 0.4-weighted auxiliary
loss, backward, global-norm clipping at 2.0, TF-style RMSProp) under the same settings: autocast in
bfloat16 (or float16 with loss scaling) and channels_last on CUDA, float32 on CPU. The measurement is
interleaved - each repeat times both models, alternating which goes first - and we report the median
images/s of each and their ratio (target: ours / torchvision >= 0.95).

On CUDA it also prints the model FLOPs utilisation (MFU): forward MACs at batch 1 from
``inception_lib.counting.count_macs`` (eval graph, without the auxiliary head) × 2 FLOPs per MAC × 3
(forward + backward) × images/s, divided by the device's dense bf16/fp16 peak from a small table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from contextlib import nullcontext

import torch
from torch import nn

from inception_lib.counting import count_macs
from inception_lib.network import inception_v3
from inception_lib.recipe import TFRMSprop, label_smoothing_loss
from inception_lib.train import native_bf16

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


def make_step(model: nn.Module, device: torch.device, amp_dtype: torch.dtype | None):
    optimizer = TFRMSprop(model.parameters(), lr=0.045, weight_decay=4e-5, foreach=device.type == "cuda")
    scaler = torch.amp.GradScaler(device.type) if amp_dtype == torch.float16 else None

    def step(images: torch.Tensor, labels: torch.Tensor) -> None:
        ctx = torch.autocast(device.type, dtype=amp_dtype) if amp_dtype else nullcontext()
        with ctx:
            out = model(images)
        if isinstance(out, tuple):  # ours: InceptionOutputs; torchvision: its own InceptionOutputs
            logits, aux = out[0], out[1]
        else:
            logits, aux = out, None
        loss = label_smoothing_loss(logits.float(), labels, 0.1)
        if aux is not None:
            loss = loss + 0.4 * label_smoothing_loss(aux.float(), labels, 0.1)
        optimizer.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
        else:
            loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 2.0)
        if scaler is not None:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()

    return step


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--image-size", type=int, default=299)
    p.add_argument("--steps", type=int, default=10, help="timed steps per model per repeat")
    p.add_argument("--repeats", type=int, default=5, help="interleaved repeats (the median is reported)")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps per model first")
    p.add_argument("--no-aux", action="store_true", help="train without the auxiliary heads")
    p.add_argument("--amp", choices=("auto", "off"), default="auto", help="auto: bf16/fp16 autocast on CUDA")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default)")
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
    device = torch.device("cuda" if args.device != "cpu" and torch.cuda.is_available() else "cpu")
    amp_dtype = None
    if device.type == "cuda" and args.amp == "auto":
        amp_dtype = torch.bfloat16 if native_bf16(device) else torch.float16
        torch.backends.cudnn.benchmark = True
    channels_last = device.type == "cuda"
    device_name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"

    models = build_models(aux=not args.no_aux)
    macs = count_macs(models["inception_lib"], args.image_size)  # eval graph, batch 1
    steps = {}
    for name, model in models.items():
        model.to(device).train()
        if channels_last:
            model.to(memory_format=torch.channels_last)
        steps[name] = make_step(model, device, amp_dtype)

    gen = torch.Generator().manual_seed(0)
    images = torch.randn(args.batch_size, 3, args.image_size, args.image_size, generator=gen).to(device)
    if channels_last:
        images = images.contiguous(memory_format=torch.channels_last)
    labels = torch.randint(0, 1000, (args.batch_size,), generator=gen).to(device)

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    print(
        f"device: {device_name}; batch {args.batch_size}, {args.image_size}×{args.image_size}, "
        f"aux heads {'off' if args.no_aux else 'on'}, autocast {amp_dtype or 'off'}, "
        f"channels_last {channels_last}; {torch.get_num_threads()} CPU threads; torch {torch.__version__}"
    )
    for name in models:
        for _ in range(args.warmup):
            steps[name](images, labels)
    sync()
    rates: dict[str, list[float]] = {name: [] for name in models}
    order = list(models)
    for r in range(args.repeats):
        for name in order if r % 2 == 0 else order[::-1]:
            sync()
            start = time.perf_counter()
            for _ in range(args.steps):
                steps[name](images, labels)
            sync()
            rates[name].append(args.steps * args.batch_size / (time.perf_counter() - start))
    peak = peak_flops(device_name) if device.type == "cuda" else None
    print(f"{'model':<15}{'params':>14}{'images/s (median)':>20}{'min':>10}{'max':>10}{'MFU':>8}")
    medians = {}
    for name, model in models.items():
        medians[name] = statistics.median(rates[name])
        params = sum(p.numel() for p in model.parameters())
        mfu = f"{macs * 2 * 3 * medians[name] / peak:.1%}" if peak else "n/a"
        print(
            f"{name:<15}{params:>14,}{medians[name]:>20.2f}{min(rates[name]):>10.2f}"
            f"{max(rates[name]):>10.2f}{mfu:>8}"
        )
    ratio = medians["inception_lib"] / medians["torchvision"]
    print(f"forward MACs per image (eval graph, fvcore): {macs / 1e9:.3f} G")
    if device.type == "cuda" and peak is None:
        print(f"MFU: n/a (no peak FLOP/s known for {device_name!r})")
    verdict = "met" if ratio >= 0.95 else "NOT met"
    print(f"ratio inception_lib / torchvision: {ratio:.3f} (target >= 0.95: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
