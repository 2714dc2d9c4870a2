"""``Function.apply``: runs a user's forward on Tensors and records a node for its backward."""

from __future__ import annotations

import weakref

from .function import _DEBUG, _INPUT, _OUTPUT, FunctionCtx, _anomaly, _sequence
from .grad_mode import _mode

__all__ = ["apply_function"]

# The Tensor class, bound by _tensor.py once it exists (NOTE [import cycle] there): this module
# can be imported while _tensor is still loading.
Tensor = None

_node_classes: dict = {}


def _node_class(fn_cls):
    """One node class per Function subclass: its backward calls the user's backward."""
    node_cls = _node_classes.get(fn_cls)
    if node_cls is None:
        user_backward = fn_cls.backward

        def backward(ctx, *grads):
            return user_backward(ctx, *grads)

        node_cls = type(
            fn_cls.__name__ + "Backward",
            (_CustomNode,),
            {
                "backward": staticmethod(backward),
                "once_differentiable": getattr(user_backward, "_once_differentiable", False),
                "_fn_cls": fn_cls,
            },
        )
        _node_classes[fn_cls] = node_cls
    return node_cls


class _CustomNode(FunctionCtx):
    """ctx of a user Function: saves Tensors, not arrays."""

    _materialize_grads = True

    def name(self):
        return type(self).__name__

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self._saved = tensors

    def mark_non_differentiable(self, *tensors):
        self._nondiff = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def set_materialize_grads(self, value: bool):
        self._materialize_grads = bool(value)

    @property
    def saved_tensors(self):
        if self._saved and isinstance(self._saved[0], Tensor):
            return self._saved  # read inside forward, before recording
        return super().saved_tensors

    def _unpack(self, entry, i):
        if entry is None:
            return None
        return super()._unpack(entry, i)


def apply_function(fn_cls, args, kwargs):
    ctx = object.__new__(_node_class(fn_cls))
    devices = {a._device for a in args if isinstance(a, Tensor)}
    if len(devices) > 1:
        names = sorted(str(d) for d in devices)
        raise RuntimeError("Expected all tensors to be on the same device, but found at least "
                           f"two devices, {names[0]} and {names[1]}!")
    dev = devices.pop() if devices else None
    ctx.xp = dev.xp if dev is not None else None
    needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    ctx.needs_input_grad = needs
    prev = _mode.enabled
    _mode.enabled = False
    try:
        out = fn_cls.forward(ctx, *args, **kwargs)
    finally:
        _mode.enabled = prev
    if not (prev and any(needs)):
        ctx._saved = ()
        return out
    single = not isinstance(out, tuple)
    outs = (out,) if single else out
    outs = _record(ctx, args, outs, dev)
    return outs[0] if single else outs


def _record(ctx, args, outs, dev):
    edges = []
    for a in args:
        if isinstance(a, Tensor) and a.requires_grad:
            target = (a.grad_fn, a._output_nr) if a.grad_fn is not None else (a, -1)
            edges.append((target[0], target[1], a._data.shape, a._data.dtype))
        else:
            edges.append(None)
    ctx._edges = tuple(edges)
    ctx._dev = dev
    ctx._seq = next(_sequence)
    if _DEBUG or _anomaly[0]:
        import traceback

        ctx._stack = traceback.extract_stack(limit=30)
    nondiff = ctx._nondiff or ()
    inputs = [a for a in args if isinstance(a, Tensor)]
    result = []
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            result.append(o)
            continue
        if any(o is x for x in inputs):
            o = Tensor._make(o._data, o._device)  # an input returned as is: a new alias
        if any(o is n for n in nondiff) or o._data.dtype.kind != "f":
            o.requires_grad = False
        else:
            o.requires_grad = True
            o.grad_fn = ctx
            o._output_nr = i
        result.append(o)
    ctx._n_outputs = len(outs)
    ctx._out_meta = tuple(
        (o._data.shape, o._data.dtype) if isinstance(o, Tensor) else ((), None) for o in result
    )
    entries = []
    for t in ctx._saved:
        if t is None:
            entries.append(None)
            continue
        entry = None
        for j, o in enumerate(result):
            if o is t or (isinstance(o, Tensor) and t._data is o._data and o.grad_fn is ctx):
                entry = (_OUTPUT, o._data, o._vc, j, weakref.ref(o))
                break
        if entry is None:
            root = t._base if t._base is not None else t
            entry = (_INPUT, t, root._version, 0, None)
        entries.append(entry)
    ctx._saved = tuple(entries)
    return tuple(result)
