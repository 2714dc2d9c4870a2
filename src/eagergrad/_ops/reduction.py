"""Reductions over dims: sum, mean, prod, max/min, var/std, logsumexp, norm, cumulative ops."""

from __future__ import annotations

from .._dtype import int64, to_dtype
from .._tensor import Tensor
from ._base import Op
from ._util import wrap_dims

__all__ = ["sum"]


def _reduce_dims(dim, ndim):
    """None or () -> all dims (as None); else a sorted tuple of normalised dims."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return None
    return tuple(sorted(wrap_dims(dim, ndim)))


def _expand_back(grad: Tensor, in_shape, dims, keepdim) -> Tensor:
    """Broadcasts a reduced gradient back to the input's shape."""
    from .shape import broadcast_to, reshape

    if not keepdim and dims is not None:
        kept = list(grad._data.shape)
        for d in dims:
            kept.insert(d, 1)
        grad = reshape(grad, tuple(kept))
    elif not keepdim:
        grad = reshape(grad, (1,) * len(in_shape))
    return broadcast_to(grad, in_shape)


class Sum(Op):
    """x.sum(dims). Gradient: grad broadcast back over the summed dims."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.in_shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return x.sum(axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad, ctx.in_shape, ctx.dims, ctx.keepdim)


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A001,A002
    """Sum over ``dim`` (int, tuple or None for all); bool/int inputs sum to int64 as in torch.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([[1., 2.], [3., 4.]]).sum(0)
        tensor([4., 6.])
    """
    data = input._data
    dims = _reduce_dims(dim, data.ndim)
    if dtype is not None:
        np_dtype = to_dtype(dtype).np
    elif data.dtype.kind in "biu":
        np_dtype = int64.np
    else:
        np_dtype = None
    return Sum.apply(input, dims=dims, keepdim=keepdim, dtype=np_dtype)
