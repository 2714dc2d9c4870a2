"""Embedding."""

from __future__ import annotations

from ..._creation import empty
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Embedding"]


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim``.

    The weight is initialised N(0, 1); the ``padding_idx`` row is zero and gets no gradient.

    Args:
        num_embeddings: number of rows.
        embedding_dim: size of each row.
        padding_idx: a row kept at zero at init that gets no gradient.
        max_norm: rows looked up whose ``norm_type``-norm exceeds it are renormalised to
            ``max_norm`` in place before the lookup (see ``F.embedding``).
        norm_type: the p of that norm. Default: 2.
        scale_grad_by_freq: divide each row's gradient by its index's count in the batch.
        sparse: not supported (eagergrad has no sparse gradients); forward raises
            ``NotImplementedError``.

    Shape:
        Input: integer tensor ``(*)``; output ``(*, embedding_dim)``.

    Example:
        >>> import eagergrad as eg
        >>> emb = eg.nn.Embedding(10, 3, padding_idx=0)
        >>> emb(eg.tensor([[0, 2], [4, 5]])).shape
        eagergrad.Size([2, 2, 3])
        >>> eg.nn.Embedding(10, 3, max_norm=1.0, scale_grad_by_freq=True)
        Embedding(10, 3, max_norm=1.0, scale_grad_by_freq=True)
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        if padding_idx is not None:
            if padding_idx > 0 and padding_idx >= num_embeddings:
                raise AssertionError("Padding_idx must be within num_embeddings")
            if padding_idx < 0:
                if padding_idx < -num_embeddings:
                    raise AssertionError("Padding_idx must be within num_embeddings")
                padding_idx = num_embeddings + padding_idx
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(
                empty(num_embeddings, embedding_dim, device=device, dtype=dtype),
                requires_grad=not _freeze,
            )
            self.reset_parameters()
        else:
            if list(_weight.shape) != [num_embeddings, embedding_dim]:
                raise AssertionError(
                    "Shape of weight does not match num_embeddings and embedding_dim"
                )
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight._data[self.padding_idx] = 0
                self.weight._bump()

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.embedding(
            input,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )

    def extra_repr(self) -> str:
        # torch's format: options shown only when they differ from the defaults
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding whose weight is ``embeddings`` (frozen by default).

        Example:
            >>> import eagergrad as eg
            >>> emb = eg.nn.Embedding.from_pretrained(eg.tensor([[3., 4.], [0., 1.]]), max_norm=1.0)
            >>> emb(eg.tensor([0]))
            tensor([[0.6000, 0.8000]])
        """
        if embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(
            rows,
            cols,
            padding_idx,
            max_norm,
            norm_type,
            scale_grad_by_freq,
            sparse,
            _weight=embeddings,
            _freeze=freeze,
        )
