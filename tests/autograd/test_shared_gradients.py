"""Gradient buffers the engine updates in place are never read by anyone else.

See NOTE [Shared gradients] in autograd/engine.py. The engine sums into a leaf's ``.grad`` and
into pending sums it allocated in place; a storage that reaches two holders (``a + h`` hands
``grad`` to both) must not be changed under the other. The first two tests are the graphs
that once gave wrong gradients; the hypothesis test runs random graphs that reuse values, with
finite differences (float64) as the reference.
"""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

import eagergrad as eg


def _leaves():
    return (eg.tensor([1.0, 2.0], requires_grad=True),
            eg.tensor([10.0, 20.0], requires_grad=True))


def test_leaf_grad_not_shared_with_a_pending_gradient():
    # add(a, h) hands one gradient to leaf a and to h's node; a later in-place sum into a.grad
    # must not reach h's gradient.
    x, a = _leaves()
    h = x * 2
    m = a * 3
    s = a + h
    ((s + m) * 1.0).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    assert a.grad.tolist() == [4.0, 4.0]


def test_engine_sum_not_shared_with_a_leaf_grad():
    # s's gradient is an engine-allocated sum; add hands it to leaf a and to h's node, and h
    # gets a later contribution: summing that in place must not change a.grad.
    x, a = _leaves()
    h = x * 2
    t = h * 1.0
    s = a + h
    (s * 1.0 + s * 1.0 + t).sum().backward()
    assert a.grad.tolist() == [2.0, 2.0]
    assert x.grad.tolist() == [6.0, 6.0]


def test_root_gradient_that_is_a_leaf_grad():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    y = x + x * 1.0
    y.backward(x.grad)  # the root gradient is x.grad itself: it must be read as it was
    assert x.grad.tolist() == [3.0 + 6.0, 3.0 + 6.0]


def test_user_function_returning_a_tensor_it_keeps():
    keep = eg.tensor([5.0, 5.0])

    class Leaky(eg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, grad):
            return keep  # a gradient the Function still holds

    x = eg.tensor([1.0, 2.0], requires_grad=True)
    (Leaky.apply(x) + x * 2).sum().backward()
    assert x.grad.tolist() == [7.0, 7.0]
    assert keep.tolist() == [5.0, 5.0]  # not summed into in place


# --- random graphs -------------------------------------------------------------------------
_UNARY = {
    "tanh": lambda t: t.tanh(),
    "clone": lambda t: t.clone(),
    "view": lambda t: t.view(2, 2).reshape(4),
    "neg": lambda t: -t,
    "scale": lambda t: t * 0.5,
    "exp": lambda t: (t * 0.1).exp(),
}
_BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
}
_STEP = st.tuples(st.sampled_from(sorted(_UNARY) + sorted(_BINARY)),
                  st.integers(0, 8), st.integers(0, 8))


def _program(steps, leaves, outs):
    values = list(leaves)
    for name, i, j in steps:
        a = values[i % len(values)]
        if name in _UNARY:
            values.append(_UNARY[name](a))
        else:
            values.append(_BINARY[name](a, values[j % len(values)]))
    # the loss reads the last value and a few others, each with its own weight: values get
    # gradients from consumers in any order (leaves only feed the program)
    computed = values[len(leaves):]
    out = computed[-1] * 1.0
    for k in outs:
        out = out + computed[k % len(computed)] * (0.1 * (k % 7 + 1))
    return out.sum()


@settings(max_examples=100, deadline=None)
@example(  # the two graphs above, in this test's terms
    [("scale", 0, 0), ("scale", 1, 0), ("add", 1, 3), ("add", 5, 4)], [], False)
@example([("scale", 0, 0), ("scale", 3, 0), ("add", 1, 3)], [2, 1], False)
@given(st.lists(_STEP, min_size=1, max_size=12), st.lists(st.integers(0, 100), max_size=3),
       st.booleans())
def test_random_graphs_match_finite_differences(steps, outs, twice):
    rng = np.random.default_rng(len(steps))
    base = [rng.uniform(-1, 1, 4) for _ in range(3)]
    leaves = [eg.tensor(b, requires_grad=True) for b in base]
    _program(steps, leaves, outs).backward()
    if twice:  # accumulation across calls uses the same in-place sums
        _program(steps, leaves, outs).backward()
    eps = 1e-6
    for li in range(3):
        want = np.zeros(4)
        for e in range(4):
            vals = []
            for sign in (1, -1):
                arrays = [b.copy() for b in base]
                arrays[li][e] += sign * eps
                vals.append(float(_program(steps, [eg.tensor(a) for a in arrays], outs)))
            want[e] = (vals[0] - vals[1]) / (2 * eps)
        if twice:
            want *= 2
        got = leaves[li].grad
        got = np.zeros(4) if got is None else got.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=f"leaf {li}")


@settings(max_examples=50, deadline=None)
@given(st.lists(_STEP, min_size=1, max_size=12), st.lists(st.integers(0, 100), max_size=3),
       st.booleans())
def test_random_graphs_on_a_device_match_cpu(steps, outs, twice):
    """The engine's reuse of gradient storage (keyed on ``base``) on cupy-shaped arrays."""
    rng = np.random.default_rng(len(steps))
    base = [rng.uniform(-1, 1, 4) for _ in range(3)]
    grads = {}
    for dev in ("cpu", "fakecuda"):
        leaves = [eg.tensor(b, requires_grad=True, device=dev) for b in base]
        for _ in range(2 if twice else 1):
            _program(steps, leaves, outs).backward()
        grads[dev] = [np.zeros(4) if t.grad is None else t.grad.cpu().numpy() for t in leaves]
    for li in range(3):
        np.testing.assert_allclose(grads["fakecuda"][li], grads["cpu"][li], rtol=1e-12,
                                   atol=0, err_msg=f"leaf {li}")


def test_gradient_a_hook_keeps_is_not_reused():
    # k's gradient passes through sub to x * 3, whose backward may overwrite a gradient nobody
    # else holds; the hook kept this one, so it must stay as the hook saw it.
    seen = []
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    k = x * 3.0 - 1.0
    k.register_hook(seen.append)
    (k * 2.0).sum().backward()
    assert seen[0].tolist() == [2.0, 2.0]
    assert x.grad.tolist() == [6.0, 6.0]


def test_leaf_hook_keeps_its_gradient():
    seen = []
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(seen.append)
    (x * 2.0).sum().backward()
    (x * 2.0).sum().backward()  # sums into x.grad in place
    assert seen[0].tolist() == [2.0, 2.0] and x.grad.tolist() == [4.0, 4.0]


def test_grad_capture_of_a_non_leaf_is_not_reused():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    k = x * 3.0 - 1.0
    gk, gx = eg.autograd.grad((k * 2.0).sum(), [k, x])
    assert gk.tolist() == [2.0, 2.0] and gx.tolist() == [6.0, 6.0]


def test_retained_graph_runs_twice_with_reuse():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    y = ((x * 3.0) * 2.0).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [12.0, 12.0]
