"""Indexing beyond the op table: hypothesis properties vs numpy, setitem vs torch, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import eagergrad as eg
from eagergrad._ops.indexing import setitem_no_grad


def _torch():
    return pytest.importorskip("torch")


def _errors_like_torch(fn, *arrays):
    """Runs ``fn(lib, *tensors)`` on eagergrad and torch; both must raise the same type+message."""
    torch = _torch()
    with pytest.raises(Exception) as theirs:
        fn(torch, *[torch.tensor(a) for a in arrays])
    with pytest.raises(type(theirs.value)) as ours:
        fn(eg, *[eg.tensor(a) for a in arrays])
    assert str(ours.value) == str(theirs.value).replace("torch.", "eagergrad.")


# --- random indices (hypothesis) ------------------------------------------------------------------
@st.composite
def index_cases(draw):
    """(shape, index entries); entries are ('int', i), ('slice', s), ('list', [..]),
    ('mask', bool array), ('none',), ('ellipsis',), ('bool', b)."""
    shape = tuple(draw(st.lists(st.integers(1, 5), max_size=4)))
    entries, d = [], 0
    while d < len(shape):
        kind = draw(st.sampled_from(["int", "slice", "slice", "list", "mask", "stop"]))
        n = shape[d]
        if kind == "stop":
            break
        if kind == "int":
            entries.append(("int", draw(st.integers(-n, n - 1))))
        elif kind == "slice":
            bound = st.none() | st.integers(-6, 6)
            step = draw(st.none() | st.integers(1, 3))
            entries.append(("slice", slice(draw(bound), draw(bound), step)))
        elif kind == "list":
            entries.append(("list", draw(st.lists(st.integers(-n, n - 1), max_size=3))))
        else:
            k = draw(st.integers(1, min(2, len(shape) - d)))
            mask = np.array(draw(st.lists(st.booleans(), min_size=int(np.prod(shape[d:d + k])),
                                          max_size=int(np.prod(shape[d:d + k])))))
            entries.append(("mask", mask.reshape(shape[d:d + k])))
            d += k - 1
        d += 1
    if draw(st.booleans()):
        a = draw(st.integers(0, len(entries)))
        # entries after an Ellipsis index the last dims: keep them aligned with what they were
        # drawn for, which only holds when the entries cover every dim
        b = draw(st.integers(a, len(entries))) if d >= len(shape) else len(entries)
        entries[a:b] = [("ellipsis",)]
    for _ in range(draw(st.integers(0, 2))):
        pos = draw(st.integers(0, len(entries)))
        entries.insert(pos, ("none",) if draw(st.integers(0, 4)) else ("bool", draw(st.booleans())))
    return shape, entries


def _np_index(entries):
    out = []
    for e in entries:
        kind = e[0]
        if kind in ("int", "slice", "mask", "bool"):
            out.append(e[1])
        elif kind == "list":
            out.append(np.array(e[1], dtype=np.int64))
        elif kind == "none":
            out.append(None)
        else:
            out.append(Ellipsis)
    return tuple(out)


def _eg_index(entries, use_tensors):
    out = []
    for e in entries:
        kind = e[0]
        if kind == "list":
            out.append(eg.tensor(e[1], dtype=eg.int64) if use_tensors else e[1])
        elif kind == "mask":
            out.append(eg.tensor(e[1]) if use_tensors else e[1])
        else:
            out.append(_np_index([e])[0])
    return tuple(out)


def _numpy_rule_applies(entries):
    """numpy and torch agree unless an int is combined with an advanced index (torch: basic)."""
    kinds = {e[0] for e in entries}
    return not ("int" in kinds and kinds & {"list", "mask", "bool"})


@settings(deadline=None)
@given(index_cases(), st.booleans())
def test_getitem_random_indices_match_numpy_and_grad_counts_selections(case, use_tensors):
    shape, entries = case
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    x = eg.tensor(a, requires_grad=True)
    shapes = [np.shape(e[1]) if e[0] == "list" else (int(np.count_nonzero(e[1])),)
              for e in entries if e[0] in ("list", "mask", "bool")]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        with pytest.raises(IndexError, match="shape mismatch: indexing tensors could not be"):
            x[_eg_index(entries, use_tensors)]
        return
    y = x[_eg_index(entries, use_tensors)]
    if _numpy_rule_applies(entries):
        idx = _np_index(entries)
        want = a[idx]
        count = np.zeros(shape)
        np.add.at(count, idx, 1.0)
    else:
        torch = _torch()
        tx = torch.tensor(a, requires_grad=True)
        tidx = tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i
                     for i in _np_index(entries))
        ty = tx[tidx]
        ty.sum().backward()
        want, count = ty.detach().numpy(), tx.grad.numpy()
    assert tuple(y.shape) == want.shape
    np.testing.assert_array_equal(y.detach().numpy(), want)
    if y.numel():
        y.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), count)


@settings(deadline=None)
@given(index_cases())
def test_setitem_random_indices_match_numpy(case):
    shape, entries = case
    assume(_numpy_rule_applies(entries))
    idx = _np_index(entries)
    a = np.zeros(shape)
    try:
        target = a[idx].shape
    except IndexError:  # index arrays that do not broadcast: covered by the getitem test
        assume(False)
    value = np.arange(target[-1], dtype=np.float64) + 1.0 if target else np.array(1.0)
    a[idx] = value
    x = eg.zeros(shape, dtype=eg.float64)
    x[_eg_index(entries, True)] = eg.tensor(value)
    np.testing.assert_array_equal(x.numpy(), a)
    z = eg.zeros(shape, dtype=eg.float64)
    setitem_no_grad(z, _eg_index(entries, False), eg.tensor(value))
    np.testing.assert_array_equal(z.numpy(), a)
    assert z._version == 1


@settings(deadline=None)
@given(index_cases())
def test_getitem_basic_indices_are_views(case):
    shape, entries = case
    assume(all(e[0] in ("int", "slice", "none", "ellipsis") for e in entries))
    x = eg.zeros(shape, dtype=eg.float64)
    y = x[_np_index(entries)]
    assert y._base is x
    if y.numel():
        y.add_(1.0)
        assert x.sum().item() == y.numel()
        assert x._version == 1


# --- setitem with gradients, vs torch ------------------------------------------------------------
SETITEM_CASES = [
    ((4, 3), lambda lib: 1, (3,)),
    ((4, 3), lambda lib: (slice(1, 3),), (2, 3)),
    ((4, 3), lambda lib: (slice(None), 0), (4,)),
    ((4, 3), lambda lib: [2, 0], (1, 3)),
    ((4, 3), lambda lib: lib.tensor([[0, 1], [3, 3]]), (3,)),
    ((4, 3), lambda lib: (lib.tensor([0, 1, 1]), lib.tensor([2, 0, 0])), ()),
    ((4, 3), lambda lib: lib.tensor([True, False, True, False]), (2, 3)),
    ((2, 3, 4), lambda lib: (0, slice(None), [1, 3]), (3, 2)),
    ((2, 3, 4), lambda lib: ([1, 0], slice(None), [3, 3]), (2, 3)),
    ((2, 3, 4), lambda lib: (Ellipsis, None, 1), (1, 3, 1)),
    ((4, 3), lambda lib: [0, 0, 2], (3, 3)),  # repeated: each copy of the value gets its grad
]


@pytest.mark.torch
@pytest.mark.parametrize("shape,index,vshape", SETITEM_CASES)
def test_setitem_with_grad_matches_torch(shape, index, vshape):
    torch = _torch()
    rng = np.random.default_rng(0)
    v = rng.standard_normal(vshape)
    w = rng.standard_normal(shape)
    results = []
    for lib in (eg, torch):
        base = lib.tensor(rng.standard_normal(shape) * 0 + 1.0, requires_grad=True)
        y = lib.tensor(v, requires_grad=True)
        x = lib.zeros(shape, dtype=lib.float64) + base * 2
        x[index(lib)] = y * 3
        (x * lib.tensor(w)).sum().backward()
        results.append((x.detach().numpy(), base.grad.numpy(), y.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, atol=1e-12)


@pytest.mark.torch
def test_setitem_on_zeros_leaf_records_the_value_gradient():
    torch = _torch()
    grads = []
    for lib in (eg, torch):
        x = lib.zeros(3, 2)
        y = lib.tensor([1.0, 2.0], requires_grad=True)
        x[1] = y
        x[2, 0] = y[0] * 5
        (x * x).sum().backward()
        assert x.requires_grad and x.grad_fn is not None
        grads.append(y.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1])


def test_setitem_scalar_value_is_cast_to_input_dtype():
    x = eg.zeros(3, dtype=eg.int64)
    x[1] = 2.7
    assert x.dtype == eg.int64 and x.tolist() == [0, 2, 0]
    f = eg.zeros(2, dtype=eg.float32)
    f[0] = eg.tensor(1.5, dtype=eg.float64)
    assert f.dtype == eg.float32 and f.tolist() == [1.5, 0.0]


def test_setitem_on_leaf_requiring_grad_raises():
    x = eg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x[0] = 1.0
    with eg.no_grad():
        x[0] = 1.0
    assert x.tolist() == [1.0, 0.0, 0.0]


def test_setitem_bad_value_shape_raises_like_torch():
    _errors_like_torch(lambda lib, x: x.__setitem__(lib.tensor([0, 1]), lib.zeros(5)),
                       np.zeros((3, 4)))
    _errors_like_torch(lambda lib, x: x.__setitem__(slice(0, 2), lib.zeros(3, 1)),
                       np.zeros((3, 4)))


def test_setitem_rejects_lists_and_arrays_like_torch():
    _errors_like_torch(lambda lib, x: x.__setitem__(0, [1.0, 2.0, 3.0, 4.0]), np.zeros((3, 4)))
    _errors_like_torch(lambda lib, x: x.__setitem__(0, np.ones(4)), np.zeros((3, 4)))


def test_setitem_no_grad_writes_in_place_with_the_same_errors():
    base = eg.zeros(3, 4, dtype=eg.float64)
    view = base[1:]
    setitem_no_grad(view, (slice(None), [0, 2]), 5)
    setitem_no_grad(view, 0, eg.tensor([1.0, 2.0, 3.0, 4.0]))
    assert base.tolist() == [[0.0] * 4, [1.0, 2.0, 3.0, 4.0], [5.0, 0.0, 5.0, 0.0]]
    assert base._version == 2
    for index, value, err in [([0, 1], eg.zeros(5), "shape mismatch"),
                              (0, eg.zeros(5), "expanded size"), (0, [1.0], "can't assign")]:
        with pytest.raises((RuntimeError, TypeError), match=err):
            setitem_no_grad(base, index, value)
    with pytest.raises(RuntimeError, match="read-only"):
        setitem_no_grad(eg.zeros(1).expand(3), 0, 1.0)


def test_setitem_modifying_a_saved_tensor_raises_at_backward():
    a = eg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * 1
    c = b * b  # saves b
    b[0] = 10.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


def test_setitem_through_view_under_no_grad_bumps_base_version():
    a = eg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * 1
    c = b * b
    with eg.no_grad():
        b[1:][0] = 7.0
    assert b.tolist() == [1.0, 7.0, 3.0]
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


# --- getitem corners -----------------------------------------------------------------------------
def test_repeated_indices_accumulate_gradient():
    x = eg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]
    y = eg.tensor(np.ones((2, 3)), requires_grad=True)
    (y[eg.tensor([1, 1]), eg.tensor([2, 2])] * eg.tensor([2.0, 5.0])).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[0, 0, 0], [0, 0, 7]])


def test_repeated_index_double_backward():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    g = x[[0, 0, 1]]
    (gx,) = eg.autograd.grad((g * g).sum(), x, create_graph=True)
    assert gx.tolist() == [4.0, 4.0]
    (ggx,) = eg.autograd.grad(gx.sum(), x)
    assert ggx.tolist() == [4.0, 2.0]


def test_int_index_of_1d_is_a_0d_view():
    x = eg.tensor([1.0, 2.0, 3.0])
    y = x[1]
    assert y.shape == () and y._base is x
    y.add_(5)
    assert x.tolist() == [1.0, 7.0, 3.0]
    z = eg.tensor(np.zeros((2, 2)))
    z[1, 1].add_(4)
    assert z.tolist() == [[0.0, 0.0], [0.0, 4.0]]


def test_advanced_index_is_a_copy():
    x = eg.tensor([1.0, 2.0, 3.0])
    y = x[[0, 1]]
    assert y._base is None
    y.add_(5)
    assert x.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.torch
def test_int_with_advanced_index_follows_torch_not_numpy():
    torch = _torch()
    a = np.arange(24.0).reshape(2, 3, 4)
    for idx in [(0, slice(None), [0, 1]), (slice(None), 1, [[0], [2]]), ([1, 0], 2, slice(1, 3)),
                (np.int64(1), Ellipsis, [0, 3]), (1, [True, False, True])]:
        ours = eg.tensor(a)[idx]
        theirs = torch.tensor(a)[tuple(torch.tensor(i) if isinstance(i, list) else i
                                       for i in idx)]
        assert tuple(ours.shape) == tuple(theirs.shape), idx
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.torch
def test_zero_dim_tensor_indices_follow_torch():
    torch = _torch()
    a = np.arange(24.0).reshape(2, 3, 4)
    for lib in (eg, torch):
        x = lib.tensor(a)
        assert tuple(x[lib.tensor(0), :, [0, 1]].shape) == (3, 2)
        assert tuple(x[lib.tensor(True)].shape) == (1, 2, 3, 4)
        assert tuple(x[:, lib.tensor(False)].shape) == (2, 0, 3, 4)
        assert tuple(x[True, [0, 1]].shape) == (2, 3, 4)


def test_index_array_types():
    x = eg.tensor(np.arange(5.0))
    assert x[np.array([4, 0])].tolist() == [4.0, 0.0]
    assert x[eg.tensor([1, 2], dtype=eg.int32)].tolist() == [1.0, 2.0]
    assert x[[]].shape == (0,)
    assert x[np.array([True, False, True, False, False])].tolist() == [0.0, 2.0]
    assert x[np.int64(3)].item() == 3.0
    with pytest.warns(UserWarning, match="uint8"):
        assert x[eg.tensor([1, 0, 0, 0, 1], dtype=eg.uint8)].tolist() == [0.0, 4.0]


def test_getitem_errors_match_torch():
    a = np.arange(24.0).reshape(2, 3, 4)
    for fn in [
        lambda lib, x: x[5],
        lambda lib, x: x[-3],
        lambda lib, x: x[:, 5],
        lambda lib, x: x[0, 0, 4],
        lambda lib, x: x[::-1],
        lambda lib, x: x[:, ::0],
        lambda lib, x: x[lib.tensor([0, 5])],
        lambda lib, x: x[:, lib.tensor([0, -4])],
        lambda lib, x: x[lib.tensor([0.0, 1.0])],
        lambda lib, x: x[lib.tensor([0, 1], dtype=lib.int16)],
        lambda lib, x: x[lib.tensor([True, False, True])],
        lambda lib, x: x[:, lib.tensor([[True, False, True]])],
        lambda lib, x: x[0, 0, 0, 0],
        lambda lib, x: x[1.5],
        lambda lib, x: x[0][0][0][0],
        lambda lib, x: x[0, 0, 0][:],
        lambda lib, x: x[0, 0, 0][[0]],
    ]:
        _errors_like_torch(fn, a)


def test_multiple_ellipsis_raises():
    with pytest.raises(IndexError, match="single ellipsis"):
        eg.zeros(2, 3)[..., ...]


def test_getitem_saved_index_freed_after_backward():
    x = eg.tensor([1.0, 2.0], requires_grad=True)
    y = x[[0, 1, 1]].sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


# --- gather / scatter / index ops ----------------------------------------------------------------
def test_gather_index_smaller_than_input():
    x = eg.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    out = x.gather(1, eg.tensor([[3, 3], [0, 1]]))
    assert out.tolist() == [[3.0, 3.0], [4.0, 5.0]]
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0, 0, 2], [1, 1, 0, 0], [0, 0, 0, 0]])


def test_scatter_add_accumulates_and_grads():
    x = eg.zeros(4, dtype=eg.float64, requires_grad=True)
    src = eg.tensor([1.0, 2.0, 3.0], dtype=eg.float64, requires_grad=True)
    y = x.scatter_add(0, eg.tensor([1, 1, 3]), src)
    assert y.tolist() == [0.0, 3.0, 0.0, 3.0]
    (y * eg.tensor([1.0, 2.0, 3.0, 4.0], dtype=eg.float64)).sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert src.grad.tolist() == [2.0, 2.0, 4.0]


def test_scatter_with_src_larger_than_index_gradchecks():
    x = eg.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    s = eg.tensor(np.random.default_rng(1).standard_normal((3, 5)), requires_grad=True)
    idx = eg.tensor([[2, 0, 1, 1], [0, 1, 2, 0]])
    assert eg.autograd.gradcheck(lambda a, b: a.scatter(0, idx, b), (x, s))
    assert eg.autograd.gradgradcheck(lambda a, b: a.scatter(0, idx, b), (x, s))
    i2 = eg.tensor([[0, 0, 3], [1, 1, 1]])
    assert eg.autograd.gradcheck(lambda a, b: a.scatter_add(1, i2, b), (x, s))


def test_scatter_value_and_reduce():
    x = eg.zeros(2, 3)
    assert x.scatter(1, eg.tensor([[2], [0]]), 7.0).tolist() == [[0, 0, 7], [7, 0, 0]]
    y = x.scatter(0, eg.tensor([[0, 0, 1]]), eg.ones(1, 3), reduce="add")
    assert y.tolist() == [[1, 1, 0], [0, 0, 1]]
    with pytest.raises(RuntimeError, match="reduce argument must be either add or multiply"):
        x.scatter(0, eg.tensor([[0]]), eg.ones(1, 1), reduce="max")


def test_inplace_index_ops():
    x = eg.zeros(3)
    x.index_add_(0, eg.tensor([0, 0, 2]), eg.tensor([1.0, 2.0, 3.0]))
    assert x.tolist() == [3.0, 0.0, 3.0]
    x.scatter_(0, eg.tensor([1]), eg.tensor([9.0]))
    assert x.tolist() == [3.0, 9.0, 3.0]
    x.masked_fill_(eg.tensor([True, False, False]), -1.0)
    assert x.tolist() == [-1.0, 9.0, 3.0]
    assert x._version == 3


def test_index_ops_errors_match_torch():
    a = np.arange(24.0).reshape(2, 3, 4)
    for fn in [
        lambda lib, x: x.gather(0, lib.tensor([[[5]]])),
        lambda lib, x: x.gather(0, lib.tensor([[0]])),
        lambda lib, x: x.gather(1, lib.zeros(3, 1, 4, dtype=lib.long)),
        lambda lib, x: x.scatter(0, lib.zeros(2, 3, 4, dtype=lib.long), lib.zeros(1, 3, 4)),
        lambda lib, x: x.index_select(0, lib.tensor([5])),
        lambda lib, x: x.index_select(0, lib.tensor([[0]])),
        lambda lib, x: x.index_select(0, lib.tensor([0], dtype=lib.int16)),
        lambda lib, x: x.gather(0, lib.zeros(1, 1, 1, dtype=lib.int16)),
        lambda lib, x: x.index_add(0, lib.tensor([0], dtype=lib.int16), x[:1]),
        lambda lib, x: x.index_add(0, lib.tensor([0]), lib.zeros(2, 3, 4)),
        lambda lib, x: x.masked_fill(lib.zeros(3, 4), 1.0),
        lambda lib, x: x.masked_fill(lib.zeros(3, 4, dtype=lib.bool), lib.tensor([1.0])),
        lambda lib, x: x.take_along_dim(lib.tensor([0]), 1),
        lambda lib, x: x.take_along_dim(lib.tensor([0], dtype=lib.int16)),
        lambda lib, x: x.masked_select(lib.zeros(3, 4)),
        lambda lib, x: x.scatter(0, lib.zeros(1, 1, 1, dtype=lib.int16), x[:1, :1, :1]),
        lambda lib, x: x.scatter(0, lib.tensor([[[0]]]), x[:1, :1, :1], reduce="max"),
    ]:
        _errors_like_torch(fn, a)


@pytest.mark.torch
def test_masked_fill_broadcasts_input_and_mask_like_torch():
    torch = _torch()
    m = np.array([[True, False, True], [False, False, True]])
    for lib in (eg, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        v = lib.tensor(5.0, requires_grad=True)
        y = x.masked_fill(lib.tensor(m), v)
        assert tuple(y.shape) == (2, 3)
        (y * lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
        assert x.grad.tolist() == [4.0, 7.0, 0.0]
        assert v.grad.item() == 1.0 + 3.0 + 6.0


def test_masked_fill_on_int_tensor_casts_value():
    x = eg.zeros(3, dtype=eg.int64).masked_fill(eg.tensor([True, False, True]), 1.5)
    assert x.dtype == eg.int64 and x.tolist() == [1, 0, 1]


@pytest.mark.torch
def test_nonzero_matches_torch():
    torch = _torch()
    for a in [np.array([[0, 1], [2, 0]]), np.array(3.0), np.array(0.0), np.zeros((2, 0))]:
        ours, theirs = eg.tensor(a).nonzero(), torch.tensor(a).nonzero()
        assert tuple(ours.shape) == tuple(theirs.shape) and ours.dtype == eg.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        ot, tt = eg.tensor(a).nonzero(as_tuple=True), torch.tensor(a).nonzero(as_tuple=True)
        assert len(ot) == len(tt)
        for o, t in zip(ot, tt):
            np.testing.assert_array_equal(o.numpy(), t.numpy())


# --- devices --------------------------------------------------------------------------------------
def _other_device():
    from eagergrad import _backend

    return _backend._register_test_device("testdev")


def test_indexing_on_device_matches_cpu(device):
    a = np.arange(24.0).reshape(2, 3, 4)
    results = []
    for dev in ("cpu", device):
        x = eg.tensor(a, device=dev, requires_grad=True)
        i = eg.tensor([[0, 2], [1, 1]], device=dev)
        m = eg.tensor(a[0] > 4, device=dev)
        y = eg.zeros(3, 4, dtype=eg.float64, device=dev)
        y[m] = x[1, 0, 0] * 2
        outs = [x[0, :, [1, 3, 3]], x[:, m], x[1].gather(1, i), x.flip(2).roll(1, 0),
                x[1].masked_fill(m, 0.5), x.diagonal(0, 1, 2), eg.stack(x.unbind(1), 2), y]
        sum(((o * (k + 1)).sum() for k, o in enumerate(outs[:-1])), outs[-1].sum()).backward()
        results.append([o.detach().cpu().numpy() for o in outs] + [x.grad.cpu().numpy()])
    for ours, ref in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, ref)


def test_index_tensor_on_another_device():
    other = _other_device()
    x = eg.tensor(np.arange(5.0), device=other)
    assert x[eg.tensor([4, 1])].tolist() == [4.0, 1.0]  # allowed for getitem, as torch
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        x.gather(0, eg.tensor([1]))
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        x.masked_fill(eg.tensor([True] * 5), 1.0)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        x[0] = eg.tensor(1.0)


@pytest.mark.torch
@pytest.mark.parametrize("fn", [
    lambda x: x[0], lambda x: x[0, 1:3], lambda x: x[:, 0], lambda x: x[0, :], lambda x: x[None],
    lambda x: x[:], lambda x: x[...], lambda x: x[[0]], lambda x: x[0, [0]], lambda x: x[1:, None],
    lambda x: x[..., 1], lambda x: x.gather(0, x.new_zeros((1, 1, 1)).long()),
    lambda x: x.masked_fill(x > 0, 1.0),
])
def test_grad_fn_names_match_torch(fn):
    torch = _torch()
    a = np.arange(24.0).reshape(2, 3, 4)
    ours = fn(eg.tensor(a, requires_grad=True) * 1)
    theirs = fn(torch.tensor(a, requires_grad=True) * 1)
    assert ours.grad_fn.name() == theirs.grad_fn.name()


def test_index_put_in_place_and_its_errors_follow_torch():
    torch = pytest.importorskip("torch")
    for lib in (eg, torch):
        x = lib.zeros(2, 3)
        idx = (lib.tensor([0, 0, 1]), lib.tensor([2, 2, 0]))
        out = x.index_put_(idx, lib.tensor(1.5), accumulate=True)
        assert out is x
        assert x.tolist() == [[0.0, 0.0, 3.0], [1.5, 0.0, 0.0]]
        with pytest.raises(TypeError, match="must be tuple of Tensors, not Tensor"):
            x.index_put(lib.tensor([0, 1]), lib.tensor(1.0))
        with pytest.raises(TypeError, match="expected Tensor as element 0 in argument 0"):
            x.index_put([0, 1], lib.tensor(1.0))
        with pytest.raises(TypeError, match="expected Tensor as element 0 in argument 0"):
            x.index_put((None, lib.tensor([1])), lib.tensor(1.0))
        with pytest.raises(RuntimeError, match="shape mismatch"):
            x.index_put((lib.tensor([0, 1]),), lib.ones(2, 2), accumulate=True)
