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
#   6. dump/restore, memory limit,         test/scripts/*.sh (each exits 0 = pass,
#      restart / crash scripts               77 = skipped, saying why)
#   6b. clients: psycopg, pgJDBC,          test/clients/run.sh (docs/CLIENTS.md; on the
#      node-postgres, libpq, PgBouncer       host's PostgreSQL only)
#   7. the same suite on PostgreSQL 17     scripts/pg_major.sh MAJOR (one step each;
#      and 18, each in a Debian root         skipped where its root cannot be made)
# All of it runs against the PostgreSQL of $PG_CONFIG, else of the pg_config
# on PATH.  FE_OTHER_MAJORS lists the majors of step 7 (default "17 18"; empty:
# none, as pg_major.sh sets it inside a root).  Prints the majors that ran,
# then ends with one line "N passed, M failed, K skipped".  Run as root
# (servers run as the postgres OS user) after scripts/install.sh has installed
# the build.
set -uo pipefail
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$FE_ROOT"
PG_CONFIG=${PG_CONFIG:-pg_config}
passed=0; failed=0; skipped=0; failures=(); skips=()
step() {
    local name=$1 rc; shift
    echo "=== $name"
    "$@"; rc=$?
    if [ $rc = 0 ]; then passed=$((passed + 1)); echo "--- ok: $name"
    elif [ $rc = 77 ]; then skipped=$((skipped + 1)); skips+=("$name"); echo "--- skipped: $name"
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
# Clients (psycopg, pgJDBC, node-postgres, libpq, PgBouncer): once, on the
# host's PostgreSQL (not again inside the roots of step 7).
[ -z "${FE_OTHER_MAJORS+x}" ] && step "clients (test/clients/run.sh)" bash test/clients/run.sh
majors=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
for m in ${FE_OTHER_MAJORS-17 18}; do
    before=$skipped
    step "PostgreSQL $m (scripts/pg_major.sh $m)" bash scripts/pg_major.sh "$m"
    if [ $skipped = "$before" ]; then majors+=" $m"; else majors+=" ($m skipped)"; fi
done
echo
[ $failed -gt 0 ] && echo "failed steps: ${failures[*]}"
[ $skipped -gt 0 ] && echo "skipped steps: ${skips[*]}"
echo "majors: $majors"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
