"""The op library: one module per family, one class per op, a lowercase wrapper per op.

``eagergrad._ops`` is the namespace Tensor methods call (``_F.exp(self)``).
"""

from .._tensor import Tensor as _Tensor
from . import elementwise, indexing, linalg, reduction, shape  # noqa: E402
from .elementwise import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .reduction import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403

# NOTE [Hot methods]
# The arithmetic dunders and the hottest activations are the op functions themselves rather
# than Tensor methods that call them: one Python frame less on every op (about 0.1 us, a few
# percent of a small op's cost). ``__radd__`` and ``__rmul__`` reuse them: both ops commute.
_Tensor.__add__ = _Tensor.__radd__ = add  # noqa: F405
_Tensor.__sub__ = sub  # noqa: F405
_Tensor.__mul__ = _Tensor.__rmul__ = mul  # noqa: F405
_Tensor.__truediv__ = div  # noqa: F405
_Tensor.__matmul__ = matmul  # noqa: F405
_Tensor.__neg__ = neg  # noqa: F405
for _name in ("exp", "log", "tanh", "sigmoid", "relu"):
    setattr(_Tensor, _name, globals()[_name])
del _name

__all__ = [
    *elementwise.__all__, *indexing.__all__, *linalg.__all__, *reduction.__all__,
    *shape.__all__,
]
