"""Image transforms as plain callables (a small subset of torchvision.transforms).

Layout convention, as in torchvision: a numpy array is an image the way a file decodes it,
``(H, W)`` or ``(H, W, C)`` (torchvision's PIL image); a tensor is ``(..., C, H, W)``.
:class:`ToTensor` converts the first into the second. The random transforms draw from the
DataLoader worker's own generator when they run in a worker thread
(``get_worker_info().rng``), otherwise from the global generator, so ``eg.manual_seed``
reproduces them.

Example:
    >>> import numpy as np, eagergrad as eg
    >>> from eagergrad.datasets import transforms as T
    >>> t = T.Compose([T.RandomCrop(28, padding=4), T.RandomHorizontalFlip(),
    ...                T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    >>> x = t(np.zeros((28, 28), dtype=np.uint8))
    >>> x.shape, x.dtype
    (eagergrad.Size([1, 28, 28]), eagergrad.float32)
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import numpy

from .._creation import from_numpy
from .._tensor import Tensor
from ..utils.data._worker import _worker_rng

__all__ = ["Compose", "ToTensor", "Normalize", "RandomCrop", "RandomHorizontalFlip", "Lambda"]


def _cpu_array(img, name: str):
    """(array, is_tensor): the numpy array behind ``img``, and whether it was a tensor."""
    if isinstance(img, Tensor):
        if img.device.type != "cpu":
            raise TypeError(
                f"{name}: expected a cpu tensor or a numpy array, got a tensor on "
                f"{img.device}; transforms run on the host before the batch moves"
            )
        return img.detach().numpy(), True
    if isinstance(img, numpy.ndarray):
        return img, False
    raise TypeError(f"{name}: img should be a numpy array or a Tensor. Got {type(img)}")


def _wrap(arr, is_tensor):
    return from_numpy(numpy.ascontiguousarray(arr)) if is_tensor else arr


class Compose:
    """Applies transforms one after the other.

    Example:
        >>> from eagergrad.datasets.transforms import Compose, Lambda
        >>> Compose([Lambda(lambda x: x + 1), Lambda(lambda x: x * 2)])(3)
        8
    """

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class Lambda:
    """Wraps a function as a transform.

    Example:
        >>> import eagergrad as eg
        >>> from eagergrad.datasets import transforms
        >>> t = transforms.Compose([transforms.Lambda(lambda x: x * 2)])
        >>> t(eg.tensor([1.0, 2.0]))
        tensor([2., 4.])
    """

    def __init__(self, lambd: Callable) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ToTensor:
    """A numpy image ``(H, W)`` or ``(H, W, C)`` -> a float32 tensor ``(C, H, W)``.

    uint8 images are scaled from 0..255 to [0, 1] (torchvision's rule); other dtypes keep their
    values and become float32.

    Example:
        >>> import numpy as np
        >>> from eagergrad.datasets.transforms import ToTensor
        >>> ToTensor()(np.full((2, 2), 255, dtype=np.uint8))
        tensor([[[1., 1.],
                 [1., 1.]]])
    """

    def __call__(self, pic) -> Tensor:
        if not isinstance(pic, numpy.ndarray):
            raise TypeError(f"pic should be a numpy array. Got {type(pic)}")
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.ndim == 2:
            pic = pic[:, :, None]
        chw = pic.transpose(2, 0, 1)
        if pic.dtype == numpy.uint8:
            out = chw.astype(numpy.float32) / numpy.float32(255)
        else:
            out = chw.astype(numpy.float32)
        return from_numpy(numpy.ascontiguousarray(out))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Normalize:
    """``(x - mean[c]) / std[c]`` per channel of a ``(..., C, H, W)`` tensor or array.

    Example:
        >>> import eagergrad as eg
        >>> from eagergrad.datasets.transforms import Normalize
        >>> Normalize((0.5,), (0.5,))(eg.ones(1, 1, 2))
        tensor([[[1., 1.]]])
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor):
        arr, is_tensor = _cpu_array(tensor, "Normalize")
        if arr.ndim < 3:
            raise ValueError(
                "Expected tensor to be a tensor image of size (..., C, H, W). Got "
                f"tensor.size() = {arr.shape}"
            )
        dtype = arr.dtype if arr.dtype.kind == "f" else numpy.dtype(numpy.float32)
        mean = numpy.asarray(self.mean, dtype=dtype).reshape(-1, 1, 1)
        std = numpy.asarray(self.std, dtype=dtype).reshape(-1, 1, 1)
        if (std == 0).any():
            raise ValueError(
                f"std evaluated to zero after conversion to {dtype}, leading to division by zero."
            )
        if self.inplace and arr.dtype.kind == "f":
            arr -= mean
            arr /= std
            return tensor
        return _wrap((arr - mean) / std, is_tensor)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


def _pair(size, name: str) -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if len(size) == 1:
        return int(size[0]), int(size[0])
    if len(size) != 2:
        raise ValueError(f"{name} should be an int or a sequence of length 1 or 2")
    return int(size[0]), int(size[1])


class RandomCrop:
    """Crops a random ``size`` window, after optional padding (torchvision's RandomCrop).

    Args:
        size: ``(h, w)`` or an int for a square crop.
        padding: pixels added on each border first: an int (all sides), ``(lr, tb)`` or
            ``(left, top, right, bottom)``.
        pad_if_needed: pad images smaller than ``size`` instead of raising.
        fill: value for ``padding_mode="constant"``.
        padding_mode: ``"constant"``, ``"edge"``, ``"reflect"`` or ``"symmetric"``.

    Example:
        >>> import numpy as np
        >>> from eagergrad.datasets.transforms import RandomCrop
        >>> RandomCrop(32, padding=4)(np.zeros((32, 32, 3), dtype=np.uint8)).shape
        (32, 32, 3)
    """

    def __init__(
        self,
        size,
        padding=None,
        pad_if_needed: bool = False,
        fill=0,
        padding_mode: str = "constant",
    ) -> None:
        self.size = _pair(size, "size")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        if (
            padding is not None
            and not isinstance(padding, numbers.Number)
            and len(padding) not in (1, 2, 4)
        ):
            raise ValueError(
                "Padding must be an int or a 1, 2, or 4 element tuple, not a "
                f"{len(padding)} element tuple"
            )
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    @staticmethod
    def _ltrb(padding) -> tuple[int, int, int, int]:
        if isinstance(padding, numbers.Number):
            p = int(padding)
            return p, p, p, p
        if len(padding) == 1:
            p = int(padding[0])
            return p, p, p, p
        if len(padding) == 2:
            return int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])
        return tuple(int(p) for p in padding)

    def _pad(self, arr, hw_axes, ltrb):
        left, top, right, bottom = ltrb
        width = [(0, 0)] * arr.ndim
        width[hw_axes[0]] = (top, bottom)
        width[hw_axes[1]] = (left, right)
        if self.padding_mode == "constant":
            return numpy.pad(arr, width, mode="constant", constant_values=self.fill)
        return numpy.pad(arr, width, mode=self.padding_mode)

    def __call__(self, img):
        arr, is_tensor = _cpu_array(img, "RandomCrop")
        # numpy images are (H, W[, C]); tensors (..., H, W). See the module docstring.
        hw_axes = (arr.ndim - 2, arr.ndim - 1) if is_tensor else (0, 1)
        if self.padding is not None:
            arr = self._pad(arr, hw_axes, self._ltrb(self.padding))
        th, tw = self.size
        h, w = arr.shape[hw_axes[0]], arr.shape[hw_axes[1]]
        if self.pad_if_needed and (h < th or w < tw):
            dw, dh = max(tw - w, 0), max(th - h, 0)
            arr = self._pad(arr, hw_axes, (dw, dh, dw, dh))
            h, w = arr.shape[hw_axes[0]], arr.shape[hw_axes[1]]
        if h < th or w < tw:
            raise ValueError(
                f"Required crop size {(th, tw)} is larger than input image size {(h, w)}"
            )
        rng = _worker_rng()
        i = int(rng.integers(0, h - th + 1))
        j = int(rng.integers(0, w - tw + 1))
        index = [slice(None)] * arr.ndim
        index[hw_axes[0]] = slice(i, i + th)
        index[hw_axes[1]] = slice(j, j + tw)
        return _wrap(arr[tuple(index)], is_tensor)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirrors the image left-right with probability ``p``.

    Example:
        >>> import numpy as np
        >>> from eagergrad.datasets.transforms import RandomHorizontalFlip
        >>> RandomHorizontalFlip(p=1.0)(np.array([[1, 2, 3]]))
        array([[3, 2, 1]])
    """

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img):
        arr, is_tensor = _cpu_array(img, "RandomHorizontalFlip")
        if _worker_rng().random() >= self.p:
            return img
        w_axis = arr.ndim - 1 if is_tensor else 1
        return _wrap(numpy.flip(arr, axis=w_axis), is_tensor)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"
