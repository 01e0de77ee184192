#!/usr/bin/env bash
# Adversarial review of branch mem (merge 777cd9b): interpreted aggregates in
# a per-row memory context (advance_aggregate) and union tables' computed
# columns in a scratch context.  test/scripts/review_mem.sql against
# PostgreSQL's own window query (JIT on and off; requests, batch(),
# training_set(), a union window; plpgsql transition functions against their
# SQL twins), then peak memory (VmHWM) of
# requests whose aggregates keep growing states, against PostgreSQL's executor.
# Prints "ok NAME" or "BUG NAME: observed ... / expected ..."; exits 1 on any BUG line.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
fe_review_start review_mem 56520
fe_review_sql "$FE_ROOT/test/scripts/review_mem.sql"

# (plpgsql transition functions: in review_mem.sql, against their SQL twins.
# PostgreSQL's own window query calling them can abort the backend, a
# PostgreSQL bug: test/scripts/pg_window_plpgsql_crash.sql, not run here.)

# ---- peak memory: growing states over 40,000 rows of one key; each in a fresh
# backend; the deployment's request against PostgreSQL's executor over the same
# rows (a heap copy; the plain aggregate over the frame's rows in order): the
# deployment may take 3x + 64 MB
fe_psql "$PORT" -q <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE TABLE big (k int, ts int8, s text, n int, num numeric) USING feature_store;
CREATE INDEX ON big USING skiplist (k, ts);
INSERT INTO big SELECT 1, g, 'row' || g || repeat('x', g % 50), g % 1000, g / 7.0 FROM generate_series(1, 40000) g;
CREATE TABLE bigh AS SELECT * FROM big;
SQL
hwm() {  # peak RSS growth (kB) of a fresh backend running $1
    fe_psql "$PORT" -At -v ON_ERROR_STOP=0 <<SQL 2>&1 | tail -1
SELECT substring(pg_read_file('/proc/self/status') from 'VmHWM:\s*(\d+)') AS b \gset
$1 \g /dev/null
SELECT substring(pg_read_file('/proc/self/status') from 'VmHWM:\s*(\d+)')::int8 - :b;
SQL
}
W='WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)'
i=0
for f in "string_agg(s || n, ',')" "public.agg_app(n)" "public.agg_app(repeat(s, 3))" "avg(num * n)" "jsonb_agg(s)" "json_agg(num)" "max(repeat(s, 20))" "public.agg_txt_min(repeat(s, 20))"; do
    i=$((i + 1))
    fe_psql "$PORT" -q -c "SELECT feature_ext.deploy('hm$i', \$q\$SELECT k, $f OVER w AS a FROM big $W\$q\$)" >/dev/null
    for j in on; do
        dep=$(hwm "SET feature_ext.jit = $j; SELECT length(a::text) FROM hm$i(1, 99999, 'q', 1, 1.5) x;")
        pg=$(hwm "SELECT length(($f)::text) FROM (SELECT * FROM (SELECT * FROM bigh UNION ALL SELECT 1, 99999, 'q', 1, 1.5) b0 ORDER BY ts) b;")
        if [[ "$dep" =~ ^[0-9]+$ ]] && [[ "$pg" =~ ^[0-9]+$ ]] && [ "$dep" -lt $((pg * 3 + 65536)) ]; then
            echo "ok peak_memory_${f%%(*}_$i jit $j (${dep} kB; PostgreSQL's executor ${pg} kB)"
        else
            echo "BUG peak_memory_${f%%(*}_$i jit $j ($f over 40,000 rows): observed peak RSS +${dep} kB / expected about PostgreSQL's executor's +${pg} kB" | tee -a "$DIR/out"
        fi
    done
done
fe_review_verdict
