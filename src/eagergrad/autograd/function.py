"""Graph nodes, the op base class ``Node`` and the public ``Function`` for custom ops.

A node is both the ``ctx`` that forward fills and the object that backward runs on (as in
torch, where a custom Function's ctx is its backward node). It is created by ``apply`` and
hangs off the output tensor's ``grad_fn``; there is no global tape.
"""

from __future__ import annotations

import itertools
import os
import traceback
import weakref

import numpy

__all__ = ["Node", "Function", "FunctionCtx", "once_differentiable"]

_DEBUG = os.environ.get("EAGERGRAD_DEBUG", "") not in ("", "0")
_FREED = object()  # marks saved tensors released after backward


# A saved value is a tuple ``(kind, obj, version, output_nr, weakref_to_output)``:
# kind _INPUT keeps the input Tensor, _OUTPUT the output's array (a Tensor is rebuilt on unpack,
# so the node never holds its own output: no reference cycle), _CONST a constant array.
_INPUT, _OUTPUT, _CONST = 0, 1, 2


class Node:
    """A recorded op. ``forward`` fills it as ``ctx``; the engine later runs ``backward``.

    Attributes set by ``apply`` when the graph is recorded:
        _edges: one entry per input, ``None`` when that input needs no gradient, else
            ``(target, output_nr, shape, numpy_dtype)`` where target is the input's ``grad_fn``
            or, for a leaf, the leaf Tensor itself with output_nr -1.
        needs_input_grad: a bool per input.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([1.0, 2.0], requires_grad=True)
        >>> y = x * 2
        >>> isinstance(y.grad_fn, eg.autograd.function.Node)
        True
        >>> y.grad_fn.name()
        'MulBackward0'
        >>> x.grad_fn is None
        True
    """

    # Class-level defaults: a node stores only what differs (most nodes: xp, edges, saved).
    xp = None
    _edges = ()
    _saved = ()
    _dev = None
    needs_input_grad = ()
    _seq = 0  # creation order: the engine runs later nodes first
    _n_outputs = 1
    _out_meta = None
    _nondiff = None
    _pre_hooks = None
    _post_hooks = None
    _stack = None

    # NOTE [Array backward]
    # ``backward`` is written with eagergrad ops, so it can be recorded (create_graph=True) and
    # traced (eg.jit). A plain walk needs neither, and there each of those ops pays a Python
    # dispatch (promotion, apply, a new Tensor) around a numpy call that takes a microsecond on
    # small tensors: most of backward's time. So a hot op may also define
    # ``backward_arrays(ctx, grad)``: the same formula on raw arrays (``grad`` is one), returning
    # an array or None per input (a bare array for a one-input op), with saved values from
    # ``ctx.saved_arrays()``. The engine calls it only in a plain walk (no create_graph, no
    # anomaly mode, no hooks on the node). It must not write into a saved array, nor into
    # ``grad`` unless ``ctx._grad_owned``: the engine sets that, for ops that declare
    # ``_reuses_grad``, when nothing else can read grad's storage, and the op may then return
    # ``grad`` itself, updated in place (``grad *= y``: no new buffer, one memory pass less).
    # It gives each input its own storage (never one array, or views of one array, to two
    # inputs): the engine relies on that (NOTE [Shared gradients]). The op
    # table's gradcheck runs it, its gradgradcheck runs ``backward``, and
    # tests/autograd/test_array_backward.py checks that the two agree for every op that has
    # both, and that their gradients never share storage.
    backward_arrays = None
    _reuses_grad = False
    _grad_owned = False

    # True when backward's gradients are new storage no one else holds, except where it gives
    # one storage to several inputs (see NOTE [Shared gradients] in engine.py): built-in ops.
    _fresh_grads = False

    broadcasting = False
    once_differentiable = False
    # False only for ops whose outputs never carry gradient (comparisons, argmax).
    differentiable = True

    # --- what forward uses --------------------------------------------------------------
    def save_for_backward(self, *arrays):
        """Saves inputs, outputs or constant arrays for backward (see ``saved_tensors``)."""
        self._saved = arrays

    def mark_non_differentiable(self, *arrays):
        """Marks outputs (by identity) that never get a gradient (e.g. argmax indices)."""
        self._nondiff = arrays

    @property
    def saved_tensors(self):
        """The saved values as Tensors: inputs and outputs keep their place in the graph."""
        saved = self._saved
        if saved is _FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                "if you need to access saved tensors after calling backward."
            )
        return tuple([self._unpack(e, i) for i, e in enumerate(saved)])

    def saved_arrays(self):
        """The saved values as raw arrays, with the same checks as ``saved_tensors``."""
        saved = self._saved
        if saved is _FREED:
            return self.saved_tensors  # raises torch's second-backward error
        out = []
        for kind, obj, version, nr, ref in saved:
            if kind == _INPUT:
                base = obj._base
                if (obj if base is None else base)._vc != version:
                    self._unpack((kind, obj, version, nr, ref), len(out))  # raises
                out.append(obj._data)
            else:
                if kind == _OUTPUT:
                    t = ref()
                    if t is not None and t._base is None and t._vc != version:
                        self._unpack((kind, obj, version, nr, ref), len(out))  # raises
                out.append(obj)
        return out

    def _unpack(self, entry, i):
        kind, obj, version, nr, ref = entry
        if kind == _INPUT:
            root = obj._base if obj._base is not None else obj
            if root._version != version:
                self._raise_modified(obj, root._version, version, f"input {i}")
            return obj
        if kind == _OUTPUT:
            out = ref()
            # NOTE: the version is taken when the node is recorded, before a view op's wrapper
            # marks its output as a view; only a non-view output's own counter is comparable.
            if out is not None and out._base is None and out._vc != version:
                self._raise_modified(out, out._vc, version, f"output {nr}")
            return _TENSOR._make(obj, self._dev, True, self, nr)
        return _TENSOR._make(obj, self._dev)

    def _raise_modified(self, t, now, expected, which):
        msg = (
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [{t.dtype.name} tensor of shape {list(t.shape)}], which is "
            f"{which} of {self.name()}, is at version {now}; expected version {expected} "
            "instead."
        )
        raise RuntimeError(msg + self._creation_hint())

    def _creation_hint(self) -> str:
        stack = self._stack
        if not stack:
            return (
                " Hint: set EAGERGRAD_DEBUG=1 (or use eg.autograd.detect_anomaly()) to see the "
                "line that created this op."
            )
        return "\nThe op was created at (most recent call last):\n" + format_user_stack(stack)

    def name(self) -> str:
        """The node's name as torch shows it (``MulBackward0``)."""
        return type(self).__name__ + "Backward0"

    def __repr__(self):
        return f"<{self.name()} object>"

    @property
    def next_functions(self):
        """The nodes this one sends gradients to, as ``(node, output_nr)`` pairs (torch API)."""
        out = []
        for e in self._edges:
            if e is None:
                out.append((None, 0))
            elif isinstance(e[0], Node):
                out.append((e[0], e[1]))
            else:
                out.append((_AccumulateGrad(e[0]), 0))
        return tuple(out)

    def register_hook(self, fn):
        """Adds ``fn(grad_inputs, grad_outputs)``, called after this node's backward."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(fn)
        return _RemovableHandle(self._post_hooks, fn)

    def register_prehook(self, fn):
        """Adds ``fn(grad_outputs)``, called before this node's backward; may return new grads."""
        return self._add_pre_hook(("node", fn))

    def _add_pre_hook(self, hook):
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(hook)
        return _RemovableHandle(self._pre_hooks, hook)

    # --- graph recording (called by apply when an input requires grad) ------------------
    def _record(self, inputs, outs, device, tensor_cls):
        """Builds edges and saved entries, and wraps the outputs with this node as grad_fn."""
        # NOTE: runs once per recorded op: written for the interpreter (locals, no helpers).
        edges = []
        append = edges.append
        for t in inputs:
            if t.requires_grad:
                data = t._data
                fn = t.grad_fn
                if fn is None:  # a leaf: output_nr -1 tells the engine to accumulate into .grad
                    append((t, -1, data.shape, data.dtype))
                else:
                    append((fn, t._output_nr, data.shape, data.dtype))
            else:
                append(None)
        self._edges = edges
        self._dev = device
        self._seq = next(_sequence)
        if _DEBUG or _anomaly[0]:
            self._stack = traceback.extract_stack(limit=30)
        if type(outs) is tuple:
            return self._record_outputs(inputs, outs, device, tensor_cls)
        if outs.dtype.kind != "f":
            # NOTE: integer/bool outputs never require grad (torch's rule).
            self._saved = ()
            return tensor_cls._make(outs, device)
        # tensor_cls._make(outs, device, True, self, 0), inlined
        data = outs
        if data.__class__ is not _ndarray and isinstance(data, _generic):
            data = _asarray(data)  # numpy returns scalars from 0-d ops
        out = _new(tensor_cls)
        out._data = data
        out._device = device
        out.requires_grad = True
        out.grad_fn = self
        saved = self._saved
        if saved:
            # _save_entries for the common cases, inlined: each saved array is an input's or
            # the output (this runs once per recorded op).
            entries = []
            for a in saved:
                for t in inputs:
                    if t._data is a:
                        base = t._base
                        entries.append((_INPUT, t, (t if base is None else base)._vc, 0, None))
                        break
                else:
                    if a is outs or a is out._data:
                        entries.append((_OUTPUT, out._data, 0, 0, weakref.ref(out)))
                        continue
                    self._save_entries(inputs, (out,), (outs,))
                    break
            else:
                self._saved = entries
        return out

    def _record_outputs(self, inputs, outs, device, tensor_cls):
        nondiff = self._nondiff or ()
        self._n_outputs = len(outs)
        self._out_meta = tuple((o.shape, o.dtype) for o in outs)
        result = tuple(
            tensor_cls._make(o, device)
            if (o.dtype.kind != "f" or any(o is n for n in nondiff))
            else tensor_cls._make(o, device, True, self, i)
            for i, o in enumerate(outs)
        )
        if self._saved:
            self._save_entries(inputs, result, outs)
        return result

    def _save_entries(self, inputs, outputs, raw_outputs):
        entries = []
        for a in self._saved:
            for t in inputs:
                if t._data is a:
                    base = t._base
                    entries.append((_INPUT, t, (t if base is None else base)._vc, 0, None))
                    break
            else:
                for o, raw in zip(outputs, raw_outputs):
                    # ``raw`` may be a numpy scalar that _make turned into a 0-d array
                    if (raw is a or o._data is a) and o.grad_fn is self:
                        entries.append((_OUTPUT, o._data, 0, o._output_nr, weakref.ref(o)))
                        break
                else:
                    entries.append((_CONST, a, 0, 0, None))
        self._saved = entries


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def format_user_stack(stack) -> str:
    """The frames of a recorded stack outside eagergrad itself: the user's forward lines."""
    frames = [f for f in stack if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR)]
    return "".join(traceback.format_list(frames[-6:] or list(stack)[-6:]))


_anomaly = [False]  # set by eg.autograd.set_detect_anomaly
_new = object.__new__
_ndarray, _generic, _asarray = numpy.ndarray, numpy.generic, numpy.asarray
# The Tensor class, bound by _tensor.py once it exists (NOTE [import cycle] there).
_TENSOR = None
_sequence = itertools.count(1)


class _AccumulateGrad:
    """What ``next_functions`` shows for a leaf (torch's AccumulateGrad)."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad object>"

    @property
    def next_functions(self):
        return ()

    def __eq__(self, other):
        return isinstance(other, _AccumulateGrad) and other.variable is self.variable

    def __hash__(self):
        return id(self.variable)


class _RemovableHandle:
    """Returned by hook registrations; ``remove()`` unregisters the hook."""

    def __init__(self, container, item):
        self._container = container
        self._item = item

    def remove(self):
        try:
            self._container.remove(self._item)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


# --- public custom Functions ------------------------------------------------------------
class FunctionCtx(Node):
    """The ``ctx`` of a user's ``Function``: a node whose saved values are Tensors.

    Example:
        >>> import eagergrad as eg
        >>> class Scale(eg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x, k):
        ...         ctx.k = k
        ...         return x * k
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         return grad * ctx.k, None
        >>> x = eg.tensor([1.0, 2.0], requires_grad=True)
        >>> Scale.apply(x, 3.0).sum().backward()
        >>> x.grad
        tensor([3., 3.])
    """

    def __init__(self):
        pass


class Function:
    """Base class for user-defined differentiable ops (torch.autograd.Function).

    Subclass it with static ``forward(ctx, *args)`` (on Tensors, run without recording) and
    ``backward(ctx, *grads)`` (returning one gradient or None per forward argument), then
    call ``MyFn.apply(*args)``.

    Example:
        >>> import eagergrad as eg
        >>> class Square(eg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * grad
        >>> x = eg.tensor([3.0], requires_grad=True)
        >>> Square.apply(x).backward()
        >>> x.grad
        tensor([6.])
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must implement forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("a Function subclass must implement backward(ctx, ...)")

    @classmethod
    def apply(cls, *args, **kwargs):
        from ._custom import apply_function

        return apply_function(cls, args, kwargs)


def once_differentiable(fn):
    """Marks a Function's backward as not differentiable (torch.autograd.function API).

    Example:
        >>> import eagergrad as eg
        >>> from eagergrad.autograd.function import once_differentiable
        >>> class Double(eg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         return x * 2
        ...     @staticmethod
        ...     @once_differentiable
        ...     def backward(ctx, grad):
        ...         return grad * 2
        >>> x = eg.tensor([1.0], requires_grad=True)
        >>> Double.apply(x).sum().backward()
        >>> x.grad
        tensor([2.])
    """
    fn._once_differentiable = True
    return fn
