"""Indexing: __getitem__/__setitem__, gather/scatter, index_select/index_add, masks."""

from __future__ import annotations

from .._tensor import Tensor
from ._base import Op

__all__ = ["getitem", "index_put_value"]


class GetItem(Op):
    """x[index]. Gradient: zeros like x with grad added at index (repeats accumulate)."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.in_shape, ctx.index = x.shape, index
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("GetItem backward is written by the indexing family")


def getitem(input: Tensor, index) -> Tensor:  # noqa: A002
    """``input[index]`` with torch's indexing rules."""
    return GetItem.apply(input, index=index)


def index_put_value(input: Tensor, index, value) -> Tensor:  # noqa: A002
    """Out-of-place twin of ``input[index] = value``."""
    raise RuntimeError("index_put_value is written by the indexing family")
