#!/usr/bin/env bash
# Runs the isolation specs (test/isolation/specs/*.spec vs
# test/isolation/expected/*.out) with pg_isolation_regress on a temporary
# instance with shared_preload_libraries = 'feature_ext' (test/regress.conf).
# Usage: test/run_isolation.sh [spec names...]   (default: every spec, in name order)
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FE_ROOT/test/lib.sh"
cd "$FE_ROOT"
if [ $# -gt 0 ]; then specs=("$@"); else
    specs=(); for f in test/isolation/specs/*.spec; do specs+=("$(basename "$f" .spec)"); done
fi
out=$(fe_workdir)
fe_make_readable "$FE_ROOT"
set +e
"${RUN_AS[@]}" "$PG_ISOLATION_REGRESS" --bindir="$PG_BINDIR" --inputdir="$FE_ROOT/test/isolation" \
    --outputdir="$out" --temp-instance="$out/tmp_check" --temp-config="$FE_ROOT/test/regress.conf" \
    --port=55442 --dbname=isolation_regression "${specs[@]}"
rc=$?
set -e
if [ $rc -ne 0 ]; then
    if [ -f "$out/regression.diffs" ]; then
        cp "$out/regression.diffs" "$FE_ROOT/test/isolation/regression.diffs" 2>/dev/null || true
        head -200 "$out/regression.diffs"
    fi
    echo "isolation outputs kept in $out"
else
    rm -rf "$out"
fi
exit $rc
