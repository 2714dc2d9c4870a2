"""Devices and the array namespace behind them.

Every numpy/cupy difference lives here as a small named helper, so that ops never ask which
device they run on: they use ``ctx.xp`` and these helpers.
"""

from __future__ import annotations

import threading

import numpy

__all__ = ["device", "Device", "cupy", "cupy_available", "get_device", "get_default_device",
           "set_default_device", "index_add", "to_host"]


class _CupyPlaceholder:
    """Stands in for the cupy module when it is missing, so ``xp is cupy`` stays valid."""

    ndarray = type("_NoCupyArray", (), {})

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)  # inspect/doctest probe dunders; they must not fail loudly
        raise RuntimeError(
            "Torch not compiled with CUDA enabled: eagergrad needs cupy for CUDA devices. "
            "Install it with `pip install eagergrad[gpu]` (see docs for the wheel that matches "
            "your CUDA)."
        )

    def __bool__(self):
        return False


cupy = _CupyPlaceholder()
_cupy_checked = False


def _load_cupy():
    """Imports cupy on first use; importing eagergrad never requires it."""
    global cupy, _cupy_checked
    if not _cupy_checked:
        _cupy_checked = True
        try:
            import cupy as _cp

            _cp.cuda.runtime.getDeviceCount()
            cupy = _cp
        except Exception:  # noqa: BLE001 - any failure means no usable GPU
            pass
    return cupy


def cupy_available() -> bool:
    return bool(_load_cupy())


class Device:
    """A device: ``cpu`` or ``cuda:N``. Instances are interned, so ``is`` compares them.

    Example:
        >>> import eagergrad as eg
        >>> eg.device("cpu")
        device(type='cpu')
        >>> eg.device("cpu") is eg.device("cpu")
        True
    """

    __slots__ = ("type", "index", "xp", "_str")
    _interned: dict = {}

    def __new__(cls, type: str | Device = "cpu", index: int | None = None):  # noqa: A002
        if isinstance(type, Device):
            if index is not None and index != type.index:
                raise RuntimeError(f"device {type} given with a different index {index}")
            return type
        if not isinstance(type, str):
            raise TypeError(f"device() expected a string like 'cpu' or 'cuda:0', got {type!r}")
        kind, _, idx = type.partition(":")
        if idx:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was "
                                   f"passed explicitly: {type}")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        if kind not in _DEVICE_TYPES:
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {type}"
            )
        if kind == "cpu":
            index = None
        elif kind == "cuda" and index is None:
            index = _current_cuda_index()
        key = (kind, index)
        dev = cls._interned.get(key)
        if dev is None:
            dev = object.__new__(cls)
            dev.type = kind
            dev.index = index
            dev.xp = None
            dev._str = kind if index is None else f"{kind}:{index}"
            cls._interned[key] = dev
        return dev

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self._str

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = Device(other)
            except (RuntimeError, TypeError):
                return False
        return self is other

    def __hash__(self):
        return hash(self._str)

    def __reduce__(self):
        return (Device, (self._str,))

    def __enter__(self):
        """``with eg.device('cuda'):`` makes factories (and so module construction) default
        to this device, as torch's device context manager does."""
        _default_devices.stack.append(self)
        return self

    def __exit__(self, *exc):
        _default_devices.stack.pop()
        return False


device = Device

# Device types this build knows. Tests may register a numpy-backed second type (see
# ``_register_test_device``) so device logic is exercised on machines without a GPU.
_DEVICE_TYPES = {"cpu": numpy, "cuda": None}
_cuda_index = 0


def _current_cuda_index() -> int:
    return _cuda_index


class _DefaultDevices(threading.local):
    def __init__(self):
        self.stack = []


_default_devices = _DefaultDevices()
_global_default = [None]


def set_default_device(dev) -> None:
    """Sets the device factories use when none is given (``None`` restores cpu).

    Example:
        >>> import eagergrad as eg
        >>> eg.set_default_device('cpu')
        >>> eg.zeros(1).device
        device(type='cpu')
        >>> eg.set_default_device(None)
    """
    _global_default[0] = None if dev is None else get_device(dev)


def get_default_device() -> Device:
    """The device factories use when none is given: the innermost ``with eg.device(...)``,
    else ``set_default_device``'s, else cpu.

    Example:
        >>> import eagergrad as eg
        >>> eg.get_default_device()
        device(type='cpu')
    """
    stack = _default_devices.stack
    if stack:
        return stack[-1]
    return _global_default[0] or CPU


def get_device(dev) -> Device:
    """Normalises a device argument (str, Device, int meaning cuda:N; None -> the default)."""
    if dev is None:
        stack = _default_devices.stack
        if stack:
            return stack[-1]
        return _global_default[0] or CPU
    if isinstance(dev, Device):
        return dev
    if isinstance(dev, int) and not isinstance(dev, bool):
        return Device("cuda", dev)
    d = Device(dev)
    return d


def xp_of(dev: Device):
    """The array namespace for ``dev``; cupy is loaded on first use of a CUDA device."""
    xp = dev.xp
    if xp is None:
        if dev.type == "cuda":
            cp = _load_cupy()
            if not cp:
                raise RuntimeError(
                    "Torch not compiled with CUDA enabled: no usable cupy/GPU for device "
                    f"'{dev}'. Install `eagergrad[gpu]` on a machine with an NVIDIA GPU."
                )
            if dev.index >= cp.cuda.runtime.getDeviceCount():
                raise RuntimeError(
                    f"CUDA error: invalid device ordinal (device {dev} requested, "
                    f"{cp.cuda.runtime.getDeviceCount()} available)"
                )
            xp = cp
        else:
            xp = _DEVICE_TYPES[dev.type]
        dev.xp = xp
    return xp


CPU = Device("cpu")
CPU.xp = numpy


def device_array_device(obj) -> Device | None:
    """The device of a non-numpy array (a cupy array, or a test device's), else None.

    Never imports cupy: an object whose type comes from cupy means cupy is already loaded.
    """
    module = type(obj).__module__
    if module.startswith("cupy"):
        cp = _load_cupy()
        if cp and isinstance(obj, cp.ndarray):
            dev = Device("cuda", obj.device.id)
            xp_of(dev)
            return dev
        return None
    for kind, xp in _DEVICE_TYPES.items():
        if xp is not None and xp is not numpy and isinstance(obj, xp.ndarray):
            return Device(kind)
    return None


def to_device(arr, dev: Device, non_blocking: bool = False):
    """A copy of ``arr`` (numpy or cupy) on ``dev``.

    With ``non_blocking`` a pinned host array goes to a GPU asynchronously on the current
    stream (torch's overlap of copies and compute); every other copy is synchronous.
    """
    xp = xp_of(dev)
    if xp is numpy:
        # A move between two numpy-backed devices (cpu and a test device) must not alias.
        return numpy.array(arr) if isinstance(arr, numpy.ndarray) else to_host(arr)
    # ``array`` (not ``asarray``) copies: a move from another device of the same kind
    # (cuda:0 -> cuda:1) must not hand back the source array.
    if dev.type == "cuda":
        with cupy.cuda.Device(dev.index):
            if non_blocking and arr.flags.c_contiguous and is_pinned(arr):
                return _copy_async(arr)
            return cupy.array(arr)
    return xp.array(arr)


def to_host(arr):
    """A numpy array with the contents of ``arr`` (raising any deferred device check first)."""
    if isinstance(arr, (numpy.ndarray, numpy.generic)):
        return arr
    if _pending_checks:
        raise_pending()
    return arr.get()


# NOTE [Deferred device checks]
# Validating data (a class index in range, a probability in [0, 1]) needs the data on the host.
# On cpu that costs nothing, so the check raises at the call, as torch's does. On a GPU it would
# make the host wait for the GPU at every such call, stalling the queue of kernels: torch checks
# there with device-side asserts that surface at a later synchronization. eagergrad does the
# same: the verdict (a 0-d bool array) stays on the device and is read at the next read back to
# the host (``to_host``: item(), cpu(), printing...) or ``eg.cuda.synchronize()``, which then
# raises the error the cpu raises. Until then nothing reads out of bounds: cupy's gathers and
# scatters wrap out-of-range indices around.
_pending_checks: list = []
_MAX_PENDING = 64  # a loop that never reads anything back still gets checked now and then


def check(xp, failed, error) -> None:
    """Raises ``error()`` when ``failed`` is true: now on cpu, later on a GPU (see NOTE)."""
    if xp is numpy:
        if failed:
            raise error()
        return
    _pending_checks.append((failed, error))
    if len(_pending_checks) > _MAX_PENDING:
        raise_pending()


def may_hold(xp, test) -> bool:
    """``bool(test())`` on cpu, where reading a verdict back is free; True on other devices.

    There the read would make the host wait for the GPU, so callers whose fast path needs a
    verdict (no NaN, no zero...) take the path that is right either way instead.
    """
    return xp is not numpy or bool(test())


def outside(arr, low: int, high: int):
    """Whether the integer array ``arr`` has an entry outside ``[low, high)``, ``low <= 0``.

    A 0-d bool from one comparison and one reduction (two kernels on a GPU, against five for
    min, max and their tests): shifted by ``-low`` and read as unsigned, entries below ``low``
    become the largest values (a shift past the dtype's top wraps negative, so also counts).
    """
    if arr.dtype.kind == "u":  # never below low
        return (arr >= high).any()
    if arr.dtype.itemsize < 8:  # the shift must fit: int8 + 1000 would not
        arr = arr.astype(numpy.int64)
    shifted = (arr - low if low else arr).view(numpy.uint64)
    return (shifted >= high - low).any()


def raise_pending() -> None:
    """Reads back the deferred device checks and raises the first failed one's error."""
    checks = _pending_checks[:]
    _pending_checks.clear()
    for failed, error in checks:
        if bool(failed):
            exc = error()
            if hasattr(exc, "add_note"):  # Python 3.11+
                exc.add_note("(found on the device after the call that made it: device checks "
                             "surface at the next read back to the host, as torch's "
                             "device-side asserts do)")
            raise exc


def writeable(arr) -> bool:
    """Whether writing into ``arr`` in place is safe.

    numpy marks broadcast (and our strided-window) views read-only. cupy arrays have no such
    flag (``flags`` has only the contiguity ones and ``owndata``), so there a view with a zero
    stride over more than one element (a broadcast, whose elements share memory) counts as
    read-only, as numpy's would.
    """
    if arr.__class__ is numpy.ndarray:
        return arr.flags.writeable
    return all(s != 0 or n <= 1 for s, n in zip(arr.strides, arr.shape))


# cupy's scatter-add (cupyx.scatter_add, and cupy.add.at built on it) is CUDA's atomicAdd,
# which exists for these dtypes only.
_ATOMIC_ADD_DTYPES = frozenset({"float16", "float32", "float64", "int32", "uint32", "uint64"})


def index_add(xp, target, indices, values):
    """``target[indices] += values`` with repeated indices accumulating (numpy.add.at)."""
    if xp is numpy:
        numpy.add.at(target, indices, values)
        return target
    if xp is cupy:
        import cupyx  # cupyx.scatter_add predates cupy's ufunc.at and works on every cupy

        scatter = cupyx.scatter_add
    else:
        scatter = xp.add.at  # a cupy-shaped test namespace
    kind = target.dtype.name
    if kind in _ATOMIC_ADD_DTYPES:
        scatter(target, indices, values)
    elif kind == "int64":
        # Two's complement: adding the bits as uint64 gives the int64 sum, wrapping as torch's.
        scatter(target.view(xp.uint64), indices,
                xp.asarray(values).astype(xp.int64).view(xp.uint64))
    else:  # int8, int16, uint8, bool: accumulate in int32, then cast back (C's wrapping cast)
        acc = target.astype(xp.int32)
        scatter(acc, indices, xp.asarray(values).astype(xp.int32))
        target[...] = acc.astype(target.dtype)
    return target


def _register_test_device(name: str, xp=numpy) -> Device:
    """Registers a device type ``name`` whose arrays come from ``xp`` (tests only).

    It behaves like a second, separate device: tensors on it never mix with cpu tensors, so
    device propagation, mismatch errors and moves are tested without a GPU. ``xp`` may be a
    stricter, cupy-shaped namespace (tests/_fake_cupy.py) whose arrays refuse to be numpy's.
    """
    _DEVICE_TYPES[name] = xp
    d = Device(name)
    d.xp = xp
    return d


def new_rng(dev: Device, seed: int):
    """A seeded random generator for ``dev``: numpy's PCG64 on cpu, else a counter-based one.

    cupy's own Generator lacks ``permutation`` and exposes no state to save and restore, so
    every other device uses eagergrad's counter-based generator (see NOTE [Counter-based
    generator] in _counter_rng.py), built from array ops its namespace shares with numpy.
    """
    if dev.type == "cpu":
        return numpy.random.Generator(numpy.random.PCG64(seed))
    from ._counter_rng import CounterGenerator

    return CounterGenerator(xp_of(dev), seed)


def rng_state(rng):
    """A JSON-serialisable state of a generator made by ``new_rng``."""
    bg = getattr(rng, "bit_generator", None)
    if bg is not None:
        return _jsonable(bg.state)
    return rng.state  # the counter-based generator's {"seed", "offset"}


def set_rng_state(rng, state) -> None:
    """Restores a state from ``rng_state`` into a generator made by ``new_rng``."""
    bg = getattr(rng, "bit_generator", None)
    if bg is not None:
        bg.state = state
    else:
        rng.state = state


def _jsonable(obj):
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (numpy.integer,)):
        return int(obj)
    return obj


def special_functions(xp):
    """``cupyx.scipy.special`` for cupy, else None (eagergrad's own erf family then).

    On a GPU, erf/erfc/erfinv are one kernel each there; eagergrad's fdlibm version picks its
    regions with boolean masks, and each mask makes cupy read back to the host.
    """
    if xp is cupy:
        import cupyx.scipy.special

        return cupyx.scipy.special
    return None


# --- pinned host memory (owned by utils.data: DataLoader(pin_memory=True)) ------------------
def pin_memory(arr):
    """A copy of the numpy array ``arr`` in page-locked (pinned) host memory.

    Pinned memory makes host-to-GPU copies faster and lets them run asynchronously. Without a
    usable cupy there is nothing to pin for, and ``arr`` itself is returned.
    """
    cp = _load_cupy()
    if not cp or not isinstance(arr, numpy.ndarray):
        return arr
    import cupyx

    out = cupyx.empty_pinned(arr.shape, dtype=arr.dtype)
    out[...] = arr
    return out


def is_pinned(arr) -> bool:
    """Whether the numpy array ``arr`` lives in pinned memory from ``pin_memory``.

    cupyx.empty_pinned builds the array on a cupy ``PinnedMemoryPointer`` buffer, which is at
    the end of the array's ``base`` chain. Never imports cupy: without it nothing is pinned.
    """
    if not (_cupy_checked and cupy) or not isinstance(arr, numpy.ndarray):
        return False
    base = arr.base
    while isinstance(base, numpy.ndarray):
        base = base.base
    return isinstance(base, cupy.cuda.PinnedMemoryPointer)


# Host arrays of asynchronous copies still in flight, with the event that marks each copy's
# end: the pinned memory must not go back to cupy's pool (and be refilled with the next batch)
# before the GPU has read it. Pruned on every new copy.
_in_flight: list = []


def _copy_async(arr):
    """``arr`` (pinned, C-contiguous) copied to the current GPU on its stream, not waiting."""
    out = cupy.empty(arr.shape, dtype=arr.dtype)
    stream = cupy.cuda.get_current_stream()
    out.set(arr, stream=stream)
    done = cupy.cuda.Event(disable_timing=True)
    done.record(stream)
    _in_flight[:] = [(e, a) for e, a in _in_flight if not e.done]
    _in_flight.append((done, arr))
    return out


# --- convolution and pooling helpers (owner: nn conv/pooling) ---------------------------------
def as_strided(xp, x, shape, strides):
    """A strided view of ``x`` (numpy/cupy ``lib.stride_tricks.as_strided``); strides in bytes.

    Callers must only read from the view (windows overlap) or copy it.
    """
    if xp is numpy:
        return numpy.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)
    return xp.lib.stride_tricks.as_strided(x, shape, strides)
