"""Hypothesis property tests of broadcasting for every op_db entry with ``broadcasting=True``.

For random mutually broadcastable shapes: the output has numpy's broadcast shape, each gradient
has its input's shape, and the gradient w.r.t. a broadcast input equals the gradient computed on
explicitly materialised copies, summed over the copies (so ``sum()``'s gradient counts them).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import eagergrad as eg

from ..op_db import all_ops, float_input_indices, make_arrays

BROADCASTING = [op for op in all_ops() if op.broadcasting]


def _sum_to(g: np.ndarray, shape) -> np.ndarray:
    """Sums ``g`` over the dims that broadcasting added to ``shape`` (numpy reference)."""
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape)


def _grads(op, arrays, req):
    ts = [eg.tensor(a, requires_grad=i in req) for i, a in enumerate(arrays)]
    out = op.fn(eg, *ts)
    if req:
        out.sum().backward()
    return out, [ts[i].grad for i in req]


def _draw_shapes(data, n):
    return data.draw(
        mutually_broadcastable_shapes(num_shapes=n, min_dims=0, max_dims=4, min_side=1,
                                      max_side=5),
        label="shapes",
    )


@pytest.mark.parametrize("op", BROADCASTING, ids=[op.name for op in BROADCASTING])
@settings(deadline=None)
@given(data=st.data())
def test_broadcast_output_and_gradient_shapes(op, data):
    n = len(op.shapes[0])
    shapes = _draw_shapes(data, n)
    arrays = make_arrays(op, shapes.input_shapes, "float64",
                         seed=data.draw(st.integers(0, 2**16), label="seed"))
    req = float_input_indices(op, shapes.input_shapes) if op.differentiable else ()
    out, grads = _grads(op, arrays, req)
    assert tuple(out.shape) == np.broadcast_shapes(*shapes.input_shapes) == shapes.result_shape
    for i, g in zip(req, grads):
        assert g is not None, f"{op.name}: no gradient for input {i}"
        assert tuple(g.shape) == shapes.input_shapes[i], (
            f"{op.name}: grad {i} shape {tuple(g.shape)} != input {shapes.input_shapes[i]}"
        )
        assert g.dtype == eg.float64


@pytest.mark.parametrize("op", [op for op in BROADCASTING if op.differentiable],
                         ids=[op.name for op in BROADCASTING if op.differentiable])
@settings(deadline=None)
@given(data=st.data())
def test_broadcast_gradient_sums_over_copies(op, data):
    n = len(op.shapes[0])
    shapes = _draw_shapes(data, n)
    arrays = make_arrays(op, shapes.input_shapes, "float64",
                         seed=data.draw(st.integers(0, 2**16), label="seed"))
    req = float_input_indices(op, shapes.input_shapes)
    _, grads = _grads(op, arrays, req)
    full = [np.broadcast_to(a, shapes.result_shape).copy() for a in arrays]
    _, full_grads = _grads(op, full, req)
    for i, g, fg in zip(req, grads, full_grads):
        want = _sum_to(fg.numpy(), shapes.input_shapes[i])
        np.testing.assert_allclose(g.numpy(), want, rtol=1e-12, atol=1e-12,
                                   err_msg=f"{op.name}: gradient of input {i}")


@settings(deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=5))
def test_sum_gradient_counts_copies(shapes):
    a, b = (eg.ones(s, dtype=eg.float64, requires_grad=True) for s in shapes.input_shapes)
    (a + b).sum().backward()
    total = int(np.prod(shapes.result_shape))
    for t, s in zip((a, b), shapes.input_shapes):
        copies = total // int(np.prod(s))
        np.testing.assert_array_equal(t.grad.numpy(), np.full(s, float(copies)))
