"""dtype objects, the default dtype and torch's type-promotion rules."""

from __future__ import annotations

import numpy

__all__ = [
    "dtype",
    "float16",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "bool_",
    "get_default_dtype",
    "set_default_dtype",
    "promote_types",
    "result_type",
]

# Categories in torch's promotion order: bool < integer < floating.
_BOOL, _INT, _FLOAT = 0, 1, 2


class dtype:
    """A tensor element type (``eg.float32``...). Wraps a numpy dtype.

    Example:
        >>> import eagergrad as eg
        >>> eg.float32.is_floating_point, eg.float32.itemsize
        (True, 4)
    """

    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_signed", "_category")

    def __init__(self, name: str, np_dtype):
        self.name = name
        self.np = numpy.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        kind = self.np.kind
        self._category = _FLOAT if kind == "f" else (_BOOL if kind == "b" else _INT)
        self.is_floating_point = self._category == _FLOAT
        self.is_signed = kind in "fi"

    @property
    def is_complex(self) -> bool:
        return False

    def __repr__(self):
        return f"eagergrad.{self.name}"

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))


float16 = dtype("float16", numpy.float16)
float32 = dtype("float32", numpy.float32)
float64 = dtype("float64", numpy.float64)
int8 = dtype("int8", numpy.int8)
int16 = dtype("int16", numpy.int16)
int32 = dtype("int32", numpy.int32)
int64 = dtype("int64", numpy.int64)
uint8 = dtype("uint8", numpy.uint8)
bool_ = dtype("bool", numpy.bool_)

_ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, bool_)
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update(
    half=float16, float=float32, double=float64, short=int16, int=int32, long=int64
)
# numpy dtype -> eagergrad dtype. Keyed by numpy.dtype (hash is cheap) and by scalar type.
_FROM_NP: dict = {}
for _d in _ALL:
    _FROM_NP[_d.np] = _d
    _FROM_NP[_d.np.type] = _d


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """The eagergrad dtype of a numpy dtype; raises TypeError for unsupported ones."""
    d = _FROM_NP.get(np_dtype)
    if d is None:
        try:
            d = _FROM_NP.get(numpy.dtype(np_dtype))
        except TypeError:
            d = None
        if d is None:
            raise TypeError(
                f"can't convert np.ndarray of type {numpy.dtype(np_dtype)}. The only supported "
                "types are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
            )
    return d


def to_dtype(d) -> dtype:
    """Normalises a dtype argument: an eagergrad dtype, a numpy dtype, a name, or a Python type."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return _default[0]
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d]
    if hasattr(d, "is_floating_point") and hasattr(d, "itemsize"):  # a torch dtype
        return _BY_NAME[str(d).rsplit(".", 1)[-1]]
    return from_numpy_dtype(d)


_default = [float32]


def get_default_dtype() -> dtype:
    """The floating dtype that Python floats and factories use (float32 unless changed).

    Example:
        >>> import eagergrad as eg
        >>> eg.get_default_dtype()
        eagergrad.float32
    """
    return _default[0]


def set_default_dtype(d) -> None:
    """Sets the default floating dtype (only float16/32/64 are allowed, as in torch).

    Example:
        >>> import eagergrad as eg
        >>> eg.set_default_dtype(eg.float64)
        >>> eg.tensor([1.0]).dtype
        eagergrad.float64
        >>> eg.set_default_dtype(eg.float32)
    """
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d
    _result_cache.clear()


# --- promotion -----------------------------------------------------------------------------
def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both ``a`` and ``b`` convert to (torch.promote_types).

    Example:
        >>> import eagergrad as eg
        >>> eg.promote_types(eg.int64, eg.float32)
        eagergrad.float32
        >>> eg.promote_types(eg.uint8, eg.int8)
        eagergrad.int16
    """
    if a is b:
        return a
    # NOTE: numpy widens int + float to a float wide enough for the int (int32 + float16 ->
    # float64); torch keeps the float operand's type. Within a category the lattices agree.
    if a._category != b._category and _FLOAT in (a._category, b._category):
        return a if a._category == _FLOAT else b
    return _FROM_NP[numpy.promote_types(a.np, b.np)]


# Operand priorities of torch's result_type: tensors with dims > 0-d tensors > Python scalars.
DIM, ZERO_DIM, SCALAR = 0, 1, 2


def _combine(higher, lower):
    """torch's combine_categories: a lower-priority operand wins only by a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher._category == _FLOAT:
        return higher
    if higher is bool_ or lower._category == _FLOAT:
        return promote_types(higher, lower)
    return higher


_result_cache: dict = {}


def result_type(operands) -> dtype:
    """torch.result_type over ``(dtype, priority)`` pairs (see DIM, ZERO_DIM, SCALAR).

    Python scalars take the default dtype for floats, int64 for ints and bool for bools; a
    0-d tensor or a scalar changes the result only when its category is higher.
    """
    key = tuple(operands)
    r = _result_cache.get(key)
    if r is None:
        groups = [None, None, None]
        for d, prio in operands:
            g = groups[prio]
            groups[prio] = d if g is None else promote_types(g, d)
        r = _combine(groups[DIM], _combine(groups[ZERO_DIM], groups[SCALAR]))
        _result_cache[key] = r
    return r


def scalar_dtype(value) -> dtype:
    """The dtype torch gives a Python scalar as an operand."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    if isinstance(value, float):
        return _default[0]
    # NOTE: torch treats numpy scalars like Python numbers of their kind.
    if isinstance(value, numpy.bool_):
        return bool_
    if isinstance(value, numpy.integer):
        return int64
    if isinstance(value, numpy.floating):
        return _default[0]
    raise TypeError(f"expected a number, got {type(value).__name__}")
