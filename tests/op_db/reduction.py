"""Op table entries for the reduction family."""

from __future__ import annotations

from . import OpInfo

OPS: list[OpInfo] = []

OPS += [
    OpInfo("sum", lambda lib, x: x.sum(), lambda np, x: np.sum(x), [((3, 4),), ((),)]),
    OpInfo("sum_dim", lambda lib, x: x.sum(1), lambda np, x: np.sum(x, 1), [((3, 4),)]),
    OpInfo("sum_dims_keepdim", lambda lib, x: x.sum((0, -1), keepdim=True),
           lambda np, x: np.sum(x, (0, 2), keepdims=True), [((2, 3, 4),)]),
]
