"""The fake device is only useful while it stays as strict as cupy: these pin its refusals."""

from __future__ import annotations

import numpy as np
import pytest

from ._fake_cupy import FakeArray, fake_cupy


def test_arrays_refuse_implicit_host_conversion():
    a = fake_cupy.arange(3.0)
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array"):
        np.asarray(a)
    np.testing.assert_array_equal(a.get(), [0.0, 1.0, 2.0])
    assert not isinstance(a, np.ndarray)


@pytest.mark.parametrize("mix", [
    lambda a, h: a + h, lambda a, h: h * a, lambda a, h: fake_cupy.maximum(a, h),
    lambda a, h: np.add(h, a), lambda a, h: fake_cupy.where(a > 0, h, a),
    lambda a, h: fake_cupy.concatenate([a, h]), lambda a, h: a.dot(h),
    lambda a, h: a + np.array(1.0),  # 0-d numpy arrays too: cupy takes only scalars
])
def test_mixing_with_host_arrays_raises(mix):
    with pytest.raises(TypeError, match="Unsupported type"):
        mix(fake_cupy.ones(3), np.ones(3))


def test_host_scalars_indices_and_copies_are_allowed():
    a = fake_cupy.zeros(4)
    b = a * np.float32(2) + 1.5
    b[np.array([0, 2])] = np.array([5.0, 6.0])  # cupy copies host indices and values
    np.testing.assert_array_equal(b.get(), [5.0, 1.5, 6.0, 1.5])
    host = np.ones(2)
    dev = fake_cupy.asarray(host)
    host[0] = 9.0
    assert dev.get()[0] == 1.0, "a host-to-device copy never aliases host memory"


def test_only_cupy_names_exist():
    with pytest.raises(AttributeError, match="fake_cupy"):
        fake_cupy.nanquantile  # numpy has it, cupy does not  # noqa: B018
    with pytest.raises(AttributeError, match="fake_cupy"):
        fake_cupy.ones(2).tofile_not_a_method  # noqa: B018
    with pytest.raises(AttributeError, match="fake_cupy"):
        fake_cupy.random.default_rng(0).permutation  # cupy's Generator has none  # noqa: B018


def test_reductions_and_scalar_indexing_give_0d_device_arrays():
    a = fake_cupy.arange(4.0)
    for r in (a.sum(), a[1], fake_cupy.max(a)):
        assert isinstance(r, FakeArray) and r.ndim == 0
    with pytest.raises(TypeError):
        range(fake_cupy.asarray(np.array(3)))  # no __index__ on cupy arrays
    assert float(a.sum()) == 6.0 and int(a[3]) == 3


def test_calls_bind_to_cupys_signatures():
    a = fake_cupy.arange(4.0)
    with pytest.raises(TypeError, match="fake_cupy: cupy's signature"):
        fake_cupy.clip(a, min=0.0, max=1.0)  # numpy 2 spelling; cupy has a_min/a_max
    with pytest.raises(TypeError, match="fake_cupy: cupy's ufuncs"):
        fake_cupy.add(a, 1.0, where=a > 1)
    np.testing.assert_array_equal(fake_cupy.clip(a, 1.0, 2.0).get(), [1.0, 1.0, 2.0, 2.0])


def test_sorts_are_stable_as_cupys():
    keys = fake_cupy.asarray(np.array([1, 0, 1, 0, 1, 0] * 20))
    order = fake_cupy.argsort(keys).get()
    np.testing.assert_array_equal(order, np.argsort(keys.get(), kind="stable"))


def test_ufunc_methods_take_cupys_keywords_only():
    a = fake_cupy.arange(4.0)
    with pytest.raises(TypeError, match="fake_cupy: cupy's ufunc.reduce"):
        fake_cupy.maximum.reduce(a, initial=0.0)
    assert float(fake_cupy.maximum.reduce(a, axis=0)) == 3.0
    np.testing.assert_array_equal(fake_cupy.maximum.accumulate(a).get(), [0.0, 1.0, 2.0, 3.0])


def test_scatter_add_takes_cupys_atomic_dtypes_only():
    with pytest.raises(TypeError, match="scatter_add only supports"):
        fake_cupy.add.at(fake_cupy.zeros(3, dtype=np.int64), fake_cupy.asarray(np.array([0, 0])), 1)
    a = fake_cupy.zeros(3, dtype=np.float32)
    fake_cupy.add.at(a, fake_cupy.asarray(np.array([0, 0])), 1.0)
    assert a.get().tolist() == [2.0, 0.0, 0.0]


def test_out_of_bounds_array_indices_wrap_as_cupys():
    a = fake_cupy.arange(5.0)
    idx = fake_cupy.asarray(np.array([6, -1]))
    assert a[idx].get().tolist() == [1.0, 4.0]
    m = fake_cupy.arange(6.0).reshape(2, 3)
    assert m[..., idx].get().tolist() == [[0.0, 2.0], [3.0, 5.0]]
    got = fake_cupy.take_along_axis(m, fake_cupy.asarray(np.array([[4], [0]])), 1)
    assert got.get().tolist() == [[1.0], [3.0]]
    z = fake_cupy.zeros(3, dtype=np.float32)
    fake_cupy.add.at(z, fake_cupy.asarray(np.array([3, 4])), 1.0)
    assert z.get().tolist() == [1.0, 1.0, 0.0]
