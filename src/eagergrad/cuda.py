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
        memory_allocated()


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


# --- memory (over cupy's default memory pool) -------------------------------------------------
_peak = [0]


def _pool():
    if not is_available():
        return None
    return _backend.cupy.get_default_memory_pool()


def memory_allocated(device=None) -> int:
    """Bytes held by tensors in cupy's memory pool (0 without a GPU)."""
    pool = _pool()
    used = int(pool.used_bytes()) if pool is not None else 0
    _peak[0] = max(_peak[0], used)
    return used


def max_memory_allocated(device=None) -> int:
    """The largest ``memory_allocated`` seen since the last reset.

    Difference from torch: cupy's pool keeps no peak counter, so this is the peak over the calls
    to ``memory_allocated``/``max_memory_allocated``/``synchronize``, not over every allocation.
    """
    memory_allocated(device)
    return _peak[0]


def memory_reserved(device=None) -> int:
    pool = _pool()
    return int(pool.total_bytes()) if pool is not None else 0


def reset_peak_memory_stats(device=None) -> None:
    _peak[0] = memory_allocated(device)


def empty_cache() -> None:
    """Returns the cached blocks of cupy's memory pool to the driver."""
    pool = _pool()
    if pool is not None:
        pool.free_all_blocks()


def get_device_name(device=None) -> str:
    if not is_available():
        raise RuntimeError("Torch not compiled with CUDA enabled: no GPU available")
    idx = _backend._cuda_index if device is None else _backend.get_device(device).index
    props = _backend.cupy.cuda.runtime.getDeviceProperties(idx)
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


class device:  # noqa: N801 - torch's name
    """Context manager that changes the current CUDA device index."""

    def __init__(self, device):
        self.idx = device if isinstance(device, int) else _backend.get_device(device).index

    def __enter__(self):
        self.prev = _backend._cuda_index
        set_device(self.idx)

    def __exit__(self, *exc):
        set_device(self.prev)
        return False


class Stream:
    """A CUDA stream (wraps ``cupy.cuda.Stream``); usable as a context manager."""

    def __init__(self, device=None, priority: int = 0):
        if not is_available():
            raise RuntimeError("Torch not compiled with CUDA enabled: no GPU available")
        self._stream = _backend.cupy.cuda.Stream(non_blocking=True)

    def synchronize(self) -> None:
        self._stream.synchronize()

    def __enter__(self):
        self._stream.__enter__()
        return self

    def __exit__(self, *exc):
        return self._stream.__exit__(*exc)


class Event:
    """A CUDA event for timing GPU work (wraps ``cupy.cuda.Event``).

    Example (on a GPU):
        start, end = eg.cuda.Event(enable_timing=True), eg.cuda.Event(enable_timing=True)
        start.record(); work(); end.record(); end.synchronize()
        ms = start.elapsed_time(end)
    """

    def __init__(self, enable_timing: bool = False, blocking: bool = False):
        if not is_available():
            raise RuntimeError("Torch not compiled with CUDA enabled: no GPU available")
        self._event = _backend.cupy.cuda.Event(disable_timing=not enable_timing,
                                               block=blocking)

    def record(self, stream: Stream | None = None) -> None:
        self._event.record(stream._stream if stream is not None else None)

    def synchronize(self) -> None:
        self._event.synchronize()

    def elapsed_time(self, end: Event) -> float:
        return float(_backend.cupy.cuda.get_elapsed_time(self._event, end._event))


__all__ += ["memory_allocated", "max_memory_allocated", "memory_reserved",
            "reset_peak_memory_stats", "empty_cache", "get_device_name", "device", "Stream",
            "Event"]
