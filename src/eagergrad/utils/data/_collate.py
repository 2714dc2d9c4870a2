"""default_collate and default_convert: turn a list of samples into a batch (torch's rules)."""

from __future__ import annotations

import collections.abc

import numpy

from ... import _backend
from ..._creation import from_numpy, tensor
from ..._dtype import float64
from ..._tensor import Tensor

__all__ = ["default_collate", "default_convert", "pin_memory"]

_ERR_MSG = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _is_namedtuple(obj) -> bool:
    return isinstance(obj, tuple) and hasattr(obj, "_fields")


def _stack_tensors(batch) -> Tensor:
    # NOTE: stacks the storage directly, so the batch has no grad_fn: samples are data. The
    # message is torch.stack's.
    first = batch[0]
    for i, t in enumerate(batch):
        if t.shape != first.shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(first.shape)} at "
                f"entry 0 and {list(t.shape)} at entry {i}"
            )
        if t.device != first.device:
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two devices, "
                f"{first.device} and {t.device}!"
            )
    xp = first._device.xp
    return Tensor._make(xp.stack([t._data for t in batch]), first._device)


def default_collate(batch):
    """Collates a list of samples into a batch, recursively (torch's ``default_collate``).

    * Tensors and numpy arrays are stacked on a new first dimension (a tensor, dtype kept).
    * numpy scalars become a 1-d tensor of their dtype; Python ``float`` -> float64,
      ``int`` -> int64, ``bool`` -> bool tensors.
    * ``str``/``bytes`` stay a list.
    * dicts collate per key, namedtuples per field (same type), other sequences per position:
      tuples give a list (as in torch), lists give a list.

    Raises:
        TypeError: for elements of any other type, or numpy arrays of strings/objects.
        RuntimeError: when sequences or tensors in the batch differ in size.

    Example:
        >>> from eagergrad.utils.data import default_collate
        >>> default_collate([(1, 0.5, "a"), (2, 1.5, "b")])
        [tensor([1, 2]), tensor([0.5000, 1.5000], dtype=eagergrad.float64), ('a', 'b')]
        >>> default_collate([{"x": [1, 2]}, {"x": [3, 4]}])
        {'x': [tensor([1, 3]), tensor([2, 4])]}
    """
    elem = batch[0]
    elem_type = type(elem)
    if isinstance(elem, Tensor):
        return _stack_tensors(batch)
    if isinstance(elem, numpy.ndarray) or isinstance(elem, numpy.generic):
        if elem.dtype.kind in "USO":
            raise TypeError(_ERR_MSG.format(elem.dtype))
        if isinstance(elem, numpy.ndarray):
            shapes = {a.shape for a in batch}
            if len(shapes) > 1:
                first = batch[0].shape
                bad = next(i for i, a in enumerate(batch) if a.shape != first)
                raise RuntimeError(
                    f"stack expects each tensor to be equal size, but got {list(first)} at "
                    f"entry 0 and {list(batch[bad].shape)} at entry {bad}"
                )
        return from_numpy(numpy.stack(batch))
    if isinstance(elem, bool):
        return tensor(batch)
    if isinstance(elem, float):
        return tensor(batch, dtype=float64)
    if isinstance(elem, int):
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return elem_type(collated)
        except TypeError:
            return collated
    if _is_namedtuple(elem):
        return elem_type(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if not all(len(e) == size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))  # tuples: strings come back as a tuple, as in torch
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]  # as torch does
        try:
            return elem_type([default_collate(samples) for samples in transposed])
        except TypeError:
            return [default_collate(samples) for samples in transposed]
    raise TypeError(_ERR_MSG.format(elem_type))


def default_convert(data):
    """Converts numpy arrays in ``data`` to tensors, recursively, without batching.

    The ``collate_fn`` of a DataLoader with ``batch_size=None`` (torch's ``default_convert``).

    Example:
        >>> import numpy as np
        >>> from eagergrad.utils.data import default_convert
        >>> default_convert({"x": np.array([1, 2]), "y": 3})
        {'x': tensor([1, 2]), 'y': 3}
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, numpy.ndarray) or isinstance(data, numpy.generic):
        if data.dtype.kind in "USO":
            return data
        return from_numpy(numpy.asarray(data))
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # as torch does
    if isinstance(data, collections.abc.Sequence):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def pin_memory(data):
    """Copies the cpu tensors in ``data`` into page-locked memory, recursively.

    With cupy present the copies are pinned (``cudaHostAlloc``), so host-to-GPU copies are
    faster and can run asynchronously; without it this returns ``data`` unchanged.
    """
    if isinstance(data, Tensor):
        return data.pin_memory() if data._device is _backend.CPU else data
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        pinned = {k: pin_memory(v) for k, v in data.items()}
        try:
            return type(data)(pinned)
        except TypeError:
            return pinned
    if _is_namedtuple(data):
        return type(data)(*(pin_memory(d) for d in data))
    if isinstance(data, tuple):
        return [pin_memory(d) for d in data]  # as torch does
    if isinstance(data, collections.abc.Sequence):
        try:
            return type(data)([pin_memory(d) for d in data])
        except TypeError:
            return [pin_memory(d) for d in data]
    if hasattr(data, "pin_memory"):
        return data.pin_memory()
    return data
