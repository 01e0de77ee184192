#!/usr/bin/env bash
# Adversarial review of two changes on branch lead:
#  1. 0f76bed: batch() / training_set(mode => 'insertion'): a source row whose
#     key or order value is NULL in one index group gets no result but stays
#     an earlier row in the other groups.  test/scripts/review_nk.sql part 1:
#     deployments with 2-3 skiplist indexes (PARTITION BY k / g / h, a second
#     order column ts2), NULL keys and order values in one or several groups,
#     ROWS / RANGE / GROUPS frames, EXCLUDE CURRENT ROW, ties, late rows,
#     sliding count / int sums / min / max / UNBOUNDED, float sums, text max,
#     a union window, LAST JOINs, JIT on and off, _batch() / batch() /
#     training_set insertion against PostgreSQL's executor replaying each
#     request, and against request replay (rows inserted one by one); here:
#     the NOTICE text and a source with 1,000,000 rows whose g is NULL (peak
#     memory, time; statement_timeout in the middle of its _batch()).
#  2. a087dbc: LAST JOIN's walk in a per-row memory context.  Part 2: by-ref
#     outputs (text, numeric, arrays, > 2 kB text), expressions over the
#     joined row, two steps, nested LAST JOINs, a subquery with its own
#     window, requests / training_set / _batch, JIT on and off, an error in
#     the condition mid-walk then more calls; here: statement_timeout in a
#     200,000-row walk (prompt cancel, the next call right).
# Run it also against an assert-enabled build (CLOBBER_FREED_MEMORY) to make
# a use-after-free visible: PG_CONFIG=/opt/pgbug/bin/pg_config.
# Prints "ok NAME" / "BUG NAME: observed ... / expected ..."; exits 1 on any BUG line.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
t_start=$(date +%s)
fe_review_start review_nk 57400
fe_review_sql "$FE_ROOT/test/scripts/review_nk.sql"
bug() { echo "BUG $*" | tee -a "$DIR/out"; }

# ---- the NOTICE: counts of rows without a result and of those kept as earlier rows
notice=$(fe_psql "$PORT" -At -c "SELECT count(*) FROM n1_batch('SELECT id, k, g, h, ts, ts2, v, f, s FROM src ORDER BY pos')" 2>&1 || true)
want_skip=$(fe_psql "$PORT" -At -c "SELECT count(*) FROM src WHERE k IS NULL OR g IS NULL OR ts IS NULL")
want_hist=$(fe_psql "$PORT" -At -c "SELECT count(*) FROM src WHERE (k IS NULL OR g IS NULL OR ts IS NULL) AND ts IS NOT NULL AND (k IS NOT NULL OR g IS NOT NULL)")
if grep -q "batch skipped $want_skip source rows with a NULL key or order value" <<<"$notice" &&
   grep -q "Such rows are not requests; $want_hist of them are earlier rows" <<<"$notice"; then echo "ok notice_counts ($want_skip, $want_hist)"
else bug "notice_counts: observed $(tr '\n' ' ' <<<"$notice") / expected $want_skip skipped, $want_hist earlier rows"; fi
notice=$(fe_psql "$PORT" -At -c "SELECT count(*) FROM n1_batch('SELECT id, k, g, h, ts, ts2, v, f, s FROM src WHERE ts IS NULL OR (k IS NULL AND g IS NULL)')" 2>&1 || true)
if grep -q "Such rows are neither requests nor rows a request reads" <<<"$notice"; then echo "ok notice_none_kept"
else bug "notice_none_kept: observed $(tr '\n' ' ' <<<"$notice") / expected the 'neither requests nor rows' detail"; fi

# ---- 1,000,000 source rows with a NULL g (earlier rows in k only) + 1,000 requests: memory and time
fe_psql "$PORT" -q <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE TABLE bigsrc AS SELECT g AS id, 'k' || (g % 100) AS k, CASE WHEN g % 1000 = 0 THEN g % 2 END AS g, NULL::int4 AS h,
  (g / 10)::int8 AS ts, 0::int8 AS ts2, (g % 97)::int8 AS v, 0.5::float8 AS f, 's' AS s FROM generate_series(1, 1000000) g;
SQL
out=$(fe_psql "$PORT" -At -v ON_ERROR_STOP=0 <<'SQL' 2>&1 | tail -1
SET client_min_messages = warning;
SET feature_ext.jit = off;
SELECT substring(pg_read_file('/proc/self/status') from 'VmHWM:\s*(\d+)') AS b, clock_timestamp() AS t0 \gset
SELECT count(*) AS n, sum(c1) AS sc1 FROM n1_batch('SELECT * FROM bigsrc') \gset
SELECT :n || ' ' || :sc1 || ' ' || (substring(pg_read_file('/proc/self/status') from 'VmHWM:\s*(\d+)')::int8 - :b) || ' ' || (extract(epoch FROM clock_timestamp() - :'t0') * 1000)::int;
SQL
)
read -r n sc1 kb ms <<<"$out" || true
# each of the 1,000 requests (id % 1000 = 0, k = 'k0') has 3 earlier k0 rows in its ROWS 3 PRECEDING frame
if [ "$n" = 1000 ] && [ "$sc1" = 4000 ]; then echo "ok big_null_g (1,000,000 rows: $n results, peak +$kb kB, $ms ms)"
else bug "big_null_g: observed $out / expected 1000 rows, sum(c1) 4000"; fi

out=$(fe_psql "$PORT" -At -v ON_ERROR_STOP=0 <<'SQL' 2>&1 | tail -1
SET client_min_messages = warning;
SET feature_ext.jit = on;
SELECT substring(pg_read_file('/proc/self/status') from 'VmHWM:\s*(\d+)') AS b, clock_timestamp() AS t0 \gset
SELECT count(*) AS n, count(c1) AS nf, sum(c1) AS sc1 FROM feature_ext.training_set('n1', 'SELECT * FROM bigsrc', NULL::n1_result, mode => 'insertion') \gset
SELECT :n || ' ' || :nf || ' ' || :sc1 || ' ' || (substring(pg_read_file('/proc/self/status') from 'VmHWM:\s*(\d+)')::int8 - :b) || ' ' || (extract(epoch FROM clock_timestamp() - :'t0') * 1000)::int;
SQL
)
read -r n nf sc1 kb ms <<<"$out" || true
if [ "$n" = 1000000 ] && [ "$nf" = 1000 ] && [ "$sc1" = 4000 ]; then echo "ok big_null_g_insertion (1,000,000 rows: $nf with features, peak +$kb kB, $ms ms)"
else bug "big_null_g_insertion: observed $out / expected 1000000 rows, 1000 with features, sum(c1) 4000"; fi

# ---- statement_timeout in the middle of _batch() over the 1,000,000 rows, then the same backend goes on
out=$(fe_psql "$PORT" -At -v ON_ERROR_STOP=0 <<'SQL' 2>&1
SET client_min_messages = warning;
SET statement_timeout = '400ms';
SELECT clock_timestamp() AS t0 \gset
SELECT sqlstate_of($$SELECT count(*) FROM n1_batch('SELECT * FROM bigsrc')$$);
SELECT (extract(epoch FROM clock_timestamp() - :'t0') * 1000)::int;
RESET statement_timeout;
SELECT count(*) FROM n1_batch('SELECT * FROM bigsrc WHERE id <= 100000');
SQL
)
mapfile -t L <<<"$out"
if [ "${L[0]}" = 57014 ] && [ "${L[1]}" -lt 3000 ] && [ "${L[2]}" = 100 ]; then echo "ok batch_timeout (${L[1]} ms)"
else bug "batch_timeout: observed $(tr '\n' ' ' <<<"$out") / expected 57014 within 3 s, then 100 rows"; fi

# ---- statement_timeout during a long LAST JOIN walk (200,000 rows of one key rejected), then the next call
fe_psql "$PORT" -q <<'SQL' >/dev/null
SET client_min_messages = warning;
INSERT INTO jd SELECT 'long', i, 1, 's', 1, ARRAY[i], 'b' FROM generate_series(1, 200000) i;
SQL
out=$(fe_psql "$PORT" -At -v ON_ERROR_STOP=0 <<'SQL' 2>&1
SET client_min_messages = warning;
SET statement_timeout = '50ms';
SELECT clock_timestamp() AS t0 \gset
SELECT sqlstate_of($$SELECT * FROM j5(1, 'long', 300000)$$);
SELECT (extract(epoch FROM clock_timestamp() - :'t0') * 1000)::int;
RESET statement_timeout;
SELECT coalesce(s, 'null') FROM j5(3, 'long', 300000);
SELECT chk('j1_after_cancel', (SELECT count(*)::text FROM (SELECT r.id::int8, (SELECT row(x.*)::text FROM j1(r.id, r.k, r.ts) x) FROM rq r WHERE r.k IS NOT NULL
   EXCEPT ALL SELECT * FROM jexp((SELECT q FROM qtext), 'rq WHERE k IS NOT NULL')) d), '0');
SQL
)
mapfile -t L <<<"$out"
if [ "${L[0]}" = 57014 ] && [ "${L[1]}" -lt 3000 ] && [ "${L[2]}" = null ]; then echo "ok last_join_timeout (${L[1]} ms)"
else bug "last_join_timeout: observed $(tr '\n' ' ' <<<"$out") / expected 57014 within 3 s, then a call answering NULL"; fi
grep -E '^(ok|BUG)' <<<"${L[3]:-BUG j1_after_cancel: no answer}" | tee -a "$DIR/out"

# ---- the server log: no assertion failure, crash, leak or pfree warning (assert-enabled builds print them)
if w=$(grep -E 'TRAP|terminated by signal|server process .* was terminated|WARNING:  (problem in|detected write past|leaked|resource|snapshot|relcache|buffer)' "$DATA/server.log" | head -3) && [ -n "$w" ]; then
    bug "server_log: observed $(tr '\n' ' ' <<<"$w") / expected no such line"
else echo "ok server_log"; fi
echo "review_nk: $(( $(date +%s) - t_start )) s"
fe_review_verdict
