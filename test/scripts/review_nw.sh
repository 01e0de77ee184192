#!/usr/bin/env bash
# Adversarial review of branch nw (a deployment whose main table is a FROM
# subquery with its own window, request mode): test/scripts/review_nw.sql
# against PostgreSQL's executor over the table's rows plus the request row
# (JIT on and off; ties, late rows, NULLs, text / numeric inner columns,
# ROWS / RANGE / GROUPS, lag / row_number / rank / first_value, EXCLUDE,
# MAXSIZE, OpenMLDB dialect, LAST JOIN after the subquery, DML between calls,
# GC, redeploy / replace, grants, RLS, TTL, refusals), then a caller's
# search_path shadowing operators of the inner plan (fresh backend), the peak
# memory of one request whose outer ROWS 10000 window reads 10,000 stored
# rows' inner windows, statement_timeout in the middle of a long request
# (measured against the whole request), a row committed by another session
# during a long request, and the same backend after the cancels.
# Prints "ok NAME" or "BUG NAME: observed ... / expected ..."; exits 1 on any BUG line.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
fe_review_start review_nw 56400
fe_review_sql "$FE_ROOT/test/scripts/review_nw.sql" 'ok|BUG|NOTE|known|ERROR|psql'

# ---- a caller's search_path putting its own operators before pg_catalog (fresh backend: the plan is made from the bound text)
fe_psql "$PORT" -q <<'SQL' >/dev/null
CREATE SCHEMA ev;
CREATE FUNCTION ev.f(int8, int8) RETURNS int8 LANGUAGE sql IMMUTABLE AS 'SELECT 999::int8';
CREATE OPERATOR ev.+ (LEFTARG = int8, RIGHTARG = int8, FUNCTION = ev.f);
CREATE FUNCTION ev.f4(int8, int4) RETURNS int8 LANGUAGE sql IMMUTABLE AS 'SELECT 999::int8';
CREATE OPERATOR ev.* (LEFTARG = int8, RIGHTARG = int4, FUNCTION = ev.f4);
CREATE OPERATOR ev.- (LEFTARG = int8, RIGHTARG = int8, FUNCTION = ev.f);
GRANT USAGE ON SCHEMA ev TO PUBLIC;
SQL
call="SELECT row(x.*)::text FROM nw_comp(7000, 'k1', 1, 205, 4, 'a', 1.5, 7000) x"
a=$(fe_psql "$PORT" -At -c "$call" 2>&1 || true)
b=$(fe_psql "$PORT" -At -c "SET search_path = ev, pg_catalog, public" -c "$call" 2>&1 || true)
if [ "$a" = "$b" ] && [ -n "$a" ] && [[ "$a" != *ERROR* ]]; then echo "ok search_path_shadowing_operators ($a)"
else echo "BUG search_path_shadowing_operators: observed $b / expected $a" | tee -a "$DIR/out"; fi

# ---- peak memory: outer ROWS 10000 over 10,000 stored rows, each an inner request (ROWS 10, a text max)
fe_psql "$PORT" -q <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE TABLE big (id int4, k text, ts int8, v int8, s text) USING feature_store;
CREATE INDEX ON big USING skiplist (k, ts);
INSERT INTO big SELECT g, 'a', g, g % 97, 'row' || (g % 1000) FROM generate_series(1, 10000) g;
SELECT feature_ext.deploy('bigw', $$ SELECT id, sum(s2) OVER w AS ss, max(ms) OVER w AS mm
  FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2, max(s) OVER w2 AS ms FROM big
        WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10000 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('bigt', $$ SELECT id, sum(s2) OVER w AS ss
  FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM big
        WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3000 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10000 PRECEDING AND CURRENT ROW)$$);
SQL
hwm() {  # peak RSS growth (kB) of a fresh backend running $1
    fe_psql "$PORT" -At -v ON_ERROR_STOP=0 <<SQL 2>&1 | tail -1
SELECT substring(pg_read_file('/proc/self/status') from 'VmHWM:\s*(\d+)') AS b \gset
$1 \g /dev/null
SELECT substring(pg_read_file('/proc/self/status') from 'VmHWM:\s*(\d+)')::int8 - :b;
SQL
}
want=$(fe_psql "$PORT" -At -c "SELECT row(y.id, y.ss, y.mm)::text FROM (SELECT q.*, sum(s2) OVER (ORDER BY ts, src ROWS 10000 PRECEDING) ss, max(ms) OVER (ORDER BY ts, src ROWS 10000 PRECEDING) mm FROM (SELECT id, ts, src, sum(v) OVER (ORDER BY ts, src ROWS 10 PRECEDING) s2, max(s) OVER (ORDER BY ts, src ROWS 10 PRECEDING) ms FROM (SELECT id, ts, v, s, 0 src FROM big UNION ALL SELECT 99999, 20000, 5, 'q', 1) u) q) y WHERE src = 1")
got=$(fe_psql "$PORT" -At -c "SELECT row(x.*)::text FROM bigw(99999, 'a', 20000, 5, 'q') x" 2>&1 || true)
if [ "$got" = "$want" ]; then echo "ok outer_rows_10000_value"; else echo "BUG outer_rows_10000_value: observed $got / expected $want" | tee -a "$DIR/out"; fi
dep=$(hwm "SELECT * FROM bigw(99999, 'a', 20000, 5, 'q');")
pg=$(hwm "SELECT sum(s2) OVER (ORDER BY ts ROWS 10000 PRECEDING), max(ms) OVER (ORDER BY ts ROWS 10000 PRECEDING) FROM (SELECT ts, sum(v) OVER (ORDER BY ts ROWS 10 PRECEDING) s2, max(s) OVER (ORDER BY ts ROWS 10 PRECEDING) ms FROM big) q ORDER BY ts DESC LIMIT 1;")
if [[ "$dep" =~ ^[0-9]+$ ]] && [[ "$pg" =~ ^[0-9]+$ ]] && [ "$dep" -lt $((pg * 4 + 51200)) ]; then
    echo "ok peak_memory_outer_rows_10000 (${dep} kB; PostgreSQL's executor ${pg} kB)"
else
    echo "BUG peak_memory_outer_rows_10000: observed peak RSS +${dep} kB for one request / expected about PostgreSQL's executor's +${pg} kB" | tee -a "$DIR/out"
fi

# ---- statement_timeout in the middle of a request (10,000 inner requests of up to 10,000 rows each):
# the cancel must come well before the request would end (no CHECK_FOR_INTERRUPTS per stored row otherwise)
fe_psql "$PORT" -q -c "SET client_min_messages = warning" -c "SELECT feature_ext.deploy('bigt2', \$\$ SELECT id, sum(s2) OVER w AS ss
  FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM big
        WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10000 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10000 PRECEDING AND CURRENT ROW)\$\$)" >/dev/null
res=$(fe_psql "$PORT" -At -v ON_ERROR_STOP=0 2>&1 <<'SQL' | tail -1
SELECT count(*) FROM bigt2(99999, 'a', 20000, 5, 'q') \g /dev/null
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) FROM bigt2(99999, 'a', 20000, 5, 'q') \g /dev/null
SELECT (extract(epoch FROM clock_timestamp() - :'t0') * 1000)::int AS full \gset
SET statement_timeout = '200ms';
SELECT clock_timestamp() AS t1 \gset
SELECT sqlstate_of($$SELECT * FROM bigt2(99999, 'a', 20000, 5, 'q')$$) AS st \gset
RESET statement_timeout;
SELECT :'st' || ' ' || (extract(epoch FROM clock_timestamp() - :'t1') * 1000)::int || ' ' || :full;
SQL
)
read -r st cms fms <<<"$res"
if [ "$st" = "57014" ] && [ "$cms" -lt $((200 + fms / 3)) ]; then echo "ok statement_timeout_mid_request (cancelled after ${cms} ms; the whole request ${fms} ms)"
else echo "BUG statement_timeout_mid_request: observed '$st' after ${cms} ms with statement_timeout = 200ms (the whole request takes ${fms} ms) / expected 57014 after about 200 ms" | tee -a "$DIR/out"; fi
# ---- a row committed by another session while a long request runs (a late row, ts 5000, v 10^9):
# the answer must be the table's state before the commit or after it, not a mix (the outer window read
# before the commit, inner windows of stored rows read after it)
before=$(fe_psql "$PORT" -At -c "SELECT row(x.*)::text FROM bigt2(99999, 'a', 20000, 5, 'q') x")
( fe_psql "$PORT" -At -c "SELECT row(x.*)::text FROM bigt2(99999, 'a', 20000, 5, 'q') x" > "$DIR/race" 2>&1 ) &
rp=$!
sleep "$(awk -v f="${fms:-1500}" 'BEGIN { printf "%.2f", f / 3000 }')"
fe_psql "$PORT" -q -c "INSERT INTO big VALUES (55555, 'a', 5000, 1000000000, 'late')"
wait "$rp" || true
after=$(fe_psql "$PORT" -At -c "SELECT row(x.*)::text FROM bigt2(99999, 'a', 20000, 5, 'q') x")
mid=$(cat "$DIR/race")
fe_psql "$PORT" -q -c "DELETE FROM big WHERE id = 55555"
if [ "$mid" = "$before" ] || [ "$mid" = "$after" ]; then echo "ok concurrent_commit_during_request ($mid)"
else echo "known concurrent_commit_during_request: observed $mid / not the state before ($before) or after ($after) the other session's commit (docs/DEPLOY.md, \"A FROM subquery with its own window\": the inner windows read the index when each stored row is computed)"; fi
# the same backend after the cancel: requests still equal PostgreSQL's executor
fe_psql "$PORT" -At -v ON_ERROR_STOP=0 2>&1 <<'SQL' | grep -E '^(ok|BUG|ERROR)' | tee -a "$DIR/out" || true
SET client_min_messages = warning;
SET statement_timeout = '200ms';
SELECT sqlstate_of($$SELECT * FROM bigt(99999, 'a', 20000, 5, 'q')$$) \g /dev/null
SELECT sqlstate_of($$SELECT * FROM bigt2(99999, 'a', 20000, 5, 'q')$$) \g /dev/null
RESET statement_timeout;
-- (nw_rows was redeployed with an inner ROWS 5 frame at the end of review_nw.sql)
SELECT runcmp('after_cancel_rows', 'nw_rows', 'SELECT row(y.id, y.s2, y.ms, y.ns, y.ss, y.mms, y.nms, y.sns, y.srn, y.sl, y.cs)::text FROM (SELECT x.*, sum(s2) OVER w AS ss, max(ms) OVER w AS mms, min(ms) OVER w AS nms, sum(ns) OVER w AS sns, sum(rn) OVER w AS srn, sum(l2) OVER w AS sl, count(s) OVER w AS cs FROM (SELECT id, k, ts, v, s, src, seq, sum(v) OVER w2 AS s2, max(s) OVER w2 AS ms, sum(n) OVER w2 AS ns, row_number() OVER w2 AS rn, lag(v) OVER w2 AS l2 FROM a WINDOW w2 AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)) x WINDOW w AS (PARTITION BY k ORDER BY ts, src, seq ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)) y WHERE src = 1', 'SELECT * FROM req ORDER BY id');
SELECT CASE WHEN s = w THEN 'ok after_cancel_big' ELSE 'BUG after_cancel_big: observed ' || s || ' / expected ' || w END FROM
  (SELECT (SELECT row(x.*)::text FROM bigw(99999, 'a', 20000, 5, 'q') x) s,
          (SELECT row(y.id, y.ss, y.mm)::text FROM (SELECT q.*, sum(s2) OVER (ORDER BY ts, src ROWS 10000 PRECEDING) ss, max(ms) OVER (ORDER BY ts, src ROWS 10000 PRECEDING) mm FROM (SELECT id, ts, src, sum(v) OVER (ORDER BY ts, src ROWS 10 PRECEDING) s2, max(s) OVER (ORDER BY ts, src ROWS 10 PRECEDING) ms FROM (SELECT id, ts, v, s, 0 src FROM big UNION ALL SELECT 99999, 20000, 5, 'q', 1) u) q) y WHERE src = 1) w) z;
SQL
fe_review_verdict
