"""Indexing: __getitem__/__setitem__, gather/scatter, index_select/index_add, masks."""

from __future__ import annotations

import warnings

import numpy

from .. import _backend
from .._backend import index_add as _index_add
from .._backend import writeable
from .._tensor import Tensor
from ._base import Op, _cast, wrap_scalar
from ._util import wrap_dim

__all__ = [
    "getitem", "index_put", "index_put_value", "setitem_no_grad",
    "gather", "scatter", "scatter_add", "index_select", "index_add",
    "masked_fill", "masked_select", "take_along_dim", "nonzero",
    "take", "unique", "bincount", "searchsorted", "bucketize",
]

_ELLIPSIS = type(Ellipsis)
_ALL = (Ellipsis,)  # a basic stage that selects everything (skipped in forward)
_int = int


# NOTE [Index parsing]
# torch applies an index in two stages (TensorIndexing.h ``applySlicing``): first the basic
# part (ints as ``select``, slices, None, Ellipsis), which gives a view; then, if any tensor or
# list index is present, one advanced-indexing step on that view with the remaining indices.
# ``_parse`` returns both stages as ``(basic, adv)``:
#   basic: an int, a slice, or a tuple of ints/slices/None/Ellipsis; when every dim gets an int
#          it ends with an Ellipsis, so numpy returns a 0-d *view* instead of a scalar copy;
#          ``_ALL`` when it selects everything (then the forward skips it);
#   adv:   None, or a tuple of int arrays, ``slice(None)`` placeholders and Ellipsis, applied to
#          ``x[basic]`` with numpy's rules (advanced indices separated by a slice move their dims
#          to the front).
# Two consequences match torch and differ from numpy: ints never count as advanced indices
# (``x[0, :, [0, 1]]`` has shape (B, 2), numpy gives (2, B)), and 0-d integer tensors act as
# ints. Bool masks become ``nonzero()`` int arrays; a bool scalar (or 0-d bool tensor) is a new
# dim of size 1 indexed by ``[0]`` (True) or ``[]`` (False). Lists are index tensors (numpy's
# modern rule; torch's deprecated "list as tuple" reading is not copied). Negative entries of
# index arrays are wrapped, so scatter-add kernels only see indices in range.
def _parse(input: Tensor, index):  # noqa: A002
    """``(basic, adv)`` for ``input[index]``; raises torch's errors. See NOTE [Index parsing]."""
    data = input._data
    tp = type(index)
    if tp is _int:  # fast path: x[i] (RNN time steps)
        n = data.shape[0] if data.ndim else _index_0d("int")
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of bounds for dimension 0 with size {n}")
        return (index if data.ndim > 1 else (index, Ellipsis)), None
    if tp is slice:
        _check_step(index)
        if not data.ndim:
            _index_0d("slice")
        return index, None
    if tp is tuple:
        basic = _parse_simple(data.shape, index)
        if basic is not None:
            return basic, None
    items = [_item(input, it) for it in (index if tp is tuple else (index,))]
    return _two_stages(items, data.shape, input._device.xp)


def _count_dims(items, ndim) -> int:
    """The number of input dims the entries consume; checks Ellipsis count and overflow."""
    used = 0
    n_ellipsis = 0
    for kind, val in items:
        if kind == "mask":
            used += val.ndim
        elif kind in ("int", "slice", "array"):
            used += 1
        elif kind == "ellipsis":
            n_ellipsis += 1
    if n_ellipsis > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if used > ndim:
        _too_many(ndim)
    return used


def _two_stages(items, shape, xp):
    """``(basic, adv)`` from classified entries. See NOTE [Index parsing]."""
    used = _count_dims(items, len(shape))
    basic, adv, arrays = [], [], []
    trivial = True  # the basic stage selects everything (x[idx], x[:, idx]): skip it
    has_ellipsis = False
    d = 0
    for kind, val in items:
        if kind == "int":
            n = shape[d]
            if not -n <= val < n:
                raise IndexError(f"index {val} is out of bounds for dimension {d} with size {n}")
            basic.append(val)
            trivial = False
            d += 1
        elif kind == "slice" or kind == "none":
            basic.append(val)
            adv.append(slice(None))
            trivial = trivial and val is not None and _is_full(val)
            d += kind == "slice"
        elif kind == "ellipsis":
            basic.append(Ellipsis)
            adv.append(Ellipsis)
            has_ellipsis = True
            d += len(shape) - used
        elif kind == "bool":
            basic.append(None)
            arrays.append(xp.zeros(1 if val else 0, dtype=numpy.int64))
            adv.append(arrays[-1])
            trivial = False
        elif kind == "array":
            basic.append(slice(None))
            # NOTE: torch numbers the dim among the advanced indices (it moves them to the front)
            arrays.append(_check_range(xp, val, shape[d], len(arrays)))
            adv.append(arrays[-1])
            d += 1
        else:  # mask
            _check_mask(val, shape, d)
            basic.extend([slice(None)] * val.ndim)
            nz = xp.nonzero(val)
            arrays.extend(nz)
            adv.extend(nz)
            d += val.ndim
    if not arrays:
        return tuple(basic) if has_ellipsis else (*basic, Ellipsis), None
    if len(arrays) > 1:
        _check_broadcast([a.shape for a in arrays])
    return (_ALL if trivial else tuple(basic)), tuple(adv)


def _is_full(s: slice) -> bool:
    return s.start is None and s.stop is None and s.step is None


def _check_broadcast(shapes):
    try:
        numpy.broadcast_shapes(*shapes)
    except ValueError:
        raise IndexError(
            "shape mismatch: indexing tensors could not be broadcast together with shapes "
            + ", ".join(str(list(s)) for s in shapes)
        ) from None


def _parse_simple(shape, index):
    """The basic index for a tuple of only ints and slices (x[:, t]), else None."""
    if len(index) > len(shape):
        return None
    all_ints = True
    for d, it in enumerate(index):
        tp = type(it)
        if tp is _int:
            n = shape[d]
            if not -n <= it < n:
                raise IndexError(f"index {it} is out of bounds for dimension {d} with size {n}")
        elif tp is slice:
            all_ints = False
            if it.step is not None:
                _check_step(it)
        else:
            return None
    return index + (Ellipsis,) if all_ints and len(index) == len(shape) else index


def _item(input: Tensor, it):  # noqa: A002
    """One index entry as ``(kind, value)``; arrays are moved to ``input``'s device."""
    if it is None:
        return "none", None
    tp = type(it)
    if tp is _int:
        return "int", it
    if tp is slice:
        _check_step(it)
        return "slice", it
    if tp is _ELLIPSIS:
        return "ellipsis", None
    if tp is bool or tp is numpy.bool_:
        return "bool", bool(it)
    if isinstance(it, numpy.integer):
        return "int", _int(it)
    if isinstance(it, Tensor):
        arr = it._data
        if arr.ndim == 0 and arr.dtype.kind in "iu" and arr.dtype != numpy.uint8:
            return "int", _int(it.item())
        if it._device is not input._device:
            arr = input._device.xp.asarray(_to_host(arr))
    elif isinstance(it, (list, tuple)) or hasattr(it, "__array__") or hasattr(it, "shape"):
        arr = _as_index_array(input, it)
    else:
        raise IndexError(
            "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
            f"valid indices (got {type(it).__name__})"
        )
    kind = arr.dtype.kind
    if kind == "b" or arr.dtype == numpy.uint8:
        if arr.dtype == numpy.uint8:
            warnings.warn(
                "indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                "torch.bool instead.", UserWarning, stacklevel=4,
            )
            arr = arr.astype(bool)
        if arr.ndim == 0:
            return "bool", bool(arr)
        return "mask", arr
    if arr.dtype != numpy.int64 and arr.dtype != numpy.int32:
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return "array", arr


def _as_index_array(input: Tensor, it):  # noqa: A002
    """A list/tuple/numpy array (or an array of ``input``'s device) as a device array."""
    xp = input._device.xp
    if isinstance(it, (list, tuple)):
        if any(isinstance(v, Tensor) for v in _flat(it)):
            it = [_to_host(v._data) if isinstance(v, Tensor) else v for v in it]
        host = numpy.asarray(it)
        if host.size == 0:  # x[[]]: an empty int64 index, not numpy's float64
            host = host.astype(numpy.int64)
        return xp.asarray(host)
    return xp.asarray(it)


def _flat(seq):
    for v in seq:
        if isinstance(v, (list, tuple)):
            yield from _flat(v)
        else:
            yield v


def _to_host(arr):
    from .._backend import to_host

    return to_host(arr)


def _check_step(s: slice) -> None:
    if s.step is not None:
        step = s.step.__index__()
        if step <= 0:
            raise ValueError("slice step cannot be zero" if step == 0 else
                             "step must be greater than zero")


def _too_many(ndim):
    raise IndexError(f"too many indices for tensor of dimension {ndim}")


def _index_0d(what):
    if what == "int":
        raise IndexError(
            "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
            "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"
        )
    raise IndexError("slice() cannot be applied to a 0-dim tensor.")


def _check_bounds(xp, arr, n, error, negative=False):
    """Checks the index array ``arr`` against ``[0, n)`` (``[-n, n)`` with ``negative``).

    ``error(bad)`` builds torch's exception for an offending entry. On a GPU the check is
    deferred (NOTE [Deferred device checks]): cupy's gathers and scatters wrap out-of-range
    indices around meanwhile, so nothing reads out of bounds. Returns ``arr`` with negative
    entries wrapped to ``i + n`` when ``negative``.
    """
    low = -n if negative else 0
    if xp is numpy:  # two reductions, and the wrap only when needed
        lo, hi = arr.min(), arr.max()
        if lo < low or hi >= n:
            raise error(_int(hi) if hi >= n else _int(lo))
        return xp.where(arr < 0, arr + n, arr) if negative and lo < 0 else arr
    _backend.check(xp, _backend.outside(arr, low, n),
                   lambda: error(_int(arr.max()) if arr.max() >= n else _int(arr.min())))
    return xp.where(arr < 0, arr + n, arr) if negative else arr


def _check_range(xp, arr, n, d):
    """torch's IndexError for an entry outside ``[-n, n)``; wraps negative entries."""
    if arr.size == 0:
        return arr.astype(numpy.int64)
    return _check_bounds(xp, arr, n, lambda bad: IndexError(
        f"index {bad} is out of bounds for dimension {d} with size {n}"), negative=True)


def _check_mask(mask, shape, d):
    k = mask.ndim
    for j in range(k):
        if d + j >= len(shape) or mask.shape[j] != shape[d + j]:
            raise IndexError(
                f"The shape of the mask {list(mask.shape)} at index {j} does not match the "
                f"shape of the indexed tensor {list(shape)} at index {d + j}"
            )


def _is_array(a) -> bool:
    return type(a) is not slice and type(a) is not _ELLIPSIS


def _save_index(ctx, basic, adv):
    """Stores ``(basic, adv)`` on ctx, the index arrays through ``save_for_backward``."""
    ctx.basic = basic
    if adv is not None:
        ctx.adv = tuple(None if _is_array(a) else a for a in adv)
        ctx.save_for_backward(*[a for a in adv if _is_array(a)])


def _load_index(ctx):
    adv = ctx.adv
    if adv is None:
        return ctx.basic, None
    arrays = iter([t._data for t in ctx.saved_tensors])
    return ctx.basic, tuple(next(arrays) if a is None else a for a in adv)


# --- getitem -----------------------------------------------------------------------------------
class GetItem(Op):
    """x[index] (see NOTE [Index parsing]).

    Gradient: zeros like x with grad written at the index; repeated advanced indices
    accumulate (``GetItemScatter``).
    """

    adv = None

    @staticmethod
    def forward(ctx, x, basic, adv):
        ctx.in_shape = x.shape
        ctx.basic = basic
        if adv is None:
            return x[basic]
        _save_index(ctx, basic, adv)
        return (x if basic is _ALL else x[basic])[adv]

    @staticmethod
    def backward(ctx, grad):
        basic, adv = _load_index(ctx)
        return GetItemScatter.apply(grad, in_shape=ctx.in_shape, basic=basic, adv=adv)

    def name(self) -> str:
        """torch's node for the last step it would apply (see NOTE [grad_fn names])."""
        if self.adv is not None:
            return "IndexBackward0"
        basic = self.basic if type(self.basic) is tuple else (self.basic,)
        for it in reversed(basic):
            if it is None:
                return "UnsqueezeBackward0"
            if type(it) is slice and not _is_full(it):
                return "SliceBackward0"
            if type(it) is _int:
                return "SelectBackward0"
        return "SliceBackward0" if any(type(it) is slice for it in basic) else "AliasBackward0"


class GetItemScatter(Op):
    """Zeros of ``in_shape`` with x added at the index (the adjoint of GetItem).

    Gradient: grad[index].
    """

    adv = None

    @staticmethod
    def forward(ctx, x, in_shape, basic, adv):
        _save_index(ctx, basic, adv)
        z = ctx.xp.zeros(in_shape, dtype=x.dtype)
        if adv is None:
            z[basic] = x
        else:
            _index_add(ctx.xp, z[basic], adv, x)
        return z

    @staticmethod
    def backward(ctx, grad):
        basic, adv = _load_index(ctx)
        return GetItem.apply(grad, basic=basic, adv=adv)


def getitem(input: Tensor, index) -> Tensor:  # noqa: A002
    """``input[index]`` with torch's indexing rules (see NOTE [Index parsing]).

    Basic indices (ints, slices with positive steps, None, Ellipsis) give a view; integer
    tensors/lists/arrays and bool masks give a copy. Gradient: the output gradient written into
    zeros at the index, repeated integer indices accumulating (scatter-add).

    Args:
        input: the tensor to index.
        index: an index entry or a tuple of them.

    Returns:
        The indexed tensor.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> x[[0, 0, 2]].sum().backward()
        >>> x.grad
        tensor([2., 0., 1.])
    """
    basic, adv = _parse(input, index)
    out = GetItem.apply(input, basic=basic, adv=adv)
    if adv is None:  # a view: see view_of
        out._base = input._base if input._base is not None else input
        # In-place ops on this view while recording write back through input[index]
        # (see NOTE [In-place ops] in _tensor.py).
        out._view_src = (input, index)
    return out


class IndexPut(Op):
    """x with x[index] = v (v broadcast to the indexed shape, cast to x's dtype).

    Gradient: grad with zeros at the index for x; grad[index] summed to v's shape for v.
    """

    adv = None

    @staticmethod
    def forward(ctx, x, v, basic, adv):
        ctx.v_shape = v.shape
        _save_index(ctx, basic, adv)
        y = x.copy()
        if adv is None:
            y[basic] = v
        else:
            y[basic][adv] = v
        return y

    @staticmethod
    def backward(ctx, grad):
        from .shape import reshape, sum_to

        basic, adv = _load_index(ctx)
        grad_x = grad_v = None
        if ctx.needs_input_grad[0]:
            zero = wrap_scalar(0, grad.dtype, grad._device)
            grad_x = IndexPut.apply(grad, zero, basic=basic, adv=adv)
        if ctx.needs_input_grad[1]:
            grad_v = GetItem.apply(grad, basic=basic, adv=adv)
            extra = len(ctx.v_shape) - grad_v._data.ndim
            if extra > 0:  # v had leading size-1 dims that assignment dropped
                grad_v = reshape(grad_v, (1,) * extra + grad_v._data.shape)
            grad_v = sum_to(grad_v, ctx.v_shape)
        return grad_x, grad_v


def index_put_value(input: Tensor, index, value) -> Tensor:  # noqa: A002
    """Out-of-place twin of ``input[index] = value`` (what ``Tensor.__setitem__`` runs).

    ``value`` is a number or a tensor broadcast to the indexed shape and cast to ``input``'s
    dtype. NOTE: with repeated indices the last write wins in practice, but, as in torch, which
    write wins is unspecified. Gradient: for ``input`` the gradient with zeros at the index; for
    ``value`` the gradient at the index, summed back to ``value``'s shape (every repeated
    position contributes, as in torch).

    Example:
        >>> import eagergrad as eg
        >>> x = eg.zeros(3)
        >>> x[1:] = eg.tensor([5.0, 6.0])
        >>> x
        tensor([0., 5., 6.])
    """
    basic, adv = _parse(input, index)
    value = _value_tensor(input, value)
    try:
        return IndexPut.apply(input, value, basic=basic, adv=adv)
    except ValueError:
        raise _shape_mismatch(input, basic, adv, value) from None


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:  # noqa: A002
    """``input`` with ``values`` put at ``indices`` (torch.index_put), out of place.

    ``indices`` is a tuple of index tensors (integer or bool), as in ``input[indices]``;
    ``values`` broadcasts to the indexed shape. With ``accumulate=True`` the values are added,
    repeated indices accumulating; otherwise they are written (with repeats, which write wins is
    unspecified, as in torch). Gradient: for ``input`` the output gradient (with zeros at the
    index unless accumulating); for ``values`` the gradient at the index, summed to its shape.

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(3).index_put((eg.tensor([0, 0, 2]),), eg.tensor(1.0), accumulate=True)
        tensor([2., 0., 1.])
    """
    if not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): argument 'indices' (position 1) must be tuple of Tensors, "
                        f"not {type(indices).__name__}")
    for i, it in enumerate(indices):
        if not isinstance(it, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(it).__name__}")
    from .elementwise import add
    from .shape import broadcast_to

    index = tuple(indices)
    basic, adv = _parse(input, index)
    if not accumulate or adv is None:  # no repeats possible without advanced indices
        if accumulate:
            values = add(getitem(input, index), _value_tensor(input, values))
        return index_put_value(input, index, values)
    value = _value_tensor(input, values)
    target = (input._data if basic is _ALL else input._data[basic])[adv]
    try:
        value = broadcast_to(value, target.shape)
    except RuntimeError:
        raise _shape_mismatch(input, basic, adv, value) from None
    return add(input, GetItemScatter.apply(value, in_shape=input.shape, basic=basic, adv=adv))


def setitem_no_grad(input: Tensor, index, value) -> None:  # noqa: A002
    """``input[index] = value`` written straight into the storage, recording nothing.

    Internal: the fast path for ``Tensor.__setitem__`` when no graph is recorded (grad mode off,
    or neither ``input`` nor ``value`` requires grad). Unlike ``index_put_value`` it copies
    nothing but the written values. Bumps the version counter shared with ``input``'s views.
    """
    basic, adv = _parse(input, index)
    value = _value_tensor(input, value)
    data = input._data
    if not writeable(data):
        raise RuntimeError("__setitem__: the tensor's storage is read-only (a broadcast view?)")
    try:
        if adv is None:
            data[basic] = value._data
        else:
            data[basic][adv] = value._data
    except ValueError:
        raise _shape_mismatch(input, basic, adv, value) from None
    root = input._base if input._base is not None else input
    root._version += 1


def _value_tensor(input: Tensor, value) -> Tensor:  # noqa: A002
    """The assigned value as a tensor on ``input``'s device (numbers take ``input``'s dtype)."""
    if isinstance(value, Tensor):
        if value._device is not input._device:
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two devices, "
                f"{input._device} and {value._device}!"
            )
        return value
    if not isinstance(value, (bool, int, float, numpy.generic)):
        raise TypeError(f"can't assign a {_type_path(value)} to a {input.type()}")
    return wrap_scalar(value, input.dtype, input._device)


def _shape_mismatch(input: Tensor, basic, adv, value: Tensor) -> RuntimeError:  # noqa: A002
    target = input._data[basic]
    if adv is not None:
        return RuntimeError(
            f"shape mismatch: value tensor of shape {list(value.shape)} cannot be broadcast "
            f"to indexing result of shape {list(target[adv].shape)}"
        )
    return RuntimeError(_expand_error(list(value.shape), list(target.shape)))


def _type_path(value) -> str:
    tp = type(value)
    return tp.__name__ if tp.__module__ == "builtins" else f"{tp.__module__}.{tp.__name__}"


def _expand_error(shape, target):
    lead = len(target) - len(shape)
    for i in range(len(shape) - 1, -1, -1):
        t = target[i + lead] if i + lead >= 0 else None
        if shape[i] != 1 and shape[i] != t:
            return (
                f"The expanded size of the tensor ({t}) must match the existing size "
                f"({shape[i]}) at non-singleton dimension {i + lead}.  Target sizes: {target}.  "
                f"Tensor sizes: {shape}"
            )
    return f"shape mismatch: value tensor of shape {shape} cannot be broadcast to {target}"


# --- gather / scatter --------------------------------------------------------------------------
def _coords(xp, index, dim):
    """Index arrays selecting ``x[i0, .., index[i], .., in]`` for every position of ``index``."""
    nd = index.ndim
    out = []
    for d in range(nd):
        if d == dim:
            out.append(index)
        else:
            shape = [1] * nd
            shape[d] = index.shape[d]
            out.append(xp.arange(index.shape[d]).reshape(shape))
    return tuple(out)


def _crop(src, shape):
    if src.shape == tuple(shape):
        return src
    return src[tuple(slice(0, s) for s in shape)]


def _pad_to(grad: Tensor, shape) -> Tensor:
    """``grad`` written into the leading corner of zeros of ``shape`` (adjoint of ``_crop``)."""
    if grad._data.shape == tuple(shape):
        return grad
    basic = tuple(slice(0, s) for s in grad._data.shape)
    return GetItemScatter.apply(grad, in_shape=tuple(shape), basic=basic, adv=None)


class Gather(Op):
    """out[i][j] = x[index[i][j]][j] (for dim 0). Gradient: scatter_add of grad into zeros."""

    @staticmethod
    def forward(ctx, x, index, dim):
        ctx.in_shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        return x[_coords(ctx.xp, index, dim)]

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        zeros = Tensor._make(ctx.xp.zeros(ctx.in_shape, dtype=grad._data.dtype), grad._device)
        return ScatterAdd.apply(zeros, index, grad, dim=ctx.dim), None


class ScatterAdd(Op):
    """x with src added at index along dim (repeats accumulate).

    Gradient: grad for x; gather(grad, dim, index) for src.
    """

    @staticmethod
    def forward(ctx, x, index, src, dim):
        ctx.dim, ctx.src_shape = dim, src.shape
        ctx.save_for_backward(index)
        y = x.copy()
        _index_add(ctx.xp, y, _coords(ctx.xp, index, dim), _crop(src, index.shape))
        return y

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        grad_src = None
        if ctx.needs_input_grad[2]:
            grad_src = _pad_to(Gather.apply(grad, index, dim=ctx.dim), ctx.src_shape)
        return grad, None, grad_src


class Scatter(Op):
    """x with src written at index along dim (repeats: unspecified winner, as torch).

    Gradient: grad with zeros at the written positions for x; gather(grad, dim, index) for src.
    """

    @staticmethod
    def forward(ctx, x, index, src, dim):
        ctx.dim, ctx.src_shape = dim, src.shape
        ctx.save_for_backward(index)
        y = x.copy()
        y[_coords(ctx.xp, index, dim)] = _crop(src, index.shape)
        return y

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        grad_x = grad_src = None
        if ctx.needs_input_grad[0]:
            grad_x = ScatterValue.apply(grad, index, dim=ctx.dim, value=0)
        if ctx.needs_input_grad[2]:
            grad_src = _pad_to(Gather.apply(grad, index, dim=ctx.dim), ctx.src_shape)
        return grad_x, None, grad_src


class ScatterValue(Op):
    """x with a number written at index along dim. Gradient: grad with zeros there."""

    def name(self) -> str:
        return "ScatterBackward1"

    @staticmethod
    def forward(ctx, x, index, dim, value):
        ctx.dim = dim
        ctx.save_for_backward(index)
        y = x.copy()
        y[_coords(ctx.xp, index, dim)] = value
        return y

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        return ScatterValue.apply(grad, index, dim=ctx.dim, value=0), None


def _check_index_tensor(index, name: str, input: Tensor) -> None:  # noqa: A002
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype != numpy.int64 and index._data.dtype != numpy.int32:
        if name == "index_select":
            raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
        got = f" but got: {_scalar_name(index)}" if name == "index_add_" else ""
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index{got}")
    if index._device is not input._device:
        raise RuntimeError(
            "Expected all tensors to be on the same device, but found at least two devices, "
            f"{input._device} and {index._device}!"
        )


def _check_gather_index(input: Tensor, dim: int, index: Tensor, name: str, src=None):  # noqa: A002
    """torch's shape and range checks for gather/scatter (index smaller than input is fine)."""
    _check_index_tensor(index, name, input)
    xs, ix = input._data.shape, index._data.shape
    if len(ix) != len(xs) and not (len(ix) <= 1 and len(xs) <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    d = wrap_dim(dim, len(xs))
    if src is None:
        for j in range(len(ix)):
            if j != d and ix[j] > xs[j]:
                raise RuntimeError(
                    f"Size does not match at dimension {j} expected index {list(ix)} to be no "
                    f"larger than self {list(xs)} apart from dimension {d}"
                )
    else:
        ss = src._data.shape
        if len(ss) != len(ix) or any(
            (j != d and ix[j] > xs[j]) or ix[j] > ss[j] for j in range(len(ix))
        ):
            raise RuntimeError(
                f"Expected index {list(ix)} to be no larger than self {list(xs)} apart from "
                f"dimension {d} and to be no larger size than src {list(ss)}"
            )
    arr = index._data
    n = xs[d] if xs else 1
    if arr.size:
        _check_bounds(input._device.xp, arr, n, lambda bad: RuntimeError(
            f"index {bad} is out of bounds for dimension {d} with size {n}"))
    return d


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    """Values of ``input`` along ``dim`` at ``index``: ``out[i][j] = input[index[i][j]][j]``.

    ``index`` has ``input``'s number of dims and may be smaller than ``input`` in the other
    dims. Gradient: the output gradient scatter-added into zeros at ``index``.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([[1, 2], [3, 4]]).gather(1, eg.tensor([[1], [0]]))
        tensor([[2],
                [3]])
    """
    d = _check_gather_index(input, dim, index, "gather")
    if input._data.ndim == 0 or index._data.ndim == 0:
        from .shape import reshape

        out = Gather.apply(reshape(input, (-1,)), reshape(index, (-1,)), dim=0)
        return reshape(out, index._data.shape)
    return Gather.apply(input, index, dim=d)


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None,  # noqa: A002
            reduce=None) -> Tensor:
    """``input`` with ``src`` (a tensor) or ``value`` (a number) written at ``index`` along ``dim``.

    ``out[index[i][j]][j] = src[i][j]`` (dim 0). With repeated indices the winning write is
    unspecified, as in torch. ``reduce='add'`` is ``scatter_add``; other reductions are not
    supported. Gradient: zero at the written positions for ``input``; gather of the gradient
    for ``src``.

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(3).scatter(0, eg.tensor([2, 0]), eg.tensor([5.0, 6.0]))
        tensor([6., 0., 5.])
    """
    if src is None and value is None:
        raise TypeError("scatter(): expected either 'src' or 'value'")
    if src is not None and not isinstance(src, Tensor):
        src, value = None, src
    if reduce is not None:
        if reduce == "add" and src is not None:
            return scatter_add(input, dim, index, src)
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        raise NotImplementedError(f"scatter(reduce={reduce!r}) is not supported by eagergrad")
    if src is None:
        d = _check_gather_index(input, dim, index, "scatter")
        return ScatterValue.apply(input, index, dim=d, value=value)
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    d = _check_gather_index(input, dim, index, "scatter", src)
    return Scatter.apply(input, index, src, dim=d)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:  # noqa: A002
    """``input`` with ``src`` added at ``index`` along ``dim``; repeated indices accumulate.

    Gradient: the gradient for ``input``; its gather at ``index`` for ``src``.

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(3).scatter_add(0, eg.tensor([0, 0, 2]), eg.tensor([1.0, 2.0, 3.0]))
        tensor([3., 0., 3.])
    """
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    d = _check_gather_index(input, dim, index, "scatter", src)
    return ScatterAdd.apply(input, index, src, dim=d)


# --- index_select / index_add ------------------------------------------------------------------
class IndexSelect(Op):
    """x.take(index, axis=dim). Gradient: index_add of grad into zeros (repeats accumulate)."""

    @staticmethod
    def forward(ctx, x, index, dim):
        ctx.in_shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        return ctx.xp.take(x, index, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        zeros = Tensor._make(ctx.xp.zeros(ctx.in_shape, dtype=grad._data.dtype), grad._device)
        return IndexAdd.apply(zeros, index, grad, dim=ctx.dim, alpha=1), None


class IndexAdd(Op):
    """x with alpha * src added at ``index`` along ``dim`` (repeats accumulate).

    Gradient: grad for x; alpha * index_select(grad, dim, index) for src.
    """

    @staticmethod
    def forward(ctx, x, index, src, dim, alpha):
        ctx.dim, ctx.alpha = dim, alpha
        ctx.save_for_backward(index)
        y = x.copy()
        _index_add(ctx.xp, y, (slice(None),) * dim + (index,), src if alpha == 1 else src * alpha)
        return y

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        grad_src = None
        if ctx.needs_input_grad[2]:
            grad_src = IndexSelect.apply(grad, index, dim=ctx.dim)
            if ctx.alpha != 1:
                from .elementwise import mul

                grad_src = mul(grad_src, ctx.alpha)
        return grad, None, grad_src


def _vector_index(input: Tensor, index: Tensor, name: str) -> Tensor:  # noqa: A002
    _check_index_tensor(index, name, input)
    if index._data.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    if index._data.ndim == 0:
        from .shape import reshape

        index = reshape(index, (1,))
    return index


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    """The entries of ``input`` at positions ``index`` (a 1-D int tensor) along ``dim``.

    Gradient: the output gradient index-added into zeros (repeats accumulate).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([[1, 2], [3, 4]]).index_select(0, eg.tensor([1, 1]))
        tensor([[3, 4],
                [3, 4]])
    """
    index = _vector_index(input, index, "index_select")
    if input._data.ndim == 0:
        from .shape import reshape

        input = reshape(input, (1,))
    d = wrap_dim(dim, input._data.ndim)
    arr = index._data
    if arr.size:
        _check_bounds(input._device.xp, arr, input._data.shape[d],
                      lambda bad: IndexError("index out of range in self"))
    return IndexSelect.apply(input, index, dim=d)


def _scalar_name(t: Tensor) -> str:
    """torch's ScalarType name (Float, Double, Long...), used in its dtype messages."""
    return t.type().split(".")[-1].replace("Tensor", "")


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:  # noqa: A002
    """``input`` with ``alpha * source`` added at rows ``index`` along ``dim`` (repeats add up).

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(3).index_add(0, eg.tensor([0, 0]), eg.tensor([1.0, 2.0]))
        tensor([3., 0., 0.])
    """
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"index_add_(): self ({_scalar_name(input)}) and source ({_scalar_name(source)}) "
            "must have the same scalar type"
        )
    index = _vector_index(input, index, "index_add_")
    xs, ss = input._data.shape, source._data.shape
    d = wrap_dim(dim, len(xs))
    n = index._data.shape[0]
    src_n = ss[d] if len(ss) > d else 1
    if n != src_n:
        raise RuntimeError(
            f"index_add_(): Number of indices ({n}) should be equal to source.size(dim): "
            f"({src_n}), for dim: {d}"
        )
    if len(ss) != len(xs) or any(ss[j] != xs[j] for j in range(len(xs)) if j != d):
        raise RuntimeError(
            "index_add_(): Source/destination tensor must have same slice shapes. Destination "
            f"slice shape: {list(xs)} at dimension {d} and source slice shape: {list(ss)} at "
            f"dimension {d}."
        )
    arr = index._data
    if arr.size:
        _check_bounds(input._device.xp, arr, xs[d],
                      lambda bad: IndexError("index out of range in self"))
    return IndexAdd.apply(input, index, source, dim=d, alpha=alpha)


# --- masks -------------------------------------------------------------------------------------
class MaskedFill(Op):
    """where(mask, v, x), x and mask broadcast together.

    Gradient: grad with zeros where mask for x; the sum of grad where mask for v (the engine
    sums broadcast dims back).
    """

    broadcasting = True

    @staticmethod
    def forward(ctx, x, v, mask):
        ctx.save_for_backward(mask)
        return ctx.xp.where(mask, v, x)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        zero = wrap_scalar(0, grad.dtype, grad._device)
        grad_x = grad_v = None
        if ctx.needs_input_grad[0]:
            grad_x = MaskedFill.apply(grad, zero, mask=mask._data)
        if ctx.needs_input_grad[1]:
            grad_v = MaskedFill.apply(grad, zero, mask=~mask._data)
        return grad_x, grad_v


def _check_mask_tensor(mask, name: str, input: Tensor) -> None:  # noqa: A002
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask._device is not input._device:
        raise RuntimeError(
            "Expected all tensors to be on the same device, but found at least two devices, "
            f"{input._device} and {mask._device}!"
        )
    if mask._data.dtype != numpy.bool_:
        if name == "masked_select:":
            raise RuntimeError("masked_select: expected BoolTensor for mask")
        raise RuntimeError(
            f"{name} only supports boolean masks, but got mask with dtype "
            f"{_scalar_name(mask).lower()}"
        )


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:  # noqa: A002
    """``input`` with ``value`` where ``mask`` is True (input and mask broadcast together).

    ``value`` is a number or a 0-d tensor (which gets a gradient: the sum of the output
    gradient where the mask is True).

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(3).masked_fill(eg.tensor([True, False, True]), 2.0)
        tensor([2., 0., 2.])
    """
    _check_mask_tensor(mask, "masked_fill_", input)
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._data.ndim} dimension(s)."
            )
        if value._data.dtype != input._data.dtype:
            value = _cast(value, input.dtype)
    else:
        value = wrap_scalar(value, input.dtype, input._device)
    return MaskedFill.apply(input, value, mask=mask._data)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:  # noqa: A002
    """The entries of ``input`` where ``mask`` is True, as a 1-D tensor (they broadcast).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([[1, 2], [3, 4]]).masked_select(eg.tensor([True, False]))
        tensor([1, 3])
    """
    from .shape import broadcast_to

    _check_mask_tensor(mask, "masked_select:", input)
    shape = numpy.broadcast_shapes(input._data.shape, mask._data.shape)
    m = mask._data
    if m.shape != shape:
        m = input._device.xp.broadcast_to(m, shape)
    x = broadcast_to(input, shape)
    if not shape:
        x, m = x.reshape(1), m.reshape(1)
    return GetItem.apply(x, basic=(Ellipsis,), adv=tuple(input._device.xp.nonzero(m)))


def take_along_dim(input: Tensor, indices: Tensor, dim=None) -> Tensor:  # noqa: A002
    """Values of ``input`` at ``indices`` along ``dim`` (the two broadcast in the other dims);
    ``dim=None`` indexes the flattened tensor.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([[10, 30, 20]]).take_along_dim(eg.tensor([[0, 2, 1]]), 1)
        tensor([[10, 20, 30]])
    """
    from .shape import broadcast_to, reshape

    _check_index_tensor(indices, "gather", input)
    if dim is None:
        return gather(reshape(input, (-1,)), 0, reshape(indices, (-1,)))
    xs, ix = input._data.shape, indices._data.shape
    if len(xs) != len(ix):
        raise RuntimeError(
            "eagergrad.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {len(xs)} dimensions for input, and {len(ix)} dimensions for "
            "indices"
        )
    d = wrap_dim(dim, len(xs))
    common = list(numpy.broadcast_shapes(
        tuple(1 if j == d else s for j, s in enumerate(xs)),
        tuple(1 if j == d else s for j, s in enumerate(ix)),
    ))
    x_shape, i_shape = list(common), list(common)
    if xs:
        x_shape[d], i_shape[d] = xs[d], ix[d]
    return gather(broadcast_to(input, x_shape), d, broadcast_to(indices, i_shape))


def nonzero(input: Tensor, *, as_tuple: bool = False):  # noqa: A002
    """Indices of the non-zero entries: an int64 ``(n, ndim)`` tensor, or a tuple of 1-D tensors.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([[0, 1], [2, 0]]).nonzero()
        tensor([[0, 1],
                [1, 0]])
    """
    data = input._data
    xp = input._device.xp
    dev = input._device
    if data.ndim == 0:
        idx = xp.nonzero(data.reshape(1))[0].astype(numpy.int64)
        if as_tuple:
            return (Tensor._make(idx, dev),)
        return Tensor._make(xp.zeros((idx.shape[0], 0), dtype=numpy.int64), dev)
    nz = [a.astype(numpy.int64, copy=False) for a in xp.nonzero(data)]
    if as_tuple:
        return tuple(Tensor._make(a, dev) for a in nz)
    return Tensor._make(xp.stack(nz, axis=1), dev)


# --- take ----------------------------------------------------------------------------------------
def take(input: Tensor, index: Tensor) -> Tensor:  # noqa: A002
    """The entries of the flattened ``input`` at ``index`` (an int64 tensor of any shape, which
    is the output's shape); negative indices count from the end.

    Derivative: the output gradient scatter-added into zeros at ``index`` (repeats accumulate).

    Example:
        >>> import eagergrad as eg
        >>> eg.take(eg.tensor([[1, 2], [3, 4]]), eg.tensor([0, -1]))
        tensor([1, 4])
    """
    from .shape import reshape

    if not isinstance(index, Tensor):
        raise TypeError(f"take(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype != numpy.int64:
        raise RuntimeError(
            f"take(): Expected a long tensor for index, but got {_scalar_name(index)}"
        )
    if index._device is not input._device:
        raise RuntimeError(
            "Expected all tensors to be on the same device, but found at least two devices, "
            f"{input._device} and {index._device}!"
        )
    n = input._data.size
    arr = index._data
    if arr.size:
        arr = _check_bounds(input._device.xp, arr, n, lambda bad: IndexError(
            f"out of range: tried to access index {bad} on a tensor of {n} elements."),
            negative=True)
    return GetItem.apply(reshape(input, (-1,)), basic=_ALL, adv=(arr,))


# --- unique, bincount, searchsorted, bucketize (no gradient) -------------------------------------
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim=None):
    """The distinct values of ``input`` (``dim=None``: flattened) or its distinct slices along
    ``dim``, in ascending order.

    Args:
        input: the tensor.
        sorted: accepted for torch's signature; the result is always sorted (torch's CPU
            kernels sort as well).
        return_inverse: also return, for each element (slice), the index of its value in the
            output (shape of ``input``, or ``(input.size(dim),)``).
        return_counts: also return how many times each unique value occurs.
        dim: the dim whose slices are compared, or None.

    Returns:
        The unique tensor, or a tuple ``(output, inverse?, counts?)`` when either flag is set.
        Not differentiable. NaNs are all kept (each NaN is distinct), as in torch.

    Example:
        >>> import eagergrad as eg
        >>> eg.unique(eg.tensor([3, 1, 3, 2]), return_counts=True)
        (tensor([1, 2, 3]), tensor([1, 1, 2]))
    """
    data = input._data
    xp = input._device.xp
    dev = input._device
    if dim is None:
        res = xp.unique(data.reshape(-1), return_inverse=True, return_counts=True,
                        equal_nan=False)
        inv_shape = data.shape
    else:
        d = wrap_dim(dim, data.ndim)
        if data.ndim == 0:
            data = data.reshape(1)
        if data.shape[d] == 0:
            empty = xp.zeros((0,), dtype=numpy.int64)
            res = (data, empty, empty)
        else:
            res = xp.unique(data, return_inverse=True, return_counts=True, axis=d)
        inv_shape = (data.shape[d],)
    out = [Tensor._make(res[0], dev)]
    if return_inverse:
        out.append(Tensor._make(res[1].astype(numpy.int64).reshape(inv_shape), dev))
    if return_counts:
        out.append(Tensor._make(res[2].astype(numpy.int64), dev))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input: Tensor, weights=None, minlength: int = 0) -> Tensor:  # noqa: A002
    """How many times each value ``0..max(input)`` occurs in a 1-D non-negative int tensor.

    With ``weights`` (1-D, same length), sums the weights instead: the result is float64, or the
    weights' dtype when that is a float dtype. The output has at least ``minlength`` entries.
    Not differentiable (nor in torch).

    Example:
        >>> import eagergrad as eg
        >>> eg.bincount(eg.tensor([1, 1, 3]))
        tensor([0, 2, 0, 1])
        >>> eg.bincount(eg.tensor([0, 0, 1]), weights=eg.tensor([0.5, 1.0, 2.0]))
        tensor([1.5000, 2.0000])
    """
    data = input._data
    xp = input._device.xp
    if data.dtype.kind not in "iu":
        raise NotImplementedError(
            f'"bincount_cpu" not implemented for \'{_scalar_name(input)}\''
        )
    if data.ndim != 1 or (data.size and _int(data.min()) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    minlength = int(minlength)
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        out = xp.bincount(data, minlength=minlength).astype(numpy.int64)
        return Tensor._make(out, input._device)
    w = weights._data
    if w.ndim != 1 or w.shape[0] != data.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    if weights._device is not input._device:
        raise RuntimeError(
            "Expected all tensors to be on the same device, but found at least two devices, "
            f"{input._device} and {weights._device}!"
        )
    dtype = w.dtype if w.dtype.kind == "f" else numpy.dtype(numpy.float64)
    out = xp.bincount(data, weights=w.astype(numpy.float64), minlength=minlength)
    return Tensor._make(out.astype(dtype), input._device)


def searchsorted(sorted_sequence: Tensor, values, *, out_int32: bool = False,
                 right: bool = False, side=None, sorter=None) -> Tensor:
    """Indices where ``values`` would be inserted into ``sorted_sequence`` to keep it sorted.

    ``sorted_sequence`` is 1-D (shared by all values) or N-D whose leading dims match
    ``values``' (one sorted row per row of values). ``right=True`` (or ``side='right'``) gives
    the last valid position instead of the first. ``sorter`` holds the indices that sort an
    unsorted ``sorted_sequence`` along its last dim. ``values`` may be a Python number (0-d
    result). Not differentiable.

    Example:
        >>> import eagergrad as eg
        >>> seq = eg.tensor([1, 3, 5, 7])
        >>> eg.searchsorted(seq, eg.tensor([3, 6])), eg.searchsorted(seq, 3, right=True)
        (tensor([1, 3]), tensor(2))
    """
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(
                f"eagergrad.searchsorted(): side can only be 'left' or 'right' but got {side}"
            )
        if (side == "right") != bool(right) and right:
            raise RuntimeError(
                "eagergrad.searchsorted(): side and right can't be set to opposites, got side of "
                f"{side} while right was True"
            )
        right = side == "right"
    seq = sorted_sequence._data
    xp = sorted_sequence._device.xp
    if isinstance(values, Tensor):
        if values._device is not sorted_sequence._device:
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two devices, "
                f"{sorted_sequence._device} and {values._device}!"
            )
        vals = values._data
    else:
        vals = xp.asarray(values)
    if seq.ndim == 0:
        raise RuntimeError(
            "eagergrad.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
            "dimension"
        )
    if seq.ndim > 1 and seq.shape[:-1] != vals.shape[:-1] or (seq.ndim > 1 and vals.ndim == 0):
        raise RuntimeError(
            "eagergrad.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(seq.shape)} and input value tensor {list(vals.shape)}"
        )
    if sorter is not None:
        if sorter._data.shape != seq.shape:
            raise RuntimeError(
                "eagergrad.searchsorted(): boundary and sorter must have the same size, but got "
                f"boundary tensor {list(seq.shape)}and got sorter tensor "
                f"{list(sorter._data.shape)}"
            )
        seq = xp.take_along_axis(seq, sorter._data, axis=-1)
    how = "right" if right else "left"
    if seq.ndim == 1:
        out = xp.searchsorted(seq, vals, side=how)
    else:
        # NOTE: numpy/cupy search one sequence at a time: loop over the rows.
        rows_s = seq.reshape(-1, seq.shape[-1])
        rows_v = vals.reshape(rows_s.shape[0], -1)
        out = xp.stack([xp.searchsorted(s, v, side=how) for s, v in zip(rows_s, rows_v)])
        out = out.reshape(vals.shape)
    out = xp.asarray(out).astype(numpy.int32 if out_int32 else numpy.int64)
    return Tensor._make(out, sorted_sequence._device)


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False,  # noqa: A002
              right: bool = False) -> Tensor:
    """The bucket index of each entry of ``input`` for the 1-D increasing ``boundaries``.

    ``right=False``: ``boundaries[i-1] < x <= boundaries[i]``; ``right=True``:
    ``boundaries[i-1] <= x < boundaries[i]``. Not differentiable.

    Example:
        >>> import eagergrad as eg
        >>> eg.bucketize(eg.tensor([0, 3, 6, 9]), eg.tensor([1, 3, 5, 7]))
        tensor([0, 1, 3, 4])
    """
    if boundaries._data.ndim != 1:
        raise RuntimeError(
            f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})"
        )
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
