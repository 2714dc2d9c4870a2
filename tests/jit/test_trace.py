"""eg.jit.trace: traced and eager agree (values and gradients), guards, retrace, frozen flow."""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg
import eagergrad.jit  # noqa: F401 - registers eg.jit
from eagergrad._ops._base import Op

nn = eg.nn
F = nn.functional


def _grads(*ts):
    return [t.grad.numpy().copy() for t in ts]


def _chain(a, b, n=5):
    def f(x):
        y = x
        for _ in range(n):
            y = y * a
            y = y + b
            y = y.tanh()
            y = y - a
        return y.sum()

    return f


def test_elementwise_chain_values_and_grads_identical_to_eager():
    x, a, b = (eg.randn(16, 16, requires_grad=True) for _ in range(3))
    f = _chain(a, b)
    tf = eg.jit.trace(f, (x,))
    for scale in (1.0, 0.5, 2.0):
        xi = (x.detach() * scale).requires_grad_()
        loss_t = tf(xi)
        loss_t.backward()
        got = _grads(xi, a, b)
        a.grad = b.grad = None
        xe = xi.detach().requires_grad_()
        loss_e = f(xe)
        loss_e.backward()
        assert loss_t.item() == loss_e.item()
        for g, t in zip(got, (xe, a, b)):
            np.testing.assert_array_equal(g, t.grad.numpy())
        a.grad = b.grad = None


def test_replay_reads_current_parameters():
    w = eg.randn(4, 3, requires_grad=True)
    tf = eg.jit.trace(lambda x: (x @ w).relu(), (eg.randn(2, 4),))
    x = eg.randn(2, 4)
    with eg.no_grad():
        w.mul_(2.0)  # in place: same array
    np.testing.assert_array_equal(tf(x).detach().numpy(), (x @ w).relu().detach().numpy())
    w.data = eg.randn(4, 3)  # new array: read afresh at the next call
    np.testing.assert_array_equal(tf(x).detach().numpy(), (x @ w).relu().detach().numpy())


def test_two_calls_then_one_backward():
    x1, x2 = eg.randn(3, 3), eg.randn(3, 3)
    w = eg.randn(3, 3, requires_grad=True)
    f = lambda x: (x * w).tanh().exp().sum()  # noqa: E731
    tf = eg.jit.trace(f, (x1,))
    (tf(x1) + tf(x2)).backward()
    got = w.grad.numpy().copy()
    w.grad = None
    (f(x1) + f(x2)).backward()
    np.testing.assert_array_equal(got, w.grad.numpy())
    # and again: the backward's preallocated buffers are reused safely
    w.grad = None
    (tf(x1) + tf(x2)).backward()
    np.testing.assert_array_equal(got, w.grad.numpy())


def test_second_backward_raises_torch_message():
    w = eg.randn(3, requires_grad=True)
    tf = eg.jit.trace(lambda x: (x * w).sum(), (eg.randn(3),))
    y = tf(eg.randn(3))
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_module_trace_exposes_parameters_and_matches_eager():
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3), nn.LogSoftmax(dim=1))
    tm = eg.jit.trace(model, (eg.randn(4, 5),))
    assert [p is q for p, q in zip(tm.parameters(), model.parameters())] == [True] * 4
    x = eg.randn(4, 5)
    tm(x).sum().backward()
    got = [p.grad.numpy().copy() for p in model.parameters()]
    model.zero_grad()
    model(x).sum().backward()
    for g, p in zip(got, model.parameters()):
        np.testing.assert_array_equal(g, p.grad.numpy())


def test_input_gradients_flow_through_a_traced_module():
    model = nn.Sequential(nn.Linear(3, 3), nn.Sigmoid())
    tm = eg.jit.trace(model, (eg.randn(2, 3, requires_grad=True),))
    x = eg.randn(2, 3, requires_grad=True)
    (tm(x) * 2).sum().backward()
    got = x.grad.numpy().copy()
    x.grad = None
    (model(x) * 2).sum().backward()
    np.testing.assert_array_equal(got, x.grad.numpy())


def test_multiple_outputs():
    w = eg.randn(3, requires_grad=True)
    tf = eg.jit.trace(lambda x: ((x * w).sum(), (x + w).exp()), (eg.randn(3),))
    x = eg.randn(3)
    s, e = tf(x)
    (s + e.sum()).backward()
    got = w.grad.numpy().copy()
    w.grad = None
    s2, e2 = (x * w).sum(), (x + w).exp()
    (s2 + e2.sum()).backward()
    np.testing.assert_array_equal(got, w.grad.numpy())


# --- guards ----------------------------------------------------------------------------------
def test_shape_change_raises_clear_error_when_strict():
    tf = eg.jit.trace(lambda x: x.tanh(), (eg.randn(2, 3),))
    with pytest.raises(RuntimeError, match=r"input 0: traced with shape \[2, 3\].*\[4, 3\]"):
        tf(eg.randn(4, 3))


def test_dtype_change_raises():
    tf = eg.jit.trace(lambda x: x.tanh(), (eg.randn(2, 3),))
    with pytest.raises(RuntimeError, match="dtype float32.*float64"):
        tf(eg.randn(2, 3, dtype=eg.float64))


def test_non_strict_retraces_per_signature():
    w = eg.randn(3, requires_grad=True)
    f = lambda x: (x * w).sum(1)  # noqa: E731
    tf = eg.jit.trace(f, (eg.randn(2, 3),), strict=False)
    for n in (2, 5, 2, 7):
        x = eg.randn(n, 3)
        np.testing.assert_array_equal(tf(x).detach().numpy(), f(x).detach().numpy())
    assert len(tf._graphs) == 3


def test_training_mode_change_raises_or_retraces():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    model.eval()
    tm = eg.jit.trace(model, (eg.randn(2, 3),))
    tm(eg.randn(2, 3))
    model.train()
    with pytest.raises(RuntimeError, match="training flags"):
        tm(eg.randn(2, 3))


def test_grad_needed_but_traced_without_backward_raises():
    w = eg.randn(3, requires_grad=True)
    with eg.no_grad():
        tf = eg.jit.trace(lambda x: (x * w).sum(), (eg.randn(3),))
    with pytest.raises(RuntimeError, match="recorded no backward"):
        tf(eg.randn(3))
    with eg.no_grad():
        assert tf(eg.ones(3)).item() == pytest.approx(float(w.detach().sum().item()), rel=1e-6)


def test_parameter_shape_change_is_detected():
    lin = nn.Linear(3, 2)
    tm = eg.jit.trace(lin, (eg.randn(1, 3),))
    lin.weight.data = eg.randn(2, 4)
    with pytest.raises(RuntimeError, match="parameter/captured tensor"):
        tm(eg.randn(1, 3))


# --- what a trace would freeze --------------------------------------------------------------
def test_value_dependent_branch_is_reported_at_trace_time():
    def f(x):
        if x.sum().item() > 0:
            return x.tanh()
        return x.exp()

    with pytest.raises(RuntimeError, match="control flow depends on input values"):
        eg.jit.trace(f, (eg.ones(3),), check_inputs=[(-eg.ones(3),)])


def test_mask_computed_outside_ops_is_reported():
    def f(x):
        return x * eg.tensor((x.detach().numpy() > 0.5).astype(np.float32))

    with pytest.raises(RuntimeError, match="computed outside eagergrad ops"):
        eg.jit.trace(f, (eg.rand(50),))


def test_dropout_in_training_mode_is_rejected():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    with pytest.raises(RuntimeError, match="random numbers"):
        eg.jit.trace(model, (eg.randn(4, 3),))


def test_batchnorm_in_training_mode_is_rejected():
    model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
    with pytest.raises(RuntimeError, match="running statistics"):
        eg.jit.trace(model, (eg.randn(4, 3),))
    model.eval()
    tm = eg.jit.trace(model, (eg.randn(4, 3),))
    x = eg.randn(4, 3)
    np.testing.assert_array_equal(tm(x).detach().numpy(), model(x).detach().numpy())


def test_op_apply_is_restored_and_nesting_safe():
    original = Op.__dict__["apply"]
    calls = []
    prev = original.__func__

    def counting(cls, *inputs, **params):
        calls.append(cls.__name__)
        return prev(cls, *inputs, **params)

    Op.apply = classmethod(counting)  # e.g. a profiler's wrapper
    try:
        tf = eg.jit.trace(lambda x: x.tanh(), (eg.randn(2),))
        assert Op.__dict__["apply"].__func__ is counting
        assert "Tanh" in calls
        calls.clear()
        tf(eg.randn(2))  # a replay does not dispatch ops
        assert calls == []
    finally:
        Op.apply = original
    assert Op.__dict__["apply"] is original


def test_generated_code_is_exposed():
    tf = eg.jit.trace(lambda x: x * 2 + 1, (eg.randn(2),))
    assert "def _forward" in tf.code and "_u_multiply" in tf.code


def test_in_place_write_inside_traced_code_is_rejected():
    def f(x):
        y = x * 2
        y += 1
        return y

    with pytest.raises(RuntimeError, match="modified in place"):
        eg.jit.trace(f, (eg.randn(3),))


def test_backward_inside_traced_code_is_rejected():
    w = eg.randn(3, requires_grad=True)

    def f(x):
        loss = (x * w).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="called backward"):
        eg.jit.trace(f, (eg.randn(3),))
    y = (w * 2).sum()
    y.backward()  # restored afterwards
    assert w.grad is not None


def test_trace_runs_on_each_device(device):
    x = eg.randn(4, 3, device=device)
    w = eg.randn(3, 3, device=device, requires_grad=True)
    f = lambda x: ((x @ w).tanh() * 2 - x).exp().sum()  # noqa: E731
    tf = eg.jit.trace(f, (x,))
    tf(x).backward()
    got = w.grad.cpu().numpy().copy()
    w.grad = None
    f(x).backward()
    np.testing.assert_allclose(got, w.grad.cpu().numpy(), rtol=1e-6)


def test_cuda_fusion_codegen_on_the_fake_cupy_device():
    """The cupy.fuse path (grouping, generated code), on the cupy-shaped fake device.

    Its ``fuse`` runs the generated function as written, so this checks which steps fuse and
    that the fused code computes the traced values and gradients; kernel compilation needs a GPU.
    """
    dev = eg.device("fakecuda")  # registered in tests/conftest.py
    w = eg.randn(8, requires_grad=True)
    m = eg.randn(8, 8)
    # a generic op (matmul) before the elementwise chain, and a reduction after it
    f = lambda x, w, m: (((x @ m) * w + 1).tanh() * x - w).exp().sum()  # noqa: E731
    x = eg.randn(8)
    wd = w.detach().to(dev).requires_grad_()
    tf = eg.jit.trace(f, (x.to(dev), wd, m.to(dev)))
    assert "_F" in tf.code  # the chain became one fused call
    out = tf(x.to(dev), wd, m.to(dev))
    out.backward()
    want = f(x, w, m)
    want.backward()
    np.testing.assert_allclose(out.item(), want.item(), rtol=1e-6)
    np.testing.assert_allclose(wd.grad.cpu().numpy(), w.grad.numpy(), rtol=1e-6)


def test_retain_graph_through_a_traced_call_raises_clearly():
    w = eg.randn(3, requires_grad=True)
    tf = eg.jit.trace(lambda x: (x * w).tanh().sum(), (eg.randn(3),))
    y = tf(eg.ones(3))
    y.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="retain_graph=True is not supported"):
        y.backward()


def test_outputs_of_earlier_calls_are_not_overwritten():
    w = eg.randn(5, 5)
    f = lambda x: ((x * w + 1).tanh() * 3 - w).exp()  # noqa: E731
    tf = eg.jit.trace(f, (eg.randn(5, 5),))
    assert "out=" in tf.code  # temporaries use preallocated buffers
    x1, x2 = eg.randn(5, 5), eg.randn(5, 5)
    y1 = tf(x1)
    kept = y1.numpy().copy()
    y2 = tf(x2)
    np.testing.assert_array_equal(y1.numpy(), kept)
    np.testing.assert_array_equal(y2.numpy(), f(x2).numpy())


def test_traced_module_is_a_module_with_the_original_names():
    lin = nn.Linear(3, 2)
    tm = eg.jit.trace(lin, (eg.randn(4, 3),))
    assert isinstance(tm, nn.Module)
    assert list(tm.state_dict()) == ["weight", "bias"]
    assert [n for n, _ in tm.named_parameters()] == ["weight", "bias"]
    assert tm.weight is lin.weight and tm.in_features == 3
    tm.eval()
    assert not lin.training
    tm.train()
    opt = eg.optim.SGD(tm.parameters(), lr=0.5)
    x = eg.randn(4, 3)
    before = tm(x).detach().numpy().copy()
    tm(x).sum().backward()
    opt.step()
    np.testing.assert_array_equal(tm(x).detach().numpy(), lin(x).detach().numpy())
    assert not np.array_equal(before, lin(x).detach().numpy())


def test_freezing_a_parameter_after_tracing_is_allowed():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    tm = eg.jit.trace(model, (eg.randn(5, 3),))
    model[0].weight.requires_grad_(False)
    x = eg.randn(5, 3)
    tm(x).sum().backward()
    assert model[0].weight.grad is None
    got = model[2].weight.grad.numpy().copy()
    model.zero_grad()
    model(x).sum().backward()
    np.testing.assert_array_equal(got, model[2].weight.grad.numpy())


def test_input_starting_to_require_grad_needs_a_new_trace():
    w = eg.randn(3, requires_grad=True)
    tf = eg.jit.trace(lambda x: (x * w).sum(), (eg.randn(3),))
    with pytest.raises(RuntimeError, match="requires grad now but did not when traced"):
        tf(eg.randn(3, requires_grad=True))


def test_trace_does_not_keep_the_trace_runs_graph():
    import gc
    import weakref

    w = eg.randn(64, 64, requires_grad=True)
    seen = []

    def f(x):
        h = (x @ w).tanh()
        seen.append(weakref.ref(h.grad_fn))
        return h.sum()

    tf = eg.jit.trace(f, (eg.randn(8, 64),))
    gc.collect()
    # NOTE: a kept trace-run graph holds its activations; it also measurably slowed the MLP
    # step (the long-lived arrays changed how the allocator reused memory).
    assert all(r() is None for r in seen)
    tf(eg.randn(8, 64)).backward()
    assert w.grad is not None
