"""Elementwise ops: arithmetic, unary math, comparisons, logical ops, casts and device moves.

Every op here is a class with ``forward`` on raw arrays and ``backward`` in eagergrad ops (see
NOTE [Op protocol] in _base.py); binary ops set ``broadcasting = True`` so the engine sums
gradients back to each input's shape. Comparisons, logical and bitwise ops and the ``is*``
predicates return bool tensors that never require grad, so they skip ``Op.apply`` entirely.
"""

from __future__ import annotations

import math

import numpy

from .._backend import to_device as _array_to_device
from .._dtype import (
    DIM,
    SCALAR,
    ZERO_DIM,
    bool_,
    from_numpy_dtype,
    get_default_dtype,
    result_type,
    scalar_dtype,
)
from .._tensor import Tensor
from ..autograd.grad_mode import _mode
from ._base import Op, _device_mismatch, broadcast_error, promote, promote_all, wrap_scalar
from ._util import erf_array, erfc_array, erfinv_array, quiet, quiet_call

__all__ = [
    # arithmetic
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "neg", "negative",
    # unary math
    "abs", "absolute", "exp", "exp2", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt",
    "square", "sin", "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan", "sinh",
    "cosh", "tanh", "sigmoid", "relu", "reciprocal", "erf", "erfc", "erfinv",
    # rounding
    "sign", "floor", "ceil", "round", "trunc", "frac",
    # binary math and selection
    "atan2", "arctan2", "clamp", "clip", "clamp_min", "clamp_max", "maximum", "minimum", "where",
    "lerp", "nan_to_num",
    # special functions
    "logaddexp", "logaddexp2", "hypot", "xlogy", "sinc", "deg2rad", "rad2deg", "heaviside",
    "logit",
    # comparisons and predicates (no grad)
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
    "not_equal", "equal", "isclose", "allclose", "isnan", "isinf", "isfinite",
    # logical and bitwise (no grad)
    "logical_and", "logical_or", "logical_xor", "logical_not",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    # internal twins (not re-exported by eagergrad/__init__)
    "to_dtype", "to_device", "clone", "fill_like", "copy_from",
]

_make = Tensor._make
_make_raw = Tensor._make_raw
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# --- shared helpers ------------------------------------------------------------------------------
def _float_input(x: Tensor) -> Tensor:
    """Integer/bool inputs of float-valued ops (exp, log...) become the default dtype."""
    if x._data.dtype.kind in "biu":
        return to_dtype(x, get_default_dtype())
    return x


def _zeros(grad: Tensor) -> Tensor:
    """A constant zero gradient (rounding ops: torch's zeros_like(grad))."""
    return _make(grad._device.xp.zeros_like(grad._data), grad._device)


def _check_tensor(x, op: str, arg: str, pos: int) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(
            f"{op}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}"
        )


def _promote(a, b):
    """``promote(a, b)`` without the dtype (the wrappers here only need the operands)."""
    a, b, _ = promote(a, b)
    return a, b


def _check_int_divisor(b: Tensor) -> None:
    # NOTE: torch raises for integer division by zero (numpy returns 0 and warns).
    if b._data.dtype.kind in "biu" and not (b._data != 0).all():  # a method: b may be a scalar
        raise RuntimeError("ZeroDivisionError")


_TORCH_NAMES = {
    "float16": "Half", "float32": "Float", "float64": "Double", "int8": "Char",
    "int16": "Short", "int32": "Int", "int64": "Long", "uint8": "Byte", "bool": "Bool",
}


def _not_implemented(op: str, x: Tensor) -> NotImplementedError:
    """torch's message for a dtype an op has no kernel for."""
    return NotImplementedError(f'"{op}_cpu" not implemented for \'{_TORCH_NAMES[x.dtype.name]}\'')


# --- arithmetic ----------------------------------------------------------------------------------
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

    @staticmethod
    def backward_arrays(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


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

    _reuses_grad = True  # see NOTE [Array backward]

    @staticmethod
    def backward_arrays(ctx, grad):
        x, y = ctx.saved_arrays()
        need_x, need_y = ctx.needs_input_grad
        grad_y = grad * x if need_y else None  # first: grad may be reused below
        if not need_x:
            return None, grad_y
        if ctx._grad_owned:
            grad *= y  # grad has the broadcast shape already
            return grad, grad_y
        return grad * y, grad_y


class Div(Op):
    """x / y (true division). Gradient: grad / y, -grad * x / y**2."""

    broadcasting = True

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return quiet_call(ctx.xp, ctx.xp.true_divide, x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        grad_x = div(grad, y) if need_x else None
        grad_y = neg(div(mul(grad, x), mul(y, y))) if need_y else None
        return grad_x, grad_y

    _reuses_grad = True  # see NOTE [Array backward]

    @staticmethod
    def backward_arrays(ctx, grad):
        x, y = ctx.saved_arrays()
        need_x, need_y = ctx.needs_input_grad
        with quiet(ctx.xp):
            grad_y = -((grad * x) / (y * y)) if need_y else None  # first: grad may be reused
            if not need_x:
                return None, grad_y
            if ctx._grad_owned:
                grad /= y
                return grad, grad_y
            return grad / y, grad_y


class DivRounded(Op):
    """x / y rounded toward -inf ('floor') or toward 0 ('trunc'). Gradient: zero (torch's div)."""

    broadcasting = True

    @staticmethod
    def forward(ctx, x, y, mode):
        xp = ctx.xp
        with quiet(xp):
            if mode == "floor":
                return xp.floor_divide(x, y)  # Python's rule, as torch's div_floor
            if x.dtype.kind == "f":
                return xp.trunc(x / y)
            return (x - xp.fmod(x, y)) // y  # exact for integers

    @staticmethod
    def backward(ctx, grad):
        return _zeros(grad), _zeros(grad)


class Remainder(Op):
    """x - floor(x / y) * y (the result has y's sign). Gradient: grad, -grad * floor(x / y)."""

    broadcasting = True

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return quiet_call(ctx.xp, ctx.xp.remainder, x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        grad_y = neg(mul(grad, div(x, y, rounding_mode="floor")))
        return grad, (grad_y if ctx.needs_input_grad[1] else None)


class Fmod(Op):
    """x - trunc(x / y) * y (the result has x's sign). Gradient: grad, -grad * trunc(x / y)."""

    broadcasting = True

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return quiet_call(ctx.xp, ctx.xp.fmod, x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        grad_y = neg(mul(grad, div(x, y, rounding_mode="trunc")))
        return grad, (grad_y if ctx.needs_input_grad[1] else None)


class Pow(Op):
    """x ** y for tensors.

    Gradient: grad * y * x**(y - 1), zero where y == 0; grad * x**y * log(x), zero where
    x == 0 and y >= 0 (torch's pow_backward_self / pow_backward_exponent).
    """

    broadcasting = True

    @staticmethod
    def forward(ctx, x, y):
        out = _pow_arrays(ctx.xp, x, y)
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y, out = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad_y = None
        with quiet(ctx.xp):  # 0 * log(0) and 0 * 0**-1 are nan/inf before the mask
            if need_x:
                grad_x = where(eq(y, 0), 0.0, mul(grad, mul(y, pow(x, sub(y, 1)))))
            if need_y:
                at_zero = logical_and(eq(x, 0), ge(y, 0))
                grad_y = mul(grad, where(at_zero, 0.0, mul(out, log(x))))
        return grad_x, grad_y


class PowScalar(Op):
    """x ** e for a Python number e. Gradient: grad * e * x**(e - 1), zero when e == 0."""

    @staticmethod
    def forward(ctx, x, exponent):
        ctx.save_for_backward(x)
        ctx.exponent = exponent
        if exponent >= 0 and float(exponent).is_integer():
            return x**exponent  # cannot produce inf/nan from finite x: skip quiet_call
        return quiet_call(ctx.xp, ctx.xp.power, x, exponent)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        e = ctx.exponent
        if e == 0:
            return _zeros(grad)
        with quiet(ctx.xp):  # 0 ** -0.5 is inf, and grad * inf may be nan, as in torch
            return mul(grad, mul(x if e == 2 else pow(x, e - 1), e))


def _pow_arrays(xp, x, y):
    """x ** y on arrays; integer negative exponents follow torch (1, -1 or 0; numpy raises)."""
    if x.dtype.kind == "f":
        return quiet_call(xp, xp.power, x, y)
    if y.dtype.kind in "iu" and (y < 0).any():
        pos = x ** xp.where(y < 0, 0, y)
        odd = xp.where(y % 2 == 0, 1, -1)
        small = xp.where(x == 1, 1, xp.where(x == -1, odd, 0))
        return xp.where(y < 0, small, pos).astype(pos.dtype)
    return x**y


def _check_alpha(alpha, d):
    if isinstance(alpha, bool):
        if d is not bool_:
            raise RuntimeError("Boolean alpha only supported for Boolean results.")
    elif isinstance(alpha, float) and not d.is_floating_point:
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number."
        )
    return alpha


def add(input, other, *, alpha=1) -> Tensor:  # noqa: A002
    """``input + alpha * other`` with broadcasting and torch's type promotion.

    Args:
        input: a tensor (or a number when ``other`` is a tensor).
        other: a tensor or a number.
        alpha: multiplier of ``other``.

    Returns:
        The sum, in the promoted dtype. Derivative: 1 w.r.t. input, alpha w.r.t. other.

    Example:
        >>> import eagergrad as eg
        >>> eg.add(eg.tensor([1, 2]), 0.5)
        tensor([1.5000, 2.5000])
    """
    # NOTE: two tensors of one dtype need no promotion: the hot path of add, sub and mul.
    if (isinstance(input, Tensor) and isinstance(other, Tensor) and alpha == 1
            and input._data.dtype is other._data.dtype and alpha.__class__ is not bool):
        return Add.apply(input, other)
    a, b, d = promote(input, other)
    if alpha != 1 or alpha.__class__ is bool:
        b = mul(b, _check_alpha(alpha, d))
    return Add.apply(a, b)


_BOOL_SUB = (
    "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
    "invert a mask, use the `~` or `logical_not()` operator instead."
)


def sub(input, other, *, alpha=1) -> Tensor:  # noqa: A002
    """``input - alpha * other``. Derivative: 1 w.r.t. input, -alpha w.r.t. other.

    Example:
        >>> import eagergrad as eg
        >>> 2 - eg.tensor([1.0, 3.0])
        tensor([ 1., -1.])
    """
    if (isinstance(input, Tensor) and isinstance(other, Tensor) and alpha == 1
            and input._data.dtype is other._data.dtype and alpha.__class__ is not bool
            and input._data.dtype.kind != "b"):
        return Sub.apply(input, other)
    a, b, d = promote(input, other)
    if d is bool_:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the "
            "`^` or `logical_xor()` operator instead."
        )
    if (isinstance(input, Tensor) and input._data.dtype.kind == "b") or (
        isinstance(other, Tensor) and other._data.dtype.kind == "b"
    ):
        raise RuntimeError(_BOOL_SUB)
    if alpha != 1 or alpha.__class__ is bool:
        b = mul(b, _check_alpha(alpha, d))
    return Sub.apply(a, b)


def mul(input, other) -> Tensor:  # noqa: A002
    """``input * other``. Derivative: other w.r.t. input, input w.r.t. other.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([1, 2]) * 2.5
        tensor([2.5000, 5.0000])
    """
    if (isinstance(input, Tensor) and isinstance(other, Tensor)
            and input._data.dtype is other._data.dtype):
        return Mul.apply(input, other)
    a, b, _ = promote(input, other)
    return Mul.apply(a, b)


def div(input, other, *, rounding_mode=None) -> Tensor:  # noqa: A002
    """``input / other``; integer inputs give the default float dtype (true division).

    Args:
        input: dividend (tensor or number).
        other: divisor (tensor or number).
        rounding_mode: None (true division), ``'trunc'`` (round toward zero) or ``'floor'``
            (round toward -inf, Python's ``//``); the rounded modes keep integer dtypes and
            raise ``ZeroDivisionError`` (as RuntimeError) for an integer zero divisor.

    Returns:
        The quotient. Derivative: 1/other and -input/other**2; zero for the rounded modes.

    Example:
        >>> import eagergrad as eg
        >>> eg.div(eg.tensor([-7, 7]), 2, rounding_mode="floor")
        tensor([-4,  3])
    """
    if rounding_mode is not None:
        if rounding_mode not in ("trunc", "floor"):
            raise RuntimeError(
                "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                f"'{rounding_mode}'"
            )
        a, b, _ = promote(input, other)
        _check_int_divisor(b)
        return DivRounded.apply(a, b, mode=rounding_mode)
    a, b = _promote(input, other)
    if a._data.dtype.kind != "f":
        a, b = to_dtype(a, get_default_dtype()), to_dtype(b, get_default_dtype())
    return Div.apply(a, b)


def floor_divide(input, other) -> Tensor:  # noqa: A002
    """``input // other``: the quotient rounded toward -inf (``div(rounding_mode='floor')``).

    Derivative: zero (torch raises in backward; eagergrad returns zeros like ``div``).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([-7.0, 7.0]) // 2
        tensor([-4.,  3.])
    """
    return div(input, other, rounding_mode="floor")


def remainder(input, other) -> Tensor:  # noqa: A002
    """``input % other`` with Python's sign rule (the result takes the divisor's sign).

    Derivative: 1 w.r.t. input, -floor(input / other) w.r.t. other.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([-7, 7]) % 3
        tensor([2, 1])
    """
    a, b = _promote(input, other)
    _check_int_divisor(b)
    return Remainder.apply(a, b)


def fmod(input, other) -> Tensor:  # noqa: A002
    """C's remainder: the result takes the dividend's sign.

    Derivative: 1 w.r.t. input, -trunc(input / other) w.r.t. other.

    Example:
        >>> import eagergrad as eg
        >>> eg.fmod(eg.tensor([-7.0, 7.0]), 3)
        tensor([-1.,  1.])
    """
    a, b = _promote(input, other)
    _check_int_divisor(b)
    return Fmod.apply(a, b)


def pow(input, exponent) -> Tensor:  # noqa: A001,A002
    """``input ** exponent``; either may be a number (``x ** 2``, ``2 ** x``).

    An integer tensor raised to a negative integer number raises, as in torch.

    Returns:
        The power. Derivative: exponent * input**(exponent - 1) w.r.t. input (zero where the
        exponent is 0), input**exponent * log(input) w.r.t. exponent (zero where input == 0 and
        exponent >= 0).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([1.0, 2.0, 3.0]) ** 2
        tensor([1., 4., 9.])
        >>> 2 ** eg.tensor([1, 2, 3])
        tensor([2, 4, 8])
    """
    if isinstance(exponent, Tensor) or not isinstance(input, Tensor):
        a, b = _promote(input, exponent)
        return Pow.apply(a, b)
    if isinstance(exponent, (numpy.generic, bool)):
        exponent = exponent.item() if isinstance(exponent, numpy.generic) else int(exponent)
    elif not isinstance(exponent, (int, float)):
        raise TypeError(
            f"pow(): argument 'exponent' must be Tensor or Number, not {type(exponent).__name__}"
        )
    x = input
    if x._data.dtype.kind != "f" or isinstance(exponent, float):
        prio = DIM if x._data.ndim else ZERO_DIM
        d = result_type(((x.dtype, prio), (scalar_dtype(exponent), SCALAR)))
        if not d.is_floating_point and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        x = to_dtype(x, d)
    return PowScalar.apply(x, exponent=exponent)


def square(input) -> Tensor:  # noqa: A002
    """``input * input`` (integers stay integers; bool becomes int64). Derivative: 2 * input.

    Example:
        >>> import eagergrad as eg
        >>> eg.square(eg.tensor([-2.0, 3.0]))
        tensor([4., 9.])
    """
    return pow(input, 2)


class Neg(Op):
    """-x. Gradient: -grad."""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return neg(grad)

    _reuses_grad = True  # see NOTE [Array backward]

    @staticmethod
    def backward_arrays(ctx, grad):
        if ctx._grad_owned:
            return ctx.xp.negative(grad, out=grad)
        return -grad


def neg(input) -> Tensor:  # noqa: A002
    """``-input``. Derivative: -1.

    Example:
        >>> import eagergrad as eg
        >>> -eg.tensor([1.0, -2.0])
        tensor([-1.,  2.])
    """
    if input._data.dtype.kind == "b":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return Neg.apply(input)


subtract = sub
multiply = mul
divide = div
negative = neg


def true_divide(input, other) -> Tensor:  # noqa: A002
    """``div(input, other)`` (true division).

    Example:
        >>> import eagergrad as eg
        >>> eg.true_divide(eg.tensor([3]), 2)
        tensor([1.5000])
    """
    return div(input, other)


# --- unary math ----------------------------------------------------------------------------------
class Abs(Op):
    """|x|. Gradient: grad * sign(x) (0 at x == 0, as torch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return mul(grad, sign(x))


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

    _reuses_grad = True  # see NOTE [Array backward]

    @staticmethod
    def backward_arrays(ctx, grad):
        (y,) = ctx.saved_arrays()
        if ctx._grad_owned:
            grad *= y
            return grad
        return grad * y


class Exp2(Op):
    """2**x. Gradient: grad * y * ln(2)."""

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.exp2(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return mul(grad, mul(y, _LN2))


class Expm1(Op):
    """exp(x) - 1, accurate near 0. Gradient: grad * (y + 1)."""

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return mul(grad, add(y, 1))


class Log(Op):
    """log(x). Gradient: grad / x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quiet_call(ctx.xp, ctx.xp.log, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return div(grad, x)

    @staticmethod
    def backward_arrays(ctx, grad):
        (x,) = ctx.saved_arrays()
        return quiet_call(ctx.xp, ctx.xp.true_divide, grad, x)


class Log1p(Op):
    """log(1 + x), accurate near 0. Gradient: grad / (1 + x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quiet_call(ctx.xp, ctx.xp.log1p, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return div(grad, add(x, 1))


class Log2(Op):
    """log2(x). Gradient: grad / (x * ln 2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quiet_call(ctx.xp, ctx.xp.log2, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return div(grad, mul(x, _LN2))


class Log10(Op):
    """log10(x). Gradient: grad / (x * ln 10)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quiet_call(ctx.xp, ctx.xp.log10, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return div(grad, mul(x, _LN10))


class Sqrt(Op):
    """sqrt(x). Gradient: grad / (2 * y)."""

    @staticmethod
    def forward(ctx, x):
        y = quiet_call(ctx.xp, ctx.xp.sqrt, x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return div(grad, mul(y, 2))


class Rsqrt(Op):
    """1 / sqrt(x). Gradient: -0.5 * grad * y**3."""

    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        with quiet(xp):
            y = xp.reciprocal(xp.sqrt(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return mul(grad, mul(pow(y, 3), -0.5))


class Reciprocal(Op):
    """1 / x. Gradient: -grad * y**2."""

    @staticmethod
    def forward(ctx, x):
        y = quiet_call(ctx.xp, ctx.xp.reciprocal, x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return neg(mul(grad, mul(y, y)))


class Sin(Op):
    """sin(x). Gradient: grad * cos(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return mul(grad, cos(x))


class Cos(Op):
    """cos(x). Gradient: -grad * sin(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return neg(mul(grad, sin(x)))


class Tan(Op):
    """tan(x). Gradient: grad * (1 + y**2)."""

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.tan(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return mul(grad, add(mul(y, y), 1))


class Asin(Op):
    """asin(x). Gradient: grad / sqrt(1 - x**2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quiet_call(ctx.xp, ctx.xp.arcsin, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return div(grad, sqrt(sub(1, mul(x, x))))


class Acos(Op):
    """acos(x). Gradient: -grad / sqrt(1 - x**2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quiet_call(ctx.xp, ctx.xp.arccos, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return neg(div(grad, sqrt(sub(1, mul(x, x)))))


class Atan(Op):
    """atan(x). Gradient: grad / (1 + x**2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.arctan(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return div(grad, add(mul(x, x), 1))


class Sinh(Op):
    """sinh(x). Gradient: grad * cosh(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quiet_call(ctx.xp, ctx.xp.sinh, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return mul(grad, cosh(x))


class Cosh(Op):
    """cosh(x). Gradient: grad * sinh(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quiet_call(ctx.xp, ctx.xp.cosh, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return mul(grad, sinh(x))


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
        return TanhBackward.apply(grad, y)

    @staticmethod
    def backward_arrays(ctx, grad):
        (y,) = ctx.saved_arrays()
        return _tanh_grad(ctx.xp, grad, y)


def _tanh_grad(xp, grad, y):
    """grad * (1 - y**2) with one temporary."""
    t = y * y
    t = xp.subtract(1, t, out=t) if t.ndim else 1 - t
    t *= grad
    return t


class TanhBackward(Op):
    """grad * (1 - y**2) as one op (torch's tanh_backward): the activation backward is hot.

    Gradient: gg * (1 - y**2) for grad, -2 * gg * grad * y for y.
    """

    @staticmethod
    def forward(ctx, grad, y):
        ctx.save_for_backward(grad, y)
        return _tanh_grad(ctx.xp, grad, y)

    @staticmethod
    def backward(ctx, gg):
        grad, y = ctx.saved_tensors
        need_grad, need_y = ctx.needs_input_grad
        grad_grad = TanhBackward.apply(gg, y) if need_grad else None
        grad_y = mul(mul(gg, grad), mul(y, -2.0)) if need_y else None
        return grad_grad, grad_y


class Sigmoid(Op):
    """1 / (1 + exp(-x)). Gradient: grad * y * (1 - y), with y the saved output."""

    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        # NOTE: torch's formula; exp(-x) overflows to inf for x << 0 and 1 / inf is the exact
        # limit 0, so this is stable once the overflow warning is silenced.
        with quiet(xp):
            e = xp.exp(-x)
            e += 1
            y = xp.reciprocal(e)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return SigmoidBackward.apply(grad, y)

    @staticmethod
    def backward_arrays(ctx, grad):
        (y,) = ctx.saved_arrays()
        return _sigmoid_grad(grad, y)


def _sigmoid_grad(grad, y):
    """grad * y * (1 - y) with one temporary."""
    t = 1 - y
    t *= y
    t *= grad
    return t


class SigmoidBackward(Op):
    """grad * y * (1 - y) as one op (torch's sigmoid_backward).

    Gradient: gg * y * (1 - y) for grad, gg * grad * (1 - 2y) for y.
    """

    @staticmethod
    def forward(ctx, grad, y):
        ctx.save_for_backward(grad, y)
        return _sigmoid_grad(grad, y)

    @staticmethod
    def backward(ctx, gg):
        grad, y = ctx.saved_tensors
        need_grad, need_y = ctx.needs_input_grad
        grad_grad = SigmoidBackward.apply(gg, y) if need_grad else None
        grad_y = mul(mul(gg, grad), sub(1, mul(y, 2.0))) if need_y else None
        return grad_grad, grad_y


class Relu(Op):
    """max(x, 0). Gradient: grad where y > 0, else 0 (so 0 at x == 0, as torch)."""

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return MaskGrad.apply(grad, gt(y, 0))

    @staticmethod
    def backward_arrays(ctx, grad):
        (y,) = ctx.saved_arrays()
        return grad * (y > 0)


class MaskGrad(Op):
    """grad where a constant bool mask is True, else 0 (torch's threshold_backward).

    Gradient: gg masked the same way; none to the mask.
    """

    @staticmethod
    def forward(ctx, grad, mask):
        ctx.save_for_backward(mask)
        return grad * mask

    @staticmethod
    def backward(ctx, gg):
        (mask,) = ctx.saved_tensors
        return MaskGrad.apply(gg, mask), None


class Erf(Op):
    """erf(x) (fdlibm, see NOTE [erf] in _util.py). Gradient: grad * 2/sqrt(pi) * exp(-x**2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erf_array(ctx.xp, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return mul(grad, mul(exp(neg(mul(x, x))), _TWO_OVER_SQRT_PI))


class Erfc(Op):
    """1 - erf(x) without cancellation. Gradient: -grad * 2/sqrt(pi) * exp(-x**2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erfc_array(ctx.xp, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return mul(grad, mul(exp(neg(mul(x, x))), -_TWO_OVER_SQRT_PI))


class Erfinv(Op):
    """The inverse of erf. Gradient: grad * sqrt(pi)/2 * exp(y**2), with y the saved output."""

    @staticmethod
    def forward(ctx, x):
        y = erfinv_array(ctx.xp, x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return mul(grad, mul(exp(mul(y, y)), 1.0 / _TWO_OVER_SQRT_PI))


def abs(input) -> Tensor:  # noqa: A001,A002
    """``|input|`` (integers stay integers). Derivative: sign(input), 0 at 0.

    Example:
        >>> import eagergrad as eg
        >>> eg.abs(eg.tensor([-1.5, 0.0, 2.0]))
        tensor([1.5000, 0.0000, 2.0000])
    """
    if input._data.dtype.kind == "b":
        raise _not_implemented("abs", input)
    return Abs.apply(input)


def exp(input) -> Tensor:  # noqa: A002
    """``e ** input`` (integer inputs give the default dtype). Derivative: exp(input).

    Example:
        >>> import eagergrad as eg
        >>> eg.exp(eg.tensor([0, 1]))
        tensor([1.0000, 2.7183])
    """
    return Exp.apply(_float_input(input))


def exp2(input) -> Tensor:  # noqa: A002
    """``2 ** input``. Derivative: 2**input * ln 2.

    Example:
        >>> import eagergrad as eg
        >>> eg.exp2(eg.tensor([3]))
        tensor([8.])
    """
    return Exp2.apply(_float_input(input))


def expm1(input) -> Tensor:  # noqa: A002
    """``exp(input) - 1``, accurate for small inputs. Derivative: exp(input).

    Example:
        >>> import eagergrad as eg
        >>> eg.expm1(eg.tensor([0.0]))
        tensor([0.])
    """
    return Expm1.apply(_float_input(input))


def log(input) -> Tensor:  # noqa: A002
    """Natural logarithm (log(0) = -inf, log(-1) = nan, silently). Derivative: 1 / input.

    Example:
        >>> import eagergrad as eg
        >>> eg.log(eg.tensor([1.0, 0.0]))
        tensor([0., -inf])
    """
    return Log.apply(_float_input(input))


def log1p(input) -> Tensor:  # noqa: A002
    """``log(1 + input)``, accurate for small inputs. Derivative: 1 / (1 + input).

    Example:
        >>> import eagergrad as eg
        >>> eg.log1p(eg.tensor([0.0]))
        tensor([0.])
    """
    return Log1p.apply(_float_input(input))


def log2(input) -> Tensor:  # noqa: A002
    """Base-2 logarithm. Derivative: 1 / (input * ln 2).

    Example:
        >>> import eagergrad as eg
        >>> eg.log2(eg.tensor([8.0]))
        tensor([3.])
    """
    return Log2.apply(_float_input(input))


def log10(input) -> Tensor:  # noqa: A002
    """Base-10 logarithm. Derivative: 1 / (input * ln 10).

    Example:
        >>> import eagergrad as eg
        >>> eg.log10(eg.tensor([1.0]))
        tensor([0.])
    """
    return Log10.apply(_float_input(input))


def sqrt(input) -> Tensor:  # noqa: A002
    """Square root (nan for negatives). Derivative: 1 / (2 * sqrt(input)), inf at 0.

    Example:
        >>> import eagergrad as eg
        >>> eg.sqrt(eg.tensor([4]))
        tensor([2.])
    """
    return Sqrt.apply(_float_input(input))


def rsqrt(input) -> Tensor:  # noqa: A002
    """``1 / sqrt(input)``. Derivative: -0.5 * input**-1.5.

    Example:
        >>> import eagergrad as eg
        >>> eg.rsqrt(eg.tensor([4.0]))
        tensor([0.5000])
    """
    return Rsqrt.apply(_float_input(input))


def reciprocal(input) -> Tensor:  # noqa: A002
    """``1 / input`` (integers give the default dtype). Derivative: -1 / input**2.

    Example:
        >>> import eagergrad as eg
        >>> eg.reciprocal(eg.tensor([4]))
        tensor([0.2500])
    """
    return Reciprocal.apply(_float_input(input))


def sin(input) -> Tensor:  # noqa: A002
    """Sine. Derivative: cos(input).

    Example:
        >>> import eagergrad as eg
        >>> eg.sin(eg.tensor([0.0]))
        tensor([0.])
    """
    return Sin.apply(_float_input(input))


def cos(input) -> Tensor:  # noqa: A002
    """Cosine. Derivative: -sin(input).

    Example:
        >>> import eagergrad as eg
        >>> eg.cos(eg.tensor([0.0]))
        tensor([1.])
    """
    return Cos.apply(_float_input(input))


def tan(input) -> Tensor:  # noqa: A002
    """Tangent. Derivative: 1 + tan(input)**2.

    Example:
        >>> import eagergrad as eg
        >>> eg.tan(eg.tensor([0.0]))
        tensor([0.])
    """
    return Tan.apply(_float_input(input))


def asin(input) -> Tensor:  # noqa: A002
    """Arcsine (nan outside [-1, 1]). Derivative: 1 / sqrt(1 - input**2).

    Example:
        >>> import eagergrad as eg
        >>> eg.asin(eg.tensor([0.0]))
        tensor([0.])
    """
    return Asin.apply(_float_input(input))


def acos(input) -> Tensor:  # noqa: A002
    """Arccosine (nan outside [-1, 1]). Derivative: -1 / sqrt(1 - input**2).

    Example:
        >>> import eagergrad as eg
        >>> eg.acos(eg.tensor([1.0]))
        tensor([0.])
    """
    return Acos.apply(_float_input(input))


def atan(input) -> Tensor:  # noqa: A002
    """Arctangent. Derivative: 1 / (1 + input**2).

    Example:
        >>> import eagergrad as eg
        >>> eg.atan(eg.tensor([0.0]))
        tensor([0.])
    """
    return Atan.apply(_float_input(input))


def sinh(input) -> Tensor:  # noqa: A002
    """Hyperbolic sine. Derivative: cosh(input).

    Example:
        >>> import eagergrad as eg
        >>> eg.sinh(eg.tensor([0.0]))
        tensor([0.])
    """
    return Sinh.apply(_float_input(input))


def cosh(input) -> Tensor:  # noqa: A002
    """Hyperbolic cosine. Derivative: sinh(input).

    Example:
        >>> import eagergrad as eg
        >>> eg.cosh(eg.tensor([0.0]))
        tensor([1.])
    """
    return Cosh.apply(_float_input(input))


def tanh(input) -> Tensor:  # noqa: A002
    """Hyperbolic tangent. Derivative: 1 - tanh(input)**2.

    Example:
        >>> import eagergrad as eg
        >>> eg.tanh(eg.tensor([0.0]))
        tensor([0.])
    """
    if input._data.dtype.kind == "f":  # the common case, without the call
        return Tanh.apply(input)
    return Tanh.apply(_float_input(input))


def sigmoid(input) -> Tensor:  # noqa: A002
    """Logistic function ``1 / (1 + exp(-input))``, stable for large |input|.

    Derivative: sigmoid(input) * (1 - sigmoid(input)).

    Example:
        >>> import eagergrad as eg
        >>> eg.sigmoid(eg.tensor([0.0, -1000.0]))
        tensor([0.5000, 0.0000])
    """
    return Sigmoid.apply(_float_input(input))


def relu(input) -> Tensor:  # noqa: A002
    """``max(input, 0)`` (integers stay integers). Derivative: 1 where input > 0, else 0.

    Example:
        >>> import eagergrad as eg
        >>> eg.relu(eg.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
    """
    if input._data.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return Relu.apply(input)


def erf(input) -> Tensor:  # noqa: A002
    """The error function, accurate to ~1 ulp in float64. Derivative: 2/sqrt(pi) exp(-x**2).

    Example:
        >>> import eagergrad as eg
        >>> eg.erf(eg.tensor([0.0, 1.0]))
        tensor([0.0000, 0.8427])
    """
    return Erf.apply(_float_input(input))


def erfc(input) -> Tensor:  # noqa: A002
    """``1 - erf(input)``, accurate in the tails. Derivative: -2/sqrt(pi) exp(-x**2).

    Example:
        >>> import eagergrad as eg
        >>> eg.erfc(eg.tensor([0.0]))
        tensor([1.])
    """
    return Erfc.apply(_float_input(input))


def erfinv(input) -> Tensor:  # noqa: A002
    """The inverse error function on [-1, 1] (+-inf at +-1, nan outside), float64-accurate.

    Derivative: sqrt(pi)/2 * exp(erfinv(input)**2).

    Example:
        >>> import eagergrad as eg
        >>> eg.erfinv(eg.tensor([0.0, 0.5]))
        tensor([0.0000, 0.4769])
    """
    return Erfinv.apply(_float_input(input))


absolute = abs
arcsin = asin
arccos = acos
arctan = atan


# --- rounding: zero gradient, but the result requires grad (torch) --------------------------------
class Sign(Op):
    """sign(x). Gradient: zero."""

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.sign(x)

    @staticmethod
    def backward(ctx, grad):
        return _zeros(grad)


class Floor(Op):
    """floor(x). Gradient: zero."""

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.floor(x)

    @staticmethod
    def backward(ctx, grad):
        return _zeros(grad)


class Ceil(Op):
    """ceil(x). Gradient: zero."""

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.ceil(x)

    @staticmethod
    def backward(ctx, grad):
        return _zeros(grad)


class Trunc(Op):
    """trunc(x). Gradient: zero."""

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.trunc(x)

    @staticmethod
    def backward(ctx, grad):
        return _zeros(grad)


class Round(Op):
    """x rounded half to even at ``decimals`` digits. Gradient: zero."""

    @staticmethod
    def forward(ctx, x, decimals):
        return ctx.xp.round(x, decimals)

    @staticmethod
    def backward(ctx, grad):
        return _zeros(grad)


class Frac(Op):
    """x - trunc(x). Gradient: grad (torch's frac)."""

    @staticmethod
    def forward(ctx, x):
        return x - ctx.xp.trunc(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


def sign(input) -> Tensor:  # noqa: A002
    """-1, 0 or 1 by the sign of each element. Derivative: 0 (the result still requires grad).

    Example:
        >>> import eagergrad as eg
        >>> eg.sign(eg.tensor([-2.0, 0.0, 3.0]))
        tensor([-1.,  0.,  1.])
    """
    if input._data.dtype.kind == "b":
        return clone(input)
    return Sign.apply(input)


def floor(input) -> Tensor:  # noqa: A002
    """Rounds toward -inf (integers are copied). Derivative: 0.

    Example:
        >>> import eagergrad as eg
        >>> eg.floor(eg.tensor([-1.5, 1.5]))
        tensor([-2.,  1.])
    """
    if input._data.dtype.kind != "f":
        return clone(input)
    return Floor.apply(input)


def ceil(input) -> Tensor:  # noqa: A002
    """Rounds toward +inf (integers are copied). Derivative: 0.

    Example:
        >>> import eagergrad as eg
        >>> eg.ceil(eg.tensor([-1.5, 1.5]))
        tensor([-1.,  2.])
    """
    if input._data.dtype.kind != "f":
        return clone(input)
    return Ceil.apply(input)


def trunc(input) -> Tensor:  # noqa: A002
    """Rounds toward zero (integers are copied). Derivative: 0.

    Example:
        >>> import eagergrad as eg
        >>> eg.trunc(eg.tensor([-1.5, 1.5]))
        tensor([-1.,  1.])
    """
    if input._data.dtype.kind != "f":
        return clone(input)
    return Trunc.apply(input)


def round(input, *, decimals: int = 0) -> Tensor:  # noqa: A001,A002
    """Rounds half to even, at ``decimals`` decimal digits (negative: tens, hundreds...).

    Derivative: 0.

    Example:
        >>> import eagergrad as eg
        >>> eg.round(eg.tensor([0.5, 1.5, 2.5]))
        tensor([0., 2., 2.])
        >>> eg.round(eg.tensor([1.2345]), decimals=2)
        tensor([1.2300])
    """
    if input._data.dtype.kind != "f":
        if decimals != 0:
            raise _not_implemented("round", input)
        return clone(input)
    return Round.apply(input, decimals=int(decimals))


def frac(input) -> Tensor:  # noqa: A002
    """The fractional part ``input - trunc(input)`` (sign of input). Derivative: 1.

    Example:
        >>> import eagergrad as eg
        >>> eg.frac(eg.tensor([-1.25, 2.5]))
        tensor([-0.2500,  0.5000])
    """
    if input._data.dtype.kind != "f":
        raise _not_implemented("frac", input)
    return Frac.apply(input)


# --- binary math and selection -------------------------------------------------------------------
class Atan2(Op):
    """atan2(y, x), the angle of the point (x, y).

    Gradient: grad * x / (x**2 + y**2) for y, -grad * y / (x**2 + y**2) for x.
    """

    broadcasting = True

    @staticmethod
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return ctx.xp.arctan2(y, x)

    @staticmethod
    def backward(ctx, grad):
        y, x = ctx.saved_tensors
        g = div(grad, add(mul(x, x), mul(y, y)))
        need_y, need_x = ctx.needs_input_grad
        return (mul(g, x) if need_y else None), (neg(mul(g, y)) if need_x else None)


class Clamp(Op):
    """min(max(x, lo), hi) (hi wins when lo > hi).

    Gradient (torch's clamp_backward): to x where lo <= x <= hi (bounds inclusive); to lo
    where x < lo < hi; to hi where x > hi or hi < lo.
    """

    broadcasting = True

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        xp = ctx.xp
        return xp.minimum(xp.maximum(x, lo), hi)

    @staticmethod
    def backward(ctx, grad):
        x, lo, hi = ctx.saved_tensors
        need_x, need_lo, need_hi = ctx.needs_input_grad
        grad_x = where(logical_and(ge(x, lo), le(x, hi)), grad, 0.0) if need_x else None
        grad_lo = where(logical_and(lt(x, lo), lt(lo, hi)), grad, 0.0) if need_lo else None
        grad_hi = where(logical_or(gt(x, hi), lt(hi, lo)), grad, 0.0) if need_hi else None
        return grad_x, grad_lo, grad_hi


class Maximum(Op):
    """max(x, y) elementwise. Gradient: to the larger input; half to each on ties (torch)."""

    broadcasting = True

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return ctx.xp.maximum(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        half = where(eq(x, y), mul(grad, 0.5), grad)
        need_x, need_y = ctx.needs_input_grad
        return (where(lt(x, y), 0.0, half) if need_x else None), (
            where(gt(x, y), 0.0, half) if need_y else None
        )


class Minimum(Op):
    """min(x, y) elementwise. Gradient: to the smaller input; half to each on ties (torch)."""

    broadcasting = True

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return ctx.xp.minimum(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        half = where(eq(x, y), mul(grad, 0.5), grad)
        need_x, need_y = ctx.needs_input_grad
        return (where(gt(x, y), 0.0, half) if need_x else None), (
            where(lt(x, y), 0.0, half) if need_y else None
        )


class Where(Op):
    """cond ? x : y. Gradient: grad to x where cond, to y elsewhere, zero to the other."""

    broadcasting = True

    @staticmethod
    def forward(ctx, cond, x, y):
        ctx.save_for_backward(cond)
        return ctx.xp.where(cond, x, y)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = ctx.saved_tensors
        _, need_x, need_y = ctx.needs_input_grad
        return None, (where(cond, grad, 0.0) if need_x else None), (
            where(cond, 0.0, grad) if need_y else None
        )


class Lerp(Op):
    """x + w * (e - x), in torch's two-sided form (exact at w = 0 and w = 1).

    Gradient: grad * (1 - w) for x, grad * w for e, grad * (e - x) for w.
    """

    broadcasting = True

    @staticmethod
    def forward(ctx, x, e, w):
        ctx.save_for_backward(x, e, w)
        xp = ctx.xp
        d = e - x
        return xp.where(xp.abs(w) < 0.5, x + w * d, e - d * (1 - w))

    @staticmethod
    def backward(ctx, grad):
        x, e, w = ctx.saved_tensors
        need_x, need_e, need_w = ctx.needs_input_grad
        return (
            mul(grad, sub(1, w)) if need_x else None,
            mul(grad, w) if need_e else None,
            mul(grad, sub(e, x)) if need_w else None,
        )


class NanToNum(Op):
    """x with nan, +inf and -inf replaced by numbers. Gradient: grad where x is finite, else 0."""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        return ctx.xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return mul(grad, isfinite(x))


def atan2(input, other) -> Tensor:  # noqa: A002
    """The angle of the point (other, input) in (-pi, pi]; integers give the default dtype.

    Derivative: other / (input**2 + other**2) w.r.t. input, -input / (...) w.r.t. other.

    Example:
        >>> import eagergrad as eg
        >>> eg.atan2(eg.tensor([1.0]), eg.tensor([1.0]))
        tensor([0.7854])
    """
    _check_tensor(other, "atan2", "other", 2)
    a, b, d = promote(input, other)
    if not d.is_floating_point:
        a, b = to_dtype(a, get_default_dtype()), to_dtype(b, get_default_dtype())
    return Atan2.apply(a, b)


def _no_bound(d, device, upper: bool) -> Tensor:
    """A missing clamp bound: the dtype's +-inf (or integer extreme), so it never binds."""
    if d.is_floating_point:
        v = math.inf if upper else -math.inf
    elif d is bool_:
        v = upper
    else:
        info = numpy.iinfo(d.np)
        v = info.max if upper else info.min
    return wrap_scalar(v, d, device)


def _is_number_or_none(v) -> bool:
    return v is None or v.__class__ is float or v.__class__ is int


def clamp(input, min=None, max=None) -> Tensor:  # noqa: A001,A002
    """Limits ``input`` to [min, max]; either bound may be a number, a tensor or None.

    Args:
        input: the tensor.
        min: lower bound (broadcasts), or None.
        max: upper bound (broadcasts), or None. Where min > max the result is max.

    Returns:
        The clamped tensor in the promoted dtype. Derivative: 1 where min <= input <= max
        (inclusive, as torch), else 0; tensor bounds get the gradient where they bind.

    Example:
        >>> import eagergrad as eg
        >>> eg.clamp(eg.tensor([-2.0, 0.5, 3.0]), min=0, max=1)
        tensor([0.0000, 0.5000, 1.0000])
    """
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    data = input._data
    if data.dtype.kind == "f" and _is_number_or_none(min) and _is_number_or_none(max):
        # Fast path: number bounds never change a float tensor's dtype.
        t = data.dtype.type
        lo = _make_raw(t(-math.inf if min is None else min), input._device)
        hi = _make_raw(t(math.inf if max is None else max), input._device)
        return Clamp.apply(input, lo, hi)
    (x, lo, hi), d = promote_all(input, min, max)
    if lo is None:
        lo = _no_bound(d, x._device, upper=False)
    if hi is None:
        hi = _no_bound(d, x._device, upper=True)
    return Clamp.apply(x, lo, hi)


def clamp_min(input, min) -> Tensor:  # noqa: A002
    """``clamp(input, min=min)``. Derivative: 1 where input >= min, else 0.

    Example:
        >>> import eagergrad as eg
        >>> eg.clamp_min(eg.tensor([-1.0, 2.0]), 0)
        tensor([0., 2.])
    """
    return clamp(input, min, None)


def clamp_max(input, max) -> Tensor:  # noqa: A002
    """``clamp(input, max=max)``. Derivative: 1 where input <= max, else 0.

    Example:
        >>> import eagergrad as eg
        >>> eg.clamp_max(eg.tensor([-1.0, 2.0]), 0)
        tensor([-1.,  0.])
    """
    return clamp(input, None, max)


clip = clamp
arctan2 = atan2


def maximum(input, other) -> Tensor:  # noqa: A002
    """Elementwise maximum of two tensors (nan propagates).

    Derivative: 1 to the larger input, 1/2 to each where they are equal (torch).

    Example:
        >>> import eagergrad as eg
        >>> eg.maximum(eg.tensor([1.0, 5.0]), eg.tensor([3.0, 2.0]))
        tensor([3., 5.])
    """
    _check_tensor(other, "maximum", "other", 2)
    a, b = _promote(input, other)
    return Maximum.apply(a, b)


def minimum(input, other) -> Tensor:  # noqa: A002
    """Elementwise minimum of two tensors (nan propagates).

    Derivative: 1 to the smaller input, 1/2 to each where they are equal (torch).

    Example:
        >>> import eagergrad as eg
        >>> eg.minimum(eg.tensor([1.0, 5.0]), eg.tensor([3.0, 2.0]))
        tensor([1., 2.])
    """
    _check_tensor(other, "minimum", "other", 2)
    a, b = _promote(input, other)
    return Minimum.apply(a, b)


def where(condition, input=None, other=None) -> Tensor:  # noqa: A002
    """``input`` where ``condition`` is True, else ``other`` (numbers allowed, broadcasting).

    ``where(condition)`` alone is ``condition.nonzero(as_tuple=True)``.

    Returns:
        A tensor of the promoted dtype of input and other. Derivative: 1 to the branch taken,
        0 to the other (a nan made inside the untaken branch's own backward still propagates,
        as in torch).

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([-1.0, 2.0])
        >>> eg.where(x > 0, x, 0.0)
        tensor([0., 2.])
    """
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if condition._data.dtype.kind != "b":
        raise RuntimeError(
            "where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{_TORCH_NAMES[condition.dtype.name]}"
        )
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        (x, y), _ = promote_all(input, other)
    else:
        d = result_type(((scalar_dtype(input), SCALAR), (scalar_dtype(other), SCALAR)))
        x = wrap_scalar(input, d, condition._device)
        y = wrap_scalar(other, d, condition._device)
    return Where.apply(condition, x, y)


_C_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double"}


def lerp(input, end, weight) -> Tensor:  # noqa: A002
    """Linear interpolation ``input + weight * (end - input)``; weight a number or tensor.

    ``input``, ``end`` (and a tensor ``weight``) must share one floating dtype, as in torch.

    Returns:
        The interpolation. Derivative: 1 - weight w.r.t. input, weight w.r.t. end,
        end - input w.r.t. weight.

    Example:
        >>> import eagergrad as eg
        >>> eg.lerp(eg.tensor([0.0, 10.0]), eg.tensor([10.0, 20.0]), 0.5)
        tensor([ 5., 15.])
    """
    _check_tensor(end, "lerp", "end", 2)
    d = input.dtype
    if end.dtype is not d:
        raise RuntimeError(
            f"expected dtype {_C_NAMES.get(d.name, d.name)} for `end` but got dtype "
            f"{_C_NAMES.get(end.dtype.name, end.dtype.name)}"
        )
    if isinstance(weight, Tensor):
        if weight.dtype is not d:
            raise RuntimeError(
                f"expected dtype {_C_NAMES.get(d.name, d.name)} for `weight` but got dtype "
                f"{_C_NAMES.get(weight.dtype.name, weight.dtype.name)}"
            )
        kernel = "lerp_kernel_tensor"
    else:
        weight = wrap_scalar(weight, d, input._device)
        kernel = "lerp_kernel_scalar"
    if not d.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_TORCH_NAMES[d.name]}\'')
    return Lerp.apply(input, end, weight)


def nan_to_num(input, nan: float = 0.0, posinf=None, neginf=None) -> Tensor:  # noqa: A002
    """Replaces nan by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (default: the dtype's
    largest and smallest finite values). Integer tensors are copied.

    Derivative: 1 where input is finite, else 0.

    Example:
        >>> import eagergrad as eg
        >>> eg.nan_to_num(eg.tensor([float("nan"), 1.0]))
        tensor([0., 1.])
    """
    if input._data.dtype.kind != "f":
        return clone(input)
    return NanToNum.apply(input, nan=nan, posinf=posinf, neginf=neginf)


# --- comparisons, predicates, logical and bitwise ops (bool/int results, never grad) -------------
def _prio(t: Tensor) -> int:
    return DIM if t._data.ndim else ZERO_DIM


def _scalar_array(value, d):
    """A Python number as a numpy scalar of ``d``, wrapping like a C cast when out of range."""
    try:
        return d.np.type(value)
    except OverflowError:
        return numpy.array(value).astype(d.np)


def _raw_operands(a, b):
    """Raw arrays of two operands in their torch result dtype (no graph), and the device."""
    if isinstance(a, Tensor):
        dev = a._device
        x = a._data
        if isinstance(b, Tensor):
            if b._device is not dev:
                raise _device_mismatch((a, b))
            y = b._data
            if x.dtype != y.dtype:
                d = result_type(((a.dtype, _prio(a)), (b.dtype, _prio(b)))).np
                x, y = x.astype(d, copy=False), y.astype(d, copy=False)
            return x, y, dev
        if (b.__class__ is float or b.__class__ is int) and x.dtype.kind == "f":
            return x, x.dtype.type(b), dev  # fast path: the tensor's dtype wins
        d = result_type(((a.dtype, _prio(a)), (scalar_dtype(b), SCALAR)))
        return x.astype(d.np, copy=False), _scalar_array(b, d), dev
    if not isinstance(b, Tensor):
        raise TypeError(
            f"expected at least one Tensor, got {type(a).__name__} and {type(b).__name__}"
        )
    y, x, dev = _raw_operands(b, a)
    return x, y, dev


def _no_grad_binary(ufunc, x, y, a, b, dev) -> Tensor:
    try:
        return _make(ufunc(x, y), dev)
    except ValueError:
        err = broadcast_error(a, b)
        if err is None:
            raise
        raise err from None


def eq(input, other) -> Tensor:  # noqa: A002
    """``input == other`` elementwise (compared in the promoted dtype); a bool tensor.

    Example:
        >>> import eagergrad as eg
        >>> eg.eq(eg.tensor([1.0, 2.0]), 2)
        tensor([False,  True])
    """
    x, y, dev = _raw_operands(input, other)
    return _no_grad_binary(dev.xp.equal, x, y, input, other, dev)


def ne(input, other) -> Tensor:  # noqa: A002
    """``input != other`` elementwise; a bool tensor.

    Example:
        >>> import eagergrad as eg
        >>> eg.ne(eg.tensor([1.0, 2.0]), 2)
        tensor([ True, False])
    """
    x, y, dev = _raw_operands(input, other)
    return _no_grad_binary(dev.xp.not_equal, x, y, input, other, dev)


def lt(input, other) -> Tensor:  # noqa: A002
    """``input < other`` elementwise; a bool tensor.

    Example:
        >>> import eagergrad as eg
        >>> eg.lt(eg.tensor([1, 2]), 1.5)
        tensor([ True, False])
    """
    x, y, dev = _raw_operands(input, other)
    return _no_grad_binary(dev.xp.less, x, y, input, other, dev)


def le(input, other) -> Tensor:  # noqa: A002
    """``input <= other`` elementwise; a bool tensor.

    Example:
        >>> import eagergrad as eg
        >>> eg.le(eg.tensor([1, 2]), 1)
        tensor([ True, False])
    """
    x, y, dev = _raw_operands(input, other)
    return _no_grad_binary(dev.xp.less_equal, x, y, input, other, dev)


def gt(input, other) -> Tensor:  # noqa: A002
    """``input > other`` elementwise; a bool tensor.

    Example:
        >>> import eagergrad as eg
        >>> eg.gt(eg.tensor([1, 2]), 1)
        tensor([False,  True])
    """
    x, y, dev = _raw_operands(input, other)
    return _no_grad_binary(dev.xp.greater, x, y, input, other, dev)


def ge(input, other) -> Tensor:  # noqa: A002
    """``input >= other`` elementwise; a bool tensor.

    Example:
        >>> import eagergrad as eg
        >>> eg.ge(eg.tensor([1, 2]), 2)
        tensor([False,  True])
    """
    x, y, dev = _raw_operands(input, other)
    return _no_grad_binary(dev.xp.greater_equal, x, y, input, other, dev)


greater = gt
greater_equal = ge
less = lt
less_equal = le
not_equal = ne


def equal(input, other) -> bool:  # noqa: A002
    """True if both tensors have the same shape and equal values (after promotion).

    Example:
        >>> import eagergrad as eg
        >>> eg.equal(eg.tensor([1.0, 2.0]), eg.tensor([1, 2]))
        True
    """
    _check_tensor(other, "equal", "other", 2)
    if input._data.shape != other._data.shape:
        return False
    x, y, dev = _raw_operands(input, other)
    return bool(dev.xp.all(x == y))


def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
            equal_nan: bool = False) -> Tensor:
    """``|input - other| <= atol + rtol * |other|`` elementwise (equal infinities are close).

    Both tensors must have the same dtype, as in torch.

    Example:
        >>> import eagergrad as eg
        >>> eg.isclose(eg.tensor([1.0, 1.1]), eg.tensor([1.0, 1.0]))
        tensor([ True, False])
    """
    _check_tensor(other, "isclose", "other", 2)
    if input.dtype is not other.dtype:
        raise RuntimeError(
            f"{_TORCH_NAMES[input.dtype.name]} did not match {_TORCH_NAMES[other.dtype.name]}"
        )
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    x, y, dev = _raw_operands(input, other)
    xp = dev.xp
    try:
        close = x == y
    except ValueError:
        raise broadcast_error(input, other) from None
    if x.dtype.kind == "f":
        if equal_nan:
            close = close | (xp.isnan(x) & xp.isnan(y))
    else:
        x, y = x.astype(numpy.float64), y.astype(numpy.float64)
    if rtol != 0 or atol != 0:
        with quiet(xp):
            diff = xp.abs(x - y)
            close = close | (xp.isfinite(diff) & (diff <= atol + rtol * xp.abs(y)))
    return _make(close, dev)


def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    """True if ``isclose`` holds everywhere.

    Example:
        >>> import eagergrad as eg
        >>> eg.allclose(eg.tensor([1.0, 2.0]), eg.tensor([1.0, 2.0 + 1e-7]))
        True
    """
    close = isclose(input, other, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return bool(close._device.xp.all(close._data))


def isnan(input) -> Tensor:  # noqa: A002
    """True where ``input`` is nan (never for integers).

    Example:
        >>> import eagergrad as eg
        >>> eg.isnan(eg.tensor([1.0, float("nan")]))
        tensor([False,  True])
    """
    xp = input._device.xp
    if input._data.dtype.kind != "f":
        return _make(xp.zeros(input._data.shape, dtype=bool), input._device)
    return _make(xp.isnan(input._data), input._device)


def isinf(input) -> Tensor:  # noqa: A002
    """True where ``input`` is +inf or -inf (never for integers).

    Example:
        >>> import eagergrad as eg
        >>> eg.isinf(eg.tensor([1.0, float("-inf")]))
        tensor([False,  True])
    """
    xp = input._device.xp
    if input._data.dtype.kind != "f":
        return _make(xp.zeros(input._data.shape, dtype=bool), input._device)
    return _make(xp.isinf(input._data), input._device)


def isfinite(input) -> Tensor:  # noqa: A002
    """True where ``input`` is neither nan nor infinite (always for integers).

    Example:
        >>> import eagergrad as eg
        >>> eg.isfinite(eg.tensor([1.0, float("inf")]))
        tensor([ True, False])
    """
    xp = input._device.xp
    if input._data.dtype.kind != "f":
        return _make(xp.ones(input._data.shape, dtype=bool), input._device)
    return _make(xp.isfinite(input._data), input._device)


def _logical_operands(input, other, op):
    _check_tensor(other, op, "other", 2)
    if input._device is not other._device:
        raise _device_mismatch((input, other))
    return input._data, other._data, input._device


def logical_and(input, other) -> Tensor:  # noqa: A002
    """Elementwise AND of the truth values (nonzero is True); a bool tensor.

    Example:
        >>> import eagergrad as eg
        >>> eg.logical_and(eg.tensor([1.0, 0.0]), eg.tensor([True, True]))
        tensor([ True, False])
    """
    x, y, dev = _logical_operands(input, other, "logical_and")
    return _no_grad_binary(dev.xp.logical_and, x, y, input, other, dev)


def logical_or(input, other) -> Tensor:  # noqa: A002
    """Elementwise OR of the truth values; a bool tensor.

    Example:
        >>> import eagergrad as eg
        >>> eg.logical_or(eg.tensor([1, 0]), eg.tensor([0, 0]))
        tensor([ True, False])
    """
    x, y, dev = _logical_operands(input, other, "logical_or")
    return _no_grad_binary(dev.xp.logical_or, x, y, input, other, dev)


def logical_xor(input, other) -> Tensor:  # noqa: A002
    """Elementwise XOR of the truth values; a bool tensor.

    Example:
        >>> import eagergrad as eg
        >>> eg.logical_xor(eg.tensor([True, True]), eg.tensor([True, False]))
        tensor([False,  True])
    """
    x, y, dev = _logical_operands(input, other, "logical_xor")
    return _no_grad_binary(dev.xp.logical_xor, x, y, input, other, dev)


def logical_not(input) -> Tensor:  # noqa: A002
    """Elementwise NOT of the truth values (zero is False); a bool tensor.

    Example:
        >>> import eagergrad as eg
        >>> eg.logical_not(eg.tensor([0, 2]))
        tensor([ True, False])
    """
    return _make(input._device.xp.logical_not(input._data), input._device)


def _bitwise_operands(input, other, op):
    x, y, dev = _raw_operands(input, other)
    if x.dtype.kind == "f":
        raise NotImplementedError(
            f'"{op}_cpu" not implemented for \'{_TORCH_NAMES[from_numpy_dtype(x.dtype).name]}\''
        )
    return x, y, dev


def bitwise_and(input, other) -> Tensor:  # noqa: A002
    """Elementwise ``&`` of bool or integer tensors (and numbers).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([3, 5]) & 1
        tensor([1, 1])
    """
    x, y, dev = _bitwise_operands(input, other, "bitwise_and")
    return _no_grad_binary(dev.xp.bitwise_and, x, y, input, other, dev)


def bitwise_or(input, other) -> Tensor:  # noqa: A002
    """Elementwise ``|`` of bool or integer tensors (and numbers).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([True, False]) | eg.tensor([False, False])
        tensor([ True, False])
    """
    x, y, dev = _bitwise_operands(input, other, "bitwise_or")
    return _no_grad_binary(dev.xp.bitwise_or, x, y, input, other, dev)


def bitwise_xor(input, other) -> Tensor:  # noqa: A002
    """Elementwise ``^`` of bool or integer tensors (and numbers).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([3]) ^ 1
        tensor([2])
    """
    x, y, dev = _bitwise_operands(input, other, "bitwise_xor")
    return _no_grad_binary(dev.xp.bitwise_xor, x, y, input, other, dev)


def bitwise_not(input) -> Tensor:  # noqa: A002
    """``~input``: logical NOT for bool tensors, two's-complement NOT for integers.

    Example:
        >>> import eagergrad as eg
        >>> ~eg.tensor([True, False])
        tensor([False,  True])
        >>> ~eg.tensor([0, 5])
        tensor([-1, -6])
    """
    kind = input._data.dtype.kind
    if kind == "f":
        raise TypeError(
            "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
        )
    xp = input._device.xp
    out = xp.logical_not(input._data) if kind == "b" else xp.invert(input._data)
    return _make(out, input._device)


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
    """A copy of ``input`` with its own storage; gradients flow back to ``input``.

    Example:
        >>> import eagergrad as eg
        >>> a = eg.tensor([1.0, 2.0], requires_grad=True)
        >>> b = a.clone()
        >>> b.sum().backward()
        >>> a.grad
        tensor([1., 1.])
    """
    return Clone.apply(input)


class ToDevice(Op):
    """A copy on another device. Gradient: grad moved back to the input's device."""

    @staticmethod
    def forward(ctx, x, device, non_blocking=False):
        ctx.src = ctx._dev_in
        return _array_to_device(x, device, non_blocking)

    @staticmethod
    def backward(ctx, grad):
        return to_device(grad, ctx.src)


def to_device(input: Tensor, device, non_blocking: bool = False) -> Tensor:  # noqa: A002
    """``input`` copied to ``device`` (the only way data changes device; never implicit).

    ``non_blocking``: a pinned cpu tensor goes to a GPU without waiting (see _backend.to_device).
    """
    if input._device is device:
        return input
    ctx = object.__new__(ToDevice)
    ctx.xp = input._device.xp
    ctx._dev_in = input._device
    out = ToDevice.forward(ctx, input._data, device, non_blocking)
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


# --- logaddexp, hypot, xlogy, sinc, deg2rad, heaviside, logit ------------------------------------
class Logaddexp(Op):
    """log(exp(x) + exp(y)) (``base2``: log2(2**x + 2**y)), without overflow.

    Gradient: grad * sigmoid(x - y) for x and grad * sigmoid(y - x) for y (the differences
    scaled by ln 2 for base 2).
    """

    broadcasting = True

    @staticmethod
    def forward(ctx, x, y, base2):
        ctx.save_for_backward(x, y)
        ctx.base2 = base2
        with quiet(ctx.xp):  # -inf and -inf
            return ctx.xp.logaddexp2(x, y) if base2 else ctx.xp.logaddexp(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        diff = sub(x, y)
        if ctx.base2:
            diff = mul(diff, _LN2)
        return (mul(grad, sigmoid(diff)) if need_x else None,
                mul(grad, sigmoid(neg(diff))) if need_y else None)


def _float_binary(op: str, input, other):  # noqa: A002
    """Promoted tensor operands of a float-only binary op (torch has no integer kernel)."""
    _check_tensor(input, op, "input", 1)
    _check_tensor(other, op, "other", 2)
    a, b, d = promote(input, other)
    if not d.is_floating_point:
        raise _not_implemented(op, a)
    return a, b


def logaddexp(input, other) -> Tensor:  # noqa: A002
    """``log(exp(input) + exp(other))`` computed without overflow.

    Derivative: sigmoid(input - other) w.r.t. input, sigmoid(other - input) w.r.t. other.

    Example:
        >>> import eagergrad as eg
        >>> eg.logaddexp(eg.tensor([100.0]), eg.tensor([100.0]))
        tensor([100.6931])
    """
    a, b = _float_binary("logaddexp", input, other)
    return Logaddexp.apply(a, b, base2=False)


def logaddexp2(input, other) -> Tensor:  # noqa: A002
    """``log2(2**input + 2**other)`` computed without overflow.

    Derivative: sigmoid((input - other) ln 2) w.r.t. input, and symmetrically for other.

    Example:
        >>> import eagergrad as eg
        >>> eg.logaddexp2(eg.tensor([1.0]), eg.tensor([1.0]))
        tensor([2.])
    """
    a, b = _float_binary("logaddexp2", input, other)
    return Logaddexp.apply(a, b, base2=True)


class Hypot(Op):
    """sqrt(x**2 + y**2) without overflow. Gradient: grad * x / out and grad * y / out."""

    broadcasting = True

    @staticmethod
    def forward(ctx, x, y):
        out = ctx.xp.hypot(x, y)
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y, out = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        scale = div(grad, out)
        return mul(scale, x) if need_x else None, mul(scale, y) if need_y else None


def hypot(input, other) -> Tensor:  # noqa: A002
    """The hypotenuse ``sqrt(input**2 + other**2)``, without overflow.

    Derivative: input / hypot w.r.t. input, other / hypot w.r.t. other (nan at (0, 0), as
    in torch).

    Example:
        >>> import eagergrad as eg
        >>> eg.hypot(eg.tensor([3.0]), eg.tensor([4.0]))
        tensor([5.])
    """
    a, b = _float_binary("hypot", input, other)
    return Hypot.apply(a, b)


class Xlogy(Op):
    """x * log(y) (``log1p``: x * log1p(y)), 0 where x == 0 unless y is nan.

    Gradient: grad * xlogy(x != 0, y) for x; grad * x / y (x / (1 + y)) for y.
    """

    broadcasting = True

    @staticmethod
    def forward(ctx, x, y, log1p):
        xp = ctx.xp
        ctx.save_for_backward(x, y)
        ctx.log1p = log1p
        with quiet(xp):
            out = x * (xp.log1p(y) if log1p else xp.log(y))
        return xp.where((x == 0) & ~xp.isnan(y), x.dtype.type(0), out)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad_y = None
        if need_x:
            nonzero = _make((x._data != 0).astype(x._data.dtype), x._device)
            grad_x = mul(grad, Xlogy.apply(nonzero, y, log1p=ctx.log1p))
        if need_y:
            grad_y = mul(grad, div(x, add(y, 1) if ctx.log1p else y))
        return grad_x, grad_y


def _xlogy_operands(op: str, input, other):  # noqa: A002
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{op}(): expected at least one Tensor, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    a, b, d = promote(input, other)
    if not d.is_floating_point:
        a, b = to_dtype(a, get_default_dtype()), to_dtype(b, get_default_dtype())
    return a, b


def xlogy(input, other) -> Tensor:  # noqa: A002
    """``input * log(other)``, and 0 where ``input == 0`` (unless ``other`` is nan).

    Either argument may be a number; integer inputs give the default float dtype.

    Derivative: log(other) w.r.t. input (0 where input == 0), input / other w.r.t. other.

    Example:
        >>> import eagergrad as eg
        >>> eg.xlogy(eg.tensor([0.0, 2.0]), eg.tensor([0.0, 1.0]))
        tensor([0., 0.])
    """
    a, b = _xlogy_operands("xlogy", input, other)
    return Xlogy.apply(a, b, log1p=False)


def xlog1py(input, other) -> Tensor:  # noqa: A002
    """``input * log1p(other)``, and 0 where ``input == 0`` (torch.special.xlog1py).

    Derivative: log1p(other) w.r.t. input (0 where input == 0), input / (1 + other) w.r.t.
    other.

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.special
        >>> eg.special.xlog1py(eg.tensor([0.0, 2.0]), eg.tensor([-1.0, 0.0]))
        tensor([0., 0.])
    """
    a, b = _xlogy_operands("xlog1py", input, other)
    return Xlogy.apply(a, b, log1p=True)


class Sinc(Op):
    """sin(pi x) / (pi x), 1 at 0. Gradient: grad * (cos(pi x) - sinc(x)) / x, 0 at x == 0."""

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.sinc(x)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        # NOTE: torch's sinc derivative is masked to 0 at x == 0 (the true value there).
        zero = _make(x._data == 0, x._device)
        slope = div(sub(cos(mul(x, math.pi)), y), where(zero, 1.0, x))
        return mul(grad, where(zero, 0.0, slope))


def sinc(input) -> Tensor:  # noqa: A002
    """The normalized sinc ``sin(pi x) / (pi x)`` (1 at 0); integers give the default dtype.

    Derivative: (cos(pi x) - sinc(x)) / x, and 0 at x == 0.

    Example:
        >>> import eagergrad as eg
        >>> eg.sinc(eg.tensor([0.0, 0.5]))
        tensor([1.0000, 0.6366])
    """
    return Sinc.apply(_float_input(input))


def deg2rad(input) -> Tensor:  # noqa: A002
    """Degrees to radians (``input * pi / 180``); integers give the default dtype.

    Derivative: pi / 180.

    Example:
        >>> import eagergrad as eg
        >>> eg.deg2rad(eg.tensor([180.0]))
        tensor([3.1416])
    """
    return mul(_float_input(input), math.pi / 180.0)


def rad2deg(input) -> Tensor:  # noqa: A002
    """Radians to degrees (``input * 180 / pi``); integers give the default dtype.

    Derivative: 180 / pi.

    Example:
        >>> import eagergrad as eg
        >>> eg.rad2deg(eg.tensor([3.14159265]))
        tensor([180.])
    """
    return mul(_float_input(input), 180.0 / math.pi)


def heaviside(input, values) -> Tensor:  # noqa: A002
    """The step function: 0 where ``input < 0``, ``values`` where ``input == 0``, 1 where > 0.

    ``input`` and ``values`` must have one dtype (torch's rule); the result has no gradient
    (torch's heaviside is not differentiable either).

    Example:
        >>> import eagergrad as eg
        >>> eg.heaviside(eg.tensor([-1.0, 0.0, 2.0]), eg.tensor([0.5]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    _check_tensor(input, "heaviside", "input", 1)
    _check_tensor(values, "heaviside", "values", 2)
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    if input._device is not values._device:
        raise _device_mismatch((input, values))
    err = broadcast_error(input, values)
    if err is not None:
        raise err
    x, v = input._data, values._data
    out = input._device.xp.where(x == 0, v, (x > 0).astype(x.dtype))
    return _make(out, input._device)


def logit(input, eps=None) -> Tensor:  # noqa: A002
    """``log(p / (1 - p))``; with ``eps``, ``p`` is first clamped to ``[eps, 1 - eps]``.

    Derivative: 1 / (p (1 - p)), and 0 outside ``[eps, 1 - eps]`` when ``eps`` is given.

    Example:
        >>> import eagergrad as eg
        >>> eg.logit(eg.tensor([0.5, 0.75]))
        tensor([0.0000, 1.0986])
    """
    x = _float_input(input)
    if eps is not None:
        x = clamp(x, eps, 1.0 - eps)
    with quiet(x._device.xp):  # p = 0 or 1 gives -inf/inf, silently as in torch
        return log(div(x, sub(1.0, x)))
