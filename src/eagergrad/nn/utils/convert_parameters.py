"""parameters_to_vector / vector_to_parameters (torch.nn.utils)."""

from __future__ import annotations

from collections.abc import Iterable

from ..._ops._base import Op
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad

__all__ = ["parameters_to_vector", "vector_to_parameters"]


class _FlatCat(Op):
    """Flattens and concatenates its inputs. Gradient: the matching slices, reshaped."""

    @staticmethod
    def forward(ctx, *xs):
        ctx.shapes = [x.shape for x in xs]
        return ctx.xp.concatenate([x.reshape(-1) for x in xs])

    @staticmethod
    def backward(ctx, grad):
        out = _FlatSplit.apply(grad, shapes=ctx.shapes)
        return out if isinstance(out, tuple) else (out,)


class _FlatSplit(Op):
    """Splits a vector into pieces of the given shapes. Gradient: their concatenation."""

    @staticmethod
    def forward(ctx, v, shapes):
        out, start = [], 0
        for s in shapes:
            n = 1
            for d in s:
                n *= d
            out.append(v[start : start + n].reshape(s))
            start += n
        return tuple(out)

    @staticmethod
    def backward(ctx, *grads):
        return _FlatCat.apply(*grads)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one vector (differentiable).

    Example:
        >>> import eagergrad as eg
        >>> m = eg.nn.Linear(3, 2)
        >>> eg.nn.utils.parameters_to_vector(m.parameters()).shape
        eagergrad.Size([8])
    """
    params = list(parameters)
    if not params:
        raise RuntimeError("parameters_to_vector: expected at least one parameter")
    dev = params[0]._device
    for p in params:
        if p._device is not dev:
            raise TypeError(
                "Found two parameters on different devices, this is currently not supported."
            )
    return _FlatCat.apply(*params)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copies consecutive slices of ``vec`` into the parameters, in place.

    Example:
        >>> import eagergrad as eg
        >>> m = eg.nn.Linear(3, 2)
        >>> eg.nn.utils.vector_to_parameters(eg.zeros(8), m.parameters())
        >>> float(m.weight.abs().sum())
        0.0
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected eagergrad.Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.numel() != total:
        raise RuntimeError(
            f"vector_to_parameters: vec has {vec.numel()} elements but the parameters need {total}"
        )
    data = vec._data.reshape(-1)
    start = 0
    with no_grad():
        for p in params:
            n = p.numel()
            if p._device is not vec._device:
                raise TypeError(
                    "Found two parameters on different devices, this is currently not supported."
                )
            p._data[...] = data[start : start + n].reshape(p._data.shape).astype(p._data.dtype)
            p._bump()
            start += n
