"""eagergrad: a dynamic, eager autograd library in the style of PyTorch, on numpy and cupy.

Example:
    >>> import eagergrad as eg
    >>> x = eg.tensor([1.0, 2.0], requires_grad=True)
    >>> y = (x * 3).sum()
    >>> y.backward()
    >>> x.grad
    tensor([3., 3.])
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import _ops
from ._backend import Device, device, get_default_device, set_default_device
from ._creation import *  # noqa: F401,F403
from ._creation import __all__ as _creation_all
from ._dtype import bool_ as bool  # noqa: A004 - torch exposes eg.bool
from ._dtype import (
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    set_default_dtype,
    uint8,
)
from ._format import set_printoptions
from ._ops import *  # noqa: F401,F403
from ._tensor import Size, Tensor
from .autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .serialization import load, save

# isort: off
# Subpackages last: their modules may use the names above at import time.
from . import (  # noqa: E402
    autograd, cuda, datasets, jit, linalg, nn, onnx, optim, profiler, special, utils, viz,
)
# isort: on

half = float16
float = float32  # noqa: A001
double = float64
short = int16
int = int32  # noqa: A001
long = int64

# Internal twins of in-place ops and engine helpers: in _ops but not public.
_INTERNAL = {"getitem", "index_put_value", "setitem_no_grad", "to_device", "fill_like",
             "copy_from", "sum_to",
             "to_dtype"}
for _name in _INTERNAL:
    globals().pop(_name, None)

__all__ = [
    "__version__", "Tensor", "Size", "dtype", "device", "Device", "Generator",
    "get_default_device", "set_default_device",
    "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool",
    "half", "float", "double", "short", "int", "long",
    "get_default_dtype", "set_default_dtype", "promote_types", "set_printoptions",
    "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
    "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
    "autograd", "cuda", "datasets", "jit", "linalg", "nn", "onnx", "optim", "profiler", "special",
    "utils", "viz",
    "save", "load",
    *_creation_all,
    *[n for n in _ops.__all__ if n not in _INTERNAL],
]
