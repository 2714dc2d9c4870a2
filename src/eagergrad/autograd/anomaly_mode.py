"""Anomaly detection: record where each node was created; fail on NaN/Inf gradients."""

from __future__ import annotations

from .function import _anomaly

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled"]


def is_anomaly_enabled() -> bool:
    return _anomaly[0]


class set_detect_anomaly:
    """Turns anomaly detection on or off (as a call, or as a context manager).

    While on, every recorded op remembers the Python stack that created it, and backward raises
    a RuntimeError naming the op and showing the user's forward line when an op's backward
    returns NaN or Inf. It slows every op, so it is off by default and costs nothing then.
    """

    def __init__(self, mode: bool, check_nan: bool = True):
        self._prev = _anomaly[0]
        _anomaly[0] = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _anomaly[0] = self._prev
        return False


class detect_anomaly:
    """Context manager (and decorator) enabling anomaly detection.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([0.0], requires_grad=True)
        >>> with eg.autograd.detect_anomaly():
        ...     y = x.sqrt() if hasattr(x, "sqrt") else x * float("inf")
        ...     try:
        ...         (y * 0).sum().backward()
        ...     except RuntimeError as e:
        ...         print("nan" in str(e))
        True
    """

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _anomaly[0]
        _anomaly[0] = True
        return self

    def __exit__(self, *exc):
        _anomaly[0] = self._prev
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper
