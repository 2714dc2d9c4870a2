"""Graph-retention warnings: catch a training loop that keeps old steps' graphs alive.

The classic mistake::

    total_loss = 0
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
        total_loss += loss          # keeps this step's whole graph alive, and every earlier one

``set_warn_graph_retention(True)`` (or ``EAGERGRAD_WARN_GRAPH_RETENTION=1`` in the environment)
makes eagergrad warn with a ``GraphRetentionWarning`` naming the line that does it.

See NOTE [How graph retention is detected].
"""

from __future__ import annotations

import linecache
import os
import sys
import warnings

from . import _custom, engine
from .function import Node

__all__ = ["GraphRetentionWarning", "set_warn_graph_retention", "is_warn_graph_retention_enabled"]

# NOTE [How graph retention is detected]
# A "step" ends each time an outermost backward() or grad() without create_graph returns.
# While the warning is on, every recorded node gets ``_ret_step`` (the step it was made in) and
# ``_ret_origin`` (the oldest step any node of its graph was made in: the minimum over its
# inputs' nodes). A node made in a later step than its origin *carries* an old graph into a
# new step. That alone is fine (``loss * 2`` just after ``loss.backward()``, a GAN's generator
# output reused after the discriminator's backward, a retained graph backwarded again). It is
# the mistake when it happens again: an op whose input was carried into an earlier step and is
# now carried once more is a graph growing step after step, as a running total
# (``total_loss += loss``), a moving average of losses, or a recurrent state not detached
# across steps. Higher-order gradients (create_graph=True) extend a graph on purpose, so those
# walks end no step. Nodes made while the warning was off are ignored.
#
# Cost: nothing while off. Turning it on swaps ``Node._record`` (every built-in op),
# ``_custom._record`` (user Functions) and ``engine._run`` (step counting) for wrappers;
# turning it off puts the same objects back.

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class GraphRetentionWarning(UserWarning):
    """Warned when an op builds on the graph of earlier training steps.

    Example:
        >>> import eagergrad as eg
        >>> issubclass(eg.autograd.GraphRetentionWarning, UserWarning)
        True
    """


class _State:
    enabled = False
    step = 0
    depth = 0  # nesting of engine walks
    warned: set = set()
    saved = None  # (Node._record, _custom._record, engine._run) while enabled


def is_warn_graph_retention_enabled() -> bool:
    """Whether graph-retention warnings are on.

    Example:
        >>> import eagergrad as eg
        >>> eg.autograd.is_warn_graph_retention_enabled()
        False
        >>> with eg.autograd.set_warn_graph_retention(True):
        ...     print(eg.autograd.is_warn_graph_retention_enabled())
        True
    """
    return _State.enabled


def _enable(mode: bool) -> None:
    if mode == _State.enabled:
        return
    if mode:
        _State.saved = (Node.__dict__["_record"], _custom._record, engine._run)
        _State.warned = set()
        node_record, custom_record, run = _State.saved

        def _record(self, inputs, outs, device, tensor_cls):
            out = node_record(self, inputs, outs, device, tensor_cls)
            _stamp(self)
            return out

        def _record_custom(ctx, args, outs, dev):
            out = custom_record(ctx, args, outs, dev)
            _stamp(ctx)
            return out

        def _run(tensors, root_grads, retain_graph, create_graph, capture, only):
            # Only the outermost walk ends a step: a backward may itself call grad() (a fused
            # op's double backward), and its nodes belong to the step that is running.
            _State.depth += 1
            try:
                return run(tensors, root_grads, retain_graph, create_graph, capture, only)
            finally:
                _State.depth -= 1
                if _State.depth == 0 and not create_graph:
                    _State.step += 1

        Node._record = _record
        _custom._record = _record_custom
        engine._run = _run
    else:
        node_record, custom_record, run = _State.saved
        Node._record = node_record
        _custom._record = custom_record
        engine._run = run
        _State.saved = None
    _State.enabled = mode


class set_warn_graph_retention:  # noqa: N801 - named like set_detect_anomaly
    """Turns graph-retention warnings on or off, as a call or as a context manager.

    While on, an op that carries the graph of earlier steps into a new step for the second
    time (see NOTE [How graph retention is detected]) warns a ``GraphRetentionWarning`` naming
    the line, once per line. Off, it costs nothing. ``EAGERGRAD_WARN_GRAPH_RETENTION=1`` turns
    it on at import.

    Args:
        mode: True to warn.

    Example:
        >>> import warnings
        >>> import eagergrad as eg
        >>> from eagergrad.autograd.retention import set_warn_graph_retention
        >>> w = eg.ones(2, requires_grad=True)
        >>> total = 0
        >>> with warnings.catch_warnings(record=True) as caught, set_warn_graph_retention(True):
        ...     warnings.simplefilter("always")
        ...     for step in range(3):
        ...         loss = (w * 2).sum()
        ...         loss.backward()
        ...         total += loss
        >>> print(caught[0].category.__name__)
        GraphRetentionWarning
    """

    def __init__(self, mode: bool):
        self._prev = _State.enabled
        _enable(bool(mode))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _enable(self._prev)
        return False


def _stamp(node) -> None:
    step = _State.step
    origin = step
    carried_again = False
    for e in node._edges:
        if e is not None:
            t = e[0]
            o = getattr(t, "_ret_origin", None)  # leaves and nodes made while off: None
            if o is None:
                continue
            if o < origin:
                origin = o
            if o < t._ret_step < step:  # t carried an old graph into an earlier step
                carried_again = True
    node._ret_origin = origin
    node._ret_step = step
    if carried_again:
        _warn(node, step - origin)


def _user_frame():
    """The innermost frame outside eagergrad, and how many frames up from the caller it is."""
    frame = sys._getframe(2)  # _stamp's frame; stacklevel 2 as seen from _warn
    level = 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return frame, level


def _warn(node, age) -> None:
    frame, level = _user_frame()
    if frame is None:
        return
    where = (frame.f_code.co_filename, frame.f_lineno)
    if where in _State.warned:
        return
    _State.warned.add(where)
    line = linecache.getline(where[0], where[1]).strip()
    msg = (
        f"{node.name()} at {where[0]}:{where[1]} ({line!r}) builds on a graph from {age} "
        "backward() calls ago, so every step's graph and the tensors it saved stay in memory. "
        "A running total such as `total_loss += loss` causes this: accumulate `loss.item()` "
        "or `loss.detach()` instead; call `.detach()` on a state carried from step to step "
        "(an RNN's hidden state)."
    )
    warnings.warn(msg, GraphRetentionWarning, stacklevel=level)


if os.environ.get("EAGERGRAD_WARN_GRAPH_RETENTION", "") not in ("", "0"):
    _enable(True)
