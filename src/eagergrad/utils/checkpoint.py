"""Activation checkpointing: trade compute for memory by recomputing a segment in backward.

``checkpoint(fn, *args)`` runs ``fn`` recording its graph as usual but keeping none of the
tensors its ops save for backward; the first time backward needs one of them, ``fn`` runs again
and the saved tensors of the whole segment are filled in. Peak memory then holds one segment's
activations instead of the whole network's.

See NOTE [Checkpointing without a reentrant backward].
"""

from __future__ import annotations

import weakref

from .. import random as _random
from .._tensor import Tensor
from ..autograd import _custom
from ..autograd.function import _FREED, Node
from ..autograd.grad_mode import _mode

__all__ = ["checkpoint", "checkpoint_sequential"]

# NOTE [Checkpointing without a reentrant backward]
# The segment's forward runs with grad mode on, so its nodes and edges are recorded exactly as
# without checkpointing: backward(), grad(), inputs= and parameters that are not arguments all
# work. While it runs, ``Node._record`` (and ``_custom._record``) are swapped for wrappers that
# list each new node and replace what it saved by a ``_Deferred`` placeholder, so the
# segment's intermediate arrays are freed as soon as the forward drops them. Unpacking any
# placeholder (``ctx.saved_tensors`` in a backward) reruns the segment once, with the inputs
# detached and the RNG state of the first run, lists the nodes of the rerun the same way, and
# hands each original node the saved values of its twin (matched by creation order, checked
# by op type). The engine then frees them node by node as usual.
# A checkpoint nested in a segment defers its own values in the first run; while the outer
# segment reruns it runs plainly (``_recomputing``), so the outer rerun fills in every node.
# Not supported: create_graph=True through a checkpointed segment (the recomputed saved
# tensors belong to the rerun's graph, so second derivatives would not reach the inputs).


_recomputing = [0]  # > 0 while a segment reruns: nested checkpoints then run plainly


class _Segment:
    """One checkpointed call: what is needed to rerun it."""

    def __init__(self, fn, args, kwargs, rng_states):
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.versions = [_version(a) for a in args]
        self.rng_states = rng_states
        self.nodes: list = []  # weak references, in creation order
        self.done = False

    def recompute(self) -> None:
        if self.done:
            return
        self.done = True
        for i, (a, v) in enumerate(zip(self.args, self.versions)):
            if _version(a) != v:
                raise RuntimeError(
                    f"checkpoint: argument {i} was modified in place after the checkpointed "
                    "forward, so its recomputation would differ; clone it before modifying it."
                )
        inputs = [_detached(a) for a in self.args]
        twins: list = []
        prev_mode = _mode.enabled
        _mode.enabled = True  # backward runs with grad off; the rerun must record its nodes
        restore = _swap_record(lambda node: twins.append(node))
        current = _get_rng_states() if self.rng_states is not None else None
        _recomputing[0] += 1
        try:
            if self.rng_states is not None:
                _set_rng_states(self.rng_states)
            self.fn(*inputs, **self.kwargs)
        finally:
            _recomputing[0] -= 1
            restore()
            _mode.enabled = prev_mode
            if current is not None:
                _set_rng_states(current)
        if len(twins) != len(self.nodes):
            raise RuntimeError(
                f"checkpoint: the recomputed forward recorded {len(twins)} ops but the first run "
                f"recorded {len(self.nodes)}; the checkpointed function must run the same ops "
                "each time it is called."
            )
        for ref, twin in zip(self.nodes, twins):
            node = ref()
            if node is None:
                continue
            if type(node) is not type(twin):
                raise RuntimeError(
                    f"checkpoint: the recomputed forward ran {twin.name()} where the first run "
                    f"ran {node.name()}; the checkpointed function must run the same ops each "
                    "time it is called."
                )
            if isinstance(node._saved, _Deferred):
                node._saved = twin._saved
            twin._saved = ()  # the rerun's graph must not keep the values alive


class _Deferred:
    """A node's saved values, computed on first use by rerunning the segment."""

    __slots__ = ("segment", "node", "__weakref__")

    def __init__(self, segment, node):
        self.segment = segment
        self.node = weakref.ref(node)

    def _values(self):
        self.segment.recompute()
        node = self.node()
        saved = node._saved if node is not None else ()
        if saved is self or saved is _FREED:  # pragma: no cover - defensive
            raise RuntimeError("checkpoint: recomputation did not restore the saved tensors")
        return saved

    def __iter__(self):
        return iter(self._values())

    def __len__(self):
        return len(self._values())

    def __getitem__(self, i):
        return self._values()[i]

    def __bool__(self):
        return True


def _version(a):
    if isinstance(a, Tensor):
        root = a._base if a._base is not None else a
        return root._version
    return None


def _detached(a):
    if not isinstance(a, Tensor):
        return a
    d = a.detach()
    if a.requires_grad:
        d.requires_grad = True
    return d


def _swap_record(on_node):
    """Routes every recorded node through ``on_node``; returns the function that undoes it."""
    node_record = Node.__dict__["_record"]
    custom_record = _custom._record

    def _record(self, inputs, outs, device, tensor_cls):
        out = node_record(self, inputs, outs, device, tensor_cls)
        on_node(self)
        return out

    def _record_custom(ctx, args, outs, dev):
        out = custom_record(ctx, args, outs, dev)
        on_node(ctx)
        return out

    Node._record = _record
    _custom._record = _record_custom

    def restore():
        Node._record = node_record
        _custom._record = custom_record

    return restore


def _get_rng_states():
    gens = [_random.default_generator, *_random._cuda_generators.values()]
    return [(g, g.get_state()) for g in gens]


def _set_rng_states(states):
    for g, state in states:
        g.set_state(state)


def checkpoint(
    function, *args, use_reentrant: bool = False, preserve_rng_state: bool = True, **kwargs
):
    """Runs ``function(*args)`` without keeping its activations; recomputes them in backward.

    Args:
        function: the segment to run; it must run the same ops when called again.
        *args: its arguments (tensors or other values).
        use_reentrant: accepted for torch compatibility. eagergrad implements only the
            non-reentrant variant (torch's recommended one), whatever the value.
        preserve_rng_state: rerun with the random state of the first run, so dropout masks
            match.
        **kwargs: keyword arguments for ``function``.

    Returns:
        What ``function`` returns; its graph is recorded as usual.

    Example:
        >>> import eagergrad as eg
        >>> from eagergrad.utils.checkpoint import checkpoint
        >>> x = eg.tensor([1.0, 2.0], requires_grad=True)
        >>> y = checkpoint(lambda t: (t * t).tanh(), x)
        >>> y.sum().backward()
        >>> x.grad
        tensor([0.8399, 0.0054])
    """
    if not _mode.enabled or _recomputing[0]:
        return function(*args, **kwargs)
    rng_states = _get_rng_states() if preserve_rng_state else None
    segment = _Segment(function, args, kwargs, rng_states)

    def on_node(node):
        segment.nodes.append(weakref.ref(node))
        if node._saved:
            node._saved = _Deferred(segment, node)

    restore = _swap_record(on_node)
    try:
        return function(*args, **kwargs)
    finally:
        restore()


def checkpoint_sequential(functions, segments: int, input, use_reentrant: bool = False, **kwargs):
    """Runs a sequence of modules/functions in ``segments`` checkpointed chunks.

    As torch's version, the last chunk is not checkpointed (its activations are needed at once
    by backward anyway).

    Args:
        functions: an ``nn.Sequential`` or a list of callables, applied in order.
        segments: the number of chunks.
        input: the input of the first function.
        use_reentrant: accepted for torch compatibility (see ``checkpoint``).
        **kwargs: passed to ``checkpoint`` (``preserve_rng_state``).

    Example:
        >>> import eagergrad as eg
        >>> from eagergrad.utils.checkpoint import checkpoint_sequential
        >>> fns = [lambda t: t * 2, lambda t: t.tanh(), lambda t: t + 1, lambda t: t * t]
        >>> x = eg.tensor([0.5], requires_grad=True)
        >>> checkpoint_sequential(fns, 2, x).sum().backward()
        >>> x.grad
        tensor([2.9593])
    """
    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())
    functions = list(functions)
    if segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be at least 1, got {segments}")
    size = max(len(functions) // segments, 1)

    def run(start, end):
        def forward(x):
            for f in functions[start:end]:
                x = f(x)
            return x

        return forward

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end + 1), input, use_reentrant=use_reentrant, **kwargs)
    return run(end + 1, len(functions))(input)
