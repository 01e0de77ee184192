#!/usr/bin/env bash
# Adversarial review of branch cs (issue 16: the FROM subquery's computed
# columns computed for every stored row a window reads): test/scripts/review_cs.sql
# against PostgreSQL's own executor / the same expressions inlined (JIT on and
# off, requests, batch, training_set), then the peak memory of one request
# over 100,000 stored rows, then a dump restored into another database.
# Prints "ok NAME" or "BUG NAME: observed ... / expected ..."; exits 1 on any BUG line.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
fe_review_start review_cs 56520
fe_review_sql "$FE_ROOT/test/scripts/review_cs.sql"

# ---- peak memory of one request: a computed column whose expression makes
# garbage (length(repeat(s, 500)): ~3.5 kB per row) over 100,000 stored rows.
# PostgreSQL's executor frees it per row (per-tuple context); the deployment
# keeps it until the request ends.  (Pre-existing for sum(expr) OVER w over
# the table too: the interpreter evaluates aggregate arguments without a
# per-row reset; the new per-stored-row computation inherits it.)
fe_psql "$PORT" -q <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE TABLE big (id int4, k text, ts int8, v int8, s text) USING feature_store;
CREATE INDEX ON big USING skiplist (k, ts);
INSERT INTO big SELECT g, 'a', g, g, 'row' || g FROM generate_series(1,100000) g;
SELECT feature_ext.deploy('brp', $$ SELECT id, sum(n) OVER w AS sn FROM (SELECT id, k, ts, v, s, length(repeat(s, 500)) AS n FROM big) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 100000 PRECEDING AND CURRENT ROW)$$);
SQL
hwm() {  # peak RSS growth (kB) of a fresh backend running $1
    fe_psql "$PORT" -At -v ON_ERROR_STOP=0 <<SQL 2>&1 | tail -1
SELECT substring(pg_read_file('/proc/self/status') from 'VmHWM:\s*(\d+)') AS b \gset
$1 \g /dev/null
SELECT substring(pg_read_file('/proc/self/status') from 'VmHWM:\s*(\d+)')::int8 - :b;
SQL
}
dep=$(hwm "SELECT sn FROM brp(0, 'a', 300000, 1, 'x') x;")
pg=$(hwm "SELECT sum(length(repeat(s, 500))) OVER () FROM (SELECT s FROM big ORDER BY ts DESC LIMIT 100000) b LIMIT 1;")
if [[ "$dep" =~ ^[0-9]+$ ]] && [[ "$pg" =~ ^[0-9]+$ ]] && [ "$dep" -lt $((pg * 4 + 102400)) ]; then
    echo "ok peak_memory_100000_rows (${dep} kB; PostgreSQL's executor ${pg} kB)"
else
    echo "BUG peak_memory_100000_rows: observed peak RSS +${dep} kB for one request / expected about PostgreSQL's executor's +${pg} kB (garbage of the computed expression kept per stored row until the request ends)" | tee -a "$DIR/out"
fi

# ---- dump restored into another database: planned from the bound text
fe_review_restore
for call in "SELECT array_agg(row(x.*)::text ORDER BY x.id) FROM drp_batch('SELECT * FROM dr ORDER BY id') x" \
            "SELECT row(x.*)::text FROM drp(1000, 'k1', 2000, 7, 3.5, 'q') x" \
            "SELECT row(x.*)::text FROM sh(1000, 'k1', 55, 5, 2.5, 'a') x"; do
    fe_review_same_restored "restored_${call:30:20}" "$call"
done
fe_review_verdict
