"""Shape ops: reshape/view, broadcasting, transposes, joins and splits."""

from __future__ import annotations

import numpy

from .._tensor import Tensor
from ._base import Op
from ._util import view_of, wrap_dim

__all__ = [
    "reshape", "view", "expand", "broadcast_to", "sum_to", "permute", "transpose", "t",
    "unbind", "contiguous",
]


# --- reshape -----------------------------------------------------------------------------------
class Reshape(Op):
    """x.reshape(shape). Gradient: grad.reshape(x.shape)."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return reshape(grad, ctx.in_shape)


def _infer_shape(shape, numel, op="view"):
    shape = tuple(int(s) for s in shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[: neg[0]] + (numel // known,) + shape[neg[0] + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def reshape(input: Tensor, shape) -> Tensor:  # noqa: A002
    """``input`` with a new shape (a view when the layout allows, else a copy).

    Example:
        >>> import eagergrad as eg
        >>> eg.arange(6).reshape(2, -1).shape
        eagergrad.Size([2, 3])
    """
    if isinstance(shape, int):
        shape = (shape,)
    shape = _infer_shape(shape, input._data.size)
    if shape == input._data.shape:
        return input
    out = Reshape.apply(input, shape=shape)
    if numpy.shares_memory(out._data, input._data) if input._device.xp is numpy else True:
        view_of(out, input)
    return out


def view(input: Tensor, shape) -> Tensor:  # noqa: A002
    """``input`` with a new shape sharing its storage; raises when no view is possible."""
    if isinstance(shape, int):
        shape = (shape,)
    shape = _infer_shape(shape, input._data.size)
    data = input._data
    try:
        # Assigning .shape never copies: it raises when strides cannot express the view.
        probe = data.view()
        probe.shape = shape
    except (AttributeError, ValueError):
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        ) from None
    if shape == data.shape:
        out = Reshape.apply(input, shape=shape)
    else:
        out = Reshape.apply(input, shape=shape)
    return view_of(out, input)


def contiguous(input: Tensor) -> Tensor:  # noqa: A002
    """``input`` itself if C-contiguous, else a contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    from .elementwise import clone

    return clone(input)


# --- broadcasting ------------------------------------------------------------------------------
class BroadcastTo(Op):
    """A read-only broadcast view. Gradient: sum_to(grad, x.shape)."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return sum_to(grad, ctx.in_shape)


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
    """Sums ``input`` over the dims that broadcasting added to ``shape`` (differentiable)."""
    shape = tuple(shape)
    if input._data.shape == shape:
        return input
    return SumTo.apply(input, shape=shape)


def broadcast_to(input: Tensor, shape) -> Tensor:  # noqa: A002
    """``input`` broadcast to ``shape`` (a view; -1 keeps a dim)."""
    shape = tuple(int(s) for s in shape)
    data = input._data
    lead = len(shape) - data.ndim
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(shape)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({data.ndim})"
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
    """``input`` expanded to ``sizes`` without copying (torch's expand)."""
    return broadcast_to(input, sizes)


# --- transposes --------------------------------------------------------------------------------
class Permute(Op):
    """x.transpose(dims). Gradient: grad permuted by the inverse permutation."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return permute(grad, tuple(numpy.argsort(ctx.dims).tolist()))


def permute(input: Tensor, dims) -> Tensor:  # noqa: A002
    """``input`` with its dims reordered (a view)."""
    nd = input._data.ndim
    dims = tuple(wrap_dim(d, nd) for d in dims)
    if len(dims) != nd or len(set(dims)) != nd:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal "
            f"to len(dims) = {len(dims)}"
            if len(dims) != nd else "permute(): duplicate dims are not allowed."
        )
    if dims == tuple(range(nd)):
        return input
    return view_of(Permute.apply(input, dims=dims), input)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """``input`` with ``dim0`` and ``dim1`` swapped (a view)."""
    nd = input._data.ndim
    if nd == 0:
        wrap_dim(dim0, nd), wrap_dim(dim1, nd)
        return input
    d0, d1 = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
    dims = list(range(nd))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return permute(input, dims)


def t(input: Tensor) -> Tensor:  # noqa: A002
    """Transpose of a tensor of at most 2 dims."""
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input._data.ndim}D")
    return transpose(input, 0, 1) if input._data.ndim == 2 else input


# --- splits -------------------------------------------------------------------------------------
class Unbind(Op):
    """The slices of x along dim. Gradient: the slices' gradients stacked."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        ctx.in_shape = x.shape
        xp = ctx.xp
        return tuple(xp.moveaxis(x, dim, 0))

    @staticmethod
    def backward(ctx, *grads):
        return stack(grads, ctx.dim)


def unbind(input: Tensor, dim: int = 0) -> tuple:  # noqa: A002
    """The slices of ``input`` along ``dim`` (views), as a tuple."""
    dim = wrap_dim(dim, input._data.ndim)
    outs = Unbind.apply(input, dim=dim)
    for o in outs:
        view_of(o, input)
    return outs
