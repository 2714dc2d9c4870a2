"""User-defined ops through eg.autograd.Function."""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg


class MyReLU(eg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0) if hasattr(eg, "clamp") else x * (x > 0).float()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x > 0).to(grad.dtype)


class Scale(eg.autograd.Function):
    """Non-tensor arguments get None gradients."""

    @staticmethod
    def forward(ctx, x, factor):
        ctx.factor = factor
        return x * factor

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.factor, None


class SplitTwo(eg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, g1, g2):
        return g1 * 2 + g2 * 3


class Exp(eg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


def test_custom_relu_forward_and_backward():
    x = eg.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    y = MyReLU.apply(x)
    assert y.grad_fn.name() == "MyReLUBackward"
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0]


def test_non_tensor_arguments():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    Scale.apply(x, 3.0).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_multiple_outputs_and_missing_grads_materialized():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    a, b = SplitTwo.apply(x)
    a.sum().backward()  # b gets no gradient: materialized as zeros
    assert x.grad.tolist() == [2.0, 2.0]


def test_saved_output_double_backward():
    x = eg.tensor([0.5, 1.0], dtype=eg.float64, requires_grad=True)
    assert eg.autograd.gradcheck(Exp.apply, (x,))
    assert eg.autograd.gradgradcheck(Exp.apply, (x,))


def test_needs_input_grad():
    seen = []

    class Probe(eg.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            seen.append(ctx.needs_input_grad)
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g, g

    Probe.apply(eg.ones(2, requires_grad=True), eg.ones(2))
    assert seen == [(True, False)]


def test_mark_non_differentiable():
    class ArgMaxish(eg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = x * 0
            ctx.mark_non_differentiable(idx)
            return x * 1, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            return g

    v, i = ArgMaxish.apply(eg.ones(2, requires_grad=True))
    assert v.requires_grad and not i.requires_grad


def test_once_differentiable_refuses_create_graph():
    class Once(eg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        @eg.autograd.once_differentiable
        def backward(ctx, g):
            return g * 2

    x = eg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="once_differentiable"):
        eg.autograd.grad(Once.apply(x).sum(), x, create_graph=True)


def test_wrong_number_of_gradients():
    class Bad(eg.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(eg.ones(2, requires_grad=True), eg.ones(2)).sum().backward()


def test_modified_saved_input_detected():
    x = eg.ones(3, requires_grad=True)
    h = x * 1
    y = MyReLU.apply(h)
    h.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_matches_torch_custom_function():
    torch = pytest.importorskip("torch")

    def build(lib):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x * x

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 3 * x * x * g

        return Cube

    a = np.array([0.5, -1.5, 2.0])
    xe = eg.tensor(a, requires_grad=True)
    xt = torch.tensor(a, requires_grad=True)
    build(eg).apply(xe).sum().backward()
    build(torch).apply(xt).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy())
