"""Op table entries for the shape family."""

from __future__ import annotations

from . import OpInfo

OPS: list[OpInfo] = []

OPS += [
    OpInfo("reshape", lambda lib, x: x.reshape(4, -1), lambda np, x: x.reshape(4, -1),
           [((2, 3, 4),)]),
    OpInfo("permute", lambda lib, x: x.permute(2, 0, 1), lambda np, x: x.transpose(2, 0, 1),
           [((2, 3, 4),)]),
    OpInfo("T", lambda lib, x: x.T, lambda np, x: x.T, [((3, 4),)]),
    OpInfo("expand", lambda lib, x: x.expand(2, 3, 4), lambda np, x: np.broadcast_to(x, (2, 3, 4)),
           [((3, 1),)]),
]
