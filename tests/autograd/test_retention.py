"""Graph-retention warnings: a training loop that keeps earlier steps' graphs alive."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import eagergrad as eg
from eagergrad.autograd import _custom, engine
from eagergrad.autograd.function import Node
from eagergrad.autograd.retention import (
    GraphRetentionWarning,
    is_warn_graph_retention_enabled,
    set_warn_graph_retention,
)

THIS_FILE = __file__


def _loss(w):
    return ((w * 3).tanh() ** 2).sum()


def test_total_loss_plus_equals_loss_warns_naming_the_line():
    w = eg.ones(4, requires_grad=True)
    total_loss = 0
    with set_warn_graph_retention(True), pytest.warns(GraphRetentionWarning) as caught:
        for _ in range(5):
            loss = _loss(w)
            loss.backward()
            total_loss += loss  # the classic mistake
    assert len(caught) == 1  # once per line
    w0 = caught[0]
    assert w0.filename == THIS_FILE
    assert "total_loss += loss  # the classic mistake" in str(w0.message)
    assert f"{THIS_FILE}:{w0.lineno}" in str(w0.message)
    assert "loss.item()" in str(w0.message)
    assert issubclass(GraphRetentionWarning, UserWarning)


def test_accumulating_item_or_detach_is_quiet():
    w = eg.ones(4, requires_grad=True)
    total, total_t = 0.0, 0
    with set_warn_graph_retention(True):  # filterwarnings=error turns a warning into a failure
        for _ in range(5):
            loss = _loss(w)
            loss.backward()
            total += loss.item()
            total_t += loss.detach()
            w.grad = None


def test_using_the_loss_right_after_backward_is_quiet():
    w = eg.ones(4, requires_grad=True)
    with set_warn_graph_retention(True):
        for _ in range(5):
            loss = _loss(w)
            loss.backward()
            _ = loss * 2  # logging, not carried to the next step


def test_moving_average_of_losses_warns():
    w = eg.ones(4, requires_grad=True)
    avg = 0.0
    with set_warn_graph_retention(True), pytest.warns(GraphRetentionWarning, match="avg = "):
        for _ in range(4):
            loss = _loss(w)
            loss.backward()
            avg = 0.9 * avg + 0.1 * loss


def test_undetached_recurrent_state_warns():
    w = eg.full((3,), 0.5, requires_grad=True)
    h = eg.zeros(3)
    with set_warn_graph_retention(True), pytest.warns(GraphRetentionWarning, match="detach"):
        for _ in range(4):
            h = (h * w + 1).tanh()  # should be h.detach() * w
            h.sum().backward(retain_graph=True)  # hides the second-backward error


class _Double(eg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad * 2


def test_custom_functions_and_grad_count():
    w = eg.ones(2, requires_grad=True)
    total = None
    with set_warn_graph_retention(True), pytest.warns(GraphRetentionWarning, match="_Double"):
        for _ in range(4):
            loss = (w * w).sum()
            eg.autograd.grad(loss, w)
            total = loss if total is None else _Double.apply(total) + loss  # _Double


class _SquareViaGrad(eg.autograd.Function):
    """x**2 whose backward computes 2x with two nested autograd.grad calls."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with eg.enable_grad():
            t = x.detach().requires_grad_()
            (gi,) = eg.autograd.grad((t * t).sum(), t)
            (gi,) = eg.autograd.grad((t * gi.detach()).sum(), t)  # again: 2x
        return grad * x * (gi / x.detach())


def test_nested_backward_calls_are_one_step():
    from eagergrad.autograd.retention import _State

    x = eg.tensor([1.0, 2.0], requires_grad=True)
    with set_warn_graph_retention(True):
        start = _State.step
        y = _SquareViaGrad.apply(x)
        (g,) = eg.autograd.grad(y.sum(), x, create_graph=True)  # runs 2 grad() inside
        assert _State.step == start  # create_graph extends the graph: no step ends
        g.sum().backward()
        assert _State.step == start + 1
        assert x.grad.tolist() == [2.0, 2.0]
        y = _SquareViaGrad.apply(x)
        y.sum().backward()  # the 2 nested grad() calls do not count
        assert _State.step == start + 2


def test_higher_order_gradients_and_retained_graphs_are_quiet():
    x = eg.tensor([0.5, 1.5], dtype=eg.float64, requires_grad=True)
    with set_warn_graph_retention(True):
        g = x.tanh().sum()
        for _ in range(4):  # d^4/dx^4 tanh: each grad extends the same graph
            (g,) = eg.autograd.grad(g.sum(), x, create_graph=True)
        y = (x * x).exp()
        for _ in range(4):  # one retained graph, backwarded again and again
            (y * 2).sum().backward(retain_graph=True)


def test_off_state_is_the_original_code():
    saved = (Node.__dict__["_record"], _custom._record, engine._run)
    assert not is_warn_graph_retention_enabled()
    with set_warn_graph_retention(True):
        assert is_warn_graph_retention_enabled()
        assert Node.__dict__["_record"] is not saved[0]
        with set_warn_graph_retention(True):  # nesting is harmless
            pass
        assert is_warn_graph_retention_enabled()
    assert (Node.__dict__["_record"], _custom._record, engine._run) == saved
    assert not is_warn_graph_retention_enabled()
    set_warn_graph_retention(True)
    set_warn_graph_retention(False)
    assert (Node.__dict__["_record"], _custom._record, engine._run) == saved
    # Off: the mistake goes unreported (and costs nothing).
    w = eg.ones(2, requires_grad=True)
    total = 0
    for _ in range(4):
        loss = _loss(w)
        loss.backward()
        total += loss


def test_environment_variable_turns_it_on(tmp_path):
    script = tmp_path / "loop.py"
    script.write_text(
        textwrap.dedent("""
        import eagergrad as eg
        import eagergrad.autograd.retention
        w = eg.ones(2, requires_grad=True)
        total = 0
        for _ in range(3):
            loss = (w * 2).sum()
            loss.backward()
            total += loss
    """)
    )
    env = dict(os.environ, EAGERGRAD_WARN_GRAPH_RETENTION="1")
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "GraphRetentionWarning" in done.stderr and "loop.py:9" in done.stderr


def test_docstring_examples_run():
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module("eagergrad.autograd.retention"))
    assert result.attempted > 0 and result.failed == 0
