"""Recording a trace run: every ``Op.apply`` (forward, and backward through ``_walk``) as a step.

See NOTE [What a trace records] in ``_trace.py``.
"""

from __future__ import annotations

from heapq import heappop, heappush

import numpy

from .._ops._base import Op
from .._tensor import Tensor
from ..autograd import engine as _engine
from ..autograd.grad_mode import no_grad

__all__ = ["Recorder", "Step", "record_backward", "recording"]

_generic = numpy.generic


class Step:
    """One recorded array operation.

    ``kind`` is "op" (``cls.forward`` on ``ins`` with ``params``), "opaque" (the backward of
    forward step ``node_step`` run eagerly, see NOTE [Opaque backward]) or "zeros".
    ``ins`` and param values are refs: ("v", slot), ("l", live index), ("k", const index),
    ("c", step index, ctx attribute name), ("t", tuple of refs) or ("p", plain python value).
    """

    __slots__ = (
        "kind",
        "cls",
        "ins",
        "params",
        "outs",
        "ctx",
        "needs",
        "phase",
        "seg",
        "node_step",
        "shape",
        "dtype",
        "out_shapes",
    )

    def __init__(self, kind, cls=None, ins=(), params=None, outs=(), phase="fwd", seg=-1):
        self.kind = kind
        self.cls = cls
        self.ins = ins
        self.params = params or {}
        self.outs = outs
        self.ctx = None
        self.needs = None
        self.phase = phase
        self.seg = seg
        self.node_step = -1
        self.shape = None
        self.dtype = None
        self.out_shapes = ()


# How many recordings are running: a traced function called inside traced code runs eagerly,
# so the outer trace records its ops (inlining it) instead of seeing an opaque replay.
_active = [0]


class _Unresolved(Exception):
    pass


class Recorder:
    """Collects the steps of one run while installed as ``Op.apply`` (nesting-safe)."""

    def __init__(self, inputs):
        self.steps: list[Step] = []
        self.slots: dict[int, int] = {}  # id(array) -> slot
        self.n_slots = 0
        self.keep: list = []  # every array seen: ids must stay unique during the run
        self.lives: list[Tensor] = []  # tensors from outside read at every call (_data)
        self.live_ids: dict[int, int] = {}
        self.live_arrays: dict[int, int] = {}  # id(live._data) -> live index
        self.consts: list = []
        self.const_ids: dict[int, int] = {}
        self.ctx_attrs: dict[int, tuple] = {}  # id(value) -> (step, attr) from forward ctxs
        self.node_step: dict[int, int] = {}  # id(node) -> forward step that made it
        self.ext: dict = {}  # grad target key -> ("input", i) | ("live", k)
        self.phase = "fwd"
        self.seg = -1
        self.unresolved_segs: set = set()
        self.versions: list = []  # (tensor, version when first seen, op that made it)
        self._prev = None
        for i, t in enumerate(inputs):
            self._new_slot(t._data)
            if t.requires_grad:
                self.ext[_grad_key(t)] = ("input", i)

    # --- installing -------------------------------------------------------------------------
    def __enter__(self):
        _active[0] += 1
        self._prev_backward = _engine.backward
        _engine.backward = _no_backward
        self._prev = Op.__dict__["apply"]  # whatever is installed (a profiler's, or the base)
        prev = self._prev

        def prev_fn(cls, *inputs, **params):
            # whatever kind of attribute is installed (classmethod, staticmethod, function)
            return prev.__get__(None, cls)(*inputs, **params)

        rec = self

        def apply(cls, *inputs, **params):
            return rec._apply(prev_fn, cls, inputs, params)

        Op.apply = classmethod(apply)
        return self

    def __exit__(self, *exc):
        Op.apply = self._prev
        _engine.backward = self._prev_backward
        _active[0] -= 1

    def check_in_place(self):
        """Raises if a tensor seen during the run was changed in place (not replayable)."""
        # NOTE: the raw counter of the object recorded (an op's output is recorded before its
        # wrapper marks it as a view, so its version property would later read the base's).
        for t, version, cls in self.versions:
            if t._vc != version:
                made = f"the output of {cls.__name__}" if cls is not None else "a tensor read"
                raise RuntimeError(
                    f"eg.jit.trace: {made} (shape {list(t.shape)}) was modified in place inside "
                    "the traced code; in-place writes happen outside ops and would not be "
                    "replayed. Use the out-of-place op (y = y + 1, not y += 1)."
                )

    # --- slots and refs ---------------------------------------------------------------------
    def _new_slot(self, array):
        s = self.n_slots
        self.n_slots += 1
        self.slots[id(array)] = s
        self.keep.append(array)
        return s

    def _const(self, value):
        k = self.const_ids.get(id(value))
        if k is None:
            k = len(self.consts)
            self.consts.append(value)
            self.const_ids[id(value)] = k
            self.keep.append(value)
        return ("k", k)

    def _array_ref(self, a, in_forward):
        s = self.slots.get(id(a))
        if s is not None:
            return ("v", s)
        k = self.live_arrays.get(id(a))
        if k is not None:
            return ("l", k)
        if isinstance(a, _generic):
            return self._const(a)
        k = self.const_ids.get(id(a))
        if k is not None:
            return ("k", k)
        at = self.ctx_attrs.get(id(a))
        if at is not None:
            return ("c",) + at
        if in_forward:
            return self._const(a)
        raise _Unresolved

    def _tensor_ref(self, t):
        a = t._data
        s = self.slots.get(id(a))
        if s is not None:
            return ("v", s)
        if isinstance(a, _generic):
            return self._const(a)
        if self.phase != "fwd":
            return self._array_ref(a, False)
        k = self.live_ids.get(id(t))
        if k is None:
            k = len(self.lives)
            self.lives.append(t)
            self.live_ids[id(t)] = k
            self.live_arrays[id(a)] = k
            self.keep.append(a)
            if t.requires_grad:
                self.ext.setdefault(_grad_key(t), ("live", k))
            root = t._base if t._base is not None else t
            self.versions.append((root, root._vc, None))
        return ("l", k)

    def _param_ref(self, v, in_forward):
        if isinstance(v, Tensor):
            return ("p", v)
        is_array = hasattr(v, "shape") and hasattr(v, "dtype")
        if type(v) is tuple and any(hasattr(e, "shape") and hasattr(e, "dtype") for e in v):
            at = self.ctx_attrs.get(id(v))
            if at is not None:
                return ("c",) + at
            return ("t", tuple(self._param_ref(e, in_forward) for e in v))
        if is_array:
            return self._array_ref(v, in_forward)
        return ("p", v)

    # --- the recording apply ----------------------------------------------------------------
    def _apply(self, prev_fn, cls, inputs, params):
        fwd = self.phase == "fwd"
        try:
            ins = tuple(self._tensor_ref(t) for t in inputs)
            pars = {k: self._param_ref(v, fwd) for k, v in params.items()}
        except _Unresolved:
            self.unresolved_segs.add(self.seg)
            ins, pars = (), {}
        out = prev_fn(cls, *inputs, **params)
        outs = out if type(out) is tuple else (out,)
        for o in outs:
            root = o._base if o._base is not None else o
            self.versions.append((root, root._vc, cls))
        step = Step("op", cls, ins, pars, phase=self.phase, seg=self.seg)
        step.outs = tuple(self._new_slot(o._data) for o in outs)
        step.out_shapes = tuple(o._data.shape for o in outs)
        step.dtype = outs[0]._data.dtype
        idx = len(self.steps)
        self.steps.append(step)
        if fwd:
            for o in outs:
                fn = o.grad_fn
                if fn is not None and type(fn) is cls:
                    step.ctx = fn
                    self.node_step[id(fn)] = idx
                    self._snapshot(fn, idx)
                    break
        return out

    def _snapshot(self, ctx, idx):
        for name, v in ctx.__dict__.items():
            if name in ("xp", "_saved", "_edges", "_dev", "needs_input_grad", "_seq"):
                continue
            if v is None or isinstance(v, (bool, int, float, str)):
                continue
            self.ctx_attrs.setdefault(id(v), (idx, name))
            self.keep.append(v)
            if type(v) is tuple:
                for e in v:
                    if hasattr(e, "shape") and not isinstance(e, _generic):
                        self.keep.append(e)


def recording() -> bool:
    """True while a trace run is being recorded (in this process)."""
    return _active[0] > 0


def _no_backward(*args, **kwargs):
    raise RuntimeError(
        "eg.jit.trace: the traced code called backward(); trace the forward only (the traced "
        "result is differentiable: call backward() on it), or use eg.jit.trace_step for a "
        "whole training step"
    )


def _grad_key(t):
    return id(t) if t.grad_fn is None else (id(t.grad_fn), t._output_nr)


# --- the backward walk ------------------------------------------------------------------------
def record_backward(rec: Recorder, outputs):
    """Runs the backward of the recorded graph under ``rec``, as the engine would.

    Returns (seed slots, one per output, None where it has no gradient), and
    {ext ref: gradient slot}. Same order and sums as ``autograd.engine._run``, so the replayed
    gradients equal eager ones bit for bit. See NOTE [What a trace records].
    """
    from ..autograd.engine import _conform, _materialize

    rec.phase = "bwd"
    seeds, pending, heap, ext_grads = [], {}, [], {}
    with no_grad():
        for o in outputs:
            if not o.requires_grad or o._data.dtype.kind != "f":
                seeds.append(None)
                continue
            g = Tensor._make(o._device.xp.ones_like(o._data), o._device)
            seeds.append(rec._new_slot(g._data))
            _send(rec, pending, heap, ext_grads, o.grad_fn, o._output_nr, g, o)
        while heap:
            node = heappop(heap)[1]
            g = pending.pop(node)
            if node._pre_hooks is not None or node._post_hooks is not None:
                raise RuntimeError(
                    f"eg.jit.trace: hooks on {node.name()} inside traced code are not supported"
                )
            rec.seg = id(node)
            if type(g) is list:
                g = _zeros_steps(rec, node, g, _materialize)
                grads_in = node.backward(node, *g)
            else:
                grads_in = node.backward(node, g)
            if type(grads_in) is not tuple:
                grads_in = (grads_in,)
            _close_segment(rec, node, g, grads_in)
            rec.seg = -1
            for edge, gi in zip(node._edges, grads_in):
                if edge is None or gi is None:
                    continue
                data = gi._data
                if data.shape != edge[2] or data.dtype is not edge[3]:
                    gi = _conform(node, edge, gi)
                target, nr = edge[0], edge[1]
                if nr >= 0 and id(target) in rec.node_step:
                    _send(rec, pending, heap, ext_grads, target, nr, gi, None)
                else:
                    key = id(target) if nr < 0 else (id(target), nr)
                    _add_ext(rec, ext_grads, key, gi)
    rec.phase = "done"
    return seeds, {k: rec.slots[id(v._data)] for k, v in ext_grads.items()}


def _send(rec, pending, heap, ext_grads, node, nr, g, tensor):
    if node is None or id(node) not in rec.node_step:
        _add_ext(rec, ext_grads, _grad_key(tensor) if node is None else (id(node), nr), g)
        return
    prev = pending.get(node)
    if prev is None:
        heappush(heap, (-node._seq, node))
    if node._n_outputs == 1:
        pending[node] = g if prev is None else prev + g
        return
    if prev is None:
        prev = pending[node] = [None] * node._n_outputs
    prev[nr] = g if prev[nr] is None else prev[nr] + g


def _add_ext(rec, ext_grads, key, g):
    ref = rec.ext.get(key)
    if ref is None:
        raise RuntimeError(
            "eg.jit.trace: a gradient flows to a tensor that is neither an input nor read by "
            "the traced code; pass it as an input"
        )
    prev = ext_grads.get(ref)
    ext_grads[ref] = g if prev is None else prev + g


def _zeros_steps(rec, node, gs, materialize):
    full = materialize(node, gs)
    for g, m in zip(gs, full):
        if g is None:
            step = Step("zeros", phase="bwd", seg=-1)
            step.shape, step.dtype = m._data.shape, m._data.dtype
            step.outs = (rec._new_slot(m._data),)
            rec.steps.append(step)
    return full


def _close_segment(rec, node, g, grads_in):
    """Marks the node's backward opaque when a flat replay of its steps would be wrong."""
    seg = id(node)
    ok = seg not in rec.unresolved_segs
    if ok:
        for gi in grads_in:
            if gi is not None and id(gi._data) not in rec.slots:
                ok = False  # a gradient made by raw array code: only running it is right
    if ok:
        return
    # NOTE [Opaque backward] the node's backward is run as Python at replay, on a ctx from the
    # replayed forward; its recorded steps are dropped and its results get fresh slots.
    rec.steps = [s for s in rec.steps if s.seg != seg]
    step = Step("opaque", type(node), phase="bwd", seg=-1)
    step.node_step = rec.node_step[id(node)]
    step.needs = tuple(node.needs_input_grad)
    gs = g if type(g) is list else [g]
    step.ins = tuple(("v", rec.slots[id(x._data)]) for x in gs)
    step.outs = tuple(None if gi is None else rec._new_slot(gi._data) for gi in grads_in)
    rec.steps.append(step)
