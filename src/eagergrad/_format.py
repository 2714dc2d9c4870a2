"""torch-like ``repr`` of tensors: ``tensor([1., 2.], requires_grad=True)``."""

from __future__ import annotations

import numpy

from . import _backend
from ._dtype import float32, get_default_dtype, int64

__all__ = ["tensor_repr", "set_printoptions"]

_opts = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None) -> None:
    """Sets how tensors print (torch.set_printoptions).

    Example:
        >>> import eagergrad as eg
        >>> eg.set_printoptions(precision=2)
        >>> eg.tensor([1.23456])
        tensor([1.23])
        >>> eg.set_printoptions(profile='default')
    """
    if profile == "default":
        _opts.update(precision=4, threshold=1000, edgeitems=3, linewidth=80)
    for k, v in dict(precision=precision, threshold=threshold, edgeitems=edgeitems,
                     linewidth=linewidth).items():
        if v is not None:
            _opts[k] = v
    _opts["sci_mode"] = sci_mode


def _float_formatter(values: numpy.ndarray):
    finite = values[numpy.isfinite(values)]
    prec = _opts["precision"]
    if finite.size == 0:
        return lambda v: _special(v) or f"{v:.{prec}f}"
    absvals = numpy.abs(finite.astype(numpy.float64))
    nonzero = absvals[absvals > 0]
    ints = bool(numpy.all(finite == numpy.round(finite)))
    amax = absvals.max()
    sci = _opts["sci_mode"]
    if sci is None:
        sci = bool(nonzero.size) and (amax / nonzero.min() > 1000.0 or amax > 1e8
                                      or nonzero.min() < 1e-4)
    if ints and not sci:
        width = max(len(f"{v:.0f}") for v in finite) + 1
        return lambda v: (_special(v) or f"{v:.0f}.").rjust(width)
    if sci:
        return lambda v: _special(v) or f"{v:.{prec}e}"
    width = max(len(f"{v:.{prec}f}") for v in finite)
    return lambda v: (_special(v) or f"{v:.{prec}f}").rjust(width)


def _special(v):
    if numpy.isnan(v):
        return "nan"
    if numpy.isinf(v):
        return "inf" if v > 0 else "-inf"
    return None


def tensor_repr(t) -> str:
    data = numpy.asarray(_backend.to_host(t._data))
    prefix = "tensor("
    kind = data.dtype.kind
    if data.size == 0:
        body = "[]" if data.ndim <= 1 else "[]"
    else:
        if kind == "f":
            fmt = _float_formatter(data)
            formatter = {"float_kind": fmt}
        elif kind == "b":
            width = 5 if not data.all() else 4
            formatter = {"bool": lambda v: ("True" if v else "False").rjust(width)}
        else:
            formatter = None
        body = numpy.array2string(
            data, separator=", ", prefix=prefix, formatter=formatter,
            threshold=_opts["threshold"], edgeitems=_opts["edgeitems"],
            max_line_width=_opts["linewidth"],
        )
    suffix = []
    if t._device.type != "cpu":
        suffix.append(f"device='{t._device}'")
    d = t.dtype
    if data.size == 0 and data.ndim > 1:
        suffix.append(f"size={tuple(data.shape)}")
    if not (d is get_default_dtype() or d is int64 or d.name == "bool") or (
        data.size == 0 and d is not float32
    ):
        suffix.append(f"dtype=eagergrad.{d.name}")
    if t.grad_fn is not None:
        suffix.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffix.append("requires_grad=True")
    if suffix:
        return prefix + body + ", " + ", ".join(suffix) + ")"
    return prefix + body + ")"
