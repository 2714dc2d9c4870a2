"""Traced (eg.jit) vs eager: W1, the MLP training step and the CNN training step.

- W1: 200 small elementwise ops on (16, 16) and backward (benchmarks/workloads.py's W1);
  target: traced at least 3x faster.
- MLP: 784-1024-1024-10, batch 256, cross-entropy, SGD step (W2's model as nn modules);
  target: traced never slower.
- CNN: bench_cnn.py's model (batch 64, 1x28x28, two conv/relu/maxpool blocks, two linears),
  SGD step; target: traced never slower.
- On cuda (``--device cuda``, needs cupy): W5's chain of 10 elementwise ops on 4M elements, eager
  vs traced (chains of elementwise ops fused with cupy.fuse). Written without a GPU: untested.

Run: ``python benchmarks/bench_jit.py [--rounds 30] [--only W1,MLP,CNN] [--check]``. Eager and
traced run round-robin (one step of each per round, the order alternating) and the medians are
compared, so load changes on the machine hit both alike. ``--check`` exits 1 when a target is
missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import eagergrad as eg  # noqa: E402
import eagergrad.jit  # noqa: E402,F401
from benchmarks.workloads import W1_REPEATS, W5_N  # noqa: E402

nn = eg.nn
F = nn.functional


def _round_robin(steps: dict, rounds: int, warmup: int = 3) -> dict:
    """Median ms per step of each callable; one step of each per round, order alternating.

    NOTE: the order alternates (AB, BA, ...) because in one process the step that runs second
    in a round pays the page faults of re-growing the heap the first one just trimmed
    (measured: ~2300 faults per MLP step for whichever runs second, 0 for the first).
    """
    for step in steps.values():
        for _ in range(warmup):
            step()
    times = {k: [] for k in steps}
    items = list(steps.items())
    for r in range(rounds):
        for k, step in items if r % 2 == 0 else items[::-1]:
            t0 = time.perf_counter()
            step()
            times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) * 1e3 for k, v in times.items()}


# --- W1 ------------------------------------------------------------------------------------------
def w1_steps(device="cpu"):
    eg.manual_seed(0)
    x, a, b = (eg.randn(16, 16, device=device, requires_grad=True) for _ in range(3))

    def chain(x):
        y = x
        for _ in range(W1_REPEATS):
            y = y * a
            y = y + b
            y = y.tanh()
            y = y - a
        return y.sum()

    traced = eg.jit.trace(chain, (x,))

    def eager_step():
        chain(x).backward()
        x.grad = a.grad = b.grad = None

    def traced_step():
        traced(x).backward()
        x.grad = a.grad = b.grad = None

    return eager_step, traced_step


# --- training steps ------------------------------------------------------------------------------
def _train_pair(make_model, x, y, lr=0.01):
    eg.manual_seed(0)
    m1 = make_model()
    eg.manual_seed(0)
    m2 = make_model()
    o1 = eg.optim.SGD(m1.parameters(), lr=lr)
    o2 = eg.optim.SGD(m2.parameters(), lr=lr)

    def eager_step():
        o1.zero_grad()
        loss = F.cross_entropy(m1(x), y)
        loss.backward()
        o1.step()
        return loss

    traced_step = eg.jit.trace_step(m2, F.cross_entropy, o2, (x, y))
    return eager_step, lambda: traced_step(x, y)


def mlp_steps():
    rng = np.random.default_rng(0)
    x = eg.from_numpy(rng.standard_normal((256, 784)).astype(np.float32))
    y = eg.from_numpy(rng.integers(0, 10, 256))
    return _train_pair(
        lambda: nn.Sequential(
            nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10)
        ),
        x,
        y,
    )


def cnn_steps():
    rng = np.random.default_rng(0)
    x = eg.from_numpy(rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
    y = eg.from_numpy(rng.integers(0, 10, 64))
    return _train_pair(
        lambda: nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(3136, 128),
            nn.ReLU(),
            nn.Linear(128, 10),
        ),
        x,
        y,
    )


# --- cuda: fused elementwise chains (untested without a GPU) ------------------------------------
def w5_cuda_steps():
    import cupy

    rng = np.random.default_rng(0)
    x, a, b, c = (
        eg.tensor(rng.standard_normal(W5_N).astype(np.float32) * 0.5, device="cuda")
        for _ in range(4)
    )

    def chain(x):
        y = (x * a + b).tanh()
        y = ((y * c - a) * b + c).tanh()
        return y * a + b

    traced = eg.jit.trace(chain, (x,))

    def sync(fn):
        def run():
            fn(x)
            cupy.cuda.Device().synchronize()

        return run

    return sync(chain), sync(traced)


WORKLOADS = {"W1": w1_steps, "MLP": mlp_steps, "CNN": cnn_steps}
# target: minimum eager/traced speed-up (1.0 = never slower; noise allowance below)
TARGETS = {"W1": 3.0, "MLP": 1.0, "CNN": 1.0, "W5-cuda": 1.0}
NOISE = 0.97  # "never slower" passes at >= 0.97x: medians of a shared machine move by ~3%


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--only", default="W1,MLP,CNN")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    names = args.only.split(",")
    if args.device == "cuda":
        names = ["W5-cuda"]
    print(f"eager vs eg.jit traced, median ms of {args.rounds} round-robin rounds")
    print(f"{'workload':10s} {'eager ms':>10s} {'traced ms':>10s} {'speed-up':>9s}  target")
    ok = True
    for name in names:
        make = w5_cuda_steps if name == "W5-cuda" else WORKLOADS[name]
        eager, traced = make()
        rounds = args.rounds if name != "W1" else args.rounds * 10
        t = _round_robin({"eager": eager, "traced": traced}, rounds)
        speed = t["eager"] / t["traced"]
        target = TARGETS[name]
        hit = speed >= (target if target > 1 else target * NOISE)
        ok &= hit
        print(
            f"{name:10s} {t['eager']:10.3f} {t['traced']:10.3f} {speed:8.2f}x  "
            f">= {target:.1f}x {'ok' if hit else 'MISSED'}"
        )
    if args.check and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
