#!/usr/bin/env bash
# Adversarial review of conditional pre-aggregation (branch preagg-where),
# kept as regression probes in the suite (exit 1 on any BUG line):
# test/scripts/preagg_review.sql against PostgreSQL's own window query, with
# pre-aggregation and JIT on/off; then readers during GC rebuilds while
# writers append and delete (the request's window itself unchanged).
# Prints "ok NAME", "NOTE NAME: ..." or "BUG NAME: observed ... / expected ...".
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
fe_review_start preagg_review 55901
fe_review_sql "$FE_ROOT/test/scripts/preagg_review.sql"

# ---- readers during GC rebuilds (shared-memory publication of the maps)
q() { fe_psql "$PORT" -At -c "$1"; }
q "SET client_min_messages = warning;
   INSERT INTO pr (k, ts, a, b, c, x) SELECT 'cw', g * 10, (g * 7919) % 100003 - 50000, g, (g % 5 - 2)::int2, g % 3 FROM generate_series(1, 20000) g;
   SELECT feature_ext.run_gc();
   SELECT feature_ext.deploy('pr_cw', \$\$SELECT count(*) FILTER (WHERE c = 1) OVER w AS n1, sum(a) FILTER (WHERE c > 0) OVER w AS s1, max(b) FILTER (WHERE c <> 2) OVER w AS m1, feature_ext.sum_where(b, c < 0) OVER w AS s2 FROM pr WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 18000 PRECEDING)\$\$, '{\"replace\":true}')" >/dev/null
exp=$(q "SET feature_ext.preaggregate = off; SELECT row(x.*)::text FROM pr_cw('cw', 150005, 0, 1, 2, 3::int2, 4) x")
W=$DIR/cw; mkdir -p "$W"; chmod 777 "$W"
( for i in $(seq 1 100); do q "INSERT INTO pr (k, ts, a, b, c, x) SELECT 'cw', 200000 + $i * 1000 + g, g, g, (g % 7)::int2, 1 FROM generate_series(1, 300) g; DELETE FROM pr WHERE k = 'cw' AND ts > 150005 AND ts % 13 = $((i % 13))" >/dev/null; done ) &
( for i in $(seq 1 40); do q "SELECT feature_ext.run_gc()" >/dev/null; done ) &
( for i in $(seq 1 30); do q "SET feature_ext.preaggregate = on; SELECT row(x.*)::text, (SELECT blocks_taken FROM feature_ext.preagg_stats()) FROM pr_cw('cw', 150005, 0, 1, 2, 3::int2, 4) x, generate_series(1, 50) g"; done > "$W/r.out" ) &
wait
bad=$(awk -F'|' -v e="$exp" '$1 != e' "$W/r.out" | head -3)
taken=$(awk -F'|' '$2 > 0' "$W/r.out" | wc -l)
if [ -n "$bad" ]; then echo "BUG concurrent_gc: observed $bad / expected $exp" | tee -a "$DIR/out"
elif [ "$taken" -eq 0 ]; then echo "NOTE concurrent_gc: no summaries taken"
else echo "ok concurrent_gc"; fi
fe_review_verdict
