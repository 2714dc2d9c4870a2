"""Static vs dynamic graphs, as runnable code (the lecture's note).

TensorFlow 1.x builds a graph once and runs it many times: the framework sees the whole program,
so it can optimise it and write it to a file, but Python control flow has to become graph ops.
PyTorch (and eagergrad) build the graph as the code runs: ordinary Python decides every step,
but each op pays Python's price every time. ``eg.jit`` gives eagergrad the static side when the
program's shape does not depend on its data:

1. dynamic: a Python loop whose length depends on the data is just a loop;
2. static: trace once, replay the recorded array ops (faster: no per-op dispatch);
3. the catch: a trace freezes control flow, and eagergrad says so instead of being wrong;
4. a static graph can be serialised: ONNX, run by another runtime (needs ``onnx``).

Run: ``python examples/static_vs_dynamic.py``.
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np

import eagergrad as eg
import eagergrad.jit
import eagergrad.onnx

nn = eg.nn


def dynamic_depth():
    """1. Define-by-run: the graph is whatever the Python code did for this input."""
    w = eg.randn(8, 8, requires_grad=True)
    x = eg.randn(1, 8)
    steps = 0
    while x.norm().item() < 10 and steps < 20:  # data-dependent loop: fine in eager mode
        x = (x @ w).tanh() * 2 + x
        steps += 1
    x.sum().backward()
    print(f"1. dynamic: the loop ran {steps} times for this input; w.grad {tuple(w.grad.shape)}")


def trace_and_replay():
    """2. Build once, run many times: the same chain eager and traced, timed."""
    a, b = eg.randn(16, 16, requires_grad=True), eg.randn(16, 16, requires_grad=True)

    def chain(x):
        for _ in range(50):
            x = ((x * a + b).tanh() - a) * 0.5
        return x.sum()

    x = eg.randn(16, 16)
    traced = eg.jit.trace(chain, (x,))
    print("2. static: the trace is straight-line code, e.g.")
    print("   " + "\n   ".join(traced.code.splitlines()[3:6]))

    def timed(fn, n=100):
        t0 = time.perf_counter()
        for _ in range(n):
            fn(x).backward()
        return (time.perf_counter() - t0) / n * 1e3

    timed(chain, 5), timed(traced, 5)
    eager_ms, traced_ms = timed(chain), timed(traced)
    print(
        f"   forward+backward: eager {eager_ms:.2f} ms, traced {traced_ms:.2f} ms "
        f"({eager_ms / traced_ms:.1f}x)"
    )
    a.grad = None
    traced(x).backward()
    g_traced = a.grad.numpy().copy()
    a.grad = None
    chain(x).backward()
    print(f"   same gradients: {np.array_equal(g_traced, a.grad.numpy())}")


def frozen_control_flow():
    """3. What a static graph cannot do: a branch on the data is frozen at trace time."""

    def f(x):
        if x.sum().item() > 0:  # a Python decision the trace cannot see
            return x * 2
        return -x

    try:
        eg.jit.trace(f, (eg.ones(3),), check_inputs=[(-eg.ones(3),)])
    except RuntimeError as e:
        print(f"3. frozen control flow is reported at trace time:\n   {str(e)[:96]}...")
    traced = eg.jit.trace(lambda x: x * 2, (eg.ones(3),))
    try:
        traced(eg.ones(5))  # another shape: the trace's assumptions are checked at each call
    except RuntimeError as e:
        print(f"   and every call checks its assumptions:\n   {str(e)[:96]}...")


def serialise():
    """4. A static graph can leave Python: ONNX, run by onnxruntime when installed."""
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * 4 * 4, 3),
    )
    x = eg.randn(2, 1, 8, 8)
    path = os.path.join(tempfile.mkdtemp(), "model.onnx")
    try:
        eg.onnx.export(model, x, path, dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    except ImportError:
        print("4. serialise: install onnx (pip install 'eagergrad[onnx]') to export")
        return
    print(f"4. serialise: wrote {os.path.getsize(path)} bytes of ONNX")
    try:
        import onnxruntime as ort
    except ImportError:
        return
    x5 = eg.randn(5, 1, 8, 8)
    (got,) = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(
        None, {"input": x5.numpy()}
    )
    with eg.no_grad():
        ref = model.eval()(x5).numpy()
    print(f"   onnxruntime vs eagergrad, batch 5: max |diff| = {np.abs(got - ref).max():.2e}")


if __name__ == "__main__":
    eg.manual_seed(0)
    dynamic_depth()
    trace_and_replay()
    frozen_control_flow()
    serialise()
