"""class Tensor: storage, metadata and dunders. The math lives in ``_ops``; methods call it."""

from __future__ import annotations

import numpy

from . import _backend
from ._backend import CPU, Device
from ._dtype import _FROM_NP, bool_, float32, int64, to_dtype
from .autograd.grad_mode import _mode

__all__ = ["Tensor", "Size"]

_ndarray = numpy.ndarray
_generic = numpy.generic
_asarray = numpy.asarray


class Size(tuple):
    """A tensor's shape: a tuple that prints like torch's ``torch.Size``.

    Example:
        >>> import eagergrad as eg
        >>> s = eg.zeros(2, 3).shape
        >>> s
        eagergrad.Size([2, 3])
        >>> s[1], len(s), s.numel()
        (3, 2, 6)
    """

    __slots__ = ()

    def __repr__(self):
        return f"eagergrad.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


class Tensor:
    """A multi-dimensional array that records the ops applied to it for autograd.

    Create tensors with ``eg.tensor``, ``eg.zeros``... rather than this class. A tensor holds
    one numpy (cpu) or cupy (cuda) array; ``requires_grad=True`` makes ops on it record a graph
    that ``backward()`` walks to fill ``.grad``.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4.])
    """

    # NOTE [Tensor attributes]
    # Defaults live on the class, so a new tensor stores only ``_data`` and ``_device`` (plus
    # the graph fields when it is an op's output): creating tensors is the per-op cost.
    # ``_base`` is the tensor whose storage a view shares; version counts live on that base so
    # an in-place change through any view is seen by every saved alias.
    requires_grad = False
    grad = None
    grad_fn = None
    _output_nr = 0
    _base = None
    _vc = 0  # the version count; only the base tensor's is used (see _version)
    _retains_grad = False
    _hooks = None
    _post_acc_hooks = None
    _engine_owned = False  # a gradient sum the engine allocated and may add into in place
    _view_src = None  # (parent, index) for views made by indexing
    __array_priority__ = 1000  # numpy defers ``ndarray + tensor`` to Tensor.__radd__

    def __init__(self, *args, **kwargs):
        raise TypeError(
            "eagergrad.Tensor cannot be constructed directly; use eg.tensor(data), eg.zeros(...), "
            "eg.empty(...) or eg.from_numpy(array)"
        )

    # --- construction (internal) ----------------------------------------------------------
    @staticmethod
    def _make(data, device, requires_grad=False, grad_fn=None, output_nr=0, cls=None):
        """Wraps an array without copying. The fast constructor every op uses."""
        t = object.__new__(cls or Tensor)
        if data.__class__ is not _ndarray and isinstance(data, _generic):
            # numpy returns scalars from 0-d ops (and ops on two wrapped Python scalars give
            # one on any device): keep storage an array of the tensor's device.
            data = device.xp.asarray(data)
        t._data = data
        t._device = device
        if requires_grad:
            t.requires_grad = True
            if grad_fn is not None:
                t.grad_fn = grad_fn
                if output_nr:
                    t._output_nr = output_nr
        return t

    @staticmethod
    def _make_raw(data, device):
        """Like ``_make`` but keeps a numpy scalar as is (internal scalar operands only)."""
        t = object.__new__(Tensor)
        t._data = data
        t._device = device
        return t

    # --- metadata -------------------------------------------------------------------------
    @property
    def _version(self) -> int:
        """The storage's version counter, shared by a tensor, its views and detach()es."""
        base = self._base
        return (base if base is not None else self)._vc

    @_version.setter
    def _version(self, value: int) -> None:
        base = self._base
        (base if base is not None else self)._vc = value

    @property
    def dtype(self):
        """The element type, e.g. ``eg.float32`` (as ``torch.Tensor.dtype``).

        Example:
            >>> import eagergrad as eg
            >>> eg.tensor([1.0]).dtype, eg.tensor([1]).dtype
            (eagergrad.float32, eagergrad.int64)
        """
        return _FROM_NP[self._data.dtype]

    @property
    def device(self) -> Device:
        """The device the data lives on: ``cpu``, or ``cuda:N`` with cupy.

        Example:
            >>> import eagergrad as eg
            >>> eg.zeros(1).device
            device(type='cpu')
        """
        return self._device

    @property
    def shape(self) -> Size:
        """The size of each dimension, an ``eg.Size`` (a tuple); ``size()`` gives the same.

        Example:
            >>> import eagergrad as eg
            >>> eg.zeros(2, 3).shape
            eagergrad.Size([2, 3])
        """
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        """The shape, or the size of dimension ``dim``.

        Example:
            >>> import eagergrad as eg
            >>> x = eg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
            >>> x.size()
            eagergrad.Size([2, 3])
            >>> x.size(1), x.size(-1)
            (3, 3)
        """
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim, "size")]

    @property
    def ndim(self) -> int:
        """The number of dimensions, ``len(self.shape)``.

        Example:
            >>> import eagergrad as eg
            >>> eg.zeros(2, 3).ndim
            2
        """
        return self._data.ndim

    def dim(self) -> int:
        """The number of dimensions (``ndim``); ``ndimension`` is the same method.

        Returns:
            An ``int``.

        Example:
            >>> import eagergrad as eg
            >>> x = eg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
            >>> x.dim()
            2
            >>> eg.tensor(3.0).dim()
            0
        """
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        """The number of elements, the product of the shape; ``nelement`` is the same method.

        Returns:
            An ``int``.

        Example:
            >>> import eagergrad as eg
            >>> x = eg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
            >>> x.numel()
            6
        """
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        """The size in bytes of one element of this tensor's dtype.

        Returns:
            An ``int`` (4 for float32, 8 for int64).

        Example:
            >>> import eagergrad as eg
            >>> eg.zeros(2).element_size(), eg.zeros(2, dtype=eg.int64).element_size()
            (4, 8)
        """
        return self._data.itemsize

    def stride(self, dim: int | None = None):
        """Strides in elements (torch convention), or the stride of ``dim``.

        Example:
            >>> import eagergrad as eg
            >>> x = eg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
            >>> x.stride()
            (3, 1)
            >>> x.t().stride(0)
            1
        """
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim, "stride")]

    def is_contiguous(self) -> bool:
        """Whether the elements are laid out row-major without gaps (C order).

        Returns:
            A ``bool``; ``contiguous()`` returns a copy that is.

        Example:
            >>> import eagergrad as eg
            >>> x = eg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
            >>> x.is_contiguous(), x.t().is_contiguous()
            (True, False)
            >>> x.t().contiguous().is_contiguous()
            True
        """
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating type (float16, float32 or float64).

        Returns:
            A ``bool``.

        Example:
            >>> import eagergrad as eg
            >>> eg.tensor([1.0]).is_floating_point(), eg.tensor([1]).is_floating_point()
            (True, False)
        """
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        """Whether the dtype is complex: always ``False``, eagergrad has no complex dtypes.

        Returns:
            ``False``.

        Example:
            >>> import eagergrad as eg
            >>> eg.tensor([1.0]).is_complex()
            False
        """
        return False

    @property
    def is_cuda(self) -> bool:
        """Whether the data lives on a CUDA device.

        Example:
            >>> import eagergrad as eg
            >>> eg.zeros(1).is_cuda
            False
        """
        return self._device.type == "cuda"

    @property
    def is_leaf(self) -> bool:
        """Whether the tensor has no ``grad_fn``: made by the user rather than by a recorded op.

        Only leaves that require grad get ``.grad`` filled by backward (see ``retain_grad``).

        Example:
            >>> import eagergrad as eg
            >>> x = eg.tensor([1.0], requires_grad=True)
            >>> x.is_leaf, (x * 2).is_leaf
            (True, False)
            >>> eg.ones(1).is_leaf
            True
        """
        return self.grad_fn is None

    @property
    def is_sparse(self) -> bool:
        """Whether the tensor is sparse: always ``False``, eagergrad tensors are dense.

        Example:
            >>> import eagergrad as eg
            >>> eg.zeros(1).is_sparse
            False
        """
        return False

    def data_ptr(self) -> int:
        """The address of the first element (host memory on cpu, device memory on cuda).

        Returns:
            An ``int``; views that start at the same element share it.

        Example:
            >>> import eagergrad as eg
            >>> x = eg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
            >>> x.data_ptr() == x.view(6).data_ptr()
            True
            >>> x.data_ptr() == x.clone().data_ptr()
            False
        """
        d = self._data
        return d.ctypes.data if isinstance(d, _ndarray) else d.data.ptr

    @property
    def data(self) -> Tensor:
        """A tensor on the same storage, outside the graph (torch's ``.data``).

        Unlike ``detach()`` it does not share the version counter, as in torch.

        Example:
            >>> import eagergrad as eg
            >>> w = eg.tensor([1.0, 2.0], requires_grad=True)
            >>> w.data.requires_grad
            False
            >>> w.data.mul_(2)  # an update autograd does not see
            tensor([2., 4.])
            >>> w
            tensor([2., 4.], requires_grad=True)
        """
        return Tensor._make(self._data, self._device)

    @data.setter
    def data(self, value: Tensor):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = value._data
        self._device = value._device

    @property
    def T(self) -> Tensor:
        """All dims reversed (``x.permute(n-1, ..., 0)``).

        Example:
            >>> import eagergrad as eg
            >>> x = eg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
            >>> x.T.shape
            eagergrad.Size([3, 2])
        """
        return _F.permute(self, tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        """The last two dims swapped (batched matrix transpose).

        Example:
            >>> import eagergrad as eg
            >>> eg.zeros(5, 2, 3).mT.shape
            eagergrad.Size([5, 3, 2])
        """
        if self._data.ndim < 2:
            raise RuntimeError(
                f"tensor.mT is only supported on matrices or batches of matrices. Got "
                f"{self._data.ndim}-D tensor."
            )
        return _F.transpose(self, -2, -1)

    # --- autograd -------------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Sets ``requires_grad`` in place (leaves only) and returns ``self``.

        Example:
            >>> import eagergrad as eg
            >>> w = eg.zeros(2).requires_grad_()
            >>> w.requires_grad
            True
        """
        if not self.is_leaf:
            if requires_grad:
                return self
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(
                "only Tensors of floating point dtype can require gradients "
                f"(got {self.dtype.name})"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Computes the gradient of this tensor w.r.t. the graph's leaves into their ``.grad``.

        Args:
            gradient: the gradient of the final result w.r.t. this tensor; may be omitted only
                for one-element tensors.
            retain_graph: keep the saved tensors so backward can run again (defaults to
                ``create_graph``).
            create_graph: record the backward pass itself, for higher-order gradients.
            inputs: accumulate only into these tensors' ``.grad``.

        Example:
            >>> import eagergrad as eg
            >>> x = eg.tensor([1.0, 2.0], requires_grad=True)
            >>> (x ** 2).sum().backward()
            >>> x.grad
            tensor([2., 4.])
            >>> x.grad = None
            >>> (x * 3).backward(gradient=eg.tensor([1.0, 0.5]))
            >>> x.grad
            tensor([3.0000, 1.5000])
        """
        _engine.backward(self, gradient, retain_graph, create_graph, inputs)

    def retain_grad(self) -> None:
        """Keeps ``.grad`` for this non-leaf tensor after backward.

        Example:
            >>> import eagergrad as eg
            >>> x = eg.tensor([1.0, 2.0], requires_grad=True)
            >>> y = x * 2
            >>> y.retain_grad()
            >>> (y * y).sum().backward()
            >>> y.grad
            tensor([4., 8.])
        """
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None and not self._retains_grad:
            self._retains_grad = True
            self.grad_fn._add_pre_hook(("retain", self._output_nr, _weakref(self)))

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this non-leaf tensor.

        Example:
            >>> import eagergrad as eg
            >>> x = eg.tensor([1.0], requires_grad=True)
            >>> y = x * 2
            >>> y.retains_grad
            False
            >>> y.retain_grad()
            >>> y.retains_grad
            True
        """
        return self._retains_grad

    def register_hook(self, hook):
        """Registers ``hook(grad)`` run when this tensor's gradient is computed.

        The hook may return a new gradient to use instead. Returns a handle with ``remove()``.

        Example:
            >>> import eagergrad as eg
            >>> x = eg.tensor([1.0, 2.0], requires_grad=True)
            >>> h = x.register_hook(lambda g: g * 10)
            >>> x.sum().backward()
            >>> x.grad
            tensor([10., 10.])
            >>> h.remove()
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._add_pre_hook(("tensor", self._output_nr, hook))
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        from .autograd.function import _RemovableHandle

        return _RemovableHandle(self._hooks, hook)

    def detach(self) -> Tensor:
        """A tensor on the same storage, cut from the graph (shares the version counter).

        Example:
            >>> import eagergrad as eg
            >>> x = eg.tensor([1.0], requires_grad=True)
            >>> y = (x * 2).detach()
            >>> y.requires_grad, y.grad_fn is None
            (False, True)
        """
        out = Tensor._make(self._data, self._device)
        out._base = self._base if self._base is not None else self
        return out

    def detach_(self) -> Tensor:
        """Cuts this tensor from the graph in place, making it a leaf.

        Example:
            >>> import eagergrad as eg
            >>> x = eg.tensor([1.0], requires_grad=True)
            >>> y = x * 2
            >>> _ = y.detach_()
            >>> y.requires_grad, y.is_leaf
            (False, True)
        """
        self.grad_fn = None
        self.requires_grad = False
        self._output_nr = 0
        return self

    def clone(self, *, memory_format=None) -> Tensor:
        """A copy with its own storage; gradients flow back to ``self``.

        Example:
            >>> import eagergrad as eg
            >>> a = eg.tensor([1.0, 2.0])
            >>> b = a.clone()
            >>> _ = b.add_(1)
            >>> a, b
            (tensor([1., 2.]), tensor([2., 3.]))
        """
        return _F.clone(self)

    # --- conversions out of the tensor ----------------------------------------------------
    def item(self):
        """The value of a one-element tensor as a Python number.

        Example:
            >>> import eagergrad as eg
            >>> eg.tensor([2.5]).item()
            2.5
            >>> eg.tensor(3).item()
            3
        """
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return _backend.to_host(self._data).reshape(()).item()

    def tolist(self):
        """The values as (nested) Python lists of numbers.

        Example:
            >>> import eagergrad as eg
            >>> eg.tensor([[1, 2], [3, 4]]).tolist()
            [[1, 2], [3, 4]]
            >>> eg.tensor(1.5).tolist()
            1.5
        """
        return _backend.to_host(self._data).tolist()

    def numpy(self, *, force: bool = False) -> numpy.ndarray:
        """The numpy array behind a cpu tensor (shared memory).

        Example:
            >>> import eagergrad as eg
            >>> t = eg.tensor([1.0, 2.0])
            >>> a = t.numpy()
            >>> a[0] = 9.0
            >>> t
            tensor([9., 2.])
            >>> eg.tensor([1.0], requires_grad=True).detach().numpy()
            array([1.], dtype=float32)
        """
        if self._device.type != "cpu":
            if force:
                return _backend.to_host(self._data)
            raise TypeError(
                f"can't convert {self._device} device type tensor to numpy. Use Tensor.cpu() "
                "to copy the tensor to host memory first."
            )
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        return _asarray(self._data)

    def __array__(self, dtype=None, copy=None):
        if self._device.type != "cpu":
            raise TypeError(
                f"can't convert {self._device} device type tensor to numpy. Use Tensor.cpu() "
                "to copy the tensor to host memory first."
            )
        a = _asarray(self._data)
        if dtype is not None:
            a = a.astype(dtype, copy=False)
        return a.copy() if copy else a

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous"
            )
        return bool(self.item())

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(_F.unbind(self, 0))

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return _format.tensor_repr(self)

    def __format__(self, spec):
        if self._data.ndim == 0 and spec:
            return format(self.item(), spec)
        return repr(self)

    def __reduce_ex__(self, protocol):
        raise TypeError(
            "eagergrad tensors are not picklable (eagergrad never uses pickle); use eg.save / "
            "eg.load, or .numpy() for a numpy array"
        )

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment."
            )
        out = Tensor._make(self._data.copy(), self._device, cls=type(self))
        out.__dict__.update(
            {k: v for k, v in self.__dict__.items() if k not in ("_data", "_device", "grad")}
        )
        out._base = None
        if self.grad is not None:
            out.grad = self.grad.__deepcopy__(memo)
        memo[id(self)] = out
        return out

    # --- devices and dtypes ---------------------------------------------------------------
    def to(self, *args, **kwargs) -> Tensor:
        """Returns a tensor with the given device and/or dtype (``self`` if nothing changes).

        Accepts ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other_tensor)`` and
        the keywords ``device``, ``dtype``, ``non_blocking``, ``copy``.

        Example:
            >>> import eagergrad as eg
            >>> x = eg.tensor([1, 2])
            >>> x.to(eg.float32)
            tensor([1., 2.])
            >>> x.to('cpu') is x
            True
            >>> x.to(eg.zeros(1, dtype=eg.float64)).dtype
            eagergrad.float64
        """
        device, dtype, copy, non_blocking = _parse_to(args, kwargs)
        out = self
        if dtype is not None and dtype.np != self._data.dtype:
            out = _F.to_dtype(out, dtype)
        if device is not None and device is not out._device:
            out = _F.to_device(out, device, non_blocking)
        if copy and out is self:
            out = _F.clone(self)
        return out

    def cuda(self, device=None, non_blocking: bool = False) -> Tensor:
        """A copy on a CUDA device (``self`` if already there).

        Example:
            >>> import eagergrad as eg
            >>> if eg.cuda.is_available():  # needs cupy and a GPU
            ...     y = eg.ones(2).cuda()
        """
        if device is None:
            dev = Device("cuda")
        elif isinstance(device, int):
            dev = Device("cuda", device)
        else:
            dev = _backend.get_device(device)
        return self.to(dev, non_blocking=non_blocking)

    def pin_memory(self) -> Tensor:
        """A copy of this cpu tensor in page-locked (pinned) host memory (``self`` if pinned).

        Copies from pinned memory to a GPU are faster, and ``.to('cuda', non_blocking=True)``
        from it does not wait for the copy. Without a GPU there is nothing to pin for and the
        tensor itself is returned (torch raises there).

        Example:
            >>> import eagergrad as eg
            >>> x = eg.ones(2).pin_memory()
            >>> x.is_pinned() == eg.cuda.is_available()
            True
        """
        if self._device is not CPU:
            raise RuntimeError(f"cannot pin '{_type_name(self)}' only dense CPU tensors can be "
                               "pinned")
        if _backend.is_pinned(self._data):
            return self
        pinned = _backend.pin_memory(self._data)
        return self if pinned is self._data else Tensor._make(pinned, CPU)

    def is_pinned(self) -> bool:
        """Whether this tensor lives in pinned host memory (see ``pin_memory``)."""
        return _backend.is_pinned(self._data)

    def cpu(self) -> Tensor:
        """A copy in host memory (``self`` if already there).

        Example:
            >>> import eagergrad as eg
            >>> x = eg.ones(2)
            >>> x.cpu() is x
            True
        """
        return self.to(CPU)

    def type(self, dtype=None):
        """The type name (no argument), or a tensor converted to ``dtype``.

        Example:
            >>> import eagergrad as eg
            >>> x = eg.tensor([1.0])
            >>> x.type()
            'eagergrad.FloatTensor'
            >>> x.type(eg.int64)
            tensor([1])
        """
        if dtype is None:
            return _type_name(self)
        return self.to(to_dtype(dtype))

    def type_as(self, other: Tensor) -> Tensor:
        """A copy converted to ``other``'s dtype (``self`` if it already has it).

        Args:
            other: the tensor whose dtype to use.

        Returns:
            ``self.to(other.dtype)``.

        Example:
            >>> import eagergrad as eg
            >>> eg.tensor([1, 2]).type_as(eg.zeros(1))
            tensor([1., 2.])
        """
        return self.to(other.dtype)

    def float(self) -> Tensor:
        """``self`` converted to ``float32`` (``self`` if it already is): ``self.to(eg.float32)``.

        Returns:
            A tensor of dtype ``float32``. Autograd records the conversion when the result is
            floating; an integer result does not require grad.

        Example:
            >>> import eagergrad as eg
            >>> eg.tensor([1.7, -2.0]).float()
            tensor([ 1.7000, -2.0000])
        """
        return self.to(float32)

    def double(self) -> Tensor:
        """``self`` converted to ``float64`` (``self`` if it already is): ``self.to(eg.float64)``.

        Returns:
            A tensor of dtype ``float64``. Autograd records the conversion when the result is
            floating; an integer result does not require grad.

        Example:
            >>> import eagergrad as eg
            >>> eg.tensor([1.7, -2.0]).double()
            tensor([ 1.7000, -2.0000], dtype=eagergrad.float64)
        """
        return self.to(to_dtype("float64"))

    def half(self) -> Tensor:
        """``self`` converted to ``float16`` (``self`` if it already is): ``self.to(eg.float16)``.

        Returns:
            A tensor of dtype ``float16``. Autograd records the conversion when the result is
            floating; an integer result does not require grad.

        Example:
            >>> import eagergrad as eg
            >>> eg.tensor([1.7, -2.0]).half()
            tensor([ 1.7002, -2.0000], dtype=eagergrad.float16)
        """
        return self.to(to_dtype("float16"))

    def long(self) -> Tensor:
        """``self`` converted to ``int64`` (``self`` if it already is): ``self.to(eg.int64)``.

        Returns:
            A tensor of dtype ``int64``. Autograd records the conversion when the result is
            floating; an integer result does not require grad.

        Example:
            >>> import eagergrad as eg
            >>> eg.tensor([1.7, -2.0]).long()
            tensor([ 1, -2])
        """
        return self.to(int64)

    def int(self) -> Tensor:
        """``self`` converted to ``int32`` (``self`` if it already is): ``self.to(eg.int32)``.

        Returns:
            A tensor of dtype ``int32``. Autograd records the conversion when the result is
            floating; an integer result does not require grad.

        Example:
            >>> import eagergrad as eg
            >>> eg.tensor([1.7, -2.0]).int()
            tensor([ 1, -2], dtype=eagergrad.int32)
        """
        return self.to(to_dtype("int32"))

    def short(self) -> Tensor:
        """``self`` converted to ``int16`` (``self`` if it already is): ``self.to(eg.int16)``.

        Returns:
            A tensor of dtype ``int16``. Autograd records the conversion when the result is
            floating; an integer result does not require grad.

        Example:
            >>> import eagergrad as eg
            >>> eg.tensor([1.7, -2.0]).short()
            tensor([ 1, -2], dtype=eagergrad.int16)
        """
        return self.to(to_dtype("int16"))

    def char(self) -> Tensor:
        """``self`` converted to ``int8`` (``self`` if it already is): ``self.to(eg.int8)``.

        Returns:
            A tensor of dtype ``int8``. Autograd records the conversion when the result is
            floating; an integer result does not require grad.

        Example:
            >>> import eagergrad as eg
            >>> eg.tensor([1.7, -2.0]).char()
            tensor([ 1, -2], dtype=eagergrad.int8)
        """
        return self.to(to_dtype("int8"))

    def byte(self) -> Tensor:
        """``self`` converted to ``uint8`` (``self`` if it already is): ``self.to(eg.uint8)``.

        Returns:
            A tensor of dtype ``uint8``.

        Example:
            >>> import eagergrad as eg
            >>> eg.tensor([1.7, 200.0]).byte()
            tensor([  1, 200], dtype=eagergrad.uint8)
        """
        return self.to(to_dtype("uint8"))

    def bool(self) -> Tensor:
        """A copy converted to ``bool`` (``self`` if it already is): nonzero becomes ``True``.

        Returns:
            A tensor of dtype ``bool``.

        Example:
            >>> import eagergrad as eg
            >>> eg.tensor([0.0, 0.5, -2.0]).bool()
            tensor([False,  True,  True])
        """
        return self.to(bool_)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False) -> Tensor:
        """A new tensor from ``data`` with this tensor's dtype and device by default.

        Args:
            data: a number, (nested) list, numpy array or tensor; always copied.
            dtype: the result's dtype (default: ``self``'s).
            device: the result's device (default: ``self``'s).
            requires_grad: whether the result records operations for autograd.

        Returns:
            A new leaf tensor.

        Example:
            >>> import eagergrad as eg
            >>> base = eg.zeros(1, dtype=eg.float64)
            >>> base.new_tensor([1, 2])
            tensor([1., 2.], dtype=eagergrad.float64)
        """
        return _C.tensor(data, dtype=dtype or self.dtype, device=device or self._device,
                         requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        """A tensor of zeros of ``size`` with this tensor's dtype and device by default.

        Args:
            *size: the shape, as ints or one sequence.
            dtype: the result's dtype (default: ``self``'s).
            device: the result's device (default: ``self``'s).
            requires_grad: whether the result records operations for autograd.

        Returns:
            A new tensor.

        Example:
            >>> import eagergrad as eg
            >>> base = eg.tensor([1, 2])
            >>> base.new_zeros(2, 3)
            tensor([[0, 0, 0],
                    [0, 0, 0]])
        """
        return _C.zeros(*size, dtype=dtype or self.dtype, device=device or self._device,
                        requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        """A tensor of ones of ``size`` with this tensor's dtype and device by default.

        Args:
            *size: the shape, as ints or one sequence.
            dtype: the result's dtype (default: ``self``'s).
            device: the result's device (default: ``self``'s).
            requires_grad: whether the result records operations for autograd.

        Returns:
            A new tensor.

        Example:
            >>> import eagergrad as eg
            >>> eg.zeros(1, dtype=eg.float64).new_ones((2,))
            tensor([1., 1.], dtype=eagergrad.float64)
        """
        return _C.ones(*size, dtype=dtype or self.dtype, device=device or self._device,
                       requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        """An uninitialised tensor of ``size`` with this tensor's dtype and device by default.

        Args:
            *size: the shape, as ints or one sequence.
            dtype: the result's dtype (default: ``self``'s).
            device: the result's device (default: ``self``'s).
            requires_grad: whether the result records operations for autograd.

        Returns:
            A new tensor whose values are arbitrary.

        Example:
            >>> import eagergrad as eg
            >>> t = eg.tensor([1, 2]).new_empty(3)
            >>> t.shape, t.dtype
            (eagergrad.Size([3]), eagergrad.int64)
        """
        return _C.empty(*size, dtype=dtype or self.dtype, device=device or self._device,
                        requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
        """A ``size`` tensor filled with ``fill_value``; dtype and device default to ``self``'s.

        Args:
            size: the shape, a sequence of ints.
            fill_value: the value of every element.
            dtype: the result's dtype (default: ``self``'s).
            device: the result's device (default: ``self``'s).
            requires_grad: whether the result records operations for autograd.

        Returns:
            A new tensor.

        Example:
            >>> import eagergrad as eg
            >>> eg.zeros(1).new_full((2, 2), 3.5)
            tensor([[3.5000, 3.5000],
                    [3.5000, 3.5000]])
        """
        return _C.full(size, fill_value, dtype=dtype or self.dtype, device=device or self._device,
                       requires_grad=requires_grad)

    # --- in-place machinery -----------------------------------------------------------------
    def _inplace(self, name: str, fn, *args, **kwargs) -> Tensor:
        """Runs ``fn(self, *args)`` out of place and writes the result into ``self``.

        See NOTE [In-place ops].
        """
        recording = _mode.enabled and (
            self.requires_grad
            or any(isinstance(a, Tensor) and a.requires_grad for a in args)
            or any(isinstance(a, Tensor) and a.requires_grad for a in kwargs.values())
        )
        if recording:
            if self.requires_grad and self.grad_fn is None:
                raise RuntimeError(
                    f"{name}: a leaf Variable that requires grad is being used in an in-place "
                    "operation."
                )
            # The op must see the value before the write, not the overwritten storage.
            src = Tensor._make(self._data.copy(), self._device, self.requires_grad,
                               self.grad_fn, self._output_nr)
            if self._base is not None:
                return self._inplace_on_view(name, fn(src, *args, **kwargs))
        else:
            src = self
        result = fn(src, *args, **kwargs)
        self._write(name, result, recording)
        return self

    def _inplace_on_view(self, name: str, result: Tensor) -> Tensor:
        """In-place op on a view while recording: ``parent[index] = result``, then this view
        becomes a fresh view of the updated parent (torch's CopySlices, for indexing views)."""
        view_src = self._view_src
        if view_src is None:
            raise RuntimeError(
                f"{name}: in-place operation on a view made by a reshape/transpose/expand-like "
                "op while recording gradients is not supported by eagergrad (torch rewrites "
                "the base's history; eagergrad would silently lose it). Use the out-of-place "
                "op, or index assignment on the base tensor (base[idx] = value)."
            )
        if result._data.shape != self._data.shape:
            raise RuntimeError(
                f"{name}: output with shape {list(self._data.shape)} doesn't match the broadcast "
                f"shape {list(result._data.shape)}"
            )
        parent, index = view_src
        parent[index] = result  # records IndexPut on the parent (recursing through views)
        fresh = _F.getitem(parent, index)
        self.grad_fn, self._output_nr = fresh.grad_fn, fresh._output_nr
        self.requires_grad = fresh.requires_grad
        return self

    def _write(self, name: str, result: Tensor, recording: bool) -> None:
        data = self._data
        r = result._data
        if r.shape != data.shape:
            raise RuntimeError(
                f"{name}: output with shape {list(data.shape)} doesn't match the broadcast shape "
                f"{list(numpy.broadcast_shapes(r.shape, data.shape))}"
            )
        if r.dtype != data.dtype and not _can_cast(r.dtype, data.dtype):
            raise RuntimeError(
                f"{name}: result type {_scalar_name(r.dtype)} can't be cast to the desired "
                f"output type {_scalar_name(data.dtype)}"
            )
        if not _backend.writeable(data):
            raise RuntimeError(f"{name}: the tensor's storage is read-only (a broadcast view?)")
        if r is not data:
            data[...] = r
        root = self._base if self._base is not None else self
        root._version += 1
        if recording and result.requires_grad:
            self.requires_grad = True
            self.grad_fn = result.grad_fn
            self._output_nr = result._output_nr

    def zero_(self) -> Tensor:
        """Fills with zeros in place.

        Example:
            >>> import eagergrad as eg
            >>> eg.ones(3).zero_()
            tensor([0., 0., 0.])
        """
        return self.fill_(0)

    def fill_(self, value) -> Tensor:
        """Fills with ``value`` (a number or a one-element tensor) in place.

        Example:
            >>> import eagergrad as eg
            >>> eg.empty(2, 2).fill_(1.5)
            tensor([[1.5000, 1.5000],
                    [1.5000, 1.5000]])
        """
        value_requires_grad = isinstance(value, Tensor) and value.requires_grad
        if _mode.enabled and (self.requires_grad or value_requires_grad):
            return self._inplace("fill_", _F.fill_like, value)  # recorded: see _inplace
        if isinstance(value, Tensor):
            value = value.item()
        self._check_writable("fill_")
        self._data.fill(value)
        self._bump()
        return self

    def copy_(self, src: Tensor, non_blocking: bool = False) -> Tensor:
        """Copies ``src`` (broadcast to this shape, any dtype or device) into ``self``.

        Example:
            >>> import eagergrad as eg
            >>> dst = eg.zeros(2, 3)
            >>> dst.copy_(eg.tensor([1, 2, 3]))
            tensor([[1., 2., 3.],
                    [1., 2., 3.]])
        """
        if not isinstance(src, Tensor):
            raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
        return self._inplace("copy_", _F.copy_from, src)

    def _check_writable(self, name):
        if _mode.enabled and self.requires_grad and self.grad_fn is None:
            raise RuntimeError(
                f"{name}: a leaf Variable that requires grad is being used in an in-place "
                "operation."
            )

    def _bump(self):
        root = self._base if self._base is not None else self
        root._version += 1

    def _ufunc_(self, name: str, ufunc: str, other, alpha=1):
        """In-place arithmetic straight into the storage (``out=``) when no graph is recorded.

        Returns None when the fast path does not apply (recording, a view needing checks, or
        dtype promotion that must go through the general path).
        """
        if _mode.enabled and (self.requires_grad or (isinstance(other, Tensor)
                                                     and other.requires_grad)):
            return None
        data = self._data
        if isinstance(other, Tensor):
            if other._device is not self._device:
                return None
            o = other._data
            if o.dtype != data.dtype:
                return None
        elif isinstance(other, (int, float)) and not isinstance(other, bool):
            if data.dtype.kind != "f" and isinstance(other, float):
                return None  # int tensor, float scalar: torch raises; the general path does
            o = other
        else:
            return None
        if alpha != 1:
            o = o * alpha
        if not _backend.writeable(data):
            return None
        try:
            getattr(self._device.xp, ufunc)(data, o, out=data)
        except ValueError:
            return None  # not broadcastable to self: the general path raises torch's error
        self._bump()
        return self

    def add_(self, other, *, alpha=1) -> Tensor:
        if self._ufunc_("add_", "add", other, alpha) is None:
            self._inplace("add_", _F.add, other, alpha=alpha)
        return self

    def sub_(self, other, *, alpha=1) -> Tensor:
        if self._ufunc_("sub_", "subtract", other, alpha) is None:
            self._inplace("sub_", _F.sub, other, alpha=alpha)
        return self

    def mul_(self, other) -> Tensor:
        if self._ufunc_("mul_", "multiply", other) is None:
            self._inplace("mul_", _F.mul, other)
        return self

    def div_(self, other, *, rounding_mode=None) -> Tensor:
        if rounding_mode is None and self._data.dtype.kind == "f":
            done = self._ufunc_("div_", "true_divide", other)
            if done is not None:
                return done
        return self._inplace("div_", _F.div, other, rounding_mode=rounding_mode)

    def pow_(self, exponent) -> Tensor:
        return self._inplace("pow_", _F.pow, exponent)

    def neg_(self) -> Tensor:
        return self._inplace("neg_", _F.neg)

    def exp_(self) -> Tensor:
        return self._inplace("exp_", _F.exp)

    def log_(self) -> Tensor:
        return self._inplace("log_", _F.log)

    def sqrt_(self) -> Tensor:
        return self._inplace("sqrt_", _F.sqrt)

    def abs_(self) -> Tensor:
        return self._inplace("abs_", _F.abs)

    def relu_(self) -> Tensor:
        return self._inplace("relu_", _F.relu)

    def sigmoid_(self) -> Tensor:
        return self._inplace("sigmoid_", _F.sigmoid)

    def tanh_(self) -> Tensor:
        return self._inplace("tanh_", _F.tanh)

    def clamp_(self, min=None, max=None) -> Tensor:  # noqa: A002
        return self._inplace("clamp_", _F.clamp, min, max)

    clip_ = clamp_

    def lerp_(self, end, weight) -> Tensor:
        return self._inplace("lerp_", _F.lerp, end, weight)

    def masked_fill_(self, mask, value) -> Tensor:
        return self._inplace("masked_fill_", _F.masked_fill, mask, value)

    def index_put_(self, indices, values, accumulate=False) -> Tensor:
        return self._inplace("index_put_", _F.index_put, indices, values, accumulate=accumulate)

    def index_add_(self, dim, index, source, *, alpha=1) -> Tensor:
        return self._inplace("index_add_", _F.index_add, dim, index, source, alpha=alpha)

    def scatter_(self, dim, index, src=None, *, value=None, reduce=None) -> Tensor:
        return self._inplace("scatter_", _F.scatter, dim, index, src, value=value, reduce=reduce)

    def scatter_add_(self, dim, index, src) -> Tensor:
        return self._inplace("scatter_add_", _F.scatter_add, dim, index, src)

    def uniform_(self, from_=0.0, to=1.0, *, generator=None) -> Tensor:
        """Fills with samples of U(from_, to) in place.

        Example:
            >>> import eagergrad as eg
            >>> _ = eg.manual_seed(0)
            >>> x = eg.empty(100).uniform_(-1, 1)
            >>> bool(((x >= -1) & (x < 1)).all())
            True
        """
        self._check_writable("uniform_")
        self._data[...] = _random.uniform_array(self, from_, to, generator)
        self._bump()
        return self

    def normal_(self, mean=0.0, std=1.0, *, generator=None) -> Tensor:
        """Fills with samples of N(mean, std**2) in place.

        Example:
            >>> import eagergrad as eg
            >>> _ = eg.manual_seed(0)
            >>> eg.empty(2, 3).normal_(mean=0.0, std=0.1).shape
            eagergrad.Size([2, 3])
        """
        self._check_writable("normal_")
        self._data[...] = _random.normal_array(self, mean, std, generator)
        self._bump()
        return self

    def bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
        self._check_writable("bernoulli_")
        self._data[...] = _random.uniform_array(self, 0.0, 1.0, generator) < p
        self._bump()
        return self

    def exponential_(self, lambd=1.0, *, generator=None) -> Tensor:
        """Fills with samples of the exponential distribution of rate ``lambd`` in place.

        Args:
            lambd: the rate; the samples have mean ``1 / lambd``.
            generator: the generator to draw from (default: the global one).

        Returns:
            ``self``.

        Example:
            >>> import eagergrad as eg
            >>> _ = eg.manual_seed(0)
            >>> x = eg.empty(1000).exponential_(2.0)
            >>> bool((x >= 0).all()), abs(x.mean().item() - 0.5) < 0.1
            (True, True)
        """
        self._check_writable("exponential_")
        u = _random.uniform_array(self, 0.0, 1.0, generator)
        self._data[...] = -self._device.xp.log1p(-u) / lambd
        self._bump()
        return self

    def random_(self, from_=0, to=None, *, generator=None) -> Tensor:
        """Fills with integers drawn uniformly from ``[from_, to)`` in place.

        ``random_(to)`` draws from ``[0, to)``. Without bounds the range follows the dtype, as in
        torch: ``[0, 2**mantissa]`` for floats (``2**24`` for float32, ``2**53`` for float64,
        ``2**11`` for float16), ``[0, max]`` for integers, ``{False, True}`` for bool.

        Args:
            from_: the lowest value (inclusive), or ``to`` when ``to`` is not given.
            to: one above the highest value.
            generator: the generator to draw from (default: the global one).

        Returns:
            ``self``.

        Example:
            >>> import eagergrad as eg
            >>> _ = eg.manual_seed(0)
            >>> x = eg.empty(100, dtype=eg.int64).random_(3, 6)
            >>> sorted(set(x.tolist()))
            [3, 4, 5]
        """
        self._check_writable("random_")
        if to is None and from_ == 0:
            from_, to = 0, _random_upper_bound(self._data.dtype)
        elif to is None:
            from_, to = 0, from_
        self._data[...] = _random.randint_array(self, from_, to, generator)
        self._bump()
        return self

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __ipow__(self, other):
        return self.pow_(other)

    # --- indexing -------------------------------------------------------------------------
    def __getitem__(self, index):
        return _F.getitem(self, index)

    def __setitem__(self, index, value):
        if index.__class__ is Tensor and _fills_by_mask(self, index, value):
            # A whole-shape mask with one value is masked_fill_ (as torch does): no nonzero,
            # which would read back to the host on a GPU.
            self.masked_fill_(index, value)
            return
        if _mode.enabled and (self.requires_grad or (isinstance(value, Tensor)
                                                     and value.requires_grad)):
            self._inplace("__setitem__", _F.index_put_value, index, value)
        else:
            _F.setitem_no_grad(self, index, value)

    # --- arithmetic dunders -----------------------------------------------------------------
    # __add__, __radd__, __sub__, __mul__, __rmul__, __truediv__, __matmul__ and __neg__ are
    # the op functions themselves, bound by _ops/__init__.py (see NOTE [Hot methods] there),
    # as are exp, log, tanh, sigmoid and relu.
    def __rsub__(self, other):
        return _F.sub(other, self)

    def __rtruediv__(self, other):
        return _F.div(other, self)

    def __floordiv__(self, other):
        return _F.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _F.floor_divide(other, self)

    def __mod__(self, other):
        return _F.remainder(self, other)

    def __rmod__(self, other):
        return _F.remainder(other, self)

    def __pow__(self, other):
        return _F.pow(self, other)

    def __rpow__(self, other):
        return _F.pow(other, self)

    def __rmatmul__(self, other):
        return _F.matmul(other, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _F.abs(self)

    def __invert__(self):
        return _F.bitwise_not(self)

    def __and__(self, other):
        return _F.bitwise_and(self, other)

    __rand__ = __and__

    def __or__(self, other):
        return _F.bitwise_or(self, other)

    __ror__ = __or__

    def __xor__(self, other):
        return _F.bitwise_xor(self, other)

    __rxor__ = __xor__

    def __eq__(self, other):
        if not isinstance(other, _OPERANDS):
            return NotImplemented  # ``t == None`` is False, as in torch
        return _F.eq(self, other)

    def __ne__(self, other):
        if not isinstance(other, _OPERANDS):
            return NotImplemented
        return _F.ne(self, other)

    def __lt__(self, other):
        return _F.lt(self, other)

    def __le__(self, other):
        return _F.le(self, other)

    def __gt__(self, other):
        return _F.gt(self, other)

    def __ge__(self, other):
        return _F.ge(self, other)

    # --- elementwise math -------------------------------------------------------------------
    def add(self, other, *, alpha=1):
        return _F.add(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        return _F.sub(self, other, alpha=alpha)

    subtract = sub

    def mul(self, other):
        return _F.mul(self, other)

    multiply = mul

    def div(self, other, *, rounding_mode=None):
        return _F.div(self, other, rounding_mode=rounding_mode)

    divide = div

    def true_divide(self, other):
        return _F.div(self, other)

    def floor_divide(self, other):
        return _F.floor_divide(self, other)

    def remainder(self, other):
        return _F.remainder(self, other)

    def fmod(self, other):
        return _F.fmod(self, other)

    def pow(self, exponent):
        return _F.pow(self, exponent)

    def neg(self):
        return _F.neg(self)

    negative = neg

    def abs(self):
        return _F.abs(self)

    absolute = abs

    def exp2(self):
        return _F.exp2(self)

    def expm1(self):
        return _F.expm1(self)

    def log1p(self):
        return _F.log1p(self)

    def log2(self):
        return _F.log2(self)

    def log10(self):
        return _F.log10(self)

    def sqrt(self):
        return _F.sqrt(self)

    def rsqrt(self):
        return _F.rsqrt(self)

    def square(self):
        return _F.square(self)

    def sin(self):
        return _F.sin(self)

    def cos(self):
        return _F.cos(self)

    def tan(self):
        return _F.tan(self)

    def asin(self):
        return _F.asin(self)

    def acos(self):
        return _F.acos(self)

    def atan(self):
        return _F.atan(self)

    def sinh(self):
        return _F.sinh(self)

    def cosh(self):
        return _F.cosh(self)

    def atan2(self, other):
        return _F.atan2(self, other)

    def sign(self):
        return _F.sign(self)

    def floor(self):
        return _F.floor(self)

    def ceil(self):
        return _F.ceil(self)

    def round(self, *, decimals=0):
        return _F.round(self, decimals=decimals)

    def trunc(self):
        return _F.trunc(self)

    def frac(self):
        return _F.frac(self)

    def reciprocal(self):
        return _F.reciprocal(self)

    def erf(self):
        return _F.erf(self)

    def erfc(self):
        return _F.erfc(self)

    def erfinv(self):
        return _F.erfinv(self)

    def erfinv_(self) -> Tensor:
        return self._inplace("erfinv_", _F.erfinv)

    def clamp(self, min=None, max=None):  # noqa: A002
        return _F.clamp(self, min, max)

    clip = clamp

    def clamp_min(self, min):  # noqa: A002
        return _F.clamp(self, min, None)

    def clamp_max(self, max):  # noqa: A002
        return _F.clamp(self, None, max)

    def maximum(self, other):
        return _F.maximum(self, other)

    def minimum(self, other):
        return _F.minimum(self, other)

    def where(self, condition, other):
        return _F.where(condition, self, other)

    def lerp(self, end, weight):
        return _F.lerp(self, end, weight)

    def eq(self, other):
        return _F.eq(self, other)

    def ne(self, other):
        return _F.ne(self, other)

    def lt(self, other):
        return _F.lt(self, other)

    def le(self, other):
        return _F.le(self, other)

    def gt(self, other):
        return _F.gt(self, other)

    def ge(self, other):
        return _F.ge(self, other)

    def equal(self, other) -> bool:
        return _F.equal(self, other)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
        return _F.allclose(self, other, rtol=rtol, atol=atol, equal_nan=equal_nan)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _F.isclose(self, other, rtol=rtol, atol=atol, equal_nan=equal_nan)

    def logical_and(self, other):
        return _F.logical_and(self, other)

    def logical_or(self, other):
        return _F.logical_or(self, other)

    def logical_xor(self, other):
        return _F.logical_xor(self, other)

    def logical_not(self):
        return _F.logical_not(self)

    def isnan(self):
        return _F.isnan(self)

    def isinf(self):
        return _F.isinf(self)

    def isfinite(self):
        return _F.isfinite(self)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return _F.nan_to_num(self, nan=nan, posinf=posinf, neginf=neginf)

    def softmax(self, dim, dtype=None):
        return _F.softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim, dtype=None):
        return _F.log_softmax(self, dim, dtype=dtype)

    # --- reductions -------------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, *, dtype=None):
        return _F.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        return _F.mean(self, dim, keepdim, dtype=dtype)

    def prod(self, dim=None, keepdim=False, *, dtype=None):
        return _F.prod(self, dim, keepdim, dtype=dtype)

    def max(self, dim=None, keepdim=False):
        return _F.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return _F.min(self, dim, keepdim)

    def amax(self, dim=(), keepdim=False):
        return _F.amax(self, dim, keepdim)

    def amin(self, dim=(), keepdim=False):
        return _F.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return _F.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return _F.argmin(self, dim, keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _F.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _F.std(self, dim, unbiased, keepdim, correction=correction)

    def logsumexp(self, dim, keepdim=False):
        return _F.logsumexp(self, dim, keepdim)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return _F.norm(self, p, dim, keepdim, dtype=dtype)

    def all(self, dim=None, keepdim=False):
        return _F.all(self, dim, keepdim)

    def any(self, dim=None, keepdim=False):
        return _F.any(self, dim, keepdim)

    def cumsum(self, dim, *, dtype=None):
        return _F.cumsum(self, dim, dtype=dtype)

    def median(self, dim=None, keepdim=False):
        return _F.median(self, dim, keepdim)

    def nanmedian(self, dim=None, keepdim=False):
        return _F.nanmedian(self, dim, keepdim)

    def nansum(self, dim=None, keepdim=False, *, dtype=None):
        return _F.nansum(self, dim, keepdim, dtype=dtype)

    def nanmean(self, dim=None, keepdim=False, *, dtype=None):
        return _F.nanmean(self, dim, keepdim, dtype=dtype)

    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return _F.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return _F.nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    def cummax(self, dim):
        return _F.cummax(self, dim)

    def cummin(self, dim):
        return _F.cummin(self, dim)

    def logcumsumexp(self, dim):
        return _F.logcumsumexp(self, dim)

    def aminmax(self, *, dim=None, keepdim=False):
        return _F.aminmax(self, dim=dim, keepdim=keepdim)

    def mode(self, dim=-1, keepdim=False):
        return _F.mode(self, dim, keepdim)

    def logaddexp(self, other):
        return _F.logaddexp(self, other)

    def logaddexp2(self, other):
        return _F.logaddexp2(self, other)

    def hypot(self, other):
        return _F.hypot(self, other)

    def xlogy(self, other):
        return _F.xlogy(self, other)

    def sinc(self):
        return _F.sinc(self)

    def deg2rad(self):
        return _F.deg2rad(self)

    def rad2deg(self):
        return _F.rad2deg(self)

    def heaviside(self, values):
        return _F.heaviside(self, values)

    def logit(self, eps=None):
        return _F.logit(self, eps)

    def cross(self, other, dim=None):
        return _F.cross(self, other, dim)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return _F.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addmv(self, mat, vec, *, beta=1, alpha=1):
        return _F.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addr(self, vec1, vec2, *, beta=1, alpha=1):
        return _F.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
        return _F.repeat_interleave(self, repeats, dim, output_size=output_size)

    def diag(self, diagonal=0):
        return _F.diag(self, diagonal)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        return _F.diag_embed(self, offset, dim1, dim2)

    def trace(self):
        return _F.trace(self)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
        return _F.unique(self, sorted, return_inverse, return_counts, dim)

    def bincount(self, weights=None, minlength=0):
        return _F.bincount(self, weights, minlength)

    def moveaxis(self, source, destination):
        return _F.moveaxis(self, source, destination)

    def take(self, index):
        return _F.take(self, index)

    def rot90(self, k=1, dims=(0, 1)):
        return _F.rot90(self, k, dims)

    def kron(self, other):
        return _F.kron(self, other)

    def hsplit(self, indices_or_sections):
        return _F.hsplit(self, indices_or_sections)

    def vsplit(self, indices_or_sections):
        return _F.vsplit(self, indices_or_sections)

    def dsplit(self, indices_or_sections):
        return _F.dsplit(self, indices_or_sections)

    def cumprod(self, dim, *, dtype=None):
        return _F.cumprod(self, dim, dtype=dtype)

    def sort(self, dim=-1, descending=False, stable=False):
        return _F.sort(self, dim, descending, stable=stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        return _F.argsort(self, dim, descending, stable=stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002
        return _F.topk(self, k, dim, largest, sorted)

    def count_nonzero(self, dim=None):
        return _F.count_nonzero(self, dim)

    # --- linear algebra ---------------------------------------------------------------------
    def matmul(self, other):
        return _F.matmul(self, other)

    def mm(self, mat2):
        return _F.mm(self, mat2)

    def bmm(self, mat2):
        return _F.bmm(self, mat2)

    def mv(self, vec):
        return _F.mv(self, vec)

    def dot(self, other):
        return _F.dot(self, other)

    def outer(self, vec2):
        return _F.outer(self, vec2)

    def t(self):
        return _F.t(self)

    # --- shape ------------------------------------------------------------------------------
    def reshape(self, *shape):
        return _F.reshape(self, _shape_arg(shape))

    def view(self, *shape):
        return _F.view(self, _shape_arg(shape))

    def view_as(self, other):
        """A view of ``self`` with ``other``'s shape: ``self.view(other.shape)``.

        Args:
            other: the tensor whose shape to use.

        Returns:
            A view sharing storage with ``self``; see ``eg.view`` for when a view is possible.

        Example:
            >>> import eagergrad as eg
            >>> x = eg.arange(6)
            >>> x.view_as(eg.zeros(2, 3))
            tensor([[0, 1, 2],
                    [3, 4, 5]])
        """
        return _F.view(self, other.shape)

    def reshape_as(self, other):
        """``self`` reshaped to ``other``'s shape: ``self.reshape(other.shape)``.

        Args:
            other: the tensor whose shape to use.

        Returns:
            A view when possible, else a copy.

        Example:
            >>> import eagergrad as eg
            >>> eg.arange(4).reshape_as(eg.zeros(2, 2))
            tensor([[0, 1],
                    [2, 3]])
        """
        return _F.reshape(self, other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return _F.flatten(self, start_dim, end_dim)

    def ravel(self):
        """The elements as a 1-D tensor: ``self.flatten()`` (a view when possible, else a copy).

        Returns:
            A 1-D tensor of ``numel()`` elements.

        Example:
            >>> import eagergrad as eg
            >>> eg.tensor([[1, 2], [3, 4]]).ravel()
            tensor([1, 2, 3, 4])
        """
        return _F.flatten(self)

    def unflatten(self, dim, sizes):
        return _F.unflatten(self, dim, sizes)

    def squeeze(self, dim=None):
        return _F.squeeze(self, dim)

    def unsqueeze(self, dim):
        return _F.unsqueeze(self, dim)

    def transpose(self, dim0, dim1):
        return _F.transpose(self, dim0, dim1)

    swapaxes = transpose
    swapdims = transpose

    def permute(self, *dims):
        return _F.permute(self, _shape_arg(dims))

    def movedim(self, source, destination):
        return _F.movedim(self, source, destination)

    def expand(self, *sizes):
        return _F.expand(self, _shape_arg(sizes))

    def expand_as(self, other):
        """``self`` broadcast to ``other``'s shape without copying: ``self.expand(other.shape)``.

        Args:
            other: the tensor whose shape to use.

        Returns:
            A view; sizes of 1 in ``self`` are repeated with stride 0.

        Example:
            >>> import eagergrad as eg
            >>> eg.tensor([[1], [2]]).expand_as(eg.zeros(2, 3))
            tensor([[1, 1, 1],
                    [2, 2, 2]])
        """
        return _F.expand(self, other.shape)

    def broadcast_to(self, shape):
        return _F.broadcast_to(self, shape)

    def repeat(self, *sizes):
        return _F.repeat(self, _shape_arg(sizes))

    def tile(self, *dims):
        return _F.tile(self, _shape_arg(dims))

    def split(self, split_size, dim=0):
        return _F.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return _F.chunk(self, chunks, dim)

    def unbind(self, dim=0):
        return _F.unbind(self, dim)

    def flip(self, *dims):
        return _F.flip(self, _shape_arg(dims))

    def roll(self, shifts, dims=None):
        return _F.roll(self, shifts, dims)

    def narrow(self, dim, start, length):
        return _F.narrow(self, dim, start, length)

    def select(self, dim, index):
        return _F.select(self, dim, index)

    def tril(self, diagonal=0):
        return _F.tril(self, diagonal)

    def triu(self, diagonal=0):
        return _F.triu(self, diagonal)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return _F.diagonal(self, offset, dim1, dim2)

    def contiguous(self, memory_format=None):
        return _F.contiguous(self)

    # --- indexing ops -----------------------------------------------------------------------
    def gather(self, dim, index):
        return _F.gather(self, dim, index)

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        return _F.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim, index, src):
        return _F.scatter_add(self, dim, index, src)

    def index_select(self, dim, index):
        return _F.index_select(self, dim, index)

    def index_put(self, indices, values, accumulate=False):
        return _F.index_put(self, indices, values, accumulate=accumulate)

    def index_add(self, dim, index, source, *, alpha=1):
        return _F.index_add(self, dim, index, source, alpha=alpha)

    def masked_fill(self, mask, value):
        return _F.masked_fill(self, mask, value)

    def masked_select(self, mask):
        return _F.masked_select(self, mask)

    def take_along_dim(self, indices, dim=None):
        return _F.take_along_dim(self, indices, dim)

    def nonzero(self, *, as_tuple=False):
        return _F.nonzero(self, as_tuple=as_tuple)


# --- helpers ---------------------------------------------------------------------------------
_OPERANDS = (Tensor, int, float, numpy.generic)


def _random_upper_bound(np_dtype) -> int:
    """One above the largest value ``random_()`` draws for a dtype (torch's rule)."""
    if np_dtype.kind == "f":
        return 2 ** (numpy.finfo(np_dtype).nmant + 1) + 1
    if np_dtype.kind == "b":
        return 2
    return int(numpy.iinfo(np_dtype).max) + 1


def _wrap_dim(dim: int, ndim: int, name: str) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def _shape_arg(args):
    """Accepts ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` as torch does."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return args


def _can_cast(src, dst) -> bool:
    # torch allows float->float and int->int narrowing in-place, but not float->int.
    order = "biuf"
    return order.index(src.kind) <= order.index(dst.kind) or (src.kind in "iu" and dst.kind in "iu")


_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                 "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _scalar_name(np_dtype) -> str:
    """torch's ScalarType name (Float, Long...) used in its error messages."""
    return _SCALAR_NAMES[_FROM_NP[np_dtype].name]


def _type_name(t: Tensor) -> str:
    names = {
        "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
        "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
        "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
    }
    prefix = "eagergrad.cuda." if t.is_cuda else "eagergrad."
    return prefix + names[t.dtype.name]


def _fills_by_mask(t: Tensor, mask: Tensor, value) -> bool:
    """Whether ``t[mask] = value`` is ``t.masked_fill_(mask, value)`` exactly: a bool mask of
    ``t``'s shape and one value of ``t``'s kind (no cast decides anything)."""
    if mask._data.dtype != numpy.bool_ or mask._data.shape != t._data.shape:
        return False
    kind = t._data.dtype.kind
    if isinstance(value, Tensor):
        return value._data.ndim == 0 and value._data.dtype == t._data.dtype
    if isinstance(value, bool):
        return kind == "b"
    if isinstance(value, int):
        return kind in "iuf"
    return isinstance(value, float) and kind == "f"


def _parse_to(args, kwargs):
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    non_blocking = kwargs.pop("non_blocking", False)
    copy = kwargs.pop("copy", False)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a._device, a.dtype
        elif isinstance(a, Device) or (isinstance(a, str) and a.split(":")[0] in
                                        _backend._DEVICE_TYPES):
            device = a
        elif isinstance(a, int) and not isinstance(a, bool):
            device = a
        elif isinstance(a, bool):
            non_blocking = a  # given positionally, as torch allows
        else:
            dtype = a
    if device is not None:
        device = _backend.get_device(device)
        _backend.xp_of(device)
    if dtype is not None:
        dtype = to_dtype(dtype)
    return device, dtype, copy, non_blocking


def _weakref(t):
    import weakref

    return weakref.ref(t)


# NOTE [In-place ops]
# An in-place op runs its out-of-place twin and writes the result into this tensor's storage,
# so views keep seeing it. When the graph is recorded, the twin runs on a snapshot of the old
# value (which is what backward needs) and this tensor takes the twin's grad_fn: its history
# is rewritten as in torch. The version counter is bumped so any node that saved the old value
# raises at backward time. A leaf that requires grad refuses in-place ops while grad mode is
# on. An in-place op on a *view* while recording must also rewrite the base's history. For views
# made by indexing (``x[:, 0] += y``), the op is applied out of place and written back with
# ``parent[index] = result`` (which records IndexPut on the parent, recursively through views of
# views), and the view then becomes a fresh view of the updated parent: torch's CopySlices. For
# other views (reshape, transpose, expand...) eagergrad raises rather than silently drop history.

# NOTE [import cycle]: the modules that implement Tensor's methods import Tensor, so they are
# imported here, at the bottom, once the class exists.
from . import _creation as _C  # noqa: E402
from . import _format  # noqa: E402
from . import _ops as _F  # noqa: E402
from . import random as _random  # noqa: E402
from .autograd import _custom  # noqa: E402
from .autograd import engine as _engine  # noqa: E402
from .autograd import function as _function  # noqa: E402

_engine._TENSOR = Tensor
_engine._make = Tensor._make
_function._TENSOR = Tensor
_custom.Tensor = Tensor
