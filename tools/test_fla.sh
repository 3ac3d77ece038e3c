#!/usr/bin/env bash
# The FLA tier: tests/fla_tier, FLA's Triton kernels on the CPU under Triton's interpreter (TRITON_INTERPRET=1) against our
# PyTorch forms. Its packages (a CPU Triton, FLA, einops) live in a folder of their own, RNB_FLA_SITE (default
# .fla-site, built by `make fla-setup`), put on PYTHONPATH here, so the default venv stays Triton-free.
#   bash tools/test_fla.sh [pytest args]      # what `make test-fla` runs; tools/run_tests.sh runs it after the main suite
set -uo pipefail
cd "$(dirname "$0")/.."
site=${RNB_FLA_SITE:-.fla-site}
if [ ! -f "$site/.installed" ]; then echo "no FLA tier packages in $site: run make fla-setup" >&2; exit 2; fi
export TRITON_INTERPRET=1 OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export PYTHONPATH="$(cd "$site" && pwd):$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec python -m pytest tests/fla_tier -p no:cacheprovider "$@"
