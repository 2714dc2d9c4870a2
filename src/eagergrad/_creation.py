"""Tensor factories: tensor, from_numpy, zeros/ones/full/empty(_like), arange, eye, rand..."""

from __future__ import annotations

import math

import numpy

from . import _backend
from . import random as _random
from ._backend import get_device, xp_of
from ._dtype import bool_, from_numpy_dtype, get_default_dtype, int64, to_dtype
from ._tensor import Size, Tensor

__all__ = [
    "tensor", "as_tensor", "from_numpy", "asarray",
    "zeros", "ones", "full", "empty", "zeros_like", "ones_like", "full_like", "empty_like",
    "arange", "linspace", "logspace", "eye",
    "rand", "randn", "randint", "randperm", "normal", "rand_like", "randn_like", "randint_like",
    "bernoulli", "multinomial",
]


def _finish(data, device, requires_grad) -> Tensor:
    t = Tensor._make(data, device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_np(data):
    """numpy array for Python data, with torch's dtype inference (floats -> default dtype)."""
    if isinstance(data, Tensor):
        return _backend.to_host(data._data)
    if isinstance(data, (numpy.ndarray, numpy.generic)):
        return data
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flat(data)):
        data = _nested_items(data)
    arr = numpy.array(data)
    kind = arr.dtype.kind
    if kind == "f":
        return arr.astype(get_default_dtype().np, copy=False)
    if kind in "iu":
        return arr.astype(numpy.int64, copy=False)
    if kind == "b":
        return arr
    raise TypeError(
        f"Could not infer dtype of {type(data).__name__}" if kind == "O" else
        f"new(): invalid data type '{arr.dtype}'"
    )


def _flat(seq):
    for x in seq:
        if isinstance(x, (list, tuple)):
            yield from _flat(x)
        else:
            yield x


def _nested_items(x):
    if isinstance(x, Tensor):
        return _backend.to_host(x._data)
    if isinstance(x, (list, tuple)):
        return [_nested_items(v) for v in x]
    return x


def tensor(data, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``.

    Python floats give the default dtype (float32), ints int64, bools bool; numpy arrays keep
    their dtype (a float64 array stays float64, as in torch).

    Example:
        >>> import eagergrad as eg
        >>> eg.tensor([[1, 2], [3, 4]])
        tensor([[1, 2],
                [3, 4]])
        >>> eg.tensor(1.5).dtype
        eagergrad.float32
    """
    if isinstance(data, Tensor) and device is None:
        device = data._device
    elif not isinstance(data, _HOST_DATA):
        source = _backend.device_array_device(data)
        if source is not None:  # a cupy array: copied, on its own device unless told otherwise
            dev = get_device(device or source)
            out = _backend.to_device(_device_array(data, dtype), dev)
            return _finish(out, dev, requires_grad)
    dev = get_device(device)
    if dtype is not None and not isinstance(data, (Tensor, numpy.ndarray, numpy.generic)):
        # Python numbers go straight to the requested dtype (no float32 round trip).
        arr = numpy.array(_nested_items(data) if isinstance(data, (list, tuple)) else data,
                          dtype=to_dtype(dtype).np)
    else:
        arr = _infer_np(data)
        from_numpy_dtype(arr.dtype)
        if dtype is not None:
            arr = arr.astype(to_dtype(dtype).np)
    xp = xp_of(dev)
    if xp is numpy:
        out = numpy.array(arr, copy=True)
    else:
        # numpy.ascontiguousarray would turn a 0-d array into a 1-d one.
        out = _backend.to_device(numpy.asarray(arr, order="C"), dev)
    return _finish(out, dev, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a numpy array or tensor when it can.

    Example:
        >>> import eagergrad as eg
        >>> import numpy as np
        >>> a = np.array([1.0, 2.0])
        >>> t = eg.as_tensor(a)
        >>> a[0] = 5.0
        >>> t
        tensor([5., 2.], dtype=eagergrad.float64)
    """
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype) if (device or dtype) else data
    if isinstance(data, numpy.ndarray) and device is None:
        t = from_numpy(data)
        return t.to(to_dtype(dtype)) if dtype is not None else t
    source = None if isinstance(data, _HOST_DATA) else _backend.device_array_device(data)
    if source is not None and get_device(device or source) is source:
        # A cupy array on the requested device: shared, as torch shares through
        # __cuda_array_interface__.
        return Tensor._make(_device_array(data, dtype), source)
    return tensor(data, dtype=dtype, device=device)


# Python and numpy data: never a device array, so ``tensor`` skips that check for them.
_HOST_DATA = (list, tuple, int, float, bool, complex, numpy.ndarray, numpy.generic)


def _device_array(arr, dtype):
    """A device (cupy) array checked for a dtype eagergrad has, cast to ``dtype`` if given."""
    from_numpy_dtype(arr.dtype)
    return arr.astype(to_dtype(dtype).np, copy=False) if dtype is not None else arr


asarray = as_tensor


def from_numpy(ndarray: numpy.ndarray) -> Tensor:
    """A cpu tensor sharing memory with ``ndarray`` (writes show in both).

    Example:
        >>> import numpy as np, eagergrad as eg
        >>> a = np.zeros(2, dtype=np.float32); t = eg.from_numpy(a); a[0] = 5
        >>> t
        tensor([5., 0.])
    """
    if not isinstance(ndarray, numpy.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    from_numpy_dtype(ndarray.dtype)
    return Tensor._make(ndarray, _backend.CPU)


def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s.item())
        if not isinstance(s, (int, numpy.integer)) or isinstance(s, bool):
            raise TypeError(
                f"size must be a tuple of ints, but got element of type {type(s).__name__}"
            )
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(int(s))
    return tuple(out)


def _float_dtype(dtype):
    return get_default_dtype() if dtype is None else to_dtype(dtype)


def _factory(fill, size, dtype, device, requires_grad):
    dev = get_device(device)
    d = _float_dtype(dtype)
    data = getattr(xp_of(dev), fill)(_size(size), dtype=d.np)
    return _finish(data, dev, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    """A tensor of zeros of the given size (default dtype float32).

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros(2, 3).shape
        eagergrad.Size([2, 3])
    """
    return _factory("zeros", size, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given size.

    Example:
        >>> import eagergrad as eg
        >>> eg.ones(2, 3)
        tensor([[1., 1., 1.],
                [1., 1., 1.]])
        >>> eg.ones((2,), dtype=eg.int64)
        tensor([1, 1])
    """
    return _factory("ones", size, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False) -> Tensor:
    """An uninitialised tensor of the given size.

    Example:
        >>> import eagergrad as eg
        >>> eg.empty(2, 3).shape
        eagergrad.Size([2, 3])
    """
    return _factory("empty", size, dtype, device, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; the dtype follows the value (int -> int64) as in torch.

    Example:
        >>> import eagergrad as eg
        >>> eg.full((2,), 7).dtype
        eagergrad.int64
    """
    if dtype is None:
        if isinstance(fill_value, Tensor):
            dtype = fill_value.dtype
            fill_value = fill_value.item()
        elif isinstance(fill_value, bool):
            dtype = bool_
        elif isinstance(fill_value, int):
            dtype = int64
        else:
            dtype = get_default_dtype()
    dev = get_device(device)
    data = xp_of(dev).full(_size((size,) if isinstance(size, int) else size), fill_value,
                           dtype=to_dtype(dtype).np)
    return _finish(data, dev, requires_grad)


def _like(t, dtype, device):
    return (t.dtype if dtype is None else to_dtype(dtype),
            t._device if device is None else get_device(device))


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad=False) -> Tensor:  # noqa: A002
    """A tensor of zeros with the shape (and, by default, dtype and device) of ``input``.

    Args:
        input: the tensor whose shape is used.
        dtype: the result's dtype (default: ``input``'s).
        device: the result's device (default: ``input``'s).
        requires_grad: whether the result records operations for autograd.

    Returns:
        A new tensor, not connected to ``input``'s graph.

    Example:
        >>> import eagergrad as eg
        >>> eg.zeros_like(eg.tensor([[1, 2], [3, 4]]))
        tensor([[0, 0],
                [0, 0]])
    """
    d, dev = _like(input, dtype, device)
    return _finish(xp_of(dev).zeros(input._data.shape, dtype=d.np), dev, requires_grad)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad=False) -> Tensor:  # noqa: A002
    """A tensor of ones with the shape (and, by default, dtype and device) of ``input``.

    Args:
        input: the tensor whose shape is used.
        dtype: the result's dtype (default: ``input``'s).
        device: the result's device (default: ``input``'s).
        requires_grad: whether the result records operations for autograd.

    Returns:
        A new tensor, not connected to ``input``'s graph.

    Example:
        >>> import eagergrad as eg
        >>> eg.ones_like(eg.tensor([1.0, 2.0, 3.0]))
        tensor([1., 1., 1.])
    """
    d, dev = _like(input, dtype, device)
    return _finish(xp_of(dev).ones(input._data.shape, dtype=d.np), dev, requires_grad)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad=False) -> Tensor:  # noqa: A002
    """An uninitialised tensor with the shape (and, by default, dtype and device) of ``input``.

    Args:
        input: the tensor whose shape is used.
        dtype: the result's dtype (default: ``input``'s).
        device: the result's device (default: ``input``'s).
        requires_grad: whether the result records operations for autograd.

    Returns:
        A new tensor whose values are arbitrary.

    Example:
        >>> import eagergrad as eg
        >>> t = eg.empty_like(eg.zeros(2, 3))
        >>> t.shape, t.dtype
        (eagergrad.Size([2, 3]), eagergrad.float32)
    """
    d, dev = _like(input, dtype, device)
    return _finish(xp_of(dev).empty(input._data.shape, dtype=d.np), dev, requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, device=None,  # noqa: A002
              requires_grad=False) -> Tensor:
    """A tensor filled with ``fill_value``, shaped like ``input``.

    Args:
        input: the tensor whose shape (and, by default, dtype and device) is used.
        fill_value: the value of every element.
        dtype: the result's dtype (default: ``input``'s).
        device: the result's device (default: ``input``'s).
        requires_grad: whether the result records operations for autograd.

    Returns:
        A new tensor, not connected to ``input``'s graph.

    Example:
        >>> import eagergrad as eg
        >>> eg.full_like(eg.zeros(2, 2), 7.0)
        tensor([[7., 7.],
                [7., 7.]])
    """
    d, dev = _like(input, dtype, device)
    return _finish(xp_of(dev).full(input._data.shape, fill_value, dtype=d.np), dev, requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 unless a bound is a float.

    Example:
        >>> import eagergrad as eg
        >>> eg.arange(5)
        tensor([0, 1, 2, 3, 4])
        >>> eg.arange(0, 1, 0.25)
        tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"arange: upper bound and larger bound inconsistent with step sign "
            f"(start={start}, end={end}, step={step})"
        )
    is_float = any(isinstance(v, float) for v in vals)
    d = to_dtype(dtype) if dtype is not None else (get_default_dtype() if is_float else int64)
    n = int(math.ceil((end - start) / step))
    dev = get_device(device)
    xp = xp_of(dev)
    if is_float or d.is_floating_point:
        data = (xp.arange(n, dtype=numpy.float64) * step + start).astype(d.np)
    else:
        data = xp.arange(start, end, step, dtype=d.np)
    return _finish(data, dev, requires_grad)


def linspace(start, end, steps: int, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Example:
        >>> import eagergrad as eg
        >>> eg.linspace(0, 1, 5)
        tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    d = _float_dtype(dtype)
    dev = get_device(device)
    data = xp_of(dev).linspace(float(start), float(end), int(steps)).astype(d.np)
    return _finish(data, dev, requires_grad)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` values from ``base ** start`` to ``base ** end``, evenly spaced in log scale.

    Args:
        start: the first exponent.
        end: the last exponent (included).
        steps: the number of values.
        base: the base of the logarithm.
        dtype: a floating dtype (default: the default dtype).
        device: the result's device.
        requires_grad: whether the result records operations for autograd.

    Returns:
        A 1-D tensor of ``steps`` values.

    Example:
        >>> import eagergrad as eg
        >>> eg.logspace(0, 2, 3)
        tensor([  1.,  10., 100.])
        >>> eg.logspace(0, 3, 4, base=2)
        tensor([1., 2., 4., 8.])
    """
    d = _float_dtype(dtype)
    dev = get_device(device)
    data = (base ** xp_of(dev).linspace(float(start), float(end), int(steps))).astype(d.np)
    return _finish(data, dev, requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    """A 2-D tensor with ones on the diagonal.

    Example:
        >>> import eagergrad as eg
        >>> eg.eye(2)
        tensor([[1., 0.],
                [0., 1.]])
        >>> eg.eye(2, 3)
        tensor([[1., 0., 0.],
                [0., 1., 0.]])
    """
    dev = get_device(device)
    data = xp_of(dev).eye(n, n if m is None else m, dtype=_float_dtype(dtype).np)
    return _finish(data, dev, requires_grad)


# --- random ----------------------------------------------------------------------------------
def _random_factory(size, dtype, device, requires_grad, sample):
    t = empty(*size, dtype=dtype, device=device)
    t._data[...] = sample(t)
    return _finish(t._data, t._device, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Samples of U(0, 1).

    Example:
        >>> import eagergrad as eg
        >>> _ = eg.manual_seed(0)
        >>> x = eg.rand(2, 3)
        >>> x.shape
        eagergrad.Size([2, 3])
        >>> bool(((x >= 0) & (x < 1)).all())
        True
    """
    return _random_factory(size, dtype, device, requires_grad,
                           lambda t: _random.uniform_array(t, 0.0, 1.0, generator))


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Samples of N(0, 1).

    Example:
        >>> import eagergrad as eg
        >>> _ = eg.manual_seed(0)
        >>> eg.randn(4, 5).shape
        eagergrad.Size([4, 5])
    """
    return _random_factory(size, dtype, device, requires_grad,
                           lambda t: _random.normal_array(t, 0.0, 1.0, generator))


def rand_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor:  # noqa: A002
    """Samples of U(0, 1) with the shape (and, by default, dtype and device) of ``input``.

    Args:
        input: the tensor whose shape is used.
        dtype: the result's dtype (default: ``input``'s).
        device: the result's device (default: ``input``'s).
        requires_grad: whether the result records operations for autograd.

    Returns:
        A new tensor drawn from the default generator.

    Example:
        >>> import eagergrad as eg
        >>> _ = eg.manual_seed(0)
        >>> eg.rand_like(eg.zeros(2, 3)).shape
        eagergrad.Size([2, 3])
    """
    d, dev = _like(input, dtype, device)
    return rand(*input._data.shape, dtype=d, device=dev, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor:  # noqa: A002
    """Samples of N(0, 1) with the shape (and, by default, dtype and device) of ``input``.

    Args:
        input: the tensor whose shape is used.
        dtype: the result's dtype (default: ``input``'s).
        device: the result's device (default: ``input``'s).
        requires_grad: whether the result records operations for autograd.

    Returns:
        A new tensor drawn from the default generator.

    Example:
        >>> import eagergrad as eg
        >>> _ = eg.manual_seed(0)
        >>> eg.randn_like(eg.zeros(3, dtype=eg.float64)).dtype
        eagergrad.float64
    """
    d, dev = _like(input, dtype, device)
    return randn(*input._data.shape, dtype=d, device=dev, requires_grad=requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False) -> Tensor:
    """Random integers in ``[low, high)`` (int64 by default): ``randint(high, size)`` too.

    Example:
        >>> import eagergrad as eg
        >>> _ = eg.manual_seed(0)
        >>> x = eg.randint(0, 10, (2, 3))
        >>> x.shape, x.dtype
        (eagergrad.Size([2, 3]), eagergrad.int64)
        >>> bool(((x >= 0) & (x < 10)).all())
        True
    """
    if size is None:
        if high is None:
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    d = int64 if dtype is None else to_dtype(dtype)
    t = empty(*_size((size,) if isinstance(size, int) else size), dtype=d, device=device)
    t._data[...] = _random.randint_array(t, low, high, generator)
    return _finish(t._data, t._device, requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None) -> Tensor:  # noqa: A002
    """Random integers in ``[low, high)`` shaped like ``input``; ``randint_like(input, high)`` too.

    Args:
        input: the tensor whose shape (and, by default, dtype and device) is used.
        low: the lowest value (inclusive), or ``high`` when ``high`` is not given.
        high: one above the highest value.
        dtype: the result's dtype (default: ``input``'s).
        device: the result's device (default: ``input``'s).

    Returns:
        A new tensor drawn from the default generator.

    Example:
        >>> import eagergrad as eg
        >>> _ = eg.manual_seed(0)
        >>> x = eg.randint_like(eg.zeros(4, dtype=eg.int64), 3)
        >>> x.shape, bool((x < 3).all())
        (eagergrad.Size([4]), True)
    """
    if high is None:
        low, high = 0, low
    d, dev = _like(input, dtype, device)
    return randint(low, high, tuple(input._data.shape), dtype=d, device=dev)


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A random permutation of ``0..n-1``.

    Example:
        >>> import eagergrad as eg
        >>> _ = eg.manual_seed(0)
        >>> eg.randperm(5).sort().values
        tensor([0, 1, 2, 3, 4])
    """
    dev = get_device(device)
    xp_of(dev)
    data = _random.permutation_array(dev, int(n), generator)
    d = int64 if dtype is None else to_dtype(dtype)
    return _finish(data.astype(d.np), dev, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False) -> Tensor:
    """Normal samples; ``mean``/``std`` may be tensors (broadcast) or numbers with ``size``.

    Example:
        >>> import eagergrad as eg
        >>> _ = eg.manual_seed(0)
        >>> eg.normal(2.0, 3.0, size=(2, 2)).shape
        eagergrad.Size([2, 2])
        >>> eg.normal(eg.zeros(3), eg.ones(3)).shape
        eagergrad.Size([3])
    """
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        like = mean if isinstance(mean, Tensor) else std
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        shape = numpy.broadcast_shapes(getattr(m, "shape", ()), getattr(s, "shape", ()))
        z = randn(*shape, generator=generator, dtype=like.dtype, device=like._device)
        return _finish((z._data * s + m).astype(like._data.dtype), like._device, requires_grad)
    if size is None:
        raise TypeError("normal() with float mean and std needs a size")
    size = (size,) if isinstance(size, int) else tuple(size)
    z = randn(*size, generator=generator, dtype=dtype, device=device)
    z._data *= std
    z._data += mean
    return _finish(z._data, z._device, requires_grad)


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:  # noqa: A002
    """0/1 samples with probabilities ``input`` (or ``p``).

    Example:
        >>> import eagergrad as eg
        >>> _ = eg.manual_seed(0)
        >>> eg.bernoulli(eg.tensor([0.0, 1.0, 1.0, 0.0]))
        tensor([0., 1., 1., 0.])
    """
    u = _random.uniform_array(input, 0.0, 1.0, generator)
    prob = input._data if p is None else p
    return Tensor._make((u < prob).astype(input._data.dtype), input._device)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator=None) -> Tensor:
    """Indices sampled from the rows of ``input`` (non-negative weights).

    Example:
        >>> import eagergrad as eg
        >>> _ = eg.manual_seed(0)
        >>> eg.multinomial(eg.tensor([0.0, 0.0, 1.0]), 2, replacement=True)
        tensor([2, 2])
        >>> eg.multinomial(eg.ones(2, 4), 3).shape
        eagergrad.Size([2, 3])
    """
    probs = _backend.to_host(input._data).astype(numpy.float64)
    if probs.ndim not in (1, 2):
        raise RuntimeError("multinomial: prob_dist must be 1 or 2 dim")
    rows = probs.reshape(-1, probs.shape[-1])
    if (rows < 0).any() or not numpy.isfinite(rows).all():
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or "
                           "element < 0")
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("multinomial: cannot sample n_sample > prob_dist.size(-1) samples "
                           "without replacement")
    rng = _random._generator_for(_backend.CPU, generator if generator is not None and
                                 generator.device.type == "cpu" else None).rng
    out = numpy.stack([
        rng.choice(r.shape[0], size=num_samples, replace=replacement, p=r / r.sum())
        for r in rows
    ]).astype(numpy.int64)
    out = out.reshape(probs.shape[:-1] + (num_samples,))
    return Tensor._make(_backend.to_device(out, input._device), input._device)


