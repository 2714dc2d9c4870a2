"""torch.linalg: decompositions (cholesky, qr, svd, eigh), inverses and solves (inv, det, slogdet,
solve, pinv), norms (vector, matrix) and small products (cross, vecdot, matrix_power).

Forward calls ``ctx.xp.linalg`` (numpy.linalg and cupy.linalg share the names used here);
backward composes eagergrad ops with the formulas of torch's
torch/csrc/autograd/FunctionsManual.cpp, so ``create_graph=True`` works through them.
"""

from __future__ import annotations

import math
from collections import namedtuple

from .._tensor import Tensor
from ..autograd.grad_mode import _mode
from ._base import Op
from ._util import torch_type_name, wrap_dim
from .elementwise import abs, add, div, mul, sub  # noqa: A004
from .linalg import checked_cross, matmul
from .reduction import amax, amin, sum  # noqa: A004
from .reduction import norm as _norm
from .shape import cat, diagonal, movedim, narrow, squeeze, tril, triu, unsqueeze

__all__ = [
    "LinAlgError", "vector_norm", "matrix_norm", "norm", "inv", "det", "slogdet", "solve",
    "cholesky", "qr", "svd", "svdvals", "eigh", "eigvalsh", "pinv", "matrix_rank", "cross",
    "vecdot", "matrix_power",
]


class LinAlgError(RuntimeError):
    """Raised when a matrix is singular or not positive-definite (torch.linalg.LinAlgError).

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> try:
        ...     LA.inv(eg.zeros(2, 2))
        ... except LA.LinAlgError as e:
        ...     print(isinstance(e, RuntimeError))
        True
    """


SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])
QRResult = namedtuple("QRResult", ["Q", "R"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])
EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])


# --- helpers --------------------------------------------------------------------------------------
def _const(array, like: Tensor) -> Tensor:
    return Tensor._make(array, like._device)


def _eye_like(x: Tensor, n: int) -> Tensor:
    return _const(x._device.xp.eye(n, dtype=x._data.dtype), x)


def _check_input(A: Tensor, name: str, square: bool = True, arg: str = "A"):
    """torch's checks: float dtype, at least 2 dims, square last two dims."""
    if A._data.dtype.kind != "f":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{torch_type_name(A.dtype)}")
    if A._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")
    m, n = A._data.shape[-2:]
    if square and m != n:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {m} by "
                           f"{n} matrices")


def _is_linalg_error(exc) -> bool:
    # numpy.linalg.LinAlgError (cupy raises the same class when its error checks are on)
    return type(exc).__name__ == "LinAlgError"


def _mT(x: Tensor) -> Tensor:
    return x.mT


class _DiagEmbed(Op):
    """(*, n) -> (*, n, n) with x on the diagonal. Gradient: the diagonal of grad."""

    @staticmethod
    def forward(ctx, x):
        n = x.shape[-1]
        out = ctx.xp.zeros(x.shape + (n,), dtype=x.dtype)
        idx = ctx.xp.arange(n)
        out[..., idx, idx] = x
        return out

    @staticmethod
    def backward(ctx, grad):
        return diagonal(grad, 0, -2, -1)


def _diag_embed(x: Tensor) -> Tensor:
    return _DiagEmbed.apply(x)


def _solve_right(A: Tensor, B: Tensor) -> Tensor:
    """X with X @ A = B, i.e. solve(A^T, B^T)^T."""
    return _mT(Solve.apply(_mT(A), _mT(B)))


# --- inv, det, slogdet ----------------------------------------------------------------------------
class Inv(Op):
    """A^-1. Gradient (torch's inv_backward): -A^-T grad A^-T, with A^-1 the saved output."""

    @staticmethod
    def forward(ctx, x):
        try:
            y = ctx.xp.linalg.inv(x)
        except Exception as exc:
            if _is_linalg_error(exc):
                raise LinAlgError("linalg.inv: The inversion could not be completed because the "
                                  "input matrix is singular.") from None
            raise
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        yT = _mT(y)
        return -matmul(yT, matmul(grad, yT))


class Det(Op):
    """det(A). Gradient: grad * det(A) * A^-T (A must be invertible; see ``det``)."""

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.asarray(ctx.xp.linalg.det(x), dtype=x.dtype)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        scale = unsqueeze(unsqueeze(mul(grad, y), -1), -1)
        return mul(scale, _mT(Inv.apply(x)))


class Slogdet(Op):
    """(sign, log|det A|). Gradient: grad_logabsdet * A^-T (sign has no gradient)."""

    @staticmethod
    def forward(ctx, x):
        sign, logabsdet = ctx.xp.linalg.slogdet(x)
        sign = ctx.xp.asarray(sign, dtype=x.dtype)
        logabsdet = ctx.xp.asarray(logabsdet, dtype=x.dtype)
        ctx.save_for_backward(x)
        ctx.mark_non_differentiable(sign)
        return sign, logabsdet

    @staticmethod
    def backward(ctx, grad_sign, grad_logabsdet):
        (x,) = ctx.saved_tensors
        return mul(unsqueeze(unsqueeze(grad_logabsdet, -1), -1), _mT(Inv.apply(x)))


def inv(A: Tensor) -> Tensor:
    """The inverse of a square matrix (or of each matrix in a batch ``(*, n, n)``).

    Args:
        A: a ``(*, n, n)`` float tensor.

    Returns:
        The ``(*, n, n)`` inverse.

    Raises:
        LinAlgError: if a matrix is singular.

    Derivative: -A^-T grad A^-T.

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> LA.inv(eg.tensor([[2., 0.], [0., 4.]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.2500]])
    """
    _check_input(A, "linalg.inv")
    return Inv.apply(A)


def det(A: Tensor) -> Tensor:
    """The determinant of a square matrix (or of each matrix in a batch).

    Args:
        A: a ``(*, n, n)`` float tensor.

    Returns:
        The ``(*)`` determinants.

    Derivative: grad * det(A) * A^-T. NOTE: unlike torch (which falls back to an SVD), the
    gradient at a singular matrix raises ``LinAlgError``.

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> round(LA.det(eg.tensor([[1., 2.], [3., 4.]])).item(), 4)
        -2.0
    """
    _check_input(A, "linalg.det")
    return Det.apply(A)


def slogdet(A: Tensor):
    """Sign and natural log of the absolute value of the determinant.

    Args:
        A: a ``(*, n, n)`` float tensor.

    Returns:
        A namedtuple ``(sign, logabsdet)`` of ``(*)`` tensors; ``sign`` is -1, 0 or 1.

    Derivative: grad_logabsdet * A^-T (sign has none).

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> LA.slogdet(eg.tensor([[1., 2.], [3., 4.]])).sign
        tensor(-1.)
    """
    _check_input(A, "linalg.slogdet")
    return SlogdetResult(*Slogdet.apply(A))


# --- solve ----------------------------------------------------------------------------------------
class Solve(Op):
    """X = A^-1 B for A (*, n, n) and B (*, n, k) with broadcast batch dims.

    Gradient (torch's linalg_solve backward): grad_B = A^-T grad, grad_A = -grad_B X^T.
    """

    broadcasting = True

    @staticmethod
    def forward(ctx, a, b):
        xp = ctx.xp
        batch = xp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        try:
            y = xp.linalg.solve(xp.broadcast_to(a, batch + a.shape[-2:]),
                                xp.broadcast_to(b, batch + b.shape[-2:]))
        except Exception as exc:
            if _is_linalg_error(exc):
                raise LinAlgError("torch.linalg.solve: The solver failed because the input "
                                  "matrix is singular.") from None
            raise
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        a, y = ctx.saved_tensors
        grad_b = Solve.apply(_mT(a), grad)
        grad_a = -matmul(grad_b, _mT(y)) if ctx.needs_input_grad[0] else None
        return grad_a, grad_b if ctx.needs_input_grad[1] else None


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """Solves ``A X = B`` (or ``X A = B`` when ``left=False``) for square invertible ``A``.

    Torch's rule for vectors: ``B`` is a (batch of) vector(s) when it is 1-D, or when its
    shape is ``A.shape[:-1]``; otherwise it is a (batch of) ``(n, k)`` matrices. Batch dims
    broadcast.

    Args:
        A: a ``(*, n, n)`` float tensor.
        B: a ``(*, n)`` or ``(*, n, k)`` tensor (``(*, k, n)`` when ``left=False``).
        left: solve ``A X = B`` (True) or ``X A = B`` (False).

    Returns:
        X, with B's shape (after broadcasting the batch dims).

    Raises:
        LinAlgError: if ``A`` is singular.

    Derivative: grad_B = A^-T grad, grad_A = -grad_B X^T.

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> LA.solve(eg.tensor([[2., 0.], [0., 4.]]), eg.tensor([2., 2.]))
        tensor([1.0000, 0.5000])
    """
    _check_input(A, "linalg.solve")
    if B._data.dtype != A._data.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found "
                           f"A of type {torch_type_name(A.dtype)} and B of type "
                           f"{torch_type_name(B.dtype)} instead")
    a_shape, b_shape = A._data.shape, B._data.shape
    vector = B._data.ndim == 1 or (B._data.ndim == A._data.ndim - 1
                                   and b_shape == a_shape[:-1])
    if vector:
        B = unsqueeze(B, -1)
    n, (p, q) = a_shape[-1], B._data.shape[-2:]
    if (p if left else q) != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation {eq} "
                           f"({n}x{n} and {p}x{q})")
    _batch_shape(a_shape[:-2], B._data.shape[:-2])
    X = Solve.apply(A, B) if left else _solve_right(A, B)
    return squeeze(X, -1) if vector else X


def _batch_shape(a, b):
    import numpy  # shape arithmetic only, no array math

    try:
        return tuple(numpy.broadcast_shapes(a, b))
    except ValueError:
        raise RuntimeError(f"linalg.solve: the batch dims of A {list(a)} and B {list(b)} do "
                           "not broadcast") from None


# --- cholesky -------------------------------------------------------------------------------------
class Cholesky(Op):
    """L with A = L L^T (lower). Gradient (torch's cholesky_backward):
    P = tril(L^T gL) with its strict lower part mirrored and halved, grad_A = L^-T P L^-1."""

    @staticmethod
    def forward(ctx, x):
        try:
            y = ctx.xp.linalg.cholesky(x)
        except Exception as exc:
            if _is_linalg_error(exc):
                raise LinAlgError(_cholesky_message(ctx.xp, x)) from None
            raise
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (L,) = ctx.saved_tensors
        P = tril(matmul(_mT(L), grad))
        P = mul(add(P, _mT(tril(P, -1))), 0.5)
        Y = Solve.apply(_mT(L), P)  # L^-T P
        return _mT(Solve.apply(_mT(L), _mT(Y)))  # (L^-T (L^-T P)^T)^T = L^-T P L^-1


def _cholesky_message(xp, x):
    """torch's message: the order of the first leading minor that is not positive-definite."""
    flat = x.reshape((-1,) + x.shape[-2:])
    for b in range(flat.shape[0]):
        for k in range(1, x.shape[-1] + 1):
            try:
                xp.linalg.cholesky(flat[b, :k, :k])
            except Exception:
                where = f"(Batch element {b}): " if x.ndim > 2 else ""
                return (f"linalg.cholesky: {where}The factorization could not be completed "
                        f"because the input is not positive-definite (the leading minor of "
                        f"order {k} is not positive-definite).")
    return "linalg.cholesky: The factorization could not be completed."


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """The Cholesky factor of a symmetric positive-definite matrix (only its lower triangle is
    read).

    Args:
        A: a ``(*, n, n)`` float tensor.
        upper: return the upper factor U (A = U^T U) instead of the lower L (A = L L^T).

    Returns:
        The ``(*, n, n)`` triangular factor.

    Raises:
        LinAlgError: if ``A`` is not positive-definite.

    Derivative: L^-T Phi(L^T grad) L^-1, Phi = lower triangle with the diagonal halved,
    symmetrised (torch's cholesky_backward).

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> LA.cholesky(eg.tensor([[4., 2.], [2., 2.]]))
        tensor([[2., 0.],
                [1., 1.]])
    """
    _check_input(A, "linalg.cholesky")
    L = Cholesky.apply(A)
    return _mT(L) if upper else L


# --- qr -------------------------------------------------------------------------------------------
class Qr(Op):
    """(Q, R) = qr(A) for m >= n (or mode='complete'/'r').

    Gradient (torch's linalg_qr_backward, m >= n): M = gR R^T - Q^T gQ,
    grad_A = (gQ + Q copyltu(M)) R^-T, copyltu(M) = triu(M) + triu(M, 1)^T.
    """

    @staticmethod
    def forward(ctx, x, mode):
        ctx.mode = mode
        if mode == "r":
            r = ctx.xp.linalg.qr(x, mode="r")
            return ctx.xp.zeros((0,), dtype=x.dtype), r
        q, r = ctx.xp.linalg.qr(x, mode=mode)
        ctx.save_for_backward(q, r)
        return q, r

    @staticmethod
    def backward(ctx, gQ, gR):
        if ctx.mode == "r":
            raise RuntimeError(
                "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                "Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
                "through linalg.qr.")
        Q, R = ctx.saved_tensors
        m, n = Q._data.shape[-2], R._data.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                               "and nrows > ncols.")
        M = sub(matmul(gR, _mT(R)), matmul(_mT(Q), gQ))
        M = triu(M)
        M = add(M, _mT(triu(M, 1)))
        return _solve_right(_mT(R), add(matmul(Q, M), gQ))  # (gQ + Q M) R^-T


def qr(A: Tensor, mode: str = "reduced"):
    """QR decomposition A = Q R with Q orthonormal columns and R upper triangular.

    Args:
        A: a ``(*, m, n)`` float tensor.
        mode: ``'reduced'`` (Q is (m, k), R is (k, n), k = min(m, n)), ``'complete'``
            (Q is (m, m), R is (m, n)) or ``'r'`` (only R; Q is empty).

    Returns:
        A namedtuple ``(Q, R)``.

    Derivative: torch's linalg_qr_backward (reduced mode; for m < n, A = [X | Y] is split and
    Q R_X = X, R_Y = Q^T Y are differentiated). Not differentiable for mode='r', nor for
    mode='complete' with m > n (as torch).

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> Q, R = LA.qr(eg.tensor([[3., 1.], [4., 2.]]))
        >>> (Q @ R).allclose(eg.tensor([[3., 1.], [4., 2.]]))
        True
    """
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    _check_input(A, "linalg.qr", square=False)
    m, n = A._data.shape[-2:]
    if mode != "r" and m < n:
        # torch's m < n case: Q from the square block X, R = [R_X | Q^T Y].
        Q, RX = Qr.apply(narrow(A, -1, 0, m), mode="reduced")
        return QRResult(Q, cat([RX, matmul(_mT(Q), narrow(A, -1, m, n - m))], -1))
    return QRResult(*Qr.apply(A, mode=mode))


# --- svd, svdvals ---------------------------------------------------------------------------------
class Svd(Op):
    """(U, S, Vh) = svd(A). Gradient: torch's svd_backward (distinct singular values; with
    full_matrices=True only the first k = min(m, n) columns of U / rows of Vh count, as torch
    narrows them)."""

    @staticmethod
    def forward(ctx, x, full_matrices):
        u, s, vh = ctx.xp.linalg.svd(x, full_matrices=full_matrices)
        ctx.full = full_matrices
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors
        k = S._data.shape[-1]
        if ctx.full:
            U, gU = narrow(U, -1, 0, k), narrow(gU, -1, 0, k)
            Vh, gVh = narrow(Vh, -2, 0, k), narrow(gVh, -2, 0, k)
        return _svd_backward(gU, gS, gVh, U, S, Vh)


def _svd_backward(gU, gS, gVh, U, S, Vh):
    m, n = U._data.shape[-2], Vh._data.shape[-1]
    k = S._data.shape[-1]
    UhgU = matmul(_mT(U), gU)
    UhgU = sub(UhgU, _mT(UhgU))
    VhgV = matmul(Vh, _mT(gVh))
    VhgV = sub(VhgV, _mT(VhgV))
    S2 = mul(S, S)
    E = add(sub(unsqueeze(S2, -2), unsqueeze(S2, -1)), _eye_like(S, k))
    gA = div(add(mul(UhgU, unsqueeze(S, -2)), mul(unsqueeze(S, -1), VhgV)), E)
    gA = add(gA, _diag_embed(gS))
    if m > k:
        gA = matmul(U, gA)
        gUSinv = div(gU, unsqueeze(S, -2))
        gA = sub(add(gA, gUSinv), matmul(U, matmul(_mT(U), gUSinv)))
        return matmul(gA, Vh)
    if n > k:
        gA = matmul(gA, Vh)
        SinvgVh = div(gVh, unsqueeze(S, -1))
        gA = sub(add(gA, SinvgVh), matmul(matmul(SinvgVh, _mT(Vh)), Vh))
        return matmul(U, gA)
    return matmul(U, matmul(gA, Vh))


class Svdvals(Op):
    """Singular values only. Gradient: U diag(grad) Vh (the U, Vh of A).

    NOTE: a separate op (not svd(A).S) so the first-order gradient needs no division by
    singular-value gaps: svd's backward would see zero gU/gVh but still divide by
    S_j^2 - S_i^2, giving nan for repeated singular values (torch skips those terms when
    gU/gVh are undefined). Under create_graph, U and Vh are recomputed through ``Svd`` so the
    second derivative is right.
    """

    @staticmethod
    def forward(ctx, x):
        u, s, vh = ctx.xp.linalg.svd(x, full_matrices=False)
        ctx.u, ctx.vh = u, vh
        ctx.save_for_backward(x)
        return s

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if _mode.enabled:  # create_graph: U, Vh must carry A's graph
            U, _, Vh = Svd.apply(x, full_matrices=False)
        else:
            U, Vh = _const(ctx.u, x), _const(ctx.vh, x)
        m, n = x._data.shape[-2:]
        if m >= n:
            return matmul(U, mul(unsqueeze(grad, -1), Vh))
        return matmul(mul(U, unsqueeze(grad, -2)), Vh)


def svd(A: Tensor, full_matrices: bool = True):
    """Singular value decomposition A = U diag(S) Vh, singular values in descending order.

    Args:
        A: a ``(*, m, n)`` float tensor.
        full_matrices: return full ``(m, m)`` U and ``(n, n)`` Vh (True) or the reduced
            ``(m, k)`` and ``(k, n)``, k = min(m, n) (False).

    Returns:
        A namedtuple ``(U, S, Vh)``.

    Derivative: torch's svd_backward; well defined for distinct nonzero singular values and
    a loss invariant to the signs of the singular vectors. With ``full_matrices=True`` the
    extra columns of U / rows of Vh get no gradient (torch narrows them the same way).

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> LA.svd(eg.tensor([[3., 0.], [0., -2.]])).S
        tensor([3., 2.])
    """
    _check_input(A, "linalg.svd", square=False)
    return SVDResult(*Svd.apply(A, full_matrices=full_matrices))


def svdvals(A: Tensor) -> Tensor:
    """The singular values of a matrix, in descending order.

    Args:
        A: a ``(*, m, n)`` float tensor.

    Returns:
        The ``(*, min(m, n))`` singular values.

    Derivative: U diag(grad) Vh.

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> LA.svdvals(eg.tensor([[3., 0.], [0., -2.]]))
        tensor([3., 2.])
    """
    _check_input(A, "linalg.svdvals", square=False)
    return Svdvals.apply(A)


# --- eigh, eigvalsh -------------------------------------------------------------------------------
class Eigh(Op):
    """(L, V) = eigh(A) for symmetric A. Gradient (torch's linalg_eig_backward, hermitian):
    grad_A = V (skew(V^T gV) / E + diag(gL)) V^T, skew(X) = (X - X^T) / 2,
    E_ij = L_j - L_i (1 on the diagonal)."""

    @staticmethod
    def forward(ctx, x, UPLO):
        w, v = ctx.xp.linalg.eigh(x, UPLO=UPLO)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, gL, gV):
        L, V = ctx.saved_tensors
        n = L._data.shape[-1]
        VhgV = matmul(_mT(V), gV)
        VhgV = mul(sub(VhgV, _mT(VhgV)), 0.5)
        E = add(sub(unsqueeze(L, -2), unsqueeze(L, -1)), _eye_like(L, n))
        gA = add(div(VhgV, E), _diag_embed(gL))
        return matmul(V, matmul(gA, _mT(V)))


class Eigvalsh(Op):
    """Eigenvalues of a symmetric matrix. Gradient: V diag(grad) V^T.

    See the NOTE of ``Svdvals``: a separate op so that repeated eigenvalues do not make the
    first-order gradient nan.
    """

    @staticmethod
    def forward(ctx, x, UPLO):
        w, v = ctx.xp.linalg.eigh(x, UPLO=UPLO)
        ctx.v, ctx.uplo = v, UPLO
        ctx.save_for_backward(x)
        return w

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if _mode.enabled:
            V = Eigh.apply(x, UPLO=ctx.uplo)[1]
        else:
            V = _const(ctx.v, x)
        return matmul(mul(V, unsqueeze(grad, -2)), _mT(V))


def _check_uplo(UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def eigh(A: Tensor, UPLO: str = "L"):  # noqa: N803 (torch's name)
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix.

    Only the triangle named by ``UPLO`` is read.

    Args:
        A: a ``(*, n, n)`` float tensor.
        UPLO: ``'L'`` (lower triangle) or ``'U'`` (upper).

    Returns:
        A namedtuple ``(eigenvalues, eigenvectors)``: ``(*, n)`` and ``(*, n, n)`` (columns).

    Derivative: V (skew(V^T gV) / (L_j - L_i) + diag(gL)) V^T (distinct eigenvalues; a
    symmetric gradient, as torch's).

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> LA.eigh(eg.tensor([[2., 1.], [1., 2.]])).eigenvalues
        tensor([1., 3.])
    """
    _check_uplo(UPLO)
    _check_input(A, "linalg.eigh")
    return EighResult(*Eigh.apply(A, UPLO=UPLO))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:  # noqa: N803
    """Eigenvalues (ascending) of a symmetric matrix.

    Args:
        A: a ``(*, n, n)`` float tensor.
        UPLO: ``'L'`` or ``'U'``: the triangle that is read.

    Returns:
        The ``(*, n)`` eigenvalues.

    Derivative: V diag(grad) V^T.

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> LA.eigvalsh(eg.tensor([[2., 1.], [1., 2.]]))
        tensor([1., 3.])
    """
    _check_uplo(UPLO)
    _check_input(A, "linalg.eigvalsh")
    return Eigvalsh.apply(A, UPLO=UPLO)


# --- pinv, matrix_rank ----------------------------------------------------------------------------
def _tolerance(xp, s, m, n, atol, rtol):
    """torch's cutoff max(atol, rtol * s_max); rtol defaults to eps * max(m, n) unless a
    positive atol is given."""
    if rtol is None:
        rtol = 0.0 if (atol is not None and atol > 0) else xp.finfo(s.dtype).eps * max(m, n)
    smax = s[..., :1] if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), dtype=s.dtype)
    return xp.maximum(atol or 0.0, rtol * smax)


class Pinv(Op):
    """Moore-Penrose pseudo-inverse from the SVD. Gradient: torch's pinv_backward."""

    @staticmethod
    def forward(ctx, x, atol, rtol):
        xp = ctx.xp
        u, s, vh = xp.linalg.svd(x, full_matrices=False)
        tol = _tolerance(xp, s, x.shape[-2], x.shape[-1], atol, rtol)
        big = s > tol
        sinv = xp.where(big, 1 / xp.where(big, s, 1), 0).astype(x.dtype)
        y = xp.matmul(vh.swapaxes(-1, -2) * sinv[..., None, :], u.swapaxes(-1, -2))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        A, P = ctx.saved_tensors
        m, n = A._data.shape[-2:]
        Ph, gh = _mT(P), _mT(grad)
        if m <= n:
            K = matmul(gh, P)
            KPh = matmul(K, Ph)
            out = add(sub(KPh, _mT(matmul(P, K))), matmul(matmul(Ph, P), sub(gh, matmul(K, A))))
            return sub(out, matmul(matmul(A, P), KPh))
        K = matmul(P, gh)
        PhK = matmul(Ph, K)
        out = add(sub(matmul(matmul(sub(gh, matmul(A, K)), P), Ph), _mT(matmul(K, P))), PhK)
        return sub(out, matmul(matmul(PhK, P), A))


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse, from the SVD: singular values <= max(atol,
    rtol * s_max) are treated as zero (rtol defaults to eps * max(m, n)).

    Args:
        A: a ``(*, m, n)`` float tensor.
        atol, rtol: absolute and relative tolerances (floats).
        hermitian: accepted for torch compatibility; the SVD is used either way.

    Returns:
        The ``(*, n, m)`` pseudo-inverse.

    Derivative: torch's pinv_backward (valid where the rank is constant near A).

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> LA.pinv(eg.tensor([[2., 0.], [0., 0.]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.0000]])
    """
    if A._data.dtype.kind != "f" or A._data.ndim < 2:
        raise RuntimeError(f"linalg.pinv({torch_type_name(A.dtype)}{{{list(A._data.shape)}}}): "
                           "expected a tensor with 2 or more dimensions of float, double, cfloat "
                           "or cdouble types")
    return Pinv.apply(A, atol=atol, rtol=rtol)


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The numerical rank: the number of singular values > max(atol, rtol * s_max) (rtol
    defaults to eps * max(m, n) unless a positive atol is given). No gradient.

    Args:
        A: a ``(*, m, n)`` float tensor.
        atol, rtol: absolute and relative tolerances (floats).
        hermitian: accepted for torch compatibility; the SVD is used either way.

    Returns:
        The ``(*)`` ranks, int64.

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> LA.matrix_rank(eg.tensor([[1., 2.], [2., 4.]]))
        tensor(1)
    """
    _check_input(A, "torch.linalg.matrix_rank", square=False, arg="input")
    xp, a = A._device.xp, A._data
    s = xp.linalg.svd(a, compute_uv=False)
    tol = _tolerance(xp, s, a.shape[-2], a.shape[-1], atol, rtol)
    return _const(xp.asarray((s > tol).sum(axis=-1), dtype="int64"), A)


# --- cross, vecdot, matrix_power ------------------------------------------------------------------
def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:  # noqa: A002
    """Cross product of 3-vectors along ``dim`` (other dims broadcast).

    Args:
        input: a tensor whose size at ``dim`` is 3.
        other: a tensor of the same dtype, broadcastable with ``input``, size 3 at ``dim``.
        dim: the dim holding the vectors.

    Returns:
        The cross products (broadcast shape).

    Derivative: grad_input = other × grad, grad_other = grad × input.

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> LA.cross(eg.tensor([1., 0., 0.]), eg.tensor([0., 1., 0.]))
        tensor([0., 0., 1.])
    """
    return checked_cross(input, other, dim)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """Dot products of vectors along ``dim``: ``sum(x * y, dim)`` (other dims broadcast).

    Args:
        x, y: broadcastable tensors with the same size at ``dim``.
        dim: the dim to contract.

    Returns:
        The dot products.

    Derivative: grad * y, grad * x.

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> LA.vecdot(eg.tensor([1., 2.]), eg.tensor([3., 4.]))
        tensor(11.)
    """
    sx = x._data.shape[dim] if x._data.ndim else 1
    sy = y._data.shape[dim] if y._data.ndim else 1
    if sx != sy:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{sx}] and src [{sy}] to have the same "
            f"number of elements, but got {sx} and {sy} elements respectively")
    return sum(mul(x, y), dim)


def matrix_power(A: Tensor, n: int) -> Tensor:
    """A to the integer power ``n`` (by repeated squaring; ``inv(A)^|n|`` for n < 0; the
    identity for n = 0).

    Args:
        A: a ``(*, m, m)`` float tensor.
        n: the exponent.

    Returns:
        The ``(*, m, m)`` power.

    Derivative: that of the matmul chain (and of ``inv`` for n < 0).

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> LA.matrix_power(eg.tensor([[1., 1.], [0., 1.]]), 3)
        tensor([[1., 3.],
                [0., 1.]])
    """
    _check_input(A, "linalg.matrix_power")
    if not isinstance(n, int):
        raise TypeError(f"matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if n == 0:  # torch's result is a copy of A overwritten with I: a zero gradient
        return add(mul(A, 0.0), _eye_like(A, A._data.shape[-1]))
    base = Inv.apply(A) if n < 0 else A
    k, result = (-n if n < 0 else n), None
    while k:
        if k & 1:
            result = base if result is None else matmul(result, base)
        k >>= 1
        if k:
            base = matmul(base, base)
    return result


# --- norms ----------------------------------------------------------------------------------------
def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """The vector ``ord``-norm of ``x`` over ``dim`` (all elements when None), the tensor
    being read as a flat vector.

    Args:
        x: a float tensor.
        ord: a number: 2, 1, inf, -inf, 0, or any other p.
        dim: an int, a tuple of ints, or None for all.
        keepdim: keep the reduced dims as size 1.
        dtype: if given, ``x`` is cast to it first.

    Returns:
        The norms.

    Derivative: that of ``eg.norm`` (x / ||x|| for ord = 2, 0 at the zero vector).

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> LA.vector_norm(eg.tensor([[3., 4.], [0., 0.]]))
        tensor(5.)
    """
    if isinstance(ord, str) or not isinstance(ord, (int, float)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not "
                        f"{type(ord).__name__}")
    return _norm(x, p=ord, dim=dim, keepdim=keepdim, dtype=dtype)


_MATRIX_ORDS = ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *,  # noqa: A002
                dtype=None) -> Tensor:
    """A matrix norm over the two dims ``dim``.

    ``ord``: ``'fro'`` (Frobenius), ``'nuc'`` (sum of singular values), ``2`` / ``-2``
    (largest / smallest singular value), ``1`` / ``-1`` (max / min column abs-sum),
    ``inf`` / ``-inf`` (max / min row abs-sum).

    Args:
        A: a float tensor with at least 2 dims.
        ord: the order (see above).
        dim: the two dims holding the matrices.
        keepdim: keep those dims as size 1.
        dtype: if given, ``A`` is cast to it first.

    Returns:
        The norms.

    Derivative: through the pieces (svdvals for 'nuc' and +-2, abs/sum/amax for +-1, +-inf).

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> LA.matrix_norm(eg.tensor([[1., -2.], [3., 4.]]), ord=1)
        tensor(6.)
    """
    if dtype is not None:
        A = A.to(dtype)
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        got = " ".join(str(d) for d in dim) if isinstance(dim, (tuple, list)) else str(dim)
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {got}")
    if A._data.dtype.kind != "f":
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor as "
                           f"input. Got {torch_type_name(A.dtype)}")
    nd = A._data.ndim
    d0, d1 = wrap_dim(dim[0], nd), wrap_dim(dim[1], nd)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, "
                           f"{dim[1]})")
    if ord not in _MATRIX_ORDS:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if ord == "fro":
        return _norm(A, p=2, dim=(d0, d1), keepdim=keepdim)
    if ord in ("nuc", 2, -2):
        s = Svdvals.apply(movedim(A, (d0, d1), (-2, -1)))
        y = sum(s, -1) if ord == "nuc" else (amax(s, -1) if ord == 2 else amin(s, -1))
        if keepdim:
            for d in sorted((d0, d1)):
                y = unsqueeze(y, d)
        return y
    rows, cols = (d1, d0) if ord in (math.inf, -math.inf) else (d0, d1)
    sums = sum(abs(A), rows, keepdim=True)  # abs-sums along ``rows``, reduced over ``cols``
    y = amax(sums, cols, keepdim=True) if ord > 0 else amin(sums, cols, keepdim=True)
    return y if keepdim else squeeze(y, tuple(sorted((d0, d1))))


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """A vector or matrix norm, dispatched as torch.linalg.norm does.

    ``dim`` an int (or 1-tuple): ``vector_norm``; a 2-tuple: ``matrix_norm``. ``dim`` None:
    with ``ord`` None the 2-norm of the flattened tensor; otherwise ``A`` must be 1-D (vector
    norm) or 2-D (matrix norm).

    Args:
        A: a float tensor.
        ord: the order (see ``vector_norm`` and ``matrix_norm``); None for 2 / 'fro'.
        dim: None, an int, or a tuple of 1 or 2 ints.
        keepdim: keep the reduced dims as size 1.
        dtype: if given, ``A`` is cast to it first.

    Returns:
        The norms.

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.linalg as LA
        >>> LA.norm(eg.tensor([[1., 0.], [0., 1.]]), ord="nuc")
        tensor(2.)
    """
    # torch's linalg_norm: a string ord is always a matrix norm (over (0, 1) by default).
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) not in (1, 2):
            raise RuntimeError("linalg.norm: If dim is specified, it must be of length 1 or 2. "
                               f"Got {list(dims)}")
    elif ord is not None and A._data.ndim not in (1, 2):
        raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A._data.ndim}D.")
    else:
        dims = None
    if isinstance(ord, str):
        return matrix_norm(A, ord, (0, 1) if dims is None else dims, keepdim, dtype=dtype)
    if (dims is not None and len(dims) == 2) or (dims is None and ord is not None
                                                 and A._data.ndim == 2):
        return matrix_norm(A, "fro" if ord is None else ord, dims or (-2, -1), keepdim,
                           dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)


__all__ += ["SlogdetResult", "QRResult", "SVDResult", "EighResult"]
