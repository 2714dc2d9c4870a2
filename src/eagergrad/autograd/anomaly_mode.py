"""Anomaly detection: record where each node was created; fail on NaN/Inf gradients.

While anomaly mode is on, every recorded op keeps the Python stack that created it
(``Node._stack``), and every error backward raises about a node (a NaN or Inf gradient, a
tensor modified in place, a gradient of the wrong shape) ends with the user's forward line, the
frames inside eagergrad left out. ``EAGERGRAD_DEBUG=1`` records the stacks for the whole run
without the NaN check.

Off, it costs nothing: recording reads one flag the op path reads anyway, and the engine's NaN
check runs only while the flag is set.
"""

from __future__ import annotations

from . import engine as _engine
from .function import _anomaly

__all__ = [
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
]

# The engine's own checker; replaced by ``_no_check`` while a ``check_nan=False`` mode is on.
_ENGINE_CHECK = _engine._check_finite
_check_nan = [True]


def _no_check(node, grads):
    return None


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on.

    Example:
        >>> import eagergrad as eg
        >>> eg.autograd.is_anomaly_enabled()
        False
        >>> with eg.autograd.detect_anomaly():
        ...     print(eg.autograd.is_anomaly_enabled())
        True
    """
    return _anomaly[0]


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly mode also checks backward's outputs for NaN/Inf.

    Example:
        >>> import eagergrad as eg
        >>> with eg.autograd.set_detect_anomaly(True, check_nan=False):
        ...     print(eg.autograd.is_anomaly_check_nan_enabled())
        False
        >>> with eg.autograd.detect_anomaly():
        ...     print(eg.autograd.is_anomaly_check_nan_enabled())
        True
    """
    return _anomaly[0] and _check_nan[0]


def _set(mode: bool, check_nan: bool) -> tuple:
    prev = (_anomaly[0], _check_nan[0])
    _anomaly[0] = bool(mode)
    _check_nan[0] = bool(check_nan)
    _engine._check_finite = _ENGINE_CHECK if check_nan else _no_check
    return prev


class set_detect_anomaly:  # noqa: N801 - torch's name
    """Turns anomaly detection on or off, as a call or as a context manager.

    Args:
        mode: True to record creation stacks and check backward for NaN/Inf.
        check_nan: False records the stacks without the NaN/Inf check.

    Example:
        >>> import eagergrad as eg
        >>> with eg.autograd.set_detect_anomaly(True):
        ...     eg.autograd.is_anomaly_enabled()
        True
        >>> eg.autograd.is_anomaly_enabled()
        False
    """

    def __init__(self, mode: bool, check_nan: bool = True):
        self._prev = _set(mode, check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(*self._prev)
        return False


class detect_anomaly:  # noqa: N801 - torch's name
    """Context manager (and decorator) that turns anomaly detection on.

    Every op recorded inside remembers the line that created it; a backward that produces NaN
    or Inf raises a RuntimeError naming the op and showing that line. It slows every op (a
    stack capture each), so use it to find a bug, not to train.

    Args:
        check_nan: False records the stacks without the NaN/Inf check.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([0.0], requires_grad=True)
        >>> with eg.autograd.detect_anomaly():
        ...     y = x.sqrt()  # d sqrt(x)/dx = inf at 0, times 0: nan
        ...     try:
        ...         (y * 0).sum().backward()
        ...     except RuntimeError as e:
        ...         print(str(e).splitlines()[0])
        Function 'SqrtBackward0' returned nan or inf values in its 0th output.
    """

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _set(True, self.check_nan)
        return self

    def __exit__(self, *exc):
        _set(*self._prev)
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper
