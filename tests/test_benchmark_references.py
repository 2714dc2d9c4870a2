"""The benchmarks' hand-written numpy references compute what the eagergrad workloads compute.

A ratio against numpy only means something if both sides do the same work: these tests run each
reference and the eagergrad (and torch, when installed) version on the same data and compare
losses and gradients.
"""

from __future__ import annotations

import numpy as np
from benchmarks import workloads as W

import eagergrad as eg


def test_w1_reference_gradients_match():
    rng = np.random.default_rng(0)
    x, a, b = (rng.standard_normal((16, 16)).astype(np.float32) for _ in range(3))
    gx, ga, gb = W.w1_numpy()()
    ts = [eg.tensor(v, requires_grad=True) for v in (x, a, b)]
    tx, ta, tb = ts
    y = tx
    for _ in range(W.W1_REPEATS):
        y = ((y * ta + tb).tanh()) - ta
    y.sum().backward()
    for got, want in ((tx.grad, gx), (ta.grad, ga), (tb.grad, gb)):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-4)


def test_w2_reference_losses_match():
    np_step, eg_step = W.w2_numpy(), W.w2_eagergrad()
    for _ in range(3):  # the SGD updates must agree too
        np.testing.assert_allclose(float(eg_step()), float(np_step()), rtol=1e-4)


def test_w5_reference_loss_and_gradient_match():
    x, a, b, c = (eg.tensor(v) for v in W._w5_data())
    x.requires_grad_(True)
    loss = W._w5_chain(x, a, b, c).sum()
    loss.backward()
    want_loss, want_grad = W.w5_numpy()()
    np.testing.assert_allclose(float(loss), float(want_loss), rtol=1e-4)
    np.testing.assert_allclose(x.grad.numpy(), want_grad, rtol=1e-4, atol=1e-5)

