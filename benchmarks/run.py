"""Benchmark suite: each (workload, implementation) runs in a fresh process; one table of ratios.

Usage:
    python benchmarks/run.py                 # all workloads
    python benchmarks/run.py W1 W2 --time 3  # some workloads, ~3 s of timing each

Prints median time per step (min-max) for eagergrad, hand-written numpy (manual gradients: the
practical limit for a numpy library) and torch CPU (when installed), with ratios measured in the
same run. Machines are noisy: compare ratios, not absolute times across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def measure(workload: str, impl: str, seconds: float, device: str = "cpu") -> dict:
    """Times one implementation in this process: warm-up, then repeated steps."""
    from benchmarks.workloads import WORKLOADS

    step = WORKLOADS[workload]["impls"][impl](device)
    for _ in range(3):
        step()
    times = []
    start = time.perf_counter()
    while (time.perf_counter() - start < seconds and len(times) < 2000) or len(times) < 5:
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    return {"median": times[len(times) // 2], "min": times[0], "max": times[-1], "n": len(times)}


def measure_memory(workload: str, impl: str) -> dict:
    """Peak bytes traced while one step runs (after warm-up), by tracemalloc."""
    import tracemalloc

    from benchmarks.workloads import WORKLOADS

    step = WORKLOADS[workload]["impls"][impl]()
    for _ in range(2):
        step()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    step()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return {"peak": peak}


def _run_child(workload, impl, seconds, memory=False, device="cpu"):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", workload, impl,
           "--time", str(seconds), "--device", device] + (["--memory"] if memory else [])
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _interleaved(name, impls, seconds, rounds, device="cpu"):
    """Runs every implementation ``rounds`` times in turn; merges each one's rounds."""
    per = {impl: [] for impl in impls}
    for _ in range(max(rounds, 1)):
        for impl in impls:
            per[impl].append(_run_child(name, impl, seconds / max(rounds, 1), device=device))
    row = {}
    for impl, runs in per.items():
        errors = [r for r in runs if "error" in r]
        if errors:
            row[impl] = errors[0]
            continue
        medians = sorted(r["median"] for r in runs)
        row[impl] = {"median": medians[len(medians) // 2], "min": min(r["min"] for r in runs),
                     "max": max(r["max"] for r in runs), "n": sum(r["n"] for r in runs)}
    return row


def _have_torch(device="cpu") -> bool:
    try:
        import torch
    except ImportError:
        return False
    return device == "cpu" or torch.cuda.is_available()


def _have_cupy() -> bool:
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # not installed, or no driver / GPU
        return False


def machine_info() -> str:
    import numpy

    parts = [platform.processor() or platform.machine(), f"{os.cpu_count()} cores",
             f"Python {platform.python_version()}", f"numpy {numpy.__version__}"]
    try:
        import torch

        parts.append(f"torch {torch.__version__} ({torch.get_num_threads()} threads)")
    except ImportError:
        parts.append("torch not installed")
    import eagergrad

    parts.append(f"eagergrad {eagergrad.__version__}")
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*")
    parser.add_argument("--time", type=float, default=2.0, help="seconds of timing per cell")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds per cell (each a fresh process); the medians "
                        "of all rounds' steps are reported, so slow drift hits every column")
    parser.add_argument("--child", nargs=2, metavar=("WORKLOAD", "IMPL"), help=argparse.SUPPRESS)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                        help="cuda: W1, W2, W5 and W6 on the GPU (eagergrad, hand-written cupy, "
                        "torch CUDA); W3/W4/W7 run on the cpu only (bench_gpu.py has the CNN)")
    args = parser.parse_args()
    if args.child:
        if args.memory:
            print(json.dumps(measure_memory(args.child[0], args.child[1])))
        else:
            print(json.dumps(measure(args.child[0], args.child[1], args.time, args.device)))
        return
    from benchmarks.workloads import MEMORY, W2_FLOP, W6_FLOP, WORKLOADS

    device = args.device
    names = args.workloads or list(WORKLOADS) + (list(MEMORY) if device == "cpu" else [])
    memory_names = [n for n in names if n in MEMORY and device == "cpu"]
    names = [n for n in names if n in WORKLOADS]
    skipped = [n for n in names if device not in WORKLOADS[n].get("devices", ("cpu", "cuda"))]
    names = [n for n in names if n not in skipped]
    if device == "cuda":
        import eagergrad

        if not eagergrad.cuda.is_available():
            sys.exit("--device cuda: eagergrad sees no GPU (is cupy installed?)")
    impls = ["eagergrad"] + (["numpy"] if device == "cpu" or _have_cupy() else [])
    impls += ["torch"] if _have_torch(device) else []
    print(f"machine: {machine_info()}, device {device}")
    if skipped:
        print(f"cpu only, not run on {device}: {', '.join(skipped)}")
    results = {}
    labels = [("cupy" if i == "numpy" and device == "cuda" else i) for i in impls]
    header = f"{'workload':<52} {'unit':>6} " + " ".join(f"{i:>24}" for i in labels)
    header += "   eg/numpy  eg/torch" if device == "cpu" else "    eg/cupy  eg/torch"
    print(header)
    for name in names:
        w = WORKLOADS[name]
        row = _interleaved(name, [i for i in impls if i in w["impls"]], args.time, args.rounds,
                           device)
        results[name] = row
        cells = []
        for impl in impls:
            r = row.get(impl)
            if r is None:
                cells.append(f"{'-':>24}")
            elif "error" in r:
                cells.append(f"{'error':>24}")
            else:
                s = w["scale"]
                cells.append(f"{r['median'] * s:9.2f} ({r['min'] * s:.2f}-{r['max'] * s:.2f})"
                             .rjust(24))
        ratios = []
        for other in ("numpy", "torch"):
            a, b = row.get("eagergrad"), row.get(other)
            if a and b and "error" not in a and "error" not in b:
                ratios.append(f"{a['median'] / b['median']:9.2f}x")
            else:
                ratios.append(f"{'-':>10}")
        print(f"{name + ' ' + w['title']:<52} {w['unit']:>6} " + " ".join(cells) + " "
              + " ".join(ratios))
        for impl, r in row.items():
            if "error" in r:
                print(f"    {impl}: {r['error']}")
    for name in memory_names:
        m = MEMORY[name]
        row = {impl: _run_child(m["of"], impl, 0, memory=True) for impl in ("eagergrad", "numpy")}
        results[name] = row
        if any("error" in r for r in row.values()):
            print(f"{name} {m['title']}: error {row}")
            continue
        eg_mb, np_mb = row["eagergrad"]["peak"] / 2**20, row["numpy"]["peak"] / 2**20
        print(f"{name + ' ' + m['title']:<52} {'MiB':>6} {eg_mb:>24.1f} {np_mb:>24.1f} "
              f"{'-':>24} {eg_mb / np_mb:9.2f}x")
    if "W6" in results and "numpy" in results["W6"] and "error" not in results["W6"]["numpy"]:
        gflops = W6_FLOP / results["W6"]["numpy"]["median"] / 1e9
        print(f"sgemm through {'numpy' if device == 'cpu' else 'cupy'}: {gflops:.0f} GFLOP/s; "
              "W2's matmul FLOP floor: "
              f"{W2_FLOP / (gflops * 1e9) * 1e3:.1f} ms")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine_info(), "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
