"""Op table entries for the linalg family (matmul and friends, einsum, tensordot, addmm)."""

from __future__ import annotations

from . import OpInfo

OPS: list[OpInfo] = []

# --- matmul, mm, bmm, mv, dot, outer --------------------------------------------------------------
OPS += [
    OpInfo("matmul_2d", lambda lib, x, y: x @ y, lambda np, x, y: x @ y, [((3, 4), (4, 5))]),
    OpInfo("matmul_batched_broadcast", lambda lib, x, y: lib.matmul(x, y),
           lambda np, x, y: np.matmul(x, y), [((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (3, 4, 2)),
                                               ((3, 4), (2, 4, 5))]),
    OpInfo("matmul_1d_1d", lambda lib, x, y: x @ y, lambda np, x, y: np.matmul(x, y),
           [((4,), (4,))]),
    OpInfo("matmul_1d_nd", lambda lib, x, y: x @ y, lambda np, x, y: np.matmul(x, y),
           [((4,), (4, 3)), ((4,), (2, 4, 3))]),
    OpInfo("matmul_nd_1d", lambda lib, x, y: x @ y, lambda np, x, y: np.matmul(x, y),
           [((3, 4), (4,)), ((2, 3, 4), (4,))]),
    OpInfo("mm", lambda lib, x, y: lib.mm(x, y), lambda np, x, y: x @ y, [((2, 3), (3, 4))]),
    OpInfo("bmm", lambda lib, x, y: x.bmm(y), lambda np, x, y: x @ y, [((2, 2, 3), (2, 3, 4))]),
    OpInfo("mv", lambda lib, x, y: x.mv(y), lambda np, x, y: x @ y, [((3, 4), (4,))]),
    OpInfo("dot", lambda lib, x, y: lib.dot(x, y), lambda np, x, y: np.dot(x, y),
           [((5,), (5,))]),
    OpInfo("outer", lambda lib, x, y: x.outer(y), lambda np, x, y: np.outer(x, y),
           [((3,), (4,))]),
    OpInfo("addmm", lambda lib, b, x, y: lib.addmm(b, x, y, beta=0.5, alpha=2.0),
           lambda np, b, x, y: 0.5 * b + 2.0 * (x @ y), [((4,), (3, 2), (2, 4)),
                                                         ((3, 4), (3, 2), (2, 4))]),
]

# --- einsum, tensordot ----------------------------------------------------------------------------
OPS += [
    OpInfo("einsum_mm", lambda lib, x, y: lib.einsum("ij,jk->ik", x, y),
           lambda np, x, y: x @ y, [((2, 3), (3, 4))]),
    OpInfo("einsum_bmm", lambda lib, x, y: lib.einsum("bij,bjk->bik", x, y),
           lambda np, x, y: x @ y, [((2, 2, 3), (2, 3, 4))]),
    OpInfo("einsum_ellipsis", lambda lib, x, y: lib.einsum("...ij,...jk", x, y),
           lambda np, x, y: np.matmul(x, y), [((2, 2, 3), (2, 3, 4)), ((2, 1, 2, 3), (3, 3, 2)),
                                               ((2, 3), (3, 4))]),
    OpInfo("einsum_diag", lambda lib, x: lib.einsum("ii->i", x), lambda np, x: np.diag(x).copy(),
           [((3, 3),)]),
    OpInfo("einsum_trace", lambda lib, x: lib.einsum("ii", x), lambda np, x: np.trace(x),
           [((3, 3),)]),
    OpInfo("einsum_dot", lambda lib, x, y: lib.einsum("i,i->", x, y),
           lambda np, x, y: np.dot(x, y), [((4,), (4,))]),
    OpInfo("einsum_implicit", lambda lib, x, y: lib.einsum("ij,jk", x, y),
           lambda np, x, y: x @ y, [((2, 3), (3, 4))]),
    OpInfo("einsum_implicit_transpose", lambda lib, x: lib.einsum("ji", x),
           lambda np, x: x.T.copy(), [((2, 3),)]),
    OpInfo("einsum_sum_one_operand", lambda lib, x, y: lib.einsum("ij,k->ik", x, y),
           lambda np, x, y: x.sum(1, keepdims=True) * y, [((2, 3), (4,))]),
    OpInfo("einsum_three", lambda lib, x, y, z: lib.einsum("ab,bc,cd->ad", [x, y, z]),
           lambda np, x, y, z: x @ y @ z, [((2, 3), (3, 4), (4, 2))]),
    OpInfo("einsum_batch_diag", lambda lib, x, y: lib.einsum("bii,bi->b", x, y),
           lambda np, x, y: np.einsum("bii,bi->b", x, y), [((2, 3, 3), (2, 3))]),
    OpInfo("einsum_broadcast_size1", lambda lib, x, y: lib.einsum("ij,ij->ij", x, y),
           lambda np, x, y: x * y, [((1, 3), (2, 3))]),
    OpInfo("tensordot", lambda lib, x, y: lib.tensordot(x, y),
           lambda np, x, y: np.tensordot(x, y), [((2, 3, 4), (3, 4, 2))]),
    OpInfo("tensordot_lists", lambda lib, x, y: lib.tensordot(x, y, ([0, 2], [1, 0])),
           lambda np, x, y: np.tensordot(x, y, ([0, 2], [1, 0])), [((2, 3, 4), (4, 2, 5))]),
]

# --- baddbmm, addmv, addr, cdist, cross -----------------------------------------------------------
OPS += [
    OpInfo("baddbmm", lambda lib, b, x, y: lib.baddbmm(b, x, y, beta=0.5, alpha=2.0),
           lambda np, b, x, y: 0.5 * b + 2.0 * (x @ y), [((2, 3, 4), (2, 3, 2), (2, 2, 4)),
                                                         ((4,), (2, 3, 2), (2, 2, 4))]),
    OpInfo("addmv", lambda lib, b, m, v: lib.addmv(b, m, v, alpha=1.5),
           lambda np, b, m, v: b + 1.5 * (m @ v), [((3,), (3, 4), (4,)), ((), (3, 4), (4,))]),
    OpInfo("addr", lambda lib, b, u, v: lib.addr(b, u, v, beta=2.0),
           lambda np, b, u, v: 2.0 * b + np.outer(u, v), [((3, 4), (3,), (4,))]),
    OpInfo("cdist", lambda lib, x, y: lib.cdist(x, y),
           lambda np, x, y: np.sqrt(((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)),
           [((3, 4), (5, 4))]),
    OpInfo("cdist_batched_p1", lambda lib, x, y: lib.cdist(x, y, p=1.0),
           lambda np, x, y: np.abs(x[..., :, None, :] - y[..., None, :, :]).sum(-1),
           [((2, 3, 4), (2, 2, 4))], avoid_ties=True, double_backward=False,
           note="p=1: the gradient is sign(diff), whose derivative is 0 (gradcheck covers it)"),
    OpInfo("cdist_p3", lambda lib, x, y: lib.cdist(x, y, p=3.0),
           lambda np, x, y: (np.abs(x[:, None, :] - y[None, :, :]) ** 3).sum(-1) ** (1 / 3),
           [((3, 2), (4, 2))]),
    OpInfo("cross_dim", lambda lib, x, y: lib.cross(x, y, dim=-1),
           lambda np, x, y: np.cross(x, y), [((4, 3), (4, 3)), ((2, 1, 3), (1, 4, 3))]),
    OpInfo("cross_dim0", lambda lib, x, y: lib.cross(x, y, dim=0),
           lambda np, x, y: np.cross(x, y, axis=0), [((3, 2), (3, 2))]),
]
