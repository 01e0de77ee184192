#!/usr/bin/env bash
# The security suite (docs/SECURITY.md): pg_regress files in test/security/sql
# (several roles, attacks by shadowing, owner triggers, policies, table
# changes under deployments) on a temporary instance, then the scripts in
# test/security/*.sh that need a server of their own (background workers).
# Usage: test/security/run.sh [test names...]   (default: all of them)
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
cd "$FE_ROOT/test/security"
if [ $# -gt 0 ]; then tests=("$@"); else
    tests=(); for f in sql/*.sql; do tests+=("$(basename "$f" .sql)"); done
fi
out=$(fe_workdir)
fe_make_readable "$FE_ROOT"
set +e
"${RUN_AS[@]}" "$PG_REGRESS" --bindir="$PG_BINDIR" --inputdir="$FE_ROOT/test/security" --outputdir="$out" \
    --temp-instance="$out/tmp_check" --temp-config="$FE_ROOT/test/regress.conf" \
    --port=55442 --dbname=security_regression "${tests[@]}"
rc=$?
set -e
if [ $rc -ne 0 ]; then
    [ -f "$out/regression.diffs" ] && cp "$out/regression.diffs" "$FE_ROOT/security.diffs" && head -200 "$out/regression.diffs"
    echo "security regression outputs kept in $out"
else
    rm -rf "$out"
fi
if [ $# -eq 0 ]; then
    for s in "$FE_ROOT"/test/security/*.sh; do
        [ "$(basename "$s")" = run.sh ] && continue
        [ -e "$s" ] || continue
        echo "--- $(basename "$s")"
        bash "$s" || rc=1
    done
fi
exit $rc
