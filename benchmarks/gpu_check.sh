#!/usr/bin/env bash
# The GPU check: run on a machine with an NVIDIA GPU (under 8 minutes on an H100; the three
# steps have time limits of 5, 2 and 1 minutes, so a slow step cannot starve the others).
#   bash benchmarks/gpu_check.sh            # installs cupy-cuda12x if missing
# 1) the whole op table and the module/optimizer tests on cuda against cpu results,
# 2) the GPU benchmark (cuda vs this library's cpu path vs torch CUDA when present), and
#    benchmarks/run.py --device cuda.
set -uo pipefail
cd "$(dirname "$0")/.."
# GPU machines may have no network (the one this project is lent has cupy-cuda13x, pytest and
# hypothesis, and nothing can be fetched there): use what is installed, import eagergrad from
# the checkout, and try pip only for what is missing.
python3 -c "import cupy" 2>/dev/null ||
    python3 -m pip install -q --timeout 10 --retries 0 "cupy-cuda12x" || exit 1
python3 -c "import pytest, hypothesis" 2>/dev/null ||
    python3 -m pip install -q --timeout 10 --retries 0 pytest hypothesis || exit 1
python3 -c "import eagergrad" 2>/dev/null || export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
# Deprecations from that machine's numpy/cupy versions are reported, not failures.
WARN=(-W default::DeprecationWarning -W default::PendingDeprecationWarning -W default::FutureWarning)
python3 - <<'PY'
import eagergrad as eg
print("cuda available:", eg.cuda.is_available(), "| devices:", eg.cuda.device_count(),
      "|", eg.cuda.get_device_name() if eg.cuda.is_available() else "-")
PY
echo "== cuda tests (op table on cuda vs cpu, devices, nn, optim) =="
# cupy compiles each kernel on first use (cold cache on a fresh machine): allow for it.
timeout 300 python3 -m pytest -q -m cuda -p no:cacheprovider "${WARN[@]}" -rfE tests 2>&1 |
    tail -40
echo "== GPU benchmark =="
timeout 120 python3 benchmarks/bench_gpu.py
echo "== the suite's GPU variants (W1, W2, W5, W6: eagergrad vs hand-written cupy vs torch CUDA) =="
timeout 60 python3 benchmarks/run.py --device cuda --time 1 --rounds 1
