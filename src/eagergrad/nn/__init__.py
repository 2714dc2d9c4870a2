"""eagergrad.nn: modules, layers, losses, ``functional`` and ``init`` (torch.nn).

Example:
    >>> import eagergrad as eg
    >>> from eagergrad import nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> model(eg.randn(3, 4)).shape
    eagergrad.Size([3, 2])
"""

from . import (  # noqa: E402
    functional,
    init,
    utils,  # noqa: F401,E402
)
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from .parameter import Buffer, Parameter

__all__ = ["Parameter", "Buffer", "functional", "init", "utils", *_modules_all]
