"""Shape ops beyond the op table: torch's corner cases, errors, views and version counters."""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg


def _errors_like_torch(fn, *arrays):
    """Runs ``fn(lib, *tensors)`` on eagergrad and torch; both must raise the same type+message."""
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        fn(torch, *[torch.tensor(a) for a in arrays])
    with pytest.raises(type(theirs.value)) as ours:
        fn(eg, *[eg.tensor(a) for a in arrays])
    assert str(ours.value) == str(theirs.value).replace("torch.", "eagergrad.")


X234 = np.arange(24.0).reshape(2, 3, 4)


# --- chunk / split -------------------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("n,chunks", [(5, 4), (6, 4), (7, 3), (3, 5), (4, 2), (1, 1), (0, 2)])
def test_chunk_sizes_match_torch(n, chunks):
    torch = pytest.importorskip("torch")
    ours = [t.shape[0] for t in eg.zeros(n, 2).chunk(chunks)]
    theirs = [t.shape[0] for t in torch.zeros(n, 2).chunk(chunks)]
    assert ours == theirs


def test_chunk_of_five_rows_in_four_gives_three_chunks():
    assert [t.shape[0] for t in eg.zeros(5, 2).chunk(4)] == [2, 2, 1]


@pytest.mark.torch
@pytest.mark.parametrize("size", [2, 3, 5, 7])
def test_split_int_sizes_match_torch(size):
    torch = pytest.importorskip("torch")
    ours = [t.shape[0] for t in eg.zeros(5).split(size)]
    assert ours == [t.shape[0] for t in torch.zeros(5).split(size)]


def test_split_outputs_share_one_node_and_are_views():
    x = eg.zeros(6, 2, requires_grad=True) * 1
    parts = x.split(2)
    assert len({id(p.grad_fn) for p in parts}) == 1
    assert all(p._base is x for p in parts)


def test_unbind_partial_use_gets_zero_gradient_elsewhere():
    x = eg.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    a, b, c = x.unbind(0)
    (b * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0], [3, 3], [0, 0]])


def test_unbind_many_slices_is_one_node():
    x = eg.zeros(50, 3, requires_grad=True)
    outs = list(x)
    assert len({id(o.grad_fn) for o in outs}) == 1
    total = outs[0]
    for o in outs[1:]:
        total = total + o
    total.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((50, 3)))


def test_unbind_of_1d_gives_0d_views():
    x = eg.tensor([1.0, 2.0, 3.0])
    a = x.unbind()[1]
    assert a.shape == () and a._base is x
    a.add_(10)
    assert x.tolist() == [1.0, 12.0, 3.0]


# --- squeeze / unsqueeze / flatten ---------------------------------------------------------------
def test_squeeze_on_non_unit_dim_is_noop():
    x = eg.tensor(np.ones((2, 3)), requires_grad=True)
    y = x.squeeze(0)
    assert y.shape == (2, 3)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3)))
    assert eg.zeros(2, 1, 3).squeeze((0, 1)).shape == (2, 3)


def test_squeeze_out_of_range_raises():
    with pytest.raises(IndexError, match="Dimension out of range"):
        eg.zeros(2, 1).squeeze(2)


def test_flatten_of_0d_has_shape_1():
    x = eg.tensor(3.0, requires_grad=True)
    y = x.flatten()
    assert y.shape == (1,)
    y.sum().backward()
    assert x.grad.shape == ()


@pytest.mark.torch
@pytest.mark.parametrize("shape,args", [((), ()), ((3,), ()), ((2, 3, 4), (1,)),
                                        ((2, 3, 4), (0, -2)), ((2, 3, 4), (-1, -1))])
def test_flatten_shapes_match_torch(shape, args):
    torch = pytest.importorskip("torch")
    assert tuple(eg.zeros(shape).flatten(*args).shape) == tuple(
        torch.zeros(shape).flatten(*args).shape)


def test_unsqueeze_range():
    assert eg.zeros(2, 3).unsqueeze(2).shape == (2, 3, 1)
    assert eg.zeros(2, 3).unsqueeze(-3).shape == (1, 2, 3)
    with pytest.raises(IndexError):
        eg.zeros(2, 3).unsqueeze(3)


# --- view / reshape ------------------------------------------------------------------------------
def test_view_of_non_viewable_raises_like_torch():
    _errors_like_torch(lambda lib, x: x.transpose(0, 1).view(-1), X234)
    _errors_like_torch(lambda lib, x: x[:, :, 1:3].view(-1), X234)


@pytest.mark.torch
@pytest.mark.parametrize("make,shape", [
    (lambda x: x.transpose(0, 1), (3, 2, 4)),      # only the last dim merged: viewable
    (lambda x: x.transpose(0, 1), (3, 8)),         # dims 1..2 contiguous in the transposed view
    (lambda x: x[:, 1:], (2, 8)),                  # rows merged within a slice
    (lambda x: x[:, :, ::2], (6, 2)),
    (lambda x: x.permute(2, 0, 1), (4, 6)),
    (lambda x: x[:1], (12,)),
])
def test_view_compatibility_matches_torch(make, shape):
    torch = pytest.importorskip("torch")
    try:
        make(torch.tensor(X234)).view(*shape)
        torch_ok = True
    except RuntimeError:
        torch_ok = False
    try:
        v = make(eg.tensor(X234)).view(*shape)
        ours_ok = True
    except RuntimeError:
        ours_ok = False
    assert ours_ok == torch_ok
    if ours_ok:
        want = make(torch.tensor(X234)).reshape(shape).numpy()
        np.testing.assert_array_equal(v.numpy(), want)
        assert np.shares_memory(v.numpy(), v._base.numpy())


def test_view_shares_storage_and_version():
    x = eg.zeros(2, 3)
    v = x.view(-1)
    v.add_(1)
    assert x.tolist() == [[1.0] * 3] * 2
    assert x._version == 1


def test_reshape_is_a_view_when_possible_and_a_copy_otherwise():
    x = eg.tensor(X234)
    r = x.reshape(6, 4)
    assert r._base is x and np.shares_memory(r.numpy(), x.numpy())
    c = x.transpose(0, 2).reshape(-1)
    assert c._base is None and not np.shares_memory(c.numpy(), x.numpy())
    np.testing.assert_array_equal(c.numpy(), X234.transpose(2, 1, 0).reshape(-1))


def test_shape_errors_match_torch():
    for fn in [
        lambda lib, x: x.view(-1, -1),
        lambda lib, x: x.view(5, -1),
        lambda lib, x: x.reshape(7),
        lambda lib, x: x.flatten(2, 1),
        lambda lib, x: x.unflatten(1, (2, 2)),
        lambda lib, x: x.expand(-1, 2, 3, 4),
        lambda lib, x: x.expand(2, 5, 4),
        lambda lib, x: x.expand(4, 4),
        lambda lib, x: x.repeat(2),
        lambda lib, x: x.chunk(0),
        lambda lib, x: x.split([1, 2]),
        lambda lib, x: x.split(0),
        lambda lib, x: x.narrow(0, 1, 5),
        lambda lib, x: x.select(0, 5),
        lambda lib, x: x.roll(1, (0, 1)),
        lambda lib, x: x.roll((1, 2)),
        lambda lib, x: x.permute(0, 1),
        lambda lib, x: x.permute(0, 1, 1),
        lambda lib, x: x.transpose(0, 3),
        lambda lib, x: x.movedim((0, 1), (1,)),
        lambda lib, x: x.t(),
        lambda lib, x: lib.stack([x, x[0]]),
        lambda lib, x: lib.cat([x, x[0]]),
        lambda lib, x: lib.cat([x, x[:, :, :2]]),
        lambda lib, x: lib.cat([]),
        lambda lib, x: x[0, 0].tril(),
        lambda lib, x: x.diagonal(0, 1, 1),
    ]:
        _errors_like_torch(fn, X234)


# --- expand / repeat / tile ----------------------------------------------------------------------
def test_repeat_is_torch_repeat_not_numpy_repeat():
    x = eg.tensor([1, 2])
    assert x.repeat(2).tolist() == [1, 2, 1, 2]
    assert x.repeat(2, 2).tolist() == [[1, 2, 1, 2], [1, 2, 1, 2]]


@pytest.mark.torch
@pytest.mark.parametrize("shape,reps", [((2, 3), (2,)), ((2, 3), (1, 2, 2)), ((3,), (2, 2)),
                                        ((), (3,))])
def test_tile_matches_torch(shape, reps):
    torch = pytest.importorskip("torch")
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    np.testing.assert_array_equal(eg.tensor(a).tile(reps).numpy(),
                                  torch.tensor(a).tile(reps).numpy())


def test_expand_is_a_read_only_view():
    x = eg.zeros(3, 1)
    e = x.expand(3, 4)
    assert e._base is x
    with pytest.raises(RuntimeError):
        e.add_(1)


# --- cat / stack ---------------------------------------------------------------------------------
@pytest.mark.torch
def test_cat_skips_empty_1d_tensors_like_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(6.0).reshape(2, 3)
    for lib in (eg, torch):
        e = lib.zeros(0, dtype=lib.float64, requires_grad=True)
        x = lib.tensor(a, requires_grad=True)
        y = lib.cat([e, x, e], dim=1)
        assert tuple(y.shape) == (2, 3)
        (y * 2).sum().backward()
        assert tuple(e.grad.shape) == (0,)
        np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))


@pytest.mark.torch
def test_cat_and_stack_promote_dtypes_like_torch():
    torch = pytest.importorskip("torch")
    for lib in (eg, torch):
        i = lib.zeros(2, dtype=lib.int64)
        f = lib.zeros(2)
        d = lib.zeros(2, dtype=lib.float64)
        assert str(lib.cat([i, f]).dtype).split(".")[-1] == "float32"
        assert str(lib.stack([i, d]).dtype).split(".")[-1] == "float64"


def test_cat_gradient_keeps_each_input_dtype():
    a = eg.zeros(2, dtype=eg.float32, requires_grad=True)
    b = eg.zeros(2, dtype=eg.float64, requires_grad=True)
    c = eg.cat([a, b])
    assert c.dtype == eg.float64
    c.sum().backward()
    assert a.grad.dtype == eg.float32 and b.grad.dtype == eg.float64


def test_stack_backward_is_one_unbind():
    xs = [eg.tensor(np.full(3, float(i)), requires_grad=True) for i in range(4)]
    s = eg.stack(xs, dim=1)
    assert s.shape == (3, 4)
    (s * eg.tensor(np.arange(4.0))).sum().backward()
    for i, x in enumerate(xs):
        np.testing.assert_array_equal(x.grad.numpy(), np.full(3, float(i)))


# --- flips, rolls, triangles, diagonals -----------------------------------------------------------
def test_flip_returns_a_copy_like_torch():
    x = eg.tensor([1.0, 2.0, 3.0])
    y = x.flip(0)
    y.add_(10)
    assert x.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.torch
def test_roll_without_dims_flattens_like_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(eg.tensor(a).roll(-2).numpy(), torch.tensor(a).roll(-2).numpy())


def test_diagonal_is_a_view_with_backward():
    x = eg.tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    d = x.diagonal(-1)
    assert d.tolist() == [3.0, 7.0] and d._base is x
    d.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.eye(3, k=-1))


def test_transpose_views_track_versions_of_saved_tensors():
    a = eg.tensor(np.ones((2, 3)), requires_grad=True)
    b = a * 2
    c = b.t() * b.t()  # saves the transposed view
    with eg.no_grad():
        b.add_(1)      # bumps the base's version, seen through the view
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


@pytest.mark.torch
def test_dims_given_as_lists_or_tuples_like_torch():
    torch = pytest.importorskip("torch")
    for lib in (eg, torch):
        x = lib.zeros(2, 1, 3, 1)
        assert tuple(x.permute([3, 2, 1, 0]).shape) == (1, 3, 1, 2)
        assert tuple(x.flip([0, 2]).shape) == (2, 1, 3, 1)
        assert tuple(x.squeeze([1, 3]).shape) == (2, 3)
        assert tuple(x.movedim([0, 1], [3, 2]).shape) == (3, 1, 1, 2)
        assert tuple(x.roll([1, 1], [0, 2]).shape) == (2, 1, 3, 1)
        assert tuple(x.reshape([3, 2]).shape) == (3, 2)
        assert tuple(x.repeat([1, 2, 1, 1]).shape) == (2, 2, 3, 1)
        assert [tuple(p.shape) for p in x.split([1, 2], 2)] == [(2, 1, 1, 1), (2, 1, 2, 1)]


@pytest.mark.torch
@pytest.mark.parametrize("fn", [
    lambda x: x.reshape(6, 4), lambda x: x.transpose(0, 1).reshape(-1), lambda x: x.flatten(),
    lambda x: x[:, :1].expand(2, 5, 4), lambda x: x.transpose(0, 1), lambda x: x.movedim(0, 1),
    lambda x: x.squeeze(), lambda x: x.unsqueeze(1), lambda x: x.view(-1), lambda x: x.split(1)[0],
    lambda x: x.chunk(2)[0], lambda x: x.narrow(0, 0, 1), lambda x: x.select(0, 0),
    lambda x: x.unflatten(2, (2, 2)), lambda x: x.unbind(1)[0], lambda x: x.repeat(1, 2, 1),
    lambda x: x.flip(0), lambda x: x.roll(1), lambda x: x.tril(), lambda x: x.diagonal(),
])
def test_grad_fn_names_match_torch(fn):
    torch = pytest.importorskip("torch")
    ours = fn(eg.tensor(X234, requires_grad=True) * 1)
    theirs = fn(torch.tensor(X234, requires_grad=True) * 1)
    assert ours.grad_fn.name() == theirs.grad_fn.name()
