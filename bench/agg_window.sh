#!/usr/bin/env bash
# Sliding-window aggregate benchmark: feature_ext's count_where, distinct_count
# and max_where vs the closest PostgreSQL built-in formulation, same server,
# same data, same run.
#
#   bash bench/agg_window.sh [rows] [window]      (defaults: 1000000 rows, ROWS 1000 PRECEDING)
#
# Needs `make install` first.  Starts a throwaway server (as the postgres OS
# user, like test/lib.sh), prints the times and the ratios, stops the server.
#   Q1 feature_ext : count_where(v, v > 50), distinct_count(k), max_where(v, true)
#   Q1 built-in    : count(*) FILTER (WHERE v > 50), count(DISTINCT) via
#                    array_agg + unnest (PostgreSQL has no DISTINCT window
#                    aggregates), max(v)
#   Q2 feature_ext : count_where + max_where only
#   Q2 built-in    : count(*) FILTER + max   (apples to apples, no distinct)
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FE_ROOT/test/lib.sh"
ROWS=${1:-1000000}
WIN=${2:-1000}
PORT=${BENCH_PORT:-55461}
work=$(fe_workdir)
trap 'fe_stop_server "$work/data" immediate; rm -rf "$work"' EXIT
fe_start_server "$work/data" "$PORT" "work_mem = '512MB'" "shared_buffers = '512MB'" "max_parallel_workers_per_gather = 0"
psqlc() { fe_psql "$PORT" -At "$@"; }

psqlc -c "CREATE EXTENSION feature_ext" >/dev/null
psqlc -c "CREATE TABLE bench_t AS
          SELECT i AS id, i % 10 AS p, (i::bigint * 7919) % 100 AS v, 'k' || ((i::bigint * 104729) % 200) AS k
          FROM generate_series(1, $ROWS) i" >/dev/null
psqlc -c "VACUUM ANALYZE bench_t" >/dev/null

W="WINDOW w AS (PARTITION BY p ORDER BY id ROWS $WIN PRECEDING)"
Q1_FE="SELECT sum(a), sum(b), sum(c) FROM (SELECT feature_ext.count_where(v, v > 50) OVER w a,
         feature_ext.distinct_count(k) OVER w b, feature_ext.max_where(v, true) OVER w c FROM bench_t $W) s"
Q1_PG="SELECT sum(a), sum((SELECT count(DISTINCT x) FROM unnest(b) x)), sum(c) FROM (
         SELECT count(*) FILTER (WHERE v > 50) OVER w a, array_agg(k) OVER w b, max(v) OVER w c
         FROM bench_t $W) s"
Q2_FE="SELECT sum(a), sum(c) FROM (SELECT feature_ext.count_where(v, v > 50) OVER w a,
         feature_ext.max_where(v, true) OVER w c FROM bench_t $W) s"
Q2_PG="SELECT sum(a), sum(c) FROM (SELECT count(*) FILTER (WHERE v > 50) OVER w a, max(v) OVER w c
         FROM bench_t $W) s"

# run QUERY -> prints "seconds result"
run() {
    local t0 t1 res
    t0=$(date +%s.%N)
    res=$(psqlc -c "$1" | tr '|' ' ')
    t1=$(date +%s.%N)
    echo "$(echo "$t1 - $t0" | bc -l) $res"
}

echo "rows=$ROWS window=ROWS $WIN PRECEDING, 10 partitions"
run "SELECT count(*) FROM bench_t" >/dev/null   # warm the cache
read -r q1fe r1fe <<<"$(run "$Q1_FE")"
read -r q1pg r1pg <<<"$(run "$Q1_PG")"
read -r q2fe r2fe <<<"$(run "$Q2_FE")"
read -r q2pg r2pg <<<"$(run "$Q2_PG")"
printf 'Q1 count_where+distinct_count+max  feature_ext %8.2f s   built-in %8.2f s   built-in/feature_ext = %.1fx\n' \
    "$q1fe" "$q1pg" "$(echo "$q1pg / $q1fe" | bc -l)"
printf 'Q2 count_where+max                 feature_ext %8.2f s   built-in %8.2f s   built-in/feature_ext = %.1fx\n' \
    "$q2fe" "$q2pg" "$(echo "$q2pg / $q2fe" | bc -l)"
echo "check (sums must match): Q1 fe=[$r1fe] pg=[$r1pg]  Q2 fe=[$r2fe] pg=[$r2pg]"
