"""Does DataLoader prefetching overlap loading with compute?

A dataset whose ``__getitem__`` costs 2 ms per item (``time.sleep``, standing for file reads or
decoding that release the GIL) feeds a "model step" that costs about as long as loading one
batch: ``time.sleep`` (``--step sleep``) or a numpy matmul of similar cost (``--step matmul``).
Without workers an epoch costs load + compute; with background workers it should cost about
max(load / num_workers, compute), i.e. the compute time here.

Run: ``python benchmarks/bench_prefetch.py [--step sleep|matmul] [--batches 40]``.
"""

from __future__ import annotations

import argparse
import os
import time

# One BLAS thread: a multi-threaded OpenBLAS on a busy machine makes small matmuls erratic
# (its threads spin and sleep), which would hide what the loader does. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from eagergrad.utils.data import DataLoader, Dataset  # noqa: E402


class SlowDataset(Dataset):
    """Items cost ``delay`` seconds each, like reading and decoding a file."""

    def __init__(self, n: int, delay: float = 0.002) -> None:
        self.n = n
        self.delay = delay

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        time.sleep(self.delay)
        return np.full((16,), i, dtype=np.float32)


def _matmul_step(size: int):
    a = np.random.default_rng(0).standard_normal((size, size)).astype(np.float32)

    def step(batch):
        return float((a @ a)[0, 0])

    return step


def _calibrate_matmul(target: float) -> int:
    """The matrix side whose float32 matmul takes about ``target`` seconds here."""
    size = 256
    for _ in range(6):  # matmul time grows as size**3: rescale, by at most 2x, and remeasure
        a = np.ones((size, size), np.float32)
        a @ a
        t = float(np.median([_timed(a.__matmul__, a) for _ in range(7)]))
        factor = min(2.0, max(0.5, (target / t) ** (1 / 3)))
        size = max(16, int(size * factor))
    return size


def _timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def _epoch(loader, step) -> float:
    start = time.perf_counter()
    for batch in loader:
        step(batch)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--step", choices=["sleep", "matmul"], default="sleep")
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--delay-ms", type=float, default=2.0, help="load cost per item")
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2, 4])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    per_batch_load = args.batch_size * args.delay_ms / 1000
    dataset = SlowDataset(args.batches * args.batch_size, args.delay_ms / 1000)
    if args.step == "sleep":

        def step(batch):
            time.sleep(per_batch_load)
    else:
        size = _calibrate_matmul(per_batch_load)
        print(f"matmul step: {size}x{size} float32")
        step = _matmul_step(size)

    load = min(
        _epoch(DataLoader(dataset, batch_size=args.batch_size), lambda b: None)
        for _ in range(args.repeats)
    )
    compute = min(_time_steps(step, args.batches) for _ in range(args.repeats))
    print(
        f"{args.batches} batches of {args.batch_size}, {args.delay_ms} ms per item, "
        f"step={args.step}"
    )
    print(f"  load only (num_workers=0):  {load:.3f} s")
    print(f"  compute only:               {compute:.3f} s")
    print(f"  load + compute:             {load + compute:.3f} s")
    print(f"  max(load, compute):         {max(load, compute):.3f} s")
    for workers in args.workers:
        loader = DataLoader(dataset, batch_size=args.batch_size, num_workers=workers)
        t = min(_epoch(loader, step) for _ in range(args.repeats))
        print(
            f"  epoch, num_workers={workers}:     {t:.3f} s  "
            f"({t / (load + compute):.2f} x sum, {t / max(load, compute):.2f} x max)"
        )


def _time_steps(step, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        step(None)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
