"""Gradient clipping: clip_grad_norm_, clip_grad_value_, get_total_norm, clip_grads_with_norm_.

The gradients are scaled in place on their raw arrays (no graph), as torch does under no_grad.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable

from ..._ops._util import quiet
from ..._tensor import Tensor

__all__ = [
    "clip_grad_norm_",
    "clip_grad_norm",
    "clip_grad_value_",
    "get_total_norm",
    "clip_grads_with_norm_",
]

_TensorOrTensors = Tensor | Iterable[Tensor]


def _as_list(tensors: _TensorOrTensors) -> list:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _vector_norm(xp, x, norm_type: float):
    """``torch.linalg.vector_norm(x, norm_type)`` on a raw array, as a 0-d array."""
    x = x.reshape(-1)
    if x.size == 0:
        return xp.zeros((), dtype=x.dtype)
    if norm_type == 2.0:
        return xp.sqrt(xp.dot(x, x))
    if norm_type == 1.0:
        return xp.abs(x).sum()
    if norm_type == math.inf:
        return xp.abs(x).max()
    if norm_type == -math.inf:
        return xp.abs(x).min()
    if norm_type == 0.0:
        return xp.asarray(xp.count_nonzero(x), dtype=x.dtype)
    return (xp.abs(x) ** norm_type).sum() ** (1.0 / norm_type)


def get_total_norm(
    tensors: _TensorOrTensors,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The norm of the norms of ``tensors``: their norm as if concatenated into one vector.

    Args:
        tensors: a tensor or an iterable of tensors (typically gradients).
        norm_type: the p of the p-norm; ``inf`` for the max norm. Default: 2.0.
        error_if_nonfinite: raise if the total norm is nan or inf. Default: False.
        foreach: accepted for torch compatibility; ignored.

    Returns:
        A 0-d tensor on the first tensor's device.

    Example:
        >>> import eagergrad as eg
        >>> eg.nn.utils.get_total_norm([eg.tensor([3.0]), eg.tensor([4.0])])
        tensor(5.)
    """
    from ..._creation import tensor

    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return tensor(0.0)
    device = tensors[0]._device
    xp = device.xp
    norms = []
    with quiet(xp):  # See NOTE [Quiet float errors] in _ops/_util.py: inf/nan norms are legal.
        for t in tensors:
            norm = _vector_norm(t._device.xp, t._data, norm_type)
            if t._device is not device:
                norm = Tensor._make(xp.asarray(norm), t._device).to(device)._data
            norms.append(norm)
        total = _vector_norm(xp, xp.stack(norms), norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return Tensor._make(xp.asarray(total), device)


def clip_grads_with_norm_(
    parameters: _TensorOrTensors, max_norm: float, total_norm: Tensor, foreach: bool | None = None
) -> None:
    """Scales the gradients of ``parameters`` by ``min(1, max_norm / (total_norm + 1e-6))``.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` to scale.
        max_norm: the largest allowed norm.
        total_norm: the gradients' total norm (from ``get_total_norm``).
        foreach: accepted for torch compatibility; ignored.

    Example:
        >>> import eagergrad as eg
        >>> w = eg.tensor([3.0, 4.0], requires_grad=True)
        >>> w.grad = eg.tensor([3.0, 4.0])
        >>> eg.nn.utils.clip_grads_with_norm_([w], 1.0, eg.tensor(5.0))
        >>> w.grad
        tensor([0.6000, 0.8000])
    """
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    max_norm = float(max_norm)
    if len(grads) == 0:
        return
    xp = total_norm._device.xp
    with quiet(xp):  # a non-finite norm gives 0 * inf = nan silently, as in torch
        coef = max_norm / (total_norm._data + 1e-6)
        coef = xp.minimum(coef, xp.asarray(1.0, dtype=coef.dtype))
        for g in grads:
            c = (
                coef
                if g._device is total_norm._device
                else (Tensor._make(xp.asarray(coef), total_norm._device).to(g._device)._data)
            )
            g._data *= c.astype(g._data.dtype)
            g._bump()


def clip_grad_norm_(
    parameters: _TensorOrTensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Rescales the gradients in place so that their total norm is at most ``max_norm``.

    The total norm is computed over all gradients together, as if they were concatenated
    into a single vector; each gradient is multiplied by
    ``min(1, max_norm / (total_norm + 1e-6))``.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` to clip.
        max_norm: the largest allowed norm.
        norm_type: the p of the p-norm; ``inf`` for the max norm. Default: 2.0.
        error_if_nonfinite: raise if the total norm is nan or inf. Default: False.
        foreach: accepted for torch compatibility; ignored.

    Returns:
        The total norm of the gradients before clipping (a 0-d tensor).

    Example:
        >>> import eagergrad as eg
        >>> w = eg.tensor([3.0, 4.0], requires_grad=True)
        >>> (w * w).sum().backward()
        >>> eg.nn.utils.clip_grad_norm_([w], max_norm=1.0)
        tensor(10.)
        >>> w.grad
        tensor([0.6000, 0.8000])
    """
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(
    parameters: _TensorOrTensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Deprecated alias of ``clip_grad_norm_`` (warns, as torch does).

    Example:
        >>> import eagergrad as eg
        >>> import warnings
        >>> p = eg.nn.Parameter(eg.zeros(2))
        >>> p.grad = eg.tensor([3.0, 4.0])
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter('ignore')
        ...     total = eg.nn.utils.clip_grad_norm(p, max_norm=1.0)
        >>> total
        tensor(5.)
        >>> p.grad
        tensor([0.6000, 0.8000])
    """
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
        "`torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(
    parameters: _TensorOrTensors, clip_value: float, foreach: bool | None = None
) -> None:
    """Clamps every gradient element into ``[-clip_value, clip_value]`` in place.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` to clip.
        clip_value: the largest allowed absolute value.
        foreach: accepted for torch compatibility; ignored.

    Example:
        >>> import eagergrad as eg
        >>> w = eg.tensor([1.0, -3.0], requires_grad=True)
        >>> (w * w).sum().backward()
        >>> eg.nn.utils.clip_grad_value_([w], 1.0)
        >>> w.grad
        tensor([ 1., -1.])
    """
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        g = p.grad
        if g is not None:
            g._device.xp.clip(g._data, -clip_value, clip_value, out=g._data)
            g._bump()
