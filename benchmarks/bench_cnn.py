"""CNN training-step benchmark: eagergrad vs a hand-written numpy CNN vs torch CPU.

The model (issue 3, "Convolution speed"): input (64, 1, 28, 28); conv 1->32 3x3 pad 1, ReLU,
maxpool 2; conv 32->64 3x3 pad 1, ReLU, maxpool 2; flatten; linear 3136->128, ReLU,
linear 128->10; cross-entropy; SGD step (lr 0.01). One step = forward, backward, update.

Run: ``python benchmarks/bench_cnn.py [--steps 30] [--threads N] [--profile]``. Prints the median
ms per step of each implementation and the ratios. The implementations run round-robin (one step
of each per round), so a machine whose load changes during the run slows all of them alike.
``--threads N`` caps the BLAS/OpenMP threads of numpy and torch (default: all cores);
``--profile`` also prints where eagergrad's step spends its time (cProfile, by op).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

BATCH = 64


def _set_threads_from_argv():
    """BLAS reads its thread count when numpy is imported, so this runs before ``import numpy``."""
    if "--threads" in sys.argv:
        n = sys.argv[sys.argv.index("--threads") + 1]
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = n


if __name__ == "__main__":  # imported by benchmarks/workloads.py: leave the caller's settings
    _set_threads_from_argv()

import numpy as np  # noqa: E402


def _timeit_round_robin(steps_by_name, steps, warmup=3):
    """Median ms per step of each callable, timed one step of each per round."""
    for step in steps_by_name.values():
        for _ in range(warmup):
            step()
    times = {name: [] for name in steps_by_name}
    for _ in range(steps):
        for name, step in steps_by_name.items():
            t0 = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) * 1e3 for name, ts in times.items()}


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, BATCH)
    return x, y


# --- eagergrad ----------------------------------------------------------------------------------
def eagergrad_step():
    import eagergrad as eg
    from eagergrad import nn

    eg.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10),
    )
    opt = eg.optim.SGD(model.parameters(), lr=0.01)
    xa, ya = _data()
    x, y = eg.from_numpy(xa), eg.from_numpy(ya)

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


# --- torch --------------------------------------------------------------------------------------
def torch_step():
    import torch
    from torch import nn

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1)))
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10),
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    xa, ya = _data()
    x, y = torch.from_numpy(xa), torch.from_numpy(ya)

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


# --- hand-written numpy (the textbook im2col + matmul + col2im) ---------------------------------
def _im2col(x, k, p):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    ho, wo = h + 2 * p - k + 1, w + 2 * p - k + 1
    cols = np.empty((n, c, k, k, ho, wo), dtype=x.dtype)
    for i in range(k):
        for j in range(k):
            cols[:, :, i, j] = xp[:, :, i:i + ho, j:j + wo]
    return cols.transpose(0, 4, 5, 1, 2, 3).reshape(n * ho * wo, -1)


def _col2im(cols, shape, k, p):
    n, c, h, w = shape
    ho, wo = h + 2 * p - k + 1, w + 2 * p - k + 1
    cols = cols.reshape(n, ho, wo, c, k, k).transpose(0, 3, 4, 5, 1, 2)
    out = np.zeros((n, c, h + 2 * p, w + 2 * p), dtype=cols.dtype)
    for i in range(k):
        for j in range(k):
            out[:, :, i:i + ho, j:j + wo] += cols[:, :, i, j]
    return out[:, :, p:h + p, p:w + p]


def numpy_step():
    rng = np.random.default_rng(0)

    def u(shape, fan_in):
        b = 1 / np.sqrt(fan_in)
        return rng.uniform(-b, b, shape).astype(np.float32)

    params = {
        "w1": u((32, 1, 3, 3), 9), "b1": u(32, 9), "w2": u((64, 32, 3, 3), 288),
        "b2": u(64, 288), "w3": u((128, 3136), 3136), "b3": u(128, 3136),
        "w4": u((10, 128), 128), "b4": u(10, 128),
    }
    x, y = _data()

    def conv(x, w, b):
        n, _, h, wd = x.shape
        cols = _im2col(x, 3, 1)
        out = cols @ w.reshape(w.shape[0], -1).T + b
        return out.reshape(n, h, wd, -1).transpose(0, 3, 1, 2), cols

    def conv_back(g, cols, x_shape, w, need_x):
        co = w.shape[0]
        gm = g.transpose(0, 2, 3, 1).reshape(-1, co)
        gw = (gm.T @ cols).reshape(w.shape)
        gb = gm.sum(0)
        gx = _col2im(gm @ w.reshape(co, -1), x_shape, 3, 1) if need_x else None
        return gx, gw, gb

    def pool(x):
        n, c, h, w = x.shape
        r = x.reshape(n, c, h // 2, 2, w // 2, 2)
        out = r.max(axis=(3, 5))
        mask = r == out[:, :, :, None, :, None]
        return out, mask

    def pool_back(g, mask):
        gx = mask * g[:, :, :, None, :, None]
        n, c, ho, _, wo, _ = gx.shape
        return gx.reshape(n, c, ho * 2, wo * 2)

    def step():
        p = params
        a1, c1 = conv(x, p["w1"], p["b1"])
        r1 = np.maximum(a1, 0)
        p1, m1 = pool(r1)
        a2, c2 = conv(p1, p["w2"], p["b2"])
        r2 = np.maximum(a2, 0)
        p2, m2 = pool(r2)
        f = p2.reshape(BATCH, -1)
        h = f @ p["w3"].T + p["b3"]
        hr = np.maximum(h, 0)
        logits = hr @ p["w4"].T + p["b4"]
        z = logits - logits.max(1, keepdims=True)
        prob = np.exp(z)
        prob /= prob.sum(1, keepdims=True)
        g = prob
        g[np.arange(BATCH), y] -= 1
        g /= BATCH
        grads = {"w4": g.T @ hr, "b4": g.sum(0)}
        gh = (g @ p["w4"]) * (h > 0)
        grads["w3"], grads["b3"] = gh.T @ f, gh.sum(0)
        gp2 = (gh @ p["w3"]).reshape(p2.shape)
        ga2 = pool_back(gp2, m2) * (a2 > 0)
        gp1, grads["w2"], grads["b2"] = conv_back(ga2, c2, p1.shape, p["w2"], True)
        ga1 = pool_back(gp1, m1) * (a1 > 0)
        _, grads["w1"], grads["b1"] = conv_back(ga1, c1, x.shape, p["w1"], False)
        for k, v in grads.items():
            p[k] -= 0.01 * v.astype(np.float32)

    return step


def _profile(make_step, steps=10):
    """Self time of every op's forward and backward over ``steps`` eagergrad steps.

    Wraps each ``Op`` subclass's static forward/backward with a timer; a backward's time excludes
    the ops it calls (they are listed under their own forward), so the rows add up.
    """
    from eagergrad._ops._base import Op

    totals, stack = {}, []

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            stack.append(0.0)
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - t0
                children = stack.pop()
                totals[name] = totals.get(name, 0.0) + elapsed - children
                if stack:
                    stack[-1] += elapsed
        return staticmethod(wrapper)

    classes, todo = [], [Op]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        classes.append(cls)
    saved = []
    for cls in classes:
        for meth in ("forward", "backward"):
            if meth in cls.__dict__:
                saved.append((cls, meth, cls.__dict__[meth]))
                setattr(cls, meth, timed(f"{cls.__name__}.{meth}", getattr(cls, meth)))
    try:
        step = make_step()
        step()
        totals.clear()
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        wall = (time.perf_counter() - t0) / steps * 1e3
    finally:
        for cls, meth, orig in saved:
            setattr(cls, meth, orig)
    print(f"\neagergrad step profile: {wall:.1f} ms/step with timers; self ms/step per op:")
    for name, t in sorted(totals.items(), key=lambda kv: -kv[1]):
        if t * 1e3 / steps >= 0.05:
            print(f"  {name:<32} {t * 1e3 / steps:7.2f}")
    print(f"  {'(python: autograd, modules, optim)':<32} "
          f"{wall - sum(totals.values()) * 1e3 / steps:7.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS/OpenMP threads for numpy and torch (default: all cores)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    threads = args.threads or os.cpu_count()
    print(f"batch {BATCH}, {threads} thread(s), load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    steps = {}
    for name, make in (("eagergrad", eagergrad_step), ("numpy", numpy_step),
                       ("torch", torch_step)):
        try:
            steps[name] = make()
        except ImportError as exc:
            print(f"{name:>10}: skipped ({exc})")
    results = _timeit_round_robin(steps, args.steps)
    for name, ms in results.items():
        print(f"{name:>10}: {ms:7.1f} ms/step (median of {args.steps})")
    if "torch" in results:
        for name in ("eagergrad", "numpy"):
            if name in results:
                print(f"{name:>10} / torch = {results[name] / results['torch']:.2f}x")
    if args.profile:
        _profile(eagergrad_step)


if __name__ == "__main__":
    main()
