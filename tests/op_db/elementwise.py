"""Op table entries for the elementwise family."""

from __future__ import annotations

from . import OpInfo

OPS: list[OpInfo] = []

OPS += [
    OpInfo("add", lambda lib, x, y: x + y, lambda np, x, y: x + y,
           [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1))], broadcasting=True),
    OpInfo("add_alpha", lambda lib, x, y: lib.add(x, y, alpha=2.5),
           lambda np, x, y: x + 2.5 * y, [((3, 4), (3, 4))]),
    OpInfo("sub", lambda lib, x, y: x - y, lambda np, x, y: x - y,
           [((3, 4), (3, 4)), ((3, 1), (1, 4))], broadcasting=True),
    OpInfo("mul", lambda lib, x, y: x * y, lambda np, x, y: x * y,
           [((3, 4), (3, 4)), ((5,), ())], broadcasting=True),
    OpInfo("mul_scalar", lambda lib, x: x * 3.5, lambda np, x: x * 3.5, [((3, 4),)]),
    OpInfo("rsub_scalar", lambda lib, x: 2 - x, lambda np, x: 2 - x, [((3, 4),)]),
    OpInfo("div", lambda lib, x, y: x / y, lambda np, x, y: x / y,
           [((3, 4), (3, 4)), ((3, 4), (1, 4))], domain=(0.5, 2.0), broadcasting=True),
    OpInfo("neg", lambda lib, x: -x, lambda np, x: -x, [((3, 4),), ((),)]),
    OpInfo("exp", lambda lib, x: x.exp(), lambda np, x: np.exp(x), [((3, 4),), ((),)]),
    OpInfo("tanh", lambda lib, x: lib.tanh(x), lambda np, x: np.tanh(x), [((3, 4),)]),
]
