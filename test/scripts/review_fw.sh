#!/usr/bin/env bash
# Adversarial review (branch rvfw) of branch fw (issue 17): pre-aggregation
# of float8 *_where / FILTER (count / min / max exact by default, sum / avg
# under float_sums = 'approximate') and of float4 (real) columns.
# test/scripts/review_fw.sql compares every answer with PostgreSQL's own
# window executor; the shell part probes DELETE / UPDATE / GC, ALTER TABLE
# real -> float8, many columns, batch(), concurrent writers.
# Prints "ok NAME" or "BUG NAME: observed ... / expected ..."; exit 1 on a BUG.
set -euo pipefail
# Its native window queries feed PostgreSQL only the request's frame
# (test/scripts/native_frame.sql): ~1-2 minutes on 2 cores, every major.
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
fe_review_start review_fw 56710
psql_db() { local db=$1; shift; "${RUN_AS[@]}" "$PG_BINDIR/psql" -X -q -h /tmp -p "$PORT" -U postgres -d "$db" "$@"; }
"${RUN_AS[@]}" "$PG_BINDIR/createdb" -h /tmp -p "$PORT" -U postgres rv
psql_db rv -c "CREATE EXTENSION feature_ext" >/dev/null
psql_db rv -At -f "$FE_ROOT/test/scripts/review_fw.sql" 2>&1 | grep --line-buffered -E '^(ok|BUG|NOTE|ERROR|psql)' | tee "$DIR/out" || true
# ---- readers of float4 / float8 FILTER summaries during GC rebuilds while
# writers append and delete newer rows (the request's window unchanged)
q() { psql_db rv -At -c "$1"; }
q "SET client_min_messages = warning;
   CREATE TABLE cf (k text, ts int8, seq serial, x float8, c int4, r real) USING feature_store;
   CREATE INDEX cf_k ON cf USING skiplist (k, ts);
   INSERT INTO cf (k, ts, x, c, r) SELECT 'c', g * 10, CASE WHEN g % 97 = 0 THEN 'NaN'::float8 WHEN (g * 7919) % 5 < 2 THEN '-0'::float8 ELSE 0 END,
     (g * 13) % 4, CASE WHEN (g * 6007) % 7 < 3 THEN '-0'::real WHEN g % 101 = 0 THEN 'NaN' ELSE 0 END
     FROM generate_series(1, 20000) g;
   SELECT feature_ext.run_gc();
   SELECT feature_ext.deploy('cf_f', 'SELECT min(r) FILTER (WHERE c > 0) OVER w AS mn, max(r) OVER w AS mx, feature_ext.max_where(x, c <> 1) OVER w AS mw, count(r) FILTER (WHERE c = 2) OVER w AS n FROM cf WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 18000 PRECEDING)')" >/dev/null
exp=$(q "SET feature_ext.preaggregate = off; SELECT row(d.*)::text FROM cf_f('c', 150005, 0, NULL, 1, NULL) d")
nat=$(q "SELECT row(mn, mx, mw, n)::text FROM (SELECT min(r) FILTER (WHERE c > 0) OVER w AS mn, max(r) OVER w AS mx, feature_ext.max_where(x, c <> 1) OVER w AS mw, count(r) FILTER (WHERE c = 2) OVER w AS n, seq FROM (SELECT k, ts, seq, x, c, r FROM cf UNION ALL SELECT 'c', 150005, 2147483647, NULL, 1, NULL) u WINDOW w AS (ORDER BY ts, seq ROWS 18000 PRECEDING)) y WHERE seq = 2147483647")
if [ "$exp" != "$nat" ]; then echo "BUG concurrent_float_baseline: observed $exp / expected $nat" | tee -a "$DIR/out"; fi
W=$DIR/cw; mkdir -p "$W"; chmod 777 "$W"
( for i in $(seq 1 30); do q "INSERT INTO cf (k, ts, x, c, r) SELECT 'c', 200000 + $i * 1000 + g, CASE WHEN g % 5 = 0 THEN '-0'::float8 ELSE 0 END, g % 4, CASE WHEN g % 3 = 0 THEN '-0'::real ELSE 0 END FROM generate_series(1, 300) g; DELETE FROM cf WHERE k = 'c' AND ts > 150005 AND ts % 13 = $((i % 13))" >/dev/null; done ) &
( for i in $(seq 1 15); do q "SELECT feature_ext.run_gc()" >/dev/null; done ) &
( for i in $(seq 1 12); do q "SET feature_ext.preaggregate = on; SELECT row(d.*)::text, (SELECT blocks_taken FROM feature_ext.preagg_stats()) FROM generate_series(1, 30) g, LATERAL cf_f('c', 150005, 0, NULL, 1, NULL) d"; done > "$W/r.out" ) &
wait
bad=$(awk -F'|' -v e="$nat" '$1 != e' "$W/r.out" | head -3)
taken=$(awk -F'|' '$2 > 0' "$W/r.out" | wc -l)
if [ -n "$bad" ]; then echo "BUG concurrent_gc_float_filter: observed $bad / expected $nat" | tee -a "$DIR/out"
elif [ "$taken" -eq 0 ]; then echo "NOTE concurrent_gc_float_filter: no summaries taken"
else echo "ok concurrent_gc_float_filter ($(wc -l < "$W/r.out") calls, $taken with blocks)"; fi
fe_review_verdict
