"""Does the data keep up? End-to-end training images/s against model-only images/s, in one run.

    python benchmarks/data_pipeline.py                      # CPU, Inception-v3 at 75 px, batch 32
    python benchmarks/data_pipeline.py --device cuda --batch-size 256 --model tiny_bn
    python benchmarks/data_pipeline.py --json out.json      # also write the result (the GPU script's stage)

Fashion-MNIST (or, with ``--fabricated``, random 28×28 images of the same layout) is held as one uint8
tensor on the device (``inception_lib.data.TensorImages``), and every batch is cut, shifted, flipped and
resized there. Two loops of the engine's own ``train_step`` are timed alternately: *model only* reuses one
batch made before timing; *end to end* makes each step's batch as the engine does (the epoch's order on
the device, one slice per step). It prints both rates and the share of end-to-end time the data costs
(the target is under 10 %).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from inception_lib.data import FASHION_MNIST_CLASSES, TensorImages, load_fashion_mnist  # noqa: E402
from inception_lib.train import TrainConfig  # noqa: E402
from inception_lib.train.engine import TrainState, build_model, make_optimizer, train_step  # noqa: E402
from inception_lib.train.runtime import Runtime  # noqa: E402


def images(fabricated: bool, data_dir: str) -> tuple[np.ndarray, np.ndarray]:
    if fabricated:
        rng = np.random.default_rng(0)
        return rng.integers(0, 256, (60_000, 28, 28), dtype=np.uint8), rng.integers(0, 10, 60_000)
    return load_fashion_mnist(data_dir)["train"]


def measure(args: argparse.Namespace) -> dict[str, float]:
    config = TrainConfig(model=args.model, image_size=args.image_size, batch_size=args.batch_size,
                         device=args.device, amp="auto")
    rt = Runtime.start(config)
    x, y = images(args.fabricated, args.data_dir)
    data = TensorImages(x, y, args.image_size, FASHION_MNIST_CLASSES, augment=True, shift=2, device=rt.device)
    torch.manual_seed(0)
    model = rt.prepare(build_model(config, 10)).train()
    state = TrainState(config, rt, model, model, make_optimizer(config, model, rt.device), rt.grad_scaler(),
                       None, steps_per_epoch=10**9)
    order = torch.randperm(len(data), device=rt.device)
    fixed = rt.to_device(*data.batch(order[: args.batch_size]))

    def sync() -> None:
        if rt.device.type == "cuda":
            torch.cuda.synchronize()

    def loop(end_to_end: bool, start: int) -> float:
        sync()
        t = time.perf_counter()
        for i in range(args.steps):
            if end_to_end:
                b = (start + i) % (len(data) // args.batch_size)
                index = order[b * args.batch_size : (b + 1) * args.batch_size]
                images_, labels = rt.to_device(*data.batch(index))
            else:
                images_, labels = fixed
            train_step(state, images_, labels, i)
        sync()
        return args.steps * args.batch_size / (time.perf_counter() - t)

    loop(False, 0)  # warm-up
    model_only, end_to_end = [], []
    for r in range(args.repeats):  # alternate which goes first
        pair = [(False, model_only), (True, end_to_end)]
        for flag, out in pair if r % 2 == 0 else pair[::-1]:
            out.append(loop(flag, r * args.steps))
    m, e = statistics.median(model_only), statistics.median(end_to_end)
    return {"model_only": m, "end_to_end": e, "data_share": 1 - e / m, "model_only_runs": model_only,
            "end_to_end_runs": end_to_end, "images": len(data), "device": str(rt.device),
            "settings": {k: v for k, v in vars(args).items() if k != "json"}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--model", default="inception_v3")
    p.add_argument("--image-size", type=int, default=75)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--fabricated", action="store_true", help="random images instead of Fashion-MNIST")
    p.add_argument("--data-dir", default="data", help="where the Fashion-MNIST idx files are (as --data-dir)")
    p.add_argument("--json", type=Path, help="also write the result to this JSON file")
    args = p.parse_args()
    r = measure(args)
    if args.json is not None:
        args.json.write_text(json.dumps(r, indent=1) + "\n")
    print(f"model only: {r['model_only']:,.1f} images/s; end to end: {r['end_to_end']:,.1f} images/s; "
          f"the data costs {r['data_share']:.1%} of end-to-end time (target < 10 %)")


if __name__ == "__main__":
    main()
