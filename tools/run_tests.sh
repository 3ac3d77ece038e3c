#!/usr/bin/env bash
# The test suite: nbdev sync check, every notebook (as nbdev-test runs it), pytest (two workers, one test file each), then the FLA tier (tools/test_fla.sh: FLA's
# Triton kernels on the CPU under Triton's interpreter; its packages in RNB_FLA_SITE, default .fla-site, from
# `make fla-setup`; RNB_FLA_SITE= (empty) skips it, counted as one skip). Ends with one line "N passed, N failed"
# and exits non-zero on any failure or when nothing ran.
set -uo pipefail
cd "$(dirname "$0")/.."
unset TRITON_INTERPRET                     # the main suite runs without the interpreter; the FLA tier sets it itself
fail=0; npass=0; nfail=0; nskip=0
log=$(mktemp -d)

count_junit() {  # count_junit JUNIT_XML PYTEST_RC: add a pytest run's tests to the totals
  if [ -f "$1" ]; then
    read t f e s < <(python - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot(); s = r if r.tag == "testsuite" else r.find("testsuite")
print(s.get("tests"), s.get("failures"), s.get("errors"), s.get("skipped"))
PY
)
    npass=$((npass + t - f - e - s)); nfail=$((nfail + f + e)); nskip=$((nskip + s))
    [ "$2" -ne 0 ] && [ $((f + e)) -eq 0 ] && nfail=$((nfail + 1))
  else
    nfail=$((nfail + 1))
  fi
}

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

# 2. notebooks, each executed once as nbdev-test runs it (nbdev's cell filter: cells flagged slow/gpu are skipped; run
# them with nbdev-test --flags "slow gpu"), two at a time, into the site's cache: the site test (tests/test_site.py)
# renders these executed copies instead of running every notebook a second time
nbs=$(ls nbs/*.ipynb | wc -l)
echo "== notebooks ($nbs, as nbdev-test runs them)"
OMP_NUM_THREADS=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" python tools/build_site.py execute 2> "$log/nbs.err" | tee "$log/nbs.out"; rc=${PIPESTATUS[0]}
cat "$log/nbs.err"
nbfail=$(grep -c '^  FAIL ' "$log/nbs.out" || true)
[ $rc -ne 0 ] && [ "$nbfail" -eq 0 ] && nbfail=1
npass=$((npass + nbs - nbfail)); nfail=$((nfail + nbfail))

# 3. pytest
echo "== pytest"
python -m pytest -q -ra -n 2 --dist loadfile --durations=25 --junit-xml="$log/junit.xml" "$@"; prc=$?
count_junit "$log/junit.xml" $prc

# 4. the FLA tier
fla_site=${RNB_FLA_SITE-.fla-site}
if [ -z "$fla_site" ]; then
  echo "== FLA tier: skipped (RNB_FLA_SITE is empty)"; nskip=$((nskip + 1))
elif [ ! -f "$fla_site/.installed" ]; then
  echo "FAIL: FLA tier: no packages in $fla_site (run make fla-setup)"; nfail=$((nfail + 1))
else
  echo "== FLA tier (tests/fla_tier under TRITON_INTERPRET=1, packages from $fla_site)"
  t0=$(date +%s)
  RNB_FLA_SITE="$fla_site" bash tools/test_fla.sh -q -ra --junit-xml="$log/junit_fla.xml"; frc=$?
  echo "FLA tier: $(( $(date +%s) - t0 )) s wall"
  count_junit "$log/junit_fla.xml" $frc
fi
rm -rf "$log"
echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ]
