#!/usr/bin/env bash
# Runs a pg_regress suite (sql/*.sql vs expected/*.out, under FE_REGRESS_DIR:
# the checkout by default, test/security for the security suite) on a
# temporary instance with shared_preload_libraries = 'feature_ext'.
# Usage: test/run_regress.sh [test names...]   (default: every sql/*.sql)
# Environment: FE_REGRESS_DIR, FE_REGRESS_PORT (55432), FE_REGRESS_DB
# (contrib_regression), FE_REGRESS_DIFFS (regression.diffs: where a failed
# run's diffs are copied: an absolute path, or one relative to the checkout).
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FE_ROOT/test/lib.sh"
IN=${FE_REGRESS_DIR:-$FE_ROOT}
cd "$IN"
if [ $# -gt 0 ]; then tests=("$@"); else
    tests=(); for f in sql/*.sql; do tests+=("$(basename "$f" .sql)"); done
fi
out=$(fe_workdir)
fe_make_readable "$FE_ROOT"
set +e
"${RUN_AS[@]}" "$PG_REGRESS" --bindir="$PG_BINDIR" --inputdir="$IN" --outputdir="$out" \
    --temp-instance="$out/tmp_check" --temp-config="$FE_ROOT/test/regress.conf" \
    --port="${FE_REGRESS_PORT:-55432}" --dbname="${FE_REGRESS_DB:-contrib_regression}" "${tests[@]}"
rc=$?
set -e
if [ $rc -ne 0 ]; then
    diffs=${FE_REGRESS_DIFFS:-regression.diffs}
    case "$diffs" in /*) ;; *) diffs="$FE_ROOT/$diffs" ;; esac
    [ -f "$out/regression.diffs" ] && cp "$out/regression.diffs" "$diffs" && head -200 "$out/regression.diffs"
    echo "regression outputs kept in $out"
else
    rm -rf "$out"
fi
exit $rc
