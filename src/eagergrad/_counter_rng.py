"""The counter-based random generator of every device except cpu (cuda, test devices).

NOTE [Counter-based generator]
Like torch's CUDA generator (Philox), this generator's whole state is ``(seed, offset)``: word
number ``c`` of the stream is a pure function of the seed and ``c``, so a draw of ``n`` numbers
computes words ``offset .. offset + n - 1`` at once with elementwise array ops, and the offset
then moves on by ``n``. Saving and restoring the state is saving two integers, and a restored
generator continues exactly where the saved one was.

The scheme is SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number
generators", OOPSLA 2014; Java's ``SplittableRandom``): word ``c`` is
``mix64(seed + (c + 1) * GAMMA) mod 2**64``, with ``mix64`` Stafford's "Mix13" variant of
MurmurHash3's 64-bit finaliser and ``GAMMA`` the odd constant ``2**64 / golden ratio``. It
passes TestU01's BigCrush, and word ``c`` equals the ``(c + 1)``-th output of the reference
SplitMix64 seeded with ``seed`` (the tests check published values). Why not Philox4x32-10: this
module may use only array functions that numpy and cupy share (no custom kernels), and Philox's
ten rounds of 32x32->64-bit products become over a hundred array passes that way; SplitMix64
takes about a dozen. Two seeds give one sequence shifted by ``(seed_b - seed_a) / GAMMA mod
2**64`` words; for seeds less than ``2**20`` apart that shift is at least ``2**42`` words either
way (computed once), so the streams of nearby seeds (and of ``seed + device.index``) never
overlap in practice.

NOTE: uint64 arithmetic here wraps on purpose. numpy and cupy wrap uint64 *array* products
silently, but numpy warns on overflowing *scalar* ones, so everything scalar (seed, offset,
bounds) is done with Python ints reduced by ``& _MASK64`` and enters the arrays as
``xp.uint64`` scalars.
"""

from __future__ import annotations

import math

import numpy

_MASK64 = (1 << 64) - 1
_MASK32 = (1 << 32) - 1
_GAMMA = 0x9E3779B97F4A7C15  # odd, so counter * GAMMA visits every 64-bit word
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB


def _mix64(xp, z):
    """Stafford's Mix13 finaliser on a uint64 array, in place."""
    z ^= z >> xp.uint64(30)
    z *= xp.uint64(_MIX1)
    z ^= z >> xp.uint64(27)
    z *= xp.uint64(_MIX2)
    z ^= z >> xp.uint64(31)
    return z


def _mulhi64(xp, x, m: int):
    """``floor(x * m / 2**64)`` for a uint64 array ``x`` and an int ``0 <= m < 2**64``.

    The high word of the 128-bit product, from 32-bit halves so that no partial product
    overflows 64 bits (Hacker's Delight, ``mulhu``).
    """
    lo = xp.uint64(_MASK32)
    s32 = xp.uint64(32)
    ml, mh = xp.uint64(m & _MASK32), xp.uint64(m >> 32)
    xl, xh = x & lo, x >> s32
    t = xl * ml
    u = xh * ml + (t >> s32)
    v = xl * mh + (u & lo)
    return xh * mh + (u >> s32) + (v >> s32)


def _shape(size) -> tuple:
    if size is None:
        return ()
    if isinstance(size, (int, numpy.integer)):
        return (int(size),)
    return tuple(int(s) for s in size)


class CounterGenerator:
    """SplitMix64 as a counter-based generator on array namespace ``xp``.

    The sampling methods have the names and signatures of numpy's ``Generator`` methods the
    samplers in ``eagergrad.random`` call. See NOTE [Counter-based generator].

    Args:
        xp: the device's array namespace (numpy, cupy or a cupy-shaped test namespace).
        seed: the seed, an int (reduced mod 2**64).
        offset: the number of words already drawn.
    """

    def __init__(self, xp, seed: int, offset: int = 0):
        self.xp = xp
        self.seed = int(seed) & _MASK64
        self.offset = int(offset)

    # --- state --------------------------------------------------------------------------------
    @property
    def state(self) -> dict:
        """``{"seed": ..., "offset": ...}``: JSON-serialisable, and all there is to restore."""
        return {"seed": self.seed, "offset": self.offset}

    @state.setter
    def state(self, value) -> None:
        if not isinstance(value, dict) or set(value) != {"seed", "offset"}:
            raise RuntimeError(
                f"set_state: expected the state of a counter-based (non-cpu) generator, a dict "
                f"with 'seed' and 'offset', got {value!r}; a cpu generator's state cannot be "
                "loaded into another device's generator"
            )
        self.seed = int(value["seed"]) & _MASK64
        self.offset = int(value["offset"])

    def _words(self, n: int):
        """Words ``offset .. offset + n - 1`` as a uint64 array; moves the offset past them."""
        xp = self.xp
        base = (self.seed + (self.offset + 1) * _GAMMA) & _MASK64
        z = xp.arange(n, dtype=xp.uint64)
        z *= xp.uint64(_GAMMA)
        z += xp.uint64(base)
        self.offset += n
        return _mix64(xp, z)

    # --- samplers -----------------------------------------------------------------------------
    def random(self, size=None, dtype=numpy.float64):
        """U[0, 1): the top 24 (float32) or 53 (float64) bits of a word times 2**-bits.

        Every value is a multiple of 2**-bits, exact in the dtype, and at most 1 - 2**-bits:
        never 1.0 (rounding a wider fraction would give 1.0 at the top).
        """
        xp, shape = self.xp, _shape(size)
        dtype = numpy.dtype(dtype)
        if dtype == numpy.float32:
            bits = 24
        elif dtype == numpy.float64:
            bits = 53
        else:
            raise TypeError(f"random: unsupported dtype {dtype} (float32 or float64)")
        w = self._words(math.prod(shape)) >> xp.uint64(64 - bits)
        return (w.astype(dtype) * (2.0**-bits)).reshape(shape)

    def standard_normal(self, size=None, dtype=numpy.float64):
        """N(0, 1) by Box-Muller, in float64 whatever ``dtype``, from 53-bit uniforms.

        Each pair of outputs takes two words: ``u1`` in (0, 1] (so ``log(u1)`` is finite: the
        largest ``|z|`` is ``sqrt(2 * 53 * ln 2) ~ 8.57``) and ``u2`` in [0, 1) for the angle.
        float32 results are the float64 ones rounded, so both dtypes share one stream.
        """
        xp, shape = self.xp, _shape(size)
        dtype = numpy.dtype(dtype)
        if dtype not in (numpy.float32, numpy.float64):
            raise TypeError(f"standard_normal: unsupported dtype {dtype} (float32 or float64)")
        n = math.prod(shape)
        pairs = (n + 1) // 2
        w = self._words(2 * pairs) >> xp.uint64(11)
        u1 = (w[:pairs].astype(xp.float64) + 1.0) * 2.0**-53
        u2 = w[pairs:].astype(xp.float64) * 2.0**-53
        r = xp.sqrt(-2.0 * xp.log(u1))
        theta = (2.0 * math.pi) * u2
        z = xp.concatenate([r * xp.cos(theta), r * xp.sin(theta)])[:n]
        return z.astype(dtype).reshape(shape)

    def integers(self, low, high=None, size=None):
        """int64 in [low, high) by multiply-shift: ``low + floor(word * (high - low) / 2**64)``.

        This is Lemire's method without its rejection step: each of the ``span = high - low``
        values gets ``floor`` or ``ceil`` of ``2**64 / span`` of the ``2**64`` words, so its
        probability is off from ``1 / span`` by less than ``2**-64`` (a relative bias below
        ``span / 2**64``, e.g. ``2**-32`` for spans up to ``2**32``).
        """
        xp, shape = self.xp, _shape(size)
        if high is None:
            low, high = 0, low
        low, high = int(low), int(high)
        if low >= high:
            raise ValueError("low >= high")  # numpy's Generator.integers message
        if low < -(2**63) or high > 2**63:
            raise ValueError(f"integers: [{low}, {high}) does not fit int64")
        span = high - low
        w = self._words(math.prod(shape))
        v = w if span == 2**64 else _mulhi64(xp, w, span)
        # Adding low's two's complement and reinterpreting as int64 is exact: the true result
        # fits int64, and uint64 addition wraps like int64 addition.
        v += xp.uint64(low & _MASK64)
        return v.astype(xp.int64).reshape(shape)

    def permutation(self, n: int):
        """A random permutation of ``0 .. n-1`` (int64): the stable argsort of ``n`` words.

        The words are distinct with overwhelming probability (a tie needs a 64-bit collision,
        chance ``< n**2 / 2**65``), and the stable sort makes even a tie deterministic.
        """
        from ._ops._util import stable_argsort

        return stable_argsort(self.xp, self._words(int(n)), -1).astype(self.xp.int64)
