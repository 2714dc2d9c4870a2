"""Op table entries for the indexing family."""

from __future__ import annotations

from . import OpInfo

OPS: list[OpInfo] = []


def _idx(lib, x, values):
    """An int64 index tensor on ``x``'s device (gather/scatter/index_select need one there)."""
    return lib.tensor(values, device=x.device)


def _np_index_put_add(np, x, index, v):
    y = x.copy()
    index = tuple(np.array(i) for i in index)
    np.add.at(y, index, np.broadcast_to(v, y[index].shape))
    return y


def _np_index_put(np, x, index, v):
    y = x.copy()
    y[np.array(index)] = v
    return y


def _setitem(x, index, value):
    """``y = x.clone(); y[index] = value`` on any lib (the op behind ``__setitem__``)."""
    y = x.clone()
    y[index] = value
    return y


def _np_setitem(x, index, value):
    y = x.copy()
    y[index] = value
    return y


def _np_scatter_add(np, x, dim, index, src):
    y = x.copy()
    coords = list(np.indices(index.shape, sparse=True))
    coords[dim] = index
    np.add.at(y, tuple(coords), src[tuple(slice(0, s) for s in index.shape)])
    return y


def _np_scatter(np, x, dim, index, src):
    y = x.copy()
    coords = list(np.indices(index.shape, sparse=True))
    coords[dim] = index
    y[tuple(coords)] = src[tuple(slice(0, s) for s in index.shape)] if hasattr(src, "shape") \
        else src
    return y


def _np_gather(np, x, dim, index):
    coords = list(np.indices(index.shape, sparse=True))
    coords[dim] = index
    return x[tuple(coords)]


# --- getitem -----------------------------------------------------------------------------------
OPS += [
    OpInfo("getitem_int", lambda lib, x: x[1], lambda np, x: x[1], [((3, 4),), ((3,),)]),
    OpInfo("getitem_ints_neg", lambda lib, x: x[-1, 2], lambda np, x: x[-1, 2], [((3, 4),)]),
    OpInfo("getitem_slice_step", lambda lib, x: x[::2, 1:3], lambda np, x: x[::2, 1:3],
           [((5, 4),)]),
    OpInfo("getitem_slice_clip", lambda lib, x: x[-10:10, 3:], lambda np, x: x[-10:10, 3:],
           [((3, 4),)], note="out-of-range slice bounds clip, as in Python"),
    OpInfo("getitem_none_ellipsis", lambda lib, x: x[None, ..., 1, None],
           lambda np, x: x[None, ..., 1, None], [((2, 3, 4),)]),
    OpInfo("getitem_bool_scalar", lambda lib, x: x[True], lambda np, x: x[None],
           [((2, 3),)]),
    OpInfo("getitem_list", lambda lib, x: x[[0, 2, 0]], lambda np, x: x[[0, 2, 0]],
           [((3, 4),)], note="repeated indices accumulate in backward"),
    OpInfo("getitem_tensor_2d", lambda lib, x: x[lib.tensor([[0, 1], [1, -1]])],
           lambda np, x: x[np.array([[0, 1], [1, -1]])], [((3, 2),)]),
    OpInfo("getitem_int_input", lambda lib, x, i: x[i], lambda np, x, i: x[i],
           [((4, 3), (6,)), ((4,), (2, 3))], int_inputs={1: (-4, 4)}),
    OpInfo("getitem_adjacent_adv", lambda lib, x: x[:, [0, 2, 0], [1, 1, 0]],
           lambda np, x: x[:, [0, 2, 0], [1, 1, 0]], [((2, 3, 4),)]),
    OpInfo("getitem_separated_adv", lambda lib, x: x[[0, 1], :, [1, 3]],
           lambda np, x: x[[0, 1], :, [1, 3]], [((2, 3, 4),)],
           note="advanced indices separated by a slice move to the front"),
    OpInfo("getitem_adv_and_slices", lambda lib, x: x[1:, [2, 0], ::2],
           lambda np, x: x[1:, [2, 0], ::2], [((3, 4, 5),)]),
    OpInfo("getitem_int_then_adv", lambda lib, x: x[0, :, [0, 1]],
           lambda np, x: x[0][:, [0, 1]], [((2, 3, 4),)],
           note="ints are basic (select) in torch: numpy would give shape (2, 3)"),
    OpInfo("getitem_mask", lambda lib, x, m: x[m], lambda np, x, m: x[m],
           [((3, 4), (3, 4)), ((3, 4), (3,))], bool_inputs=(1,)),
    OpInfo("getitem_mask_mid", lambda lib, x, m: x[:, m], lambda np, x, m: x[:, m],
           [((2, 3, 4), (3, 4))], bool_inputs=(1,)),
    OpInfo("getitem_ellipsis_list", lambda lib, x: x[..., [1, 1]],
           lambda np, x: x[..., [1, 1]], [((2, 3),)]),
]

# --- setitem (index_put_value) -------------------------------------------------------------------
OPS += [
    OpInfo("setitem_slice", lambda lib, x, v: _setitem(x, (slice(1, 3),), v),
           lambda np, x, v: _np_setitem(x, slice(1, 3), v), [((4, 3), (2, 3)), ((4, 3), (3,))]),
    OpInfo("setitem_int", lambda lib, x, v: _setitem(x, (0, 1), v),
           lambda np, x, v: _np_setitem(x, (0, 1), v), [((2, 3), ())]),
    OpInfo("setitem_list_broadcast", lambda lib, x, v: _setitem(x, [2, 0], v),
           lambda np, x, v: _np_setitem(x, [2, 0], v), [((3, 4), (4,)), ((3, 4), (2, 1))]),
    OpInfo("setitem_mask_scalar", lambda lib, x, m: _setitem(x, m, 2.5),
           lambda np, x, m: _np_setitem(x, m, 2.5), [((3, 4), (3, 4))], bool_inputs=(1,)),
    OpInfo("setitem_adv_slice", lambda lib, x, v: _setitem(x, (slice(None), [1, 0]), v),
           lambda np, x, v: _np_setitem(x, (slice(None), [1, 0]), v), [((3, 4), (3, 2))]),
    OpInfo("setitem_leading_ones", lambda lib, x, v: _setitem(x, 1, v),
           lambda np, x, v: _np_setitem(x, 1, v), [((3, 4), (1, 4))]),
]

# --- gather / scatter ----------------------------------------------------------------------------
OPS += [
    OpInfo("gather", lambda lib, x, i: x.gather(1, i),
           lambda np, x, i: np.take_along_axis(x, i, 1), [((3, 4), (3, 5))],
           int_inputs={1: (0, 4)}),
    OpInfo("gather_smaller_index", lambda lib, x, i: lib.gather(x, 0, i),
           lambda np, x, i: _np_gather(np, x, 0, i), [((3, 4, 2), (5, 2, 1))],
           int_inputs={1: (0, 3)}, note="index smaller than input in the non-indexed dims"),
    OpInfo("scatter", lambda lib, x, s: x.scatter(0, _idx(lib, x, [[2, 0, 1, 1], [0, 1, 2, 0]]), s),
           lambda np, x, s: _np_scatter(np, x, 0, np.array([[2, 0, 1, 1], [0, 1, 2, 0]]), s),
           [((3, 4), (2, 4))],
           note="distinct targets per column: a repeated write has no defined gradient"),
    OpInfo("scatter_larger_src",
           lambda lib, x, s: x.scatter(0, _idx(lib, x, [[2, 0, 1, 1], [0, 1, 2, 0]]), s),
           lambda np, x, s: _np_scatter(np, x, 0, np.array([[2, 0, 1, 1], [0, 1, 2, 0]]), s),
           [((3, 4), (3, 5))], grad_inputs=(0,),
           note="torch's backward fails for src larger than index; tests/ops checks src's grad"),
    OpInfo("scatter_value", lambda lib, x: x.scatter(1, _idx(lib, x, [[2], [0]]), value=1.5),
           lambda np, x: _np_scatter(np, x, 1, np.array([[2], [0]]), 1.5), [((3, 4),)]),
    OpInfo("scatter_add", lambda lib, x, i, s: x.scatter_add(1, i, s),
           lambda np, x, i, s: _np_scatter_add(np, x, 1, i, s),
           [((3, 4), (3, 6), (3, 6)), ((3, 4), (2, 3), (2, 3))], int_inputs={1: (0, 4)}),
    OpInfo("scatter_add_larger_src", lambda lib, x, i, s: x.scatter_add(1, i, s),
           lambda np, x, i, s: _np_scatter_add(np, x, 1, i, s),
           [((3, 4), (2, 3), (3, 5))], int_inputs={1: (0, 4)}, grad_inputs=(0,),
           note="torch's backward fails for src larger than index; tests/ops checks src's grad"),
    OpInfo("take_along_dim", lambda lib, x, i: x.take_along_dim(i, 1),
           lambda np, x, i: np.take_along_axis(x, i, 1), [((3, 4), (3, 2)), ((3, 4), (1, 5))],
           int_inputs={1: (0, 4)}),
    OpInfo("take_along_dim_flat", lambda lib, x, i: lib.take_along_dim(x, i),
           lambda np, x, i: np.take_along_axis(x.reshape(-1), i.reshape(-1), 0),
           [((3, 4), (5,))], int_inputs={1: (0, 12)}),
]

# --- index_select / index_add --------------------------------------------------------------------
OPS += [
    OpInfo("index_select", lambda lib, x: x.index_select(1, _idx(lib, x, [2, 0, 2])),
           lambda np, x: x[:, [2, 0, 2]], [((3, 4),), ((2, 3, 2),)]),
    OpInfo("index_select_input", lambda lib, x, i: lib.index_select(x, 0, i),
           lambda np, x, i: x[i], [((4, 3), (5,))], int_inputs={1: (0, 4)}),
    OpInfo("index_put_accumulate",
           lambda lib, x, v: x.index_put((_idx(lib, x, [0, 2, 0]), _idx(lib, x, [1, 1, 1])), v,
                                         accumulate=True),
           lambda np, x, v: _np_index_put_add(np, x, ([0, 2, 0], [1, 1, 1]), v),
           [((3, 4), (3,)), ((3, 4), ()), ((3, 4, 2), (3, 2)), ((3, 4, 2), (2,))]),
    OpInfo("index_put", lambda lib, x, v: x.index_put((_idx(lib, x, [2, 0]),), v),
           lambda np, x, v: _np_index_put(np, x, [2, 0], v), [((3, 4), (2, 4)), ((3, 4), (4,))]),
    OpInfo("index_add", lambda lib, x, s: x.index_add(0, _idx(lib, x, [0, 2, 0]), s, alpha=2.0),
           lambda np, x, s: _np_scatter_add(
               np, x, 0, np.broadcast_to(np.array([0, 2, 0])[:, None], s.shape), 2.0 * s),
           [((3, 4), (3, 4))]),
]

# --- masks ---------------------------------------------------------------------------------------
OPS += [
    OpInfo("masked_fill", lambda lib, x, m: x.masked_fill(m, 1.5),
           lambda np, x, m: np.where(m, np.asarray(1.5, x.dtype), x),
           [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (3, 4))], bool_inputs=(1,)),
    OpInfo("masked_fill_tensor_value", lambda lib, x, v, m: x.masked_fill(m, v),
           lambda np, x, v, m: np.where(m, v, x), [((3, 4), (), (3, 4)), ((3, 4), (), (4,))],
           bool_inputs=(2,), note="a 0-d value tensor gets the sum of grad where mask"),
    OpInfo("masked_select", lambda lib, x, m: x.masked_select(m),
           lambda np, x, m: x[np.broadcast_to(m, x.shape)],
           [((3, 4), (3, 4)), ((3, 4), (4,))], bool_inputs=(1,)),
    OpInfo("nonzero", lambda lib, m: m.nonzero(), lambda np, m: np.argwhere(m),
           [((3, 4),), ((5,),)], bool_inputs=(0,), differentiable=False),
    OpInfo("nonzero_tuple", lambda lib, m: lib.nonzero(m, as_tuple=True),
           lambda np, m: np.nonzero(m), [((3, 4),)], bool_inputs=(0,), differentiable=False),
]

# --- take ----------------------------------------------------------------------------------------
OPS += [
    OpInfo("take", lambda lib, x: lib.take(x, _idx(lib, x, [[0, -1], [5, 0]])),
           lambda np, x: np.take(x, np.array([[0, -1], [5, 0]])), [((2, 3),)],
           note="repeated indices accumulate in backward"),
    OpInfo("take_int_input", lambda lib, x, i: lib.take(x, i), lambda np, x, i: np.take(x, i),
           [((3, 4), (5,)), ((), (2,))], int_inputs={1: (-1, 1)}),
]
