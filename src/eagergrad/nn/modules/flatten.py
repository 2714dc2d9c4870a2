"""Flatten and Unflatten."""

from __future__ import annotations

from ..._ops._util import wrap_dim
from ..._ops.shape import reshape
from ..._tensor import Tensor
from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flattens dims ``start_dim`` to ``end_dim`` into one.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.Flatten()(eg.ones(32, 1, 5, 5)).shape
        eagergrad.Size([32, 25])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        shape = input.shape
        if not shape:
            return reshape(input, (1,))
        s = wrap_dim(self.start_dim, len(shape))
        e = wrap_dim(self.end_dim, len(shape))
        if s > e:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        n = 1
        for d in shape[s : e + 1]:
            n *= d
        return reshape(input, tuple(shape[:s]) + (n,) + tuple(shape[e + 1 :]))

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expands dim ``dim`` into the shape ``unflattened_size``.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.Unflatten(1, (2, 5))(eg.ones(2, 10)).shape
        eagergrad.Size([2, 2, 5])
    """

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        shape = input.shape
        d = wrap_dim(self.dim, len(shape))
        sizes = list(self.unflattened_size)
        if -1 in sizes:
            known = 1
            for s in sizes:
                if s != -1:
                    known *= s
            sizes[sizes.index(-1)] = shape[d] // known
        n = 1
        for s in sizes:
            n *= s
        if n != shape[d]:
            raise RuntimeError(
                f"unflatten: Provided sizes {list(self.unflattened_size)} don't multiply up to "
                f"the size of dim {self.dim} ({shape[d]}) in the input tensor"
            )
        return reshape(input, tuple(shape[:d]) + tuple(sizes) + tuple(shape[d + 1 :]))

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
