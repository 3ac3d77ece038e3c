#!/usr/bin/env bash
# The GPU check (see bench/gpu_check.py's docstring for the two device calls). From the project root or anywhere:
#   bash bench/gpu_check.sh --out $OUT/gpu_check.json        # on the GPU machine, after the wheels are installed
#   bash bench/gpu_check.sh --device cpu --tiny --out /tmp/x.json   # seconds on a CPU (tests/test_gpu_check.py)
# PYTHON picks the interpreter (default python3, the one that holds PyTorch on the GPU image).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$PWD"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,memory.total,clocks.sm,clocks.max.sm --format=csv,noheader || true
fi
exec "${PYTHON:-python3}" bench/gpu_check.py "$@"
