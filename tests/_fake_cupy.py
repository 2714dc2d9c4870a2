"""A strict, cupy-shaped array namespace over numpy: a GPU dress rehearsal without a GPU.

The numpy-backed test device (``_backend._register_test_device``) catches device-propagation
bugs, but its arrays are numpy arrays, so code that only works on numpy passes there and fails
on the first GPU. ``fake_cupy`` is a namespace whose arrays behave like cupy's where that
matters for device-generic code:

- ``FakeArray`` is not a ``numpy.ndarray``; ``numpy.asarray(fake)`` raises cupy's
  "Implicit conversion to a NumPy array is not allowed" TypeError, and ``.get()`` copies to host.
- Mixing with a ``numpy.ndarray`` in arithmetic, ufuncs or namespace functions raises cupy's
  "Unsupported type" TypeError (numpy scalars and Python numbers are fine, as in cupy). Indices
  and ``__setitem__`` values may be numpy arrays: cupy copies those to the device.
- Only the names cupy has exist (read from the snapshot in tests/data/cupy_api.txt), on the
  namespace, its submodules, the arrays and ``random.default_rng``'s generator; ``numpy.foo(fake)``
  dispatches only when cupy has ``foo``, as cupy's ``__array_function__`` does.
- Reductions and integer indexing give 0-d arrays, not numpy scalars; there is no ``__index__``.
- Out-of-bounds integer-array indices wrap around (getitem, setitem, ``take_along_axis``,
  ``ufunc.at``), as cupy's do, where numpy raises.
- Calls bind to cupy's own parameters (tests/data/cupy_signatures.txt): a numpy-only keyword
  such as ``clip(x, min=...)`` or a ufunc's ``where=`` raises TypeError, as it would on a GPU.
- ``ufunc.at`` takes only the dtypes CUDA's atomics have (no int64 ``add.at``), as cupy's.
- Sorts are stable, as cupy's always are. ``flags`` has cupy's three (no ``writeable``),
  ``base`` is one object while it lives, ``data.ptr`` is the buffer's address.

What it does not model: cupy's dtype support gaps, kernels, streams and memory. Those need a GPU
(benchmarks/gpu_check.sh).
"""

from __future__ import annotations

import inspect
import pathlib
import types
import weakref

import numpy

_SNAPSHOT = pathlib.Path(__file__).resolve().parent / "data" / "cupy_api.txt"


def _cupy_names() -> frozenset:
    lines = _SNAPSHOT.read_text().splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


_NAMES = _cupy_names()


class SyncCounter:
    """Counts the calls that make cupy wait for the GPU (a device-to-host read).

    cupy syncs on ``bool``/``float``/``int``/``item``/``get``/``tolist``, and on what needs a
    data-dependent size (boolean-mask indexing, ``nonzero``, ``unique``...). A training step
    that syncs stalls the GPU pipeline, so tests assert the hot paths make none.
    """

    count = 0
    where: list = []

    @classmethod
    def hit(cls, what):
        cls.count += 1
        cls.where.append(what)

    @classmethod
    def reset(cls):
        cls.count = 0
        cls.where = []


# Namespace functions whose output size depends on the data (so cupy reads it back).
_SYNCING = {"nonzero", "argwhere", "flatnonzero", "unique", "compress", "extract"}


def _cupy_signatures() -> dict:
    """{"cupy.name": inspect.Signature} from tests/data/cupy_signatures.txt (names only)."""
    P = inspect.Parameter
    sigs = {}
    for line in _SNAPSHOT.with_name("cupy_signatures.txt").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, params = line[:-1].partition("(")
        kind, out = P.POSITIONAL_OR_KEYWORD, []
        for tok in filter(None, (t.strip() for t in params.split(","))):
            if tok == "/":
                out = [p.replace(kind=P.POSITIONAL_ONLY) for p in out]
            elif tok == "*":
                kind = P.KEYWORD_ONLY
            elif tok.startswith("**"):
                out.append(P(tok[2:], P.VAR_KEYWORD))
            elif tok.startswith("*"):
                out.append(P(tok[1:], P.VAR_POSITIONAL))
                kind = P.KEYWORD_ONLY
            else:
                out.append(P(tok.rstrip("="), kind,
                             default=None if tok.endswith("=") else P.empty))
        sigs[name] = inspect.Signature(out)
    return sigs


_SIGNATURES = _cupy_signatures()
# What cupy's ufuncs accept besides their operands (no ``where``, ``order`` or ``subok``).
_UFUNC_KWARGS = {"out", "dtype", "casting"}
# cupy's ufunc methods (cupy/_core/_kernel.pyx): no ``initial`` or ``where`` on reduce.
_UFUNC_METHOD_KWARGS = {"reduce": {"axis", "dtype", "out", "keepdims"},
                        "accumulate": {"axis", "dtype", "out"},
                        "reduceat": {"axis", "dtype", "out"}, "at": set()}
_IMPLICIT = ("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to "
             "construct a NumPy array explicitly.")
# cupy functions that accept host data (they copy it to the device).
_FROM_HOST = {"array", "asarray", "ascontiguousarray", "asfortranarray", "asanyarray"}
# Array methods whose results are host values, not arrays.
_HOST_RESULTS = {"item", "tolist", "tobytes", "get"}


def _device_only(obj, where):
    """``obj`` with FakeArrays unwrapped; a numpy array among them raises, as cupy does."""
    if isinstance(obj, FakeArray):
        return obj._a
    if isinstance(obj, numpy.ndarray):
        raise TypeError(f"Unsupported type {type(obj)} (in fake_cupy {where}: a host numpy "
                        f"array mixed with device arrays)")
    if isinstance(obj, (list, tuple)):
        return type(obj)(_device_only(v, where) for v in obj)
    if isinstance(obj, dict):
        return {k: _device_only(v, where) for k, v in obj.items()}
    return obj


def _host_ok(obj):
    """``obj`` with FakeArrays unwrapped; numpy arrays allowed (indices, creation functions)."""
    if isinstance(obj, FakeArray):
        return obj._a
    if isinstance(obj, (list, tuple)):
        return type(obj)(_host_ok(v) for v in obj)
    return obj


def _wrap(result):
    """numpy results as device arrays; numpy scalars become 0-d arrays, as cupy returns."""
    if isinstance(result, numpy.ndarray):
        return _wrapper(result)
    if isinstance(result, numpy.generic):
        return FakeArray(numpy.asarray(result))
    if isinstance(result, tuple):
        return tuple(_wrap(r) for r in result)
    if isinstance(result, list):
        return [_wrap(r) for r in result]
    return result


class _Device:
    id = 0

    def __repr__(self):
        return "<CUDA Device 0 (fake)>"


class _Flags:
    """cupy's ``ndarray.flags``: three flags, and no ``writeable`` (cupy arrays have none)."""

    __slots__ = ("c_contiguous", "f_contiguous", "owndata")

    def __init__(self, a):
        self.c_contiguous = a.flags.c_contiguous
        self.f_contiguous = a.flags.f_contiguous
        self.owndata = a.flags.owndata


class _MemoryPointer:
    __slots__ = ("ptr",)

    def __init__(self, a):
        self.ptr = a.__array_interface__["data"][0]


# The live wrapper of each wrapped numpy array, so that ``view.base`` is one object while it
# lives, as cupy's is (the engine keys shared storage on it).
_WRAPPERS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def _wrapper(a):
    w = _WRAPPERS.get(id(a))
    return w if w is not None and w._a is a else FakeArray(a)


class FakeArray:
    """A device array: a numpy array that refuses to be one."""

    __slots__ = ("_a", "_base", "__weakref__")

    def __init__(self, a):
        if not isinstance(a, numpy.ndarray):
            raise TypeError(f"FakeArray wraps numpy arrays, got {type(a).__name__}")
        self._a = a
        _WRAPPERS[id(a)] = self
        # A view keeps its base's wrapper alive, as a cupy view keeps its base array.
        self._base = _wrapper(a.base) if isinstance(a.base, numpy.ndarray) else None

    @property
    def base(self):
        return self._base

    @property
    def flags(self):
        return _Flags(self._a)

    @property
    def data(self):
        return _MemoryPointer(self._a)

    # --- the host boundary --------------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError(_IMPLICIT)

    def get(self, stream=None, order="C", out=None):
        SyncCounter.hit("get")
        return numpy.array(self._a, order=order)

    def set(self, arr, stream=None):
        self._a[...] = arr

    @property
    def device(self):
        return _Device()

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        where = f"numpy.{ufunc.__name__}.{method}"
        if f"cupy.{ufunc.__name__}" not in _NAMES:
            return NotImplemented
        inputs = _device_only(inputs, where)
        kwargs = _device_only(kwargs, where)
        return _wrap(getattr(ufunc, method)(*inputs, **kwargs))

    def __array_function__(self, func, types_, args, kwargs):
        module = func.__module__.split(".")[1:] if func.__module__ else []
        module = [m for m in module if not m.startswith("_")]
        name = ".".join(["cupy", *module, func.__name__])
        if name not in _NAMES:
            return NotImplemented  # numpy then raises TypeError, as it does for cupy arrays
        where = f"numpy.{func.__name__}"
        return _wrap(func(*_device_only(args, where), **_device_only(kwargs, where)))

    # --- attributes and methods: only cupy's ---------------------------------------------------
    def __getattr__(self, name):
        if f"cupy.ndarray.{name}" not in _NAMES:
            raise AttributeError(f"'cupy.ndarray' object has no attribute '{name}' (fake_cupy)")
        value = getattr(self._a, name)
        if not callable(value):
            return _wrap(value) if isinstance(value, numpy.ndarray) else value
        if name in _HOST_RESULTS:
            SyncCounter.hit(name)
            return value
        if name in _SYNCING:
            SyncCounter.hit(name)
        if name in ("argsort", "sort"):
            return lambda axis=-1: _wrap(value(axis=axis, kind="stable"))  # cupy: always stable

        def method(*args, **kwargs):
            where = f"ndarray.{name}"
            return _wrap(value(*_device_only(args, where), **_device_only(kwargs, where)))

        return method

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (_wrap(row) for row in self._a)

    def __repr__(self):
        return repr(self._a).replace("array(", "fake_cupy.array(", 1)

    def __getitem__(self, index):
        _count_mask_sync(index)
        return _wrap(self._a[_wrapped_index(self._a.shape, _host_ok(index))])

    def __setitem__(self, index, value):
        _count_mask_sync(index)
        self._a[_wrapped_index(self._a.shape, _host_ok(index))] = _host_ok(value)

    def __copy__(self):
        return FakeArray(self._a.copy())

    def __deepcopy__(self, memo):
        return FakeArray(self._a.copy())

    def __reduce__(self):
        return (FakeArray, (self._a,))

    __hash__ = None


def _wrapped_index(shape, index):
    """``index`` (host or unwrapped) with integer-array entries taken modulo their axis length.

    cupy wraps out-of-bounds integer-array indices around (its take/scatter kernels compute
    ``i % n``) where numpy raises: "Differences between CuPy and NumPy" in cupy's docs.
    """
    items = list(index) if isinstance(index, tuple) else [index]
    consuming = sum(1 if not (isinstance(it, numpy.ndarray) and it.dtype == numpy.bool_)
                    else it.ndim for it in items if it is not None and it is not Ellipsis)
    axis, out = 0, []
    for it in items:
        if it is Ellipsis:
            axis += len(shape) - consuming
        elif isinstance(it, numpy.ndarray) and it.dtype == numpy.bool_:
            axis += it.ndim
        elif isinstance(it, numpy.ndarray) and it.dtype.kind in "iu" and axis < len(shape):
            it = it % shape[axis] if shape[axis] else it
            axis += 1
        elif it is not None:
            axis += 1
        out.append(it)
    return tuple(out) if isinstance(index, tuple) else out[0]


def _along_axis(a, indices, axis):
    """The index tuple of ``take_along_axis(a, indices, axis)``, as cupy builds it."""
    axis = axis % a.ndim
    grids = numpy.ogrid[tuple(slice(n) for n in indices.shape)]
    return tuple(indices if d == axis else FakeArray(numpy.ascontiguousarray(
        numpy.broadcast_to(g, indices.shape))) for d, g in enumerate(grids))


def _count_mask_sync(index):
    """A boolean device-array index needs its count of True on the host: a sync in cupy."""
    for it in index if isinstance(index, tuple) else (index,):
        if isinstance(it, FakeArray) and it._a.dtype == numpy.bool_:
            SyncCounter.hit("boolean mask index")


def _binary(op):
    def forward(self, other):
        return _wrap(op(self._a, _device_only(other, op.__name__)))

    def reflected(self, other):
        return _wrap(op(_device_only(other, op.__name__), self._a))

    def inplace(self, other):
        # numpy's in-place operators keep the left operand's buffer, as cupy's do.
        op(self._a, _device_only(other, op.__name__), out=self._a)
        return self

    return forward, reflected, inplace


for _name, _ufunc in [("add", numpy.add), ("sub", numpy.subtract), ("mul", numpy.multiply),
                      ("truediv", numpy.true_divide), ("floordiv", numpy.floor_divide),
                      ("mod", numpy.remainder), ("pow", numpy.power), ("and", numpy.bitwise_and),
                      ("or", numpy.bitwise_or), ("xor", numpy.bitwise_xor),
                      ("lshift", numpy.left_shift), ("rshift", numpy.right_shift),
                      ("matmul", numpy.matmul)]:
    _f, _r, _i = _binary(_ufunc)
    setattr(FakeArray, f"__{_name}__", _f)
    setattr(FakeArray, f"__r{_name}__", _r)
    setattr(FakeArray, f"__i{_name}__", _i)
for _name, _ufunc in [("eq", numpy.equal), ("ne", numpy.not_equal), ("lt", numpy.less),
                      ("le", numpy.less_equal), ("gt", numpy.greater),
                      ("ge", numpy.greater_equal)]:
    setattr(FakeArray, f"__{_name}__", _binary(_ufunc)[0])
def _host_read(convert):
    """``bool(a)``, ``float(a)``...: a read back to the host, which cupy waits for."""
    def read(self):
        SyncCounter.hit(convert.__name__)
        return convert(self._a)

    return read


for _convert in (bool, float, int, complex):
    setattr(FakeArray, f"__{_convert.__name__}__", _host_read(_convert))
for _name, _ufunc in [("neg", numpy.negative), ("pos", numpy.positive), ("abs", numpy.absolute),
                      ("invert", numpy.invert)]:
    setattr(FakeArray, f"__{_name}__", lambda self, _u=_ufunc: _wrap(_u(self._a)))


class _Ufunc:
    """A cupy ufunc: call, reduce, accumulate, at and outer, device arrays only."""

    def __init__(self, ufunc):
        self._u = ufunc
        self.__name__ = ufunc.__name__
        self.nin, self.nout, self.nargs = ufunc.nin, ufunc.nout, ufunc.nargs

    def __call__(self, *args, **kwargs):
        where = f"cupy.{self.__name__}"
        unknown = set(kwargs) - _UFUNC_KWARGS
        if unknown:
            raise TypeError(f"{where}() got unexpected keyword arguments {sorted(unknown)} "
                            f"(fake_cupy: cupy's ufuncs take only {sorted(_UFUNC_KWARGS)})")
        return _wrap(self._u(*_device_only(args, where), **_device_only(kwargs, where)))

    def __getattr__(self, method):
        if f"cupy.ufunc.{method}" not in _NAMES:
            raise AttributeError(f"'cupy.ufunc' object has no attribute '{method}' (fake_cupy)")
        bound = getattr(self._u, method)
        allowed = _UFUNC_METHOD_KWARGS.get(method, _UFUNC_KWARGS)

        def run(*args, **kwargs):
            where = f"cupy.{self.__name__}.{method}"
            if method == "at":  # indices may be host arrays (cupy copies them) and wrap
                _check_scatter(self.__name__, args[0])
                target = _device_only(args[0], where)
                index = _wrapped_index(target.shape, _host_ok(args[1]))
                return _wrap(bound(target, index, *_device_only(args[2:], where)))
            if set(kwargs) - allowed:
                raise TypeError(f"{where}() got unexpected keyword arguments "
                                f"{sorted(set(kwargs) - allowed)} (fake_cupy: cupy's "
                                f"ufunc.{method} takes only {sorted(allowed)})")
            return _wrap(bound(*_device_only(args, where), **_device_only(kwargs, where)))

        return run


# cupy's ufunc.at is a scatter kernel of CUDA atomics (cupy/_core/_routines_indexing.pyx).
_SCATTER_DTYPES = {
    "add": {"int32", "float16", "float32", "float64", "uint32", "uint64"},
    "maximum": {"int32", "float32", "float64", "uint32", "uint64"},
    "minimum": {"int32", "float32", "float64", "uint32", "uint64"},
}


def _check_scatter(ufunc, target):
    kinds = _SCATTER_DTYPES.get(ufunc)
    if kinds is None:
        raise NotImplementedError(f"fake_cupy: cupy.{ufunc}.at has no scatter kernel")
    if target.dtype.name not in kinds:
        raise TypeError(f"scatter_{ufunc.replace('imum', '')} only supports "
                        f"{', '.join(sorted(kinds))} as data type (fake_cupy: cupy's atomics), "
                        f"got {target.dtype}")


class _Generator:
    """cupy.random.Generator: cupy's methods only (no permutation, choice, bit_generator)."""

    def __init__(self, seed):
        self._g = numpy.random.default_rng(seed)

    def __getattr__(self, name):
        if name not in _GENERATOR_METHODS:
            raise AttributeError(f"'Generator' object has no attribute '{name}' (fake_cupy)")
        bound = getattr(self._g, name)
        return lambda *a, **k: _wrap(bound(*_device_only(a, name), **_device_only(k, name)))


# cupy 14's Generator methods (the snapshot lists module names only).
_GENERATOR_METHODS = {"beta", "binomial", "chisquare", "dirichlet", "exponential", "f", "gamma",
                      "geometric", "hypergeometric", "integers", "logseries", "poisson", "power",
                      "random", "standard_exponential", "standard_gamma", "standard_normal",
                      "uniform"}


class _Namespace(types.ModuleType):
    """``cupy`` or one of its submodules, made from the numpy module of the same path."""

    def __init__(self, prefix, source):
        super().__init__(prefix.replace("cupy", "fake_cupy", 1))
        self._prefix = prefix
        self._source = source

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        full = f"{self._prefix}.{name}"
        if full not in _NAMES:
            raise AttributeError(f"module '{self._prefix}' has no attribute '{name}' (fake_cupy)")
        value = self._special(name)
        if value is None:
            value = self._adapt(name, getattr(self._source, name))
        setattr(self, name, value)
        return value

    def _special(self, name):
        if self._prefix == "cupy":
            if name == "ndarray":
                return FakeArray
            if name in ("linalg", "fft", "random", "lib"):
                return _Namespace(f"cupy.{name}", getattr(numpy, name))
            if name == "asnumpy":
                return lambda a, *args, **kwargs: a.get() if isinstance(a, FakeArray) else a
            if name in ("argsort", "sort"):
                # cupy's sorts are always stable (and take no ``kind``); numpy's default is not.
                stable = getattr(numpy, name)
                return lambda a, axis=-1: _wrap(stable(_device_only(a, name), axis=axis,
                                                       kind="stable"))
            if name == "take_along_axis":  # cupy indexes (and so wraps) where numpy raises
                return lambda a, indices, axis: a[_along_axis(a, indices, axis)]
            if name == "fuse":
                # cupy.fuse compiles the function into one kernel with the same results; here
                # the function runs as written (the jit's grouping and codegen still run).
                return lambda *args, **kwargs: (lambda fn: fn)
        if self._prefix == "cupy.lib" and name == "stride_tricks":
            return _Namespace("cupy.lib.stride_tricks", numpy.lib.stride_tricks)
        if self._prefix == "cupy.random" and name == "default_rng":
            return _Generator
        return None

    def _adapt(self, name, value):
        if isinstance(value, numpy.ufunc):
            return _Ufunc(value)
        if isinstance(value, type) or not callable(value):
            return value  # dtypes, scalar types, constants: shared with numpy, as in cupy
        from_host = name in _FROM_HOST and self._prefix == "cupy"
        where = f"{self._prefix}.{name}"
        signature = _SIGNATURES.get(where)

        def function(*args, **kwargs):
            if name in _SYNCING:
                SyncCounter.hit(where)
            if signature is not None:
                try:
                    signature.bind(*args, **kwargs)
                except TypeError as e:
                    raise TypeError(
                        f"{where}{signature}: {e} (fake_cupy: cupy's signature)") from None
            if not from_host:
                return _wrap(value(*_device_only(args, where), **_device_only(kwargs, where)))
            out = value(*_host_ok(args), **kwargs)
            if args and not isinstance(args[0], FakeArray):
                out = numpy.array(out, copy=True)  # host data is copied to the device
            return _wrapper(numpy.asarray(out))

        function.__name__ = name
        return function


fake_cupy = _Namespace("cupy", numpy)
