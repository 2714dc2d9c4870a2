"""Shape ops: reshape/view, squeeze, broadcasting, transposes, joins, splits, flips, triangles.

View ops (reshape-when-possible, view, flatten/unflatten, squeeze, unsqueeze, expand,
permute/transpose, narrow, select, unbind/split/chunk outputs, diagonal) return arrays that share
the input's storage and mark their output with ``view_of`` so in-place version counting sees the
alias. ``flip``, ``roll``, ``repeat``, ``tile``, ``cat``, ``stack``, ``tril``/``triu`` copy, as
in torch.
"""

from __future__ import annotations

import operator

import numpy

from .._tensor import Tensor
from ._base import Op, promote_all
from ._util import view_of, wrap_dim, wrap_dims

__all__ = [
    "reshape", "view", "flatten", "unflatten", "squeeze", "unsqueeze",
    "expand", "broadcast_to", "broadcast_tensors", "sum_to",
    "permute", "transpose", "swapaxes", "swapdims", "movedim", "t",
    "repeat", "tile", "cat", "concat", "concatenate", "stack", "hstack", "vstack",
    "split", "chunk", "unbind", "flip", "roll", "narrow", "select",
    "tril", "triu", "diagonal", "contiguous",
]


# --- reshape / view ----------------------------------------------------------------------------
# NOTE [grad_fn names]: some ops override ``name()`` so ``grad_fn`` prints torch's node name
# (reshape/view -> ViewBackward0, expand -> ExpandBackward0, x[0] -> SelectBackward0).
class Reshape(Op):
    """x.reshape(shape) as a view (view, reshape, flatten). Gradient: grad.reshape(x.shape)."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return reshape(grad, ctx.in_shape)

    @staticmethod
    def backward_arrays(ctx, grad):
        return grad.reshape(ctx.in_shape)

    def name(self) -> str:
        return "ViewBackward0"


class Squeeze(Reshape):
    """x.squeeze(dims). Gradient: grad.reshape(x.shape)."""

    def name(self) -> str:
        return "SqueezeBackward0"


class Unsqueeze(Reshape):
    """x.unsqueeze(dim). Gradient: grad.reshape(x.shape)."""

    def name(self) -> str:
        return "UnsqueezeBackward0"


class ReshapeCopy(Reshape):
    """reshape of a layout no view can express: a contiguous copy. Gradient: grad.reshape."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return ctx.xp.ascontiguousarray(x).reshape(shape)

    def name(self) -> str:
        return "UnsafeViewBackward0"


def _infer_shape(shape, numel):
    """``shape`` as a tuple of ints with a -1 resolved; torch's errors."""
    if type(shape) is not tuple or any(type(s) is not int for s in shape):
        shape = tuple(operator.index(s) for s in shape)
    neg = -1
    known = 1
    for i, s in enumerate(shape):
        if s < 0:
            if s != -1:
                raise RuntimeError(f"invalid shape dimension {s}")
            if neg >= 0:
                raise RuntimeError("only one dimension can be inferred")
            neg = i
        else:
            known *= s
    if neg >= 0:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[:neg] + (numel // known,) + shape[neg + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _viewable(data, shape) -> bool:
    """Whether ``data`` can take ``shape`` without a copy (torch's computeStride rule)."""
    if data.flags.c_contiguous or data.size <= 1:
        return True
    old_shape, old_strides = data.shape, data.strides
    view_d = len(shape) - 1
    base_stride = old_strides[-1]
    tensor_numel = view_numel = 1
    for d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[d]
        if d == 0 or (old_shape[d - 1] != 1
                      and old_strides[d - 1] != tensor_numel * base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or shape[view_d] == 1):
                view_numel *= shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return False
            if d > 0:
                base_stride = old_strides[d - 1]
                tensor_numel = view_numel = 1
    return view_d == -1


def _reshape(input: Tensor, shape: tuple, op=Reshape) -> Tensor:  # noqa: A002
    """Reshape to an already-validated ``shape``: a view when possible, else a copy."""
    data = input._data
    if shape == data.shape and op is Reshape:
        return input  # NOTE: torch returns a new alias; the object itself is cheaper and equal
    if _viewable(data, shape):
        return view_of(op.apply(input, shape=shape), input)
    return ReshapeCopy.apply(input, shape=shape)


def reshape(input: Tensor, shape) -> Tensor:  # noqa: A002
    """``input`` with a new shape: a view when the layout allows, else a copy.

    One dim may be -1 (inferred). Gradient: the gradient reshaped back.

    Args:
        input: the tensor.
        shape: the new shape (an int or a sequence of ints).

    Returns:
        A tensor with ``shape`` and the same elements in row-major order.

    Example:
        >>> import eagergrad as eg
        >>> eg.arange(6).reshape(2, -1).shape
        eagergrad.Size([2, 3])
    """
    if isinstance(shape, int):
        shape = (shape,)
    return _reshape(input, _infer_shape(shape, input._data.size))


def view(input: Tensor, shape) -> Tensor:  # noqa: A002
    """``input`` with a new shape, sharing its storage; raises when no view is possible.

    Args:
        input: the tensor.
        shape: the new shape; one dim may be -1.

    Returns:
        A view of ``input``.

    Raises:
        RuntimeError: when the strides cannot express the new shape (use ``reshape``).

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(2, 3).view(-1).shape
        eagergrad.Size([6])
    """
    if isinstance(shape, int):
        shape = (shape,)
    shape = _infer_shape(shape, input._data.size)
    if not _viewable(input._data, shape):
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        )
    return view_of(Reshape.apply(input, shape=shape), input)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Merges dims ``start_dim..end_dim`` into one (a view when possible).

    A 0-d tensor becomes shape ``(1,)``, as in torch.

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(2, 3, 4).flatten(1).shape
        eagergrad.Size([2, 12])
    """
    shape = input._data.shape
    if not shape:
        wrap_dim(start_dim, 0), wrap_dim(end_dim, 0)
        return _reshape(input, (1,))
    s, e = wrap_dim(start_dim, len(shape)), wrap_dim(end_dim, len(shape))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    n = 1
    for d in shape[s: e + 1]:
        n *= d
    return _reshape(input, shape[:s] + (n,) + shape[e + 1:])


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:  # noqa: A002
    """Splits dim ``dim`` into ``sizes`` (one entry may be -1).

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(2, 6).unflatten(1, (3, -1)).shape
        eagergrad.Size([2, 3, 2])
    """
    shape = input._data.shape
    d = wrap_dim(dim, len(shape))
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    size = shape[d] if shape else 1
    try:
        new = _infer_shape(sizes, size)
    except RuntimeError:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
            f"({size}) in the input tensor"
        ) from None
    return _reshape(input, shape[:d] + new + shape[d + 1:])


def squeeze(input: Tensor, dim=None) -> Tensor:  # noqa: A002
    """Removes size-1 dims: all of them, or those in ``dim`` (int or tuple).

    A listed dim whose size is not 1 is left alone (torch's rule; numpy raises).

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(2, 1, 3).squeeze().shape, eg.zeros(2, 3).squeeze(0).shape
        (eagergrad.Size([2, 3]), eagergrad.Size([2, 3]))
    """
    shape = input._data.shape
    if dim is None:
        dims = range(len(shape))
    else:
        dims = wrap_dims(dim, len(shape))
    new = tuple(s for i, s in enumerate(shape) if not (s == 1 and i in dims))
    return _reshape(input, new, Squeeze)


def unsqueeze(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """Inserts a size-1 dim at ``dim`` (in ``[-ndim-1, ndim]``).

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(2, 3).unsqueeze(-1).shape
        eagergrad.Size([2, 3, 1])
    """
    shape = input._data.shape
    d = wrap_dim(dim, len(shape) + 1)
    return _reshape(input, shape[:d] + (1,) + shape[d:], Unsqueeze)


def contiguous(input: Tensor) -> Tensor:  # noqa: A002
    """``input`` itself if C-contiguous, else a contiguous copy.

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(2, 3).t().contiguous().is_contiguous()
        True
    """
    if input._data.flags.c_contiguous:
        return input
    from .elementwise import clone

    return clone(input)


# --- broadcasting ------------------------------------------------------------------------------
class BroadcastTo(Op):
    """A read-only broadcast view (expand). Gradient: sum_to(grad, x.shape)."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return sum_to(grad, ctx.in_shape)

    def name(self) -> str:
        return "ExpandBackward0"


class SumTo(Op):
    """Sums a broadcast gradient back to ``shape``. Gradient: broadcast_to(grad, x.shape)."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return _sum_to_array(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return broadcast_to(grad, ctx.in_shape)


def _sum_to_array(x, shape):
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and x.shape[i + lead] != 1
    )
    if axes:
        x = x.sum(axis=axes, keepdims=True)
        if lead:
            x = x.reshape(shape)
    return x


def sum_to(input: Tensor, shape) -> Tensor:  # noqa: A002
    """Sums ``input`` over the dims that broadcasting added to ``shape`` (differentiable).

    Internal: the engine uses it to reduce gradients of broadcasting ops.
    """
    shape = tuple(shape)
    if input._data.shape == shape:
        return input
    return SumTo.apply(input, shape=shape)


def broadcast_to(input: Tensor, shape) -> Tensor:  # noqa: A002
    """``input`` broadcast to ``shape`` (a read-only view; -1 keeps a dim).

    Gradient: summed back over the broadcast dims.

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(3, 1).broadcast_to((2, 3, 4)).shape
        eagergrad.Size([2, 3, 4])
    """
    shape = tuple(int(s) for s in shape)
    data = input._data
    lead = len(shape) - data.ndim
    if lead < 0:
        raise RuntimeError(
            f"expand({input.type()}{{{list(data.shape)}}}, size={list(shape)}): the number of "
            f"sizes provided ({len(shape)}) must be greater or equal to the number of "
            f"dimensions in the tensor ({data.ndim})"
        )
    for i in range(lead):
        if shape[i] < 0:
            raise RuntimeError(
                f"The expanded size of the tensor ({shape[i]}) isn't allowed in a leading, "
                f"non-existing dimension {i}"
            )
    shape = tuple(
        data.shape[i - lead] if (s == -1 and i >= lead) else s for i, s in enumerate(shape)
    )
    for i in range(data.ndim):
        if data.shape[i] != shape[i + lead] and data.shape[i] != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({shape[i + lead]}) must match the existing "
                f"size ({data.shape[i]}) at non-singleton dimension {i + lead}.  Target sizes: "
                f"{list(shape)}.  Tensor sizes: {list(data.shape)}"
            )
    if shape == data.shape:
        return input
    return view_of(BroadcastTo.apply(input, shape=shape), input)


def expand(input: Tensor, sizes) -> Tensor:  # noqa: A002
    """``input`` expanded to ``sizes`` without copying (torch's ``Tensor.expand``).

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(3, 1).expand(-1, 4).shape
        eagergrad.Size([3, 4])
    """
    return broadcast_to(input, sizes)


def broadcast_tensors(*tensors) -> tuple:
    """The tensors broadcast to their common shape (views).

    Example:
        >>> import eagergrad as eg
        >>> [t.shape for t in eg.broadcast_tensors(eg.zeros(3, 1), eg.zeros(4))]
        [eagergrad.Size([3, 4]), eagergrad.Size([3, 4])]
    """
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    shape = numpy.broadcast_shapes(*[t._data.shape for t in tensors])
    return tuple(broadcast_to(t, shape) for t in tensors)


# --- transposes --------------------------------------------------------------------------------
class Permute(Op):
    """x.transpose(dims). Gradient: grad permuted by the inverse permutation."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return permute(grad, _inverse(ctx.dims))

    @staticmethod
    def backward_arrays(ctx, grad):
        return grad.transpose(_inverse(ctx.dims))


def _inverse(dims):
    """The permutation that undoes ``dims``."""
    inv = [0] * len(dims)
    for i, d in enumerate(dims):
        inv[d] = i
    return tuple(inv)


class Transpose(Permute):
    """x with two dims swapped. Gradient: the same swap of grad."""


def permute(input: Tensor, dims) -> Tensor:  # noqa: A002
    """``input`` with its dims reordered (a view).

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(2, 3, 4).permute(2, 0, 1).shape
        eagergrad.Size([4, 2, 3])
    """
    nd = input._data.ndim
    dims = tuple(wrap_dim(d, nd) for d in dims)
    if len(dims) != nd:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal "
            f"to len(dims) = {len(dims)}"
        )
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    if dims == tuple(range(nd)):
        return input
    return view_of(Permute.apply(input, dims=dims), input)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """``input`` with ``dim0`` and ``dim1`` swapped (a view).

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(2, 3, 4).transpose(0, -1).shape
        eagergrad.Size([4, 3, 2])
    """
    nd = input._data.ndim
    d0, d1 = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
    if nd == 0 or d0 == d1:
        return input
    dims = list(range(nd))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return view_of(Transpose.apply(input, dims=tuple(dims)), input)


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:  # noqa: A002
    """Alias of ``transpose`` (numpy's name).

    Example:
        >>> import eagergrad as eg
        >>> eg.swapaxes(eg.zeros(2, 3), 0, 1).shape
        eagergrad.Size([3, 2])
    """
    return transpose(input, axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """Alias of ``transpose``.

    Example:
        >>> import eagergrad as eg
        >>> eg.swapdims(eg.zeros(2, 3), 0, 1).shape
        eagergrad.Size([3, 2])
    """
    return transpose(input, dim0, dim1)


def movedim(input: Tensor, source, destination) -> Tensor:  # noqa: A002
    """Moves dims ``source`` to positions ``destination`` (ints or tuples); a view.

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(2, 3, 4).movedim(0, -1).shape
        eagergrad.Size([3, 4, 2])
    """
    nd = input._data.ndim
    src, dst = wrap_dims(source, nd), wrap_dims(destination, nd)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)"
        )
    perm = [-1] * max(nd, 1)
    for s, d in zip(src, dst):
        perm[d] = s
    rest = iter(i for i in range(nd) if i not in src)
    perm = [p if p != -1 else next(rest) for p in perm]
    return permute(input, perm[:nd])


def t(input: Tensor) -> Tensor:  # noqa: A002
    """Transpose of a tensor of at most 2 dims (0-d and 1-d come back unchanged).

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(2, 3).t().shape
        eagergrad.Size([3, 2])
    """
    if input._data.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D"
        )
    return transpose(input, 0, 1) if input._data.ndim == 2 else input


# --- repeat / tile -----------------------------------------------------------------------------
class Repeat(Op):
    """x.repeat(sizes) (numpy's tile). Gradient: grad summed over the copies."""

    @staticmethod
    def forward(ctx, x, sizes):
        ctx.in_shape = x.shape
        ctx.sizes = sizes
        lead = len(sizes) - x.ndim
        return ctx.xp.tile(x.reshape((1,) * lead + x.shape), sizes)

    @staticmethod
    def backward(ctx, grad):
        from .reduction import sum as _sum

        sizes, in_shape = ctx.sizes, ctx.in_shape
        padded = (1,) * (len(sizes) - len(in_shape)) + tuple(in_shape)
        split = tuple(n for r, s in zip(sizes, padded) for n in (r, s))
        summed = _sum(reshape(grad, split), tuple(range(0, len(split), 2)))
        return reshape(summed, in_shape)


def repeat(input: Tensor, sizes) -> Tensor:  # noqa: A002
    """``input`` repeated ``sizes[i]`` times along each dim (torch's ``Tensor.repeat``).

    ``sizes`` may have more entries than ``input`` has dims (new leading dims); unlike numpy's
    ``repeat`` whole blocks are copied (numpy's ``tile``).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([1, 2]).repeat(2)
        tensor([1, 2, 1, 2])
    """
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < input._data.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions "
            "of tensor"
        )
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(sizes)}")
    return Repeat.apply(input, sizes=sizes)


def tile(input: Tensor, dims) -> Tensor:  # noqa: A002
    """Like ``repeat``, but ``dims`` shorter than ``input.ndim`` is padded with leading 1s.

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(2, 3).tile((2,)).shape
        eagergrad.Size([2, 6])
    """
    if isinstance(dims, int):
        dims = (dims,)
    dims = tuple(int(d) for d in dims)
    lead = input._data.ndim - len(dims)
    return repeat(input, (1,) * max(lead, 0) + dims)


# --- joins -------------------------------------------------------------------------------------
class Cat(Op):
    """concatenate(xs, dim). Gradient: grad split back into the inputs' sizes.

    ``ctx.sizes[i]`` is None for an input skipped by torch's legacy rule (empty 1-D tensors).
    """

    @staticmethod
    def forward(ctx, *xs, dim, sizes):
        ctx.dim, ctx.sizes = dim, sizes
        return ctx.xp.concatenate([x for x, s in zip(xs, sizes) if s is not None], axis=dim)

    @staticmethod
    def backward(ctx, grad):
        kept = [s for s in ctx.sizes if s is not None]
        parts = iter(split(grad, kept, ctx.dim))
        return tuple(next(parts) if s is not None else _empty_like_1d(grad) for s in ctx.sizes)


def _empty_like_1d(like: Tensor) -> Tensor:
    return Tensor._make(like._device.xp.zeros((0,), like._data.dtype), like._device)


def _tensor_list(tensors, name):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"eagergrad.{name}(): expected a non-empty list of Tensors")
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(x).__name__}"
            )
    return tensors


def cat(tensors, dim: int = 0) -> Tensor:
    """Joins tensors along an existing dim ``dim``; dtypes are promoted as in torch.

    Empty 1-D tensors (shape ``(0,)``) are skipped whatever the other shapes (torch's legacy
    rule). Gradient: each input gets its slice of the gradient.

    Args:
        tensors: a sequence of tensors with equal sizes except in ``dim``.
        dim: the dim to join along.

    Example:
        >>> import eagergrad as eg
        >>> eg.cat([eg.zeros(2, 3), eg.ones(1, 3)]).shape
        eagergrad.Size([3, 3])
    """
    tensors = _tensor_list(tensors, "cat")
    if len(tensors) > 1 and any(x._data.dtype != tensors[0]._data.dtype for x in tensors):
        tensors, _ = promote_all(*tensors)
    kept = [x for x in tensors if x._data.shape != (0,)]
    if not kept:
        return tensors[0] if len(tensors) == 1 else Cat.apply(
            *tensors, dim=0, sizes=[0] + [None] * (len(tensors) - 1))
    ref = kept[0]._data.shape
    if not ref:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, len(ref))
    for i, x in enumerate(tensors):
        s = x._data.shape
        if s == (0,):
            continue
        if len(s) != len(ref):
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {len(ref)} and {len(s)}"
            )
        for j in range(len(ref)):
            if j != d and s[j] != ref[j]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{ref[j]} but got size {s[j]} for tensor number {i} in the list."
                )
    sizes = [None if x._data.shape == (0,) else x._data.shape[d] for x in tensors]
    return Cat.apply(*tensors, dim=d, sizes=sizes)


def concat(tensors, dim: int = 0) -> Tensor:
    """Alias of ``cat``.

    Example:
        >>> import eagergrad as eg
        >>> eg.concat([eg.zeros(1), eg.ones(2)])
        tensor([0., 1., 1.])
    """
    return cat(tensors, dim)


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Alias of ``cat`` (numpy's name, ``axis`` for ``dim``).

    Example:
        >>> import eagergrad as eg
        >>> eg.concatenate([eg.zeros(2, 1), eg.ones(2, 1)], axis=1).shape
        eagergrad.Size([2, 2])
    """
    return cat(tensors, axis)


class Stack(Op):
    """stack(xs, dim). Gradient: grad unbound along ``dim``, one slice per input."""

    @staticmethod
    def forward(ctx, *xs, dim):
        ctx.dim = dim
        return ctx.xp.stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return unbind(grad, ctx.dim)


def stack(tensors, dim: int = 0) -> Tensor:
    """Joins equal-shaped tensors along a new dim ``dim``; dtypes are promoted.

    Example:
        >>> import eagergrad as eg
        >>> eg.stack([eg.zeros(2, 3), eg.ones(2, 3)], dim=1).shape
        eagergrad.Size([2, 2, 3])
    """
    tensors = _tensor_list(tensors, "stack")
    ref = tensors[0]._data.shape
    for i, x in enumerate(tensors):
        if x._data.shape != ref:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(ref)} at entry 0 "
                f"and {list(x._data.shape)} at entry {i}"
            )
    d = wrap_dim(dim, len(ref) + 1)
    if len(tensors) > 1 and any(x._data.dtype != tensors[0]._data.dtype for x in tensors):
        tensors, _ = promote_all(*tensors)
    return Stack.apply(*tensors, dim=d)


def hstack(tensors) -> Tensor:
    """Concatenates along dim 1 (dim 0 for 1-D tensors), as numpy's ``hstack``.

    Example:
        >>> import eagergrad as eg
        >>> eg.hstack([eg.zeros(2), eg.ones(3)]).shape
        eagergrad.Size([5])
    """
    tensors = [x if x._data.ndim else reshape(x, (1,)) for x in _tensor_list(tensors, "hstack")]
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    """Concatenates along dim 0 after making each tensor at least 2-D (``(n,)`` -> ``(1, n)``).

    Example:
        >>> import eagergrad as eg
        >>> eg.vstack([eg.zeros(3), eg.ones(3)]).shape
        eagergrad.Size([2, 3])
    """
    tensors = [
        x if x._data.ndim >= 2 else reshape(x, (1, -1)) for x in _tensor_list(tensors, "vstack")
    ]
    return cat(tensors, 0)


# --- splits ------------------------------------------------------------------------------------
class Split(Op):
    """Views of consecutive slices of x along ``dim``. Gradient: the slices' grads joined.

    One node for all pieces (a loop of getitems would cost O(n^2) in backward).
    """

    @staticmethod
    def forward(ctx, x, dim, sizes):
        ctx.dim = dim
        head = (slice(None),) * dim
        out, start = [], 0
        for s in sizes:
            out.append(x[head + (slice(start, start + s),)])
            start += s
        return tuple(out)

    @staticmethod
    def backward(ctx, *grads):
        return cat(grads, ctx.dim)


class Unbind(Op):
    """The slices of x along ``dim`` (views). Gradient: the slices' gradients stacked."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        head = (slice(None),) * dim
        return tuple(x[head + (i, Ellipsis)] for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return stack(grads, ctx.dim)


def _multi_view(outs, input: Tensor) -> tuple:  # noqa: A002
    for o in outs:
        view_of(o, input)
    return outs


def unbind(input: Tensor, dim: int = 0) -> tuple:  # noqa: A002
    """The slices of ``input`` along ``dim`` (views), as a tuple.

    Example:
        >>> import eagergrad as eg
        >>> [x.shape for x in eg.zeros(2, 3).unbind(1)]
        [eagergrad.Size([2]), eagergrad.Size([2]), eagergrad.Size([2])]
    """
    if input._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dim = wrap_dim(dim, input._data.ndim)
    return _multi_view(Unbind.apply(input, dim=dim), input)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Splits ``tensor`` along ``dim`` into pieces (views).

    Args:
        tensor: the tensor.
        split_size_or_sections: an int (pieces of that size, the last may be smaller) or a
            list of sizes that sum to the dim's size.
        dim: the dim to split.

    Example:
        >>> import eagergrad as eg
        >>> [x.shape[0] for x in eg.zeros(5).split(2)]
        [2, 2, 1]
    """
    if tensor._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, tensor._data.ndim)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                f"size at dimension {d}), but got split_sizes={sizes}"
            )
    else:
        size = int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(
                f"split expects split_size be non-negative, but got split_size={size}"
            )
        if size == 0:
            if n != 0:
                raise RuntimeError(
                    "split_size can only be 0 if dimension size is 0, but got dimension size "
                    f"of {n}"
                )
            sizes = [0]
        else:
            sizes = [size] * (n // size) + ([n % size] if n % size else [])
            if not sizes:
                sizes = [0]
    return _multi_view(Split.apply(tensor, dim=d, sizes=sizes), tensor)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:  # noqa: A002
    """Splits into at most ``chunks`` pieces of size ``ceil(n / chunks)`` (torch's sizes).

    Example:
        >>> import eagergrad as eg
        >>> [x.shape[0] for x in eg.zeros(5, 2).chunk(4)]
        [2, 2, 1]
    """
    chunks = int(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    size = -(-n // chunks)
    if size == 0:
        return _multi_view(Split.apply(input, dim=d, sizes=[0] * chunks), input)
    return split(input, size, d)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """The slice ``start:start+length`` of dim ``dim`` (a view).

    Example:
        >>> import eagergrad as eg
        >>> eg.arange(6).narrow(0, 2, 3)
        tensor([2, 3, 4])
    """
    from .indexing import getitem

    if input._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    start, length = int(start), int(length)
    if not -n <= start <= n:
        raise IndexError(
            f"start out of range (expected to be in range of [{-n}, {n}], but got {start})"
        )
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise RuntimeError(
            f"start ({start}) + length ({length}) exceeds dimension size ({n})."
        )
    return getitem(input, (slice(None),) * d + (slice(start, start + length),))


def select(input: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """``input`` indexed at ``index`` along ``dim``, which is removed (a view).

    Example:
        >>> import eagergrad as eg
        >>> eg.arange(6).reshape(2, 3).select(1, -1)
        tensor([2, 5])
    """
    from .indexing import getitem

    if input._data.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    shape = input._data.shape
    d = wrap_dim(dim, len(shape))
    index = int(index)
    if not -shape[d] <= index < shape[d]:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(shape)} at "
            f"dimension {d}"
        )
    return getitem(input, (slice(None),) * d + (index,))


# --- flips and rolls ---------------------------------------------------------------------------
class Flip(Op):
    """x reversed along ``dims`` (a copy, as torch). Gradient: grad flipped the same way."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return ctx.xp.ascontiguousarray(ctx.xp.flip(x, dims))

    @staticmethod
    def backward(ctx, grad):
        return Flip.apply(grad, dims=ctx.dims)


def flip(input: Tensor, dims) -> Tensor:  # noqa: A002
    """``input`` with the order of elements reversed along ``dims`` (a copy).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([1, 2, 3]).flip(0)
        tensor([3, 2, 1])
    """
    dims = wrap_dims(dims, input._data.ndim)
    if input._data.ndim == 0 or not dims:
        from .elementwise import clone

        return clone(input)
    return Flip.apply(input, dims=dims)


class Roll(Op):
    """x rolled by ``shifts`` along ``dims`` (None: flattened). Gradient: rolled back."""

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return ctx.xp.roll(x, shifts, axis=dims)

    @staticmethod
    def backward(ctx, grad):
        back = tuple(-s for s in ctx.shifts) if ctx.dims is not None else -ctx.shifts
        return Roll.apply(grad, shifts=back, dims=ctx.dims)


def roll(input: Tensor, shifts, dims=None) -> Tensor:  # noqa: A002
    """Rolls elements along ``dims`` by ``shifts`` (ints or tuples; ``dims=None`` rolls the
    flattened tensor and restores the shape).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([1, 2, 3, 4]).roll(1)
        tensor([4, 1, 2, 3])
    """
    shifts_t = tuple(int(s) for s in shifts) if isinstance(shifts, (tuple, list)) else (
        int(shifts),)
    if dims is None:
        if len(shifts_t) != 1:
            raise RuntimeError(
                f"shifts and dimensions must align. shifts: {len(shifts_t)}, dims:0"
            )
        return Roll.apply(input, shifts=shifts_t[0], dims=None)
    dims_t = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if len(shifts_t) != len(dims_t):
        raise RuntimeError(
            f"shifts and dimensions must align. shifts: {len(shifts_t)}, dims:{len(dims_t)}"
        )
    dims_t = tuple(wrap_dim(d, input._data.ndim) for d in dims_t)
    return Roll.apply(input, shifts=shifts_t, dims=dims_t)


# --- triangles and diagonals -------------------------------------------------------------------
class Tril(Op):
    """Lower triangle of the last two dims. Gradient: tril(grad)."""

    @staticmethod
    def forward(ctx, x, diagonal):
        ctx.diagonal = diagonal
        return ctx.xp.tril(x, diagonal)

    @staticmethod
    def backward(ctx, grad):
        return Tril.apply(grad, diagonal=ctx.diagonal)


class Triu(Op):
    """Upper triangle of the last two dims. Gradient: triu(grad)."""

    @staticmethod
    def forward(ctx, x, diagonal):
        ctx.diagonal = diagonal
        return ctx.xp.triu(x, diagonal)

    @staticmethod
    def backward(ctx, grad):
        return Triu.apply(grad, diagonal=ctx.diagonal)


def _check_matrix(input: Tensor, name: str) -> None:  # noqa: A002
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


def tril(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """Zeros above diagonal ``diagonal`` of the last two dims (a copy).

    Example:
        >>> import eagergrad as eg
        >>> eg.ones(2, 2).tril()
        tensor([[1., 0.],
                [1., 1.]])
    """
    _check_matrix(input, "tril")
    return Tril.apply(input, diagonal=int(diagonal))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """Zeros below diagonal ``diagonal`` of the last two dims (a copy).

    Example:
        >>> import eagergrad as eg
        >>> eg.ones(2, 2).triu()
        tensor([[1., 1.],
                [0., 1.]])
    """
    _check_matrix(input, "triu")
    return Triu.apply(input, diagonal=int(diagonal))


class Diagonal(Op):
    """The diagonal ``offset`` of dims (dim1, dim2), appended as the last dim (a read-only view).

    Gradient: zeros with grad written on that diagonal (``DiagonalScatter``).
    """

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.in_shape, ctx.args = x.shape, (offset, dim1, dim2)
        return ctx.xp.diagonal(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, grad):
        return DiagonalScatter.apply(grad, in_shape=ctx.in_shape, args=ctx.args)


class DiagonalScatter(Op):
    """Zeros of ``in_shape`` with x on a diagonal (the adjoint of Diagonal).

    Gradient: the diagonal of grad.
    """

    @staticmethod
    def forward(ctx, x, in_shape, args):
        ctx.args = args
        offset, dim1, dim2 = args
        z = ctx.xp.zeros(in_shape, dtype=x.dtype)
        zm = ctx.xp.moveaxis(z, (dim1, dim2), (-2, -1))
        n = x.shape[-1]
        rows = ctx.xp.arange(n) + max(-offset, 0)
        zm[..., rows, rows + offset] = x
        return z

    @staticmethod
    def backward(ctx, grad):
        offset, dim1, dim2 = ctx.args
        return Diagonal.apply(grad, offset=offset, dim1=dim1, dim2=dim2)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0,  # noqa: A002
             dim2: int = 1) -> Tensor:
    """The diagonal ``offset`` of the 2-D planes (dim1, dim2), as the last dim (a view).

    NOTE: the view is read-only (numpy's diagonal); torch's is writable.

    Example:
        >>> import eagergrad as eg
        >>> eg.arange(4).reshape(2, 2).diagonal()
        tensor([0, 3])
    """
    nd = input._data.ndim
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    out = Diagonal.apply(input, offset=int(offset), dim1=d1, dim2=d2)
    return view_of(out, input)
