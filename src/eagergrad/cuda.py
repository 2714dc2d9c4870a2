"""eagergrad.cuda: GPU availability and device management over cupy (optional)."""

from __future__ import annotations

from . import _backend

__all__ = ["is_available", "device_count", "current_device", "set_device", "synchronize",
           "manual_seed", "manual_seed_all", "get_rng_state", "set_rng_state",
           "get_rng_state_all", "set_rng_state_all"]


def is_available() -> bool:
    """Whether cupy is installed and sees at least one GPU.

    Example:
        >>> import eagergrad as eg
        >>> isinstance(eg.cuda.is_available(), bool)
        True
        >>> device = 'cuda' if eg.cuda.is_available() else 'cpu'
        >>> eg.zeros(2, device=device).device.type == device
        True
    """
    return _backend.cupy_available()


def device_count() -> int:
    """The number of visible GPUs (0 without cupy).

    Example:
        >>> import eagergrad as eg
        >>> n = eg.cuda.device_count()
        >>> n > 0 or not eg.cuda.is_available()
        True
    """
    if not is_available():
        return 0
    return int(_backend.cupy.cuda.runtime.getDeviceCount())


def current_device() -> int:
    """The index of the current CUDA device, the one ``'cuda'`` without an index means.

    Returns:
        The index set by ``set_device`` (0 by default); also returned without a GPU.

    Example:
        >>> import eagergrad as eg
        >>> eg.cuda.current_device()
        0
    """
    return _backend._cuda_index


def set_device(device) -> None:
    """Sets the default CUDA device index used by ``'cuda'`` without an index.

    Example:
        >>> import eagergrad as eg
        >>> eg.cuda.set_device(0)
        >>> eg.cuda.current_device()
        0
    """
    dev = _backend.get_device(device) if not isinstance(device, int) else None
    _backend._cuda_index = device if isinstance(device, int) else dev.index
    if is_available():
        _backend.cupy.cuda.Device(_backend._cuda_index).use()


def synchronize(device=None) -> None:
    """Waits for all work on the GPU to finish (no-op without a GPU).

    Example:
        >>> import eagergrad as eg
        >>> eg.cuda.synchronize()  # returns once queued GPU work is done; no-op on cpu
    """
    if is_available():
        _backend.cupy.cuda.Device().synchronize()
        memory_allocated()
    _backend.raise_pending()  # NOTE [Deferred device checks]: errors surface at a sync


def manual_seed(seed: int) -> None:
    """Seeds the current GPU's generator (eg.manual_seed seeds all devices).

    Example:
        >>> import eagergrad as eg
        >>> eg.cuda.manual_seed(0)  # no-op without a GPU
    """
    from . import random as _random

    g = _random._generator_for(_backend.Device("cuda"), None) if is_available() else None
    if g is not None:
        g.manual_seed(seed)


def manual_seed_all(seed: int) -> None:
    """Seeds the generator of every visible GPU with ``seed`` (no-op without a GPU).

    Args:
        seed: the seed, an ``int``.

    Example:
        >>> import eagergrad as eg
        >>> eg.cuda.manual_seed_all(0)
    """
    for i in range(device_count()):
        from . import random as _random

        _random._generator_for(_backend.Device("cuda", i), None).manual_seed(seed)


def get_rng_state(device="cuda"):
    """The state of ``device``'s default generator as a uint8 tensor (torch.cuda.get_rng_state).

    A GPU's generator is counter-based, so the state is its seed and offset, and
    ``set_rng_state`` continues the stream exactly where it was saved (see eagergrad.random).

    Example:
        >>> import eagergrad as eg
        >>> if eg.cuda.is_available():
        ...     state = eg.cuda.get_rng_state()
        ...     a = eg.rand(3, device="cuda")
        ...     eg.cuda.set_rng_state(state)
        ...     assert bool((eg.rand(3, device="cuda") == a).all())
    """
    from . import random as _random

    return _random._generator_for(_backend.get_device(device)).get_state()


def set_rng_state(new_state, device="cuda") -> None:
    """Restores ``device``'s default generator from ``get_rng_state`` (torch.cuda.set_rng_state).

    Example:
        >>> import eagergrad as eg
        >>> if eg.cuda.is_available():
        ...     eg.cuda.set_rng_state(eg.cuda.get_rng_state())
    """
    from . import random as _random

    _random._generator_for(_backend.get_device(device)).set_state(new_state)


def get_rng_state_all() -> list:
    """The generator state of every visible GPU, in device order (empty without a GPU).

    Example:
        >>> import eagergrad as eg
        >>> len(eg.cuda.get_rng_state_all()) == eg.cuda.device_count()
        True
    """
    return [get_rng_state(_backend.Device("cuda", i)) for i in range(device_count())]


def set_rng_state_all(new_states) -> None:
    """Restores every GPU's generator from ``get_rng_state_all``'s list.

    Example:
        >>> import eagergrad as eg
        >>> eg.cuda.set_rng_state_all(eg.cuda.get_rng_state_all())
    """
    for i, state in enumerate(new_states):
        set_rng_state(state, _backend.Device("cuda", i))


# --- memory (over cupy's default memory pool) -------------------------------------------------
_peak = [0]


def _pool():
    if not is_available():
        return None
    return _backend.cupy.get_default_memory_pool()


def memory_allocated(device=None) -> int:
    """Bytes held by tensors in cupy's memory pool (0 without a GPU).

    Example:
        >>> import eagergrad as eg
        >>> eg.cuda.memory_allocated() >= 0
        True
    """
    pool = _pool()
    used = int(pool.used_bytes()) if pool is not None else 0
    _peak[0] = max(_peak[0], used)
    return used


def max_memory_allocated(device=None) -> int:
    """The largest ``memory_allocated`` seen since the last reset.

    Difference from torch: cupy's pool keeps no peak counter, so this is the peak over the calls
    to ``memory_allocated``/``max_memory_allocated``/``synchronize``, not over every allocation.

    Example:
        >>> import eagergrad as eg
        >>> eg.cuda.max_memory_allocated() >= eg.cuda.memory_allocated()
        True
    """
    memory_allocated(device)
    return _peak[0]


def memory_reserved(device=None) -> int:
    """Bytes cupy's memory pool holds from the driver, cached blocks included (0 without a GPU).

    Args:
        device: accepted for torch compatibility; the default pool is used.

    Returns:
        The pool's total bytes, at least ``memory_allocated()``.

    Example:
        >>> import eagergrad as eg
        >>> eg.cuda.memory_reserved() >= eg.cuda.memory_allocated()
        True
    """
    pool = _pool()
    return int(pool.total_bytes()) if pool is not None else 0


def reset_peak_memory_stats(device=None) -> None:
    """Restarts ``max_memory_allocated`` from the current ``memory_allocated``.

    Args:
        device: accepted for torch compatibility; the default pool is used.

    Example:
        >>> import eagergrad as eg
        >>> eg.cuda.reset_peak_memory_stats()
        >>> eg.cuda.max_memory_allocated() == eg.cuda.memory_allocated()
        True
    """
    _peak[0] = memory_allocated(device)


def empty_cache() -> None:
    """Returns the cached blocks of cupy's memory pool to the driver.

    Example:
        >>> import eagergrad as eg
        >>> eg.cuda.empty_cache()  # no-op without a GPU
    """
    pool = _pool()
    if pool is not None:
        pool.free_all_blocks()


def get_device_name(device=None) -> str:
    """The name of a GPU, e.g. ``'NVIDIA H100 80GB HBM3'``.

    Args:
        device: a device index, ``'cuda:N'`` or ``eg.device``; None means the current device.

    Returns:
        The name the driver reports.

    Raises:
        RuntimeError: when no GPU is available.

    Example:
        >>> import eagergrad as eg
        >>> if eg.cuda.is_available():
        ...     name = eg.cuda.get_device_name(0)
    """
    if not is_available():
        raise RuntimeError("Torch not compiled with CUDA enabled: no GPU available")
    idx = _backend._cuda_index if device is None else _backend.get_device(device).index
    props = _backend.cupy.cuda.runtime.getDeviceProperties(idx)
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


class device:  # noqa: N801 - torch's name
    """Context manager that changes the current CUDA device index.

    Example:
        >>> import eagergrad as eg
        >>> with eg.cuda.device(0):
        ...     print(eg.cuda.current_device())
        0
    """

    def __init__(self, device):
        self.idx = device if isinstance(device, int) else _backend.get_device(device).index

    def __enter__(self):
        self.prev = _backend._cuda_index
        set_device(self.idx)

    def __exit__(self, *exc):
        set_device(self.prev)
        return False


class Stream:
    """A CUDA stream (wraps ``cupy.cuda.Stream``); usable as a context manager.

    Example:
        >>> import eagergrad as eg
        >>> if eg.cuda.is_available():
        ...     s = eg.cuda.Stream()
        ...     with s:
        ...         y = eg.ones(3, device='cuda') * 2
        ...     s.synchronize()
    """

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

    Example:
        >>> import eagergrad as eg
        >>> if eg.cuda.is_available():  # times GPU work; skipped without a GPU
        ...     start = eg.cuda.Event(enable_timing=True)
        ...     end = eg.cuda.Event(enable_timing=True)
        ...     start.record()
        ...     y = eg.ones(1000, device="cuda") * 2
        ...     end.record()
        ...     end.synchronize()
        ...     ms = start.elapsed_time(end)  # milliseconds, as torch
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
