"""``Op``: the base class of every built-in op, and the helpers that wrappers share.

See NOTE [Op protocol] for how an op is written.
"""

from __future__ import annotations

import numpy

from .._dtype import _FROM_NP, DIM, SCALAR, ZERO_DIM, result_type, scalar_dtype
from .._tensor import Tensor
from ..autograd.function import Node
from ..autograd.grad_mode import _mode

__all__ = ["Op", "as_tensor_like", "broadcast_error", "promote", "promote_all", "wrap_scalar"]

_make = Tensor._make
_new = object.__new__

# NOTE [Op protocol]
# An op is a class with two static methods, side by side:
#   forward(ctx, *arrays, **params) -> array or tuple of arrays   (numpy/cupy via ctx.xp)
#   backward(ctx, *grads) -> Tensor or None per input             (eagergrad Tensor ops)
# ``apply`` checks devices once, runs forward, and records the node only when grad mode is on
# and an input requires grad. Because backward is built from eagergrad ops it is itself
# differentiable, which is what makes ``create_graph=True`` work. Elementwise ops set
# ``broadcasting = True``: the engine sums their gradients back to each input's shape.
# Forward must not depend on ``ctx.needs_input_grad`` (it is only set when recording).


class Op(Node):
    """Base class of built-in ops (same shape as ``eg.autograd.Function``, on raw arrays)."""

    _fresh_grads = True  # see NOTE [Shared gradients] in autograd/engine.py

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if _NUMPY1 and "forward" in cls.__dict__:
            cls.forward = staticmethod(_keep_float_width(cls.__dict__["forward"].__func__))

    @classmethod
    def apply(cls, *inputs, **params):
        # NOTE: this runs for every op, forward and backward: the one- and two-input cases are
        # written out so the common path makes no lists and no generator calls.
        ctx = _new(cls)
        n = len(inputs)
        x = inputs[0]
        dev = x._device
        ctx.xp = dev.xp
        if n == 1:
            if _mode.enabled and x.requires_grad:
                ctx.needs_input_grad = (True,)
                return ctx._record(inputs, cls.forward(ctx, x._data, **params), dev, Tensor)
            out = cls.forward(ctx, x._data, **params)
        elif n == 2:
            y = inputs[1]
            if y._device is not dev:
                raise _device_mismatch(inputs)
            try:  # NOTE: free unless raised (3.11 zero-cost exceptions)
                if _mode.enabled and (x.requires_grad or y.requires_grad):
                    ctx.needs_input_grad = (x.requires_grad, y.requires_grad)
                    out = cls.forward(ctx, x._data, y._data, **params)
                    return ctx._record(inputs, out, dev, Tensor)
                out = cls.forward(ctx, x._data, y._data, **params)
            except ValueError:
                _raise_broadcast_error(cls, inputs)
                raise
        else:
            for t in inputs:
                if t._device is not dev:
                    raise _device_mismatch(inputs)
            try:
                if _mode.enabled:
                    needs = tuple([t.requires_grad for t in inputs])
                    if True in needs:
                        ctx.needs_input_grad = needs
                        out = cls.forward(ctx, *[t._data for t in inputs], **params)
                        return ctx._record(inputs, out, dev, Tensor)
                out = cls.forward(ctx, *[t._data for t in inputs], **params)
            except ValueError:
                _raise_broadcast_error(cls, inputs)
                raise
        if type(out) is tuple:
            return tuple([_make(o, dev) for o in out])
        return _make(out, dev)


# NOTE [numpy 1.x and 0-d results]
# numpy 1.x casts by value when every operand is 0-d or a scalar: a 0-d float32 array times a
# Python float gives float64 there (numpy 2's NEP 50 keeps float32, as torch does). Under
# numpy 1.x only, each op's forward is wrapped so a float result wider than its float inputs is
# cast back (unless the op was asked for a ``dtype``); arrays the forward saved are swapped for
# the cast ones, so saved outputs keep their place in the graph. numpy 2 pays nothing.
_NUMPY1 = int(numpy.__version__.split(".")[0]) < 2


def _keep_float_width(forward):
    def wrapped(ctx, *arrays, **params):
        out = forward(ctx, *arrays, **params)
        if "dtype" in params:
            return out
        widths = [a.dtype.itemsize for a in arrays if getattr(a, "dtype", None) is not None
                  and a.dtype.kind == "f"]
        if not widths:
            return out
        want = max(widths)
        outs = out if type(out) is tuple else (out,)
        fixed = tuple(
            o.astype(f"f{want}") if getattr(o, "dtype", None) is not None and o.dtype.kind == "f"
            and o.dtype.itemsize > want else o
            for o in outs
        )
        saved = ctx._saved
        if saved:
            swap = {id(o): f for o, f in zip(outs, fixed) if o is not f}
            ctx._saved = tuple(swap.get(id(a), a) for a in saved)
        return fixed if type(out) is tuple else fixed[0]

    wrapped.__wrapped__ = forward
    return wrapped


def broadcast_error(*xs) -> RuntimeError | None:
    """torch's broadcast error for tensors whose shapes don't broadcast, else None."""
    shapes = [tuple(x._data.shape) for x in xs if isinstance(x, Tensor)]
    try:
        numpy.broadcast_shapes(*shapes)
        return None
    except ValueError:
        pass
    for i, a in enumerate(shapes):
        for b in shapes[i + 1:]:
            n = max(len(a), len(b))
            for k in range(1, min(len(a), len(b)) + 1):
                if a[-k] != b[-k] and a[-k] != 1 and b[-k] != 1:
                    return RuntimeError(
                        f"The size of tensor a ({a[-k]}) must match the size of tensor b "
                        f"({b[-k]}) at non-singleton dimension {n - k}"
                    )
    return RuntimeError(f"shapes {shapes} cannot be broadcast together")


def _raise_broadcast_error(cls, inputs):
    """Turns numpy's ValueError from a broadcasting op into torch's RuntimeError."""
    if cls.broadcasting:
        err = broadcast_error(*inputs)
        if err is not None:
            raise err from None


def _device_mismatch(inputs):
    devs = []
    for t in inputs:
        if str(t._device) not in devs:
            devs.append(str(t._device))
    return RuntimeError(
        "Expected all tensors to be on the same device, but found at least two devices, "
        f"{devs[0]} and {devs[1]}!"
    )


def wrap_scalar(value, dtype, device) -> Tensor:
    """A 0-d tensor holding a Python number as a numpy scalar of ``dtype`` (no device copy)."""
    try:
        scalar = dtype.np.type(value)
    except OverflowError:
        # NOTE: torch wraps out-of-range integers (uint8 + 300 adds 44); numpy 2 raises.
        scalar = numpy.array(value).astype(dtype.np)[()]
    return Tensor._make_raw(scalar, device)


def _operand(x):
    """(dtype, priority) of an operand for torch's result_type."""
    if isinstance(x, Tensor):
        return (x.dtype, ZERO_DIM if x._data.ndim == 0 else DIM)
    return (scalar_dtype(x), SCALAR)


def promote(a, b):
    """Returns ``(a, b, dtype)`` as tensors of their torch result dtype.

    Python scalars become 0-d tensors on the other operand's device; tensors of another dtype
    are cast (a differentiable cast, so gradients come back in each input's dtype).
    """
    # NOTE: the first branches are the per-call common cases (same dtype; a float tensor with a
    # Python int/float, which never changes a float tensor's dtype): no result_type lookup.
    if isinstance(a, Tensor):
        da = a._data.dtype
        if isinstance(b, Tensor):
            db = b._data.dtype
            if da is db or da == db:
                return a, b, _FROM_NP[da]
            d = result_type((_operand(a), _operand(b)))
            return _cast(a, d), _cast(b, d), d
        if (b.__class__ is float or b.__class__ is int) and da.kind == "f":
            return a, Tensor._make_raw(da.type(b), a._device), _FROM_NP[da]
        d = result_type((_operand(a), _operand(b)))
        return _cast(a, d), wrap_scalar(_check_number(b), d, a._device), d
    if isinstance(b, Tensor):
        db = b._data.dtype
        if (a.__class__ is float or a.__class__ is int) and db.kind == "f":
            return Tensor._make_raw(db.type(a), b._device), b, _FROM_NP[db]
        d = result_type((_operand(a), _operand(b)))
        return wrap_scalar(_check_number(a), d, b._device), _cast(b, d), d
    raise TypeError(f"expected at least one Tensor, got {type(a).__name__} and {type(b).__name__}")


def promote_all(*xs):
    """Like ``promote`` for any number of operands (where, lerp, clamp)."""
    d = result_type(tuple(_operand(x) for x in xs if x is not None))
    dev = next(x._device for x in xs if isinstance(x, Tensor))
    out = []
    for x in xs:
        if x is None:
            out.append(None)
        elif isinstance(x, Tensor):
            out.append(_cast(x, d))
        else:
            out.append(wrap_scalar(_check_number(x), d, dev))
    return out, d


def _check_number(x):
    if isinstance(x, (bool, int, float)) or hasattr(x, "dtype"):
        return x
    raise TypeError(f"expected a Tensor or a number, got {type(x).__name__}")


def _cast(t: Tensor, d) -> Tensor:
    if t._data.dtype == d.np:
        return t
    from .elementwise import to_dtype

    return to_dtype(t, d)


def as_tensor_like(x, like: Tensor) -> Tensor:
    """``x`` as a Tensor on ``like``'s device (numbers take torch's scalar dtype)."""
    if isinstance(x, Tensor):
        return x
    return wrap_scalar(_check_number(x), scalar_dtype(x), like._device)
