#!/usr/bin/env bash
# Backend-private memory of one big transaction (issue: production, part 6):
# peak RssAnon of the backend running a ROWS-row INSERT into a feature_store
# table with a skiplist index, with pending changes spilled to a temporary
# file beyond maintenance_work_mem (64MB, the default) vs kept in memory
# (maintenance_work_mem = 4GB: the behaviour before spilling existed).
# Usage: bench/txn_memory.sh [ROWS]   (default 3000000)
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FE_ROOT/test/lib.sh"
ROWS=${1:-3000000}
DIR=$(fe_workdir)
PORT=$(fe_free_port 55641)
trap 'fe_stop_server "$DIR/d" immediate; rm -rf "$DIR"' EXIT
fe_start_server "$DIR/d" "$PORT" "feature_ext.memory_limit = '4GB'"
q() { fe_psql "$PORT" -At -c "$@"; }
q "CREATE EXTENSION feature_ext" >/dev/null
q "CREATE TABLE t (k int, v int, ts int8) USING feature_store" >/dev/null
q "CREATE INDEX t_k ON t USING skiplist (k, ts)" >/dev/null
for mwm in 64MB 4GB; do
    q "TRUNCATE t" >/dev/null
    fe_psql "$PORT" -At -c "SET application_name = 'txn_memory'" -c "SET maintenance_work_mem = '$mwm'" \
        -c "INSERT INTO t SELECT g % 1000, g, g FROM generate_series(1, $ROWS) g" >/dev/null &
    bg=$! pid=""
    while [ -z "$pid" ]; do pid=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = 'txn_memory'"); done
    peak=0 t0=$(date +%s.%N)
    while kill -0 "$bg" 2>/dev/null; do
        a=$(awk '/RssAnon/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
        [ -n "$a" ] && [ "$a" -gt "$peak" ] && peak=$a
        sleep 0.05
    done
    wait "$bg"
    secs=$(echo "$(date +%s.%N) - $t0" | bc)
    [ "$(q "SELECT rows_in_memory FROM feature_ext.index_stats")" = "$ROWS" ] || { echo "index does not hold $ROWS rows"; exit 1; }
    printf 'maintenance_work_mem=%-5s %d-row INSERT: backend peak private memory %4d MB, %.1f s\n' "$mwm" "$ROWS" $((peak / 1024)) "$secs"
done
