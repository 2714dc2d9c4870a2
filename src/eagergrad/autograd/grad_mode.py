"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode (thread-local)."""

from __future__ import annotations

import functools
import threading

__all__ = [
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
]


class _Mode(threading.local):
    enabled = True
    inference = False


# Read directly by Op.apply (``_mode.enabled``) on every op: one attribute lookup.
_mode = _Mode()


def is_grad_enabled() -> bool:
    """Whether ops record the graph in this thread.

    Example:
        >>> import eagergrad as eg
        >>> eg.is_grad_enabled()
        True
        >>> with eg.no_grad():
        ...     print(eg.is_grad_enabled())
        False
    """
    return _mode.enabled


def is_inference_mode_enabled() -> bool:
    """Whether ``inference_mode`` is active in this thread.

    Returns:
        ``True`` inside ``eg.inference_mode()``, else ``False`` (as
        ``torch.is_inference_mode_enabled``; in eagergrad it lives in ``eg.autograd``).

    Example:
        >>> import eagergrad as eg
        >>> eg.autograd.is_inference_mode_enabled()
        False
        >>> with eg.inference_mode():
        ...     print(eg.autograd.is_inference_mode_enabled())
        True
    """
    return _mode.inference


class _DecoratorContextManager:
    """A context manager that also works as a decorator (``@no_grad()`` and ``@no_grad``)."""

    def __call__(self, fn):
        if not callable(fn):
            raise TypeError(f"{type(self).__name__} expects a callable when used as a decorator")

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        return type(self)()


class _DecoratorNoArgs(type):
    """Lets ``@no_grad`` (without parentheses) decorate a function, as torch allows."""

    def __call__(cls, *args, **kwargs):
        if len(args) == 1 and not kwargs and callable(args[0]) and cls._plain_decorator_ok:
            return super().__call__()(args[0])
        return super().__call__(*args, **kwargs)


class no_grad(_DecoratorContextManager, metaclass=_DecoratorNoArgs):
    """Context manager and decorator that disables graph recording.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.ones(2, requires_grad=True)
        >>> with eg.no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

    _plain_decorator_ok = True

    def __enter__(self):
        self._prev = _mode.enabled
        _mode.enabled = False

    def __exit__(self, *exc):
        _mode.enabled = self._prev
        return False


class enable_grad(_DecoratorContextManager, metaclass=_DecoratorNoArgs):
    """Context manager and decorator that enables graph recording (inside ``no_grad``).

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([1.0], requires_grad=True)
        >>> with eg.no_grad():
        ...     with eg.enable_grad():
        ...         y = x * 2
        >>> y.requires_grad
        True
    """

    _plain_decorator_ok = True

    def __enter__(self):
        self._prev = _mode.enabled
        _mode.enabled = True

    def __exit__(self, *exc):
        _mode.enabled = self._prev
        return False


class set_grad_enabled(_DecoratorContextManager):
    """Sets grad mode on or off; works as a function call, context manager or decorator.

    Example:
        >>> import eagergrad as eg
        >>> with eg.set_grad_enabled(False):
        ...     eg.is_grad_enabled()
        False
    """

    def __init__(self, mode: bool):
        self._prev = _mode.enabled
        self.mode = bool(mode)
        _mode.enabled = self.mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _mode.enabled = self._prev
        return False

    def clone(self):
        return _SetGrad(self.mode)


class _SetGrad(_DecoratorContextManager):
    def __init__(self, mode):
        self.mode = mode

    def __enter__(self):
        self._prev = _mode.enabled
        _mode.enabled = self.mode

    def __exit__(self, *exc):
        _mode.enabled = self._prev
        return False


class inference_mode(_DecoratorContextManager, metaclass=_DecoratorNoArgs):
    """Like ``no_grad``; eagergrad has no separate inference tensors, so it only disables grad.

    Difference from torch: tensors made here are ordinary tensors (torch marks them as
    inference tensors that can never join a graph later).

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([1.0], requires_grad=True)
        >>> with eg.inference_mode():
        ...     y = x * 2
        >>> y.requires_grad
        False
        >>> eg.autograd.is_inference_mode_enabled()
        False
    """

    _plain_decorator_ok = True

    def __init__(self, mode: bool = True):
        self.mode = mode

    def __enter__(self):
        self._prev = (_mode.enabled, _mode.inference)
        if self.mode:
            _mode.enabled = False
            _mode.inference = True

    def __exit__(self, *exc):
        _mode.enabled, _mode.inference = self._prev
        return False

    def clone(self):
        return type(self)(self.mode)
