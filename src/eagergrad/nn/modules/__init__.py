"""eagergrad.nn.modules: every layer class."""

from . import (  # noqa: E402
    activation,
    container,
    conv,
    dropout,
    embedding,
    flatten,
    linear,
    loss,
    module,
    normalization,
    pooling,
    rnn,
    transformer,
)
from .activation import *  # noqa: F401,F403
from .container import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .embedding import *  # noqa: F401,F403
from .flatten import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .module import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from .transformer import *  # noqa: F401,F403

__all__ = [
    *module.__all__,
    *container.__all__,
    *linear.__all__,
    *activation.__all__,
    *normalization.__all__,
    *dropout.__all__,
    *embedding.__all__,
    *loss.__all__,
    *flatten.__all__,
    *transformer.__all__,
    *getattr(conv, "__all__", []),
    *getattr(pooling, "__all__", []),
    *getattr(rnn, "__all__", []),
]
