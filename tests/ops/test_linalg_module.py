"""eg.linalg (torch.linalg): values vs numpy, gradcheck/gradgradcheck, torch parity, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import eagergrad as eg
import eagergrad.linalg as LA
from eagergrad.autograd import gradcheck, gradgradcheck


def _rng(seed=0):
    return np.random.default_rng(seed)


def _general(shape, seed=0):
    """A well-conditioned (diagonally dominated) square or rectangular matrix."""
    a = _rng(seed).standard_normal(shape)
    m, n = shape[-2:]
    return a + 3 * np.eye(m, n)


def _spd(shape, seed=0):
    a = _rng(seed).standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def _distinct_sv(shape, seed=0):
    """A matrix with well separated singular values 1..k (times 1.5^i)."""
    rng = _rng(seed)
    m, n = shape[-2:]
    k = min(m, n)
    u, _ = np.linalg.qr(rng.standard_normal(shape[:-2] + (m, m)))
    v, _ = np.linalg.qr(rng.standard_normal(shape[:-2] + (n, n)))
    s = np.zeros(shape)
    s[..., np.arange(k), np.arange(k)] = 1.5 ** np.arange(k, 0, -1) + 1
    return u @ s @ v


def _t(a, requires_grad=True):
    return eg.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def _sym(A):
    return (A + A.mT) * 0.5


def _gauge_free(U, w_dim=-1):
    """U diag(w) U^T: invariant to the signs of U's columns, yet depends on every column."""
    k = U.shape[w_dim]
    w = eg.tensor(np.arange(1.0, k + 1), dtype=U.dtype)
    return (U * w) @ U.mT


# --- the functions under test, as (name, fn, input maker, shapes) ---------------------------------
def _svd_invariant(A):
    U, S, Vh = LA.svd(A, full_matrices=False)
    return S, _gauge_free(U), _gauge_free(Vh.mT)


def _eigh_invariant(A):
    L, V = LA.eigh(_sym(A))
    return L, _gauge_free(V)


CASES = {
    "inv": (LA.inv, _general, [(3, 3), (2, 3, 3)]),
    "det": (LA.det, _general, [(3, 3), (2, 3, 3)]),
    "slogdet": (lambda A: LA.slogdet(A).logabsdet, _general, [(3, 3), (2, 3, 3)]),
    "solve": (lambda A: LA.solve(A, A[..., :2].sin()), _general, [(3, 3), (2, 3, 3)]),
    "solve_vec": (lambda A: LA.solve(A, A[..., 0].cos()), _general, [(3, 3), (2, 3, 3)]),
    "solve_right": (lambda A: LA.solve(A, A[..., :2, :].sin(), left=False), _general,
                    [(3, 3), (2, 3, 3)]),
    "cholesky": (lambda A: LA.cholesky(A @ A.mT + 3 * eg.eye(3, dtype=A.dtype)), _general,
                 [(3, 3), (2, 3, 3)]),
    "cholesky_upper": (lambda A: LA.cholesky(_sym(A), upper=True), _spd, [(3, 3)]),
    "qr": (lambda A: tuple(LA.qr(A)), _general, [(4, 3), (3, 3), (2, 4, 3)]),
    "qr_wide": (lambda A: tuple(LA.qr(A)), _general, [(3, 5)]),
    "svd": (_svd_invariant, _distinct_sv, [(4, 3), (3, 4), (3, 3), (2, 4, 3)]),
    "svdvals": (LA.svdvals, _distinct_sv, [(4, 3), (3, 4), (2, 3, 3)]),
    "eigh": (_eigh_invariant, _distinct_sv, [(3, 3), (2, 3, 3)]),
    "eigvalsh": (lambda A: LA.eigvalsh(_sym(A)), _spd, [(3, 3), (2, 3, 3)]),
    "pinv": (LA.pinv, _distinct_sv, [(4, 3), (3, 4), (2, 3, 3)]),
    "matrix_power_3": (lambda A: LA.matrix_power(A, 3), _general, [(3, 3), (2, 3, 3)]),
    "matrix_power_-2": (lambda A: LA.matrix_power(A, -2), _general, [(3, 3)]),
    "cross": (lambda A: LA.cross(A, A.flip(-1).cos()), _general, [(4, 3), (2, 4, 3)]),
    "cross_dim0": (lambda A: LA.cross(A, A.sin(), dim=0), _general, [(3, 4)]),
    "vecdot": (lambda A: LA.vecdot(A, A.sin()), _general, [(4, 3)]),
    "norm_fro": (lambda A: LA.matrix_norm(A), _general, [(4, 3), (2, 4, 3)]),
    "norm_nuc": (lambda A: LA.matrix_norm(A, "nuc"), _distinct_sv, [(4, 3), (2, 3, 4)]),
    "norm_2": (lambda A: LA.matrix_norm(A, 2), _distinct_sv, [(4, 3), (2, 3, 4)]),
    "norm_-2": (lambda A: LA.matrix_norm(A, -2), _distinct_sv, [(4, 3)]),
    "norm_1": (lambda A: LA.matrix_norm(A, 1), _general, [(4, 3), (2, 4, 3)]),
    "norm_-1": (lambda A: LA.matrix_norm(A, -1), _general, [(4, 3)]),
    "norm_inf": (lambda A: LA.matrix_norm(A, math.inf), _general, [(4, 3)]),
    "norm_-inf": (lambda A: LA.matrix_norm(A, -math.inf, dim=(0, 1), keepdim=True), _general,
                  [(4, 3)]),
    "norm_nuc_dims": (lambda A: LA.matrix_norm(A, "nuc", dim=(2, 0), keepdim=True),
                      _distinct_sv, [(2, 3, 4)]),
    "vector_norm": (lambda A: LA.vector_norm(A, 3, dim=(-1,)), _general, [(4, 3)]),
    "linalg_norm": (lambda A: LA.norm(A, dim=1), _general, [(4, 3)]),
}

# second derivatives: the ones whose backward is itself differentiable and cheap to check
GRADGRAD = ["inv", "det", "slogdet", "solve", "solve_vec", "cholesky", "qr", "svd", "svdvals",
            "eigh", "eigvalsh", "pinv", "matrix_power_-2", "cross", "norm_nuc", "norm_2"]

CASE_PARAMS = [pytest.param(name, shape, id=f"{name}-{'x'.join(map(str, shape))}")
               for name, (_, _, shapes) in CASES.items() for shape in shapes]


@pytest.mark.parametrize("name, shape", CASE_PARAMS)
def test_gradcheck(name, shape):
    fn, make, _ = CASES[name]
    assert gradcheck(fn, (_t(make(shape)),))


@pytest.mark.parametrize("name", GRADGRAD)
def test_gradgradcheck(name):
    fn, make, shapes = CASES[name]
    assert gradgradcheck(fn, (_t(make(shapes[0])),))


@pytest.mark.torch
@pytest.mark.parametrize("name, shape", CASE_PARAMS)
def test_matches_torch(name, shape):
    torch = pytest.importorskip("torch")
    import torch.linalg as TL

    fn, make, _ = CASES[name]
    a = make(shape)
    A = _t(a)
    At = torch.tensor(a, requires_grad=True)
    # run the same lambda on torch by swapping the module it closes over
    ours = fn(A)
    if fn.__module__ != __name__:  # an eg.linalg function: torch's namesake
        theirs = getattr(TL, fn.__name__)(At)
    else:  # a lambda of this module: run it with LA/eg swapped for torch.linalg/torch
        g = fn.__globals__
        saved = g["LA"], g["eg"]
        g["LA"], g["eg"] = TL, torch
        try:
            theirs = fn(At)
        finally:
            g["LA"], g["eg"] = saved
    ours = ours if isinstance(ours, tuple) else (ours,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    loss, tloss = 0, 0
    for k, (o, t) in enumerate(zip(ours, theirs)):
        assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), atol=1e-10)
        w = _rng(k + 1).standard_normal(tuple(o.shape))
        loss = loss + (o * eg.tensor(w)).sum()
        tloss = tloss + (t * torch.tensor(w)).sum()
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(A.grad.numpy(), At.grad.numpy(), atol=1e-9)


# --- values vs numpy ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_vs_numpy(dtype):
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    a = _general((2, 3, 3)).astype(dtype)
    s = _spd((2, 3, 3)).astype(dtype)
    r = _distinct_sv((2, 4, 3)).astype(dtype)
    A, S, R = (eg.tensor(x) for x in (a, s, r))
    checks = [
        (LA.inv(A), np.linalg.inv(a)),
        (LA.det(A), np.linalg.det(a)),
        (LA.slogdet(A).sign, np.linalg.slogdet(a)[0]),
        (LA.slogdet(A).logabsdet, np.linalg.slogdet(a)[1]),
        (LA.solve(A, A), np.linalg.solve(a, a)),
        (LA.solve(A, A[..., 0]), np.linalg.solve(a, a[..., 0:1])[..., 0]),
        (LA.cholesky(S), np.linalg.cholesky(s)),
        (LA.cholesky(S, upper=True), np.swapaxes(np.linalg.cholesky(s), -1, -2)),
        (LA.qr(R).R, np.linalg.qr(r)[1]),
        (LA.qr(R).Q, np.linalg.qr(r)[0]),
        (LA.qr(R, mode="complete").Q, np.linalg.qr(r, mode="complete")[0]),
        (LA.qr(R, mode="r").R, np.linalg.qr(r, mode="r")),
        (LA.svdvals(R), np.linalg.svd(r, compute_uv=False)),
        (LA.svd(R).U, np.linalg.svd(r)[0]),
        (LA.svd(R, full_matrices=False).Vh, np.linalg.svd(r, full_matrices=False)[2]),
        (LA.eigvalsh(S), np.linalg.eigvalsh(s)),
        (LA.eigh(S).eigenvectors, np.linalg.eigh(s)[1]),
        (LA.eigh(S, UPLO="U").eigenvalues, np.linalg.eigh(s, UPLO="U")[0]),
        (LA.pinv(R), np.linalg.pinv(r)),
        (LA.matrix_power(A, 3), np.linalg.matrix_power(a, 3)),
        (LA.matrix_power(A, -1), np.linalg.inv(a)),
        (LA.matrix_power(A, 0), np.broadcast_to(np.eye(3), a.shape)),
        (LA.cross(A, A.flip(-1)), np.cross(a, a[..., ::-1])),
        (LA.vecdot(A, A), (a * a).sum(-1)),
        (LA.matrix_rank(R), np.linalg.matrix_rank(r)),
        (LA.vector_norm(A, 1, dim=-1), np.linalg.norm(a, 1, axis=-1)),
        (LA.norm(A), np.linalg.norm(a.ravel())),
    ]
    for ord_ in ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2):
        checks.append((LA.matrix_norm(R, ord_), np.linalg.norm(r, ord_, axis=(-2, -1))))
        checks.append((LA.norm(R[0], ord_), np.linalg.norm(r[0], ord_)))
    for k, (ours, ref) in enumerate(checks):
        ref = np.asarray(ref)
        assert tuple(ours.shape) == ref.shape, k
        if ours.dtype.is_floating_point:
            assert ours.numpy().dtype == dtype, k
        np.testing.assert_allclose(ours.numpy(), ref, err_msg=str(k), **tol)


def test_results_are_namedtuples():
    A = _t(_spd((3, 3)), requires_grad=False)
    assert LA.slogdet(A)._fields == ("sign", "logabsdet")
    assert LA.qr(A)._fields == ("Q", "R")
    assert LA.svd(A)._fields == ("U", "S", "Vh")
    assert LA.eigh(A)._fields == ("eigenvalues", "eigenvectors")
    U, S, Vh = LA.svd(A)
    np.testing.assert_allclose(((U * S) @ Vh).numpy(), A.numpy(), atol=1e-12)


def test_slogdet_sign_has_no_grad_and_matrix_rank_is_int64():
    A = _t(-np.eye(3))
    sign, logabsdet = LA.slogdet(A)
    assert not sign.requires_grad and logabsdet.requires_grad
    assert sign.item() == -1.0
    r = LA.matrix_rank(_t(np.ones((2, 3, 4))))
    assert r.dtype == eg.int64 and r.tolist() == [1, 1]
    assert LA.matrix_rank(_t(np.diag([1.0, 1e-3, 0.0])), atol=1e-2).item() == 1


def test_solve_broadcasts_batch_dims_like_torch():
    A = _t(_general((2, 1, 3, 3)))
    B = _t(_rng(1).standard_normal((4, 3, 2)))
    X = LA.solve(A, B)
    assert tuple(X.shape) == (2, 4, 3, 2)
    np.testing.assert_allclose((A @ X).detach().numpy(), np.broadcast_to(B.detach().numpy(),
                                                                          (2, 4, 3, 2)),
                               atol=1e-12)
    X.sum().backward()
    assert tuple(A.grad.shape) == (2, 1, 3, 3) and tuple(B.grad.shape) == (4, 3, 2)
    # B of shape A.shape[:-1] is a batch of vectors; a batched 1-D B broadcasts
    A2 = _t(_general((2, 3, 3)))
    assert tuple(LA.solve(A2, _t(np.ones((2, 3)))).shape) == (2, 3)
    assert tuple(LA.solve(A2, _t(np.ones(3))).shape) == (2, 3)


def test_svdvals_gradient_at_repeated_singular_values_is_finite():
    # nuclear and spectral norms of the identity: svd's backward would divide by 0 here
    A = _t(np.eye(3))
    LA.matrix_norm(A, "nuc").backward()
    np.testing.assert_allclose(A.grad.numpy(), np.eye(3))
    B = _t(np.eye(3))
    LA.eigvalsh(B).sum().backward()
    np.testing.assert_allclose(B.grad.numpy(), np.eye(3), atol=1e-12)


def test_tensor_norm_nuc_delegates_to_matrix_norm():
    a = _distinct_sv((3, 4))
    A = _t(a)
    y = eg.norm(A, p="nuc")
    np.testing.assert_allclose(y.item(), np.linalg.norm(a, "nuc"))
    y.backward()
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(A.grad.numpy(), u @ vh, atol=1e-12)
    np.testing.assert_allclose(A.detach().norm(p="nuc", dim=(0, 1), keepdim=True).numpy(),
                               [[np.linalg.norm(a, "nuc")]])


def test_svd_full_matrices_backward_uses_first_k_columns():
    A = _t(_distinct_sv((4, 3)))
    U, S, Vh = LA.svd(A, full_matrices=True)
    assert tuple(U.shape) == (4, 4)
    (_gauge_free(U[:, :3]).sum() + S.sum()).backward()  # the 4th column gets no gradient
    B = _t(A.detach().numpy())
    U2, S2, _ = LA.svd(B, full_matrices=False)
    (_gauge_free(U2).sum() + S2.sum()).backward()
    np.testing.assert_allclose(A.grad.numpy(), B.grad.numpy(), atol=1e-10)


# --- errors ---------------------------------------------------------------------------------------
def test_singular_inputs_raise_linalg_error():
    assert issubclass(LA.LinAlgError, RuntimeError)
    with pytest.raises(LA.LinAlgError, match="singular"):
        LA.inv(_t(np.ones((3, 3))))
    with pytest.raises(LA.LinAlgError, match="singular"):
        LA.solve(_t(np.ones((3, 3))), _t(np.ones(3)))
    with pytest.raises(LA.LinAlgError, match="leading minor of order 2"):
        LA.cholesky(_t(np.diag([1.0, -1.0, 1.0])))
    with pytest.raises(LA.LinAlgError, match=r"\(Batch element 1\).*order 1"):
        LA.cholesky(_t(np.stack([np.eye(2), -np.eye(2)])))


def test_qr_backward_errors():
    A = _t(_general((4, 3)))
    with pytest.raises(RuntimeError, match="mode='r'"):
        LA.qr(A, mode="r").R.sum().backward()
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
        LA.qr(A, mode="complete").Q.sum().backward()


ERRORS = {
    "inv_nonsquare": lambda L, o: L.inv(o(2, 3)),
    "inv_1d": lambda L, o: L.inv(o(3)),
    "inv_int": lambda L, o: L.inv(o(3, 3).long()),
    "det_nonsquare": lambda L, o: L.det(o(2, 3)),
    "slogdet_nonsquare": lambda L, o: L.slogdet(o(2, 3)),
    "solve_nonsquare": lambda L, o: L.solve(o(2, 3), o(3)),
    "solve_shapes": lambda L, o: L.solve(o(3, 3), o(4)),
    "solve_matrix_shapes": lambda L, o: L.solve(o(3, 3), o(2, 3)),
    "solve_right_shapes": lambda L, o: L.solve(o(3, 3), o(3, 2), left=False),
    "cholesky_nonsquare": lambda L, o: L.cholesky(o(2, 3)),
    "eigh_nonsquare": lambda L, o: L.eigh(o(4, 3)),
    "eigh_uplo": lambda L, o: L.eigh(o(3, 3), UPLO="X"),
    "qr_mode": lambda L, o: L.qr(o(3, 3), mode="x"),
    "svd_1d": lambda L, o: L.svd(o(3)),
    "matrix_rank_1d": lambda L, o: L.matrix_rank(o(3)),
    "pinv_1d": lambda L, o: L.pinv(o(3)),
    "cross_len": lambda L, o: L.cross(o(2), o(2)),
    "cross_broadcast": lambda L, o: L.cross(o(2, 3), o(4, 3)),
    "vecdot_size": lambda L, o: L.vecdot(o(3), o(4)),
    "matrix_power_nonsquare": lambda L, o: L.matrix_power(o(2, 3), 2),
    "matrix_norm_1d": lambda L, o: L.matrix_norm(o(3)),
    "matrix_norm_ord": lambda L, o: L.matrix_norm(o(3, 3), ord=3),
    "matrix_norm_same_dims": lambda L, o: L.matrix_norm(o(3, 3), dim=(0, 0)),
    "matrix_norm_3dims": lambda L, o: L.matrix_norm(o(3, 3, 3), dim=(0, 1, 2)),
    "vector_norm_str": lambda L, o: L.vector_norm(o(3, 3), ord="fro"),
    "norm_3d_ord": lambda L, o: L.norm(o(3, 3, 3), ord=2),
    "norm_1d_fro": lambda L, o: L.norm(o(3), ord="fro"),
    "norm_dims": lambda L, o: L.norm(o(3, 3, 3), dim=(0, 1, 2)),
}


def _first_line(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.type, str(info.value).split("\n")[0]


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name):
    ours_type, ours = _first_line(lambda: ERRORS[name](LA, lambda *s: eg.ones(*s)))
    assert ours  # every error says something
    torch = pytest.importorskip("torch")
    theirs_type, theirs = _first_line(lambda: ERRORS[name](torch.linalg,
                                                           lambda *s: torch.ones(*s)))
    assert issubclass(ours_type, RuntimeError) == issubclass(theirs_type, RuntimeError)
    assert issubclass(ours_type, TypeError) == issubclass(theirs_type, TypeError)
    if not issubclass(theirs_type, TypeError):  # torch's TypeErrors list its overloads
        assert ours == theirs
