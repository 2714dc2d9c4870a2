"""``eg.linalg``: torch.linalg's functions on eagergrad tensors.

Decompositions (``cholesky``, ``qr``, ``svd``, ``svdvals``, ``eigh``, ``eigvalsh``), inverses and
solves (``inv``, ``det``, ``slogdet``, ``solve``, ``pinv``, ``matrix_rank``), norms
(``vector_norm``, ``matrix_norm``, ``norm``) and products (``cross``, ``vecdot``,
``matrix_power``, ``matmul``), with torch's names, signatures, batching ``(*, m, n)`` and
gradients. Singular or non-positive-definite inputs raise ``LinAlgError`` (a ``RuntimeError``).

Example:
    >>> import eagergrad as eg
    >>> import eagergrad.linalg as LA
    >>> A = eg.tensor([[4., 1.], [1., 3.]], requires_grad=True)
    >>> LA.det(A).backward()
    >>> A.grad
    tensor([[ 3., -1.],
            [-1.,  4.]])
"""

from __future__ import annotations

from ._ops.linalg import matmul
from ._ops.linalg_decomp import (  # the result namedtuples are attributes, not in __all__
    EighResult,  # noqa: F401
    LinAlgError,
    QRResult,  # noqa: F401
    SlogdetResult,  # noqa: F401
    SVDResult,  # noqa: F401
    cholesky,
    cross,
    det,
    eigh,
    eigvalsh,
    inv,
    matrix_norm,
    matrix_power,
    matrix_rank,
    norm,
    pinv,
    qr,
    slogdet,
    solve,
    svd,
    svdvals,
    vecdot,
    vector_norm,
)

__all__ = [
    # The result namedtuples (SlogdetResult, QRResult, SVDResult, EighResult) are attributes
    # here but not in __all__: torch keeps its own in torch.return_types.
    "LinAlgError", "vector_norm", "matrix_norm", "norm",
    "inv", "det", "slogdet", "solve", "cholesky", "qr", "svd", "svdvals", "eigh", "eigvalsh",
    "pinv", "matrix_rank", "cross", "vecdot", "matrix_power", "matmul",
]
