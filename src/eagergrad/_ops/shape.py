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
    "moveaxis", "repeat_interleave", "meshgrid", "cartesian_prod", "diag_embed", "diag",
    "trace", "rot90", "kron", "block_diag", "dstack", "column_stack", "hsplit", "vsplit",
    "dsplit", "is_tensor", "numel",
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


# --- moveaxis, repeat_interleave, meshgrid -------------------------------------------------------
def moveaxis(input: Tensor, source, destination) -> Tensor:  # noqa: A002
    """Alias of ``movedim`` (numpy's name).

    Example:
        >>> import eagergrad as eg
        >>> eg.moveaxis(eg.zeros(2, 3, 4), 0, -1).shape
        eagergrad.Size([3, 4, 2])
    """
    return movedim(input, source, destination)


def _repeats_array(repeats: Tensor, n: int, dim_name: str):
    """``repeats`` (a 0-d or 1-D int tensor) as a 1-D array of length ``n``; torch's errors."""
    r = repeats._data
    if r.dtype.kind not in "iu":
        raise RuntimeError("repeats has to be Long or Int tensor")
    if r.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    if r.ndim == 0 or r.shape[0] == 1:
        r = repeats._device.xp.full((n,), r.reshape(()), dtype=numpy.int64)
    elif r.shape[0] != n:
        raise RuntimeError(
            "repeats must have the same size as input along dim, but got "
            f"repeats.size(0) = {r.shape[0]} and {dim_name} = {n}"
        )
    if r.size and int(r.min()) < 0:
        raise RuntimeError("repeats can not be negative")
    return r


def repeat_interleave(input: Tensor, repeats=None, dim=None, *,  # noqa: A002
                      output_size=None) -> Tensor:
    """Repeats each element of ``input`` (each slice along ``dim``) ``repeats`` times in place.

    ``repeats`` is an int (every element the same count) or a 0-d/1-D int tensor (one count per
    slice). ``dim=None`` works on the flattened input. ``repeat_interleave(repeats)`` alone (an
    int tensor) gives ``[0]*repeats[0] + [1]*repeats[1] + ...``. ``output_size`` is the output
    length along ``dim``; when given it is checked.

    Derivative: the output gradient summed over each element's copies.

    Example:
        >>> import eagergrad as eg
        >>> eg.repeat_interleave(eg.tensor([1, 2]), 2)
        tensor([1, 1, 2, 2])
        >>> eg.repeat_interleave(eg.tensor([[1, 2], [3, 4]]), eg.tensor([1, 2]), dim=0)
        tensor([[1, 2],
                [3, 4],
                [3, 4]])
    """
    xp = input._device.xp
    if repeats is None:  # repeat_interleave(repeats): indices repeated
        r = _repeats_array(input, input._data.size if input._data.ndim else 1, "input.size(0)")
        out = xp.repeat(xp.arange(r.shape[0], dtype=numpy.int64), r)
        return Tensor._make(out, input._device)
    if dim is None:
        input = reshape(input, (-1,))
        d = 0
    else:
        d = wrap_dim(dim, input._data.ndim)
        if input._data.ndim == 0:
            input = reshape(input, (1,))
    n = input._data.shape[d]
    if isinstance(repeats, Tensor) and repeats._data.dtype.kind not in "iu":
        raise RuntimeError("repeats has to be Long or Int tensor")
    if isinstance(repeats, Tensor) and (repeats._data.ndim > 1 or (
            repeats._data.ndim == 1 and repeats._data.shape[0] != 1)):
        r = _repeats_array(repeats, n, f"input.size({d})")
        total = int(r.sum())
        if output_size is not None and int(output_size) != total:
            raise RuntimeError("allocated size does not match required size")
        from .indexing import IndexSelect

        index = Tensor._make(xp.repeat(xp.arange(n, dtype=numpy.int64), r), input._device)
        return IndexSelect.apply(input, index, dim=d)
    k = int(repeats.item() if isinstance(repeats, Tensor) else repeats)
    if k < 0:
        raise RuntimeError("Repeats must be non-negative" if not isinstance(repeats, Tensor)
                           else "repeats can not be negative")
    if output_size is not None and int(output_size) != n * k:
        raise RuntimeError(
            f"repeat_interleave: Invalid output_size, expected {n * k} but got {output_size}"
        )
    # Differentiable composition: (.., n, ..) -> (.., n, 1, ..) -> (.., n, k, ..) -> (.., n*k, ..)
    shape = input._data.shape
    expanded = broadcast_to(unsqueeze(input, d + 1), shape[:d + 1] + (k,) + shape[d + 1:])
    return reshape(expanded, shape[:d] + (n * k,) + shape[d + 1:])


def meshgrid(*tensors, indexing: str = "ij") -> tuple:
    """Coordinate grids from 0-d/1-D tensors: output ``i`` varies along dim ``i``.

    ``indexing='ij'`` gives shape ``(len(t0), len(t1), ...)``; ``'xy'`` swaps the first two dims
    (Cartesian, as numpy's default). NOTE: torch warns when ``indexing`` is omitted and then uses
    ``'ij'``; eagergrad uses ``'ij'`` silently. The outputs are broadcast views.

    Derivative: each grid's gradient summed back onto its input tensor.

    Example:
        >>> import eagergrad as eg
        >>> xs, ys = eg.meshgrid(eg.tensor([1, 2]), eg.tensor([3, 4, 5]), indexing="ij")
        >>> xs
        tensor([[1, 1, 1],
                [2, 2, 2]])
        >>> ys.shape
        eagergrad.Size([2, 3])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(
            f'eagergrad.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}'
        )
    tensors = _tensor_list(tensors, "meshgrid")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(
                "eagergrad.meshgrid: Expected 0D or 1D tensor in the tensor list but got a tensor "
                f"of shape {list(t._data.shape)}"
            )
        if t._data.dtype != tensors[0]._data.dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
        if t._device is not tensors[0]._device:
            raise RuntimeError("meshgrid expects all tensors to have the same device")
    k = len(tensors)
    dims = list(range(k))
    if indexing == "xy" and k >= 2:
        dims[0], dims[1] = 1, 0
    sizes = [t._data.size for t in tensors]
    out_shape = [0] * k
    for i, d in enumerate(dims):
        out_shape[d] = sizes[i]
    out = []
    for i, t in enumerate(tensors):
        shape = [1] * k
        shape[dims[i]] = sizes[i]
        out.append(broadcast_to(reshape(t, tuple(shape)), tuple(out_shape)))
    return tuple(out)


def cartesian_prod(*tensors) -> Tensor:
    """The Cartesian product of 1-D tensors, one row per combination (itertools.product order).

    A single tensor comes back unchanged. Derivative: each input gets the sum of its column's
    gradient over the rows that use each element.

    Example:
        >>> import eagergrad as eg
        >>> eg.cartesian_prod(eg.tensor([1, 2]), eg.tensor([3, 4]))
        tensor([[1, 3],
                [1, 4],
                [2, 3],
                [2, 4]])
    """
    tensors = _tensor_list(tensors, "cartesian_prod")
    for t in tensors:
        if t._data.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._data.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, (-1,)) for g in grids], dim=1)


# --- diagonals and trace -----------------------------------------------------------------------
def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2,  # noqa: A002
               dim2: int = -1) -> Tensor:
    """Tensor whose diagonals ``offset`` in the planes (dim1, dim2) hold ``input``'s last dim.

    The output has one more dim than ``input``; ``dim1``/``dim2`` refer to the output and the
    other output dims are ``input``'s leading dims in order. Off-diagonal entries are zero.

    Derivative: the diagonal of the output gradient (``diagonal(grad, offset, dim1, dim2)``).

    Example:
        >>> import eagergrad as eg
        >>> eg.diag_embed(eg.tensor([[1, 2], [3, 4]]))
        tensor([[[1, 0],
                 [0, 2]],
        <BLANKLINE>
                [[3, 0],
                 [0, 4]]])
    """
    nd = input._data.ndim + 1
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = int(offset)
    n = input._data.shape[-1] + abs(offset)
    batch = iter(input._data.shape[:-1])
    out_shape = tuple(n if i in (d1, d2) else next(batch) for i in range(nd))
    return DiagonalScatter.apply(input, in_shape=out_shape, args=(offset, d1, d2))


def diag(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """A 1-D tensor as a square matrix with it on diagonal ``diagonal``; a matrix's diagonal
    ``diagonal`` as a 1-D tensor (a copy, as in torch).

    Derivative: 1-D input: the gradient's diagonal; 2-D input: the gradient on the diagonal of
    zeros.

    Example:
        >>> import eagergrad as eg
        >>> eg.diag(eg.tensor([1, 2]))
        tensor([[1, 0],
                [0, 2]])
        >>> eg.diag(eg.tensor([[1, 2], [3, 4]]), 1)
        tensor([2])
    """
    nd = input._data.ndim
    if nd == 1:
        return diag_embed(input, diagonal, 0, 1)
    if nd == 2:
        from .elementwise import clone

        return clone(Diagonal.apply(input, offset=int(diagonal), dim1=0, dim2=1))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")


def trace(input: Tensor) -> Tensor:  # noqa: A002
    """The sum of the main diagonal of a matrix (integer inputs sum to int64, as ``sum``).

    Derivative: the identity-like matrix (ones on the diagonal) times the output gradient.

    Example:
        >>> import eagergrad as eg
        >>> eg.trace(eg.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor(5.)
    """
    from .reduction import sum as _sum

    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    return _sum(diagonal(input))


# --- rot90, kron, block_diag ---------------------------------------------------------------------
def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:  # noqa: A002
    """Rotates ``input`` by 90 degrees ``k`` times in the plane ``dims``, from the first dim
    toward the second (a copy).

    Derivative: the gradient rotated back (``rot90(grad, -k, dims)``).

    Example:
        >>> import eagergrad as eg
        >>> eg.rot90(eg.tensor([[1, 2], [3, 4]]))
        tensor([[2, 4],
                [1, 3]])
    """
    dims = tuple(dims)
    nd = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = wrap_dim(dims[0], nd), wrap_dim(dims[1], nd)
    if d0 == d1:
        raise RuntimeError(
            f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}"
        )
    k = int(k) % 4
    if k == 1:
        return transpose(flip(input, (d1,)), d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return transpose(flip(input, (d0,)), d0, d1)
    from .elementwise import clone

    return clone(input)


def kron(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The Kronecker product: blocks ``input[i, j] * other`` (any number of dims; the shorter
    shape is padded with leading 1s). Dtypes are promoted.

    Derivative: for ``input``, the gradient's blocks contracted with ``other``; for ``other``,
    the blocks summed with ``input``'s weights (a composition of reshape, mul and sum).

    Example:
        >>> import eagergrad as eg
        >>> eg.kron(eg.tensor([[1, 0], [0, 2]]), eg.tensor([1, 1]))
        tensor([[1, 1, 0, 0],
                [0, 0, 2, 2]])
    """
    from .elementwise import mul

    sa, sb = input._data.shape, other._data.shape
    nd = max(len(sa), len(sb))
    sa = (1,) * (nd - len(sa)) + tuple(sa)
    sb = (1,) * (nd - len(sb)) + tuple(sb)
    a = reshape(input, tuple(v for s in sa for v in (s, 1)))
    b = reshape(other, tuple(v for s in sb for v in (1, s)))
    return reshape(mul(a, b), tuple(x * y for x, y in zip(sa, sb)))


def block_diag(*tensors) -> Tensor:
    """A block-diagonal matrix from tensors of at most 2 dims (0-d is ``(1, 1)``, 1-D ``(n,)`` is
    ``(1, n)``); dtypes are promoted. With no tensors, an empty ``(1, 0)`` tensor (torch's rule).

    Derivative: each input gets its block of the gradient.

    Example:
        >>> import eagergrad as eg
        >>> eg.block_diag(eg.tensor([[1, 2]]), eg.tensor(3))
        tensor([[1, 2, 0],
                [0, 0, 3]])
    """
    if not tensors:
        from .._creation import empty

        return empty(1, 0)
    tensors = _tensor_list(tensors, "block_diag")
    mats = []
    for i, t in enumerate(tensors):
        nd = t._data.ndim
        if nd > 2:
            raise RuntimeError(
                "eagergrad.block_diag: Input tensors must have 2 or fewer dimensions. Input "
                f"{i} has {nd} dimensions"
            )
        mats.append(t if nd == 2 else reshape(t, (1, -1)))
    widths = [m._data.shape[1] for m in mats]
    total = sum(widths)
    rows, left = [], 0
    for m, w in zip(mats, widths):
        xp, r = m._device.xp, m._data.shape[0]
        before = Tensor._make(xp.zeros((r, left), dtype=m._data.dtype), m._device)
        after = Tensor._make(xp.zeros((r, total - left - w), dtype=m._data.dtype), m._device)
        rows.append(cat([before, m, after], 1))
        left += w
    return cat(rows, 0)


# --- more joins and splits -----------------------------------------------------------------------
def dstack(tensors) -> Tensor:
    """Concatenates along dim 2 after making each tensor at least 3-D (``(n,)`` -> ``(1, n, 1)``,
    ``(m, n)`` -> ``(m, n, 1)``), as numpy's ``dstack``.

    Derivative: each input gets its slice of the gradient.

    Example:
        >>> import eagergrad as eg
        >>> eg.dstack([eg.zeros(2, 3), eg.ones(2, 3)]).shape
        eagergrad.Size([2, 3, 2])
    """
    out = []
    for x in _tensor_list(tensors, "dstack"):
        s = x._data.shape
        if len(s) < 3:
            x = reshape(x, (1, 1, 1) if not s else (1, s[0], 1) if len(s) == 1 else s + (1,))
        out.append(x)
    return cat(out, 2)


def column_stack(tensors) -> Tensor:
    """Concatenates along dim 1 after turning 0-d and 1-D tensors into columns ``(n, 1)``.

    Derivative: each input gets its slice of the gradient.

    Example:
        >>> import eagergrad as eg
        >>> eg.column_stack([eg.tensor([1, 2]), eg.tensor([3, 4])])
        tensor([[1, 3],
                [2, 4]])
    """
    out = [x if x._data.ndim > 1 else reshape(x, (-1, 1))
           for x in _tensor_list(tensors, "column_stack")]
    return cat(out, 1)


def _split_along(input: Tensor, indices_or_sections, dim: int, name: str) -> tuple:  # noqa: A002
    """numpy's ``split`` semantics (torch's ``tensor_split`` with an exact-division check)."""
    from .indexing import getitem

    n = input._data.shape[dim]
    if isinstance(indices_or_sections, (list, tuple)):
        bounds = [None, *[int(i) for i in indices_or_sections], None]
        head = (slice(None),) * dim
        return tuple(getitem(input, head + (slice(bounds[i] if i else 0, bounds[i + 1]),))
                     for i in range(len(bounds) - 1))
    sections = int(indices_or_sections)
    if sections <= 0 or n % sections:
        raise RuntimeError(
            f"eagergrad.{name} attempted to split along dimension {dim}, but the size of the "
            f"dimension {n} is not divisible by the split_size {sections}!"
        )
    return _multi_view(Split.apply(input, dim=dim, sizes=[n // sections] * sections), input)


def _split_check(input: Tensor, name: str, need: int) -> None:  # noqa: A002
    nd = input._data.ndim
    if nd < need:
        raise RuntimeError(  # NOTE: torch's wording, singular "dimension" included
            f"eagergrad.{name} requires a tensor with at least {need} dimension, but got a "
            f"tensor with {nd} dimensions!"
        )


def hsplit(input: Tensor, indices_or_sections) -> tuple:  # noqa: A002
    """Splits along dim 1 (dim 0 for 1-D tensors) into equal sections or at indices (views).

    An int must divide the dim's size; a list of indices cuts as numpy slices do.

    Derivative: each piece's gradient goes back to its slice.

    Example:
        >>> import eagergrad as eg
        >>> [x.shape for x in eg.hsplit(eg.zeros(2, 4), 2)]
        [eagergrad.Size([2, 2]), eagergrad.Size([2, 2])]
    """
    _split_check(input, "hsplit", 1)
    return _split_along(input, indices_or_sections, 1 if input._data.ndim > 1 else 0, "hsplit")


def vsplit(input: Tensor, indices_or_sections) -> tuple:  # noqa: A002
    """Splits a tensor of at least 2 dims along dim 0 (see ``hsplit``).

    Example:
        >>> import eagergrad as eg
        >>> [x.shape for x in eg.vsplit(eg.zeros(4, 2), [1])]
        [eagergrad.Size([1, 2]), eagergrad.Size([3, 2])]
    """
    _split_check(input, "vsplit", 2)
    return _split_along(input, indices_or_sections, 0, "vsplit")


def dsplit(input: Tensor, indices_or_sections) -> tuple:  # noqa: A002
    """Splits a tensor of at least 3 dims along dim 2 (see ``hsplit``).

    Example:
        >>> import eagergrad as eg
        >>> [x.shape for x in eg.dsplit(eg.zeros(1, 2, 4), 2)]
        [eagergrad.Size([1, 2, 2]), eagergrad.Size([1, 2, 2])]
    """
    _split_check(input, "dsplit", 3)
    return _split_along(input, indices_or_sections, 2, "dsplit")


# --- small queries -------------------------------------------------------------------------------
def is_tensor(obj) -> bool:
    """Whether ``obj`` is an eagergrad ``Tensor`` (or a subclass such as ``Parameter``).

    Example:
        >>> import eagergrad as eg
        >>> eg.is_tensor(eg.zeros(1)), eg.is_tensor([1.0])
        (True, False)
    """
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:  # noqa: A002
    """The number of elements of ``input`` (1 for a 0-d tensor).

    Example:
        >>> import eagergrad as eg
        >>> eg.numel(eg.zeros(2, 3))
        6
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"numel(): argument 'input' must be Tensor, not {type(input).__name__}")
    return int(input._data.size)
