"""Debugging aids that are off cost nothing: W1 op overhead before and after using them.

W1 is a chain of 200 small elementwise ops on (16, 16) tensors and its backward (see
``benchmarks/workloads.py``): its time is almost all per-op Python overhead, so any check added
to the op path shows up in it. The script times W1

1. with eagergrad freshly imported (the debugging modules not imported yet, where the package
   does not import them itself),
2. after importing ``eagergrad.profiler``, ``eagergrad.viz``, ``eagergrad.autograd.retention``
   and ``eagergrad.utils.checkpoint`` and using each once (a profile entered and exited,
   anomaly mode and graph-retention warnings turned on and off, a checkpointed segment,
   a graph drawn),

and reports the medians, their difference and the run-to-run noise. It also checks that the op
path objects (``Op.apply``, each node class's ``backward``, ``Node._record``, ``engine._run``,
``engine._check_finite``) are the very same objects after use. For information it times W1
while each aid is on.

Each phase runs in fresh interpreters, alternating (``--rounds`` of each), so the drift of a
shared machine hits both alike; a run's figure is its fastest block.

Run: ``python benchmarks/bench_debug_off.py [--steps 10] [--blocks 10] [--rounds 4]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.workloads import w1_eagergrad  # noqa: E402


def _blocks(step, steps, blocks):
    """Per-step time in microseconds of ``blocks`` blocks of ``steps`` steps."""
    out = []
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        out.append((time.perf_counter() - t0) / steps * 1e6)
    return out


def _op_path():
    from eagergrad._ops._base import Op
    from eagergrad.autograd import _custom, engine
    from eagergrad.autograd.function import Node

    backwards, stack = [], [Node]
    while stack:  # every node class's own backward (the profiler wraps them)
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if "backward" in sub.__dict__:
                backwards.append(sub.__dict__["backward"])
    return (
        Op.__dict__["apply"],
        Node.__dict__["_record"],
        _custom._record,
        engine._call_backward,
        engine._run,
        engine._check_finite,
        *backwards,
    )


def _use_everything(step):
    import eagergrad as eg
    from eagergrad import profiler, viz
    from eagergrad.autograd.retention import set_warn_graph_retention
    from eagergrad.utils.checkpoint import checkpoint

    with profiler.profile() as prof, profiler.record_function("w1"):
        step()
    prof.key_averages().table(row_limit=5)
    with eg.autograd.detect_anomaly():
        step()
    with set_warn_graph_retention(True):
        step()
    x = eg.randn(16, 16, requires_grad=True)
    y = checkpoint(lambda t: (t * 2).tanh(), x)
    viz.draw(y)
    y.sum().backward()


def _child(phase, steps, blocks):
    """Runs in a fresh interpreter: prints W1's per-step times for one phase, as JSON."""
    import json

    import eagergrad  # noqa: F401

    step = w1_eagergrad()
    for _ in range(steps):  # warm up
        step()
    same = True
    if phase == "after":
        path = _op_path()
        _use_everything(step)
        same = all(a is b for a, b in zip(path, _op_path()))
        for _ in range(steps):
            step()
    print(json.dumps({"times": _blocks(step, steps, blocks), "same": same}))


def _on_figures(steps, blocks):
    import eagergrad as eg
    from eagergrad import profiler
    from eagergrad.autograd.retention import set_warn_graph_retention

    step = w1_eagergrad()
    base = min(_blocks(step, steps, blocks))
    with profiler.profile():
        on_prof = min(_blocks(step, steps, blocks))
    with eg.autograd.detect_anomaly():
        on_anom = min(_blocks(step, steps, blocks))
    with set_warn_graph_retention(True):
        on_ret = min(_blocks(step, steps, blocks))
    return base, on_prof, on_anom, on_ret


def main():
    import json
    import subprocess

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--blocks", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--phase", choices=["before", "after"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        _child(args.phase, args.steps, args.blocks)
        return 0

    import eagergrad  # noqa: F401

    preloaded = [
        m
        for m in (
            "eagergrad.profiler",
            "eagergrad.viz",
            "eagergrad.autograd.retention",
            "eagergrad.utils.checkpoint",
        )
        if m in sys.modules
    ]
    # Fresh interpreters, alternating, so a drift of a shared machine hits both phases alike.
    runs = {"before": [], "after": []}
    same = True
    for _ in range(args.rounds):
        for phase in ("before", "after"):
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--phase",
                    phase,
                    "--steps",
                    str(args.steps),
                    "--blocks",
                    str(args.blocks),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            res = json.loads(out.stdout.strip().splitlines()[-1])
            runs[phase].append(min(res["times"]))
            same = same and res["same"]
    m_before, m_after = statistics.median(runs["before"]), statistics.median(runs["after"])
    diff = m_after - m_before
    # Noise: how far repeated runs of the same phase lie apart (half the median range).
    noise = max(
        statistics.median(abs(t - m) for t in runs[p])
        for p, m in (("before", m_before), ("after", m_after))
    )

    print(
        f"W1 (200 ops on (16, 16) + backward): us per step, the fastest of {args.blocks} blocks "
        f"of {args.steps} steps per run, median of {args.rounds} fresh runs per phase"
    )
    if preloaded:
        print(f"  note: eagergrad already imports {', '.join(preloaded)}")
    print(
        f"  before importing/using the debugging aids : {m_before:9.1f} us  "
        f"(runs: {', '.join(f'{t:.0f}' for t in runs['before'])})"
    )
    print(
        f"  after using them (all off again)          : {m_after:9.1f} us  "
        f"(runs: {', '.join(f'{t:.0f}' for t in runs['after'])})"
    )
    print(
        f"  difference                                : {diff:+9.1f} us "
        f"({100 * diff / m_before:+.1f}%); run-to-run noise {noise:.1f} us "
        f"({100 * noise / m_before:.1f}%)"
    )
    print(f"  op path objects identical after use       : {same}")
    equal = abs(diff) <= max(2 * noise, 0.03 * m_before)
    print(
        f"  verdict                                   : "
        f"{'equal within noise' if equal else 'DIFFERENT'}"
    )
    base, on_prof, on_anom, on_ret = _on_figures(args.steps, max(3, args.blocks // 2))
    print("  while on (for information, same process):")
    print(f"    profiler            : {on_prof:9.1f} us ({on_prof / base:.2f}x)")
    print(f"    anomaly mode        : {on_anom:9.1f} us ({on_anom / base:.2f}x)")
    print(f"    retention warnings  : {on_ret:9.1f} us ({on_ret / base:.2f}x)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
