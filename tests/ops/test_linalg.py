"""Linalg family: torch's error messages, 1-D/batched rules, einsum forms, gradient plumbing."""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg

torch = pytest.importorskip("torch")


def _both(*shapes, dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    return ([eg.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def _check_vs_torch(fn, *shapes):
    ours, theirs = _both(*shapes)
    y, ty = fn(eg, *ours), fn(torch, *theirs)
    assert tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-12)
    up = np.random.default_rng(1).standard_normal(tuple(y.shape))
    (y * eg.tensor(up)).sum().backward()
    (ty * torch.tensor(up)).sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), atol=1e-12)


def _message(fn, *args):
    """The error message torch gives for fn(*args), to compare with ours."""
    with pytest.raises(Exception) as info:
        fn(*args)
    return type(info.value), str(info.value).split("\n")[0]


ERRORS = {
    "matmul_2d": (lambda lib, o: o(3, 4) @ o(5, 6)),
    "matmul_1d_2d": (lambda lib, o: o(3) @ o(5, 6)),
    "matmul_2d_1d": (lambda lib, o: o(3, 4) @ o(5)),
    "matmul_1d_1d": (lambda lib, o: o(3) @ o(4)),
    "matmul_batched": (lambda lib, o: o(2, 3, 4) @ o(2, 5, 6)),
    "matmul_batched_2d": (lambda lib, o: o(2, 3, 4) @ o(5, 6)),
    "matmul_batch_broadcast": (lambda lib, o: o(2, 3, 4) @ o(3, 4, 6)),
    "matmul_1d_batched": (lambda lib, o: o(3) @ o(2, 5, 6)),
    "matmul_batched_1d": (lambda lib, o: o(2, 3, 4) @ o(5)),
    "matmul_0d": (lambda lib, o: o(()) @ o(3)),
    "matmul_dtype": (lambda lib, o: o(3, 4) @ o(4, 2, dtype=lib.float64)),
    "mm_1d_self": (lambda lib, o: lib.mm(o(3), o(3, 4))),
    "mm_1d_mat2": (lambda lib, o: lib.mm(o(3, 4), o(3))),
    "mm_shapes": (lambda lib, o: lib.mm(o(3, 4), o(5, 4))),
    "bmm_2d_batch1": (lambda lib, o: lib.bmm(o(3, 4), o(3, 4, 4))),
    "bmm_2d_batch2": (lambda lib, o: lib.bmm(o(2, 3, 4), o(3, 4))),
    "bmm_batch": (lambda lib, o: lib.bmm(o(2, 3, 4), o(3, 4, 5))),
    "bmm_inner": (lambda lib, o: lib.bmm(o(2, 3, 4), o(2, 5, 5))),
    "mv_size": (lambda lib, o: lib.mv(o(3, 4), o(5))),
    "mv_dims": (lambda lib, o: lib.mv(o(3), o(3))),
    "dot_size": (lambda lib, o: lib.dot(o(3), o(4))),
    "dot_dims": (lambda lib, o: lib.dot(o(3, 1), o(3))),
    "dot_dtype": (lambda lib, o: lib.dot(o(3), o(3, dtype=lib.float64))),
    "outer_dims": (lambda lib, o: lib.outer(o(3, 2), o(3))),
    "einsum_size": (lambda lib, o: lib.einsum("ij,jk", o(2, 3), o(4, 5))),
    "einsum_out_missing": (lambda lib, o: lib.einsum("ij->k", o(2, 3))),
    "einsum_out_repeated": (lambda lib, o: lib.einsum("ij,jk->ii", o(2, 3), o(3, 5))),
    "einsum_ndim": (lambda lib, o: lib.einsum("ijk->i", o(2, 3))),
    "einsum_operands": (lambda lib, o: lib.einsum("ij,jk->ik", o(2, 3))),
    "einsum_dtype": (lambda lib, o: lib.einsum("ij,jk->ik", o(2, 3), o(3, 4, dtype=lib.float64))),
}


@pytest.mark.parametrize("name", ERRORS.keys())
def test_errors_match_torch(name):
    fn = ERRORS[name]
    want = _message(fn, torch, torch.ones)
    got = _message(fn, eg, eg.ones)
    assert got == want


@pytest.mark.parametrize("fn,shapes", [
    (lambda lib, x, y: x @ y, [(3, 4), (4, 5)]),
    (lambda lib, x, y: x @ y, [(4,), (4,)]),
    (lambda lib, x, y: x @ y, [(4,), (2, 4, 3)]),
    (lambda lib, x, y: x @ y, [(2, 1, 3, 4), (4,)]),
    (lambda lib, x, y: x @ y, [(2, 1, 3, 4), (5, 4, 2)]),
    (lambda lib, x, y: x @ y, [(2, 3, 4), (4, 5)]),
    (lambda lib, x, y: x @ y, [(3, 4), (2, 4, 5)]),
    (lambda lib, x, y: lib.mv(x, y), [(3, 4), (4,)]),
    (lambda lib, x, y: lib.outer(x, y), [(3,), (4,)]),
    (lambda lib, b, x, y: lib.addmm(b, x, y, alpha=0.5, beta=2), [(1, 4), (3, 2), (2, 4)]),
    (lambda lib, x, y: lib.einsum("...ij,...jk", x, y), [(2, 1, 3, 4), (5, 4, 2)]),
    (lambda lib, x, y: lib.einsum("b i j, b j k -> b k i", x, y), [(2, 3, 4), (2, 4, 5)]),
    (lambda lib, x: lib.einsum("ii->i", x), [(3, 3)]),
    (lambda lib, x: lib.einsum("ii", x), [(3, 3)]),
    (lambda lib, x: lib.einsum("iji->j", x), [(3, 2, 3)]),
    (lambda lib, x, y: lib.einsum("i,i->", x, y), [(4,), (4,)]),
    (lambda lib, x, y: lib.einsum("ij,jk", x, y), [(2, 3), (3, 4)]),
    (lambda lib, x, y: lib.einsum("Ba,aB", x, y), [(3, 2), (2, 3)]),
    (lambda lib, x, y: lib.einsum("bA,a", x, y), [(3, 2), (2,)]),
    (lambda lib, x, y: lib.einsum("ij,ij->ij", x, y), [(1, 3), (2, 3)]),
    (lambda lib, x: lib.einsum("...->", x), [(2, 3)]),
    (lambda lib, x, y: lib.tensordot(x, y, dims=([1, 0], [0, 2])), [(3, 4, 2), (4, 5, 3)]),
], ids=["mm", "dot", "1d_batched", "batched_1d", "broadcast", "3d_2d", "2d_3d", "mv", "outer",
        "addmm", "einsum_ellipsis", "einsum_spaces", "einsum_diag", "einsum_trace",
        "einsum_iji", "einsum_dot", "einsum_implicit", "einsum_implicit_upper",
        "einsum_implicit_order", "einsum_broadcast", "einsum_sum_all", "tensordot"])
def test_values_and_grads_match_torch(fn, shapes):
    _check_vs_torch(fn, *shapes)


def test_einsum_list_operands_and_gradgrad():
    x, y = eg.randn(2, 3, dtype=eg.float64, requires_grad=True), \
        eg.randn(3, 3, dtype=eg.float64, requires_grad=True)
    assert eg.einsum("ij,jk->ik", [x, y]).shape == (2, 3)
    assert eg.autograd.gradgradcheck(lambda a, b: eg.einsum("ij,jj->ij", a, b), (x, y))


def test_matmul_2d_records_one_node_on_the_leaves():
    x, w = eg.randn(3, 4, requires_grad=True), eg.randn(4, 5, requires_grad=True)
    y = x @ w
    assert y.grad_fn.name() == "MatMulBackward0"
    assert all(fn.name() == "AccumulateGrad" for fn, _ in y.grad_fn.next_functions)


def test_matmul_skips_gradient_of_operand_without_grad(monkeypatch):
    # Both backwards (see NOTE [Array backward]): the plain walk's array code, spied on at
    # numpy.matmul, and the recorded walk's MatMul ops.
    x, w = eg.randn(3, 4), eg.randn(4, 5, requires_grad=True)
    calls = []
    orig_np = np.matmul

    def spy_np(a, b, *args, **kw):
        calls.append((a.shape, b.shape))
        return orig_np(a, b, *args, **kw)

    monkeypatch.setattr(np, "matmul", spy_np)
    (x @ w).sum().backward()
    monkeypatch.setattr(np, "matmul", orig_np)
    assert x.grad is None and w.grad is not None
    assert calls == [((3, 4), (4, 5)), ((4, 3), (3, 5))]  # forward, then only grad_w

    calls.clear()
    orig = eg._ops.linalg.MatMul.apply

    def spy(*args, **kw):
        calls.append(tuple(a.shape for a in args))
        return orig(*args, **kw)

    monkeypatch.setattr(eg._ops.linalg.MatMul, "apply", spy)
    eg.autograd.grad((x @ w).sum(), w, create_graph=True)
    assert calls == [((3, 4), (4, 5)), ((4, 3), (3, 5))]


def test_matmul_shared_weight_gradient_in_one_product():
    x, w = _both((2, 3, 4), (4, 5))
    y, ty = x[0] @ x[1], w[0] @ w[1]
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x[1].grad.numpy(), w[1].grad.numpy(), atol=1e-12)


def test_matmul_int_and_float32():
    a = eg.tensor([[1, 2], [3, 4]])
    assert (a @ a).tolist() == [[7, 10], [15, 22]] and (a @ a).dtype == eg.int64
    f = eg.ones(2, 2) @ eg.ones(2)
    assert f.dtype == eg.float32 and f.tolist() == [2.0, 2.0]
