"""The backward engine: ``backward()`` and ``grad()``.

The walk is iterative (a graph 100 000 ops deep is fine), runs each node once in reverse
topological order, accumulates per-node gradients in a dict and pops them as soon as the node
has run, so memory is released during the walk.
"""

from __future__ import annotations

from heapq import heappop, heappush, heapreplace

from .._backend import writeable
from .function import _FREED, Node, _anomaly
from .grad_mode import _mode

__all__ = ["backward", "grad"]

# The Tensor class, bound by _tensor.py once it exists (NOTE [import cycle] there).
_TENSOR = None
_make = None  # _TENSOR._make, bound with it


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulates gradients of ``tensors`` into the ``.grad`` of the graph's leaves.

    Args:
        tensors: a tensor or sequence of tensors to differentiate.
        grad_tensors: the gradient w.r.t. each tensor (None allowed for one-element tensors).
        retain_graph: keep saved tensors for another backward (defaults to ``create_graph``).
        create_graph: record the backward pass, for higher-order derivatives.
        inputs: if given, only these tensors' ``.grad`` is accumulated.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor([1.0, 2.0], requires_grad=True)
        >>> y = (x * x).sum()
        >>> eg.autograd.backward(y)
        >>> x.grad
        tensor([2., 4.])
        >>> z = x * 3
        >>> eg.autograd.backward(z, grad_tensors=eg.ones(2))
        >>> x.grad
        tensor([5., 7.])
    """
    tensors = _as_tuple(tensors)
    grads = _make_root_grads(tensors, _as_tuple(grad_tensors, len(tensors)), create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    only = None
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        only = {id(t): t for t in inputs}
    _run(tensors, grads, retain_graph, create_graph, capture=None, only=only)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False):
    """Returns the gradients of ``outputs`` w.r.t. ``inputs`` without touching ``.grad``.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.tensor(3.0, requires_grad=True)
        >>> (g,) = eg.autograd.grad(x ** 3, x, create_graph=True)
        >>> g, eg.autograd.grad(g, x)[0]
        (tensor(27., grad_fn=<MulBackward0>), tensor(18.))
    """
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not require "
                               "grad")
    grads = _make_root_grads(outputs, _as_tuple(grad_outputs, len(outputs)), create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    capture = {id(t): None for t in inputs}
    _run(outputs, grads, retain_graph, create_graph, capture=(capture, inputs), only=None)
    result = []
    for i, t in enumerate(inputs):
        g = capture[id(t)]
        if g is None:
            if materialize_grads:
                from .. import _creation

                g = _creation.zeros_like(t)
            elif not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {i}) appears to not have been "
                    "used in the graph. Set allow_unused=True if this is the desired behavior."
                )
        result.append(g)
    return tuple(result)


# --- roots -----------------------------------------------------------------------------------
def _as_tuple(x, n=None):
    if x is None:
        return (None,) * n if n is not None else ()
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


def _make_root_grads(tensors, grad_tensors, create_graph):
    from .._creation import ones_like
    from .._tensor import Tensor

    if len(grad_tensors) != len(tensors):
        raise RuntimeError(
            f"grad can be implicitly created only for scalar outputs: got {len(tensors)} "
            f"tensors and {len(grad_tensors)} gradients"
        )
    out = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not isinstance(t, Tensor):
            raise TypeError(f"backward expects Tensors, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            if t._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = ones_like(t)
            g._engine_owned = True  # the walk's own buffer (NOTE [Shared gradients])
        elif not isinstance(g, Tensor):
            g = Tensor._make(t._device.xp.asarray(g, dtype=t._data.dtype), t._device)
        elif g.shape != t.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                f"has a shape of {t.shape}."
            )
        elif g._device is not t._device:
            raise RuntimeError(
                f"Expected all tensors to be on the same device, but grad_output[{i}] is on "
                f"{g._device} and output[{i}] is on {t._device}"
            )
        if not create_graph and g.requires_grad:
            g = g.detach()
        out.append(g)
    return out


# --- the walk --------------------------------------------------------------------------------
def _topo_order(roots):
    """Nodes reachable from ``roots`` in post-order (inputs before the nodes that use them)."""
    order = []
    expanded = set()
    done = set()
    stack = list(roots)
    while stack:
        node = stack[-1]
        if node in expanded:
            stack.pop()
            if node not in done:
                done.add(node)
                order.append(node)
            continue
        expanded.add(node)
        for e in node._edges:
            if e is not None:
                target = e[0]
                if isinstance(target, Node) and target not in expanded:
                    stack.append(target)
    return order


def _needed_nodes(order, capture_ids, only_ids, capture_nodes):
    """Nodes whose backward leads to a tensor being captured (``grad``/``inputs=``)."""
    needed = set()
    for node in order:  # post-order: inputs first
        for e in node._edges:
            if e is None:
                continue
            target = e[0]
            if isinstance(target, Node):
                if target in needed or target in capture_nodes:
                    needed.add(node)
                    break
            elif id(target) in capture_ids or id(target) in only_ids:
                needed.add(node)
                break
    return needed


def _run(tensors, root_grads, retain_graph, create_graph, capture, only):
    capture_map, capture_inputs = capture if capture is not None else (None, ())
    # NOTE [Order of the walk]
    # A node always has a higher sequence number than the nodes of its inputs, so taking the
    # pending node with the highest number first runs every node after all its consumers have
    # added their gradients, with no separate topological sort. ``pending`` holds the summed
    # gradient of each waiting node (a list for multi-output nodes) and is popped as a node
    # runs, which releases gradients as the walk proceeds.
    pending = {}
    heap = []
    handed = {}  # see NOTE [Leaf gradients are never aliased]
    foreign = set()  # storages never updated in place: see NOTE [Shared gradients]
    for t, g in zip(tensors, root_grads):
        handed[_storage_key(g._data)] = True
        if not g._engine_owned:  # the caller's gradient
            foreign.add(_storage_key(g._data))
        fn = t.grad_fn
        if fn is None:
            _deliver_leaf(t, g, capture_map, only, create_graph, handed, foreign)
        else:
            _add_pending(pending, heap, fn, t._output_nr, g, create_graph)
    if not heap:
        return
    # Non-leaf tensors whose gradient grad() returns: captured as their node is reached.
    capture_nodes = {}
    for t in capture_inputs:
        if t.grad_fn is not None:
            capture_nodes.setdefault(t.grad_fn, []).append(t)
    needed = None
    if capture is not None or only is not None:
        order = _topo_order([node for _, node in heap])
        needed = _needed_nodes(order, capture_map or {}, only or {}, capture_nodes)
    fast_leaves = capture_map is None and only is None and not create_graph
    plain = not create_graph and not _anomaly[0]
    prev_mode = _mode.enabled
    _mode.enabled = create_graph
    # ``ready``: the newest node to become pending, held outside the heap. In a chain it is
    # the next to run, so most steps skip a heap push and pop.
    ready = None
    try:
        while True:
            if ready is not None:
                node = ready
                ready = None
                if heap and -heap[0][0] > node._seq:
                    node = heapreplace(heap, (-node._seq, node))[1]
            elif heap:
                node = heappop(heap)[1]
            else:
                break
            g = pending.pop(node)
            hooked = node._pre_hooks is not None or (capture_nodes and node in capture_nodes)
            if hooked:
                g = _run_pre_hooks(node, g, capture_nodes, capture_map)
                # The hooks (or grad()'s capture) may keep what they saw: foreign from now on.
                _mark_shared(g if type(g) is list else (g,), handed, foreign, every=True)
            if needed is not None and node not in needed:
                continue
            arrays = False
            if plain and type(g) is not list and node._post_hooks is None:
                # The common case, inlined: one gradient in, a tuple (or one) out.
                raw = node.backward_arrays  # see NOTE [Array backward]
                if raw is not None:
                    data = g._data
                    # NOTE [Shared gradients]: storage no one else can read may be reused.
                    if node._reuses_grad:  # set either way: a retained graph runs again
                        node._grad_owned = (not hooked and data.base is None
                                            and id(data) not in handed)
                    grads_in = raw(node, data)
                    arrays = True
                else:
                    grads_in = node.backward(node, g)
                if type(grads_in) is not tuple:
                    grads_in = (grads_in,)
                edges = node._edges
                if len(grads_in) != len(edges):
                    _wrong_count(node, grads_in)
            else:
                grads_in = _call_backward(node, g, create_graph)
                edges = node._edges
            if not retain_graph:
                node._saved = _FREED
            dev = node._dev
            # NOTE [Shared gradients]; array backwards give each input its own storage.
            if not arrays:
                if len(grads_in) == 2 and node._fresh_grads:
                    g0, g1 = grads_in
                    # (a gradient for an input that needs none goes nowhere: not shared)
                    if (g0 is not None and g1 is not None and edges[0] is not None
                            and edges[1] is not None):
                        d0, d1 = g0._data, g1._data
                        if d0 is d1 and d0.base is None:  # add's (grad, grad), inlined
                            handed[id(d0)] = True
                            g0._engine_owned = g1._engine_owned = False
                        elif d0 is d1 or d0.base is not None or d1.base is not None:
                            _mark_shared(grads_in, handed, foreign)  # views: check storages
                elif len(grads_in) > 2 or not node._fresh_grads:
                    _mark_shared([gi for e, gi in zip(edges, grads_in) if e is not None],
                                 handed, foreign, every=not node._fresh_grads)
            for edge, gi in zip(edges, grads_in):
                if edge is None or gi is None:
                    continue
                target, nr, shape, dt = edge
                # An array backward's results are wrapped only where a Tensor is kept.
                data = gi if arrays else gi._data
                if data.shape != shape or data.dtype is not dt:
                    gi = _conform(node, edge, _make(gi, dev) if arrays else gi)
                    data = gi._data
                elif arrays:
                    gi = None
                if nr >= 0:
                    if target._n_outputs != 1:
                        if gi is None:
                            gi = _make(data, dev)
                        _add_pending(pending, heap, target, nr, gi, create_graph)
                        continue
                    prev = pending.get(target)  # _add_pending's common case, inlined
                    if prev is None:
                        pending[target] = gi if gi is not None else _make(data, dev)
                        if ready is None:
                            ready = target
                        elif target._seq > ready._seq:
                            heappush(heap, (-ready._seq, ready))
                            ready = target
                        else:
                            heappush(heap, (-target._seq, target))
                    elif plain and prev._engine_owned and prev._data.shape == data.shape:
                        prev._data += data  # _accumulate's in-place case, inlined
                    else:
                        if gi is None:
                            gi = _make(data, dev)
                        pending[target] = _accumulate(prev, gi, create_graph)
                    continue
                if fast_leaves and target._hooks is None:
                    prev = target.grad
                    if prev is not None and not prev.requires_grad and prev._data.shape == shape:
                        pd = prev._data
                        base = pd.base
                        if not foreign or id(pd if base is None else base) not in foreign:
                            pd += data  # in place, as torch's AccumulateGrad
                            continue
                if gi is None:
                    gi = _make(data, dev)
                _deliver_leaf(target, gi, capture_map, only, create_graph, handed, foreign)
    finally:
        _mode.enabled = prev_mode


# NOTE [Shared gradients]
# The engine updates two kinds of gradient buffers in place: a pending sum it allocated itself
# (``_engine_owned``) and a leaf's ``.grad``. That is only safe while nothing else reads the same
# storage, or an in-place sum into one holder changes what another reads later: a silently wrong
# gradient. Storage gets a second holder in two ways:
# - a node hands one storage to several edges (add returns ``grad`` for both inputs, or a view
#   of it). Such storage is marked as handed out: a leaf receiving it copies it (NOTE [Leaf
#   gradients are never aliased]) and a pending sum holding it loses ``_engine_owned``. Array
#   backwards give each input its own storage, so only the Tensor path needs the check.
# - it came from outside, or went out: the caller's gradient (``y.backward(x.grad)``), what a
#   user Function or another non-op node returned (it may keep it), and whatever a hook or
#   grad()'s capture saw (they may keep it). Such storage is ``foreign``: copied by leaves, never
#   reused, and a leaf whose ``.grad`` is that storage gets a new sum instead of an in-place one.
# A storage that only one edge receives is passed on: the node it came from has given up its
# reference. So a leaf's ``.grad`` stored during the walk is never shared, and the in-place sums
# into it need no check unless something foreign is about. The same reasoning lets an array
# backward overwrite its incoming gradient (``ctx._grad_owned``, NOTE [Array backward]) when that
# storage is not a view and not handed out.
def _mark_shared(grads_in, handed, foreign, every=False):
    seen = {}
    for gi in grads_in:
        if gi is None:
            continue
        key = _storage_key(gi._data)
        if every:
            foreign.add(key)
        if every or key in seen:
            handed[key] = True
            gi._engine_owned = False
            first = seen.get(key)
            if first is not None:
                first._engine_owned = False
        seen[key] = gi


def _conform(node, edge, gi):
    """Sums a broadcast gradient back to its input's shape and casts it to its dtype."""
    target, nr, shape, dt = edge
    data = gi._data
    if data.shape != shape:
        if node.broadcasting:
            from .._ops.shape import sum_to

            gi = sum_to(gi, shape)
        else:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index "
                f"{node._edges.index(edge)} - got {list(data.shape)} but expected shape "
                f"compatible with {list(shape)}" + node._creation_hint()
            )
    if gi._data.dtype != dt:
        gi = gi.to(_dtype_of(dt))
    return gi


def _add_pending(pending, heap, node, nr, g, create_graph):
    prev = pending.get(node)
    if prev is None:
        heappush(heap, (-node._seq, node))
    if node._n_outputs == 1:
        pending[node] = g if prev is None else _accumulate(prev, g, create_graph)
        return
    if prev is None:
        prev = pending[node] = [None] * node._n_outputs
    prev[nr] = g if prev[nr] is None else _accumulate(prev[nr], g, create_graph)


def _accumulate(a, b, create_graph):
    """a + b; in place into ``a`` when the engine allocated it (nobody else can see it)."""
    if create_graph:
        return a + b
    data = a._data
    if a._engine_owned and data.shape == b._data.shape:
        data += b._data
        return a
    out = _TENSOR._make(data + b._data, a._device)
    out._engine_owned = True
    return out


def _call_backward(node, g, create_graph):
    if create_graph and node.once_differentiable:
        raise RuntimeError(
            f"{node.name()}: this op's backward is not differentiable (once_differentiable), "
            "so create_graph=True / higher-order gradients cannot pass through it."
        )
    if type(g) is list:
        g = _materialize(node, g)
        out = node.backward(node, *g)
    else:
        out = node.backward(node, g)
    if type(out) is not tuple:
        out = (out,)
    if len(out) != len(node._edges):
        _wrong_count(node, out)
    if node._post_hooks is not None:
        for hook in node._post_hooks:
            r = hook(out, g if type(g) is list else [g])
            if r is not None:
                out = tuple(r)
    if _anomaly[0]:
        _check_finite(node, out)
    return out


def _wrong_count(node, out):
    raise RuntimeError(
        f"function {node.name()} returned an incorrect number of gradients (expected "
        f"{len(node._edges)}, got {len(out)})"
    )


def _materialize(node, gs):
    """Missing gradients of a multi-output node become zeros (torch's materialize_grads)."""
    xp = node.xp
    return [
        _TENSOR._make(xp.zeros(shape, dtype=dt), node._dev) if g is None else g
        for g, (shape, dt) in zip(gs, node._out_meta)
    ]


def _dtype_of(np_dtype):
    from .._dtype import from_numpy_dtype

    return from_numpy_dtype(np_dtype)


# NOTE [Leaf gradients are never aliased]
# Ops may hand the same gradient array to several inputs (add gives ``grad`` to both) or a
# broadcast view of it (sum, expand). A leaf's ``.grad`` must own writable memory: optimizers
# and clipping update it in place, and ``x.grad`` and ``y.grad`` sharing memory would double
# every in-place change. So a gradient that is a view, or whose storage was already handed to
# another leaf (or came from the caller), is copied; fresh results are stored without a copy.
def _storage_key(a):
    base = a.base
    return id(base if base is not None else a)


def _deliver_leaf(leaf, g, capture_map, only, create_graph, handed, foreign):
    if leaf._hooks is not None:
        for hook in leaf._hooks:
            r = hook(g)
            if r is not None:
                g = r
        # a hook may keep what it saw: .grad gets its own copy (NOTE [Shared gradients])
        _mark_shared((g,), handed, foreign, every=True)
    if capture_map is not None:
        key = id(leaf)
        if key in capture_map:
            prev = capture_map[key]
            capture_map[key] = g if prev is None else _accumulate(prev, g, create_graph)
        return
    if only is not None and id(leaf) not in only:
        return
    prev = leaf.grad
    if create_graph:
        leaf.grad = g if prev is None else prev + g
        return
    if g.requires_grad:
        g = g.detach()
    if prev is None:
        data = g._data
        key = _storage_key(data)
        if data.base is not None or key in handed or not writeable(data):
            g = type(g)._make(data.copy(), g._device)
        handed[_storage_key(g._data)] = True
        g._base = None
        leaf.grad = g
    elif (prev.requires_grad or prev._data.shape != g._data.shape
          or _storage_key(prev._data) in foreign):
        # NOTE: a .grad whose storage is also a root gradient (``y.backward(x.grad)``) is
        # replaced, not updated: the walk still reads that storage.
        leaf.grad = prev.detach() + g
    else:
        prev._data += g._data  # in place, as torch's AccumulateGrad does outside grad mode


def _run_pre_hooks(node, g, capture_nodes, capture_map):
    """Tensor hooks, retain_grad and grad() captures for a node's outputs, before it runs."""
    multi = type(g) is list
    if node._pre_hooks is not None:
        for hook in list(node._pre_hooks):
            kind = hook[0]
            if kind == "node":
                r = hook[1](tuple(g) if multi else (g,))
                if r is not None:
                    g = list(r) if multi else r[0]
                continue
            nr = hook[1]
            cur = g[nr] if multi else g
            if cur is None:
                continue
            if kind == "tensor":
                r = hook[2](cur)
                if r is not None:
                    if multi:
                        g[nr] = r
                    else:
                        g = r
            else:  # retain_grad(): keep a copy (create_graph: the differentiable value)
                t = hook[2]()
                if t is not None:
                    if not _mode.enabled:
                        cur = _TENSOR._make(cur._data.copy(), cur._device)
                    t.grad = cur if t.grad is None else t.grad + cur
    for t in capture_nodes.get(node, ()):
        cur = g[t._output_nr] if multi else g
        if cur is not None:
            key = id(t)
            prev = capture_map[key]
            capture_map[key] = cur if prev is None else prev + cur
    return g


def _check_finite(node, grads):
    xp = node.xp
    for i, gi in enumerate(grads):
        if gi is not None and gi._data.dtype.kind == "f" and not bool(
            xp.isfinite(gi._data).all()
        ):
            raise RuntimeError(
                f"Function '{node.name()}' returned nan or inf values in its {i}th output."
                + node._creation_hint()
            )
