"""The counter-based generator of every non-cpu device (eagergrad/_counter_rng.py).

Tested directly with ``xp=numpy`` and through test devices: ``rngdev`` (numpy arrays) and
``fakecuda`` (cupy-shaped arrays, tests/_devices.py). Reproducibility, state round trips,
statistics with fixed seeds and generous bounds, ranges, and jit.trace's detection of draws.
"""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg
import eagergrad.jit  # noqa: F401 - registers eg.jit
from eagergrad import random as eg_random
from eagergrad._counter_rng import CounterGenerator, _mulhi64

from ._devices import ACCELERATORS

nn = eg.nn
F = nn.functional

RNGDEV = eg._backend._register_test_device("rngdev")
DEVICES = ["rngdev", *ACCELERATORS]  # fakecuda, and cuda where a GPU is present
MASK64 = (1 << 64) - 1


def _host(t):
    return t.detach().cpu().numpy()


def _splitmix64(seed, n):
    """The reference SplitMix64 (Steele, Lea & Flood 2014), one Python int at a time."""
    out, s = [], seed & MASK64
    for _ in range(n):
        s = (s + 0x9E3779B97F4A7C15) & MASK64
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        out.append(z ^ (z >> 31))
    return out


class _ConstantWords(CounterGenerator):
    """A generator whose every word is ``word``: drives the samplers to their extremes."""

    def __init__(self, word):
        super().__init__(np, 0)
        self.word = word

    def _words(self, n):
        self.offset += n
        return np.full(n, self.word, dtype=np.uint64)


# --- the stream itself -----------------------------------------------------------------------
def test_words_are_splitmix64_published_values():
    # Rosetta Code "Pseudo-random numbers/Splitmix64": seed 1234567, the first five outputs.
    g = CounterGenerator(np, 1234567)
    assert g._words(5).tolist() == [
        6457827717110365317,
        3203168211198807973,
        9817491932198370423,
        4593380528125082431,
        16408922859458223821,
    ]
    assert g.offset == 5


def test_words_match_the_scalar_reference_across_wraparound():
    seed = 2**64 - 3  # seed + c * gamma wraps past 2**64 within the first words
    g = CounterGenerator(np, seed)
    first = g._words(7)
    rest = g._words(93)
    assert np.concatenate([first, rest]).tolist() == _splitmix64(seed, 100)


def test_a_draw_depends_only_on_seed_and_offset():
    g = CounterGenerator(np, 42)
    g._words(1000)
    later = g.random(10)
    np.testing.assert_array_equal(CounterGenerator(np, 42, offset=1000).random(10), later)
    assert g.state == {"seed": 42, "offset": 1010}


# --- uniform -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype,bits", [(np.float32, 24), (np.float64, 53)])
def test_uniform_is_a_multiple_of_2_to_minus_bits_below_one(dtype, bits):
    u = CounterGenerator(np, 3).random(200_000, dtype)
    assert u.dtype == dtype and u.min() >= 0.0 and u.max() < 1.0
    scaled = u.astype(np.float64) * 2.0**bits
    np.testing.assert_array_equal(scaled, np.floor(scaled))
    # The all-ones word, the largest there is, still gives 1 - 2**-bits, not 1.0.
    top = _ConstantWords(MASK64).random(4, dtype)
    np.testing.assert_array_equal(top, np.full(4, 1.0 - 2.0**-bits, dtype=dtype))
    assert _ConstantWords(0).random(1, dtype)[0] == 0.0


def test_uniform_bins_pass_a_chi_square_check():
    counts = np.bincount(
        (CounterGenerator(np, 11).random(100_000) * 100).astype(np.int64), minlength=100
    )
    chi2 = ((counts - 1000.0) ** 2 / 1000.0).sum()
    assert chi2 < 200  # 99 degrees of freedom: mean 99, sd 14


@pytest.mark.parametrize("device", DEVICES)
def test_uniform_on_device_passes_a_ks_check(device):
    eg.manual_seed(5)
    u = np.sort(_host(eg.rand(100_000, dtype=eg.float64, device=device)))
    d = np.max(np.abs(u - np.arange(1, u.size + 1) / u.size))
    assert d < 1.95 / np.sqrt(u.size)  # the KS critical value at the 0.1% level


# --- normal --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normal_mean_and_std(dtype):
    n = 100_000
    z = CounterGenerator(np, 17).standard_normal(n, dtype)
    assert z.dtype == dtype and np.isfinite(z).all()
    assert abs(z.mean()) < 5 / np.sqrt(n)
    assert abs(z.std() - 1.0) < 5 / np.sqrt(2 * n)
    assert abs((np.abs(z) < 1).mean() - 0.682689) < 0.01


def test_normal_never_takes_log_of_zero():
    z = _ConstantWords(0).standard_normal(6)  # u1 at its smallest, 2**-53
    assert np.isfinite(z).all() and abs(z[0]) == pytest.approx(np.sqrt(2 * 53 * np.log(2)))


def test_normal_float32_is_the_rounded_float64_stream():
    a = CounterGenerator(np, 8).standard_normal((3, 5), np.float32)
    b = CounterGenerator(np, 8).standard_normal((3, 5), np.float64)
    assert a.shape == (3, 5)
    np.testing.assert_array_equal(a, b.astype(np.float32))


@pytest.mark.parametrize("device", DEVICES)
def test_randn_on_device_mean_and_std(device):
    eg.manual_seed(1)
    z = _host(eg.randn(100_000, device=device)).astype(np.float64)
    assert abs(z.mean()) < 5 / np.sqrt(z.size)
    assert abs(z.std() - 1.0) < 5 / np.sqrt(2 * z.size)


# --- integers ------------------------------------------------------------------------------------
def test_integers_cover_the_range_evenly():
    v = CounterGenerator(np, 2).integers(-3, 4, 70_000)
    assert v.dtype == np.int64 and v.min() == -3 and v.max() == 3
    counts = np.bincount(v + 3, minlength=7)
    assert ((counts - 10_000.0) ** 2 / 10_000.0).sum() < 40  # 6 degrees of freedom


@pytest.mark.parametrize(
    "low,high",
    [
        (0, 1),
        (0, 2**63),
        (-(2**63), 2**63),
        (2**63 - 2, 2**63),
        (-(2**63), -(2**63) + 3),
        (-5, 2**40),
    ],
)
def test_integers_stay_in_range_at_the_int64_edges(low, high):
    v = CounterGenerator(np, 9).integers(low, high, 10_000)
    assert v.dtype == np.int64
    assert all(low <= x < high for x in v.tolist())
    if high - low <= 3:
        assert set(v.tolist()) == set(range(low, high))


def test_integers_reject_empty_and_too_wide_ranges():
    g = CounterGenerator(np, 0)
    with pytest.raises(ValueError, match="low >= high"):
        g.integers(3, 3, 1)
    with pytest.raises(ValueError, match="does not fit int64"):
        g.integers(0, 2**63 + 1, 1)


def test_mulhi64_is_the_high_word_of_the_product():
    words = CounterGenerator(np, 4)._words(200)
    words[:3] = [0, 1, MASK64]
    for m in [1, 3, 2**32 - 1, 2**32 + 1, 10**12 + 7, 2**63, MASK64]:
        got = _mulhi64(np, words, m).tolist()
        assert got == [(int(w) * m) >> 64 for w in words.tolist()]


# --- permutation ---------------------------------------------------------------------------------
def test_permutation_is_a_permutation():
    g = CounterGenerator(np, 6)
    p = g.permutation(1000)
    assert p.dtype == np.int64
    np.testing.assert_array_equal(np.sort(p), np.arange(1000))
    assert not np.array_equal(p, np.arange(1000))
    assert not np.array_equal(g.permutation(1000), p)
    assert g.permutation(0).size == 0 and g.permutation(1).tolist() == [0]


def test_permutation_positions_are_uniform():
    g = CounterGenerator(np, 12)
    first = np.array([g.permutation(5)[0] for _ in range(5000)])
    counts = np.bincount(first, minlength=5)
    assert ((counts - 1000.0) ** 2 / 1000.0).sum() < 30  # 4 degrees of freedom


# --- through a device: factories, fills, dropout ---------------------------------------------
def _draws(device):
    """One of every random path on ``device``, as host arrays."""
    x = eg.ones(200, device=device)
    return [
        _host(eg.randn(4, 3, device=device)),
        _host(eg.rand(5, dtype=eg.float64, device=device)),
        _host(eg.randint(0, 100, (6,), device=device)),
        _host(eg.randperm(10, device=device)),
        _host(eg.empty(7, device=device).uniform_(-2, 3)),
        _host(eg.empty(7, device=device).normal_(1.0, 2.0)),
        _host(eg.empty(5, device=device).exponential_(2.0)),
        _host(eg.empty(5, dtype=eg.int64, device=device).random_(3, 9)),
        _host(eg.bernoulli(eg.full((50,), 0.5, device=device))),
        _host(F.dropout(x, 0.5, training=True)),
    ]


def _same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("device", DEVICES)
def test_device_draws_reproduce_under_manual_seed(device):
    eg.manual_seed(7)
    a = _draws(device)
    eg.manual_seed(7)
    b = _draws(device)
    eg.manual_seed(8)
    c = _draws(device)
    assert _same(a, b)
    assert not any(np.array_equal(x, y) for x, y in zip(a, c))


@pytest.mark.parametrize("device", DEVICES)
def test_successive_device_draws_differ(device):
    a, b = _draws(device), _draws(device)
    assert not any(np.array_equal(x, y) for x, y in zip(a, b))


@pytest.mark.parametrize("device", DEVICES)
def test_device_uses_the_counter_generator_seeded_like_torch(device):
    dev = eg.device(device)
    eg.manual_seed(123)
    g = eg_random._generator_for(dev)
    assert isinstance(g.rng, CounterGenerator)
    assert g.initial_seed() == 123 + (dev.index or 0)
    got = _host(eg.rand(6, dtype=eg.float64, device=dev))
    np.testing.assert_array_equal(got, CounterGenerator(np, 123 + (dev.index or 0)).random(6))
    eg.manual_seed(0)
    assert eg_random._generator_for(dev).rng.offset == 0  # manual_seed restarts the stream


def test_cpu_keeps_numpy_pcg64():
    eg.manual_seed(0)
    got = eg.rand(5).numpy()
    np.testing.assert_array_equal(
        got, np.random.Generator(np.random.PCG64(0)).random(5, dtype=np.float32)
    )


@pytest.mark.parametrize("device", DEVICES)
def test_dropout_on_device_keeps_about_half_scaled(device):
    eg.manual_seed(3)
    y = _host(F.dropout(eg.ones(10_000, device=device), 0.5, training=True))
    assert set(np.unique(y).tolist()) == {0.0, 2.0}
    assert abs((y > 0).mean() - 0.5) < 5 * 0.005


@pytest.mark.parametrize("device", DEVICES)
def test_randint_and_randperm_on_device(device):
    v = _host(eg.randint(-2, 5, (20_000,), device=device))
    assert v.dtype == np.int64 and set(v.tolist()) == set(range(-2, 5))
    p = _host(eg.randperm(500, device=device))
    np.testing.assert_array_equal(np.sort(p), np.arange(500))


# --- state ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("device", DEVICES)
def test_default_generator_state_round_trips_on_device(device):
    g = eg_random._generator_for(eg.device(device))
    _draws(device)
    state = g.get_state()
    a = _draws(device)
    g.set_state(state)
    b = _draws(device)
    assert _same(a, b)
    assert not _same(a, _draws(device))


@pytest.mark.parametrize("device", DEVICES)
def test_explicit_generator_state_loads_into_a_fresh_generator(device):
    g = eg.Generator(device).manual_seed(99)
    eg.rand(37, generator=g, device=device)
    state = g.get_state()
    a = _host(eg.randn(8, generator=g, device=device))
    h = eg.Generator(device).set_state(state)
    assert h.initial_seed() == 99
    np.testing.assert_array_equal(_host(eg.randn(8, generator=h, device=device)), a)


@pytest.mark.parametrize("device", DEVICES)
def test_a_cpu_state_does_not_load_into_a_device_generator(device):
    with pytest.raises(RuntimeError, match="counter-based"):
        eg.Generator(device).set_state(eg.Generator().get_state())


def test_cpu_state_round_trip_still_works():
    state = eg.get_rng_state()
    a = eg.randn(5).numpy()
    eg.set_rng_state(state)
    np.testing.assert_array_equal(eg.randn(5).numpy(), a)


# --- jit.trace sees device draws -----------------------------------------------------------------
@pytest.mark.parametrize("device", DEVICES)
def test_rng_snapshot_changes_when_a_device_generator_draws(device):
    from eagergrad.jit._trace import _rng_state

    eg.rand(1, device=device)  # the device generator exists before the first snapshot
    before = _rng_state()
    eg.rand(1, device=device)
    assert _rng_state() != before


@pytest.mark.parametrize("device", DEVICES)
def test_dropout_on_device_in_training_mode_is_rejected(device):
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5)).to(device)
    x = eg.randn(4, 3, device=device)
    # The draw itself is caught, not only its effect on the check run's perturbed inputs.
    with pytest.raises(RuntimeError, match="traced code drew random numbers"):
        eg.jit.trace(model, (x,))
    model.eval()
    tm = eg.jit.trace(model, (x,))
    np.testing.assert_array_equal(_host(tm(x)), _host(model(x)))


@pytest.mark.parametrize("device", ["cpu", *DEVICES])
def test_float16_uniform_never_rounds_up_to_one(device):
    # A float32 draw at or above 1 - 2**-12 rounds to 1.0 in float16; 2**18 draws hit that ~64
    # times, so keeping 11 bits is what holds the bound.
    u = eg.rand(1 << 18, dtype=eg.float16, device=device).cpu().numpy().astype(np.float64)
    assert u.max() < 1.0 and u.min() >= 0.0
    np.testing.assert_array_equal(u * 2048, np.floor(u * 2048))


def test_cuda_rng_state_functions_restore_a_device_stream():
    """eg.cuda.get_rng_state/set_rng_state (torch.cuda's), on the cupy-shaped fake device."""
    dev = "fakecuda"
    eg.manual_seed(3)
    state = eg.cuda.get_rng_state(dev)
    a = eg.rand(5, device=dev)
    eg.randn(7, device=dev)  # moves the stream on
    eg.cuda.set_rng_state(state, dev)
    np.testing.assert_array_equal(eg.rand(5, device=dev).cpu().numpy(), a.cpu().numpy())
    if not eg.cuda.is_available():
        assert eg.cuda.get_rng_state_all() == []
