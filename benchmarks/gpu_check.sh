#!/usr/bin/env bash
# The GPU check: run on a machine with an NVIDIA GPU (under 8 minutes on an H100).
#   bash benchmarks/gpu_check.sh            # installs cupy-cuda12x if missing
# 1) the whole op table and the module/optimizer tests on cuda against cpu results,
# 2) the GPU benchmark (cuda vs this library's cpu path vs torch CUDA when present), and
#    benchmarks/run.py --device cuda.
set -uo pipefail
cd "$(dirname "$0")/.."
python3 -c "import cupy" 2>/dev/null || python3 -m pip install -q "cupy-cuda12x" || exit 1
python3 -m pip install -q -e ".[test]" >/dev/null || exit 1
python3 - <<'PY'
import eagergrad as eg
print("cuda available:", eg.cuda.is_available(), "| devices:", eg.cuda.device_count(),
      "|", eg.cuda.get_device_name() if eg.cuda.is_available() else "-")
PY
echo "== cuda tests (op table on cuda vs cpu, devices, nn, optim) =="
timeout 420 python3 -m pytest -q -m cuda -p no:cacheprovider tests 2>&1 | tail -25
echo "== GPU benchmark =="
timeout 180 python3 benchmarks/bench_gpu.py
echo "== the suite's GPU variants (W1, W2, W5, W6: eagergrad vs hand-written cupy vs torch CUDA) =="
timeout 90 python3 benchmarks/run.py --device cuda --time 1 --rounds 1
