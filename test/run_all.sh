#!/usr/bin/env bash
# The whole test suite (what CI and the README run):
#   1. C++ unit tests (no server)          make unit
#   2. pg_regress                          test/run_regress.sh
#   3. isolation specs                     test/run_isolation.sh
#   3b. security suite                    test/security/run.sh (docs/SECURITY.md)
#   4. OpenMLDB conformance cases          test/conformance/run.py (docs/CONFORMANCE.md)
#   5. differential: random deployments,   test/differential/run.py (fixed seeds;
#      request = batch = PostgreSQL native   --long SECONDS runs random seeds)
#      (OpenMLDB dialect: = a Python model)
#   6. dump/restore, memory limit,         test/scripts/*.sh (each exits 0 = pass)
#      restart / crash scripts
# Ends with one line "N passed, M failed".  Run as root (servers run as the
# postgres OS user) after scripts/install.sh has installed the build.
set -uo pipefail
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$FE_ROOT"
passed=0; failed=0; failures=()
step() {
    local name=$1; shift
    echo "=== $name"
    if "$@"; then passed=$((passed + 1)); echo "--- ok: $name"
    else failed=$((failed + 1)); failures+=("$name"); echo "--- FAILED: $name"; fi
}
step "unit tests" make -s unit
step "pg_regress" bash test/run_regress.sh
[ -x test/run_isolation.sh ] && step "isolation" bash test/run_isolation.sh
step "security suite" bash test/security/run.sh
step "openmldb conformance" python3 test/conformance/run.py
step "differential (request = batch = native)" python3 test/differential/run.py
for s in test/scripts/*.sh; do
    [ -e "$s" ] || continue
    step "script $(basename "$s" .sh)" bash "$s"
done
echo
[ $failed -gt 0 ] && echo "failed steps: ${failures[*]}"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
