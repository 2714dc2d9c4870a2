"""repeat_interleave, meshgrid, diag, unique, bincount, searchsorted and friends: what the op
table does not cover (non-differentiable ops, torch's errors, corner cases)."""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg


def _same_error(fn, *arrays):
    """``fn(lib, *tensors)`` raises the same exception type and message on eagergrad and torch."""
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        fn(torch, *[torch.tensor(a) for a in arrays])
    with pytest.raises(type(theirs.value)) as ours:
        fn(eg, *[eg.tensor(a) for a in arrays])
    assert str(ours.value) == str(theirs.value).replace("torch.", "eagergrad.")


def _same(fn, *arrays):
    """``fn(lib, *tensors)`` gives equal values, shapes and dtypes on eagergrad and torch."""
    torch = pytest.importorskip("torch")
    got = fn(eg, *[eg.tensor(a) for a in arrays])
    want = fn(torch, *[torch.tensor(a) for a in arrays])
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype.name == str(w.dtype).replace("torch.", "")
        assert tuple(g.shape) == tuple(w.shape)
        np.testing.assert_array_equal(g.numpy(), w.numpy())


# --- repeat_interleave ---------------------------------------------------------------------------
def test_repeat_interleave_repeats_only():
    assert eg.repeat_interleave(eg.tensor([1, 0, 2])).tolist() == [0, 2, 2]


def test_repeat_interleave_output_size_is_checked():
    x = eg.zeros(2, 3)
    assert eg.repeat_interleave(x, 2, dim=0, output_size=4).shape == (4, 3)
    assert eg.repeat_interleave(x, eg.tensor([1, 2]), dim=0, output_size=3).shape == (3, 3)


def test_repeat_interleave_grad_sums_copies():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    eg.repeat_interleave(x, eg.tensor([3, 1])).sum().backward()
    assert x.grad.tolist() == [3.0, 1.0]


@pytest.mark.torch
@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.repeat_interleave(x, lib.tensor([1, 2, 3])),
    lambda lib, x: lib.repeat_interleave(x, lib.tensor([1, 2]), dim=1),
    lambda lib, x: lib.repeat_interleave(x, -1),
    lambda lib, x: lib.repeat_interleave(x, lib.tensor([-1, 2]), dim=0),
    lambda lib, x: lib.repeat_interleave(x, lib.tensor([[1, 2]]), dim=0),
    lambda lib, x: lib.repeat_interleave(x, 2, dim=0, output_size=5),
    lambda lib, x: lib.repeat_interleave(x, lib.tensor([1, 2]), dim=0, output_size=5),
    lambda lib, x: lib.repeat_interleave(x, 2, dim=2),
])
def test_repeat_interleave_errors_match_torch(fn):
    _same_error(fn, np.zeros((2, 3)))


@pytest.mark.torch
@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.repeat_interleave(x, lib.tensor([2]), dim=1),
    lambda lib, x: lib.repeat_interleave(x, lib.tensor(2)),
    lambda lib, x: lib.repeat_interleave(x, lib.tensor([0, 2], dtype=lib.int32), dim=0),
    lambda lib, x: lib.repeat_interleave(x, 0, dim=1),
])
def test_repeat_interleave_matches_torch(fn):
    _same(fn, np.arange(6).reshape(2, 3))


# --- meshgrid / cartesian_prod -------------------------------------------------------------------
def test_meshgrid_defaults_to_ij_without_warning():
    # NOTE: torch warns when ``indexing`` is omitted; eagergrad does not (warnings are errors here)
    a, b = eg.meshgrid(eg.tensor([1, 2]), eg.tensor([3, 4, 5]))
    assert a.shape == b.shape == (2, 3)
    assert a[:, 0].tolist() == [1, 2] and b[0].tolist() == [3, 4, 5]


@pytest.mark.torch
@pytest.mark.parametrize("fn", [
    lambda lib, x, y: lib.meshgrid(x, y, indexing="foo"),
    lambda lib, x, y: lib.meshgrid(x, y.double(), indexing="ij"),
    lambda lib, x, y: lib.meshgrid(indexing="xy"),
    lambda lib, x, y: lib.cartesian_prod(x.reshape(1, 2), y),
])
def test_meshgrid_errors_match_torch(fn):
    _same_error(fn, np.zeros(2, np.float32), np.zeros(3, np.float32))


def test_meshgrid_rejects_2d():
    with pytest.raises(RuntimeError, match="Expected 0D or 1D tensor"):
        eg.meshgrid(eg.zeros(2, 2), eg.zeros(3), indexing="ij")


@pytest.mark.torch
def test_meshgrid_xy_and_single_tensor_match_torch():
    _same(lambda lib, x, y: lib.meshgrid([x, y], indexing="xy"), np.arange(2), np.arange(3))
    _same(lambda lib, x: lib.meshgrid(x, indexing="xy"), np.arange(2))
    _same(lambda lib, x: lib.cartesian_prod(x), np.arange(3))


# --- diag / diag_embed / trace -------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("fn,shape", [
    (lambda lib, x: lib.diag(x), (2, 2, 2)),
    (lambda lib, x: lib.diag(x), ()),
    (lambda lib, x: lib.trace(x), (2, 2, 2)),
    (lambda lib, x: lib.trace(x), (3,)),
    (lambda lib, x: lib.diag_embed(x, 0, 0, 0), (2, 3)),
    (lambda lib, x: lib.diag_embed(x), ()),
    (lambda lib, x: lib.diag_embed(x, 0, 0, 3), (2, 3)),
])
def test_diag_errors_match_torch(fn, shape):
    _same_error(fn, np.zeros(shape))


@pytest.mark.torch
def test_diag_and_trace_of_ints_match_torch():
    m = np.arange(12).reshape(3, 4)
    _same(lambda lib, x: lib.trace(x), m)
    _same(lambda lib, x: lib.diag(x, -1), m)
    _same(lambda lib, x: lib.diag(x, 5), m)
    _same(lambda lib, x: lib.diag(x[0], 2), m)


def test_diag_of_matrix_is_a_writable_copy():
    m = eg.zeros(2, 2)
    d = eg.diag(m)
    d[0] = 5.0
    assert m.sum().item() == 0.0


# --- rot90 / kron / block_diag / stacks / splits -------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("fn,shape", [
    (lambda lib, x: lib.rot90(x, 1, (0, 0)), (2, 3)),
    (lambda lib, x: lib.rot90(x, 1, (0, 1, 2)), (2, 3)),
    (lambda lib, x: lib.rot90(x, 1, (0, 1)), (3,)),
    (lambda lib, x: lib.rot90(x, 1, (0, 2)), (2, 3)),
    (lambda lib, x: lib.block_diag(x), (2, 2, 2)),
    (lambda lib, x: lib.hsplit(x, 3), (2, 4)),
    (lambda lib, x: lib.hsplit(x, 0), (2, 4)),
    (lambda lib, x: lib.hsplit(x, 1), ()),
    (lambda lib, x: lib.vsplit(x, 2), (4,)),
    (lambda lib, x: lib.dsplit(x, 2), (2, 4)),
])
def test_shape_errors_match_torch(fn, shape):
    _same_error(fn, np.zeros(shape))


@pytest.mark.torch
def test_kron_block_diag_promote_like_torch():
    ints, floats = np.ones((2, 2), np.int64), np.arange(3, dtype=np.float32)
    _same(lambda lib, a, b: lib.kron(a, b), ints, floats)
    _same(lambda lib, a, b: lib.block_diag(a, b), ints, floats)
    _same(lambda lib, a, b: lib.block_diag(a, b), ints, np.zeros((0, 2), np.int64))


def test_block_diag_of_nothing_is_empty_like_torch():
    assert eg.block_diag().shape == (1, 0)


@pytest.mark.torch
def test_splits_and_stacks_of_ints_match_torch():
    x = np.arange(24).reshape(2, 3, 4)
    _same(lambda lib, a: lib.hsplit(a, [1, 10]), x)
    _same(lambda lib, a: lib.vsplit(a, [-1]), x)
    _same(lambda lib, a: lib.dsplit(a, [2, 3]), x)
    _same(lambda lib, a: lib.hsplit(a[0, 0], 2), x)
    _same(lambda lib, a: lib.dstack([a[0, 0, 0], a[1, 1, 1]]), x)
    _same(lambda lib, a: lib.column_stack([a[0, 0, 0], a[0, :1]]), x)


def test_rot90_zero_is_a_copy():
    x = eg.zeros(2, 2)
    y = eg.rot90(x, 0)
    y[0, 0] = 1.0
    assert x.sum().item() == 0.0


def test_hsplit_pieces_are_views():
    x = eg.zeros(2, 4)
    a, b = eg.hsplit(x, 2)
    assert a._base is x and b._base is x


def test_is_tensor_and_numel():
    assert eg.is_tensor(eg.zeros(1)) and eg.is_tensor(eg.nn.Parameter(eg.zeros(1)))
    assert not eg.is_tensor(np.zeros(1)) and not eg.is_tensor(1.0)
    assert eg.numel(eg.zeros(2, 3, 0)) == 0 and eg.numel(eg.tensor(1.0)) == 1
    assert isinstance(eg.numel(eg.zeros(4)), int)


# --- take ----------------------------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.take(x, lib.tensor([6])),
    lambda lib, x: lib.take(x, lib.tensor([-7])),
    lambda lib, x: lib.take(x, lib.tensor([0], dtype=lib.int32)),
])
def test_take_errors_match_torch(fn):
    _same_error(fn, np.zeros((2, 3)))


@pytest.mark.torch
def test_take_matches_torch():
    _same(lambda lib, x: lib.take(x, lib.tensor([[-6, 5], [0, 0]])), np.arange(6).reshape(2, 3))
    _same(lambda lib, x: lib.take(x, lib.tensor(0)), np.array(5.0))
    _same(lambda lib, x: lib.take(x, lib.tensor([], dtype=lib.int64)), np.arange(3))


# --- unique --------------------------------------------------------------------------------------
UNIQUE_INPUTS = [
    np.array([[3, 1, 3], [2, 1, 3]]),
    np.array([3.0, 1.0, 3.0, np.nan, np.nan]),
    np.array(5),
    np.array([True, False, True]),
    np.zeros((0, 3)),
]


@pytest.mark.torch
@pytest.mark.parametrize("x", UNIQUE_INPUTS, ids=range(len(UNIQUE_INPUTS)))
@pytest.mark.parametrize("inverse,counts", [(False, False), (True, False), (True, True),
                                            (False, True)])
def test_unique_matches_torch(x, inverse, counts):
    torch = pytest.importorskip("torch")
    got = eg.unique(eg.tensor(x), return_inverse=inverse, return_counts=counts)
    want = torch.unique(torch.tensor(x), return_inverse=inverse, return_counts=counts)
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype.name == str(w.dtype).replace("torch.", "")
        assert tuple(g.shape) == tuple(w.shape)
        np.testing.assert_array_equal(g.numpy(), w.numpy())


@pytest.mark.torch
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unique_dim_matches_torch(dim):
    x = np.array([[3, 1, 3, 1], [2, 1, 2, 1], [3, 1, 3, 1]])
    _same(lambda lib, a: lib.unique(a, return_inverse=True, return_counts=True, dim=dim), x)
    _same(lambda lib, a: lib.unique(a, dim=dim), x)
    _same(lambda lib, a: lib.unique(a, return_inverse=True, dim=0), np.zeros((0, 3)))


def test_unique_has_no_grad_and_checks_dim():
    x = eg.tensor([1.0, 1.0], requires_grad=True)
    assert not eg.unique(x).requires_grad
    with pytest.raises(IndexError, match="Dimension out of range"):
        eg.unique(eg.zeros(2, 3), dim=2)


# --- bincount ------------------------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.bincount(x),
    lambda lib, x: lib.bincount(x, minlength=7),
    lambda lib, x: lib.bincount(x, weights=lib.tensor([1.0, 2.0, 3.0, 0.5])),
    lambda lib, x: lib.bincount(x, weights=lib.tensor([1.0, 2.0, 3.0, 0.5], dtype=lib.float64)),
    lambda lib, x: lib.bincount(x, weights=lib.tensor([1, 2, 3, 4])),
    lambda lib, x: lib.bincount(x.int()),
    lambda lib, x: lib.bincount(x[:0]),
])
def test_bincount_matches_torch(fn):
    _same(fn, np.array([1, 1, 3, 0]))


@pytest.mark.torch
@pytest.mark.parametrize("fn,x", [
    (lambda lib, x: lib.bincount(x), np.array([1, -1, 3])),
    (lambda lib, x: lib.bincount(x), np.array([1.0, 1.0])),
    (lambda lib, x: lib.bincount(x), np.array([[1, 1]])),
    (lambda lib, x: lib.bincount(x), np.array(1)),
    (lambda lib, x: lib.bincount(x), np.array([True, False])),
    (lambda lib, x: lib.bincount(x, weights=lib.tensor([1.0])), np.array([1, 1])),
    (lambda lib, x: lib.bincount(x, minlength=-1), np.array([1, 1])),
])
def test_bincount_errors_match_torch(fn, x):
    _same_error(fn, x)


# --- searchsorted / bucketize --------------------------------------------------------------------
SEQ = np.array([1, 3, 5, 7, 9])


@pytest.mark.torch
@pytest.mark.parametrize("fn", [
    lambda lib, s: lib.searchsorted(s, lib.tensor([0, 3, 6, 9, 10])),
    lambda lib, s: lib.searchsorted(s, lib.tensor([[3, 6], [9, 1]]), right=True),
    lambda lib, s: lib.searchsorted(s, lib.tensor([3, 6, 9]), side="right"),
    lambda lib, s: lib.searchsorted(s, lib.tensor([3, 6, 9]), side="right", right=False),
    lambda lib, s: lib.searchsorted(s, lib.tensor([3, 6, 9]), side="left"),
    lambda lib, s: lib.searchsorted(s, lib.tensor([3.5, 6.0])),
    lambda lib, s: lib.searchsorted(s, 6),
    lambda lib, s: lib.searchsorted(s, lib.tensor(6)),
    lambda lib, s: lib.searchsorted(s, lib.tensor([3, 6]), out_int32=True),
    lambda lib, s: lib.searchsorted(lib.stack([s, s * 2]), lib.tensor([[3], [4]])),
    lambda lib, s: lib.searchsorted(s.flip(0), lib.tensor([2, 8]),
                                    sorter=lib.tensor([4, 3, 2, 1, 0])),
    lambda lib, s: lib.bucketize(lib.tensor([[2, 6], [9, 0]]), s),
    lambda lib, s: lib.bucketize(lib.tensor([[2, 6], [9, 0]]), s, right=True, out_int32=True),
    lambda lib, s: lib.bucketize(3, s),
])
def test_searchsorted_matches_torch(fn):
    _same(fn, SEQ)


def test_searchsorted_batched_rows():
    seq = eg.tensor([[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]])
    out = eg.searchsorted(seq, eg.tensor([[3.0, 6.0], [3.0, 7.0]]))
    assert out.tolist() == [[1, 3], [1, 3]]


@pytest.mark.torch
@pytest.mark.parametrize("fn", [
    lambda lib, s: lib.searchsorted(s, lib.tensor([3]), side="left", right=True),
    lambda lib, s: lib.searchsorted(s, lib.tensor([3]), side="foo"),
    lambda lib, s: lib.searchsorted(s.reshape(5, 1), lib.tensor([3, 3])),
    lambda lib, s: lib.searchsorted(s.reshape(5, 1), lib.tensor([[3], [3]])),
    lambda lib, s: lib.searchsorted(s[0], lib.tensor([3])),
    lambda lib, s: lib.searchsorted(s, lib.tensor([3]), sorter=lib.tensor([0, 1])),
    lambda lib, s: lib.bucketize(lib.tensor([3]), s.reshape(1, 5)),
])
def test_searchsorted_errors_match_torch(fn):
    _same_error(fn, SEQ)
