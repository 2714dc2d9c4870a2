"""Parameter initialisation (torch.nn.init): in-place fills run under ``no_grad``.

Each function takes an optional ``generator=`` (an ``eg.Generator``) like torch; the numbers come
from eagergrad's generators, so they differ from torch's for the same seed, but the
distributions are the same.
"""

from __future__ import annotations

import math
import warnings

import numpy

from .. import random as _random
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad

__all__ = [
    "calculate_gain",
    "uniform_",
    "normal_",
    "trunc_normal_",
    "constant_",
    "ones_",
    "zeros_",
    "eye_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "orthogonal_",
]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for an activation (torch.nn.init.calculate_gain).

    Example:
        >>> import eagergrad as eg
        >>> round(eg.nn.init.calculate_gain("tanh"), 4)
        1.6667
    """
    linear = [
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
    ]
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _no_elements(tensor: Tensor) -> bool:
    if tensor._data.size == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fills ``tensor`` with samples of U(a, b) in place.

    Example:
        >>> import eagergrad as eg
        >>> w = eg.nn.init.uniform_(eg.empty(3, 5), -0.1, 0.1)
        >>> bool((w.abs() <= 0.1).all())
        True
    """
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fills ``tensor`` with samples of N(mean, std**2) in place.

    Example:
        >>> import eagergrad as eg
        >>> _ = eg.manual_seed(0)
        >>> w = eg.nn.init.normal_(eg.empty(2, 3), mean=0.0, std=0.02)
        >>> w.shape
        eagergrad.Size([2, 3])
    """
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator=None,
) -> Tensor:
    """Fills ``tensor`` with N(mean, std**2) samples truncated to [a, b].

    Sampled by rejection (redrawing values outside [a, b]), which gives exactly the
    truncated normal distribution torch draws by inverse CDF.

    Example:
        >>> import eagergrad as eg
        >>> _ = eg.manual_seed(0)
        >>> w = eg.nn.init.trunc_normal_(eg.empty(100), std=1.0, a=-0.5, b=0.5)
        >>> bool((w.abs() <= 0.5).all())
        True
    """
    with no_grad():
        if tensor._data.size == 0:
            return tensor
        xp = tensor._device.xp
        out = _random.normal_array(tensor, mean, std, generator)
        for _ in range(1000):
            bad = (out < a) | (out > b)
            if not bool(bad.any()):
                break
            out = xp.where(bad, _random.normal_array(tensor, mean, std, generator), out)
        else:
            out = xp.clip(out, a, b)  # only reachable for an absurd [a, b] far in the tail
        tensor._data[...] = out
        tensor._bump()
    return tensor


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fills ``tensor`` with ``val`` in place.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.init.constant_(eg.empty(2, 2), 0.5)
        tensor([[0.5000, 0.5000],
                [0.5000, 0.5000]])
    """
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    """Fills ``tensor`` with ones in place.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.init.ones_(eg.empty(3))
        tensor([1., 1., 1.])
    """
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fills ``tensor`` with zeros in place.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.init.zeros_(eg.empty(3))
        tensor([0., 0., 0.])
    """
    return constant_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fills a 2-D ``tensor`` with the identity matrix in place.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.init.eye_(eg.empty(2, 3))
        tensor([[1., 0., 0.],
                [0., 1., 0.]])
    """
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with no_grad():
        xp = tensor._device.xp
        tensor._data[...] = xp.eye(*tensor._data.shape, dtype=tensor._data.dtype)
        tensor._bump()
    return tensor


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    if tensor.dim() < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"
        )
    shape = tensor.shape
    receptive = 1
    for s in shape[2:]:
        receptive *= s
    return shape[1] * receptive, shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).

    Example:
        >>> import eagergrad as eg
        >>> _ = eg.manual_seed(0)
        >>> w = eg.nn.init.xavier_uniform_(eg.empty(4, 2))
        >>> bool((w.abs() <= 1.0).all())
        True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out)).

    Example:
        >>> import eagergrad as eg
        >>> _ = eg.manual_seed(0)
        >>> eg.nn.init.xavier_normal_(eg.empty(4, 2)).shape
        eagergrad.Size([4, 2])
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator=None,
) -> Tensor:
    """He uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan).

    Example:
        >>> import eagergrad as eg
        >>> w = eg.nn.init.kaiming_uniform_(eg.empty(4, 9), nonlinearity="relu")
        >>> bool((w.abs() <= (6 / 9) ** 0.5).all())
        True
    """
    if _no_elements(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator=None,
) -> Tensor:
    """He normal: N(0, std**2) with std = gain / sqrt(fan).

    Example:
        >>> import eagergrad as eg
        >>> _ = eg.manual_seed(0)
        >>> w = eg.nn.init.kaiming_normal_(eg.empty(256, 512), nonlinearity='relu')
        >>> abs(w.std().item() - (2 / 512) ** 0.5) < 1e-3  # std = gain / sqrt(fan_in)
        True
    """
    if _no_elements(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator=None) -> Tensor:
    """Fills ``tensor`` (viewed as rows x rest) with a (semi-)orthogonal matrix times ``gain``.

    Example:
        >>> import eagergrad as eg
        >>> _ = eg.manual_seed(0)
        >>> w = eg.nn.init.orthogonal_(eg.empty(3, 5))
        >>> bool(eg.allclose(w @ w.T, eg.eye(3), atol=1e-5))
        True
    """
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    xp = tensor._device.xp
    with no_grad():
        flat = _random.normal_array(tensor, 0.0, 1.0, generator).reshape(rows, cols)
        flat = flat.astype(numpy.float64)
        if rows < cols:
            flat = flat.T
        q, r = xp.linalg.qr(flat)
        q = q * xp.sign(xp.diagonal(r))
        if rows < cols:
            q = q.T
        tensor._data[...] = (q * gain).reshape(tensor._data.shape).astype(tensor._data.dtype)
        tensor._bump()
    return tensor
