"""Random number generation: ``manual_seed``, ``Generator`` and the per-device default generators.

On cpu numbers come from numpy's ``Generator`` (PCG64). Every other device (cuda, and the
devices tests register) uses eagergrad's counter-based generator, SplitMix64 computed with the
device's array ops (see NOTE [Counter-based generator] in _counter_rng.py): like torch's CUDA
generator its state is ``(seed, offset)``, so ``get_state``/``set_state`` restore it exactly.
A seed reproduces a run on the same kind of device; the streams differ from torch's.
"""

from __future__ import annotations

import numpy

from . import _backend

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "default_generator"]


class Generator:
    """A random number generator for one device (torch.Generator).

    Example:
        >>> import eagergrad as eg
        >>> g = eg.Generator().manual_seed(0)
        >>> a = eg.rand(2, generator=g)
        >>> b = eg.rand(2, generator=eg.Generator().manual_seed(0))
        >>> bool((a == b).all())
        True
    """

    def __init__(self, device="cpu"):
        self.device = _backend.get_device(device)
        self._seed = int(numpy.random.SeedSequence().entropy % (2**63))
        self._rng = None

    @property
    def rng(self):
        if self._rng is None:
            self._rng = _backend.new_rng(self.device, self._seed)
        return self._rng

    def manual_seed(self, seed: int) -> Generator:
        seed = int(seed)
        if seed < 0:
            seed += 2**64
        self._seed = seed
        self._rng = None
        return self

    def seed(self) -> int:
        self.manual_seed(int(numpy.random.SeedSequence().entropy % (2**63)))
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        """The generator's state as a uint8 tensor (round-trips through ``set_state``).

        It is JSON text: the seed and, on cpu, numpy's PCG64 state; on other devices the
        counter-based generator's ``{"seed", "offset"}``.
        """
        import json

        from ._creation import tensor

        state = {"seed": self._seed, "bit_generator": _backend.rng_state(self.rng)}
        raw = numpy.frombuffer(json.dumps(state).encode(), dtype=numpy.uint8).copy()
        return tensor(raw)

    def set_state(self, new_state) -> Generator:
        import json

        state = json.loads(bytes(numpy.asarray(new_state.cpu()).astype(numpy.uint8)).decode())
        self._seed = state["seed"]
        self._rng = _backend.new_rng(self.device, self._seed)
        _backend.set_rng_state(self._rng, state["bit_generator"])
        return self


default_generator = Generator("cpu")
_cuda_generators: dict = {}


def _generator_for(device, generator=None) -> Generator:
    if generator is not None:
        if generator.device is not device and generator.device.type != device.type:
            raise RuntimeError(
                f"Expected a '{device.type}' device type for generator but found "
                f"'{generator.device.type}'"
            )
        return generator
    if device.xp is numpy and device.type == "cpu":
        return default_generator
    g = _cuda_generators.get(device)
    if g is None:
        g = _cuda_generators[device] = Generator(device)
        g.manual_seed(default_generator.initial_seed() + (device.index or 0))
    return g


def _default_states() -> list:
    """A snapshot of every default generator that changes when any of them draws or is reseeded.

    ``jit.trace`` compares two snapshots to tell whether traced code drew random numbers.
    """
    gens = [default_generator, *_cuda_generators.values()]
    return [(id(g), id(g._rng), None if g._rng is None else _backend.rng_state(g._rng))
            for g in gens]


def manual_seed(seed: int) -> Generator:
    """Seeds every device's default generator; returns the cpu generator.

    Example:
        >>> import eagergrad as eg
        >>> _ = eg.manual_seed(0); a = eg.randn(3)
        >>> _ = eg.manual_seed(0); b = eg.randn(3)
        >>> bool((a == b).all())
        True
    """
    default_generator.manual_seed(seed)
    for dev, g in _cuda_generators.items():
        g.manual_seed(int(seed) + (dev.index or 0))
    return default_generator


def seed() -> int:
    """Seeds the default generator with a non-deterministic seed.

    Returns:
        The seed used, an ``int`` (as ``torch.seed``).

    Example:
        >>> import eagergrad as eg
        >>> s = eg.random.seed()
        >>> eg.initial_seed() == s
        True
    """
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default generator was last seeded with.

    Returns:
        The seed, an ``int`` (as ``torch.initial_seed``).

    Example:
        >>> import eagergrad as eg
        >>> _ = eg.manual_seed(42)
        >>> eg.initial_seed()
        42
    """
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state, to restore later with ``set_rng_state``.

    Returns:
        The state object (as ``torch.get_rng_state``, to be passed back unchanged).

    Example:
        >>> import eagergrad as eg
        >>> state = eg.get_rng_state()
        >>> a = eg.rand(3)
        >>> eg.set_rng_state(state)
        >>> bool((eg.rand(3) == a).all())
        True
    """
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restores the default generator's state from ``get_rng_state``.

    Args:
        new_state: a state returned by ``get_rng_state``.

    Example:
        >>> import eagergrad as eg
        >>> state = eg.get_rng_state()
        >>> a = eg.randn(2)
        >>> eg.set_rng_state(state)
        >>> bool((eg.randn(2) == a).all())
        True
    """
    default_generator.set_state(new_state)


# --- samplers used by factories and in-place fills ------------------------------------------
def _float_sample(xp, rng, fn, shape, np_dtype, *args):
    if np_dtype.kind != "f":
        np_dtype = numpy.dtype(numpy.float32)
    if np_dtype in (numpy.float32, numpy.float64):
        return fn(*args, size=shape, dtype=np_dtype) if args else fn(size=shape, dtype=np_dtype)
    out = fn(*args, size=shape, dtype=numpy.float32) if args else fn(size=shape,
                                                                     dtype=numpy.float32)
    return out.astype(np_dtype)


def uniform_array(t, low, high, generator=None):
    """U(low, high) samples with ``t``'s shape, dtype and device."""
    dev = t._device
    rng = _generator_for(dev, generator).rng
    if t._data.dtype == numpy.float16:
        # float16 holds 11 fraction bits: rounding a float32 draw would give 1.0 for the top
        # 2**-12 of it, so keep 11 bits (multiples of 2**-11, as torch draws half uniforms).
        u = dev.xp.floor(rng.random(size=t._data.shape, dtype=numpy.float32) * 2048.0)
        u = (u * (2.0**-11)).astype(numpy.float16)
    else:
        u = _float_sample(dev.xp, rng, rng.random, t._data.shape, t._data.dtype)
    if low != 0.0 or high != 1.0:
        u = u * (high - low) + low
    return u.astype(t._data.dtype, copy=False)


def normal_array(t, mean, std, generator=None):
    """N(mean, std**2) samples with ``t``'s shape, dtype and device."""
    dev = t._device
    rng = _generator_for(dev, generator).rng
    z = _float_sample(dev.xp, rng, rng.standard_normal, t._data.shape, t._data.dtype)
    if std != 1.0:
        z = z * std
    if mean != 0.0:
        z = z + mean
    return z.astype(t._data.dtype, copy=False)


def randint_array(t, low, high, generator=None):
    dev = t._device
    rng = _generator_for(dev, generator).rng
    return rng.integers(low, high, size=t._data.shape).astype(t._data.dtype, copy=False)


def permutation_array(device, n, generator=None):
    rng = _generator_for(device, generator).rng
    return rng.permutation(n)
