"""The two backwards of an op agree: ``backward_arrays`` (plain walks) and ``backward`` (recorded).

See NOTE [Array backward]. A plain ``grad()`` runs ``backward_arrays`` where an op has one;
``create_graph=True`` runs the Tensor ``backward``. Every op table sample whose graph holds a node
with an array backward is differentiated both ways, plus the nn ops outside the table.
"""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg
import eagergrad.nn.functional as F
from eagergrad.autograd.function import Node

from ..op_db import all_ops, float_input_indices, make_arrays


def _nodes(outputs):
    seen, stack = set(), [o.grad_fn for o in outputs if o.grad_fn is not None]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(e[0] for e in node._edges if e is not None and isinstance(e[0], Node))
    return seen


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [o for x in out for o in _flat(x)]
    return [out]


def _both_ways(fn, inputs, seed=0):
    """Gradients of a random projection of ``fn(*inputs)``: (plain walk, recorded walk)."""
    outs = [o for o in _flat(fn(*inputs)) if isinstance(o, eg.Tensor) and o.requires_grad]
    if not any(type(n).backward_arrays is not None for n in _nodes(outs)):
        return None
    rng = np.random.default_rng(seed)
    weights = [eg.tensor(rng.standard_normal(o.shape)) for o in outs]
    classes = {type(n) for n in _nodes(outs) if type(n).backward_arrays is not None}
    grads = {}
    for create_graph in (False, True):
        outs = [o for o in _flat(fn(*inputs)) if isinstance(o, eg.Tensor) and o.requires_grad]
        loss = sum(((o * w).sum() for o, w in zip(outs, weights)), eg.tensor(0.0, dtype=eg.float64))
        with _own_storage_checked(classes):
            grads[create_graph] = eg.autograd.grad(loss, inputs, create_graph=create_graph,
                                                   allow_unused=True)
    return grads[False], grads[True]


class _own_storage_checked:
    """Wraps the classes' array backwards: each input's gradient must have its own storage."""

    def __init__(self, classes):
        self.saved = {cls: cls.__dict__.get("backward_arrays") for cls in classes}

    def __enter__(self):
        for cls in self.saved:
            original = cls.backward_arrays

            def checked(ctx, grad, _original=original):
                out = _original(ctx, grad)
                arrays = [a for a in (out if isinstance(out, tuple) else (out,))
                          if isinstance(a, np.ndarray)]
                for i, a in enumerate(arrays):
                    for b in arrays[i + 1:]:
                        assert not np.shares_memory(a, b), f"{ctx.name()}: inputs share storage"
                return out

            cls.backward_arrays = staticmethod(checked)

    def __exit__(self, *exc):
        for cls, original in self.saved.items():
            if original is None:
                del cls.backward_arrays
            else:
                cls.backward_arrays = original


def _assert_same(plain, recorded, what):
    for i, (a, b) in enumerate(zip(plain, recorded)):
        assert (a is None) == (b is None), f"{what}: input {i} got a gradient one way only"
        if a is not None:
            assert a.dtype == b.dtype and a.shape == b.shape, what
            np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-14,
                                       err_msg=f"{what}: input {i}")


SAMPLES = [(op, i, s) for op in all_ops() if op.differentiable for i, s in enumerate(op.shapes)]


@pytest.mark.parametrize("op,idx,sample", SAMPLES, ids=[f"{op.name}-{i}" for op, i, _ in SAMPLES])
def test_op_table_array_backward_matches_recorded(op, idx, sample):
    arrays = make_arrays(op, sample, "float64", seed=idx)
    req = float_input_indices(op, sample)
    inputs = []
    for i, a in enumerate(arrays):
        inputs.append(eg.tensor(a, requires_grad=i in req))
    grad_inputs = [t for t in inputs if t.requires_grad]
    result = _both_ways(lambda *ts: op.fn(eg, *inputs), grad_inputs, seed=idx)
    if result is None:
        pytest.skip("no node of this op has an array backward")
    _assert_same(*result, f"{op.name}-{idx}")


NN_CASES = {
    "linear-bias": (lambda x, w, b: F.linear(x, w, b), [(4, 3), (5, 3), (5,)]),
    "linear-3d": (lambda x, w: F.linear(x, w), [(2, 4, 3), (5, 3)]),
    "matmul-batch-2d-weight": (lambda x, w: x @ w, [(2, 4, 3), (3, 5)]),
    "matmul-broadcast-batch": (lambda x, w: x @ w, [(2, 1, 4, 3), (3, 3, 5)]),
    "mean-dim-keepdim": (lambda x: x.mean(1, keepdim=True), [(3, 4, 2)]),
    "sum-0d": (lambda x: (x.sum() * x).sum(), [(3,)]),
    "permute-view": (lambda x: x.permute(2, 0, 1).reshape(4, -1), [(2, 3, 4)]),
    "chain": (lambda x, a: ((x * a).tanh() - a).sigmoid().relu().exp().log() / a, [(4,), (4,)]),
}


@pytest.mark.parametrize("name", list(NN_CASES))
def test_nn_array_backward_matches_recorded(name):
    fn, shapes = NN_CASES[name]
    rng = np.random.default_rng(1)
    inputs = [eg.tensor(rng.uniform(0.5, 1.5, s), requires_grad=True) for s in shapes]
    result = _both_ways(fn, inputs)
    assert result is not None
    _assert_same(*result, name)


def test_plain_walk_uses_array_backward(monkeypatch):
    from eagergrad._ops.elementwise import Mul

    calls = []
    original = Mul.backward_arrays

    def counting(ctx, grad):
        calls.append(1)
        return original(ctx, grad)

    monkeypatch.setattr(Mul, "backward_arrays", staticmethod(counting))
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert len(calls) == 1 and x.grad.tolist() == [2.0, 4.0]
    (g,) = eg.autograd.grad((x * x).sum(), x, create_graph=True)
    assert len(calls) == 1 and g.requires_grad  # recorded walks use the Tensor backward


def test_array_backward_checks_saved_versions():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = y * y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
