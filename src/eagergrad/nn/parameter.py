"""``Parameter``: a Tensor that a ``Module`` registers as a learnable weight."""

from __future__ import annotations

from .._tensor import Tensor

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A Tensor that is registered as a parameter when assigned to a ``Module`` attribute.

    It shares storage with ``data`` and requires grad by default (torch.nn.Parameter).

    Args:
        data: the tensor to wrap (an empty float tensor when omitted).
        requires_grad: whether the parameter requires gradient. Default: ``True``.

    Example:
        >>> import eagergrad as eg
        >>> p = eg.nn.Parameter(eg.zeros(2))
        >>> p.requires_grad, isinstance(p, eg.Tensor)
        (True, True)
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            from .._creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): data must be a Tensor, not {type(data).__name__}")
        if requires_grad and data._data.dtype.kind != "f":
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients"
            )
        return Tensor._make(data._data, data._device, bool(requires_grad), cls=cls)

    def __init__(self, data=None, requires_grad=True):  # Tensor.__init__ refuses construction
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        out = Parameter(Tensor._make(self._data.copy(), self._device), self.requires_grad)
        if self.grad is not None:
            out.grad = self.grad.__deepcopy__(memo)
        memo[id(self)] = out
        return out


class Buffer:
    """Marks a tensor to be registered as a buffer when assigned to a Module (torch.nn.Buffer).

    Args:
        data: the tensor.
        persistent: whether the buffer is part of the module's ``state_dict``.

    Example:
        >>> import eagergrad as eg
        >>> class Norm(eg.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.scale = eg.nn.Buffer(eg.ones(2))
        ...         self.tmp = eg.nn.Buffer(eg.zeros(2), persistent=False)
        >>> m = Norm()
        >>> [name for name, _ in m.named_buffers()]
        ['scale', 'tmp']
        >>> list(m.state_dict())
        ['scale']
    """

    def __init__(self, data: Tensor, *, persistent: bool = True):
        self.data = data
        self.persistent = persistent
