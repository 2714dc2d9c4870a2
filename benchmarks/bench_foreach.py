"""Batched (foreach) optimizer steps against one-by-one ones, by parameter size.

NOTE [Batched updates (foreach)] in optim/optimizer.py: ``foreach=None`` batches the parameters
small enough for per-call overhead to outweigh the copies of batching. This prints, for a
20-layer MLP of width w (20 weights of w*w and 20 biases of w), the median ``opt.step()`` time
with ``foreach=False`` and ``foreach=True`` and their ratio, which is where the cpu threshold
(``_batch_numel_cpu``) comes from. The results are bitwise equal (tests/optim/test_foreach.py).

Run: ``python benchmarks/bench_foreach.py [--time 1.5] [--device cpu]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import eagergrad as eg


def _step_ms(foreach, opt_cls, width, device, seconds):
    eg.manual_seed(0)
    model = eg.nn.Sequential(*[eg.nn.Linear(width, width) for _ in range(20)]).to(device)
    opt = opt_cls(model.parameters(), lr=1e-3, foreach=foreach)
    for p in model.parameters():
        p.grad = eg.randn(*p.shape, device=device)
    for _ in range(3):
        opt.step()
    sync = eg.cuda.synchronize if device != "cpu" else (lambda: None)
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        opt.step()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time", type=float, default=1.5)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    print(f"{'width':>6} {'weights':>8} {'optimizer':>9} {'one by one ms':>14} "
          f"{'batched ms':>11} {'speed-up':>9}")
    for width in (16, 32, 64, 128):
        for cls in (eg.optim.Adam, eg.optim.SGD):
            one = _step_ms(False, cls, width, args.device, args.time)
            batched = _step_ms(True, cls, width, args.device, args.time)
            print(f"{width:>6} {width * width:>8} {cls.__name__:>9} {one:>14.3f} "
                  f"{batched:>11.3f} {one / batched:>8.2f}x")


if __name__ == "__main__":
    main()
