#!/usr/bin/env bash
# The whole test suite (what CI and the README run):
#   1. C++ unit tests (no server)          make unit
#   2. pg_regress                          test/run_regress.sh
#   3. isolation specs                     test/run_isolation.sh
#   3b. security suite                    test/security/run.sh (docs/SECURITY.md)
#   4. OpenMLDB conformance cases          test/conformance/run.py (docs/CONFORMANCE.md)
#   5. differential: random deployments,   test/differential/run.py (fixed seeds;
#      request = batch = PostgreSQL native   --long SECONDS runs random seeds)
#      (OpenMLDB dialect: = a Python model); test/differential/join_run.py:
#      random LAST JOIN / dimension deployments (request = batch = native)
#      union windows: test/differential/union.py (random second/third tables);
#      a union window over a LAST JOIN's result: test/differential/union_join.py;
#      FROM subqueries computing columns windows read: test/differential/from_sub.py;
#      FROM subqueries with their own window: test/differential/from_sub_window.py
#   6. dump/restore, memory limit,         test/scripts/*.sh (each exits 0 = pass,
#      restart / crash scripts               77 = skipped, saying why)
#   6b. clients: psycopg, pgJDBC,          test/clients/run.sh (docs/CLIENTS.md; on the
#      node-postgres, libpq, PgBouncer       host's PostgreSQL only)
#   7. the same suite on PostgreSQL 17     scripts/pg_major.sh MAJOR (one step each;
#      and 18, each in a Debian root         skipped where its root cannot be made)
# All of it runs against the PostgreSQL of $PG_CONFIG, else of the pg_config
# on PATH.  Variables:
#   FE_OTHER_MAJORS   the majors of step 7 (default "17 18"; empty: none,
#                     e.g. `FE_OTHER_MAJORS= bash test/run_all.sh`)
#   FE_IN_MAJOR_ROOT  1: this is the suite inside a root of scripts/pg_major.sh
#                     (it sets it): no step 7, and step 6b reports skipped
#                     (the clients run once, on the host's PostgreSQL)
# Prints the majors that ran, then ends with one line
# "N passed, M failed, K skipped": a step counts as skipped when it could not
# run here and said why (exit 77), e.g. a major whose root cannot be made.
# Run as root (servers run as the postgres OS user) after scripts/install.sh
# has installed the build.
set -uo pipefail
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$FE_ROOT"
PG_CONFIG=${PG_CONFIG:-pg_config}
passed=0; failed=0; skipped=0; failures=(); skips=()
step() {
    local name=$1 rc t0=$SECONDS; shift
    echo "=== $name"
    "$@"; rc=$?
    local took="($((SECONDS - t0)) s)"
    if [ $rc = 0 ]; then passed=$((passed + 1)); echo "--- ok: $name $took"
    elif [ $rc = 77 ]; then skipped=$((skipped + 1)); skips+=("$name"); echo "--- skipped: $name $took"
    else failed=$((failed + 1)); failures+=("$name"); echo "--- FAILED: $name $took"; fi
}
# skip_because WHY: a step's command that does not run here (prints why, exits 77).
skip_because() { echo "skipped: $*"; return 77; }
in_major_root=${FE_IN_MAJOR_ROOT:-}
step "unit tests" make -s -j2 unit
step "pg_regress" bash test/run_regress.sh
[ -x test/run_isolation.sh ] && step "isolation" bash test/run_isolation.sh
step "security suite" bash test/security/run.sh
step "openmldb conformance" python3 test/conformance/run.py
step "differential (request = batch = native)" python3 test/differential/run.py
step "differential: joins (request = batch = training_set = native)" python3 test/differential/join_run.py
step "differential: union windows (request = batch = training_set = native)" python3 test/differential/union.py
step "differential: union windows over a LAST JOIN's result" python3 test/differential/union_join.py
step "differential: FROM subquery computed columns over stored rows (request = batch = training_set = native)" python3 test/differential/from_sub.py
step "differential: FROM subquery with its own window (request = native, offline = replay, JIT on/off)" python3 test/differential/from_sub_window.py
for s in test/scripts/*.sh; do
    [ -e "$s" ] || continue
    step "script $(basename "$s" .sh)" bash "$s"
done
# Clients (psycopg, pgJDBC, node-postgres, libpq, PgBouncer): once, on the
# host's PostgreSQL (not again inside the roots of step 7).
if [ "$in_major_root" = 1 ]; then
    step "clients (test/clients/run.sh)" skip_because "the clients run on the host's PostgreSQL only"
else
    step "clients (test/clients/run.sh)" bash test/clients/run.sh
fi
majors=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
other_majors=${FE_OTHER_MAJORS-17 18}
[ "$in_major_root" = 1 ] && other_majors=
# Each major's steps count in the closing line one by one (its skips
# included), not as one step.
for m in $other_majors; do
    echo "=== PostgreSQL $m (scripts/pg_major.sh $m)"
    mout=$(mktemp)
    rc=0
    bash scripts/pg_major.sh "$m" 2>&1 | tee "$mout" || rc=${PIPESTATUS[0]}
    inner=$(grep -E "^PostgreSQL $m: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped" "$mout" | tail -1)
    if [ "$rc" = 77 ]; then
        skipped=$((skipped + 1)); skips+=("PostgreSQL $m (the whole major)"); majors+=" ($m skipped)"
        echo "--- skipped: PostgreSQL $m"
    elif [ -n "$inner" ]; then
        read -r np nf ns <<<"$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/' <<<"$inner")"
        passed=$((passed + np)); failed=$((failed + nf)); skipped=$((skipped + ns))
        inner_skips=$(grep -E '^skipped steps: ' "$mout" | tail -1 | sed 's/^skipped steps: //')
        inner_fails=$(grep -E '^failed steps: ' "$mout" | tail -1 | sed 's/^failed steps: //')
        [ "$ns" -gt 0 ] && skips+=("[PostgreSQL $m: $inner_skips]")
        [ "$nf" -gt 0 ] && failures+=("[PostgreSQL $m: $inner_fails]")
        [ "$rc" != 0 ] && [ "$nf" = 0 ] && { failed=$((failed + 1)); failures+=("PostgreSQL $m (exit $rc)"); }
        majors+=" $m"
        echo "--- PostgreSQL $m: $np passed, $nf failed, $ns skipped"
    else
        failed=$((failed + 1)); failures+=("PostgreSQL $m (no closing line, exit $rc)"); majors+=" ($m failed)"
        echo "--- FAILED: PostgreSQL $m"
    fi
    rm -f "$mout"
done
echo
[ $failed -gt 0 ] && echo "failed steps: ${failures[*]}"
[ $skipped -gt 0 ] && echo "skipped steps: ${skips[*]}"
echo "majors: $majors"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
