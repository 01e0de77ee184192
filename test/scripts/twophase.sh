#!/usr/bin/env bash
# Two-phase commit with skiplist indexes (issue: production, part 3).
# Prepared changes are held until COMMIT PREPARED / ROLLBACK PREPARED from
# any session, survive a restart or a crash between prepare and commit (the
# loader finds them in the table), and reach the index exactly at commit.
#
#   1. prepared transactions (INSERT, DELETE, UPDATE of the key, COPY, a
#      rolled-back savepoint, CREATE INDEX, TRUNCATE) across `pg_ctl restart`:
#      before the decision the indexes hold the committed rows only; after
#      COMMIT / ROLLBACK PREPARED from new sessions, exactly the table
#   2. the same across a crash (immediate shutdown)
#   3. a restart while 2PC writers and a plain writer stream into a 300k-row
#      table (the load runs beside them); afterwards the remaining prepared
#      transactions are committed as a transaction manager's recovery would
#   4. CREATE INDEX waits for a prepared writer (lock_timeout) and, after
#      COMMIT PREPARED, holds its rows
# After each: per key, index_scan() of every skiplist index = the heap rows.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
DIR=$(fe_workdir)
DATA=$DIR/data
PORT=$(fe_free_port 55611)
trap 'fe_stop_server "$DATA" immediate; kill $(jobs -p) 2>/dev/null || true; rm -rf "$DIR"' EXIT
fail() { echo "FAIL (twophase): $*"; echo "server log: $DATA/server.log (tail below)"; tail -20 "$DATA/server.log"; trap - EXIT; fe_stop_server "$DATA" immediate; exit 1; }
say() { [ -z "${FE_VERBOSE:-}" ] || echo "twophase [$SECONDS s]: $*"; }

fe_start_server "$DATA" "$PORT" "max_prepared_transactions = 20" "log_min_messages = warning"
pgctl() { "${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w "$@" >/dev/null; }
q() { fe_psql "$PORT" -At -c "$1"; }

q "CREATE EXTENSION feature_ext" >/dev/null
q "CREATE TABLE t (k text, m text, v int, ts int8 NOT NULL) USING feature_store" >/dev/null
q "CREATE INDEX t_k ON t USING skiplist (k, ts)" >/dev/null
q "CREATE INDEX t_km ON t USING skiplist (k, m, ts) INCLUDE (v)" >/dev/null
q "INSERT INTO t SELECT 'k' || (i % 50), 'm' || (i % 3), i, i FROM generate_series(1, 5000) i" >/dev/null

# check LABEL INDEX KEYCOLS: the index's rows per key = the heap's (count and contents)
check_index() {
    local label=$1 idx=$2 cols=$3 res
    res=$(q "WITH h AS (SELECT ARRAY[$cols] AS key, count(*) AS n,
                               md5(string_agg(ts::text || '/' || v, ',' ORDER BY ts, v)) AS d
                          FROM t GROUP BY $cols),
                  i AS (SELECT key, (SELECT count(*) FROM feature_ext.index_scan('$idx', key)) AS n,
                               (SELECT md5(string_agg(order_value || '/' || substring(row_data from 'v=([0-9]+)'),
                                                      ',' ORDER BY order_value::int8, substring(row_data from 'v=([0-9]+)')::int))
                                  FROM feature_ext.index_scan('$idx', key)) AS d FROM h)
             SELECT count(*) FILTER (WHERE h.n <> i.n OR h.d IS DISTINCT FROM i.d),
                    (SELECT rows_in_memory FROM feature_ext.index_stats WHERE index_name = '$idx'::regclass),
                    (SELECT count(*) FROM t)
               FROM h JOIN i USING (key)") || fail "$label: verification of $idx failed"
    local bad inmem total
    IFS='|' read -r bad inmem total <<<"$res"
    [ "$bad" = 0 ] || fail "$label: $bad keys of $idx differ from the table; first rows that differ (v, in table, in index):
$(diff_rows "$idx" "$cols")"
    [ "$inmem" = "$total" ] || fail "$label: $idx holds $inmem rows, the table $total"
    say "$label: $idx = table ($total rows)"
}
# Up to 10 rows (v) present on one side only, for the failure message.
diff_rows() {
    q "WITH h AS (SELECT ARRAY[$2] AS key, v FROM t),
            i AS (SELECT k.key, substring(x.row_data from 'v=([0-9]+)')::int AS v
                    FROM (SELECT DISTINCT key FROM h) k, feature_ext.index_scan('$1', k.key) x)
       SELECT coalesce(h.v, i.v), h.v IS NOT NULL, i.v IS NOT NULL
         FROM h FULL JOIN i ON h.key = i.key AND h.v = i.v
        WHERE h.v IS NULL OR i.v IS NULL ORDER BY 1 LIMIT 10" 2>&1 || true
}
check() {
    check_index "$1" t_k "k"
    check_index "$1" t_km "k, m"
}
wait_ready() {
    local i
    for i in $(seq 1 300); do
        [ "$(q "SELECT count(*) FROM feature_ext.index_stats WHERE state <> 'ready'" 2>/dev/null)" = 0 ] && return 0
        sleep 0.2
    done
    fail "$1: indexes not ready after 60 s: $(q "SELECT string_agg(index_name || ':' || state, ',') FROM feature_ext.index_stats")"
}
prepare_mix() {  # prepare_mix TAG: four prepared transactions
    local g=$1
    fe_psql "$PORT" >/dev/null <<SQL || fail "prepare $g"
BEGIN;
INSERT INTO t SELECT 'k' || (i % 50), 'm' || (i % 3), 100000 + i, 100000 + i FROM generate_series(1, 1000) i;
DELETE FROM t WHERE v % 50 = 7 AND v < 5000;
UPDATE t SET k = 'moved', ts = ts + 1 WHERE v % 100 = 11 AND v < 5000;
SAVEPOINT s; INSERT INTO t VALUES ('k1', 'm1', 999999, 999999); ROLLBACK TO s;
PREPARE TRANSACTION '${g}_a';
BEGIN;
COPY t FROM PROGRAM 'seq 200001 200300 | awk ''{print "k" (\$1 % 50) "\tm0\t" \$1 "\t" \$1}''';
DELETE FROM t WHERE v % 50 = 9 AND v < 5000;
PREPARE TRANSACTION '${g}_b';
BEGIN;
INSERT INTO t VALUES ('rb', 'm0', 1, 1);
DELETE FROM t WHERE v % 50 = 13 AND v < 5000;
PREPARE TRANSACTION '${g}_c';
SQL
}
committed_rows=$(q "SELECT count(*) FROM t")

# ---------------------------------------------------------------- 1. restart
prepare_mix r1
q "SELECT count(*) FROM pg_prepared_xacts" | grep -qx 3 || fail "1: expected 3 prepared transactions"
check "1 (prepared, before restart)"
pgctl restart -m fast
wait_ready "1"
[ "$(q "SELECT count(*) FROM t")" = "$committed_rows" ] || fail "1: committed rows changed"
check "1 (prepared, after restart)"
q "COMMIT PREPARED 'r1_a'" >/dev/null
q "COMMIT PREPARED 'r1_b'" >/dev/null
q "ROLLBACK PREPARED 'r1_c'" >/dev/null
check "1 (decided after restart)"
[ "$(q "SELECT count(*) FROM feature_ext.index_scan('t_k', ARRAY['moved'])")" -gt 0 ] || fail "1: the key update is missing"
[ "$(q "SELECT count(*) FROM feature_ext.index_scan('t_k', ARRAY['rb'])")" = 0 ] || fail "1: a rolled-back row is in the index"

# an index created and a table truncated in prepared transactions, decided after a restart
q "CREATE TABLE u (k text, ts int8) USING feature_store" >/dev/null
q "INSERT INTO u SELECT 'u' || (i % 5), i FROM generate_series(1, 100) i" >/dev/null
fe_psql "$PORT" >/dev/null <<'SQL' || fail "1: DDL prepare"
BEGIN; CREATE INDEX u_k ON u USING skiplist (k, ts); INSERT INTO u VALUES ('u1', 1000); PREPARE TRANSACTION 'ddl_a';
SQL
pgctl restart -m fast
q "COMMIT PREPARED 'ddl_a'" >/dev/null
[ "$(q "SELECT count(*) FROM feature_ext.index_scan('u_k', ARRAY['u1'])")" = 21 ] || fail "1: index created by a prepared transaction"
fe_psql "$PORT" >/dev/null <<'SQL' || fail "1: TRUNCATE prepare"
BEGIN; TRUNCATE u; INSERT INTO u VALUES ('u1', 5); PREPARE TRANSACTION 'ddl_b';
SQL
# (no read of u here: the prepared TRUNCATE holds its ACCESS EXCLUSIVE lock)
q "COMMIT PREPARED 'ddl_b'" >/dev/null
[ "$(q "SELECT count(*) FROM feature_ext.index_scan('u_k', ARRAY['u1'])")" = 1 ] || fail "1: TRUNCATE in a prepared transaction"
[ "$(q "SELECT count(*) FROM feature_ext.index_stats WHERE table_name = 'u'::regclass")" = 1 ] || fail "1: old slot of u_k left"
say "1 ok"

# ---------------------------------------------------------------- 2. crash
committed_rows=$(q "SELECT count(*) FROM t")
prepare_mix r2
pgctl stop -m immediate
pgctl start
wait_ready "2"
check "2 (prepared, after crash)"
q "ROLLBACK PREPARED 'r2_a'" >/dev/null
q "COMMIT PREPARED 'r2_b'" >/dev/null
q "COMMIT PREPARED 'r2_c'" >/dev/null
check "2 (decided after crash)"
say "2 ok"

# ---------------------------------------------------------------- 3. restart under 2PC writers
q "INSERT INTO t SELECT 'k' || (i % 50), 'm' || (i % 3), 300000 + i, 300000 + i FROM generate_series(1, 300000) i" >/dev/null
stop_flag=$DIR/stop
writer_2pc() {  # WRITER ID
    local w=$1 n=0
    while [ ! -e "$stop_flag" ]; do
        n=$((n + 1))
        fe_psql "$PORT" >/dev/null 2>&1 <<SQL || sleep 0.2
BEGIN;
INSERT INTO t SELECT 'k' || (i % 50), 'm' || (i % 3), $w * 10000000 + $n * 100 + i, $w * 10000000 + $n * 100 + i
  FROM generate_series(1, 20) i;
DELETE FROM t WHERE v = $w * 10000000 + ($n - 2) * 100 + 1;  -- committed by now (n - 1 is still prepared)
PREPARE TRANSACTION 'w${w}_$n';
SQL
        # the previous one is decided from another session, as a
        # transaction manager does: one transaction of each writer is
        # always prepared
        q "COMMIT PREPARED 'w${w}_$((n - 1))'" >/dev/null 2>&1 || true
    done
}
writer_plain() {
    local n=0
    while [ ! -e "$stop_flag" ]; do
        n=$((n + 1))
        q "INSERT INTO t SELECT 'k' || (i % 50), 'm0', 9 * 10000000 + $n * 100 + i, 9 * 10000000 + $n * 100 + i
             FROM generate_series(1, 20) i" >/dev/null 2>&1 || sleep 0.2
    done
}
writer_2pc 1 & writer_2pc 2 & writer_plain &
sleep 2
pgctl restart -m fast
sleep 4
touch "$stop_flag"
wait
wait_ready "3"
# Transactions left prepared by writers cut off by the restart: decide them
# as a transaction manager's recovery does (commit every other one).
left=$(q "SELECT count(*) FROM pg_prepared_xacts")
i=0
for g in $(q "SELECT gid FROM pg_prepared_xacts ORDER BY gid"); do
    i=$((i + 1))
    if [ $((i % 2)) = 0 ]; then q "ROLLBACK PREPARED '$g'" >/dev/null; else q "COMMIT PREPARED '$g'" >/dev/null; fi
done
committed_2pc=$(q "SELECT count(*) FROM t WHERE v >= 10000000 AND v < 90000000")
[ "$committed_2pc" -gt 0 ] || fail "3: no 2PC writer committed anything"
check "3 (restart under 2PC writers; $left left prepared)"
say "3 ok ($committed_2pc rows from 2PC writers, $left prepared at the restart)"

# ---------------------------------------------------------------- 4. DDL waits for a prepared writer
fe_psql "$PORT" >/dev/null <<'SQL' || fail "4: prepare"
BEGIN; INSERT INTO t VALUES ('late', 'm0', 1, 1); PREPARE TRANSACTION 'ddl_wait';
SQL
out=$(fe_psql "$PORT" -c "SET lock_timeout = '300ms'" -c "CREATE INDEX t_v ON t USING skiplist (v, ts)" 2>&1) &&
    fail "4: CREATE INDEX did not wait for the prepared transaction"
echo "$out" | grep -q "lock timeout" || fail "4: unexpected error: $out"
q "COMMIT PREPARED 'ddl_wait'" >/dev/null
q "CREATE INDEX t_v ON t USING skiplist (k, ts)" >/dev/null
[ "$(q "SELECT count(*) FROM feature_ext.index_scan('t_v', ARRAY['late'])")" = 1 ] || fail "4: the prepared row is missing"
check "4"
say "4 ok"
echo "twophase: ok (prepared changes held across restart and crash, $left prepared transactions decided after a restart under load)"
