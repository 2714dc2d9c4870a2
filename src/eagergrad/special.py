"""``eagergrad.special``: torch.special's functions (mostly aliases of eagergrad ops).

Example:
    >>> import eagergrad as eg
    >>> import eagergrad.special
    >>> eg.special.expit(eg.tensor([0.0]))
    tensor([0.5000])
"""

from __future__ import annotations

import math

from ._dtype import get_default_dtype
from ._ops.elementwise import (
    erf,
    erfc,
    erfinv,
    exp2,
    expm1,
    log1p,
    logit,
    mul,
    sinc,
    sub,
    to_dtype,
    where,
    xlog1py,
    xlogy,
)
from ._ops.elementwise import sigmoid as expit
from ._ops.reduction import log_softmax as _log_softmax
from ._ops.reduction import logsumexp
from ._ops.reduction import softmax as _softmax
from ._tensor import Tensor

__all__ = ["expit", "logit", "erf", "erfc", "erfinv", "xlogy", "xlog1py", "log1p", "expm1",
           "exp2", "logsumexp", "softmax", "log_softmax", "sinc", "entr", "ndtr"]


def softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:  # noqa: A002
    """Softmax over ``dim`` (torch.special.softmax; see ``eagergrad.softmax``).

    Args:
        input: the input tensor.
        dim: the dim to work along.
        dtype: if given, the input is cast to it first.

    Returns:
        Probabilities that sum to 1 over ``dim``.

    Derivative: y * (grad - sum(grad * y, dim)).

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.special
        >>> eg.special.softmax(eg.tensor([0., 0.]), 0)
        tensor([0.5000, 0.5000])
    """
    return _softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:  # noqa: A002
    """Log-softmax over ``dim`` (torch.special.log_softmax; see ``eagergrad.log_softmax``).

    Args:
        input: the input tensor.
        dim: the dim to work along.
        dtype: if given, the input is cast to it first.

    Returns:
        Log-probabilities over ``dim``.

    Derivative: grad - softmax(input) * sum(grad, dim).

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.special
        >>> eg.special.log_softmax(eg.tensor([0., 0.]), 0)
        tensor([-0.6931, -0.6931])
    """
    return _log_softmax(input, dim, dtype)


def _float(input: Tensor) -> Tensor:  # noqa: A002
    return input if input._data.dtype.kind == "f" else to_dtype(input, get_default_dtype())


def entr(input: Tensor) -> Tensor:  # noqa: A002
    """The elementwise entropy ``-x log(x)``: 0 at 0 and -inf for negative x.

    Derivative: -(1 + log(x)).

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.special
        >>> eg.special.entr(eg.tensor([0.0, 0.5, -1.0]))
        tensor([0.0000, 0.3466,   -inf])
    """
    x = _float(input)
    return where(x < 0, -math.inf, sub(0.0, xlogy(x, x)))  # 0 - 0 is +0, as in torch


def ndtr(input: Tensor) -> Tensor:  # noqa: A002
    """The standard normal CDF, ``(1 + erf(x / sqrt(2))) / 2``, computed as ``erfc(-x/sqrt 2)/2``.

    Derivative: exp(-x**2 / 2) / sqrt(2 pi).

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.special
        >>> eg.special.ndtr(eg.tensor([0.0]))
        tensor([0.5000])
    """
    return mul(erfc(mul(_float(input), -1.0 / math.sqrt(2.0))), 0.5)
