#!/usr/bin/env bash
# The test suite: nbdev sync check, every notebook (nbdev-test), then pytest. Ends with one line
# "N passed, N failed" and exits non-zero on any failure or when nothing ran.
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0; npass=0; nfail=0; nskip=0
log=$(mktemp -d)

# 1. nbdev-export / nbdev-clean must not change anything
snap() { { git status --porcelain --untracked-files=all; git diff; } 2>/dev/null | sha1sum; }
before=$(snap)
nbdev-export >/dev/null && nbdev-clean >/dev/null
if [ "$before" != "$(snap)" ]; then
  echo "FAIL: nbdev-export / nbdev-clean changed files; run them and commit:"; git status --short | head -20
  nfail=$((nfail + 1))
else
  echo "ok: notebooks clean and library exported"; npass=$((npass + 1))
fi
# generated parameters cells must match their settings classes (tools/params_cells.py)
if python tools/params_cells.py --check; then echo "ok: parameters cells match their settings"; npass=$((npass + 1))
else nfail=$((nfail + 1)); fi

# 2. notebooks (cells flagged slow/gpu are skipped; run them with: nbdev-test --flags "slow gpu")
nbs=$(ls nbs/*.ipynb | wc -l)
echo "== nbdev-test ($nbs notebooks)"
OMP_NUM_THREADS=1 nbdev-test --n-workers 2 --timing 2> "$log/nbdev.err"; rc=$?
cat "$log/nbdev.err"
nbfail=$(sed -n '/Failed On The Following Notebooks/,$p' "$log/nbdev.err" | grep -c '\.ipynb' || true)
[ $rc -ne 0 ] && [ "$nbfail" -eq 0 ] && nbfail=1
npass=$((npass + nbs - nbfail)); nfail=$((nfail + nbfail))

# 3. pytest
echo "== pytest"
python -m pytest -q -ra --durations=25 --junit-xml="$log/junit.xml" "$@"; prc=$?
if [ -f "$log/junit.xml" ]; then
  read t f e s < <(python - "$log/junit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot(); s = r if r.tag == "testsuite" else r.find("testsuite")
print(s.get("tests"), s.get("failures"), s.get("errors"), s.get("skipped"))
PY
)
  npass=$((npass + t - f - e - s)); nfail=$((nfail + f + e)); nskip=$((nskip + s))
  [ $prc -ne 0 ] && [ $((f + e)) -eq 0 ] && nfail=$((nfail + 1))
else
  nfail=$((nfail + 1))
fi
rm -rf "$log"
echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ]
