"""eagergrad.cuda: GPU availability and device management over cupy (optional)."""

from __future__ import annotations

from . import _backend

__all__ = ["is_available", "device_count", "current_device", "set_device", "synchronize",
           "manual_seed", "manual_seed_all"]


def is_available() -> bool:
    """Whether cupy is installed and sees at least one GPU."""
    return _backend.cupy_available()


def device_count() -> int:
    """The number of visible GPUs (0 without cupy)."""
    if not is_available():
        return 0
    return int(_backend.cupy.cuda.runtime.getDeviceCount())


def current_device() -> int:
    return _backend._cuda_index


def set_device(device) -> None:
    """Sets the default CUDA device index used by ``'cuda'`` without an index."""
    dev = _backend.get_device(device) if not isinstance(device, int) else None
    _backend._cuda_index = device if isinstance(device, int) else dev.index
    if is_available():
        _backend.cupy.cuda.Device(_backend._cuda_index).use()


def synchronize(device=None) -> None:
    """Waits for all work on the GPU to finish (no-op without a GPU)."""
    if is_available():
        _backend.cupy.cuda.Device().synchronize()


def manual_seed(seed: int) -> None:
    """Seeds the current GPU's generator (eg.manual_seed seeds all devices)."""
    from . import random as _random

    g = _random._generator_for(_backend.Device("cuda"), None) if is_available() else None
    if g is not None:
        g.manual_seed(seed)


def manual_seed_all(seed: int) -> None:
    for i in range(device_count()):
        from . import random as _random

        _random._generator_for(_backend.Device("cuda", i), None).manual_seed(seed)
