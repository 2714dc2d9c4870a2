"""Linear algebra: matmul (torch's 1-D/2-D/batched rules), mm, bmm, mv, dot, outer, einsum."""

from __future__ import annotations

from .._tensor import Tensor
from ._base import Op, promote

__all__ = ["matmul"]


class MatMul(Op):
    """x @ y for operands of at least 2 dims (batch dims broadcast).

    Gradient: grad @ y^T for x, x^T @ grad for y (summed back over broadcast batch dims).
    """

    broadcasting = True

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return ctx.xp.matmul(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        grad_x = matmul(grad, y.mT) if need_x else None
        grad_y = matmul(x.mT, grad) if need_y else None
        return grad_x, grad_y


def matmul(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Matrix product with torch's rules for 1-D, 2-D, batched and broadcast operands.

    Example:
        >>> import eagergrad as eg
        >>> (eg.ones(2, 3) @ eg.ones(3)).shape
        eagergrad.Size([2])
    """
    a, b, _ = promote(input, other)
    return MatMul.apply(a, b)
