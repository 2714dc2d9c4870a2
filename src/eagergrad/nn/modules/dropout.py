"""Dropout and Dropout2d."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zeroes elements with probability ``p`` in training (scaling the rest by 1/(1-p)).

    Example:
        >>> import eagergrad as eg
        >>> m = eg.nn.Dropout(0.2).eval()
        >>> m(eg.ones(3))
        tensor([1., 1., 1.])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zeroes whole channels of (N, C, L) input with probability ``p`` in training.

    Shape:
        Input ``(N, C, L)`` or ``(C, L)``; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> m = eg.nn.Dropout1d(p=0.5)
        >>> x = eg.ones(2, 3, 4)
        >>> m(x).shape
        eagergrad.Size([2, 3, 4])
        >>> _ = m.eval()
        >>> bool((m(x) == x).all())
        True
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zeroes whole channels of (N, C, H, W) input with probability ``p`` in training.

    Shape:
        Input ``(N, C, H, W)`` or ``(C, H, W)``; output the same shape.

    Example:
        >>> import eagergrad as eg
        >>> m = eg.nn.Dropout2d(p=0.5)
        >>> x = eg.ones(2, 3, 4, 4)
        >>> y = m(x)
        >>> sorted(set(y.flatten().tolist()))
        [0.0, 2.0]
        >>> _ = m.eval()
        >>> bool((m(x) == x).all())
        True
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout2d(input, self.p, self.training, self.inplace)
