"""Benchmark workloads: each has an eagergrad, a hand-written numpy and a torch implementation.

Every ``w<N>_<impl>(device)`` returns a zero-argument ``step`` that runs one timed unit of work
(forward + backward, plus an update where the workload has one). Implementations compute the
same thing, so their times are comparable as ratios within one run. W1, W2, W5 and W6 also run on
``device="cuda"``: eagergrad and torch on the GPU, and the hand-written version on cupy; a cuda
step ends by waiting for the GPU, so its time covers the kernels it launched.
"""

from __future__ import annotations

import numpy as np

# --- W1: 200 small elementwise ops on (16, 16), then backward -------------------------------
W1_REPEATS = 50  # 4 ops per repeat


def _lib(name):
    import importlib

    return importlib.import_module(name)


def _xp(device):
    """The array module of the hand-written versions: numpy, or the device's (cupy on cuda)."""
    if device == "cpu":
        return np
    import eagergrad

    return eagergrad._backend.xp_of(eagergrad.device(device))


def _synced(step, device, impl):
    """``step`` followed by a wait for the GPU when ``device`` is not the cpu."""
    if device == "cpu":
        return step
    if impl == "torch":
        import torch

        sync = torch.cuda.synchronize
    else:  # eagergrad, or the hand-written cupy version: both wait for the current GPU
        import eagergrad

        sync = eagergrad.cuda.synchronize

    def synced():
        out = step()
        sync()
        return out

    return synced


def _w1(lib, device="cpu"):
    """The same code runs on eagergrad and torch (the APIs match)."""
    lib.manual_seed(0)
    x = lib.randn(16, 16, requires_grad=True, device=device)
    a = lib.randn(16, 16, requires_grad=True, device=device)
    b = lib.randn(16, 16, requires_grad=True, device=device)

    def step():
        y = x
        for _ in range(W1_REPEATS):
            y = y * a
            y = y + b
            y = y.tanh()
            y = y - a
        y.sum().backward()
        x.grad = a.grad = b.grad = None

    return step


def w1_eagergrad(device="cpu"):
    return _synced(_w1(_lib("eagergrad"), device), device, "eagergrad")


def w1_torch(device="cpu"):
    return _synced(_w1(_lib("torch"), device), device, "torch")


def w1_numpy(device="cpu"):
    xp = _xp(device)
    rng = np.random.default_rng(0)
    x, a, b = (xp.asarray(rng.standard_normal((16, 16)).astype(np.float32)) for _ in range(3))

    def step():
        ys = []  # tanh outputs, and the inputs to each multiplication
        y = x
        for _ in range(W1_REPEATS):
            ys.append(y)
            y = xp.tanh(y * a + b)
            ys.append(y)
            y = y - a
        g = xp.ones_like(y)
        ga = xp.zeros_like(a)
        gb = xp.zeros_like(b)
        for i in range(W1_REPEATS - 1, -1, -1):
            ga -= g
            t = ys[2 * i + 1]
            g = g * (1 - t * t)
            gb += g
            ga += g * ys[2 * i]
            g = g * a
        return g, ga, gb

    return _synced(step, device, "numpy")


# --- W2: MLP 784-1024-1024-10, batch 256, cross-entropy, SGD step ----------------------------
def _mlp_data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((256, 784)).astype(np.float32)
    y = rng.integers(0, 10, 256)
    dims = [784, 1024, 1024, 10]
    ws = [(rng.standard_normal((i, o)) / np.sqrt(i)).astype(np.float32)
          for i, o in zip(dims[:-1], dims[1:])]
    bs = [np.zeros(o, dtype=np.float32) for o in dims[1:]]
    return x, y, ws, bs


LR = 0.01


def _w2(lib, device="cpu"):
    x, y, ws, bs = _mlp_data()
    x, y = lib.tensor(x, device=device), lib.tensor(y, device=device)
    params = [lib.tensor(p, requires_grad=True, device=device) for p in ws + bs]
    w1, w2, w3, b1, b2, b3 = params
    rows = lib.arange(256, device=device)

    def step():
        h = (x @ w1 + b1).relu()
        h = (h @ w2 + b2).relu()
        logits = h @ w3 + b3
        loss = -logits.log_softmax(1)[rows, y].mean()
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        return loss

    return step


def w2_eagergrad(device="cpu"):
    return _synced(_w2(_lib("eagergrad"), device), device, "eagergrad")


def w2_torch(device="cpu"):
    return _synced(_w2(_lib("torch"), device), device, "torch")


def w2_numpy(device="cpu"):
    xp = _xp(device)
    x, y, ws, bs = (xp.asarray(v) if not isinstance(v, list) else [xp.asarray(a) for a in v]
                    for v in _mlp_data())
    w1, w2, w3 = ws
    b1, b2, b3 = bs
    n = x.shape[0]
    rows = xp.arange(n)

    def step():
        a1 = x @ w1 + b1
        h1 = xp.maximum(a1, 0)
        a2 = h1 @ w2 + b2
        h2 = xp.maximum(a2, 0)
        logits = h2 @ w3 + b3
        z = logits - logits.max(1, keepdims=True)
        e = xp.exp(z)
        s = e.sum(1, keepdims=True)
        loss = -(z[rows, y] - xp.log(s[:, 0])).mean()
        g = e / s
        g[rows, y] -= 1
        g /= n
        gw3 = h2.T @ g
        gb3 = g.sum(0)
        g = g @ w3.T
        g *= a2 > 0
        gw2 = h1.T @ g
        gb2 = g.sum(0)
        g = g @ w2.T
        g *= a1 > 0
        gw1 = x.T @ g
        gb1 = g.sum(0)
        for p, gp in ((w1, gw1), (w2, gw2), (w3, gw3), (b1, gb1), (b2, gb2), (b3, gb3)):
            p -= LR * gp
        return loss

    return _synced(step, device, "numpy")


# --- W5: 4M float32 elements through 10 elementwise ops and backward -------------------------
W5_N = 4 * 1024 * 1024


def _w5_data():
    rng = np.random.default_rng(0)
    return [rng.standard_normal(W5_N).astype(np.float32) * 0.5 for _ in range(4)]


def _w5_chain(x, a, b, c):
    y = x * a  # 1
    y = y + b  # 2
    y = y.tanh()  # 3
    y = y * c  # 4
    y = y - a  # 5
    y = y * b  # 6
    y = y + c  # 7
    y = y.tanh()  # 8
    y = y * a  # 9
    y = y + b  # 10
    return y


def _w5(lib, device="cpu"):
    x, a, b, c = (lib.tensor(v, device=device) for v in _w5_data())
    x.requires_grad_(True)

    def step():
        _w5_chain(x, a, b, c).sum().backward()
        x.grad = None

    return step


def w5_eagergrad(device="cpu"):
    return _synced(_w5(_lib("eagergrad"), device), device, "eagergrad")


def w5_torch(device="cpu"):
    return _synced(_w5(_lib("torch"), device), device, "torch")


def w5_numpy(device="cpu"):
    xp = _xp(device)
    x, a, b, c = (xp.asarray(v) for v in _w5_data())

    def step():
        t1 = xp.tanh(x * a + b)
        t2 = xp.tanh((t1 * c - a) * b + c)
        # The same computation as the others: the loss value too (before 2026-11-27 this
        # reference skipped ``t2 * a + b`` and the sum, three of the chain's passes).
        loss = (t2 * a + b).sum()
        # d loss / dx by hand
        g = a * (1 - t2 * t2)
        g *= b
        g *= c
        g *= 1 - t1 * t1
        g *= a
        return loss, g

    return _synced(step, device, "numpy")


# --- W6: sgemm 2048^3 (the machine's compute ceiling) ---------------------------------------
def w6_numpy(device="cpu"):
    xp = _xp(device)
    rng = np.random.default_rng(0)
    a = xp.asarray(rng.standard_normal((2048, 2048)).astype(np.float32))
    b = xp.asarray(rng.standard_normal((2048, 2048)).astype(np.float32))

    def step():
        return a @ b

    return _synced(step, device, "numpy")


def _w6(lib, device="cpu"):
    a, b = lib.randn(2048, 2048, device=device), lib.randn(2048, 2048, device=device)

    def step():
        return a @ b

    return step


def w6_eagergrad(device="cpu"):
    return _synced(_w6(_lib("eagergrad"), device), device, "eagergrad")


def w6_torch(device="cpu"):
    return _synced(_w6(_lib("torch"), device), device, "torch")


# --- W3: the CNN training step (the nn issue's CNN), W4: the LSTM step ---------------------
def _bench(module, name, *args):
    import importlib

    mod = importlib.import_module(f"benchmarks.{module}")
    return getattr(mod, name)(*args)


# W3 and W4 run on the cpu only; benchmarks/bench_gpu.py times the CNN step on cuda.
def w3_eagergrad(device="cpu"):
    return _bench("bench_cnn", "eagergrad_step")


def w3_numpy(device="cpu"):
    return _bench("bench_cnn", "numpy_step")


def w3_torch(device="cpu"):
    return _bench("bench_cnn", "torch_step")


# W4 is the explicit per-step loop of LSTMCell (input 64, hidden 256, seq 32, batch 32) +
# backward + SGD; hand-written numpy BPTT is the practical limit.
def w4_eagergrad(device="cpu"):
    return _bench("bench_lstm", "eagergrad_cell_loop", 32, 32)


def w4_numpy(device="cpu"):
    return _bench("bench_lstm", "numpy_lstm", 32, 32)


def w4_torch(device="cpu"):
    return _bench("bench_lstm", "torch_cell_loop", 32, 32)


W6_FLOP = 2 * 2048**3
# W2's matmul FLOPs per step: forward, grad w.r.t. weights, grad w.r.t. hidden inputs.
W2_FLOP = 2 * 256 * (784 * 1024 + 1024 * 1024 + 1024 * 10) * 3 - 2 * 256 * 784 * 1024

WORKLOADS = {
    "W1": dict(title="200 small elementwise ops (16x16) + backward", unit="us/op",
               scale=1e6 / (4 * W1_REPEATS), impls=dict(eagergrad=w1_eagergrad,
                                                         numpy=w1_numpy, torch=w1_torch)),
    "W2": dict(title="MLP 784-1024-1024-10 b256 CE + SGD step", unit="ms", scale=1e3,
               impls=dict(eagergrad=w2_eagergrad, numpy=w2_numpy, torch=w2_torch)),
    "W3": dict(title="CNN step (2 conv, 2 pool, 2 linear) b64 CE + SGD", unit="ms", scale=1e3,
               devices=("cpu",),
               impls=dict(eagergrad=w3_eagergrad, numpy=w3_numpy, torch=w3_torch)),
    "W4": dict(title="LSTMCell loop 64->256 seq32 b32 + SGD step", unit="ms", scale=1e3,
               devices=("cpu",),
               impls=dict(eagergrad=w4_eagergrad, numpy=w4_numpy, torch=w4_torch)),
    "W5": dict(title="4M-element chain of 10 elementwise ops + backward", unit="ms", scale=1e3,
               impls=dict(eagergrad=w5_eagergrad, numpy=w5_numpy, torch=w5_torch)),
    "W6": dict(title="sgemm 2048^3", unit="ms", scale=1e3,
               impls=dict(eagergrad=w6_eagergrad, numpy=w6_numpy, torch=w6_torch)),
}

# W7: peak memory (tracemalloc, which sees numpy's allocations) of one W2 and one W3 step.
MEMORY = {
    "W7a": dict(title="peak memory of a W2 step", of="W2"),
    "W7b": dict(title="peak memory of a W3 step", of="W3"),
}
