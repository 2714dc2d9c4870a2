"""Cost of one optimizer step over a 1M-parameter model (10 float32 tensors of 100k).

For Adam and SGD with momentum (and AdamW, RMSprop as extra rows) it times ``opt.step()`` with
fixed gradients, against:

- numpy: the same rule written by hand on the arrays, in place with ``out=`` (what a careful
  numpy user would write; the floor for a numpy library),
- torch: ``torch.optim`` on CPU (its default single-tensor path on CPU), when installed,
  on one thread by default like numpy (``--torch-threads``).

Prints the median time per step in ms (min-max) and the ratios eagergrad / numpy and
eagergrad / torch, of the medians and of the minima (steadier on a loaded machine). The
issue's target is eagergrad / numpy <= ~2x. With ``--device cuda``
eagergrad and numpy-on-cupy run on the GPU (synchronised around each step).

Run: ``python benchmarks/bench_optim.py [--tensors 10] [--size 100000] [--reps 100]``.
"""

from __future__ import annotations

import argparse
import time

import numpy

import eagergrad as eg


# --- hand-written in-place reference updates ---------------------------------------------------
def numpy_sgd_momentum(xp, params, grads, lr=0.01, momentum=0.9):
    """SGD with momentum (buffer starts as the first gradient), in place."""
    bufs = [None] * len(params)

    def step():
        for i, (p, g) in enumerate(zip(params, grads)):
            if bufs[i] is None:
                bufs[i] = g.copy()
            else:
                bufs[i] *= momentum
                bufs[i] += g
            p -= lr * bufs[i]

    return step


def numpy_adam(xp, params, grads, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0):
    """Adam (or AdamW with weight_decay) with bias correction, in place, one scratch array."""
    ms = [xp.zeros_like(p) for p in params]
    vs = [xp.zeros_like(p) for p in params]
    t = [0]

    def step():
        t[0] += 1
        bc1 = 1 - b1 ** t[0]
        bc2_sqrt = (1 - b2 ** t[0]) ** 0.5
        for p, g, m, v in zip(params, grads, ms, vs):
            if weight_decay:
                p *= 1 - lr * weight_decay
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            denom = xp.sqrt(v)
            denom /= bc2_sqrt
            denom += eps
            p -= (lr / bc1) * (m / denom)

    return step


def numpy_rmsprop(xp, params, grads, lr=1e-2, alpha=0.99, eps=1e-8):
    sqs = [xp.zeros_like(p) for p in params]

    def step():
        for p, g, s in zip(params, grads, sqs):
            s *= alpha
            s += (1 - alpha) * (g * g)
            denom = xp.sqrt(s)
            denom += eps
            p -= lr * (g / denom)

    return step


NUMPY_REFS = {
    "SGD-momentum": lambda xp, p, g: numpy_sgd_momentum(xp, p, g),
    "Adam": lambda xp, p, g: numpy_adam(xp, p, g),
    "AdamW": lambda xp, p, g: numpy_adam(xp, p, g, weight_decay=1e-2),
    "RMSprop": lambda xp, p, g: numpy_rmsprop(xp, p, g),
}
OPTIMIZERS = {
    "SGD-momentum": ("SGD", dict(lr=0.01, momentum=0.9)),
    "Adam": ("Adam", dict(lr=1e-3)),
    "AdamW": ("AdamW", dict(lr=1e-3)),
    "RMSprop": ("RMSprop", dict(lr=1e-2)),
}


def _time(steps, reps, sync=lambda: None):
    """Median, min and max ms per call of each step function.

    The functions run round-robin (one call of each per repetition), so load from other
    processes on a shared machine falls on all of them alike and the ratios stay meaningful.
    """
    for step in steps:
        for _ in range(3):
            step()
    sync()
    times = [[] for _ in steps]
    for _ in range(reps):
        for step, out in zip(steps, times):
            t0 = time.perf_counter()
            step()
            sync()
            out.append(time.perf_counter() - t0)
    result = []
    for out in times:
        out.sort()
        result.append((out[len(out) // 2] * 1e3, out[0] * 1e3, out[-1] * 1e3))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tensors", type=int, default=10)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--torch-threads", type=int, default=1,
                        help="torch intra-op threads (numpy and eagergrad use one core)")
    args = parser.parse_args()

    device = eg.device(args.device)
    xp = device.xp if device.type == "cpu" else eg._backend.xp_of(device)
    sync = (lambda: None) if device.type == "cpu" else eg.cuda.synchronize
    rng = numpy.random.default_rng(0)
    host_params = [rng.standard_normal(args.size).astype(numpy.float32)
                   for _ in range(args.tensors)]
    host_grads = [rng.standard_normal(args.size).astype(numpy.float32)
                  for _ in range(args.tensors)]
    try:
        import torch
    except ImportError:
        torch = None

    n = args.tensors * args.size
    print(f"optimizer step over {n:,} float32 parameters ({args.tensors} x {args.size:,}) "
          f"on {device}; median of {args.reps} (min-max), ms")
    if torch is not None:
        torch.set_num_threads(args.torch_threads)
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
              f"numpy {numpy.__version__}")
    header = (f"{'rule':<14}{'eagergrad':>24}{'numpy':>24}{'torch':>24}{'eg/np':>8}"
              f"{'(min)':>7}{'eg/torch':>10}{'(min)':>7}")
    print(header)
    print("-" * len(header))
    for rule, (name, kwargs) in OPTIMIZERS.items():
        params = [eg.tensor(p, device=device, requires_grad=True) for p in host_params]
        for p, g in zip(params, host_grads):
            p.grad = eg.tensor(g, device=device)
        opt = getattr(eg.optim, name)(params, **kwargs)
        steps = [opt.step]

        arrays = [xp.asarray(p.copy()) for p in host_params]
        grads = [xp.asarray(g) for g in host_grads]
        steps.append(NUMPY_REFS[rule](xp, arrays, grads))

        if torch is not None and device.type == "cpu":
            tparams = [torch.tensor(p, requires_grad=True) for p in host_params]
            for p, g in zip(tparams, host_grads):
                p.grad = torch.tensor(g)
            steps.append(getattr(torch.optim, name)(tparams, **kwargs).step)
        ours, ref, *rest = _time(steps, args.reps, sync)
        theirs = rest[0] if rest else None

        def fmt(t):
            return f"{t[0]:8.3f} ({t[1]:.2f}-{t[2]:.2f})" if t else f"{'-':>20}"

        ratio_torch = (f"{ours[0] / theirs[0]:10.2f}{ours[1] / theirs[1]:7.2f}" if theirs
                       else f"{'-':>10}{'-':>7}")
        print(f"{rule:<14}{fmt(ours):>24}{fmt(ref):>24}{fmt(theirs):>24}"
              f"{ours[0] / ref[0]:8.2f}{ours[1] / ref[1]:7.2f}{ratio_torch}")


if __name__ == "__main__":
    main()
