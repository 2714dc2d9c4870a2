"""The backward engine: traversal, accumulation, retain_graph, hooks, version counters."""

from __future__ import annotations

import gc
import sys
import weakref

import numpy as np
import pytest

import eagergrad as eg


def test_lecture_graph():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    y = eg.tensor([3.0, 4.0], requires_grad=True)
    z = eg.tensor([5.0, 6.0], requires_grad=True)
    c = (x * y + z).sum()
    c.backward()
    assert x.grad.tolist() == [3.0, 4.0]
    assert y.grad.tolist() == [1.0, 2.0]
    assert z.grad.tolist() == [1.0, 1.0]


def test_reused_nodes_accumulate():
    a = eg.tensor([2.0], requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad.item() == 4.0


def test_diamond_graph_runs_each_node_once():
    calls = []

    class Count(eg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            calls.append(1)
            return g

    a = eg.tensor([1.0, 2.0], requires_grad=True)
    h = Count.apply(a)
    (h.exp() + h.tanh() + h * h).sum().backward()
    assert len(calls) == 1
    expected = np.exp([1.0, 2.0]) + 1 - np.tanh([1.0, 2.0]) ** 2 + 2 * np.array([1.0, 2.0])
    np.testing.assert_allclose(a.grad.numpy(), expected, rtol=1e-5)


def test_deep_chain_has_no_recursion_limit():
    x = eg.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    assert sys.getrecursionlimit() < 100_000
    y.backward()
    assert x.grad.item() == 1.0


def test_gradients_accumulate_across_backward_calls():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]


def test_accumulation_is_in_place_on_existing_grad():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    g = x.grad
    (x * 3).sum().backward()
    assert x.grad is g


def test_leaf_grads_are_never_aliased():
    # add's backward hands the same gradient to both inputs; clipping one must not touch the other
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    y = eg.tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward()
    x.grad.mul_(10)
    assert y.grad.tolist() == [1.0, 1.0]
    assert x.grad.tolist() == [10.0, 10.0]


def test_grad_of_sum_is_writable():
    x = eg.ones(3, requires_grad=True)
    x.sum().backward()
    x.grad.zero_()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_backward_twice_without_retain_graph_raises():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_backward_on_non_scalar_needs_gradient():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(eg.tensor([1.0, 10.0]))
    assert x.grad.tolist() == [2.0, 20.0]


def test_backward_on_one_element_tensor_of_shape_1():
    x = eg.tensor([3.0], requires_grad=True)
    (x * x).backward()
    assert x.grad.tolist() == [6.0]


def test_backward_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        eg.tensor([1.0]).sum().backward()


def test_backward_gradient_shape_mismatch():
    x = eg.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(eg.ones(3, 2))


def test_no_grad_context_and_decorator():
    x = eg.ones(2, requires_grad=True)
    with eg.no_grad():
        assert not (x * 2).requires_grad
        with eg.enable_grad():
            assert (x * 2).requires_grad

    @eg.no_grad()
    def f(t):
        return t * 2

    @eg.no_grad
    def g(t):
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad
    assert eg.is_grad_enabled()


def test_set_grad_enabled_and_inference_mode():
    x = eg.ones(2, requires_grad=True)
    with eg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    with eg.inference_mode():
        assert not (x * 2).requires_grad
    assert eg.is_grad_enabled()


def test_grad_mode_is_thread_local():
    import threading

    seen = []
    with eg.no_grad():
        t = threading.Thread(target=lambda: seen.append(eg.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_detach_shares_storage_and_cuts_graph():
    x = eg.ones(3, requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None
    d[0] = 10.0
    assert y[0].item() == 10.0


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        eg.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        eg.tensor([1, 2]).requires_grad_()


def test_requires_grad_on_non_leaf():
    x = eg.ones(2, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad_(False)


def test_is_leaf_and_grad_fn_names():
    x = eg.ones(2, requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf
    assert y.grad_fn.name() == "MulBackward0"
    assert "grad_fn=<MulBackward0>" in repr(y)
    assert "requires_grad=True" in repr(x)
    nodes = [n for n, _ in y.grad_fn.next_functions]
    assert nodes[0].name() == "AccumulateGrad" and nodes[0].variable is x


def test_non_leaf_grad_is_none_unless_retained():
    x = eg.ones(2, requires_grad=True)
    y = x * 2
    z = y * 3
    y.retain_grad()
    w = x * 4
    (z.sum() + w.sum()).backward()
    assert y.grad.tolist() == [3.0, 3.0]
    assert w.grad is None


def test_tensor_hooks_modify_gradients():
    x = eg.ones(2, requires_grad=True)
    y = x * 2
    seen = []
    h = y.register_hook(lambda g: seen.append(g.tolist()) or g * 10)
    x.register_hook(lambda g: g + 1)
    y.sum().backward()
    assert seen == [[1.0, 1.0]]
    assert x.grad.tolist() == [21.0, 21.0]
    h.remove()
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_inputs_argument_limits_accumulation():
    x = eg.ones(2, requires_grad=True)
    y = eg.ones(2, requires_grad=True)
    (x * y).sum().backward(inputs=[x])
    assert x.grad is not None and y.grad is None


def test_autograd_grad_does_not_touch_dot_grad():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    y = (x ** 3).sum()
    (g,) = eg.autograd.grad(y, x)
    assert g.tolist() == [3.0, 12.0] and x.grad is None


def test_autograd_grad_of_non_leaf():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    (gh,) = eg.autograd.grad(y, h)
    assert gh.tolist() == [4.0, 8.0]


def test_autograd_grad_unused_input():
    x = eg.ones(2, requires_grad=True)
    z = eg.ones(2, requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        eg.autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = eg.autograd.grad(y, [x, z], allow_unused=True)
    assert gz is None and gx.tolist() == [2.0, 2.0]


def test_higher_order_gradients():
    x = eg.tensor(2.0, requires_grad=True)
    y = x ** 3
    (g1,) = eg.autograd.grad(y, x, create_graph=True)
    (g2,) = eg.autograd.grad(g1, x, create_graph=True)
    (g3,) = eg.autograd.grad(g2, x)
    assert (g1.item(), g2.item(), g3.item()) == (12.0, 12.0, 6.0)


def test_backward_create_graph_gives_differentiable_grad():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    (x.exp().sum()).backward(create_graph=True)
    assert x.grad.requires_grad
    gg = eg.autograd.grad(x.grad.sum(), x)[0]
    np.testing.assert_allclose(gg.numpy(), np.exp([1.0, 2.0]), rtol=1e-6)


def test_leaf_grad_keeps_leaf_dtype_in_mixed_graph():
    x = eg.ones(2, dtype=eg.float32, requires_grad=True)
    w = eg.ones(2, dtype=eg.float64, requires_grad=True)
    (x * w).sum().backward()
    assert x.grad.dtype is eg.float32 and w.grad.dtype is eg.float64


def test_graph_is_freed_with_output():
    x = eg.ones(1000, requires_grad=True)
    y = (x * 2).exp()
    node = weakref.ref(y.grad_fn)
    del y
    gc.collect()
    assert node() is None


def test_saved_tensors_freed_after_backward():
    x = eg.ones(3, requires_grad=True)
    y = (x * x).sum()
    mul_node = y.grad_fn._edges[0][0]
    y.backward()
    from eagergrad.autograd.function import _FREED

    assert mul_node._saved is _FREED


# --- version counters ----------------------------------------------------------------------
def test_inplace_on_saved_input_raises_at_backward_naming_the_op():
    x = eg.ones(3, requires_grad=True)
    h = x * 1
    y = h * h
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as e:
        y.sum().backward()
    assert "Backward0" in str(e.value)


def test_inplace_on_saved_output_raises():
    x = eg.ones(3, requires_grad=True)
    y = x.exp()
    y.add_(1)
    with pytest.raises(RuntimeError, match="output 0 of ExpBackward0"):
        y.sum().backward()


def test_inplace_on_leaf_requiring_grad_raises_at_once():
    x = eg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with eg.no_grad():
        x.add_(1)
    assert x.tolist() == [2.0, 2.0, 2.0]


def test_leaf_modified_under_no_grad_after_use_raises_at_backward():
    w = eg.ones(3, requires_grad=True)
    y = (w * w).sum()
    with eg.no_grad():
        w.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_inplace_through_a_view_bumps_the_base_version():
    x = eg.ones(3, requires_grad=True)
    h = x * 1
    y = h * h
    v = h.detach()
    v.zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_on_non_leaf_rewrites_history():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.mul_(3)
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]


def test_inplace_with_grad_into_plain_tensor():
    buf = eg.zeros(2)
    w = eg.tensor([1.0, 2.0], requires_grad=True)
    buf.add_(w * 3)
    assert buf.requires_grad
    buf.sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]


def test_debug_mode_points_at_forward_line(monkeypatch):
    from eagergrad.autograd import function

    monkeypatch.setattr(function, "_DEBUG", True)
    x = eg.ones(3, requires_grad=True)
    y = x.exp()  # the line the error should show
    y.add_(1)
    with pytest.raises(RuntimeError, match="test_engine.py") as e:
        y.sum().backward()
    assert "y = x.exp()" in str(e.value)


def test_inplace_on_indexing_views_matches_torch():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (eg, torch):
        w = lib.ones(3, 4, requires_grad=True)
        y = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x = w * 2
        x[:, 0] += y
        x[1][2] *= y[0] * 5
        (x * x).sum().backward()
        results.append((x.tolist(), w.grad.tolist(), y.grad.tolist()))
    assert results[0] == results[1]


def test_inplace_on_reshape_view_while_recording_raises():
    x = eg.ones(2, 3, requires_grad=True) * 1
    v = x.view(6)
    with pytest.raises(RuntimeError, match="view made by a reshape"):
        v.add_(eg.ones(6, requires_grad=True))


def test_setitem_without_grad_writes_in_place():
    x = eg.zeros(3, 4)
    view = x[1]
    x[1, 2] = 5.0
    assert view.tolist() == [0.0, 0.0, 5.0, 0.0]
    x[:, 0] = eg.tensor([1.0, 2.0, 3.0])
    assert x[:, 0].tolist() == [1.0, 2.0, 3.0]


def test_setitem_of_grad_value_into_int_tensor_stays_plain():
    i = eg.zeros(3, dtype=eg.int64)
    i[0] = eg.tensor(2.7, requires_grad=True)
    assert i.tolist() == [2, 0, 0] and not i.requires_grad
