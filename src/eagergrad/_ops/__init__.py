"""The op library: one module per family, one class per op, a lowercase wrapper per op.

``eagergrad._ops`` is the namespace Tensor methods call (``_F.exp(self)``).
"""

from . import elementwise, indexing, linalg, reduction, shape  # noqa: E402
from .elementwise import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .reduction import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403

__all__ = [
    *elementwise.__all__, *indexing.__all__, *linalg.__all__, *reduction.__all__,
    *shape.__all__,
]
