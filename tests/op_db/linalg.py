"""Op table entries for the linalg family."""

from __future__ import annotations

from . import OpInfo

OPS: list[OpInfo] = []

OPS += [
    OpInfo("matmul_2d", lambda lib, x, y: x @ y, lambda np, x, y: x @ y, [((3, 4), (4, 5))]),
    OpInfo("matmul_batched_broadcast", lambda lib, x, y: lib.matmul(x, y),
           lambda np, x, y: np.matmul(x, y), [((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (3, 4, 2))]),
]
