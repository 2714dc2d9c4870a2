"""GPU benchmark: training steps on cuda vs eagergrad's cpu path vs torch CUDA (when present).

Workloads: the MLP step (784-1024-1024-10, batch 256), the CNN step (the nn issue's CNN, batch
64), a large compute-bound MLP step (batch 4096, 4096-4096-4096-10) and a 4096x4096 matmul.
Prints median ms per step and the ratios; also the per-op launch overhead of small ops.

Run: python benchmarks/bench_gpu.py [--time 2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import eagergrad as eg


def _timeit(step, sync, seconds):
    for _ in range(3):
        step()
    sync()
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 5:
        t0 = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _mlp(lib, dims, batch, device):
    nn = lib.nn
    layers = []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(dims) - 2:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers).to(device)
    x = lib.randn(batch, dims[0], device=device)
    y = lib.randint(0, dims[-1], (batch,), device=device)
    return model, x, y


def _cnn(lib, device):
    nn = lib.nn
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10)).to(device)
    x = lib.randn(64, 1, 28, 28, device=device)
    y = lib.randint(0, 10, (64,), device=device)
    return model, x, y


def _train_step(lib, model, x, y):
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = lib.nn.functional.cross_entropy

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    return step


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--time", type=float, default=2.0)
    args = p.parse_args()
    try:
        import torch

        torch_cuda = torch.cuda.is_available()
    except ImportError:
        torch, torch_cuda = None, False
    if not eg.cuda.is_available():
        print("no CUDA GPU/cupy: nothing to measure")
        return
    print(f"GPU: {eg.cuda.get_device_name()} | torch CUDA: {torch_cuda}")
    rows = []
    cases = {
        "MLP 784-1024-1024-10 b256": lambda lib, d: _mlp(lib, [784, 1024, 1024, 10], 256, d),
        "CNN step b64": lambda lib, d: _cnn(lib, d),
        "MLP 4096x3 b4096": lambda lib, d: _mlp(lib, [4096, 4096, 4096, 10], 4096, d),
    }
    for name, build in cases.items():
        res = {}
        for label, lib, dev, sync in (
            ("eg cuda", eg, "cuda", eg.cuda.synchronize),
            ("eg cpu", eg, "cpu", lambda: None),
            ("torch cuda", torch, "cuda", torch.cuda.synchronize if torch_cuda else None),
        ):
            if lib is None or sync is None:
                continue
            if label == "eg cpu" and "4096" in name:
                continue  # minutes per step on a CPU; not informative
            lib.manual_seed(0)
            model, x, y = build(lib, dev)
            res[label] = _timeit(_train_step(lib, model, x, y), sync, args.time)
        rows.append((name, res))
    a = eg.randn(4096, 4096, device="cuda")
    res = {"eg cuda": _timeit(lambda: a @ a, eg.cuda.synchronize, args.time)}
    if torch_cuda:
        t = torch.randn(4096, 4096, device="cuda")
        res["torch cuda"] = _timeit(lambda: t @ t, torch.cuda.synchronize, args.time)
    rows.append(("matmul 4096^3 fp32", res))
    x = eg.randn(16, 16, device="cuda", requires_grad=True)

    def small_ops():
        y = x
        for _ in range(50):
            y = (y * x + x).tanh() - x
        y.sum().backward()
        x.grad = None

    rows.append(("200 small ops + backward (per op, us)",
                 {"eg cuda": _timeit(small_ops, eg.cuda.synchronize, args.time) / 200 * 1e3}))
    print(f"{'workload':<40} {'eg cuda ms':>11} {'eg cpu ms':>10} {'torch cuda ms':>14} "
          f"{'cpu/cuda':>9} {'eg/torch':>9}")
    for name, r in rows:
        c, cpu, tc = r.get("eg cuda"), r.get("eg cpu"), r.get("torch cuda")
        fmt = lambda v: f"{v * 1e3:.2f}" if v is not None else "-"  # noqa: E731
        print(f"{name:<40} {fmt(c):>11} {fmt(cpu):>10} {fmt(tc):>14} "
              f"{(f'{cpu / c:.1f}x' if c and cpu else '-'):>9} "
              f"{(f'{c / tc:.2f}x' if c and tc else '-'):>9}")


if __name__ == "__main__":
    main()
