"""Anomaly mode: NaN/Inf in backward names the op and the user's forward line."""

from __future__ import annotations

import pytest

import eagergrad as eg
from eagergrad.autograd import engine
from eagergrad.autograd.function import _DEBUG

THIS_FILE = __file__.rsplit("/", 1)[-1]


def test_nan_in_backward_names_op_and_forward_line():
    x = eg.tensor([0.0, 1.0], requires_grad=True)
    with eg.autograd.detect_anomaly():
        y = x.sqrt()  # the forward line the error must show
        z = (y * 0).sum()
        with pytest.raises(RuntimeError) as info:
            z.backward()
    msg = str(info.value)
    assert "Function 'SqrtBackward0' returned nan or inf values" in msg
    assert "y = x.sqrt()  # the forward line the error must show" in msg
    assert THIS_FILE in msg
    # Not the library's internals: no frame from inside eagergrad.
    assert "_base.py" not in msg and "function.py" not in msg


def test_inf_in_backward_raises_too():
    x = eg.tensor([0.0], requires_grad=True)
    with eg.autograd.set_detect_anomaly(True):
        y = x.log()  # d log(x)/dx = 1/x: inf at 0
        with pytest.raises(RuntimeError, match="LogBackward0") as info:
            y.sum().backward()
    assert "y = x.log()" in str(info.value)


def test_off_means_no_stacks_and_no_check():
    x = eg.tensor([0.0], requires_grad=True)
    y = x.sqrt()
    if not _DEBUG:
        assert y.grad_fn._stack is None
    (y * 0).sum().backward()  # nan gradient, but nobody checks
    assert bool(x.grad.isnan().all())


def test_version_counter_error_points_at_forward_line():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    with eg.autograd.detect_anomaly():
        a = x.exp()  # exp saves its output
        a.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
            a.sum().backward()
    msg = str(info.value)
    assert "a = x.exp()  # exp saves its output" in msg
    assert THIS_FILE in msg


def test_version_counter_error_hint_when_off():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    a = x.exp()
    a.add_(1)
    with pytest.raises(RuntimeError, match="EAGERGRAD_DEBUG=1.*detect_anomaly"):
        a.sum().backward()


class _WrongShape(eg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad.sum(0)  # wrong: (3,) instead of (2, 3)


def test_shape_error_in_backward_points_at_forward_line():
    x = eg.ones(2, 3, requires_grad=True)
    with eg.autograd.detect_anomaly():
        y = _WrongShape.apply(x)  # the op with the bad backward
        with pytest.raises(RuntimeError, match="invalid gradient") as info:
            y.sum().backward()
    assert "y = _WrongShape.apply(x)  # the op with the bad backward" in str(info.value)


def test_stack_is_recorded_for_nodes_made_inside_only():
    x = eg.ones(2, requires_grad=True)
    with eg.autograd.detect_anomaly():
        inside = x * 2
    outside = x * 2
    assert inside.grad_fn._stack is not None
    if not _DEBUG:
        assert outside.grad_fn._stack is None


def test_modes_nest_and_restore():
    assert not eg.autograd.is_anomaly_enabled()
    with eg.autograd.detect_anomaly():
        assert eg.autograd.is_anomaly_enabled()
        with eg.autograd.set_detect_anomaly(False):
            assert not eg.autograd.is_anomaly_enabled()
        assert eg.autograd.is_anomaly_enabled()
    assert not eg.autograd.is_anomaly_enabled()
    eg.autograd.set_detect_anomaly(True)
    try:
        assert eg.autograd.is_anomaly_enabled()
    finally:
        eg.autograd.set_detect_anomaly(False)
    assert not eg.autograd.is_anomaly_enabled()


def test_decorator():
    @eg.autograd.detect_anomaly()
    def step(x):
        assert eg.autograd.is_anomaly_enabled()
        return (x.sqrt() * 0).sum().backward()

    with pytest.raises(RuntimeError, match="nan"):
        step(eg.tensor([0.0], requires_grad=True))
    assert not eg.autograd.is_anomaly_enabled()


def test_check_nan_false_records_stacks_without_checking():
    from eagergrad.autograd.anomaly_mode import is_anomaly_check_nan_enabled

    check = engine._check_finite
    x = eg.tensor([0.0], requires_grad=True)
    with eg.autograd.detect_anomaly(check_nan=False):
        assert not is_anomaly_check_nan_enabled()
        y = x.sqrt()
        assert y.grad_fn._stack is not None
        (y * 0).sum().backward()  # no error
    assert engine._check_finite is check
    assert bool(x.grad.isnan().all())


class _LogNet(eg.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = eg.nn.Linear(3, 2)

    def forward(self, x):
        h = self.fc(x).relu()
        return h.log()  # log(0) where relu cut: inf gradient


def test_module_forward_line_is_shown_not_the_library():
    eg.manual_seed(0)
    net = _LogNet()
    with eg.no_grad():
        net.fc.bias.fill_(-100.0)  # every output is cut by relu
    with eg.autograd.detect_anomaly():
        out = net(eg.ones(1, 3))
        with pytest.raises(RuntimeError, match="LogBackward0") as info:
            out.sum().backward()
    msg = str(info.value)
    assert "return h.log()  # log(0) where relu cut: inf gradient" in msg
    assert "out = net(eg.ones(1, 3))" in msg  # the caller's line too
    assert "eagergrad/nn" not in msg


def test_finite_gradients_pass():
    x = eg.tensor([1.0, 4.0], requires_grad=True)
    with eg.autograd.detect_anomaly():
        x.sqrt().sum().backward()
    assert x.grad.tolist() == [0.5, 0.25]


def test_docstring_examples_run():
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module("eagergrad.autograd.anomaly_mode"))
    assert result.attempted > 0 and result.failed == 0
