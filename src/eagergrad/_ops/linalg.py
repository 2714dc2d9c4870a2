"""Linear algebra: matmul (torch's 1-D/2-D/batched rules), mm, bmm, mv, dot, outer, einsum,
tensordot, addmm."""

from __future__ import annotations

import math
import string

import numpy

from .._tensor import Tensor
from ._base import Op
from ._util import torch_type_name, wrap_dim
from .elementwise import add, mul, sub
from .shape import broadcast_to, reshape, unsqueeze

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "outer", "einsum", "tensordot", "addmm", "baddbmm",
           "addmv", "addr", "cdist", "cross"]


# --- matmul ---------------------------------------------------------------------------------------
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
        grad_x = MatMul.apply(grad, y.mT) if need_x else None
        if not need_y:
            return grad_x, None
        if y._data.ndim == 2 and x._data.ndim > 2:
            # A 2-D weight shared over a batch: one (k, b*m) @ (b*m, n) product, not b of them.
            k, n = y._data.shape
            return grad_x, MatMul.apply(reshape(x, (-1, k)).mT, reshape(grad, (-1, n)))
        return grad_x, MatMul.apply(x.mT, grad)

    @staticmethod
    def backward_arrays(ctx, grad):
        x, y = ctx.saved_arrays()
        need_x, need_y = ctx.needs_input_grad
        matmul = ctx.xp.matmul
        grad_x = matmul(grad, y.swapaxes(-1, -2)) if need_x else None
        if not need_y:
            return grad_x, None
        if y.ndim == 2 and x.ndim > 2:
            k, n = y.shape
            return grad_x, matmul(x.reshape(-1, k).T, grad.reshape(-1, n))
        return grad_x, matmul(x.swapaxes(-1, -2), grad)


class Dot(Op):
    """Inner product of two 1-D tensors. Gradient: grad * y, grad * x."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return ctx.xp.dot(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (mul(grad, y) if need_x else None), (mul(grad, x) if need_y else None)


def _check_same_dtype(a, b):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: "
            f"{_ctype(a)} != {_ctype(b)}"
        )


def _ctype(t):
    """torch's C type names in dtype errors (float, double, long int...)."""
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}.get(t.dtype.name, t.dtype.name)


def _mm_shapes_error(a_shape, b_shape):
    return RuntimeError(
        f"mat1 and mat2 shapes cannot be multiplied ({a_shape[0]}x{a_shape[1]} and "
        f"{b_shape[0]}x{b_shape[1]})"
    )


def _mv_error(a_shape, n):
    rows = math.prod(a_shape[:-1])
    return RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{a_shape[-1]}), "
                        f"vec ({n})")


def _batch_shape(a_batch, b_batch):
    """Broadcasts the batch dims of two matmul operands with torch's error wording."""
    try:
        return numpy.broadcast_shapes(a_batch, b_batch)
    except ValueError:
        n = max(len(a_batch), len(b_batch))
        pa = (1,) * (n - len(a_batch)) + tuple(a_batch)
        pb = (1,) * (n - len(b_batch)) + tuple(b_batch)
        for i, (u, v) in enumerate(zip(pa, pb)):
            if u != v and u != 1 and v != 1:
                raise RuntimeError(f"The size of tensor a ({u}) must match the size of tensor b "
                                   f"({v}) at non-singleton dimension {i}") from None
        raise


def _check_batched(a_shape, b_shape):
    """Shape checks of a matmul where both operands have >= 2 dims and one has > 2."""
    if len(b_shape) == 2:  # torch folds a's batch into rows: an mm error
        if a_shape[-1] != b_shape[0]:
            raise _mm_shapes_error((math.prod(a_shape[:-1]), a_shape[-1]), b_shape)
        return
    batch = _batch_shape(a_shape[:-2], b_shape[:-2])
    if a_shape[-1] != b_shape[-2]:
        nb = math.prod(batch)
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{nb}, "
            f"{a_shape[-1]}] but got: [{nb}, {b_shape[-2]}]."
        )


def matmul(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Matrix product with torch's rules for 1-D, 2-D, batched and broadcast operands.

    1-D operands are promoted to matrices (a row for ``input``, a column for ``other``) and the
    added dim removed from the result; two 1-D operands give their dot product (0-d); batch
    dims broadcast.

    Args:
        input: the left operand (at least 1-D).
        other: the right operand (at least 1-D, same dtype).

    Returns:
        The product.

    Derivative: grad @ other^T for input, input^T @ grad for other (summed over broadcast
    batch dims).

    Example:
        >>> import eagergrad as eg
        >>> (eg.ones(2, 3) @ eg.ones(3)).shape
        eagergrad.Size([2])
    """
    a, b = input._data, other._data
    na, nb = a.ndim, b.ndim
    if na == 2 and nb == 2:  # the MLP hot path: no reshapes
        if a.shape[1] != b.shape[0]:
            raise _mm_shapes_error(a.shape, b.shape)
        if a.dtype != b.dtype:
            _check_same_dtype(input, other)
        return MatMul.apply(input, other)
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{na}D and {nb}D")
    _check_same_dtype(input, other)
    if na == 1 and nb == 1:
        return dot(input, other)
    if na == 1:  # (k,) @ (..., k, n) -> (..., n)
        if b.shape[-2] != a.shape[0]:
            if nb == 2:
                raise _mm_shapes_error((1, a.shape[0]), b.shape)
            nbatch = math.prod(b.shape[:-2])
            raise RuntimeError(
                f"Expected size for first two dimensions of batch2 tensor to be: [{nbatch}, "
                f"{a.shape[0]}] but got: [{nbatch}, {b.shape[-2]}]."
            )
        out = MatMul.apply(reshape(input, (1, a.shape[0])), other)
        return reshape(out, b.shape[:-2] + (b.shape[-1],))
    if nb == 1:  # (..., m, k) @ (k,) -> (..., m)
        if a.shape[-1] != b.shape[0]:
            raise _mv_error(a.shape, b.shape[0])
        return reshape(MatMul.apply(input, reshape(other, (b.shape[0], 1))), a.shape[:-1])
    _check_batched(a.shape, b.shape)
    return MatMul.apply(input, other)


def mm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """Product of two matrices (2-D only; see ``matmul`` for broadcasting).

    Args:
        input: an (n, m) matrix.
        mat2: an (m, p) matrix of the same dtype.

    Returns:
        The (n, p) product.

    Derivative: grad @ mat2^T for input, input^T @ grad for mat2.

    Example:
        >>> import eagergrad as eg
        >>> eg.mm(eg.ones(2, 3), eg.ones(3, 4)).shape
        eagergrad.Size([2, 4])
    """
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """Batched product of (b, n, m) and (b, m, p) tensors (no broadcasting).

    Args:
        input: a (b, n, m) tensor.
        mat2: a (b, m, p) tensor of the same dtype.

    Returns:
        The (b, n, p) products.

    Derivative: grad @ mat2^T for input, input^T @ grad for mat2, per batch.

    Example:
        >>> import eagergrad as eg
        >>> eg.bmm(eg.ones(5, 2, 3), eg.ones(5, 3, 4)).shape
        eagergrad.Size([5, 2, 4])
    """
    a, b = input._data, mat2._data
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, "
            f"{a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}]."
        )
    _check_same_dtype(input, mat2)
    return MatMul.apply(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:  # noqa: A002
    """Matrix-vector product of an (n, m) matrix and an (m,) vector.

    Args:
        input: an (n, m) matrix.
        vec: an (m,) vector.

    Returns:
        The (n,) product.

    Derivative: outer(grad, vec) for input, input^T @ grad for vec.

    Example:
        >>> import eagergrad as eg
        >>> eg.mv(eg.ones(2, 3), eg.ones(3))
        tensor([3., 3.])
    """
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, "
                           f"{vec._data.ndim}")
    return matmul(input, vec)


def dot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Inner product of two 1-D tensors of the same size (a 0-d tensor).

    Args:
        input: a 1-D tensor.
        other: a 1-D tensor of the same size and dtype.

    Returns:
        A 0-d tensor.

    Derivative: grad * other for input, grad * input for other.

    Example:
        >>> import eagergrad as eg
        >>> eg.dot(eg.tensor([1., 2.]), eg.tensor([3., 4.]))
        tensor(11.)
    """
    a, b = input._data, other._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to "
            f"have the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements "
            "respectively"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{torch_type_name(input.dtype)} and {torch_type_name(other.dtype)}")
    return Dot.apply(input, other)


def outer(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """Outer product of two 1-D tensors: ``out[i, j] = input[i] * vec2[j]``.

    Args:
        input: a 1-D tensor of size n.
        vec2: a 1-D tensor of size m.

    Returns:
        The (n, m) outer product.

    Derivative: grad @ vec2 for input, grad^T @ input for vec2.

    Example:
        >>> import eagergrad as eg
        >>> eg.outer(eg.tensor([1., 2.]), eg.tensor([1., 10.]))
        tensor([[ 1., 10.],
                [ 2., 20.]])
    """
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    return mul(reshape(input, (-1, 1)), reshape(vec2, (1, -1)))


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * (mat1 @ mat2)`` (input broadcasts to the product's shape).

    Args:
        input: added to the product (broadcasts to its shape).
        mat1, mat2: the matrices to multiply.
        beta, alpha: the scales of input and of the product.

    Returns:
        The (n, p) result.

    Derivative: beta * grad for input (summed to its shape), alpha * grad @ mat2^T for mat1,
    alpha * mat1^T @ grad for mat2.

    Example:
        >>> import eagergrad as eg
        >>> eg.addmm(eg.ones(2), eg.ones(3, 2), eg.ones(2, 2)).shape
        eagergrad.Size([3, 2])
    """
    return _add_scaled(input, mm(mat1, mat2), beta, alpha)


def _add_scaled(input: Tensor, prod: Tensor, beta, alpha) -> Tensor:  # noqa: A002
    """``beta * input + alpha * prod`` for the add* family (addmm, baddbmm, addmv, addr)."""
    if alpha != 1:
        prod = mul(prod, alpha)
    if beta == 0:  # torch ignores input (even nan) when beta is 0
        broadcast_to(input, prod.shape)  # still checks that the shapes fit
        return prod
    return add(prod, input if beta == 1 else mul(input, beta))


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1,  # noqa: A002
            alpha=1) -> Tensor:
    """``beta * input + alpha * (batch1 @ batch2)`` for (b, n, m) and (b, m, p) batches.

    Args:
        input: added to the product (broadcasts to its (b, n, p) shape).
        batch1, batch2: the batches of matrices to multiply.
        beta, alpha: the scales of input and of the product (beta = 0 ignores input).

    Returns:
        The (b, n, p) result.

    Derivative: beta * grad for input (summed to its shape), alpha * grad @ batch2^T for
    batch1, alpha * batch1^T @ grad for batch2.

    Example:
        >>> import eagergrad as eg
        >>> eg.baddbmm(eg.zeros(2, 3, 4), eg.ones(2, 3, 5), eg.ones(2, 5, 4), alpha=0.5)[0, 0]
        tensor([2.5000, 2.5000, 2.5000, 2.5000])
    """
    return _add_scaled(input, bmm(batch1, batch2), beta, alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * (mat @ vec)`` for an (n, m) matrix and an (m,) vector.

    Args:
        input: added to the product (broadcasts to (n,)).
        mat, vec: the matrix and the vector.
        beta, alpha: the scales of input and of the product (beta = 0 ignores input).

    Returns:
        The (n,) result.

    Derivative: beta * grad for input, alpha * outer(grad, vec) for mat, alpha * mat^T @ grad
    for vec.

    Example:
        >>> import eagergrad as eg
        >>> eg.addmv(eg.ones(2), eg.ones(2, 3), eg.ones(3), beta=2)
        tensor([5., 5.])
    """
    return _add_scaled(input, mv(mat, vec), beta, alpha)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * outer(vec1, vec2)``.

    Args:
        input: added to the outer product (broadcasts to (n, m)).
        vec1, vec2: the (n,) and (m,) vectors.
        beta, alpha: the scales of input and of the product (beta = 0 ignores input).

    Returns:
        The (n, m) result.

    Derivative: beta * grad for input, alpha * grad @ vec2 for vec1, alpha * grad^T @ vec1 for
    vec2.

    Example:
        >>> import eagergrad as eg
        >>> eg.addr(eg.zeros(2, 2), eg.tensor([1., 2.]), eg.tensor([3., 4.]))
        tensor([[3., 4.],
                [6., 8.]])
    """
    return _add_scaled(input, outer(vec1, vec2), beta, alpha)


# --- cdist, cross ---------------------------------------------------------------------------------
def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode="use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The p-norm distance between each row of ``x1`` and each row of ``x2``.

    Computed as ``norm(x1[..., :, None, :] - x2[..., None, :, :], p, -1)`` (no matmul
    shortcut, so ``compute_mode`` changes nothing; results agree with torch to rounding).

    Args:
        x1: (B..., P, M) points.
        x2: (B..., R, M) points (batch dims broadcast).
        p: the norm order, >= 0 (inf included).
        compute_mode: accepted for torch compatibility.

    Returns:
        The (B..., P, R) distances.

    Derivative: that of the p-norm of each difference (0 where two points coincide).

    Example:
        >>> import eagergrad as eg
        >>> eg.cdist(eg.tensor([[0., 0.]]), eg.tensor([[3., 4.], [1., 0.]]))
        tensor([[5., 1.]])
    """
    from .reduction import norm

    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{t._data.ndim}D")
        if t._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{torch_type_name(t.dtype)}")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1._data.shape[-1]} X2: {x2._data.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    return norm(sub(unsqueeze(x1, -2), unsqueeze(x2, -3)), p, -1)


def cross(input: Tensor, other: Tensor, dim=None) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (input and other broadcast).

    ``dim=None`` takes the first dim of ``input`` of size 3, as torch.cross still does (torch
    warns that this default is deprecated; eagergrad does not warn). Pass ``dim=-1`` for
    ``torch.linalg.cross``'s behaviour.

    Args:
        input: the first operand.
        other: the second operand (same number of dims as input).
        dim: the dim of size 3, or None (see above).

    Returns:
        The cross product, of the broadcast shape.

    Derivative: other x grad for input, grad x input for other.

    Example:
        >>> import eagergrad as eg
        >>> eg.cross(eg.tensor([1., 0., 0.]), eg.tensor([0., 1., 0.]))
        tensor([0., 0., 1.])
    """
    if dim is None:
        dim = next((i for i, n in enumerate(input._data.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return checked_cross(input, other, dim)


class Cross(Op):
    """x × y along ``dim`` (a negative dim of the broadcast shape).

    Gradient: grad_x = y × grad, grad_y = grad × x (summed over broadcast dims by the engine).
    """

    broadcasting = True

    @staticmethod
    def forward(ctx, x, y, dim):
        ctx.dim = dim
        ctx.save_for_backward(x, y)
        return ctx.xp.cross(x, y, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (Cross.apply(y, grad, dim=ctx.dim) if need_x else None,
                Cross.apply(grad, x, dim=ctx.dim) if need_y else None)


def checked_cross(input: Tensor, other: Tensor, dim: int) -> Tensor:  # noqa: A002
    """torch.linalg.cross's checks, then the op (``eg.cross`` and ``eg.linalg.cross``)."""
    from ._base import broadcast_error

    nd = input._data.ndim
    if other._data.ndim != nd:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    err = broadcast_error(input, other)
    if err is not None:
        raise err
    d = wrap_dim(dim, nd)
    sx, sy = input._data.shape[d], other._data.shape[d]
    if sx != 3 or sy != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {sx} "
                           f"and {sy}")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"linalg.cross: expected input and other to have the same dtype, but "
                           f"got {torch_type_name(input.dtype)} and "
                           f"{torch_type_name(other.dtype)}")
    return Cross.apply(input, other, dim=d - nd)


# --- einsum ---------------------------------------------------------------------------------------
class Einsum(Op):
    """einsum over explicit subscripts (no ellipsis; sizes already consistent).

    Gradient: for each operand, an einsum of grad and the other operands that produces the
    operand's subscripts; labels only that operand has are broadcast back, and repeated labels
    (diagonals, 'ii->i') are written onto the diagonal (see ``_DiagEmbed``).
    """

    @staticmethod
    def forward(ctx, *xs, subs, out):
        ctx.subs, ctx.out = subs, out
        ctx.save_for_backward(*xs)
        eq = ",".join(subs) + "->" + out
        if len(xs) == 1:  # numpy may return a view for transposes and diagonals: copy
            return ctx.xp.einsum(eq, xs[0]).copy()
        return _xp_einsum(ctx.xp, eq, xs)

    @staticmethod
    def backward(ctx, grad):
        xs = ctx.saved_tensors
        return tuple(
            _einsum_grad(i, grad, xs, ctx.subs, ctx.out) if need else None
            for i, need in enumerate(ctx.needs_input_grad)
        )


def _xp_einsum(xp, eq, xs):
    if xp is numpy:  # optimize=True contracts pairwise with BLAS (tensordot) instead of loops
        return numpy.einsum(eq, *xs, optimize=True)
    return xp.einsum(eq, *xs)


def _einsum_grad(i, grad, xs, subs, out):
    sub = subs[i]
    uniq = "".join(dict.fromkeys(sub))
    sizes = dict(zip(sub, xs[i]._data.shape))
    others = [j for j in range(len(xs)) if j != i]
    available = set(out).union(*[subs[j] for j in others])
    target = "".join(c for c in uniq if c in available)
    g = Einsum.apply(grad, *[xs[j] for j in others], subs=(out, *[subs[j] for j in others]),
                     out=target)
    if len(target) != len(uniq):  # labels summed in this operand only: broadcast back
        g = reshape(g, tuple(sizes[c] if c in target else 1 for c in uniq))
        g = broadcast_to(g, tuple(sizes[c] for c in uniq))
    if len(uniq) != len(sub):
        g = _DiagEmbed.apply(g, sub=sub, uniq=uniq, shape=xs[i]._data.shape)
    return g


class _DiagEmbed(Op):
    """zeros(shape) with g written where repeated labels agree ('i -> ii').

    Gradient: the diagonal back, einsum('ii->i', grad).
    """

    @staticmethod
    def forward(ctx, g, sub, uniq, shape):
        xp = ctx.xp
        ctx.sub, ctx.uniq = sub, uniq
        out = xp.zeros(shape, dtype=g.dtype)
        ranges = {}
        for k, c in enumerate(uniq):
            s = [1] * len(uniq)
            s[k] = g.shape[k]
            ranges[c] = xp.arange(g.shape[k]).reshape(s)
        out[tuple(ranges[c] for c in sub)] = g
        return out

    @staticmethod
    def backward(ctx, grad):
        return Einsum.apply(grad, subs=(ctx.sub,), out=ctx.uniq)


def _parse_einsum(equation, shapes):
    """Explicit subscripts per operand and for the output, with '...' given letters."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(shapes):
        raise RuntimeError(f"einsum(): {'fewer' if len(subs) > len(shapes) else 'more'} operands "
                           "were provided than specified in the equation")
    subs, ell = _expand_ellipsis(subs, shapes, [c for c in string.ascii_letters if c not in eq])
    return subs, _einsum_output(subs, rhs.replace("...", ell) if arrow else None, ell)


def _expand_ellipsis(subs, shapes, free):
    """Replaces each '...' by letters from ``free`` (right-aligned, as broadcasting is)."""
    n_ell = 0
    for k, (s, shape) in enumerate(zip(subs, shapes)):
        named = s.replace("...", "")
        bad = [c for c in named if c not in string.ascii_letters]
        if bad:
            raise RuntimeError(f"einsum(): invalid subscript given in the equation string: "
                               f"'{bad[0]}' (subscripts must be in [a-zA-Z])")
        if "..." not in s and len(named) != len(shape):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(named)}) does not "
                f"match the number of dimensions ({len(shape)}) for operand {k} and no ellipsis "
                "was given"
            )
        if len(named) > len(shape):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(named)}) is more "
                f"than the number of dimensions ({len(shape)}) for operand {k}"
            )
        n_ell = max(n_ell, len(shape) - len(named))
    ell = "".join(free[:n_ell])
    out = []
    for s, shape in zip(subs, shapes):
        k = len(shape) - (len(s) - 3)  # this operand's ellipsis dims
        out.append(s.replace("...", ell[n_ell - k:] if k else "") if "..." in s else s)
    return out, ell


def _einsum_output(subs, out, ell):
    """Checks an explicit output; builds the implicit one (ellipsis dims, then labels seen
    once, sorted with upper case first as in torch)."""
    if out is None:
        counts = {}
        for s in subs:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        return ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    for c in out:
        if out.count(c) > 1:
            raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the "
                               "output")
        if not any(c in s for s in subs):
            raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation "
                               "for any input operand")
    return out


def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation with torch's string API: explicit ('ij,jk->ik') or implicit ('ij,jk')
    output, '...' for broadcast batch dims, repeated labels for diagonals ('ii->i').

    Operands may also be passed as one list. Dims of size 1 broadcast against the same label's
    size in other operands.

    Args:
        equation: the subscripts, e.g. 'bij,bjk->bik' (spaces are ignored).
        *operands: the tensors (or one list of them), all of one dtype.

    Returns:
        The contraction.

    Derivative: each operand's gradient is an einsum of grad with the other operands.

    Example:
        >>> import eagergrad as eg
        >>> eg.einsum("ij,jk->ik", eg.ones(2, 3), eg.ones(3, 4)).shape
        eagergrad.Size([2, 4])
        >>> eg.einsum("ii", eg.eye(3))
        tensor(3.)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    subs, out = _parse_einsum(equation, [t._data.shape for t in operands])
    for t in operands[1:]:
        if t._data.dtype != operands[0]._data.dtype:
            raise RuntimeError(f"expected scalar type {torch_type_name(operands[0].dtype)} but "
                               f"found {torch_type_name(t.dtype)}")
    return Einsum.apply(*_broadcast_labels(subs, operands), subs=tuple(subs), out=out)


def _broadcast_labels(subs, operands):
    """The operands with each label's size-1 dims broadcast to that label's size."""
    sizes = {}
    for k, (s, t) in enumerate(zip(subs, operands)):
        for c, n in zip(s, t._data.shape):
            seen = sizes.get(c)
            if seen is None or seen == 1:
                sizes[c] = n
            elif n != seen and n != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which "
                                   f"does not broadcast with previously seen size {seen}")
    ops = []
    for s, t in zip(subs, operands):
        target = tuple(sizes[c] for c in s)
        if len(set(s)) != len(s) and target != t._data.shape:
            raise RuntimeError(f"einsum(): repeated subscripts in '{s}' need equal sizes, got "
                               f"{list(t._data.shape)}")
        ops.append(t if target == t._data.shape else broadcast_to(t, target))
    return ops


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Sums the products of ``a``'s last ``dims`` dims with ``b``'s first ``dims`` dims (or the
    dims listed as ``([a dims], [b dims])``), as an einsum.

    Args:
        a, b: the tensors.
        dims: how many trailing dims of ``a`` to contract with leading dims of ``b``, or
            two lists of dims.

    Returns:
        The contraction: a's free dims, then b's.

    Derivative: that of the equivalent einsum.

    Example:
        >>> import eagergrad as eg
        >>> eg.tensordot(eg.ones(2, 3, 4), eg.ones(3, 4, 5)).shape
        eagergrad.Size([2, 5])
    """
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
        if len(da) != len(db):
            raise RuntimeError("both dimension lists should have same length")
    da, db = [d % na for d in da], [d % nb for d in db]
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(na)]
    sb = [next(letters) for _ in range(nb)]
    for i, j in zip(da, db):
        if a._data.shape[i] != b._data.shape[j]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {a._data.shape[i]} "
                f"in dim {i} and second has size {b._data.shape[j]} in dim {j}"
            )
        sb[j] = sa[i]
    out = "".join(c for k, c in enumerate(sa) if k not in da)
    out += "".join(c for k, c in enumerate(sb) if k not in db)
    return Einsum.apply(a, b, subs=("".join(sa), "".join(sb)), out=out)
