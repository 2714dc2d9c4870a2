"""eagergrad.profiler: per-op time, call counts and memory, as a table or a Chrome trace.

``with eg.profiler.profile() as prof:`` records every op's forward (``Mul``) and backward
(``MulBackward0``) with its wall time, the bytes its outputs allocated and, on a GPU, its
device time measured with CUDA events. ``prof.key_averages().table()`` prints torch's table;
``prof.export_chrome_trace(path)`` writes a trace for chrome://tracing or ui.perfetto.dev.

See NOTE [Profiling costs nothing while off].
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time

from ._ops._base import Op
from .autograd.function import Node

__all__ = [
    "profile",
    "record_function",
    "ProfilerActivity",
    "EventList",
    "FunctionEvent",
    "FunctionEventAvg",
]

# NOTE [Profiling costs nothing while off]
# There is no "is profiling on?" test anywhere on the op path. Entering ``profile`` replaces
# ``Op.apply`` (every built-in op's forward) and the ``backward`` and ``backward_arrays``
# static methods of every node class defined so far (built-in ops, and user Functions already
# applied once) by timing wrappers; leaving it puts the very same objects back. While no profile is
# active the interpreter runs exactly the code it runs when this module was never imported
# (tests check the identity, benchmarks/bench_debug_off.py the time). The swap is process-wide:
# ops run by other threads while a profile is active are recorded too, on their own thread's
# track (each thread has its own stack of open events).

_now = time.perf_counter_ns
_CUDA_TID = 1  # the trace's track for GPU time (Perfetto wants integer thread ids)
_active: list = [None]  # the running profile, or None
_lock = threading.Lock()


class ProfilerActivity:
    """What to record (torch.profiler.ProfilerActivity). CUDA time is recorded for ops on cuda.

    Example:
        >>> import eagergrad as eg
        >>> acts = [eg.profiler.ProfilerActivity.CPU]
        >>> with eg.profiler.profile(activities=acts) as prof:
        ...     _ = eg.ones(2) * 2
        >>> [e.name for e in prof.events()]
        ['Mul']
    """

    CPU = "CPU"
    CUDA = "CUDA"


class FunctionEvent:
    """One recorded interval: an op's forward, a node's backward or a ``record_function`` range.

    Times are in microseconds (torch's unit). ``cpu_memory_usage`` is the bytes allocated by
    the outputs of this event and everything it ran; ``self_`` values exclude nested events.

    Example:
        >>> import eagergrad as eg
        >>> with eg.profiler.profile() as prof:
        ...     _ = eg.ones(2).exp()
        >>> e = prof.events()[0]
        >>> isinstance(e, eg.profiler.FunctionEvent), e.name, e.kind
        (True, 'Exp', 'forward')
        >>> e.cpu_time_total >= e.self_cpu_time_total >= 0
        True
    """

    __slots__ = (
        "name",
        "kind",
        "start_us",
        "cpu_time_total",
        "self_cpu_time_total",
        "cpu_memory_usage",
        "self_cpu_memory_usage",
        "input_shapes",
        "thread",
        "device",
        "cuda_time_total",
        "_cuda_events",
        "depth",
    )

    def __init__(self, name, kind, start_us, thread, depth):
        self.name = name
        self.kind = kind  # "forward", "backward" or "user"
        self.start_us = start_us
        self.thread = thread
        self.depth = depth
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.input_shapes = None
        self.device = "cpu"
        self.cuda_time_total = 0.0
        self._cuda_events = None

    @property
    def key(self) -> str:
        return self.name

    def __repr__(self):
        return (
            f"<FunctionEvent {self.name} kind={self.kind} cpu_time={self.cpu_time_total:.1f}us"
            f" self={self.self_cpu_time_total:.1f}us mem={self.cpu_memory_usage}B>"
        )


class FunctionEventAvg:
    """The events sharing one key, summed (torch's FunctionEventAvg); times in microseconds.

    Example:
        >>> import eagergrad as eg
        >>> x = eg.ones(2)
        >>> with eg.profiler.profile() as prof:
        ...     for _ in range(3):
        ...         x = x * 2
        >>> avg = {a.key: a for a in prof.key_averages()}['Mul']
        >>> isinstance(avg, eg.profiler.FunctionEventAvg), avg.count
        (True, 3)
    """

    def __init__(self, key, input_shapes=None):
        self.key = key
        self.input_shapes = input_shapes
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.cuda_time_total = 0.0
        self.self_cuda_time_total = 0.0

    def add(self, e: FunctionEvent) -> None:
        self.count += 1
        self.cpu_time_total += e.cpu_time_total
        self.self_cpu_time_total += e.self_cpu_time_total
        self.cpu_memory_usage += e.cpu_memory_usage
        self.self_cpu_memory_usage += e.self_cpu_memory_usage
        self.cuda_time_total += e.cuda_time_total
        if e.kind != "user":  # an op's device time is its own; a user range holds others'
            self.self_cuda_time_total += e.cuda_time_total

    @property
    def cpu_time(self) -> float:
        """Average time per call in microseconds."""
        return self.cpu_time_total / self.count if self.count else 0.0

    def __repr__(self):
        return (
            f"<FunctionEventAvg key={self.key} count={self.count} "
            f"self_cpu_time_total={self.self_cpu_time_total:.1f}us "
            f"cpu_time_total={self.cpu_time_total:.1f}us>"
        )


_SORT_KEYS = (
    "self_cpu_time_total",
    "cpu_time_total",
    "cpu_time",
    "count",
    "cpu_memory_usage",
    "self_cpu_memory_usage",
    "cuda_time_total",
    "self_cuda_time_total",
)


class EventList(list):
    """A list of events (or of averages) that can print itself as torch's table.

    Example:
        >>> import eagergrad as eg
        >>> with eg.profiler.profile() as prof:
        ...     _ = eg.ones(2) + eg.ones(2)
        >>> events = prof.key_averages()
        >>> isinstance(events, eg.profiler.EventList)
        True
        >>> 'Self CPU' in events.table(row_limit=5)
        True
    """

    def table(
        self,
        sort_by: str | None = None,
        row_limit: int = 100,
        max_name_column_width: int = 55,
        header: str | None = None,
    ) -> str:
        """The events as a text table like torch's ``key_averages().table()``.

        Args:
            sort_by: an attribute to sort by, descending (``"self_cpu_time_total"``,
                ``"cpu_time_total"``, ``"count"``, ``"cpu_memory_usage"``,
                ``"cuda_time_total"``...); None keeps the recorded order.
            row_limit: the most rows to show (-1 or None: all).
            max_name_column_width: names longer than this are cut with ``...``.
            header: an optional title line.
        """
        return _table(self, sort_by, row_limit, max_name_column_width, header)

    def total_average(self) -> FunctionEventAvg:
        """All events summed into one row."""
        total = FunctionEventAvg("Total")
        for e in self:
            if isinstance(e, FunctionEventAvg):
                for attr in (
                    "count",
                    "cpu_time_total",
                    "self_cpu_time_total",
                    "cpu_memory_usage",
                    "self_cpu_memory_usage",
                    "cuda_time_total",
                    "self_cuda_time_total",
                ):
                    setattr(total, attr, getattr(total, attr) + getattr(e, attr))
            else:
                total.add(e)
        return total

    def __str__(self):
        return self.table()


class profile:  # noqa: N801 - torch's name
    """Records per-op time, call counts and memory while the ``with`` block runs.

    Args:
        activities: accepted for torch compatibility; CPU time is always recorded and CUDA
            device time for ops whose tensors are on a GPU.
        record_shapes: also record each op's input shapes (``key_averages(
            group_by_input_shape=True)`` then splits rows by shape).
        profile_memory: record the bytes allocated by each op's outputs. Default True (torch:
            False) because here it costs one ``nbytes`` read per op.
        with_stack: accepted for torch compatibility; ignored.

    Only one profile may be active at a time. The profile times the whole process (see NOTE
    [Profiling costs nothing while off]).

    Example:
        >>> import eagergrad as eg
        >>> x = eg.ones(4, 4, requires_grad=True)
        >>> with eg.profiler.profile() as prof:
        ...     with eg.profiler.record_function("my_block"):
        ...         y = (x * x).sum()
        ...     y.backward()
        >>> rows = {r.key: r.count for r in prof.key_averages()}
        >>> rows["MulBackward0"], rows["my_block"]  # backward's own ops are counted too
        (1, 1)
        >>> "Self CPU" in prof.key_averages().table(sort_by="self_cpu_time_total")
        True
    """

    def __init__(
        self,
        activities=None,
        record_shapes: bool = False,
        profile_memory: bool = True,
        with_stack: bool = False,
        enabled: bool = True,
    ):
        self.activities = activities
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.enabled = enabled
        self._events: list = []
        # Open events per thread, innermost last: [event, t0, child_ns, child_mem].
        self._stacks: dict = {}
        self._t0 = 0
        self._saved_apply = None
        self._saved_backward = None
        self._finalized = True

    # --- start / stop -------------------------------------------------------------------
    def __enter__(self):
        if self.enabled:
            self.start()
        return self

    def __exit__(self, *exc):
        if self.enabled:
            self.stop()
        return False

    def start(self) -> None:
        """Starts recording (what ``__enter__`` does)."""
        with _lock:
            if _active[0] is not None:
                raise RuntimeError(
                    "eagergrad.profiler.profile: another profile is already "
                    "active; nest record_function ranges instead"
                )
            _active[0] = self
        self._events = []
        self._stacks = {}
        self._finalized = False
        self._t0 = _now()
        self._saved_apply = Op.__dict__["apply"]
        self._saved_backward = _node_classes_with_backward()
        Op.apply = classmethod(_timed_apply(self, self._saved_apply.__func__))
        for cls, attr, original in self._saved_backward:
            setattr(cls, attr, staticmethod(_timed_backward(self, original.__func__)))

    def stop(self) -> None:
        """Stops recording and restores the untimed op path."""
        if _active[0] is not self:
            return
        Op.apply = self._saved_apply
        for cls, attr, original in self._saved_backward:
            setattr(cls, attr, original)
        self._saved_apply = self._saved_backward = None
        _active[0] = None
        self._finalize()

    def step(self) -> None:
        """Marks the end of a training step (torch API; here a no-op: no schedules)."""

    # --- results ------------------------------------------------------------------------
    def events(self) -> EventList:
        """Every recorded event, in the order they ended."""
        self._finalize()
        return EventList(self._events)

    def key_averages(self, group_by_input_shape: bool = False) -> EventList:
        """Events summed per name (and per input shapes when asked), as ``FunctionEventAvg``."""
        self._finalize()
        groups: dict = {}
        for e in self._events:
            shapes = None
            if group_by_input_shape:
                shapes = str(e.input_shapes) if e.input_shapes is not None else ""
            key = (e.name, shapes)
            avg = groups.get(key)
            if avg is None:
                avg = groups[key] = FunctionEventAvg(e.name, shapes)
            avg.add(e)
        return EventList(groups.values())

    def table(self, *args, **kwargs) -> str:
        return self.key_averages().table(*args, **kwargs)

    def export_chrome_trace(self, path) -> None:
        """Writes the events as Chrome trace JSON (chrome://tracing, ui.perfetto.dev).

        Ops are complete ("X") events on their thread's track; GPU time, when measured, goes on
        a separate "cuda" track starting with the op's CPU launch.
        """
        self._finalize()
        pid = os.getpid()
        trace = [
            {
                "name": "process_name",
                "ph": "M",
                "pid": pid,
                "tid": 0,
                "args": {"name": "eagergrad"},
            },
        ]
        threads = sorted({e.thread for e in self._events})
        for tid in threads:
            trace.append(
                {
                    "name": "thread_name",
                    "ph": "M",
                    "pid": pid,
                    "tid": tid,
                    "args": {"name": f"thread {tid}"},
                }
            )
        has_cuda = False
        for e in sorted(self._events, key=lambda e: (e.start_us, e.depth)):
            args = {
                "kind": e.kind,
                "device": e.device,
                "bytes": e.cpu_memory_usage,
                "self_bytes": e.self_cpu_memory_usage,
            }
            if e.input_shapes is not None:
                args["input_shapes"] = e.input_shapes
            trace.append(
                {
                    "name": e.name,
                    "cat": e.kind,
                    "ph": "X",
                    "ts": e.start_us,
                    "dur": e.cpu_time_total,
                    "pid": pid,
                    "tid": e.thread,
                    "args": args,
                }
            )
            if e.cuda_time_total and e.kind != "user":
                has_cuda = True
                trace.append(
                    {
                        "name": e.name,
                        "cat": "cuda",
                        "ph": "X",
                        "ts": e.start_us,
                        "dur": e.cuda_time_total,
                        "pid": pid,
                        "tid": _CUDA_TID,
                        "args": {"kind": e.kind},
                    }
                )
        if has_cuda:
            trace.append(
                {
                    "name": "thread_name",
                    "ph": "M",
                    "pid": pid,
                    "tid": _CUDA_TID,
                    "args": {"name": "cuda (device time)"},
                }
            )
        with open(path, "w") as f:
            json.dump({"traceEvents": trace, "displayTimeUnit": "ms"}, f)

    # --- recording (called by the wrappers) ---------------------------------------------
    def _open(self, name, kind):
        tid = threading.get_ident()
        stack = self._stacks.get(tid)
        if stack is None:
            stack = self._stacks.setdefault(tid, [])
        ev = FunctionEvent(name, kind, (_now() - self._t0) / 1000.0, tid, len(stack))
        frame = [ev, _now(), 0, 0]
        stack.append(frame)
        return frame

    def _close(self, frame, out_bytes):
        end = _now()
        ev, t0, child_ns, child_mem = frame
        stack = self._stacks.get(ev.thread, [])
        # Pop up to this frame (a frame left open by an exception inside it is dropped).
        while stack and stack.pop() is not frame:
            pass
        total = end - t0
        ev.cpu_time_total = total / 1000.0
        ev.self_cpu_time_total = (total - child_ns) / 1000.0
        ev.self_cpu_memory_usage = out_bytes
        ev.cpu_memory_usage = out_bytes + child_mem
        if stack:
            parent = stack[-1]
            parent[2] += total
            parent[3] += ev.cpu_memory_usage
        self._events.append(ev)

    def _finalize(self):
        """Reads the CUDA events once the GPU is done (only ops on cuda created any)."""
        if self._finalized:
            return
        self._finalized = True
        pending = [e for e in self._events if e._cuda_events is not None]
        if not pending:
            return
        pending[-1]._cuda_events[1].synchronize()
        for e in pending:
            start, end = e._cuda_events
            e.cuda_time_total = start.elapsed_time(end) * 1000.0
            e._cuda_events = None


def _out_bytes(out) -> int:
    """Bytes owned by an op's outputs (views of other arrays own none)."""
    if type(out) is tuple or type(out) is list:
        return sum(_out_bytes(o) for o in out)
    data = getattr(out, "_data", None)
    if data is None or getattr(data, "base", None) is not None:
        return 0
    return int(data.nbytes)


def _cuda_pair():
    from . import cuda

    start, end = cuda.Event(enable_timing=True), cuda.Event(enable_timing=True)
    start.record()
    return start, end


def _timed_apply(prof, apply):
    """``Op.apply`` with a profiling frame around it. See NOTE [Profiling costs nothing...]."""

    def timed_apply(cls, *inputs, **params):
        if prof._finalized:  # a thread still running after stop(); don't record
            return apply(cls, *inputs, **params)
        frame = prof._open(cls.__name__, "forward")
        ev = frame[0]
        dev = inputs[0]._device if inputs and hasattr(inputs[0], "_device") else None
        cuda_events = _cuda_pair() if dev is not None and dev.type == "cuda" else None
        if prof.record_shapes:
            ev.input_shapes = [list(t.shape) if hasattr(t, "_data") else [] for t in inputs]
        try:
            out = apply(cls, *inputs, **params)
        except BaseException:
            prof._close(frame, 0)
            raise
        if cuda_events is not None:
            cuda_events[1].record()
            ev._cuda_events = cuda_events
            ev.device = str(dev)
        prof._close(frame, _out_bytes(out) if prof.profile_memory else 0)
        return out

    return timed_apply


def _node_classes_with_backward():
    """``(cls, name, staticmethod)`` for each ``backward``/``backward_arrays`` a Node subclass
    defines itself (see NOTE [Array backward]: a plain walk runs the latter where it exists)."""
    found = []
    seen = set()
    stack = [Node]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
                for attr in ("backward", "backward_arrays"):
                    own = sub.__dict__.get(attr)
                    if isinstance(own, staticmethod):
                        found.append((sub, attr, own))
    return found


def _timed_backward(prof, backward):
    """A node class's ``backward`` with a profiling frame around it."""

    def timed_backward(ctx, *grads):
        if prof._finalized:
            return backward(ctx, *grads)
        frame = prof._open(ctx.name(), "backward")
        dev = ctx._dev
        cuda_events = _cuda_pair() if dev is not None and dev.type == "cuda" else None
        try:
            out = backward(ctx, *grads)
        except BaseException:
            prof._close(frame, 0)
            raise
        if cuda_events is not None:
            cuda_events[1].record()
            frame[0]._cuda_events = cuda_events
            frame[0].device = str(dev)
        # The gradients were allocated by the ops the backward ran, recorded as children (an
        # array backward runs no ops: its time is all self time).
        prof._close(frame, 0)
        return out

    return timed_backward


class record_function:  # noqa: N801 - torch's name
    """Labels a region in the profile: a context manager and a decorator.

    Costs one attribute read when no profile is active.

    Args:
        name: the label shown in the table and the trace.

    Example:
        >>> import eagergrad as eg
        >>> @eg.profiler.record_function("double")
        ... def double(t):
        ...     return t * 2
        >>> with eg.profiler.profile() as prof:
        ...     _ = double(eg.ones(3))
        >>> [e.name for e in prof.events()]
        ['Mul', 'double']
    """

    def __init__(self, name: str, args: str | None = None):
        self.name = name
        self._frame = None
        self._prof = None

    def __enter__(self):
        prof = _active[0]
        if prof is not None:
            self._prof = prof
            self._frame = prof._open(self.name, "user")
        return self

    def __exit__(self, *exc):
        if self._frame is not None:
            self._prof._close(self._frame, 0)
            self._frame = self._prof = None
        return False

    def __call__(self, fn):
        name = self.name

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with record_function(name):
                return fn(*args, **kwargs)

        return wrapper


# --- the table ---------------------------------------------------------------------------
def _fmt_time(us: float) -> str:
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _fmt_mem(n: int) -> str:
    sign = "-" if n < 0 else ""
    n = abs(n)
    for unit, size in (("Gb", 1 << 30), ("Mb", 1 << 20), ("Kb", 1 << 10)):
        if n >= size:
            return f"{sign}{n / size:.2f} {unit}"
    return f"{sign}{n} b"


def _table(events, sort_by, row_limit, name_width, header):
    rows = list(events)
    if not rows:
        return ""
    if sort_by is not None:
        if sort_by not in _SORT_KEYS:
            raise ValueError(f"sort_by must be one of {', '.join(_SORT_KEYS)}; got {sort_by!r}")
        rows.sort(key=lambda r: getattr(r, sort_by), reverse=True)
    # NOTE: as in torch, percentages are of the sum of self times, so they add up to 100.
    self_sum = sum(r.self_cpu_time_total for r in events)
    self_total = self_sum or 1.0
    has_cuda = any(r.cuda_time_total for r in events)
    has_shapes = any(getattr(r, "input_shapes", None) for r in rows)
    if row_limit is not None and row_limit >= 0:
        rows = rows[:row_limit]
    width = max(len("Name"), min(name_width, max(len(r.key) for r in rows)))
    cols = ["Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if has_cuda:
        cols += ["Self CUDA", "CUDA total"]
    cols += ["CPU Mem", "Self CPU Mem", "# of Calls"]
    if has_shapes:
        cols += ["Input Shapes"]
    widths = [max(12, len(c)) for c in cols]
    if has_shapes:
        widths[-1] = max(widths[-1], max(len(str(r.input_shapes)) for r in rows))

    def line(cells):
        name = cells[0]
        if len(name) > width:
            name = name[: width - 3] + "..."
        return "  ".join([name.ljust(width)] + [c.rjust(w) for c, w in zip(cells[1:], widths)])

    sep = "-" * width + "  " + "  ".join("-" * w for w in widths)
    out = [header] if header else []
    out += [sep, line(["Name"] + cols), sep]
    for r in rows:
        cells = [
            r.key,
            f"{100.0 * r.self_cpu_time_total / self_total:.2f}%",
            _fmt_time(r.self_cpu_time_total),
            f"{100.0 * r.cpu_time_total / self_total:.2f}%",
            _fmt_time(r.cpu_time_total),
            _fmt_time(r.cpu_time_total / max(getattr(r, "count", 1), 1)),
        ]
        if has_cuda:
            cells += [
                _fmt_time(getattr(r, "self_cuda_time_total", r.cuda_time_total)),
                _fmt_time(r.cuda_time_total),
            ]
        cells += [
            _fmt_mem(r.cpu_memory_usage),
            _fmt_mem(r.self_cpu_memory_usage),
            str(getattr(r, "count", 1)),
        ]
        if has_shapes:
            cells.append(str(r.input_shapes or ""))
        out.append(line(cells))
    out.append(sep)
    out.append(f"Self CPU time total: {_fmt_time(self_sum)}")
    return "\n".join(out) + "\n"
