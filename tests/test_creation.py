"""Factories: dtype inference, memory sharing, shapes, randomness."""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg


def test_tensor_dtype_inference():
    assert eg.tensor(1.5).dtype is eg.float32
    assert eg.tensor([1, 2]).dtype is eg.int64
    assert eg.tensor([True, False]).dtype is eg.bool
    assert eg.tensor(np.zeros(2)).dtype is eg.float64  # numpy float64 keeps float64
    assert eg.tensor(np.zeros(2, dtype=np.int32)).dtype is eg.int32
    assert eg.tensor([1.0, 2], dtype=eg.float64).dtype is eg.float64
    assert eg.tensor([[1, 2], [3, 4]]).shape == (2, 2)


def test_tensor_copies_but_from_numpy_shares():
    a = np.zeros(3, dtype=np.float32)
    t = eg.tensor(a)
    s = eg.from_numpy(a)
    a[0] = 7
    assert t[0].item() == 0 if hasattr(t, "__getitem__") else True
    assert s.numpy()[0] == 7
    assert eg.as_tensor(a).numpy() is not None and np.shares_memory(eg.as_tensor(a).numpy(), a)


def test_from_numpy_rejects_unsupported_dtype():
    with pytest.raises(TypeError, match="can't convert np.ndarray of type"):
        eg.from_numpy(np.zeros(2, dtype=np.complex64))


def test_default_dtype_roundtrip():
    assert eg.get_default_dtype() is eg.float32
    eg.set_default_dtype(eg.float64)
    try:
        assert eg.tensor(1.5).dtype is eg.float64
        assert eg.zeros(2).dtype is eg.float64
    finally:
        eg.set_default_dtype(eg.float32)
    with pytest.raises(TypeError):
        eg.set_default_dtype(eg.int64)


@pytest.mark.parametrize("factory", ["zeros", "ones", "empty", "rand", "randn"])
def test_size_forms(factory):
    f = getattr(eg, factory)
    assert f(2, 3).shape == f((2, 3)).shape == f([2, 3]).shape == (2, 3)
    assert f(2, 3).dtype is eg.float32
    assert f(()).shape == ()


def test_full_dtype_follows_value():
    assert eg.full((2,), 7).dtype is eg.int64
    assert eg.full((2,), 7.0).dtype is eg.float32
    assert eg.full((2,), True).dtype is eg.bool


def test_like_factories():
    x = eg.ones(2, 3, dtype=eg.float64)
    for f in (eg.zeros_like, eg.ones_like, eg.empty_like, eg.rand_like, eg.randn_like):
        y = f(x)
        assert y.shape == (2, 3) and y.dtype is eg.float64
    assert eg.full_like(x, 3).tolist() == [[3.0] * 3] * 2


def test_arange_linspace_eye():
    assert eg.arange(5).tolist() == [0, 1, 2, 3, 4] and eg.arange(5).dtype is eg.int64
    assert eg.arange(1, 2, 0.5).dtype is eg.float32
    np.testing.assert_allclose(eg.arange(0, 1, 0.1).numpy(), np.arange(0, 1, 0.1), atol=1e-6)
    assert eg.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert eg.eye(3).numpy().trace() == 3
    assert eg.eye(2, 3).shape == (2, 3)


def test_random_reproducible_with_manual_seed():
    eg.manual_seed(123)
    a = eg.randn(5)
    b = eg.rand(5)
    c = eg.randint(0, 10, (5,))
    eg.manual_seed(123)
    assert eg.randn(5).tolist() == a.tolist()
    assert eg.rand(5).tolist() == b.tolist()
    assert eg.randint(0, 10, (5,)).tolist() == c.tolist()


def test_random_ranges_and_dtypes():
    r = eg.rand(1000)
    assert 0 <= r.numpy().min() and r.numpy().max() < 1
    i = eg.randint(3, 7, (1000,))
    assert i.dtype is eg.int64 and set(i.tolist()) == {3, 4, 5, 6}
    p = eg.randperm(10)
    assert sorted(p.tolist()) == list(range(10))
    n = eg.normal(2.0, 0.5, (20000,))
    assert abs(n.numpy().mean() - 2.0) < 0.02 and abs(n.numpy().std() - 0.5) < 0.02


def test_generator_argument():
    g1 = eg.Generator().manual_seed(5)
    g2 = eg.Generator().manual_seed(5)
    assert eg.randn(4, generator=g1).tolist() == eg.randn(4, generator=g2).tolist()


def test_rng_state_roundtrip():
    state = eg.get_rng_state()
    a = eg.randn(3)
    eg.set_rng_state(state)
    assert eg.randn(3).tolist() == a.tolist()


def test_inplace_random_fills():
    t = eg.empty(1000)
    t.uniform_(-2, 2)
    assert -2 <= t.numpy().min() and t.numpy().max() < 2
    t.normal_(5, 0.1)
    assert abs(t.numpy().mean() - 5) < 0.05


def test_negative_size_raises():
    with pytest.raises(RuntimeError, match="negative dimension"):
        eg.zeros(-1)


def test_factory_requires_grad():
    assert eg.zeros(2, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError):
        eg.zeros(2, dtype=eg.int64, requires_grad=True)


@pytest.mark.parametrize("dtype,high", [("int8", 127), ("uint8", 255), ("float16", 2048),
                                        ("bool", 1)])
def test_random_without_bounds_follows_the_dtype(dtype, high):
    x = eg.empty(5000, dtype=getattr(eg, dtype)).random_()
    values = x.numpy().astype(float)
    assert values.min() >= 0 and values.max() <= high and values.max() > high / 2
