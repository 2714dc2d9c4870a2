"""gradcheck itself: it must pass right gradients and catch wrong ones."""

from __future__ import annotations

import pytest

import eagergrad as eg


class WrongGrad(eg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x  # should be 2 * x


def test_gradcheck_passes_correct_gradients():
    x = eg.randn(4, dtype=eg.float64, requires_grad=True)
    assert eg.autograd.gradcheck(lambda t: (t * t).exp(), (x,))


def test_gradcheck_catches_wrong_gradients():
    x = eg.randn(4, dtype=eg.float64, requires_grad=True)
    with pytest.raises(eg.autograd.GradcheckError, match="Jacobian mismatch"):
        eg.autograd.gradcheck(WrongGrad.apply, (x,))
    assert eg.autograd.gradcheck(WrongGrad.apply, (x,), raise_exception=False) is False


def test_fast_mode_catches_wrong_gradients():
    x = eg.randn(50, dtype=eg.float64, requires_grad=True)
    assert eg.autograd.gradcheck(lambda t: (t * t).exp(), (x,), fast_mode=True)
    with pytest.raises(eg.autograd.GradcheckError):
        eg.autograd.gradcheck(WrongGrad.apply, (x,), fast_mode=True)


def test_gradgradcheck_catches_wrong_second_derivative():
    class WrongSecond(eg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            # right first derivative through a detached x: second derivative is lost
            return g * 3 * x.detach() * x.detach()

    x = eg.randn(3, dtype=eg.float64, requires_grad=True)
    assert eg.autograd.gradcheck(WrongSecond.apply, (x,))
    with pytest.raises(eg.autograd.GradcheckError):
        eg.autograd.gradgradcheck(WrongSecond.apply, (x,))


def test_gradcheck_requires_an_input_needing_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        eg.autograd.gradcheck(lambda t: t * 2, (eg.ones(2, dtype=eg.float64),))
