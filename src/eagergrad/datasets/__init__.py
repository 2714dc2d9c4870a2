"""eagergrad.datasets: small datasets shipped with the package, readers for standard files, and
transforms. Nothing here downloads: the library works offline.

* :func:`load_digits` - the 8x8 handwritten digits (1797 images, 10 classes), bundled.
* :func:`load_mnist_5k` - 5,000 MNIST training images (28x28, 500 per class), bundled.
* :class:`MNIST`, :class:`FashionMNIST`, :class:`CIFAR10` - Dataset readers for the files users
  already have on disk (IDX files, gzipped or not; the CIFAR-10 binary version).
* :mod:`eagergrad.datasets.transforms` - ToTensor, Normalize, Compose, RandomCrop,
  RandomHorizontalFlip, as plain callables on numpy arrays (and cpu tensors).

Example:
    >>> import eagergrad as eg
    >>> from eagergrad.datasets import load_digits
    >>> from eagergrad.utils.data import TensorDataset, random_split
    >>> x, y = load_digits()
    >>> x.shape, x.dtype, y.shape, y.dtype
    ((1797, 1, 8, 8), dtype('float32'), (1797,), dtype('int64'))
    >>> ds = TensorDataset(eg.from_numpy(x), eg.from_numpy(y))
    >>> train, test = random_split(ds, [0.8, 0.2], generator=eg.Generator().manual_seed(0))
    >>> len(train), len(test)
    (1438, 359)
"""

from __future__ import annotations

from . import transforms
from ._bundled import load_digits, load_mnist_5k
from .vision import CIFAR10, MNIST, FashionMNIST

__all__ = ["load_digits", "load_mnist_5k", "MNIST", "FashionMNIST", "CIFAR10", "transforms"]
