"""eg.utils.checkpoint: recompute a segment in backward; same gradients, less memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import eagergrad as eg
import eagergrad.nn.functional as F
from eagergrad.autograd import _custom
from eagergrad.autograd.function import Node
from eagergrad.utils.checkpoint import checkpoint, checkpoint_sequential


def _mlp():
    eg.manual_seed(0)
    return eg.nn.Sequential(
        eg.nn.Linear(6, 8), eg.nn.Tanh(), eg.nn.Linear(8, 8), eg.nn.ReLU(), eg.nn.Linear(8, 3)
    )


def _grads(model, x):
    return [p.grad.numpy().copy() for p in model.parameters()] + (
        [x.grad.numpy().copy()] if x.grad is not None else []
    )


def _reset(model, x):
    model.zero_grad(set_to_none=True)
    x.grad = None


@pytest.mark.parametrize("x_requires_grad", [True, False])
def test_gradients_equal_the_plain_run(x_requires_grad):
    model = _mlp()
    x = eg.randn(5, 6, requires_grad=x_requires_grad)
    model(x).pow(2).sum().backward()
    plain = _grads(model, x)
    _reset(model, x)
    y = checkpoint(model, x)
    y.pow(2).sum().backward()
    ckpt = _grads(model, x)
    assert len(plain) == len(ckpt) == (7 if x_requires_grad else 6)
    for a, b in zip(plain, ckpt):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_grad_and_kwargs_and_two_segments():
    x = eg.randn(4, dtype=eg.float64, requires_grad=True)

    def seg(t, scale=1.0):
        return (t * scale).sin().exp()

    plain = eg.autograd.grad(seg(seg(x, scale=2.0)).sum(), x)[0]
    y = checkpoint(seg, checkpoint(seg, x, scale=2.0))
    got = eg.autograd.grad(y.sum(), x)[0]
    np.testing.assert_allclose(got.numpy(), plain.numpy(), rtol=1e-12)


def test_dropout_mask_is_reproduced():
    x = eg.randn(64, dtype=eg.float64, requires_grad=True)

    def seg(t):
        return F.dropout(t.tanh(), p=0.5, training=True) * t

    eg.manual_seed(1)
    seg(x).sum().backward()
    plain = x.grad.numpy().copy()
    x.grad = None
    eg.manual_seed(1)
    checkpoint(seg, x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), plain, rtol=1e-12)
    # The rerun restores the RNG state, so what follows sees the same stream either way.
    x.grad = None
    eg.manual_seed(1)
    checkpoint(seg, x, preserve_rng_state=False).sum().backward()
    assert not np.allclose(x.grad.numpy(), plain)


def test_peak_memory_falls():
    n = 100_000  # float64: 0.8 MB per activation

    def layer(t):
        return (t * 1.01).tanh()

    def run(use_checkpoint):
        eg.manual_seed(0)
        x = eg.randn(n, dtype=eg.float64, requires_grad=True)
        tracemalloc.start()
        try:
            if use_checkpoint:
                y = checkpoint_sequential([layer] * 16, 4, x)
            else:
                y = x
                for _ in range(16):
                    y = layer(y)
            y.sum().backward()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        return peak, x.grad.numpy().copy()

    plain_peak, plain_grad = run(False)
    ckpt_peak, ckpt_grad = run(True)
    np.testing.assert_array_equal(ckpt_grad, plain_grad)
    assert ckpt_peak < 0.6 * plain_peak, (ckpt_peak, plain_peak)


def test_checkpoint_sequential_with_a_module():
    model = _mlp()
    x = eg.randn(5, 6, requires_grad=True)
    model(x).sum().backward()
    plain = _grads(model, x)
    for segments in (1, 2, 3, 5):
        _reset(model, x)
        checkpoint_sequential(model, segments, x).sum().backward()
        for a, b in zip(plain, _grads(model, x)):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="segments"):
        checkpoint_sequential(model, 0, x)


class _Cube(eg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x * x * grad


def test_custom_functions_inside_a_segment():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    checkpoint(lambda t: _Cube.apply(t.exp()), x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.exp([3.0, 6.0]), rtol=1e-5)


def test_saved_values_are_dropped_and_restored():
    x = eg.ones(3, requires_grad=True)
    y = checkpoint(lambda t: (t * 2).exp(), x)
    assert type(y.grad_fn._saved).__name__ == "_Deferred"
    y.sum().backward(retain_graph=True)
    assert type(y.grad_fn._saved).__name__ != "_Deferred"
    g = x.grad.numpy().copy()
    y.sum().backward()  # retained: runs again
    np.testing.assert_allclose(x.grad.numpy(), 2 * g)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.sum().backward()


def test_errors_for_changed_inputs_and_nondeterministic_functions():
    x = eg.ones(3, requires_grad=True)
    base = x * 1
    y = checkpoint(lambda t: t.exp(), base)
    with eg.no_grad():
        base.add_(1)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()

    calls = []

    def flaky(t):
        calls.append(1)
        return t.exp() if len(calls) == 1 else t.exp().exp()

    with pytest.raises(RuntimeError, match="same ops each time"):
        checkpoint(flaky, x).sum().backward()


def test_no_grad_and_restored_recording():
    saved = (Node.__dict__["_record"], _custom._record)
    x = eg.ones(2, requires_grad=True)
    with eg.no_grad():
        y = checkpoint(lambda t: t * 2, x)
    assert y.grad_fn is None
    with pytest.raises(ZeroDivisionError):
        checkpoint(lambda t: 1 / 0, x)
    checkpoint(lambda t: t * 2, x).sum().backward()
    assert (Node.__dict__["_record"], _custom._record) == saved


def test_nested_checkpoints():
    x = eg.tensor([0.3, 0.7], dtype=eg.float64, requires_grad=True)

    def inner(t):
        return (t * 2).tanh().exp()

    def outer(t, use):
        h = t.sin()
        return (checkpoint(inner, h) if use else inner(h)).cos()

    outer(x, False).sum().backward()
    plain = x.grad.numpy().copy()
    for order in ("outer first", "inner first"):
        x.grad = None
        y = checkpoint(outer, x, True)
        if order == "inner first":  # unpack an inner node's values before the outer rerun
            node = y.grad_fn._edges[0][0]  # exp, inside the inner segment
            _ = node.saved_tensors
        y.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), plain, rtol=1e-12)


def test_docstring_examples_run():
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module("eagergrad.utils.checkpoint"))
    assert result.attempted > 0 and result.failed == 0
