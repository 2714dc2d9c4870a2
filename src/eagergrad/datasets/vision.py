"""Readers for image datasets users already have on disk: MNIST, Fashion-MNIST, CIFAR-10.

They follow torchvision's classes (``root``, ``train``, ``transform``, ``target_transform``,
``.data``, ``.targets``, ``.classes``) but never download: when files are missing the error
says which files to put where. Samples are numpy arrays, uint8, in the layout torchvision's PIL
images have: ``(H, W)`` for grayscale, ``(H, W, C)`` for colour; apply
``transforms.ToTensor()`` to get ``(C, H, W)`` float tensors.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable

import numpy

from ..utils.data import Dataset

__all__ = ["MNIST", "FashionMNIST", "CIFAR10", "read_idx"]

# IDX type codes (http://yann.lecun.com/exdb/mnist/, "THE IDX FILE FORMAT"); data is big-endian.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str) -> numpy.ndarray:
    """Reads an IDX file (gzipped when the name ends in ``.gz``) into a numpy array.

    Example:
        >>> import gzip, os, tempfile, numpy as np
        >>> from eagergrad.datasets.vision import read_idx
        >>> p = os.path.join(tempfile.mkdtemp(), "x-idx1-ubyte.gz")
        >>> with gzip.open(p, "wb") as f:
        ...     _ = f.write(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]))
        >>> read_idx(p)
        array([7, 8, 9], dtype=uint8)
    """
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()})")
    ndim = raw[3]
    dims = numpy.frombuffer(raw, dtype=">i4", count=ndim, offset=4).astype(numpy.int64)
    dtype = numpy.dtype(_IDX_DTYPES[raw[2]])
    offset = 4 + 4 * ndim
    expected = int(numpy.prod(dims)) * dtype.itemsize
    if len(raw) - offset != expected:
        raise ValueError(
            f"{path}: header says shape {tuple(dims.tolist())} ({expected} bytes) "
            f"but the file holds {len(raw) - offset} bytes of data"
        )
    arr = numpy.frombuffer(raw, dtype=dtype, offset=offset).reshape(tuple(dims.tolist()))
    return arr.astype(dtype.newbyteorder("="))


def _find(dirs: list[str], name: str) -> str | None:
    for d in dirs:
        for candidate in (name, name + ".gz"):
            path = os.path.join(d, candidate)
            if os.path.isfile(path):
                return path
    return None


class MNIST(Dataset):
    """The MNIST handwritten digits, read from the four IDX files (gzipped or not).

    Put ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``
    and ``t10k-labels-idx1-ubyte`` (each may end in ``.gz``) in ``root/MNIST/raw/`` (the
    torchvision layout), ``root/MNIST/`` or ``root/`` itself.

    Args:
        root: directory that holds the files (see above).
        train: the 60,000-image training set, else the 10,000-image test set.
        transform: applied to each image, a uint8 numpy array of shape ``(28, 28)``.
        target_transform: applied to each label, an ``int``.
        download: must be ``False``; eagergrad never downloads.

    Attributes:
        data: uint8 array ``(N, 28, 28)``. targets: int64 array ``(N,)``. classes: names.

    Example (with the files in ``./data/MNIST/raw``)::

        train = MNIST("./data", train=True, transform=transforms.ToTensor())
        img, label = train[0]   # img: (1, 28, 28) float32 tensor in [0, 1]

    Example:
        >>> import eagergrad as eg
        >>> import os, tempfile, numpy as np
        >>> from eagergrad.datasets import MNIST
        >>> root = tempfile.mkdtemp()
        >>> hdr = lambda *dims: bytes([0, 0, 8, len(dims)]) + np.array(dims, ">i4").tobytes()
        >>> with open(os.path.join(root, "t10k-images-idx3-ubyte"), "wb") as f:
        ...     _ = f.write(hdr(2, 28, 28) + bytes(2 * 28 * 28))
        >>> with open(os.path.join(root, "t10k-labels-idx1-ubyte"), "wb") as f:
        ...     _ = f.write(hdr(2) + bytes([7, 3]))
        >>> ds = MNIST(root, train=False)
        >>> len(ds), ds[1][0].shape, ds.classes[ds[1][1]]
        (2, (28, 28), '3 - three')
    """

    base_folder = "MNIST"
    url = "https://ossci-datasets.s3.amazonaws.com/mnist/ (a mirror of yann.lecun.com/exdb/mnist)"
    classes = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]
    _files = {
        True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    }

    def __init__(
        self,
        root: str,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        self.root = os.path.expanduser(str(root))
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        base = os.path.join(self.root, self.base_folder)
        dirs = [os.path.join(base, "raw"), base, self.root]
        paths = [_find(dirs, name) for name in self._files[train]]
        if None in paths:
            missing = [n for n, p in zip(self._files[train], paths) if p is None]
            raise RuntimeError(
                f"Dataset not found: {type(self).__name__}(train={train}) needs "
                f"{' and '.join(missing)} (optionally gzipped, '.gz') in "
                f"{os.path.join(base, 'raw')} (also looked in {base} and {self.root}). "
                f"eagergrad does not download datasets: get the files from {self.url} and put "
                f"them there." + (" (download=True is not supported.)" if download else "")
            )
        self.data = read_idx(paths[0])
        self.targets = read_idx(paths[1]).astype(numpy.int64)
        if self.data.ndim != 3 or self.targets.ndim != 1 or len(self.data) != len(self.targets):
            raise ValueError(
                f"{type(self).__name__}: images {paths[0]} have shape "
                f"{self.data.shape} and labels {paths[1]} shape "
                f"{self.targets.shape}; expected (N, H, W) and (N,)"
            )

    def __getitem__(self, index: int):
        img, target = self.data[index], int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando): same IDX files and layout as :class:`MNIST`, under
    ``root/FashionMNIST/raw/`` (or ``root/FashionMNIST/``, or ``root/``).

    Example:
        >>> import eagergrad as eg
        >>> import os, tempfile, numpy as np
        >>> from eagergrad.datasets import FashionMNIST
        >>> root = tempfile.mkdtemp()
        >>> hdr = lambda *dims: bytes([0, 0, 8, len(dims)]) + np.array(dims, ">i4").tobytes()
        >>> with open(os.path.join(root, "t10k-images-idx3-ubyte"), "wb") as f:
        ...     _ = f.write(hdr(1, 28, 28) + bytes(28 * 28))
        >>> with open(os.path.join(root, "t10k-labels-idx1-ubyte"), "wb") as f:
        ...     _ = f.write(hdr(1) + bytes([9]))
        >>> ds = FashionMNIST(root, train=False)
        >>> len(ds), ds.classes[ds[0][1]]
        (1, 'Ankle boot')
    """

    base_folder = "FashionMNIST"
    url = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    classes = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]


class CIFAR10(Dataset):
    """CIFAR-10, read from the *binary* version (``cifar-10-binary.tar.gz``, extracted).

    Put ``data_batch_1.bin`` ... ``data_batch_5.bin`` and ``test_batch.bin`` in
    ``root/cifar-10-batches-bin/`` (the folder the archive extracts to) or in ``root/``.
    Each record is 1 label byte followed by 3072 pixel bytes: the red, green and blue 32x32
    planes, row-major.

    Args:
        root: directory that holds the files (see above).
        train: the five training batches (50,000 images), else the test batch (10,000).
        transform: applied to each image, a uint8 numpy array of shape ``(32, 32, 3)`` (HWC).
        target_transform: applied to each label, an ``int``.
        download: must be ``False``; eagergrad never downloads.

    Attributes:
        data: uint8 array ``(N, 32, 32, 3)``. targets: int64 array ``(N,)``. classes: names.

    Example:
        >>> import eagergrad as eg
        >>> import os, tempfile
        >>> from eagergrad.datasets import CIFAR10
        >>> root = tempfile.mkdtemp()
        >>> with open(os.path.join(root, "test_batch.bin"), "wb") as f:
        ...     _ = f.write((bytes([3]) + bytes(3 * 32 * 32)) * 2)  # 2 records, label 3
        >>> ds = CIFAR10(root, train=False)
        >>> len(ds), ds[0][0].shape, ds.classes[ds[0][1]]
        (2, (32, 32, 3), 'cat')
    """

    base_folder = "cifar-10-batches-bin"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
    train_list = [f"data_batch_{i}.bin" for i in range(1, 6)]
    test_list = ["test_batch.bin"]
    classes = [
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ]
    _record = 1 + 3 * 32 * 32

    def __init__(
        self,
        root: str,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        self.root = os.path.expanduser(str(root))
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        names = self.train_list if train else self.test_list
        folder = os.path.join(self.root, self.base_folder)
        paths = []
        for name in names:
            found = [
                p
                for p in (os.path.join(folder, name), os.path.join(self.root, name))
                if os.path.isfile(p)
            ]
            paths.append(found[0] if found else None)
        if None in paths:
            missing = [n for n, p in zip(names, paths) if p is None]
            raise RuntimeError(
                f"Dataset not found: CIFAR10(train={train}) needs {', '.join(missing)} in "
                f"{folder} (also looked in {self.root}). eagergrad does not download datasets: "
                f"get the binary version from {self.url} and extract it into {self.root}."
                + (" (download=True is not supported.)" if download else "")
            )
        records = []
        for path in paths:
            raw = numpy.fromfile(path, dtype=numpy.uint8)
            if raw.size % self._record:
                raise ValueError(
                    f"{path}: {raw.size} bytes is not a whole number of "
                    f"{self._record}-byte CIFAR-10 records"
                )
            records.append(raw.reshape(-1, self._record))
        records = numpy.concatenate(records)
        self.targets = records[:, 0].astype(numpy.int64)
        planes = records[:, 1:].reshape(-1, 3, 32, 32)
        self.data = numpy.ascontiguousarray(planes.transpose(0, 2, 3, 1))  # HWC, as torchvision

    def __getitem__(self, index: int):
        img, target = self.data[index], int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}
