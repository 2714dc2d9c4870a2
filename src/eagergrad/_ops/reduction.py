"""Reductions over dims: sum, mean, prod, max/min, var/std, logsumexp, norm, cumulative ops,
softmax/log_softmax and sorting (sort, argsort, topk)."""

from __future__ import annotations

import builtins
import math
import warnings
from collections import namedtuple

from .. import _backend
from .._dtype import get_default_dtype, int64
from .._dtype import to_dtype as _as_dtype
from .._tensor import Tensor
from ..autograd.grad_mode import _mode
from ._base import Op
from ._util import (
    along_axis_index,
    quiet,
    quiet_call,
    stable_argsort,
    torch_type_name,
    wrap_dim,
    wrap_dims,
)
from .elementwise import abs as _abs
from .elementwise import add, div, exp, lerp, log, mul, sub, to_dtype, where
from .indexing import gather
from .shape import broadcast_to, flip, movedim, reshape, unsqueeze

__all__ = [
    "sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin",
    "var", "std", "var_mean", "std_mean", "logsumexp", "norm", "all", "any",
    "cumsum", "cumprod", "softmax", "log_softmax", "sort", "argsort", "topk", "count_nonzero",
    "median", "nanmedian", "nansum", "nanmean", "quantile", "nanquantile", "cummax", "cummin",
    "logcumsumexp", "aminmax", "mode",
]

# torch.return_types.*: tuples whose fields are also attributes (``out.values``).
_Max = namedtuple("max", ["values", "indices"])
_Min = namedtuple("min", ["values", "indices"])
_Sort = namedtuple("sort", ["values", "indices"])
_TopK = namedtuple("topk", ["values", "indices"])
_Median = namedtuple("median", ["values", "indices"])
_NanMedian = namedtuple("nanmedian", ["values", "indices"])
_Mode = namedtuple("mode", ["values", "indices"])
_Cummax = namedtuple("cummax", ["values", "indices"])
_Cummin = namedtuple("cummin", ["values", "indices"])
_Aminmax = namedtuple("aminmax", ["min", "max"])


# --- helpers --------------------------------------------------------------------------------------
def _dims(shape, dim):
    """``(dims, kshape)``: dims as a sorted tuple (None = all) and the keepdim output shape."""
    ndim = len(shape)
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return None, (1,) * ndim
    dims = wrap_dims(dim, ndim)
    if ndim == 0:  # x.sum(0) on a 0-d tensor reduces nothing (torch's rule)
        return None, ()
    return tuple(sorted(dims)), tuple(1 if i in dims else s for i, s in enumerate(shape))


def _keep(t: Tensor, kshape) -> Tensor:
    """A reduced tensor with its reduced dims back as size 1 (0-d ones broadcast as they are)."""
    shape = t._data.shape
    return t if shape == kshape or not shape else reshape(t, kshape)


def _keep_array(a, kshape):
    """``_keep`` on a raw array (see NOTE [Array backward])."""
    shape = a.shape
    return a if shape == kshape or not shape else a.reshape(kshape)


def _const(array, like: Tensor) -> Tensor:
    """A constant (no-grad) tensor on ``like``'s device."""
    return Tensor._make(array, like._device)


def _float_or_int64(input: Tensor, dtype):  # noqa: A002
    """The numpy dtype of sum-like results: ``dtype`` if given; int/bool -> int64 (torch)."""
    if dtype is not None:
        return _as_dtype(dtype).np
    if input._data.dtype.kind in "biu":
        return int64.np
    return None


class _MaskedFill(Op):
    """where(mask, value, x) with a constant mask. Gradient: grad with masked entries zeroed.

    Used for the nan-free corners (norm at 0, std of a constant, all -inf logsumexp rows):
    unlike ``grad * mask`` it also zeroes an inf or nan sitting under the mask. ``x`` may be
    smaller than the mask (it broadcasts).
    """

    broadcasting = True

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.save_for_backward(mask)
        return ctx.xp.where(mask, x.dtype.type(value), x)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return _MaskedFill.apply(grad, mask=mask._data, value=0)


def _masked_fill(x: Tensor, mask, value) -> Tensor:
    return _MaskedFill.apply(x, mask=mask, value=value)


class _GatherAlong(Op):
    """x gathered along ``dim`` at ``idx`` (distinct per row), reshaped to ``shape``.

    Gradient: scattered back to the gathered positions.
    """

    @staticmethod
    def forward(ctx, x, idx, dim, shape):
        ctx.save_for_backward(idx)
        ctx.dim, ctx.in_shape = dim, x.shape
        return x[along_axis_index(ctx.xp, idx, dim)].reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        (idx,) = ctx.saved_tensors
        g = reshape(grad, idx._data.shape)
        return _ScatterAlong.apply(g, idx, dim=ctx.dim, shape=ctx.in_shape), None


class Max(_GatherAlong):
    """``max(x, dim).values``. Gradient: all to the returned index."""


class Min(_GatherAlong):
    """``min(x, dim).values``. Gradient: all to the returned index."""


class Sort(_GatherAlong):
    """``sort(x, dim).values``. Gradient: each value's back to its index."""


class Topk(_GatherAlong):
    """``topk(x, k, dim).values``. Gradient: each value's back to its index."""


class _ScatterAlong(Op):
    """zeros(shape) with g put along ``dim`` at ``idx`` (distinct). Gradient: gathered."""

    @staticmethod
    def forward(ctx, g, idx, dim, shape):
        ctx.save_for_backward(idx)
        ctx.dim = dim
        out = ctx.xp.zeros(shape, dtype=g.dtype)
        out[along_axis_index(ctx.xp, idx, dim)] = g
        return out

    @staticmethod
    def backward(ctx, grad):
        (idx,) = ctx.saved_tensors
        return _GatherAlong.apply(grad, idx, dim=ctx.dim, shape=idx._data.shape), None


# --- sum, mean, prod ------------------------------------------------------------------------------
class Sum(Op):
    """x.sum(dims). Gradient: grad broadcast back over the summed dims."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, kshape, dtype):
        ctx.in_shape, ctx.kshape = x.shape, kshape
        return x.sum(axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        return broadcast_to(_keep(grad, ctx.kshape), ctx.in_shape)

    @staticmethod
    def backward_arrays(ctx, grad):
        return ctx.xp.broadcast_to(_keep_array(grad, ctx.kshape), ctx.in_shape)


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A001,A002
    """Sum over ``dim`` (int, tuple/list, or None for all); bool/int inputs sum to int64.

    Args:
        input: the input tensor.
        dim: an int, a tuple/list of ints (negative ones count from the end), or None for all.
        keepdim: keep each reduced dim as a dim of size 1.
        dtype: if given, the input is cast to it first.

    Returns:
        The sum; int64 for integer and bool inputs unless ``dtype`` says otherwise.

    Derivative: the gradient is broadcast back over the reduced dims.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([[1., 2.], [3., 4.]]).sum(0)
        tensor([4., 6.])
    """
    dims, kshape = _dims(input._data.shape, dim)
    return Sum.apply(input, dims=dims, keepdim=keepdim, kshape=kshape,
                     dtype=_float_or_int64(input, dtype))


class Mean(Op):
    """x.mean(dims). Gradient: grad / n broadcast back over the reduced dims."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, kshape):
        ctx.in_shape, ctx.kshape = x.shape, kshape
        ctx.n = x.size // builtins.max(math.prod(kshape), 1)
        if x.size == 0:  # nan, silently, as in torch
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return x.mean(axis=dims, keepdims=keepdim)
        return x.mean(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return broadcast_to(div(_keep(grad, ctx.kshape), ctx.n), ctx.in_shape)

    @staticmethod
    def backward_arrays(ctx, grad):
        xp = ctx.xp
        g = quiet_call(xp, xp.true_divide, _keep_array(grad, ctx.kshape), grad.dtype.type(ctx.n))
        return xp.broadcast_to(g, ctx.in_shape)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """Mean over ``dim``; integer inputs raise (as in torch) unless ``dtype`` is floating.

    Args:
        input: the input tensor.
        dim: an int, a tuple/list of ints (negative ones count from the end), or None for all.
        keepdim: keep each reduced dim as a dim of size 1.
        dtype: if given, the input is cast to it first.

    Returns:
        The mean, in the (floating) dtype of the input.

    Derivative: grad / n for each of the n reduced elements.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([[1., 2.], [3., 4.]]).mean(dim=1)
        tensor([1.5000, 3.5000])
    """
    if dtype is not None:
        input = to_dtype(input, _as_dtype(dtype))
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {torch_type_name(input.dtype)}"
        )
    dims, kshape = _dims(input._data.shape, dim)
    return Mean.apply(input, dims=dims, keepdim=keepdim, kshape=kshape)


class Prod(Op):
    """x.prod(dims). Gradient: the product of the other elements, without dividing by zeros.

    See NOTE [prod gradient with zeros].
    """

    @staticmethod
    def forward(ctx, x, dims, keepdim, kshape, dtype):
        ctx.dims, ctx.kshape = dims, kshape
        y = x.prod(axis=dims, keepdims=keepdim, dtype=dtype)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        g = _keep(grad, ctx.kshape)
        if not _backend.may_hold(ctx.xp, lambda: (x._data == 0).any()):  # no zeros: y / x
            return mul(g, div(_keep(y, ctx.kshape), x))
        return _prod_backward_zeros(x, g, ctx.dims)


# NOTE [prod gradient with zeros]
# d prod / d x_i is the product of the other elements; dividing the result by x_i fails at
# zeros. With x_safe = x where x != 0 else 1, p = prod(x_safe) and S = the sum of a row's zero
# entries (its value is 0, but it carries their derivatives), a row with c zeros gets
#   c = 0: p / x;   c = 1: p * S / x_safe off the zero, p at the zero;
#   c = 2: 0 off the zeros, p * (S - x) (= the other zero) at each zero;   c >= 3: 0.
# Each case is the exact product of the others written so that its first derivative is also
# right, which keeps double backward correct at zeros.
def _prod_backward_zeros(x: Tensor, g: Tensor, dims) -> Tensor:
    xa, xp = x._data, x._device.xp
    zero = xa == 0
    count = zero.sum(axis=dims, keepdims=True)
    zc = _const(zero.astype(xa.dtype), x)
    x_safe = _masked_fill(x, zero, 1)
    s = sum(mul(x, zc), dims, True)
    off = div(add(s, _const((count == 0).astype(xa.dtype), x)), x_safe)
    off = _masked_fill(off, zero | xp.broadcast_to(count >= 2, xa.shape), 0)
    at = add(_const((count == 1).astype(xa.dtype), x),
             mul(sub(s, x), _const((count == 2).astype(xa.dtype), x)))
    share = add(off, mul(at, zc))
    return mul(mul(g, prod(x_safe, dims, True)), share)


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """Product over ``dim`` (one int in torch; None for all); int/bool inputs give int64.

    Args:
        input: the input tensor.
        dim: one int, or None for all dims.
        keepdim: keep each reduced dim as a dim of size 1.
        dtype: if given, the input is cast to it first.

    Returns:
        The product; int64 for integer and bool inputs.

    Derivative: the product of the other elements (correct with zeros in the input).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([[1., 2.], [3., 4.]]).prod(1)
        tensor([ 2., 12.])
    """
    dims, kshape = _dims(input._data.shape, dim)
    return Prod.apply(input, dims=dims, keepdim=keepdim, kshape=kshape,
                      dtype=_float_or_int64(input, dtype))


# --- max, min, amax, amin, argmax, argmin ---------------------------------------------------------
class Amax(Op):
    """x.max(dims) / x.min(dims) values. Gradient: split evenly over the tied extrema."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, kshape, largest):
        ctx.dims, ctx.kshape = dims, kshape
        y = x.max(axis=dims, keepdims=keepdim) if largest else x.min(axis=dims, keepdims=keepdim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        share = _tie_share(ctx.xp, x._data, y._data.reshape(ctx.kshape), ctx.dims)
        return mul(_keep(grad, ctx.kshape), _const(share, x))


def _tie_share(xp, x, y, dims):
    """1/count where x equals the row's extreme y (a nan result counts the nans), else 0."""
    tied = x == y
    count = tied.sum(axis=dims, keepdims=True)
    if _backend.may_hold(xp, lambda: not count.all()):  # a row whose extreme is nan has no ties
        tied |= xp.isnan(x) & xp.isnan(y)
        count = tied.sum(axis=dims, keepdims=True)
    return (tied / count).astype(x.dtype, copy=False)


def _empty_check(input, op, dim):  # noqa: A002
    if input._data.size == 0 and dim is None:
        raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() "
                           "== 0. Specify the reduction dim with the 'dim' argument.")


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:  # noqa: A002
    """Maximum over ``dim`` (int, tuple, or () for all).

    Args:
        input: the input tensor.
        dim: an int or a tuple/list of ints; () (the default) reduces all dims.
        keepdim: keep each reduced dim as a dim of size 1.

    Returns:
        The maxima.

    Derivative: the gradient is split evenly over tied maxima (torch's amax).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([[1., 5.], [3., 4.]]).amax(1)
        tensor([5., 4.])
    """
    dims, kshape = _dims(input._data.shape, dim)
    _empty_check(input, "amax", dims)
    return Amax.apply(input, dims=dims, keepdim=keepdim, kshape=kshape, largest=True)


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:  # noqa: A002
    """Minimum over ``dim``; the gradient is split evenly over tied minima.

    Args:
        input: the input tensor.
        dim: an int or a tuple/list of ints; () (the default) reduces all dims.
        keepdim: keep each reduced dim as a dim of size 1.

    Returns:
        The minima.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([[1., 5.], [3., 4.]]).amin(0)
        tensor([1., 4.])
    """
    dims, kshape = _dims(input._data.shape, dim)
    _empty_check(input, "amin", dims)
    return Amax.apply(input, dims=dims, keepdim=keepdim, kshape=kshape, largest=False)


def _max_min(input, dim, keepdim, largest):  # noqa: A002
    op = "max" if largest else "min"
    if isinstance(dim, Tensor):  # torch.max(a, b) is the elementwise maximum
        from . import elementwise

        return elementwise.maximum(input, dim) if largest else elementwise.minimum(input, dim)
    if dim is None:
        _empty_check(input, op, None)
        return Amax.apply(input, dims=None, keepdim=False, kshape=(1,) * input._data.ndim,
                          largest=largest)
    data = input._data
    d = wrap_dim(dim, data.ndim)
    x = input if data.ndim else reshape(input, (1,))
    if x._data.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    xp = input._device.xp
    idx = (xp.argmax if largest else xp.argmin)(x._data, axis=d, keepdims=True)
    out_shape = data.shape[:d] + ((1,) if keepdim else ()) + data.shape[d + 1:]
    out_shape = out_shape if data.ndim else ()
    values = (Max if largest else Min).apply(x, _const(idx, input), dim=d, shape=out_shape)
    return (_Max if largest else _Min)(values, _const(idx.reshape(out_shape), input))


def max(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A001,A002
    """``max(x)``: the largest value; ``max(x, dim)``: ``(values, indices)``; ``max(a, b)``.

    Args:
        input: the input tensor.
        dim: None (reduce all), an int, or a Tensor (then the elementwise maximum).
        keepdim: keep each reduced dim as a dim of size 1.

    Returns:
        A tensor without ``dim``; a ``(values, indices)`` named tuple with it.

    Derivative: without ``dim`` the gradient is split evenly over tied maxima; with ``dim`` it
    all goes to the returned index (the first maximum), as in torch.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([[1., 5.], [3., 4.]])
        >>> x.max(), x.max(1).indices
        (tensor(5.), tensor([1, 1]))
    """
    return _max_min(input, dim, keepdim, True)


def min(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A001,A002
    """``min(x)``, ``min(x, dim)`` -> ``(values, indices)``, or ``min(a, b)`` (see ``max``).

    Args:
        input: the input tensor.
        dim: None (reduce all), an int, or a Tensor (then the elementwise minimum).
        keepdim: keep each reduced dim as a dim of size 1.

    Returns:
        A tensor without ``dim``; a ``(values, indices)`` named tuple with it.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([[1., 5.], [3., 4.]]).min(0).values
        tensor([1., 4.])
    """
    return _max_min(input, dim, keepdim, False)


def _arg_extreme(input, dim, keepdim, largest):  # noqa: A002
    data = input._data
    xp = input._device.xp
    fn = xp.argmax if largest else xp.argmin
    if dim is None:
        if data.size == 0:
            raise IndexError(f"{'argmax' if largest else 'argmin'}(): Expected reduction dim to "
                             "be specified for input.numel() == 0.")
        out = xp.asarray(fn(data)).astype(int64.np)
        return _const(out.reshape((1,) * data.ndim) if keepdim else out, input)
    d = wrap_dim(dim, data.ndim)
    if data.ndim == 0:
        return _const(xp.zeros((), dtype=int64.np), input)
    return _const(fn(data, axis=d, keepdims=keepdim).astype(int64.np, copy=False), input)


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Index of the first maximum over ``dim`` (None: of the flattened tensor). No gradient.

    Args:
        input: the input tensor.
        dim: an int, or None to index into the flattened tensor.
        keepdim: keep each reduced dim as a dim of size 1.

    Returns:
        int64 indices.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([[1., 5.], [3., 4.]]).argmax()
        tensor(1)
    """
    return _arg_extreme(input, dim, keepdim, True)


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Index of the first minimum over ``dim`` (None: of the flattened tensor). No gradient.

    Args:
        input: the input tensor.
        dim: an int, or None to index into the flattened tensor.
        keepdim: keep each reduced dim as a dim of size 1.

    Returns:
        int64 indices.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([[1., 5.], [3., 4.]]).argmin(1)
        tensor([0, 0])
    """
    return _arg_extreme(input, dim, keepdim, False)


# --- var, std -------------------------------------------------------------------------------------
class Var(Op):
    """Variance over dims with ``correction``. Gradient: 2 (x - mean) / (n - correction)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, kshape, factor, take_sqrt):
        ctx.dims, ctx.kshape, ctx.factor, ctx.take_sqrt = dims, kshape, factor, take_sqrt
        d = x - x.mean(axis=dims, keepdims=True)
        with quiet(ctx.xp):  # n - correction <= 0 gives inf/nan like torch
            y = (d * d).sum(axis=dims, keepdims=keepdim) * factor
            y = ctx.xp.sqrt(y) if take_sqrt else y
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        if ctx.factor == math.inf:  # no degrees of freedom: nan gradients, silently (torch)
            with quiet(ctx.xp):
                return _var_backward(ctx, grad, x, y)
        return _var_backward(ctx, grad, x, y)


def _var_backward(ctx, grad, x, y):
    d = sub(x, mean(x, ctx.dims, True))
    if ctx.take_sqrt:
        return mul(_std_scale(grad, y, ctx.kshape), mul(d, ctx.factor))
    return mul(_keep(grad, ctx.kshape), mul(d, 2 * ctx.factor))


class Std(Var):
    """Standard deviation: the square root of ``Var``'s result (same ``forward``/``backward``).

    Gradient: (x - mean) / ((n - correction) std), 0 where std == 0.
    """


def _std_scale(grad, y, kshape):
    """grad / std, 0 where std == 0 (torch's std_backward: a constant has gradient 0)."""
    y = _keep(y, kshape)
    zero = y._data == 0
    return _masked_fill(div(_keep(grad, kshape), _masked_fill(y, zero, 1)), zero, 0)


def _var_args(op, input, dim, unbiased, correction):  # noqa: A002
    """torch's var/std argument rules -> (dims, kshape, factor)."""
    if input._data.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if isinstance(dim, bool):  # var(x, True): the old unbiased-only signature
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}(): pass either unbiased or correction, not both")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    dims, kshape = _dims(input._data.shape, dim)
    n = input._data.size // builtins.max(math.prod(kshape), 1)
    dof = builtins.max(0, n - correction)
    if dof == 0:
        warnings.warn(
            f"{op}(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel).", UserWarning, stacklevel=3
        )
    return dims, kshape, (1.0 / dof if dof else math.inf)


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *,  # noqa: A002
        correction=None) -> Tensor:
    """Variance over ``dim``, divided by ``max(0, n - correction)`` (correction defaults to 1).

    Args:
        input: the input tensor.
        dim: an int, a tuple/list of ints (negative ones count from the end), or None for all.
        unbiased: True is correction=1, False is correction=0 (older torch API).
        keepdim: keep each reduced dim as a dim of size 1.
        correction: subtracted from the number of reduced elements (default 1).

    Returns:
        The variance.

    Derivative: 2 (x - mean) / (n - correction).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([1., 2., 3., 4.]).var()
        tensor(1.6667)
    """
    dims, kshape, factor = _var_args("var", input, dim, unbiased, correction)
    return Var.apply(input, dims=dims, keepdim=keepdim, kshape=kshape, factor=factor,
                     take_sqrt=False)


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *,  # noqa: A002
        correction=None) -> Tensor:
    """Standard deviation: ``sqrt(var(...))`` with the same arguments.

    Args:
        input: the input tensor.
        dim: an int, a tuple/list of ints (negative ones count from the end), or None for all.
        unbiased: True is correction=1, False is correction=0 (older torch API).
        keepdim: keep each reduced dim as a dim of size 1.
        correction: subtracted from the number of reduced elements (default 1).

    Returns:
        The standard deviation.

    Derivative: (x - mean) / ((n - correction) std), and 0 where std is 0 (torch's rule).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([1., 2., 3., 4.]).std(correction=0)
        tensor(1.1180)
    """
    dims, kshape, factor = _var_args("std", input, dim, unbiased, correction)
    return Std.apply(input, dims=dims, keepdim=keepdim, kshape=kshape, factor=factor,
                     take_sqrt=True)


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *,  # noqa: A002
             correction=None):
    """``(var(input, ...), mean(input, dim, keepdim))``.

    Args:
        input: the input tensor.
        dim: an int, a tuple/list of ints (negative ones count from the end), or None for all.
        unbiased, keepdim, correction: as in ``var``.

    Returns:
        A tuple (variance, mean).

    Example:
        >>> import eagergrad as eg
        >>> eg.var_mean(eg.tensor([1., 2., 3.]))
        (tensor(1.), tensor(2.))
    """
    v = var(input, dim, unbiased, keepdim, correction=correction)
    return v, mean(input, None if isinstance(dim, bool) else dim, keepdim)


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *,  # noqa: A002
             correction=None):
    """``(std(input, ...), mean(input, dim, keepdim))``.

    Args:
        input: the input tensor.
        dim: an int, a tuple/list of ints (negative ones count from the end), or None for all.
        unbiased, keepdim, correction: as in ``std``.

    Returns:
        A tuple (standard deviation, mean).

    Example:
        >>> import eagergrad as eg
        >>> eg.std_mean(eg.tensor([1., 2., 3.]))
        (tensor(1.), tensor(2.))
    """
    s = std(input, dim, unbiased, keepdim, correction=correction)
    return s, mean(input, None if isinstance(dim, bool) else dim, keepdim)


# --- logsumexp, norm ------------------------------------------------------------------------------
class Logsumexp(Op):
    """log(sum(exp(x))) over dims, shifted by the max. Gradient: grad * exp(x - y)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, kshape):
        xp = ctx.xp
        ctx.dims, ctx.kshape = dims, kshape
        m = x.max(axis=dims, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # all -inf (or +inf) rows: no inf - inf
        with quiet(ctx.xp):  # log(0) = -inf for an all -inf row
            y = xp.log(xp.exp(x - m).sum(axis=dims, keepdims=True)) + m
        y = y if keepdim else y.reshape(_squeeze_shape(x.shape, dims))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        y = _keep(y, ctx.kshape)
        # NOTE: an all -inf row has y = -inf; x - y would be nan, so y is taken as 0 there and
        # the row's gradient is exp(-inf) = 0 (torch gives nan here).
        y = _masked_fill(y, y._data == -math.inf, 0)
        with quiet(ctx.xp):  # a +inf entry: inf - inf = nan, silently as in torch
            return mul(_keep(grad, ctx.kshape), exp(sub(x, y)))


def _squeeze_shape(shape, dims):
    if dims is None:
        return ()
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:  # noqa: A002
    """``log(sum(exp(input), dim))`` computed stably (no overflow; all -inf rows give -inf).

    Args:
        input: the input tensor. Integer inputs are cast to the default dtype.
        dim: an int or a tuple/list of ints.
        keepdim: keep each reduced dim as a dim of size 1.

    Returns:
        log(sum(exp(input))) over ``dim``.

    Derivative: softmax(input) over ``dim`` (0 for an all -inf row).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([800., 800.], dtype=eg.float64).logsumexp(0)
        tensor(800.6931, dtype=eagergrad.float64)
    """
    if input._data.dtype.kind != "f":
        input = to_dtype(input, get_default_dtype())
    dims, kshape = _dims(input._data.shape, dim)
    return Logsumexp.apply(input, dims=dims, keepdim=keepdim, kshape=kshape)


class Norm(Op):
    """Vector p-norm over dims (p = 0, 1, 2, inf, -inf or any other number).

    Gradient: sign(x) |x|^(p-1) / y^(p-1) (x / y for p = 2), 0 where the norm is 0; for
    p = +-inf it is split evenly over the tied extreme entries; for p = 0 it is 0.
    """

    @staticmethod
    def forward(ctx, x, p, dims, keepdim, kshape):
        ctx.p, ctx.dims, ctx.kshape = p, dims, kshape
        y = norm_array(ctx.xp, x, p, dims, keepdim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return _norm_backward(x, _keep(y, ctx.kshape), _keep(grad, ctx.kshape), ctx.p,
                              ctx.dims)


def norm_array(xp, x, p, dims, keepdim=False):
    """The p-norm of an array over ``dims`` (p = 0, 1, 2, +-inf or any other number)."""
    if p == 2:
        return xp.sqrt((x * x).sum(axis=dims, keepdims=keepdim))
    if p == 1:
        return xp.abs(x).sum(axis=dims, keepdims=keepdim)
    if p == math.inf or p == -math.inf:
        a = xp.abs(x)
        return a.max(axis=dims, keepdims=keepdim) if p > 0 else a.min(axis=dims, keepdims=keepdim)
    if p == 0:
        return (x != 0).sum(axis=dims, keepdims=keepdim, dtype=x.dtype)
    with quiet(xp):  # 0 ** p for p < 0 is inf, silently as in torch
        return (xp.abs(x) ** p).sum(axis=dims, keepdims=keepdim) ** (1.0 / p)


def _norm_backward(x: Tensor, y: Tensor, g: Tensor, p, dims) -> Tensor:
    xa, xp = x._data, x._device.xp
    if p == 0:
        return mul(g, _const(xp.zeros_like(xa), x))
    if p == 1:
        return mul(g, _const(xp.sign(xa), x))
    if p == math.inf or p == -math.inf:
        share = xp.sign(xa) * _tie_share(xp, xp.abs(xa), y._data, dims)
        return mul(g, _const(share, x))
    zero = y._data == 0
    scale = _masked_fill(div(g, _masked_fill(y, zero, 1)), zero, 0)  # 0 at the zero vector
    if p == 2:
        return mul(scale, x)
    # sign(x) |x|^(p-1) / y^(p-1) = sign(x) (|x| / y)^(p-1) / ... written to stay finite
    ratio = mul(_AbsPow.apply(x, e=p - 1), _const(xp.sign(xa), x))
    denom = _AbsPow.apply(_masked_fill(y, zero, 1), e=p - 2)
    return mul(mul(scale, ratio), _masked_fill(div(1, denom), zero, 0))


class _AbsPow(Op):
    """|x|^e, defined as 0 where x == 0. Gradient: e sign(x) |x|^(e-1) (0 at x == 0)."""

    @staticmethod
    def forward(ctx, x, e):
        xp = ctx.xp
        ctx.e = e
        ctx.save_for_backward(x)
        a = xp.abs(x)
        with quiet(ctx.xp):
            return xp.where(a == 0, x.dtype.type(0), a ** e)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        sign = _const(ctx.xp.sign(x._data), x)
        return mul(grad, mul(sign, mul(_AbsPow.apply(x, e=ctx.e - 1), ctx.e)))


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:  # noqa: A002
    """The vector p-norm of ``input`` over ``dim`` (all elements when None).

    ``p`` is ``'fro'`` (= 2), ``'nuc'`` (the nuclear norm of the matrices over ``dim``, see
    ``eg.linalg.matrix_norm``), or a number including ``inf``, ``-inf`` and ``0``.

    Args:
        input: the input tensor.
        p: 'fro', 'nuc', or a number (inf, -inf and 0 included).
        dim: an int, a tuple/list of ints (negative ones count from the end), or None for all.
        keepdim: keep each reduced dim as a dim of size 1.
        dtype: if given, the input is cast to it first.

    Returns:
        The norm.

    Derivative: x / ||x|| for p = 2 (0 at the zero vector, as torch), sign(x) for p = 1,
    evenly split over tied extremes for p = +-inf, sign(x) |x|^(p-1) / ||x||^(p-1) otherwise.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([3., 4.]).norm()
        tensor(5.)
    """
    if dtype is not None:
        input = to_dtype(input, _as_dtype(dtype))
    if input._data.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {torch_type_name(input.dtype)}")
    if p == "fro":
        if dim is not None and isinstance(dim, (tuple, list)) and len(dim) > 2:
            raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                               + " ".join(str(d) for d in dim))
        p = 2
    elif p == "nuc":  # torch.norm: the matrix norm over dim (all dims when None)
        from .linalg_decomp import matrix_norm

        dims = tuple(range(input._data.ndim)) if dim is None else dim
        return matrix_norm(input, "nuc", dims, keepdim)
    elif isinstance(p, str):
        raise NotImplementedError(f"norm(): p='{p}' is not supported ('fro', 'nuc' and numbers)")
    dims, kshape = _dims(input._data.shape, dim)
    return Norm.apply(input, p=float(p), dims=dims, keepdim=keepdim, kshape=kshape)


# --- all, any, count_nonzero ----------------------------------------------------------------------
def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001,A002
    """True where every element over ``dim`` is nonzero (bool result, no gradient).

    Args:
        input: the input tensor.
        dim: an int, a tuple/list of ints (negative ones count from the end), or None for all.
        keepdim: keep each reduced dim as a dim of size 1.

    Returns:
        A bool tensor.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([[1, 0], [1, 1]]).all(1)
        tensor([False,  True])
    """
    dims, _ = _dims(input._data.shape, dim)
    xp = input._device.xp
    return _const(xp.asarray(xp.all(input._data, axis=dims, keepdims=keepdim)), input)


def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001,A002
    """True where some element over ``dim`` is nonzero (bool result, no gradient).

    Args:
        input: the input tensor.
        dim: an int, a tuple/list of ints (negative ones count from the end), or None for all.
        keepdim: keep each reduced dim as a dim of size 1.

    Returns:
        A bool tensor.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([[1, 0], [0, 0]]).any(1)
        tensor([ True, False])
    """
    dims, _ = _dims(input._data.shape, dim)
    xp = input._device.xp
    return _const(xp.asarray(xp.any(input._data, axis=dims, keepdims=keepdim)), input)


def count_nonzero(input: Tensor, dim=None) -> Tensor:  # noqa: A002
    """Number of nonzero elements over ``dim`` (int64, no gradient).

    Args:
        input: the input tensor.
        dim: an int, a tuple/list of ints (negative ones count from the end), or None for all.

    Returns:
        An int64 tensor (the reduced dims removed).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([[1., 0.], [2., 3.]]).count_nonzero(0)
        tensor([2, 1])
    """
    dims, _ = _dims(input._data.shape, dim)
    xp = input._device.xp
    out = (input._data != 0).sum(axis=dims, dtype=int64.np)
    return _const(xp.asarray(out), input)


# --- cumsum, cumprod ------------------------------------------------------------------------------
class Cumsum(Op):
    """Cumulative sum along dim (``reverse``: from the end). Gradient: the reverse cumsum."""

    @staticmethod
    def forward(ctx, x, dim, reverse, dtype):
        xp = ctx.xp
        ctx.dim, ctx.reverse = dim, reverse
        if x.ndim == 0:
            return x.astype(dtype) if dtype is not None else x.copy()
        if reverse:
            return xp.flip(xp.cumsum(xp.flip(x, dim), axis=dim, dtype=dtype), dim)
        return xp.cumsum(x, axis=dim, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        return Cumsum.apply(grad, dim=ctx.dim, reverse=not ctx.reverse, dtype=None)


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:  # noqa: A002
    """Cumulative sum along ``dim``; int/bool inputs give int64 (torch).

    Args:
        input: the input tensor.
        dim: the dim to work along (negative counts from the end).
        dtype: if given, the input is cast to it first.

    Returns:
        A tensor of the input's shape.

    Derivative: the reversed cumulative sum of the gradient.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([1., 2., 3.]).cumsum(0)
        tensor([1., 3., 6.])
    """
    d = wrap_dim(dim, input._data.ndim)
    return Cumsum.apply(input, dim=d, reverse=False, dtype=_float_or_int64(input, dtype))


class Cumprod(Op):
    """Cumulative product along dim. Gradient: see NOTE [cumprod gradient with zeros]."""

    @staticmethod
    def forward(ctx, x, dim, dtype):
        ctx.dim = dim
        if x.ndim == 0:
            y = x.astype(dtype) if dtype is not None else x.copy()
        else:
            y = ctx.xp.cumprod(x, axis=dim, dtype=dtype)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return _cumprod_backward(x, y, grad, ctx.dim)


# NOTE [cumprod gradient with zeros]
# dy_i/dx_j = prod_{k <= i, k != j} x_k. Without zeros the gradient is rcumsum(g * y) / x. With
# zeros, let z be a row's first zero: for j < z the same formula holds (x_j != 0, and y_i = 0
# for i >= z on both sides); for j = z it is prod_{k<z} x_k * sum_{i>=z} g_i prod_{z<k<=i} x_k
# (a cumprod of x with the entries up to z set to 1); for j > z it is 0 in value, but it is
# x_z times the gradient at x with x_z set to 1, and that form is needed for double backward
# (so it is only built when the backward itself is being recorded).
def _cumprod_backward(x: Tensor, y: Tensor, g: Tensor, dim: int) -> Tensor:
    xa, xp = x._data, x._device.xp
    if xa.ndim == 0:
        return g
    zero = xa == 0
    rsum = Cumsum.apply(mul(g, y), dim=dim, reverse=True, dtype=None)
    if not _backend.may_hold(xp, zero.any):
        return div(rsum, x)
    seen = xp.cumsum(zero, axis=dim)
    before, first = seen == 0, zero & (seen == 1)
    x_before = _masked_fill(x, ~before, 1)
    part1 = _masked_fill(div(rsum, x_before), ~before, 0)
    x_after = _masked_fill(x, before | first, 1)
    tail = sum(_masked_fill(mul(g, cumprod(x_after, dim)), before, 0), dim, True)
    grad = add(part1, _masked_fill(mul(prod(x_before, dim, True), tail), ~first, 0))
    if _mode.enabled:
        x_one = _masked_fill(x, first, 1)
        later = _cumprod_backward(x_one, cumprod(x_one, dim), g, dim)
        x_z = sum(mul(x, _const(first.astype(xa.dtype), x)), dim, True)
        grad = add(grad, _masked_fill(mul(x_z, later), before | first, 0))
    return grad


def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:  # noqa: A002
    """Cumulative product along ``dim``; int/bool inputs give int64 (torch).

    Args:
        input: the input tensor.
        dim: the dim to work along (negative counts from the end).
        dtype: if given, the input is cast to it first.

    Returns:
        A tensor of the input's shape.

    Derivative: sum_{i >= j} g_i prod_{k <= i, k != j} x_k, computed without dividing by zeros.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([1., 2., 3.]).cumprod(0)
        tensor([1., 2., 6.])
    """
    d = wrap_dim(dim, input._data.ndim)
    return Cumprod.apply(input, dim=d, dtype=_float_or_int64(input, dtype))


# --- softmax, log_softmax -------------------------------------------------------------------------
class Softmax(Op):
    """exp(x - max) / sum(exp(x - max)) over dim. Gradient: y * (grad - sum(grad * y))."""

    @staticmethod
    def forward(ctx, x, dim):
        xp = ctx.xp
        ctx.dim = dim
        if x.size == 0:
            y = x.copy()
        else:
            with quiet(xp):  # an all -inf row gives nan, as in torch, without a warning
                y = x - x.max(axis=dim, keepdims=True)
                xp.exp(y, out=y)
                y /= y.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        gy = mul(grad, y)
        return sub(gy, mul(y, sum(gy, ctx.dim, True)))


class LogSoftmax(Op):
    """x - logsumexp(x) over dim. Gradient: grad - exp(y) * sum(grad)."""

    @staticmethod
    def forward(ctx, x, dim):
        xp = ctx.xp
        ctx.dim = dim
        if x.size == 0:
            y = x.copy()
        else:
            with quiet(xp):
                y = x - x.max(axis=dim, keepdims=True)
                y -= xp.log(xp.exp(y).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return sub(grad, mul(exp(y), sum(grad, ctx.dim, True)))


def _softmax_args(name, input, dim, dtype):  # noqa: A002
    if dtype is not None:
        input = to_dtype(input, _as_dtype(dtype))
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"{name}_lastdim_kernel_impl" not implemented for '
                                  f"'{torch_type_name(input.dtype)}'")
    nd = input._data.ndim
    if dim is None:  # torch's legacy implicit dim (_get_softmax_dim)
        dim = 0 if nd in (0, 1, 3) else 1
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the "
                      "call to include dim=X as an argument.", UserWarning, stacklevel=3)
    d = wrap_dim(dim, nd)
    return input, (d if nd else None)


def softmax(input: Tensor, dim=None, dtype=None) -> Tensor:  # noqa: A002
    """Softmax over ``dim`` (stable: shifted by the max). ``dtype`` casts the input first.

    Args:
        input: the input tensor.
        dim: the dim to work along (negative counts from the end); None picks torch's
            legacy implicit dim, with a warning.
        dtype: if given, the input is cast to it first.

    Returns:
        Probabilities that sum to 1 over ``dim``.

    Derivative: y * (grad - sum(grad * y, dim)).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([0., 0.]).softmax(0)
        tensor([0.5000, 0.5000])
    """
    input, d = _softmax_args("softmax", input, dim, dtype)
    if d is None:  # 0-d: numpy returns scalars from 0-d arithmetic, so go through shape (1,)
        return reshape(Softmax.apply(reshape(input, (1,)), dim=0), ())
    return Softmax.apply(input, dim=d)


def log_softmax(input: Tensor, dim=None, dtype=None) -> Tensor:  # noqa: A002
    """Log of softmax over ``dim``, computed as x - logsumexp(x) (no overflow).

    Args:
        input: the input tensor.
        dim: the dim to work along (negative counts from the end); None picks torch's
            legacy implicit dim, with a warning.
        dtype: if given, the input is cast to it first.

    Returns:
        Log-probabilities over ``dim``.

    Derivative: grad - softmax(x) * sum(grad, dim).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([0., 0.]).log_softmax(0)
        tensor([-0.6931, -0.6931])
    """
    input, d = _softmax_args("log_softmax", input, dim, dtype)
    if d is None:
        return reshape(LogSoftmax.apply(reshape(input, (1,)), dim=0), ())
    return LogSoftmax.apply(input, dim=d)


# --- sort, argsort, topk --------------------------------------------------------------------------
def _sorted_indices(xp, x, axis, descending):
    """Stable sort order along ``axis``; descending keeps equal elements in input order."""
    if not descending:
        return stable_argsort(xp, x, axis)
    flipped = stable_argsort(xp, xp.flip(x, axis), axis)
    return (x.shape[axis] - 1) - xp.flip(flipped, axis)


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):  # noqa: A002
    """``(values, indices)`` of ``input`` sorted along ``dim`` (always stable; nan is largest).

    Args:
        input: the input tensor.
        dim: the dim to work along (negative counts from the end).
        descending: largest first.
        stable: accepted for torch compatibility; the sort is always stable.

    Returns:
        A ``(values, indices)`` named tuple.

    Derivative: the gradient of each value goes back to its index.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([3., 1., 2.]).sort(descending=True).indices
        tensor([0, 2, 1])
    """
    data = input._data
    d = wrap_dim(dim, data.ndim)
    x = input if data.ndim else reshape(input, (1,))
    idx = _sorted_indices(input._device.xp, x._data, d, descending).astype(int64.np, copy=False)
    values = Sort.apply(x, _const(idx, input), dim=d, shape=data.shape)
    return _Sort(values, _const(idx.reshape(data.shape), input))


def argsort(input: Tensor, dim: int = -1, descending: bool = False,  # noqa: A002
            stable: bool = False) -> Tensor:
    """Indices that sort ``input`` along ``dim`` (stable). No gradient.

    Args:
        input: the input tensor.
        dim: the dim to work along (negative counts from the end).
        descending: largest first.
        stable: accepted for torch compatibility; the sort is always stable.

    Returns:
        int64 indices.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([3., 1., 2.]).argsort()
        tensor([1, 2, 0])
    """
    data = input._data
    d = wrap_dim(dim, data.ndim)
    if data.ndim == 0:
        return _const(input._device.xp.zeros((), dtype=int64.np), input)
    idx = _sorted_indices(input._device.xp, data, d, descending)
    return _const(idx.astype(int64.np, copy=False), input)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True,  # noqa: A002
         sorted: bool = True):  # noqa: A002
    """``(values, indices)`` of the ``k`` largest (or smallest) entries along ``dim``.

    Args:
        input: the input tensor.
        k: how many entries to keep.
        dim: the dim to work along (negative counts from the end).
        largest: the k largest (else the k smallest).
        sorted: accepted for torch compatibility; the result is always sorted.

    Returns:
        A ``(values, indices)`` named tuple.

    Derivative: the gradient of each value goes back to its index.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([1., 4., 2., 3.]).topk(2).values
        tensor([4., 3.])
    """
    data = input._data
    d = wrap_dim(dim, data.ndim)
    x = input if data.ndim else reshape(input, (1,))
    n = x._data.shape[d]
    if k < 0 or k > n:
        raise RuntimeError("selected index k out of range")
    xp = input._device.xp
    idx = _sorted_indices(xp, x._data, d, largest)
    idx = xp.take(idx, xp.arange(k), axis=d).astype(int64.np, copy=False)
    shape = idx.shape if data.ndim else ()
    values = Topk.apply(x, _const(idx, input), dim=d, shape=shape)
    return _TopK(values, _const(idx.reshape(shape), input))


# --- median, nanmedian, mode ----------------------------------------------------------------------
class Median(_GatherAlong):
    """``median(x, dim).values`` (and nanmedian's). Gradient: all to the returned index."""


class Mode(_GatherAlong):
    """``mode(x, dim).values``. Gradient: all to the returned index."""


def _median_index(xp, x, axis, ignore_nan):
    """Index along ``axis`` (kept as size 1) of each row's lower median.

    A row holding nan gives its first nan (torch.median); ``ignore_nan`` takes the lower median
    of the non-nan entries (torch.nanmedian).
    """
    n = x.shape[axis]
    order = stable_argsort(xp, x, axis)  # nan sorts last; ties keep input order
    if x.dtype.kind == "f":
        k = (~xp.isnan(x)).sum(axis=axis, keepdims=True)
    else:
        k = xp.full(x.shape[:axis] + (1,) + x.shape[axis + 1:], n, dtype=int64.np)
    if ignore_nan:  # an all-nan row: the middle position, as torch
        pos = xp.where(k > 0, (k - 1) // 2, (n - 1) // 2)
    else:
        pos = xp.where(k < n, k, (n - 1) // 2)
    return xp.take_along_axis(order, pos.astype(int64.np, copy=False), axis=axis)


class MedianAll(Op):
    """The lower median of all elements (nan if any, unless ``ignore_nan``).

    Gradient: split evenly over the entries equal to the result (torch's
    evenly_distribute_backward).
    """

    @staticmethod
    def forward(ctx, x, ignore_nan):
        xp = ctx.xp
        flat = x.reshape(-1)
        if flat.size == 0:
            y = xp.full((), xp.nan, dtype=x.dtype)
        else:
            y = flat[_median_index(xp, flat, 0, ignore_nan)].reshape(())
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return mul(grad, _const(_tie_share(ctx.xp, x._data, y._data, None), x))


def _select_along(input, dim, keepdim, name, index_fn, op, tup):  # noqa: A002
    """``tup(values, indices)`` for a reduction that picks one entry per row along ``dim``."""
    data = input._data
    d = wrap_dim(dim, data.ndim)
    x = input if data.ndim else reshape(input, (1,))
    if x._data.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    idx = index_fn(input._device.xp, x._data, d)
    out_shape = data.shape[:d] + ((1,) if keepdim else ()) + data.shape[d + 1:]
    out_shape = out_shape if data.ndim else ()
    values = op.apply(x, _const(idx, input), dim=d, shape=out_shape)
    return tup(values, _const(idx.reshape(out_shape), input))


def _median(name, input, dim, keepdim, ignore_nan):  # noqa: A002
    if dim is None:
        return MedianAll.apply(input, ignore_nan=ignore_nan)
    tup = _NanMedian if ignore_nan else _Median
    return _select_along(input, dim, keepdim, name,
                         lambda xp, x, d: _median_index(xp, x, d, ignore_nan), Median, tup)


def median(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A002
    """``median(x)``: the lower median of all elements; ``median(x, dim)``: ``(values, indices)``.

    For an even number of elements the lower of the two middle values is returned (torch's
    rule). A row holding nan gives nan (and the index of its first nan).

    Args:
        input: the input tensor.
        dim: None (all elements, a tensor result) or an int (a named tuple result).
        keepdim: keep the reduced dim as a dim of size 1.

    Returns:
        A 0-d tensor without ``dim``; a ``(values, indices)`` named tuple with it.

    Derivative: with ``dim``, all to the returned index; without, split evenly over the
    entries equal to the median (torch's rule).

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([[3., 1., 2., 4.]])
        >>> eg.median(x), eg.median(x, 1).indices
        (tensor(2.), tensor([2]))
    """
    return _median("median", input, dim, keepdim, False)


def nanmedian(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A002
    """``median`` ignoring nan: the lower median of the non-nan entries (nan if all are nan).

    Args:
        input: the input tensor.
        dim: None (all elements, a tensor result) or an int (a named tuple result).
        keepdim: keep the reduced dim as a dim of size 1.

    Returns:
        A 0-d tensor without ``dim``; a ``(values, indices)`` named tuple with it.

    Derivative: as ``median``.

    Example:
        >>> import eagergrad as eg
        >>> eg.nanmedian(eg.tensor([3., float("nan"), 1., 2.]))
        tensor(2.)
    """
    return _median("nanmedian", input, dim, keepdim, True)


def _mode_index(xp, x, axis):
    """Index along ``axis`` (kept as size 1) of each row's most frequent value.

    Ties between values go to the smallest value; the index is its last occurrence (torch's
    CPU rule). Runs of equal values are counted after a sort, with one bincount for all rows.
    """
    n = x.shape[axis]
    xm = xp.moveaxis(x, axis, -1)
    rows = xm.reshape(-1, n)
    r = rows.shape[0]
    s = xp.take_along_axis(rows, stable_argsort(xp, rows, 1), axis=1)
    new_run = xp.ones(s.shape, dtype=bool)
    new_run[:, 1:] = s[:, 1:] != s[:, :-1]
    run = xp.cumsum(new_run, axis=1) - 1 + (xp.arange(r) * n)[:, None]
    counts = xp.bincount(run.reshape(-1), minlength=r * n)[run]
    first_best = xp.argmax(counts == counts.max(axis=1, keepdims=True), axis=1)
    value = xp.take_along_axis(s, first_best[:, None], axis=1)
    last = (n - 1) - xp.argmax(xp.flip(rows == value, 1), axis=1)
    return xp.expand_dims(last.reshape(xm.shape[:-1]), axis).astype(int64.np, copy=False)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False):  # noqa: A002
    """``(values, indices)``: the most frequent value along ``dim`` and where it occurs.

    Ties between values go to the smallest one; the index is its last occurrence, as in torch
    on the CPU.

    Args:
        input: the input tensor.
        dim: the dim to reduce (negative counts from the end).
        keepdim: keep the reduced dim as a dim of size 1.

    Returns:
        A ``(values, indices)`` named tuple.

    Derivative: the gradient of each value goes to its index.

    Example:
        >>> import eagergrad as eg
        >>> values, indices = eg.mode(eg.tensor([1, 2, 2, 3, 3, 1, 0]))
        >>> values, indices
        (tensor(1), tensor(5))
    """
    return _select_along(input, dim, keepdim, "mode", _mode_index, Mode, _Mode)


# --- nansum, nanmean ------------------------------------------------------------------------------
def _nan_zeroed(input: Tensor) -> Tensor:  # noqa: A002
    if input._data.dtype.kind != "f":
        return input
    return _masked_fill(input, input._device.xp.isnan(input._data), 0)


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """``sum`` treating nan as zero.

    Args:
        input: the input tensor.
        dim: an int, a tuple/list of ints (negative ones count from the end), or None for all.
        keepdim: keep each reduced dim as a dim of size 1.
        dtype: if given, the input is cast to it first.

    Returns:
        The sum of the non-nan entries; int64 for integer and bool inputs.

    Derivative: the gradient broadcast back over the reduced dims, 0 at nan entries.

    Example:
        >>> import eagergrad as eg
        >>> eg.nansum(eg.tensor([1., float("nan"), 2.]))
        tensor(3.)
    """
    if dtype is not None:
        input = to_dtype(input, _as_dtype(dtype))
    return sum(_nan_zeroed(input), dim, keepdim)


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """``mean`` of the non-nan entries (nan where every entry is nan).

    Args:
        input: a floating-point tensor.
        dim: an int, a tuple/list of ints (negative ones count from the end), or None for all.
        keepdim: keep each reduced dim as a dim of size 1.
        dtype: if given, the input is cast to it first.

    Returns:
        nansum(input) / the number of non-nan entries.

    Derivative: grad / count at the non-nan entries, 0 at nan entries.

    Example:
        >>> import eagergrad as eg
        >>> eg.nanmean(eg.tensor([1., float("nan"), 2.]))
        tensor(1.5000)
    """
    if dtype is not None:
        input = to_dtype(input, _as_dtype(dtype))
    if input._data.dtype.kind != "f":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {torch_type_name(input.dtype)}")
    xp = input._device.xp
    dims, _ = _dims(input._data.shape, dim)
    count = (~xp.isnan(input._data)).sum(axis=dims, keepdims=keepdim)
    count = xp.asarray(count).astype(input._data.dtype)
    with quiet(xp):  # 0 / 0 = nan for an all-nan row, silently as in torch
        return div(nansum(input, dim, keepdim), _const(count, input))


# --- quantile, nanquantile ------------------------------------------------------------------------
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_q(name, input, q):  # noqa: A002
    """(q as a 1-D array of input's dtype, whether q was a scalar), with torch's checks."""
    xp, dt = input._device.xp, input._data.dtype
    if isinstance(q, Tensor):
        if q._data.dtype != dt:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        if q._data.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q._device is not input._device:
            raise RuntimeError(f"{name}() q tensor must be on the same device as the input "
                               "tensor")
        qa = q._data.reshape(-1)
        _backend.check(xp, ((qa < 0) | (qa > 1)).any(), lambda: RuntimeError(
            f"{name}() q values must be in the range [0, 1]"))
        return qa, q._data.ndim == 0
    if not 0 <= q <= 1:
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
    return xp.asarray([q], dtype=dt), True


def _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan):  # noqa: A002
    # torch's quantile_compute (aten/src/ATen/native/Sorting.cpp): sort, then gather and lerp,
    # so the gradient flows through sort to the chosen entries.
    data = input._data
    if data.dtype.kind != "f":
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    qa, scalar_q = _quantile_q(name, input, q)
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    if data.size == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    xp = input._device.xp
    if dim is None:
        s = sort(reshape(input, (-1,))).values
    else:
        d = wrap_dim(dim, data.ndim)
        s = sort(movedim(input if data.ndim else reshape(input, (1,)), d, -1)).values
    n = s._data.shape[-1]
    nan = xp.isnan(s._data)
    if ignore_nan:
        k = (~nan).sum(axis=-1, keepdims=True).astype(qa.dtype)
        ranks = xp.maximum(qa * (k - 1), 0)
    else:
        ranks = xp.where(nan.any(axis=-1, keepdims=True), qa.dtype.type(n - 1), qa * (n - 1))
    ranks = {"lower": xp.floor, "higher": xp.ceil, "nearest": xp.rint}.get(
        interpolation, lambda r: r)(ranks)
    below = ranks.astype(int64.np)
    out = gather(s, -1, _const(below, input))
    if interpolation in ("linear", "midpoint"):
        if interpolation == "linear":
            w = ranks - below
        else:
            w = xp.where(ranks == below, qa.dtype.type(0), qa.dtype.type(0.5))
        above = gather(s, -1, _const(xp.ceil(ranks).astype(int64.np), input))
        out = lerp(out, above, _const(w.astype(qa.dtype, copy=False), input))
    if keepdim:
        if dim is None:
            out = reshape(out, (1,) * data.ndim + (out._data.shape[-1],))
        elif data.ndim:
            out = unsqueeze(out, d)
    return reshape(out, out._data.shape[:-1]) if scalar_q else movedim(out, -1, 0)


def quantile(input: Tensor, q, dim=None, keepdim: bool = False, *,  # noqa: A002
             interpolation: str = "linear") -> Tensor:
    """The ``q``-th quantiles of ``input`` along ``dim`` (all elements when None).

    Args:
        input: a float tensor.
        q: a float in [0, 1], or a 0-d or 1-D tensor of them (of ``input``'s dtype).
        dim: the dim to reduce, or None to use all elements.
        keepdim: keep the reduced dim as a dim of size 1.
        interpolation: 'linear', 'lower', 'higher', 'midpoint' or 'nearest' (between the two
            sorted entries around the rank ``q * (n - 1)``).

    Returns:
        The quantiles; a 1-D ``q`` puts its dim first. A row holding nan gives nan.

    Derivative: to the one or two sorted entries used, weighted as in the interpolation
    (not differentiable in ``q``).

    Example:
        >>> import eagergrad as eg
        >>> eg.quantile(eg.tensor([1., 2., 3., 4.]), eg.tensor([0.25, 0.5]))
        tensor([1.7500, 2.5000])
    """
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input: Tensor, q, dim=None, keepdim: bool = False, *,  # noqa: A002
                interpolation: str = "linear") -> Tensor:
    """``quantile`` ignoring nan entries (nan where a row is all nan).

    Args:
        input: a float tensor.
        q: a float in [0, 1], or a 0-d or 1-D tensor of them (of ``input``'s dtype).
        dim: the dim to reduce, or None to use all elements.
        keepdim: keep the reduced dim as a dim of size 1.
        interpolation: as in ``quantile``.

    Returns:
        The quantiles of the non-nan entries.

    Derivative: as ``quantile``.

    Example:
        >>> import eagergrad as eg
        >>> eg.nanquantile(eg.tensor([1., float("nan"), 3.]), 0.5)
        tensor(2.)
    """
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


# --- cummax, cummin, logcumsumexp -----------------------------------------------------------------
def _cum_extreme(name, input, dim, largest, tup):  # noqa: A002
    data = input._data
    xp = input._device.xp
    d = wrap_dim(dim, data.ndim)
    x = input if data.ndim else reshape(input, (1,))
    xa = x._data
    # torch's rule: an entry equal to the running extreme (or any nan) takes over the index.
    with quiet(xp):
        run = (xp.maximum if largest else xp.minimum).accumulate(xa, axis=d)
        hit = xa == run
    if xa.dtype.kind == "f":
        hit |= xp.isnan(xa)
    shape = [1] * xa.ndim
    shape[d] = xa.shape[d]
    pos = xp.where(hit, xp.arange(xa.shape[d], dtype=int64.np).reshape(shape), 0)
    idx = _const(xp.maximum.accumulate(pos, axis=d), input)
    values = gather(x, d, idx)
    if not data.ndim:
        return tup(reshape(values, ()), reshape(idx, ()))
    return tup(values, idx)


def cummax(input: Tensor, dim: int):  # noqa: A002
    """``(values, indices)``: the running maximum along ``dim`` and where it was found.

    Among equal values the later index wins, and nan, once seen, stays (torch's rule).

    Args:
        input: the input tensor.
        dim: the dim to work along (negative counts from the end).

    Returns:
        A ``(values, indices)`` named tuple of the input's shape.

    Derivative: each output's gradient is added at its index.

    Example:
        >>> import eagergrad as eg
        >>> eg.cummax(eg.tensor([1., 3., 2., 5.]), 0).values
        tensor([1., 3., 3., 5.])
    """
    return _cum_extreme("cummax", input, dim, True, _Cummax)


def cummin(input: Tensor, dim: int):  # noqa: A002
    """``(values, indices)``: the running minimum along ``dim`` and where it was found.

    Args:
        input: the input tensor.
        dim: the dim to work along (negative counts from the end).

    Returns:
        A ``(values, indices)`` named tuple of the input's shape.

    Derivative: each output's gradient is added at its index.

    Example:
        >>> import eagergrad as eg
        >>> eg.cummin(eg.tensor([3., 1., 2., 0.]), 0).indices
        tensor([0, 1, 1, 3])
    """
    return _cum_extreme("cummin", input, dim, False, _Cummin)


class Logcumsumexp(Op):
    """log(cumsum(exp(x))) along dim, as a running logaddexp (no overflow).

    Gradient: sum_{i >= j} grad_i exp(x_j - y_i), split by the sign of grad and summed in log
    space (torch's logcumsumexp_backward).
    """

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        with quiet(ctx.xp):  # -inf entries
            y = ctx.xp.logaddexp.accumulate(x, axis=dim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        d = ctx.dim
        lowest = float(ctx.xp.finfo(x._data.dtype).min)
        with quiet(ctx.xp):
            log_abs = log(_abs(grad))
            pos = where(grad > 0, log_abs, lowest)
            neg = where(grad < 0, log_abs, lowest)
            out_pos = exp(add(flip(_logcumsumexp(flip(sub(pos, y), (d,)), d), (d,)), x))
            out_neg = exp(add(flip(_logcumsumexp(flip(sub(neg, y), (d,)), d), (d,)), x))
            return sub(out_pos, out_neg)


def _logcumsumexp(x: Tensor, d: int) -> Tensor:
    return Logcumsumexp.apply(x, dim=d)


def logcumsumexp(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """``log(cumsum(exp(input), dim))`` computed as a running logaddexp (no overflow).

    Args:
        input: a floating-point tensor.
        dim: the dim to work along (negative counts from the end).

    Returns:
        A tensor of the input's shape.

    Derivative: sum_{i >= j} grad_i exp(x_j - y_i), i.e. the reversed cumulative sum of grad
    times softmax weights.

    Example:
        >>> import eagergrad as eg
        >>> eg.logcumsumexp(eg.tensor([0., 0., 0.]), 0)
        tensor([0.0000, 0.6931, 1.0986])
    """
    if input._data.dtype.kind != "f":
        raise NotImplementedError('"logcumsumexp_out_cpu" not implemented for '
                                  f"'{torch_type_name(input.dtype)}'")
    d = wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        return reshape(_logcumsumexp(reshape(input, (1,)), 0), ())
    return _logcumsumexp(input, d)


# --- aminmax --------------------------------------------------------------------------------------
def aminmax(input: Tensor, *, dim=None, keepdim: bool = False):  # noqa: A002
    """``(min, max)`` of ``input`` over ``dim`` (all elements when None) in one call.

    Args:
        input: the input tensor.
        dim: an int, or None for all elements.
        keepdim: keep the reduced dim(s) as dims of size 1.

    Returns:
        A ``(min, max)`` named tuple.

    Derivative: as ``amin`` and ``amax``: split evenly over tied extrema.

    Example:
        >>> import eagergrad as eg
        >>> eg.aminmax(eg.tensor([[1., 5.], [3., 4.]]), dim=1).max
        tensor([5., 4.])
    """
    d = () if dim is None else dim
    return _Aminmax(amin(input, d, keepdim), amax(input, d, keepdim))
