"""eg.profiler: per-op events, the key_averages table, Chrome traces, record_function."""

from __future__ import annotations

import json

import pytest

import eagergrad as eg
from eagergrad import profiler
from eagergrad._ops._base import Op
from eagergrad.autograd.function import Node


def _chain(x, a, n=5):
    y = x
    for _ in range(n):
        y = (y * a).tanh()
    return y.sum()


def test_counts_forward_and_backward_ops():
    x = eg.randn(8, 8, requires_grad=True)
    a = eg.randn(8, 8)
    with profiler.profile() as prof:
        _chain(x, a).backward()
    rows = {r.key: r for r in prof.key_averages()}
    assert rows["Tanh"].count == 5
    assert rows["TanhBackward0"].count == 5
    assert rows["MulBackward0"].count == 5
    assert rows["SumBackward0"].count == 1
    assert rows["Mul"].count == 5  # plain backwards run array code, not ops (NOTE [Array backward])
    for r in rows.values():
        assert 0 <= r.self_cpu_time_total <= r.cpu_time_total + 1e-9


def test_backward_time_includes_the_ops_it_runs():
    x = eg.randn(8, 8, requires_grad=True)
    with profiler.profile() as prof:
        (x * x).sum().backward(create_graph=True)  # recorded: the backward runs Mul ops
    ev = next(e for e in prof.events() if e.name == "MulBackward0")
    assert ev.kind == "backward"
    assert ev.cpu_time_total > ev.self_cpu_time_total  # it ran Mul ops, recorded as children


def test_memory_of_outputs_and_views():
    x = eg.ones(100, 100)
    with profiler.profile() as prof:
        y = x * 2
        y.reshape(10_000)
    rows = {r.key: r for r in prof.key_averages()}
    assert rows["Mul"].cpu_memory_usage == 100 * 100 * 4
    assert rows["Mul"].self_cpu_memory_usage == 100 * 100 * 4
    assert min(r.cpu_memory_usage for k, r in rows.items() if k != "Mul") == 0  # the view
    with profiler.profile(profile_memory=False) as prof:
        x * 2
    assert prof.key_averages()[0].cpu_memory_usage == 0


def test_record_function_context_manager_and_decorator_nest():
    @profiler.record_function("decorated")
    def f(t):
        return t * 3

    x = eg.ones(4)
    with profiler.profile() as prof:
        with profiler.record_function("outer"):
            f(x)
            x + 1
    events = {e.name: e for e in prof.events()}
    assert events["outer"].kind == "user"
    assert events["decorated"].depth == events["outer"].depth + 1
    assert events["Mul"].depth == events["decorated"].depth + 1
    assert events["outer"].cpu_time_total >= events["decorated"].cpu_time_total
    assert events["outer"].cpu_memory_usage == 2 * 4 * 4  # Mul's and Add's outputs
    assert events["outer"].self_cpu_memory_usage == 0
    # Outside a profile, record_function does nothing.
    with profiler.record_function("ignored"):
        x * 2
    assert f(x).shape == (4,)


def test_table_sorts_limits_and_looks_like_torch():
    x = eg.randn(16, 16, requires_grad=True)
    with profiler.profile() as prof:
        _chain(x, x.detach()).backward()
    avgs = prof.key_averages()
    text = avgs.table(sort_by="self_cpu_time_total", row_limit=3)
    lines = text.splitlines()
    header = lines[1]
    for col in ("Name", "Self CPU %", "Self CPU", "CPU total", "CPU Mem", "# of Calls"):
        assert col in header
    body = [ln for ln in lines[3:] if ln and not ln.startswith("-")][:-1]
    assert len(body) == 3
    expected = sorted(avgs, key=lambda r: r.self_cpu_time_total, reverse=True)[:3]
    assert [ln.split()[0] for ln in body] == [r.key for r in expected]
    assert lines[-1].startswith("Self CPU time total:")
    by_count = avgs.table(sort_by="count", row_limit=1)
    top = max(avgs, key=lambda r: r.count)
    assert by_count.splitlines()[3].split()[0] == top.key
    with pytest.raises(ValueError, match="sort_by must be one of"):
        avgs.table(sort_by="bogus")
    assert avgs.total_average().count == sum(r.count for r in avgs)


def test_record_shapes_groups_by_input_shape():
    with profiler.profile(record_shapes=True) as prof:
        eg.ones(2, 3) * eg.ones(2, 3)
        eg.ones(4) * eg.ones(4)
        eg.ones(4) * eg.ones(4)
    rows = [r for r in prof.key_averages(group_by_input_shape=True) if r.key == "Mul"]
    assert sorted((r.input_shapes, r.count) for r in rows) == [
        ("[[2, 3], [2, 3]]", 1),
        ("[[4], [4]]", 2),
    ]
    assert "Input Shapes" in prof.key_averages(group_by_input_shape=True).table()


def test_export_chrome_trace_is_valid_json(tmp_path):
    x = eg.randn(4, 4, requires_grad=True)
    with profiler.profile() as prof:
        with profiler.record_function("step"):
            _chain(x, x.detach(), n=3).backward()
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    data = json.loads(path.read_text())
    assert isinstance(data["traceEvents"], list)
    complete = [e for e in data["traceEvents"] if e["ph"] == "X"]
    meta = [e for e in data["traceEvents"] if e["ph"] == "M"]
    assert meta and all(e["name"] in ("process_name", "thread_name") for e in meta)
    names = {e["name"] for e in complete}
    assert {"step", "Tanh", "TanhBackward0", "MulBackward0"} <= names
    for e in complete:
        assert isinstance(e["name"], str) and isinstance(e["cat"], str)
        assert isinstance(e["ts"], (int, float)) and isinstance(e["dur"], (int, float))
        assert e["dur"] >= 0 and isinstance(e["pid"], int) and isinstance(e["tid"], int)
        assert isinstance(e["args"], dict)
    # Events on one thread nest: any two are disjoint or one contains the other.
    spans = sorted((e["ts"], e["ts"] + e["dur"]) for e in complete)
    eps = 1e-3
    for i, (_, e1) in enumerate(spans):
        for s2, e2 in spans[i + 1 :]:
            if s2 >= e1 - eps:
                break
            assert e2 <= e1 + eps, "partially overlapping events"
    step = next(e for e in complete if e["name"] == "step")
    assert all(step["ts"] - eps <= e["ts"] for e in complete)


def _op_path():
    backwards = [(c, c.__dict__["backward"]) for c in _all_node_classes()]
    return Op.__dict__["apply"], backwards


def _all_node_classes():
    out, stack = [], [Node]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in out:
                out.append(sub)
                stack.append(sub)
    return [c for c in out if "backward" in c.__dict__]


def _same(a, b):
    return (
        a[0] is b[0]
        and len(a[1]) == len(b[1])
        and all(c1 is c2 and f1 is f2 for (c1, f1), (c2, f2) in zip(a[1], b[1]))
    )


def test_off_state_is_the_original_code():
    before = _op_path()
    assert len(before[1]) > 50  # every op class has its backward
    with profiler.profile():
        during = _op_path()
        assert during[0] is not before[0]
        assert all(f1 is not f2 for (_, f1), (_, f2) in zip(before[1], during[1]))
    assert _same(_op_path(), before)
    with pytest.raises(ZeroDivisionError), profiler.profile():
        _ = 1 / 0
    assert _same(_op_path(), before)
    with profiler.profile(enabled=False):
        assert _same(_op_path(), before)


def test_nested_profiles_are_refused_and_errors_inside_ops_are_recorded():
    with profiler.profile() as prof:
        with pytest.raises(RuntimeError, match="already active"):
            with profiler.profile():
                pass
        with pytest.raises(RuntimeError):
            eg.ones(2, 3) @ eg.ones(2, 3)
        eg.ones(2) + 1
    names = [e.name for e in prof.events()]
    assert "Add" in names
    assert all(stack == [] for stack in prof._stacks.values())


def test_other_threads_get_their_own_tracks():
    import threading

    def work():
        with profiler.record_function("worker"):
            eg.ones(3) * 2

    with profiler.profile() as prof:
        with profiler.record_function("main"):
            t = threading.Thread(target=work)
            t.start()
            t.join()
            eg.ones(3) + 1
    events = {e.name: e for e in prof.events()}
    assert events["worker"].thread != events["main"].thread
    assert events["worker"].depth == 0 and events["Mul"].depth == 1
    assert events["Mul"].thread == events["worker"].thread
    assert events["main"].self_cpu_memory_usage == 0
    assert events["main"].cpu_memory_usage == 3 * 4  # the Add only: Mul ran elsewhere


def test_cuda_ops_get_device_time(device):
    if device != "cuda":
        pytest.skip("device time is measured on cuda only (cupy events)")
    x = eg.randn(256, 256, device=device, requires_grad=True)
    with profiler.profile() as prof:
        (x @ x).sum().backward()
    rows = {r.key: r for r in prof.key_averages()}
    assert rows["MatMul"].cuda_time_total > 0
    assert rows["MatMulBackward0"].cuda_time_total > 0
    assert "CUDA total" in prof.key_averages().table()


def test_docstring_examples_run():
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module("eagergrad.profiler"))
    assert result.attempted > 0 and result.failed == 0
