"""LSTM benchmark: eagergrad vs torch CPU, nn.LSTM and an explicit LSTMCell loop.

One step = forward over a (seq 32, batch 32, input 64) sequence with hidden size 256, a sum
loss, backward and an SGD update. Five implementations, timed round-robin (so load spikes
hit all of them alike), each reported as the median over its repeats:

    eagergrad nn.LSTM      vs  torch nn.LSTM          (target: within 1.5x)
    eagergrad LSTMCell loop vs torch LSTMCell loop     (the perf issue's W4; target 1.2x)
    eagergrad nn.LSTM      vs  hand-written numpy BPTT (the practical limit)

Each ``<impl>(seq, batch)`` factory returns a zero-argument ``step`` (the convention of
benchmarks/workloads.py), so the suite can reuse them.

Usage:
    python benchmarks/bench_lstm.py [--repeats 30] [--seq 32] [--batch 32] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))

INPUT, HIDDEN, LR = 64, 256, 0.01


def _weights(seed=0):
    """Shared initial weights (torch's names), so every implementation does the same math."""
    rng = np.random.default_rng(seed)
    k = 1 / np.sqrt(HIDDEN)

    def u(*shape):
        return rng.uniform(-k, k, shape).astype(np.float32)

    return {
        "weight_ih": u(4 * HIDDEN, INPUT),
        "weight_hh": u(4 * HIDDEN, HIDDEN),
        "bias_ih": u(4 * HIDDEN),
        "bias_hh": u(4 * HIDDEN),
    }


def _data(seq, batch, seed=1):
    return np.random.default_rng(seed).standard_normal((seq, batch, INPUT)).astype(np.float32)


def eagergrad_lstm(seq, batch):
    import eagergrad as eg
    from eagergrad.nn.modules.rnn import LSTM

    model = LSTM(INPUT, HIDDEN)
    model.load_state_dict({f"{k}_l0": eg.tensor(v) for k, v in _weights().items()})
    opt = eg.optim.SGD(model.parameters(), lr=LR)
    x = eg.tensor(_data(seq, batch))

    def step():
        out, _ = model(x)
        loss = out.sum()
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def torch_lstm(seq, batch):
    import torch

    model = torch.nn.LSTM(INPUT, HIDDEN)
    model.load_state_dict({f"{k}_l0": torch.tensor(v) for k, v in _weights().items()})
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    x = torch.tensor(_data(seq, batch))

    def step():
        out, _ = model(x)
        loss = out.sum()
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def numpy_lstm(seq, batch):
    """Hand-written numpy with manual BPTT: the practical limit for a numpy library."""
    p = {k: v.copy() for k, v in _weights().items()}
    x = _data(seq, batch)
    n = HIDDEN

    def sigmoid(a):
        return 0.5 * np.tanh(0.5 * a) + 0.5

    def step():
        w_ih, w_hh = p["weight_ih"], p["weight_hh"]
        xg = x.reshape(seq * batch, INPUT) @ w_ih.T + (p["bias_ih"] + p["bias_hh"])
        xg = xg.reshape(seq, batch, 4 * n)
        h, c = np.zeros((batch, n), np.float32), np.zeros((batch, n), np.float32)
        hs, cs, acts, tcs = [h], [c], [], []
        for t in range(seq):
            a = xg[t] + h @ w_hh.T
            a[:, : 2 * n] = sigmoid(a[:, : 2 * n])
            a[:, 2 * n : 3 * n] = np.tanh(a[:, 2 * n : 3 * n])
            a[:, 3 * n :] = sigmoid(a[:, 3 * n :])
            c = a[:, n : 2 * n] * c + a[:, :n] * a[:, 2 * n : 3 * n]
            tc = np.tanh(c)
            h = a[:, 3 * n :] * tc
            hs.append(h), cs.append(c), acts.append(a), tcs.append(tc)
        # loss = sum of all outputs: d loss / d h_t = 1 for every t
        dgates = np.empty((seq, batch, 4 * n), np.float32)
        dh, dc = np.zeros((batch, n), np.float32), np.zeros((batch, n), np.float32)
        for t in range(seq - 1, -1, -1):
            a, tc = acts[t], tcs[t]
            i, f, g, o = a[:, :n], a[:, n : 2 * n], a[:, 2 * n : 3 * n], a[:, 3 * n :]
            gh = dh + 1
            dct = gh * o * (1 - tc * tc) + dc
            d = dgates[t]
            d[:, :n] = dct * g * i * (1 - i)
            d[:, n : 2 * n] = dct * cs[t] * f * (1 - f)
            d[:, 2 * n : 3 * n] = dct * i * (1 - g * g)
            d[:, 3 * n :] = gh * tc * o * (1 - o)
            dc = dct * f
            dh = d @ w_hh
        d2 = dgates.reshape(seq * batch, 4 * n)
        grads = {
            "weight_ih": d2.T @ x.reshape(seq * batch, INPUT),
            "weight_hh": d2.T @ np.stack(hs[:-1]).reshape(seq * batch, n),
            "bias_ih": d2.sum(0),
        }
        grads["bias_hh"] = grads["bias_ih"]
        for k, gk in grads.items():
            p[k] -= LR * gk

    return step


def _cell_loop(lib, cell_cls, seq, batch):
    cell = cell_cls(INPUT, HIDDEN)
    cell.load_state_dict({k: lib.tensor(v) for k, v in _weights().items()})
    opt = lib.optim.SGD(cell.parameters(), lr=LR)
    xs = lib.tensor(_data(seq, batch)).unbind(0)

    def step():
        h = lib.zeros(batch, HIDDEN)
        c = lib.zeros(batch, HIDDEN)
        outs = []
        for x in xs:
            h, c = cell(x, (h, c))
            outs.append(h)
        loss = lib.stack(outs).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def eagergrad_cell_loop(seq, batch):
    import eagergrad as eg
    from eagergrad.nn.modules.rnn import LSTMCell

    return _cell_loop(eg, LSTMCell, seq, batch)


def torch_cell_loop(seq, batch):
    import torch

    return _cell_loop(torch, torch.nn.LSTMCell, seq, batch)


def run(repeats: int = 30, seq: int = 32, batch: int = 32) -> dict:
    """Times the four implementations round-robin; returns median seconds per step."""
    impls = {
        "eagergrad nn.LSTM": eagergrad_lstm,
        "eagergrad LSTMCell loop": eagergrad_cell_loop,
        "numpy manual BPTT": numpy_lstm,
    }
    try:
        import torch  # noqa: F401

        impls.update({"torch nn.LSTM": torch_lstm, "torch LSTMCell loop": torch_cell_loop})
    except ImportError:
        pass
    steps = {name: make(seq, batch) for name, make in impls.items()}
    for step in steps.values():  # warm-up
        for _ in range(3):
            step()
    times = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            t0 = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - t0)
    return {name: float(np.median(ts)) for name, ts in times.items()}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--seq", type=int, default=32)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch.set_num_threads (default: torch's own choice)",
    )
    args = parser.parse_args(argv)
    if args.threads is not None:
        import torch

        torch.set_num_threads(args.threads)
    med = run(args.repeats, args.seq, args.batch)
    print(
        f"LSTM input {INPUT}, hidden {HIDDEN}, seq {args.seq}, batch {args.batch}: "
        "forward + backward + SGD step, median of",
        args.repeats,
    )
    for name, t in med.items():
        print(f"  {name:26s} {t * 1e3:9.2f} ms")
    if "torch nn.LSTM" in med:
        r1 = med["eagergrad nn.LSTM"] / med["torch nn.LSTM"]
        r2 = med["eagergrad LSTMCell loop"] / med["torch LSTMCell loop"]
        print(f"  ratio nn.LSTM        eagergrad/torch = {r1:.2f}x (target <= 1.5x)")
        print(f"  ratio LSTMCell loop  eagergrad/torch = {r2:.2f}x (target <= 1.2x)")
    r3 = med["eagergrad nn.LSTM"] / med["numpy manual BPTT"]
    print(f"  ratio nn.LSTM        eagergrad/numpy-manual = {r3:.2f}x")
    return med


if __name__ == "__main__":
    main()
