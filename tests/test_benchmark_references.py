"""The benchmarks' hand-written numpy references compute what the eagergrad workloads compute.

A ratio against numpy only means something if both sides do the same work: these tests run each
reference and the eagergrad (and torch, when installed) version on the same data and compare
losses and gradients. They also run on ``fakecuda``, the cupy-shaped test device: there the
references use its cupy-shaped namespace, as they use cupy on a GPU (``run.py --device cuda``),
so the GPU benchmark's code has run before it meets a GPU.
"""

from __future__ import annotations

import numpy as np
import pytest
from benchmarks import bench_gpu
from benchmarks import workloads as W

import eagergrad as eg

from ._devices import ACCELERATORS

DEVICES = ["cpu", *ACCELERATORS]  # fakecuda, and cuda where a GPU is present


def _host(a):
    return a.get() if hasattr(a, "get") else np.asarray(a)  # a cupy-shaped array, or numpy's


@pytest.mark.parametrize("device", DEVICES)
def test_w1_reference_gradients_match(device):
    rng = np.random.default_rng(0)
    x, a, b = (rng.standard_normal((16, 16)).astype(np.float32) for _ in range(3))
    gx, ga, gb = W.w1_numpy(device)()
    ts = [eg.tensor(v, requires_grad=True, device=device) for v in (x, a, b)]
    tx, ta, tb = ts
    y = tx
    for _ in range(W.W1_REPEATS):
        y = ((y * ta + tb).tanh()) - ta
    y.sum().backward()
    for got, want in ((tx.grad, gx), (ta.grad, ga), (tb.grad, gb)):
        np.testing.assert_allclose(got.cpu().numpy(), _host(want), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("device", DEVICES)
def test_w2_reference_losses_match(device):
    np_step, eg_step = W.w2_numpy(device), W.w2_eagergrad(device)
    for _ in range(3):  # the SGD updates must agree too
        np.testing.assert_allclose(float(eg_step()), float(np_step()), rtol=1e-4)


@pytest.mark.parametrize("device", DEVICES)
def test_w5_reference_loss_and_gradient_match(device):
    x, a, b, c = (eg.tensor(v, device=device) for v in W._w5_data())
    x.requires_grad_(True)
    loss = W._w5_chain(x, a, b, c).sum()
    loss.backward()
    want_loss, want_grad = W.w5_numpy(device)()
    np.testing.assert_allclose(float(loss), float(want_loss), rtol=1e-4)
    np.testing.assert_allclose(x.grad.cpu().numpy(), _host(want_grad), rtol=1e-4, atol=1e-5)


def test_w6_reference_matches_on_the_device():
    want = W.w6_numpy("fakecuda")()
    got = W.w6_eagergrad("fakecuda")()
    assert got.device == eg.device("fakecuda") and got.shape == want.shape == (2048, 2048)


@pytest.mark.parametrize("build", [
    lambda d: bench_gpu._mlp(eg, [784, 64, 10], 32, d), lambda d: bench_gpu._cnn(eg, d)],
    ids=["mlp", "cnn"])
def test_gpu_benchmark_steps_train_on_a_device(build):
    """bench_gpu.py's models and training step, on the fake device: a step lowers the loss."""
    eg.manual_seed(0)
    model, x, y = build("fakecuda")
    assert x.device == eg.device("fakecuda") and all(
        p.device == x.device for p in model.parameters())
    step = bench_gpu._train_step(eg, model, x, y)
    before = eg.nn.functional.cross_entropy(model(x), y).item()
    for _ in range(3):
        step()
    assert eg.nn.functional.cross_entropy(model(x), y).item() < before
