"""Elementwise ops: arithmetic, unary math, comparisons, casts and device moves."""

from __future__ import annotations

from .._backend import to_device as _array_to_device
from .._dtype import from_numpy_dtype
from .._tensor import Tensor
from ..autograd.grad_mode import _mode
from ._base import Op, promote

__all__ = [
    "add", "sub", "mul", "div", "neg", "exp", "tanh",
    "to_dtype", "to_device", "clone", "fill_like", "copy_from",
]


# --- arithmetic --------------------------------------------------------------------------------
class Add(Op):
    """x + y. Gradient: grad to both (summed back over broadcast dims by the engine)."""

    broadcasting = True

    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Op):
    """x - y. Gradient: grad, -grad."""

    broadcasting = True

    @staticmethod
    def forward(ctx, x, y):
        return x - y

    @staticmethod
    def backward(ctx, grad):
        return grad, (neg(grad) if ctx.needs_input_grad[1] else None)


class Mul(Op):
    """x * y. Gradient: grad * y, grad * x."""

    broadcasting = True

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (mul(grad, y) if need_x else None), (mul(grad, x) if need_y else None)


class Div(Op):
    """x / y (true division). Gradient: grad / y, -grad * x / y**2."""

    broadcasting = True

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x / y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        grad_x = div(grad, y) if need_x else None
        grad_y = neg(div(mul(grad, x), mul(y, y))) if need_y else None
        return grad_x, grad_y


def add(input, other, *, alpha=1) -> Tensor:  # noqa: A002
    """``input + alpha * other`` with broadcasting and torch's type promotion.

    Example:
        >>> import eagergrad as eg
        >>> eg.add(eg.tensor([1, 2]), 0.5)
        tensor([1.5000, 2.5000])
    """
    a, b, _ = promote(input, other)
    if alpha != 1:
        b = mul(b, alpha)
    return Add.apply(a, b)


def sub(input, other, *, alpha=1) -> Tensor:  # noqa: A002
    """``input - alpha * other``."""
    a, b, d = promote(input, other)
    if d.name == "bool":
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the "
            "`^` or `logical_xor()` operator instead."
        )
    if alpha != 1:
        b = mul(b, alpha)
    return Sub.apply(a, b)


def mul(input, other) -> Tensor:  # noqa: A002
    """``input * other``."""
    a, b, _ = promote(input, other)
    return Mul.apply(a, b)


def div(input, other, *, rounding_mode=None) -> Tensor:  # noqa: A002
    """``input / other``; integer inputs give the default float dtype (true division).

    ``rounding_mode='floor'`` or ``'trunc'`` rounds the quotient (and keeps integer dtypes).
    """
    if rounding_mode is not None:
        return _rounded_div(input, other, rounding_mode)
    a, b, d = promote(input, other)
    if not d.is_floating_point:
        from .._dtype import get_default_dtype

        a, b = to_dtype(a, get_default_dtype()), to_dtype(b, get_default_dtype())
    return Div.apply(a, b)


def _rounded_div(input, other, rounding_mode):  # noqa: A002
    # Filled in with floor_divide/trunc by the elementwise family.
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                     f"'{rounding_mode}'")


# --- unary -------------------------------------------------------------------------------------
class Neg(Op):
    """-x. Gradient: -grad."""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return neg(grad)


class Exp(Op):
    """exp(x). Gradient: grad * y, with y the saved output."""

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return mul(grad, y)


class Tanh(Op):
    """tanh(x). Gradient: grad * (1 - y**2), with y the saved output."""

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return mul(grad, sub(1, mul(y, y)))


def _float_input(x: Tensor) -> Tensor:
    """Integer/bool inputs of float-valued ops (exp, log...) become the default dtype."""
    if x._data.dtype.kind in "biu":
        from .._dtype import get_default_dtype

        return to_dtype(x, get_default_dtype())
    return x


def neg(input) -> Tensor:  # noqa: A002
    """``-input``."""
    if input._data.dtype.kind == "b":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return Neg.apply(input)


def exp(input) -> Tensor:  # noqa: A002
    """``e ** input``. Derivative: exp(x)."""
    return Exp.apply(_float_input(input))


def tanh(input) -> Tensor:  # noqa: A002
    """Hyperbolic tangent. Derivative: 1 - tanh(x)**2."""
    return Tanh.apply(_float_input(input))


# --- casts, copies and device moves --------------------------------------------------------
class ToDtype(Op):
    """x.astype(dtype). Gradient: grad cast back to x's dtype."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.in_dtype = x.dtype
        return x.astype(dtype.np)

    @staticmethod
    def backward(ctx, grad):
        return to_dtype(grad, from_numpy_dtype(ctx.in_dtype))


def to_dtype(input: Tensor, dtype) -> Tensor:  # noqa: A002
    """``input`` converted to ``dtype`` (differentiable between float dtypes)."""
    if input._data.dtype == dtype.np:
        return input
    return ToDtype.apply(input, dtype=dtype)


class Clone(Op):
    """A copy with its own storage. Gradient: grad."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


def clone(input: Tensor) -> Tensor:  # noqa: A002
    """A copy of ``input`` with its own storage; gradients flow back to ``input``."""
    return Clone.apply(input)


class ToDevice(Op):
    """A copy on another device. Gradient: grad moved back to the input's device."""

    @staticmethod
    def forward(ctx, x, device):
        ctx.src = ctx._dev_in
        return _array_to_device(x, device)

    @staticmethod
    def backward(ctx, grad):
        return to_device(grad, ctx.src)


def to_device(input: Tensor, device) -> Tensor:  # noqa: A002
    """``input`` copied to ``device`` (the only way data changes device; never implicit)."""
    if input._device is device:
        return input
    ctx = object.__new__(ToDevice)
    ctx.xp = input._device.xp
    ctx._dev_in = input._device
    out = ToDevice.forward(ctx, input._data, device)
    if _mode.enabled and input.requires_grad:
        ctx.needs_input_grad = (True,)
        return ctx._record((input,), out, device, Tensor)
    return Tensor._make(out, device)


class FillLike(Op):
    """A tensor shaped like x filled with the one-element value v. Gradient: sum to v."""

    @staticmethod
    def forward(ctx, x, v):
        ctx.v_shape = v.shape
        return ctx.xp.broadcast_to(ctx.xp.reshape(v, ()).astype(x.dtype), x.shape).copy()

    @staticmethod
    def backward(ctx, grad):
        from .reduction import sum as _sum
        from .shape import reshape

        return None, reshape(_sum(grad), ctx.v_shape)


def fill_like(input: Tensor, value) -> Tensor:  # noqa: A002
    """Out-of-place twin of ``fill_``: a tensor like ``input`` filled with ``value``."""
    if not isinstance(value, Tensor):
        from ._base import wrap_scalar

        value = wrap_scalar(value, input.dtype, input._device)
    if value._data.size != 1:
        raise RuntimeError(
            f"fill_ only supports 0-dimension value tensor but got tensor with "
            f"{value._data.ndim} dimensions."
        )
    return FillLike.apply(input, value)


class CopyFrom(Op):
    """src broadcast to x's shape and cast to x's dtype. Gradient: to src only."""

    broadcasting = True

    @staticmethod
    def forward(ctx, x, src):
        ctx.src_dtype = src.dtype
        return ctx.xp.broadcast_to(src.astype(x.dtype, copy=False), x.shape).copy()

    @staticmethod
    def backward(ctx, grad):
        return None, to_dtype(grad, from_numpy_dtype(ctx.src_dtype))


def copy_from(input: Tensor, src: Tensor) -> Tensor:  # noqa: A002
    """Out-of-place twin of ``copy_``: ``src`` moved to ``input``'s device and dtype and shape."""
    if src._device is not input._device:
        src = to_device(src, input._device)
    try:
        import numpy

        numpy.broadcast_shapes(src._data.shape, input._data.shape)
    except ValueError:
        raise RuntimeError(
            f"copy_: the size of tensor a ({list(input.shape)}) must match the size of tensor b "
            f"({list(src.shape)}) (src must be broadcastable to self)"
        ) from None
    return CopyFrom.apply(input, src)
