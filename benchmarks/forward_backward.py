"""Speed of our Inception-v3 against torchvision's, measured in one process.

    python benchmarks/forward_backward.py [--batch-size 8] [--image-size 299] [--repeats 5] [--device cpu]

Both models get the same weights (ours loaded from torchvision's) and the same input. The two are timed
alternately (ours, theirs, ours, ...) so that a noisy machine slows both alike, and the script prints the
median time of each and the ratio ours / torchvision (target: <= 1.05) for an eval forward pass and for
one training step (forward, both losses, backward, SGD step).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
import torchvision

from inception_lib import inception_v3, load_torchvision_weights


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _forward(model: torch.nn.Module, x: torch.Tensor) -> None:
    with torch.no_grad():
        model(x)


def _train_step(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, opt: torch.optim.Optimizer) -> None:
    out = model(x)
    loss = F.cross_entropy(out.logits, y) + 0.4 * F.cross_entropy(out.aux_logits, y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


def _time(fn, device: torch.device) -> float:
    _sync(device)
    start = time.perf_counter()
    fn()
    _sync(device)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--image-size", type=int, default=299)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    theirs = torchvision.models.inception_v3(weights=None, aux_logits=True, init_weights=True)
    ours = load_torchvision_weights(inception_v3(), theirs.state_dict())
    models = {"ours": ours.to(device), "torchvision": theirs.to(device)}
    x = torch.randn(args.batch_size, 3, args.image_size, args.image_size, device=device)
    y = torch.randint(0, 1000, (args.batch_size,), device=device)
    print(
        f"device {device}, torch {torch.__version__}, threads {torch.get_num_threads()}, "
        f"batch {args.batch_size}, {args.image_size}×{args.image_size}, {args.repeats} repeats (median)"
    )

    for phase in ("eval forward", "train step"):
        times: dict[str, list[float]] = {name: [] for name in models}
        opts = {name: torch.optim.SGD(m.parameters(), lr=1e-4) for name, m in models.items()}
        for repeat in range(args.repeats + 1):  # the first round warms up and is dropped
            order = list(models.items()) if repeat % 2 else list(models.items())[::-1]
            for name, model in order:
                if phase == "eval forward":
                    model.eval()
                    elapsed = _time(lambda model=model: _forward(model, x), device)
                else:
                    model.train()
                    elapsed = _time(lambda model=model, opt=opts[name]: _train_step(model, x, y, opt), device)
                if repeat:
                    times[name].append(elapsed)
        med = {name: statistics.median(t) for name, t in times.items()}
        print(
            f"{phase:>13}: ours {med['ours'] * 1e3:8.1f} ms, torchvision {med['torchvision'] * 1e3:8.1f} ms, "
            f"ratio ours/torchvision {med['ours'] / med['torchvision']:.3f} (target <= 1.05)"
        )


if __name__ == "__main__":
    main()
