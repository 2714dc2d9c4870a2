"""Op table entries for the shape family."""

from __future__ import annotations

from . import OpInfo

OPS: list[OpInfo] = []

# --- reshape / view / squeeze ---------------------------------------------------------------------
OPS += [
    OpInfo("reshape", lambda lib, x: x.reshape(4, -1), lambda np, x: x.reshape(4, -1),
           [((2, 3, 4),)]),
    OpInfo("reshape_noncontiguous", lambda lib, x: x.t().reshape(-1),
           lambda np, x: x.T.reshape(-1), [((3, 4),)]),
    OpInfo("reshape_0d", lambda lib, x: x.reshape(1, 1), lambda np, x: x.reshape(1, 1), [((),)]),
    OpInfo("view", lambda lib, x: x.view(6, 4), lambda np, x: x.reshape(6, 4),
           [((2, 3, 4),)]),
    OpInfo("view_as", lambda lib, x, y: x.view_as(y), lambda np, x, y: x.reshape(y.shape),
           [((2, 6), (3, 4))]),
    OpInfo("view_of_slice", lambda lib, x: x[1:3].view(-1), lambda np, x: x[1:3].reshape(-1),
           [((4, 3),)]),
    OpInfo("flatten", lambda lib, x: x.flatten(), lambda np, x: x.reshape(-1),
           [((2, 3, 4),), ((),), ((5,),)]),
    OpInfo("flatten_range", lambda lib, x: x.flatten(1, 2),
           lambda np, x: x.reshape(x.shape[0], -1, x.shape[3]), [((2, 3, 4, 2),)]),
    OpInfo("unflatten", lambda lib, x: x.unflatten(1, (2, -1)),
           lambda np, x: x.reshape(3, 2, 2, 5), [((3, 4, 5),)]),
    OpInfo("squeeze_all", lambda lib, x: x.squeeze(), lambda np, x: np.squeeze(x),
           [((2, 1, 3, 1),), ((1,),)]),
    OpInfo("squeeze_dim", lambda lib, x: x.squeeze(1), lambda np, x: np.squeeze(x, 1),
           [((2, 1, 3),)]),
    OpInfo("squeeze_noop", lambda lib, x: x.squeeze(0), lambda np, x: x, [((2, 3),)],
           note="squeeze of a dim whose size is not 1 is a no-op (numpy raises)"),
    OpInfo("squeeze_tuple", lambda lib, x: x.squeeze((1, 3)), lambda np, x: np.squeeze(x, (1, 3)),
           [((2, 1, 3, 1),)]),
    OpInfo("unsqueeze", lambda lib, x: x.unsqueeze(0), lambda np, x: x[None], [((2, 3),), ((),)]),
    OpInfo("unsqueeze_neg", lambda lib, x: x.unsqueeze(-1), lambda np, x: x[..., None],
           [((2, 3),)]),
    OpInfo("contiguous", lambda lib, x: x.t().contiguous(), lambda np, x: x.T.copy(),
           [((3, 4),)]),
]

# --- transposes and broadcasting ------------------------------------------------------------------
OPS += [
    OpInfo("permute", lambda lib, x: x.permute(2, 0, 1), lambda np, x: x.transpose(2, 0, 1),
           [((2, 3, 4),)]),
    OpInfo("T", lambda lib, x: x.T, lambda np, x: x.T, [((3, 4),)]),
    OpInfo("t", lambda lib, x: x.t(), lambda np, x: x.T, [((3, 4),), ((3,),)]),
    OpInfo("transpose", lambda lib, x: x.transpose(0, -1), lambda np, x: np.swapaxes(x, 0, -1),
           [((2, 3, 4),)]),
    OpInfo("swapaxes", lambda lib, x: lib.swapaxes(x, 1, 2), lambda np, x: np.swapaxes(x, 1, 2),
           [((2, 3, 4),)]),
    OpInfo("movedim", lambda lib, x: x.movedim(0, -1), lambda np, x: np.moveaxis(x, 0, -1),
           [((2, 3, 4),)]),
    OpInfo("movedim_tuple", lambda lib, x: lib.movedim(x, (0, 1), (2, 0)),
           lambda np, x: np.moveaxis(x, (0, 1), (2, 0)), [((2, 3, 4),)]),
    OpInfo("expand", lambda lib, x: x.expand(2, 3, 4), lambda np, x: np.broadcast_to(x, (2, 3, 4)),
           [((3, 1),)]),
    OpInfo("expand_keep", lambda lib, x: x.expand(2, -1, 4),
           lambda np, x: np.broadcast_to(x, (2, 3, 4)), [((3, 1),)]),
    OpInfo("expand_as", lambda lib, x, y: x.expand_as(y),
           lambda np, x, y: np.broadcast_to(x, y.shape), [((1, 4), (3, 4))],
           grad_inputs=(0,)),
    OpInfo("broadcast_to", lambda lib, x: lib.broadcast_to(x, (2, 3)),
           lambda np, x: np.broadcast_to(x, (2, 3)), [((),), ((3,),)]),
]

# --- repeat / tile -----------------------------------------------------------------------------
OPS += [
    OpInfo("repeat", lambda lib, x: x.repeat(2, 1, 3), lambda np, x: np.tile(x, (2, 1, 3)),
           [((3, 4),), ((2, 1, 2),)]),
    OpInfo("repeat_0d", lambda lib, x: x.repeat(3), lambda np, x: np.tile(x, 3), [((),)]),
    OpInfo("tile", lambda lib, x: x.tile((2,)), lambda np, x: np.tile(x, (2,)), [((2, 3),)]),
]

# --- joins and splits --------------------------------------------------------------------------
OPS += [
    OpInfo("cat", lambda lib, x, y: lib.cat([x, y], 1), lambda np, x, y: np.concatenate([x, y], 1),
           [((2, 3), (2, 4)), ((2, 1, 2), (2, 2, 2))]),
    OpInfo("cat_three", lambda lib, x, y, z: lib.cat((x, y, z), dim=-1),
           lambda np, x, y, z: np.concatenate([x, y, z], -1), [((2, 1), (2, 3), (2, 2))]),
    OpInfo("cat_legacy_empty", lambda lib, x, y: lib.cat([x, y]),
           lambda np, x, y: x, [((2, 3), (0,))],
           note="empty 1-D tensors are skipped (torch's legacy rule)"),
    OpInfo("concat", lambda lib, x, y: lib.concat([x, y]),
           lambda np, x, y: np.concatenate([x, y]), [((1, 3), (2, 3))]),
    OpInfo("stack", lambda lib, x, y: lib.stack([x, y]), lambda np, x, y: np.stack([x, y]),
           [((2, 3), (2, 3)), ((), ())]),
    OpInfo("stack_dim", lambda lib, x, y: lib.stack([x, y], dim=-1),
           lambda np, x, y: np.stack([x, y], -1), [((2, 3), (2, 3))]),
    OpInfo("hstack", lambda lib, x, y: lib.hstack([x, y]), lambda np, x, y: np.hstack([x, y]),
           [((2,), (3,)), ((2, 1), (2, 3))]),
    OpInfo("vstack", lambda lib, x, y: lib.vstack([x, y]), lambda np, x, y: np.vstack([x, y]),
           [((3,), (3,)), ((1, 3), (2, 3))]),
    OpInfo("split_int", lambda lib, x: x.split(2, 1),
           lambda np, x: tuple(np.split(x, [2, 4], 1)), [((2, 5),)]),
    OpInfo("split_sizes", lambda lib, x: lib.split(x, [1, 3], 0),
           lambda np, x: tuple(np.split(x, [1], 0)), [((4, 2),)]),
    OpInfo("split_one_used", lambda lib, x: x.split(2)[1], lambda np, x: x[2:4], [((5, 2),)]),
    OpInfo("chunk", lambda lib, x: x.chunk(4), lambda np, x: (x[:2], x[2:4], x[4:]),
           [((5, 2),)], note="torch's chunk sizes: 5 rows in 4 chunks -> 2, 2, 1"),
    OpInfo("chunk_dim", lambda lib, x: x.chunk(2, dim=-1),
           lambda np, x: tuple(np.split(x, 2, -1)), [((3, 4),)]),
    OpInfo("unbind", lambda lib, x: x.unbind(-1), lambda np, x: tuple(np.moveaxis(x, -1, 0)),
           [((2, 3),), ((3,),)]),
    OpInfo("unbind_one_used", lambda lib, x: x.unbind()[1] * 2, lambda np, x: x[1] * 2,
           [((3, 2),)]),
    OpInfo("iter", lambda lib, x: tuple(r for r in x), lambda np, x: tuple(r for r in x),
           [((3, 2),)]),
    OpInfo("narrow", lambda lib, x: x.narrow(1, 1, 2), lambda np, x: x[:, 1:3], [((2, 4),)]),
    OpInfo("narrow_neg", lambda lib, x: x.narrow(0, -2, 2), lambda np, x: x[-2:], [((4, 2),)]),
    OpInfo("select", lambda lib, x: x.select(1, -1), lambda np, x: x[:, -1], [((2, 4),)]),
]

# --- flips, rolls, triangles, diagonals ----------------------------------------------------------
OPS += [
    OpInfo("flip", lambda lib, x: x.flip(0, 2), lambda np, x: np.flip(x, (0, 2)),
           [((2, 3, 4),)]),
    OpInfo("flip_neg", lambda lib, x: lib.flip(x, (-1,)), lambda np, x: np.flip(x, -1),
           [((3, 4),)]),
    OpInfo("roll", lambda lib, x: x.roll(1, 0), lambda np, x: np.roll(x, 1, 0), [((3, 4),)]),
    OpInfo("roll_tuple", lambda lib, x: x.roll((1, -2), (0, 1)),
           lambda np, x: np.roll(x, (1, -2), (0, 1)), [((3, 4),)]),
    OpInfo("roll_flat", lambda lib, x: x.roll(5), lambda np, x: np.roll(x, 5), [((3, 4),)]),
    OpInfo("tril", lambda lib, x: x.tril(), lambda np, x: np.tril(x), [((3, 4),), ((2, 3, 3),)]),
    OpInfo("tril_diag", lambda lib, x: x.tril(-1), lambda np, x: np.tril(x, -1), [((4, 3),)]),
    OpInfo("triu", lambda lib, x: lib.triu(x, 1), lambda np, x: np.triu(x, 1),
           [((3, 4),), ((2, 3, 3),)]),
    OpInfo("diagonal", lambda lib, x: x.diagonal(), lambda np, x: np.diagonal(x), [((3, 4),)]),
    OpInfo("diagonal_offset", lambda lib, x: x.diagonal(1, 0, 2),
           lambda np, x: np.diagonal(x, 1, 0, 2), [((3, 4, 5),)]),
    OpInfo("diagonal_neg", lambda lib, x: lib.diagonal(x, -1, -1, -2),
           lambda np, x: np.diagonal(x, -1, -1, -2), [((2, 4, 3),)]),
]


def _t(lib, x, values):
    """An int64 tensor on ``x``'s device (tensor ``repeats``)."""
    return lib.tensor(values, device=x.device)


def _np_diag_embed(np, x, offset=0, dim1=-2, dim2=-1):
    n = x.shape[-1] + abs(offset)
    out = np.zeros(x.shape[:-1] + (n, n), x.dtype)
    rows = np.arange(x.shape[-1]) + max(-offset, 0)
    out[..., rows, rows + offset] = x
    return np.moveaxis(out, (-2, -1), (dim1, dim2))


def _np_block_diag(np, *xs):
    mats = [np.atleast_2d(x) for x in xs]
    out = np.zeros((sum(m.shape[0] for m in mats), sum(m.shape[1] for m in mats)),
                   np.result_type(*mats))
    r = c = 0
    for m in mats:
        out[r:r + m.shape[0], c:c + m.shape[1]] = m
        r, c = r + m.shape[0], c + m.shape[1]
    return out


def _np_cartesian_prod(np, *xs):
    return np.stack([g.reshape(-1) for g in np.meshgrid(*xs, indexing="ij")], 1)


# --- repeat_interleave, meshgrid, cartesian_prod, moveaxis ---------------------------------------
OPS += [
    OpInfo("repeat_interleave", lambda lib, x: lib.repeat_interleave(x, 2),
           lambda np, x: np.repeat(x, 2), [((2, 3),), ((),)]),
    OpInfo("repeat_interleave_dim", lambda lib, x: lib.repeat_interleave(x, 3, dim=-1),
           lambda np, x: np.repeat(x, 3, -1), [((2, 3),)]),
    OpInfo("repeat_interleave_tensor",
           lambda lib, x: lib.repeat_interleave(x, _t(lib, x, [1, 0, 3]), dim=1),
           lambda np, x: np.repeat(x, [1, 0, 3], 1), [((2, 3),)]),
    OpInfo("repeat_interleave_tensor_flat",
           lambda lib, x: lib.repeat_interleave(x, _t(lib, x, [2, 1, 1, 0])),
           lambda np, x: np.repeat(x.reshape(-1), [2, 1, 1, 0]), [((2, 2),)]),
    OpInfo("meshgrid_ij", lambda lib, x, y: lib.meshgrid(x, y, indexing="ij"),
           lambda np, x, y: tuple(np.meshgrid(x, y, indexing="ij")), [((2,), (3,))]),
    OpInfo("meshgrid_xy", lambda lib, x, y, z: lib.meshgrid([x, y, z], indexing="xy"),
           lambda np, x, y, z: tuple(np.meshgrid(x, y, z, indexing="xy")),
           [((2,), (3,), (4,)), ((), (3,), (1,))]),
    OpInfo("cartesian_prod", lambda lib, x, y: lib.cartesian_prod(x, y), _np_cartesian_prod,
           [((2,), (3,))]),
    OpInfo("moveaxis", lambda lib, x: lib.moveaxis(x, (0, 1), (-1, 0)),
           lambda np, x: np.moveaxis(x, (0, 1), (-1, 0)), [((2, 3, 4),)]),
]

# --- diag, diag_embed, trace, rot90, kron, block_diag --------------------------------------------
OPS += [
    OpInfo("diag_vector", lambda lib, x: lib.diag(x), lambda np, x: np.diag(x), [((3,),)]),
    OpInfo("diag_vector_offset", lambda lib, x: lib.diag(x, -2), lambda np, x: np.diag(x, -2),
           [((3,),)]),
    OpInfo("diag_matrix", lambda lib, x: lib.diag(x, 1), lambda np, x: np.diag(x, 1),
           [((3, 4),), ((4, 3),)]),
    OpInfo("diag_embed", lambda lib, x: lib.diag_embed(x), lambda np, x: _np_diag_embed(np, x),
           [((2, 3),), ((3,),)]),
    OpInfo("diag_embed_dims", lambda lib, x: lib.diag_embed(x, 1, 0, 2),
           lambda np, x: _np_diag_embed(np, x, 1, 0, 2), [((2, 3),)]),
    OpInfo("diag_embed_neg", lambda lib, x: lib.diag_embed(x, -1, -1, 1),
           lambda np, x: _np_diag_embed(np, x, -1, -1, 1), [((2, 2, 3),)]),
    OpInfo("trace", lambda lib, x: lib.trace(x), lambda np, x: np.asarray(np.trace(x)),
           [((3, 3),), ((2, 4),)]),
    OpInfo("rot90", lambda lib, x: lib.rot90(x), lambda np, x: np.rot90(x), [((2, 3),)]),
    OpInfo("rot90_k", lambda lib, x: lib.rot90(x, 2, (2, 0)), lambda np, x: np.rot90(x, 2, (2, 0)),
           [((2, 3, 4),)]),
    OpInfo("rot90_neg", lambda lib, x: lib.rot90(x, -1, (-1, 1)),
           lambda np, x: np.rot90(x, -1, (-1, 1)), [((2, 3, 4),)]),
    OpInfo("rot90_zero", lambda lib, x: lib.rot90(x, 4), lambda np, x: x.copy(), [((2, 3),)]),
    OpInfo("kron", lambda lib, x, y: lib.kron(x, y), lambda np, x, y: np.kron(x, y),
           [((2, 3), (3, 2)), ((2,), (2, 3)), ((), (3,)), ((2, 1, 2), (2, 2))]),
    OpInfo("block_diag", lambda lib, x, y, z: lib.block_diag(x, y, z), _np_block_diag,
           [((2, 3), (), (2,)), ((1, 1), (0, 2), (3, 1))]),
]

# --- dstack, column_stack, hsplit, vsplit, dsplit ------------------------------------------------
OPS += [
    OpInfo("dstack", lambda lib, x, y: lib.dstack([x, y]), lambda np, x, y: np.dstack([x, y]),
           [((2,), (2,)), ((2, 3), (2, 3)), ((2, 3, 1), (2, 3, 2))]),
    OpInfo("column_stack", lambda lib, x, y, z: lib.column_stack([x, y, z]),
           lambda np, x, y, z: np.column_stack([x, y, z]), [((3,), (3, 2), (3,))]),
    OpInfo("hsplit", lambda lib, x: lib.hsplit(x, 2), lambda np, x: tuple(np.hsplit(x, 2)),
           [((3, 4),), ((4,),)]),
    OpInfo("hsplit_indices", lambda lib, x: lib.hsplit(x, [3, 1, -1]),
           lambda np, x: tuple(np.hsplit(x, [3, 1, -1])), [((2, 4),)],
           note="numpy slicing: [3:1] is empty, negative indices count from the end"),
    OpInfo("vsplit", lambda lib, x: lib.vsplit(x, [1]), lambda np, x: tuple(np.vsplit(x, [1])),
           [((3, 2),)]),
    OpInfo("dsplit", lambda lib, x: lib.dsplit(x, 2), lambda np, x: tuple(np.dsplit(x, 2)),
           [((1, 2, 4),)]),
]
