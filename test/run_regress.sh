#!/usr/bin/env bash
# Runs the pg_regress suite (sql/*.sql vs expected/*.out) on a temporary
# instance with shared_preload_libraries = 'feature_ext'.
# Usage: test/run_regress.sh [test names...]   (default: every sql/*.sql)
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FE_ROOT/test/lib.sh"
cd "$FE_ROOT"
if [ $# -gt 0 ]; then tests=("$@"); else
    tests=(); for f in sql/*.sql; do tests+=("$(basename "$f" .sql)"); done
fi
out=$(fe_workdir)
fe_make_readable "$FE_ROOT"
set +e
"${RUN_AS[@]}" "$PG_REGRESS" --bindir="$PG_BINDIR" --inputdir="$FE_ROOT" --outputdir="$out" \
    --temp-instance="$out/tmp_check" --temp-config="$FE_ROOT/test/regress.conf" \
    --port=55432 --dbname=contrib_regression "${tests[@]}"
rc=$?
set -e
if [ $rc -ne 0 ]; then
    [ -f "$out/regression.diffs" ] && cp "$out/regression.diffs" "$FE_ROOT/regression.diffs" && head -200 "$out/regression.diffs"
    echo "regression outputs kept in $out"
else
    rm -rf "$out"
fi
exit $rc
