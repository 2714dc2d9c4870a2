"""``eg.jit.trace``: run once with the tape on, replay the recorded array ops afterwards.

# NOTE [What a trace records]
# A trace run installs a recording ``Op.apply`` (restoring whatever was installed before, so a
# profiler's wrapper keeps working) and runs the function once on the example inputs. Every op
# becomes a step: op class, params, and refs for its inputs: an array slot (made by an earlier
# step or an input), a "live" tensor from outside (a parameter: its *current* ``_data`` is read
# at every call, so optimizer updates and ``module.to`` are seen), or a constant. When the
# outputs require grad, the backward is then walked exactly as the engine walks it (same order,
# same sums) with the recorder still on, so the backward's ops are steps too. ``_codegen``
# turns the steps into two straight-line Python functions over local array variables.
#
# What cannot be seen is frozen: Python control flow (``if x.sum() > 0``) follows the example
# inputs, as torch.jit.trace; arrays made outside ops (comparison masks, raw numpy) are
# constants. Three checks keep that from giving wrong answers silently: (1) a second run on
# perturbed inputs (or on ``check_inputs``) must record the same steps and the same constants;
# (2) drawing random numbers or changing a module's buffers in place during the trace is an
# error (dropout or BatchNorm in training mode); (3) every call compares input shapes, dtypes,
# devices, requires_grad, grad mode, parameters' devices/shapes and the modules' training
# flags with the trace's, and raises (or, with strict=False, traces again).
"""

from __future__ import annotations

import numpy

from .. import random as _random
from .._tensor import Tensor
from ..autograd.function import _FREED, Node, _sequence
from ..autograd.grad_mode import _mode
from ..nn.modules.module import Module
from ._codegen import generate
from ._record import Recorder, record_backward, recording

__all__ = ["trace", "TracedFunction", "TracedModule"]

_make = Tensor._make
_MAX_TRACES = 16  # traces kept per function with strict=False (one per input signature)


# --- the graph of one trace ---------------------------------------------------------------------
class _Graph:
    """What one trace run produced, plus the compiled replay functions."""

    def __init__(self, rec, inputs, outputs, seeds, ext_slots, name, single):
        self.name = name
        self.steps = rec.steps
        self.consts = rec.consts
        self.lives = rec.lives
        self.n_inputs = len(inputs)
        self.n_lives = len(rec.lives)
        self.single = single
        self.out_refs = [_out_ref(rec, o) for o in outputs]
        self.seeds = seeds
        self.ext_slots = ext_slots
        self.ext_refs = sorted(ext_slots, key=lambda r: (r[0] != "input", r[1]))
        self.has_backward = bool(ext_slots)
        self.dev = inputs[0]._device if inputs else (rec.lives[0]._device if rec.lives else None)
        self.in_sig = tuple(_sig(t) for t in inputs)
        self.live_sig = tuple(_sig(t) for t in rec.lives)
        # NOTE: a tensor that required grad at trace time may stop (a frozen layer): its edge
        # is then None. One that starts requiring grad needs a trace with that gradient path.
        self.in_rg = tuple(t.requires_grad for t in inputs)
        self.live_rg = tuple(t.requires_grad for t in rec.lives)
        xp = self.dev.xp if self.dev is not None else numpy
        self.forward, self.backward, self.source = generate(
            self, xp, self.dev, fuse=xp is not numpy
        )
        for step in self.steps:
            step.ctx = None  # the trace run's nodes (and the activations they saved) can go

    def mismatch(self, inputs, grad_on):
        """None if this graph fits the call, else a message saying what differs."""
        if len(inputs) != self.n_inputs:
            return f"expected {self.n_inputs} inputs, got {len(inputs)}"
        for i, (t, sig) in enumerate(zip(inputs, self.in_sig)):
            if not isinstance(t, Tensor):
                return f"input {i} is a {type(t).__name__}, expected a Tensor"
            got = _sig(t)
            if got != sig:
                return f"input {i}: traced with {_show(sig)}, called with {_show(got)}"
        for k, (t, sig) in enumerate(zip(self.lives, self.live_sig)):
            got = _sig(t)
            if got != sig:
                return f"parameter/captured tensor {k}: traced with {_show(sig)}, now {_show(got)}"
        for what, ts, rgs in (
            ("input", inputs, self.in_rg),
            ("parameter", self.lives, self.live_rg),
        ):
            for k, (t, rg) in enumerate(zip(ts, rgs)):
                if t.requires_grad and not rg and grad_on:
                    return (
                        f"{what} {k} requires grad now but did not when traced (no gradient "
                        "path was recorded for it)"
                    )
        needs = grad_on and (
            any(t.requires_grad for t in inputs) or any(t.requires_grad for t in self.lives)
        )
        if needs and not self.has_backward:
            return "gradients are needed now but the trace recorded no backward"
        return None


def _out_ref(rec, o):
    s = rec.slots.get(id(o._data))
    if s is not None:
        return ("v", s)
    k = rec.live_ids.get(id(o))
    if k is not None:
        return ("l", k)
    raise RuntimeError(
        "eg.jit.trace: an output was computed outside eagergrad ops (raw array code); a trace "
        "cannot replay it"
    )


def _sig(t):
    d = t._data
    return (d.shape, d.dtype, t._device)


def _show(sig):
    shape, dtype, dev = sig
    return f"shape {list(shape)}, dtype {dtype}, device {dev}"


class _TracedNode(Node):
    """The whole traced forward as one node of the eager graph; backward replays the tape."""

    once_differentiable = True
    # The replay returns arrays it allocated (its reused buffers never escape a call, see
    # _codegen.py) or the incoming gradients passed through, as a built-in op's backward does:
    # leaves may keep them without a copy (NOTE [Shared gradients] in autograd/engine.py).
    _fresh_grads = True

    @staticmethod
    def backward(ctx, *grads):
        # NOTE: the forward's arrays live in ``_saved``; the engine replaces it with _FREED
        # after the backward unless retain_graph=True, as for any node.
        state = ctx._saved
        if state is _FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Specify retain_graph=True if you "
                "need to backward through the graph a second time."
            )
        graph, saved = state
        if graph.n_saved and not saved:
            raise RuntimeError(
                "Trying to backward through a traced call a second time: its saved arrays are "
                "released during its first backward (retain_graph=True is not supported "
                "through eg.jit traced calls). Call the traced function again instead."
            )
        out = graph.backward(saved, tuple([g._data for g in grads]))
        dev = ctx._dev
        return tuple([None if o is None else _make(o, dev) for o in out])

    def name(self):
        return "TracedBackward0"


def _replay(graph, inputs, grad_on):
    lives = graph.lives
    outs, saved = graph.forward(tuple([t._data for t in inputs]), tuple([t._data for t in lives]))
    dev = graph.dev
    edges = None
    if grad_on and graph.has_backward:
        edges = []
        for kind, i in graph.ext_refs:
            t = inputs[i] if kind == "input" else lives[i]
            if not t.requires_grad:
                edges.append(None)
                continue
            d = t._data
            fn = t.grad_fn
            edges.append(
                (t, -1, d.shape, d.dtype) if fn is None else (fn, t._output_nr, d.shape, d.dtype)
            )
        if not any(e is not None for e in edges):
            edges = None
    if edges is None:
        res = [_make(o, dev) for o in outs]
        return res[0] if graph.single else tuple(res)
    node = object.__new__(_TracedNode)
    node._dev = dev
    node._saved = (graph, saved)
    node._seq = next(_sequence)
    node._edges = edges
    seeds = graph.seeds
    n = sum(1 for s in seeds if s is not None)
    node._n_outputs = n
    if n > 1:
        node._out_meta = tuple((o.shape, o.dtype) for o, s in zip(outs, seeds) if s is not None)
    res, nr = [], 0
    for o, s in zip(outs, seeds):
        if s is None:
            res.append(_make(o, dev))
        else:
            res.append(_make(o, dev, True, node, nr))
            nr += 1
    return res[0] if graph.single else tuple(res)


# --- tracing ------------------------------------------------------------------------------------
def _run_recorded(fn, inputs, want_backward):
    rec = Recorder(inputs)
    with rec:
        out = fn(*inputs)
    rec.check_in_place()
    single = isinstance(out, Tensor)
    outputs = (out,) if single else tuple(out)
    for o in outputs:
        if not isinstance(o, Tensor):
            raise TypeError(
                f"eg.jit.trace: the traced function must return a Tensor or a tuple of Tensors, "
                f"got {type(o).__name__}"
            )
    seeds, ext = [None] * len(outputs), {}
    if want_backward and _mode.enabled and any(o.requires_grad for o in outputs):
        with rec:
            seeds, ext = record_backward(rec, outputs)
        if -1 in rec.unresolved_segs:
            raise RuntimeError("eg.jit.trace: internal error: unresolved engine step")
    return rec, outputs, single, seeds, ext


def _rng_state():
    # Every device's default generator, not only cpu's: dropout on a GPU draws from its own.
    return _random._default_states()


def _perturbed(inputs, seed=1234):
    """Inputs with other values and the same shapes, dtypes and devices (for the check run)."""
    rng = numpy.random.default_rng(seed)
    out = []
    for t in inputs:
        d = t._data
        xp = t._device.xp
        if d.dtype.kind == "f":
            noise = xp.asarray(rng.uniform(0.5, 1.5, d.shape).astype(d.dtype))
            new = d * noise + xp.asarray(numpy.asarray(1e-3, d.dtype))
        elif d.ndim >= 1 and d.shape[0] > 1:
            new = xp.roll(d, 1, axis=0)
        else:
            new = d.copy()
        p = _make(new, t._device)
        if t.requires_grad:
            p.requires_grad = True
        out.append(p)
    return out


def _same_value(a, b):
    if a is b:
        return True
    try:
        return bool(a.shape == b.shape and (a == b).all())
    except Exception:  # noqa: BLE001 - not comparable: treat as different
        return False


def _compare(rec1, rec2, what):
    """Raises when a second run recorded other steps or other constants than the first."""
    s1 = [s for s in rec1.steps if s.phase == "fwd"]
    s2 = [s for s in rec2.steps if s.phase == "fwd"]
    if len(s1) != len(s2) or any(
        a.cls is not b.cls or a.out_shapes != b.out_shapes for a, b in zip(s1, s2)
    ):
        i = next(
            (j for j, (a, b) in enumerate(zip(s1, s2)) if a.cls is not b.cls), min(len(s1), len(s2))
        )
        raise RuntimeError(
            f"eg.jit.trace: the traced code ran different ops on {what} (first difference at "
            f"op {i}): its control flow depends on input values, which a trace freezes. Make "
            "the branch depend on shapes only, or do not trace this function."
        )
    for a, b in zip(s1, s2):
        for ra, rb in zip(_flat(a), _flat(b)):
            if ra[0] != rb[0] or (ra[0] == "v" and ra[1] != rb[1]):
                raise RuntimeError(
                    f"eg.jit.trace: op {a.cls.__name__} read different data on {what}: the "
                    "traced code's data flow depends on input values."
                )
            if ra[0] == "k" and not _same_value(rec1.consts[ra[1]], rec2.consts[rb[1]]):
                _frozen_error(a, what)
            if ra[0] == "l":
                ta, tb = rec1.lives[ra[1]], rec2.lives[rb[1]]
                if ta is not tb and not _same_value(ta._data, tb._data):
                    _frozen_error(a, what)


def _frozen_error(step, what):
    raise RuntimeError(
        f"eg.jit.trace: an input of op {step.cls.__name__} was computed outside eagergrad ops "
        f"(raw array code, a comparison mask, random numbers) and took another value on {what}; "
        "a trace would freeze it. Compute it with differentiable eagergrad ops, or pass it as "
        "an input."
    )


def _flat(step):
    out = list(step.ins)
    stack = list(step.params.values())
    while stack:
        r = stack.pop(0)
        if r[0] == "t":
            stack[:0] = list(r[1])
        else:
            out.append(r)
    return out


def _check_buffers(modules, versions):
    for m in modules:
        for bname, b in m.named_buffers():
            if b is not None and b._version != versions.get(id(b), b._version):
                raise RuntimeError(
                    f"eg.jit.trace: the traced code changed buffer '{bname}' in place (BatchNorm "
                    "in training mode updates its running statistics); a replay would not. "
                    "Trace in eval mode (model.eval())."
                )


def _build(fn, inputs, modules, check_inputs, name):
    versions = {
        id(t): t._version
        for m in modules
        for t in list(m.parameters()) + [b for b in m.buffers() if b is not None]
    }
    rng_before = _rng_state()
    try:
        rec, outputs, single, seeds, ext = _run_recorded(fn, inputs, True)
    except RuntimeError:
        # A changed buffer is also an in-place write seen by the recorder (through a view of
        # it); name the buffer, which says what to do, rather than the view.
        _check_buffers(modules, versions)
        raise
    if _rng_state() != rng_before:
        raise RuntimeError(
            "eg.jit.trace: the traced code drew random numbers (dropout in training mode, "
            "eg.rand...); a replay would reuse the same numbers. Trace in eval mode "
            "(model.eval()) or keep the random part outside the traced function."
        )
    _check_buffers(modules, versions)
    graph = _Graph(rec, inputs, outputs, seeds, ext, name, single)
    checks = [("perturbed example inputs", _perturbed(inputs))]
    for j, ci in enumerate(check_inputs or ()):
        checks.append((f"check_inputs[{j}]", list(ci) if isinstance(ci, (tuple, list)) else [ci]))
    for what, xs in checks:
        if what.startswith("check") and graph.mismatch(xs, False):
            continue  # other shapes: a separate trace; compared when it is made
        rec2 = _run_recorded(fn, xs, False)[0]
        _compare(rec, rec2, what)
    return graph


# --- public -------------------------------------------------------------------------------------
class TracedFunction:
    """A function replayed from its trace. Made by ``eg.jit.trace``; call it like the original.

    Attributes:
        code: the generated Python source of the last trace (forward and backward).

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.jit
        >>> f = eg.jit.trace(lambda x: (x * 2).sum(), (eg.zeros(3),))
        >>> isinstance(f, eg.jit.TracedFunction)
        True
        >>> f(eg.tensor([1.0, 2.0, 3.0]))
        tensor(12.)
        >>> isinstance(f.code, str)
        True
    """

    def __init__(self, fn, example_inputs, check_inputs, strict, modules=()):
        self._fn = fn
        self._modules = tuple(modules)
        self._strict = strict
        self._check_inputs = check_inputs
        self._graphs: dict = {}
        self._name = getattr(fn, "__name__", type(fn).__name__)
        inputs = _as_inputs(example_inputs)
        self._add(inputs, self._train_key())

    def _train_key(self):
        return tuple(m.training for m in self._modules)

    def _add(self, inputs, tkey):
        graph = _build(self._fn, inputs, self._modules, self._check_inputs, self._name)
        if len(self._graphs) >= _MAX_TRACES:
            del self._graphs[next(iter(self._graphs))]  # the oldest trace goes
        self._graphs[(tuple(_sig(t) for t in inputs), tkey)] = graph
        self._last = graph
        return graph

    @property
    def code(self) -> str:
        return self._last.source

    def __call__(self, *inputs):
        if recording():  # inside another trace: run eagerly so the outer trace inlines us
            return self._fn(*inputs)
        grad_on = _mode.enabled
        tkey = self._train_key()
        try:
            key = (tuple([_sig(t) for t in inputs]), tkey)
        except AttributeError:
            key = None
        graph = self._graphs.get(key)
        why = None
        if graph is None:
            first = next(iter(self._graphs.values()))
            first_key = next(iter(self._graphs))
            why = first.mismatch(inputs, grad_on) or (
                f"modules' training flags were {list(first_key[1])} when traced, are "
                f"{list(tkey)} now (model.train()/eval() changed)"
            )
        else:
            why = graph.mismatch(inputs, grad_on)
        if why is not None:
            if self._strict:
                raise RuntimeError(
                    f"eg.jit.trace: {self._name} was traced for other inputs: {why}. Trace "
                    "again, or pass strict=False to retrace automatically."
                )
            graph = self._add(list(inputs), tkey)
        self._last = graph
        return _replay(graph, inputs, grad_on)


class TracedModule(Module):
    """A module replayed from its trace. Made by ``eg.jit.trace(module, ...)``.

    It is a Module whose only child is the traced module, so ``parameters()``, ``buffers()``,
    ``train()``/``eval()``, ``zero_grad()`` and ``.to()`` act on the original's tensors;
    ``named_parameters()``, ``state_dict()`` and ``load_state_dict()`` use the original's
    names. Replay reads the current parameter arrays, so optimizer steps are seen.
    Other attributes are looked up on the original module.

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.jit
        >>> _ = eg.manual_seed(0)
        >>> model = eg.nn.Linear(3, 2)
        >>> traced = eg.jit.trace(model, (eg.zeros(4, 3),))
        >>> isinstance(traced, eg.jit.TracedModule)
        True
        >>> x = eg.randn(4, 3)
        >>> bool(eg.allclose(traced(x), model(x)))
        True
        >>> list(traced.state_dict()) == list(model.state_dict())
        True
    """

    def __init__(self, module, example_inputs, check_inputs, strict):
        super().__init__()
        self.module = module
        self._traced = TracedFunction(
            module, example_inputs, check_inputs, strict, list(module.modules())
        )
        self._traced._name = type(module).__name__

    @property
    def code(self) -> str:
        """The generated source of the last trace (forward and backward)."""
        return self._traced.code

    def forward(self, *inputs):
        return self._traced(*inputs)

    def named_parameters(self, prefix: str = "", recurse: bool = True, **kwargs):
        return self.module.named_parameters(prefix=prefix, recurse=recurse, **kwargs)

    def named_buffers(self, prefix: str = "", recurse: bool = True, **kwargs):
        return self.module.named_buffers(prefix=prefix, recurse=recurse, **kwargs)

    def state_dict(self, *args, **kwargs):
        return self.module.state_dict(*args, **kwargs)

    def load_state_dict(self, *args, **kwargs):
        return self.module.load_state_dict(*args, **kwargs)

    def __getattr__(self, name):
        # NOTE: only reached when normal lookup fails (Module itself defines no __getattr__).
        if name == "module" or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.module, name)

    def extra_repr(self) -> str:
        return "traced"


def _as_inputs(example_inputs):
    if isinstance(example_inputs, Tensor):
        return [example_inputs]
    inputs = list(example_inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"eg.jit.trace: example_inputs[{i}] is a {type(t).__name__}; pass Tensors "
                "(numbers and other arguments belong in the function, e.g. with a lambda)"
            )
    return inputs


def trace(fn_or_module, example_inputs, check_inputs=None, strict: bool = True):
    """Records one run of a function or module and returns a callable that replays it.

    The replay runs the recorded array operations as one generated Python function: no
    per-op dispatch, no Tensor objects or graph per op, no per-op dtype/device checks. When
    gradients are needed the result is one node of the eager graph whose backward replays the
    recorded backward, so ``loss.backward()`` and optimizers work unchanged.

    Data-dependent control flow is frozen at trace time, as with ``torch.jit.trace``: the
    branch the example inputs took is the one replayed. A second run on perturbed inputs (and
    on each of ``check_inputs``) must record the same ops, so value-dependent branches and
    arrays computed outside eagergrad ops are reported at trace time. Every call checks input
    shapes, dtypes, devices and ``requires_grad``, the grad mode, the devices and shapes of
    parameters and captured tensors, and modules' training flags.

    Args:
        fn_or_module: a function of Tensors returning a Tensor or a tuple of Tensors, or a
            Module. Tensors it reads from outside (parameters, captured tensors) are read
            afresh at each call.
        example_inputs: a Tensor or a tuple of Tensors to trace with.
        check_inputs: optional list of input tuples; each is run eagerly and traced again,
            and the recordings must agree (torch's ``check_inputs``).
        strict: if True a call whose inputs differ from the trace's raises a ``RuntimeError``
            saying what differs; if False the function is traced again for the new inputs
            (one trace is kept per input signature).

    Returns:
        a ``TracedModule`` for a Module (it exposes ``parameters()``, ``train()``...), else a
        ``TracedFunction``.

    Example:
        >>> import eagergrad as eg
        >>> import eagergrad.jit
        >>> w = eg.ones(3, requires_grad=True)
        >>> f = eg.jit.trace(lambda x: ((x * w).tanh() + x).sum(), (eg.zeros(3),))
        >>> y = f(eg.tensor([1.0, 2.0, 3.0]))
        >>> y.backward()
        >>> w.grad.shape
        eagergrad.Size([3])
    """
    if isinstance(fn_or_module, (TracedFunction, TracedModule)):
        raise TypeError("eg.jit.trace: already traced")
    if isinstance(fn_or_module, Module):
        return TracedModule(fn_or_module, example_inputs, check_inputs, strict)
    return TracedFunction(fn_or_module, example_inputs, check_inputs, strict)
