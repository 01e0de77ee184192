#!/usr/bin/env bash
# Restart and crash safety of the in-memory skiplist indexes (SPEC §2):
# after a clean restart, an immediate shutdown, a SIGKILLed backend (idle or
# while others insert), every skiplist index holds exactly the committed rows
# of the table -- same rows, same values, per key -- once it is read again.
#
#   0. 4 concurrent writers (INSERT batches, transactions with ROLLBACKs, COPY,
#      single-row inserts in subtransactions of which 10% roll back)
#   1. pg_ctl restart -m fast
#   2. pg_ctl stop -m immediate + start
#   3. SIGKILL of an idle backend (pg_sleep) -> postmaster crash recovery
#   4. SIGKILL of a backend while 3 others run INSERT / COPY / transaction loops
#   5. writers racing with the first read (the rebuild) after a crash
# After each: per key, index_scan() of both indexes = the heap rows (content
# compared via md5), index_stats rows_in_memory/keys = heap counts.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
DIR=$(fe_workdir)
DATA=$DIR/data
PORT=55473
trap 'fe_stop_server "$DATA" immediate; kill $(jobs -p) 2>/dev/null || true; rm -rf "$DIR"' EXIT
fail() { echo "FAIL (restart_crash): $*"; echo "server log: $DATA/server.log (tail below)"; tail -20 "$DATA/server.log"; trap - EXIT; fe_stop_server "$DATA" immediate; exit 1; }

fe_start_server "$DATA" "$PORT" "log_min_messages = log"
say() { [ -z "${FE_VERBOSE:-}" ] || echo "restart_crash [$SECONDS s]: $*"; }   # FE_VERBOSE=1 to follow along
pgctl() { "${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w "$@" >/dev/null; }
q() { fe_psql "$PORT" -At -c "$1"; }

q "CREATE EXTENSION feature_ext" >/dev/null
q "CREATE TABLE t (card_id text, amount float8, merchant text, txn_time timestamptz NOT NULL) USING feature_store" >/dev/null
q "CREATE INDEX t_card ON t USING skiplist (card_id, txn_time)" >/dev/null
q "CREATE INDEX t_cm ON t USING skiplist (card_id, merchant, txn_time) INCLUDE (amount) WITH (ttl = '36500 days')" >/dev/null

# row(i, session): 500 cards, 7 merchants, exact binary amounts, distinct times per session
ROW="'c' || (i % 500), i * 0.25, 'm' || (i % 7), timestamptz '2024-01-01 00:00:00+00' + (S * 1000000 + i) * interval '1 second'"
rows_sql() { local s=$1 from=$2 to=$3; echo "SELECT ${ROW//S/$s} FROM generate_series($from, $to) i"; }

# check LABEL: index contents = heap, for both indexes; echoes the heap row count
check() {
    local label=$1 res
    res=$(fe_psql "$PORT" -At <<'SQL'
WITH hk AS (SELECT card_id, count(*) AS n,
                   md5(string_agg(txn_time::text || '|amount=' || amount || ', merchant=' || merchant, E'\n'
                                  ORDER BY txn_time::text, amount::text)) AS h
              FROM t GROUP BY card_id),
     ik AS (SELECT card_id, (SELECT count(*) FROM feature_ext.index_scan('t_card', ARRAY[card_id])) AS n,
                   (SELECT md5(string_agg(order_value || '|' || row_data, E'\n' ORDER BY order_value, row_data))
                      FROM feature_ext.index_scan('t_card', ARRAY[card_id])) AS h FROM hk),
     hm AS (SELECT card_id, merchant, count(*) AS n,
                   md5(string_agg(txn_time::text || '|amount=' || amount, E'\n' ORDER BY txn_time::text, amount::text)) AS h
              FROM t GROUP BY card_id, merchant),
     im AS (SELECT card_id, merchant,
                   (SELECT count(*) FROM feature_ext.index_scan('t_cm', ARRAY[card_id, merchant])) AS n,
                   (SELECT md5(string_agg(order_value || '|' || row_data, E'\n' ORDER BY order_value, row_data))
                      FROM feature_ext.index_scan('t_cm', ARRAY[card_id, merchant])) AS h FROM hm)
SELECT (SELECT count(*) FROM t),
       (SELECT count(*) FROM hk JOIN ik USING (card_id) WHERE hk.n <> ik.n),
       (SELECT count(*) FROM hk JOIN ik USING (card_id) WHERE hk.h IS DISTINCT FROM ik.h),
       (SELECT count(*) FROM hm JOIN im USING (card_id, merchant) WHERE hm.n <> im.n OR hm.h IS DISTINCT FROM im.h),
       (SELECT string_agg(index_name || ':' || state || ':' || rows_in_memory || ':' || keys, ',' ORDER BY index_name::text)
          FROM feature_ext.index_stats WHERE table_name = 't'::regclass),
       (SELECT count(*) FROM hk), (SELECT count(*) FROM hm);
SQL
) || fail "$label: verification query failed"
    local total bad_n bad_h bad_m stats nk nkm
    IFS='|' read -r total bad_n bad_h bad_m stats nk nkm <<<"$res"
    [ "$bad_n" = 0 ] || fail "$label: $bad_n keys of t_card have a row count different from the heap"
    [ "$bad_h" = 0 ] || fail "$label: $bad_h keys of t_card have row contents different from the heap"
    [ "$bad_m" = 0 ] || fail "$label: $bad_m keys of t_cm differ from the heap"
    local want="t_card:ready:$total:$nk,t_cm:ready:$total:$nkm"
    [ "$stats" = "$want" ] || fail "$label: index_stats '$stats', expected '$want' (heap rows $total)"
    say "$label: $total rows, $nk + $nkm keys, in memory = heap ($stats)" >&2
    echo "$total"
}

# wait_recovery N: wait until the log has more than N "ready to accept connections" lines
ready_count() { grep -c "database system is ready to accept connections" "$DATA/server.log" || true; }
wait_recovery() {
    local before=$1 i
    for i in $(seq 1 300); do
        if [ "$(ready_count)" -gt "$before" ] && q "SELECT 1" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    fail "server did not finish crash recovery within 30 s"
}
backend_pid() {  # pid of the backend whose query matches $1
    local pid i
    for i in $(seq 1 100); do
        pid=$(q "SELECT pid FROM pg_stat_activity WHERE query LIKE '$1' AND pid <> pg_backend_pid() LIMIT 1")
        [ -n "$pid" ] && { echo "$pid"; return 0; }
        sleep 0.05
    done
    return 1
}

# ------------------------------------------------------------ 0. concurrent load
w1() { for b in $(seq 0 24); do q "INSERT INTO t $(rows_sql 1 $((b * 1000 + 1)) $((b * 1000 + 1000)))" || return 1; done; }
w2() {  # 5 transactions of 5000 rows, the 3rd rolls back: 20000 committed
    for b in 0 1 2 3 4; do
        local end=COMMIT; [ $b = 2 ] && end=ROLLBACK
        q "BEGIN; INSERT INTO t $(rows_sql 2 $((b * 5000 + 1)) $((b * 5000 + 5000))); $end;" || return 1
    done
}
w4() {  # 10000 single-row inserts in one transaction, each in a subtransaction; every 10th rolls back
    q "DO \$\$ BEGIN FOR i IN 1..10000 LOOP
          BEGIN
            INSERT INTO t VALUES (${ROW//S/4});
            IF i % 10 = 0 THEN RAISE EXCEPTION 'roll back'; END IF;
          EXCEPTION WHEN raise_exception THEN NULL;
          END;
        END LOOP; END \$\$" >/dev/null || return 1
}
w1 & p1=$!; w2 & p2=$!; w4 & p4=$!
# session 3: COPY into a staging table + INSERT ... SELECT, then COPY straight into t
"${RUN_AS[@]}" bash -c "seq 1 25000 | awk '{printf \"c%d\t%s\tm%d\t%d\n\", \$1 % 500, \$1 * 0.25, \$1 % 7, 3000000 + \$1}' > $DIR/copy3.tsv"
w3copy() {
    fe_psql "$PORT" -c "BEGIN; CREATE TEMP TABLE s (card_id text, amount float8, merchant text, sec int8);
        COPY s FROM '$DIR/copy3.tsv';
        INSERT INTO t SELECT card_id, amount, merchant, timestamptz '2024-01-01 00:00:00+00' + sec * interval '1 second' FROM s;
        COMMIT;" >/dev/null || return 1
    # COPY straight into the feature_store table (multi_insert), committed and rolled back
    "${RUN_AS[@]}" bash -c "awk -F'\t' '{printf \"%s\t%s\t%s\t2024-03-01 00:00:00+00\n\", \$1, \$2, \$3}' $DIR/copy3.tsv | head -10000 > $DIR/copy3b.tsv"
    fe_psql "$PORT" -c "COPY t FROM '$DIR/copy3b.tsv'" >/dev/null || return 1
    fe_psql "$PORT" -c "BEGIN; COPY t FROM '$DIR/copy3b.tsv'; ROLLBACK;" >/dev/null || return 1
}
w3copy & p3=$!
for p in $p1 $p2 $p3 $p4; do wait $p || fail "a writer session failed"; done
say "concurrent load done"
expected=$((25000 + 20000 + 25000 + 10000 + 9000))
n=$(check "after concurrent load")
[ "$n" = "$expected" ] || fail "heap has $n rows, expected $expected committed rows"

# ------------------------------------------------------------ 1. fast restart
pgctl restart -m fast || fail "pg_ctl restart failed"
n=$(check "after pg_ctl restart -m fast")
[ "$n" = "$expected" ] || fail "after restart: heap has $n rows, expected $expected"
grep -q 'feature_ext: loaded skiplist index "t_card"' "$DATA/server.log" \
    || fail "no 'feature_ext: loaded skiplist index' line in the server log after restart"

# ------------------------------------------------------------ 2. immediate stop
q "INSERT INTO t $(rows_sql 5 1 1000)" >/dev/null
expected=$((expected + 1000))
pgctl stop -m immediate || fail "pg_ctl stop -m immediate failed"
pgctl start || fail "start after immediate stop failed"
n=$(check "after stop -m immediate")
[ "$n" = "$expected" ] || fail "after immediate stop: heap has $n rows, expected $expected"

# ------------------------------------------------------------ 3. SIGKILL an idle backend
q "INSERT INTO t $(rows_sql 6 1 1000)" >/dev/null
expected=$((expected + 1000))
before=$(ready_count)
(q "SELECT pg_sleep(60)" >/dev/null 2>&1 || true) &
pid=$(backend_pid 'SELECT pg_sleep(60)%') || fail "could not find the pg_sleep backend"
kill -9 "$pid"
wait_recovery "$before"
wait
grep -q "terminated by signal 9" "$DATA/server.log" || fail "no crash recovery in the log after SIGKILL"
n=$(check "after SIGKILL of an idle backend")
[ "$n" = "$expected" ] || fail "after SIGKILL: heap has $n rows, expected $expected"

# ------------------------------------------------------------ 4. SIGKILL while inserts are in flight
# Three writers loop until the crash (their sessions die with it); nothing
# is expected about how many rows got in: the index must equal the heap.
loop_insert() { local b=0; while [ ! -e "$DIR/stop" ] && q "INSERT INTO t $(rows_sql 7 $((b * 200 + 1)) $((b * 200 + 200)))" >/dev/null 2>&1; do b=$((b + 1)); done; }
loop_copy() { while [ ! -e "$DIR/stop" ] && fe_psql "$PORT" -c "COPY t FROM '$DIR/copy3b.tsv'" >/dev/null 2>&1; do :; done; }
loop_xact() {
    local b=0
    while [ ! -e "$DIR/stop" ] && q "BEGIN; INSERT INTO t $(rows_sql 8 $((b * 500 + 1)) $((b * 500 + 500))); DELETE FROM t WHERE card_id = 'c$((b % 500))' AND merchant = 'm3'; COMMIT;" >/dev/null 2>&1; do
        b=$((b + 1))
    done
}
loop_insert & loop_copy & loop_xact &
(q "SELECT pg_sleep(60)" >/dev/null 2>&1 || true) &
pid=$(backend_pid 'SELECT pg_sleep(60)%') || fail "could not find the pg_sleep backend"
sleep 2
before=$(ready_count)
# Kill a writer backend in the middle of its statement.  A short statement may
# end (and its backend exit) between the lookup and the kill, so retry until
# the postmaster reports the crash; after a few tries kill the sleeper (the
# postmaster then terminates the writers mid-statement all the same).
kills() { grep -c "terminated by signal 9" "$DATA/server.log" || true; }
k0=$(kills)
for try in $(seq 1 8); do
    wpid=$(q "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid()
              AND (query LIKE 'INSERT%' OR query LIKE 'COPY%' OR query LIKE 'BEGIN%')
              ORDER BY query_start LIMIT 1" 2>/dev/null || true)
    [ $try = 8 ] && wpid=$pid
    [ -n "$wpid" ] && kill -9 "$wpid" 2>/dev/null || true
    sleep 0.2
    [ "$(kills)" -gt "$k0" ] && break
done
touch "$DIR/stop"   # the loops stop (if their session survived at all)
[ "$(kills)" -gt "$k0" ] || fail "no backend was killed"
say "killed: $(grep -A1 "terminated by signal 9" "$DATA/server.log" | tail -1 | sed 's/.*DETAIL: *//' | cut -c1-80)"
wait_recovery "$before"
wait
n=$(check "after SIGKILL during concurrent inserts")
[ "$n" -gt "$expected" ] || fail "no rows were inserted by the writer loops before the crash ($n rows)"
expected=$n

# ------------------------------------------------------------ 5. writers racing with the rebuild
before=$(ready_count)
(q "SELECT pg_sleep(60)" >/dev/null 2>&1 || true) &
pid=$(backend_pid 'SELECT pg_sleep(60)%') || fail "could not find the pg_sleep backend"
kill -9 "$pid"
wait_recovery "$before"
wait
say "crashed again; writers race with the rebuild"
race_w() { local s=$1; for b in $(seq 0 19); do q "INSERT INTO t $(rows_sql "$s" $((b * 100 + 1)) $((b * 100 + 100)))" >/dev/null || return 1; done; }
# r3: a transaction open across the start of the rebuild (the build waits for it)
q "BEGIN; INSERT INTO t $(rows_sql 11 1 1000); SELECT pg_sleep(1); COMMIT;" >/dev/null & r3=$!
race_w 9 & r1=$!; race_w 10 & r2=$!
sleep 0.3
q "SELECT count(*) FROM feature_ext.index_scan('t_card', ARRAY['c1'])" >/dev/null || fail "read during writes failed"
q "SELECT count(*) FROM feature_ext.index_scan('t_cm', ARRAY['c1', 'm1'])" >/dev/null || fail "read during writes failed"
wait $r1 || fail "writer racing with the rebuild failed"
wait $r2 || fail "writer racing with the rebuild failed"
wait $r3 || fail "transaction open across the rebuild failed"
n=$(check "after writers raced with the rebuild")
[ "$n" = "$((expected + 5000))" ] || fail "heap has $n rows, expected $((expected + 5000))"

grep -q "feature_ext: loaded skiplist index .* rows/s" "$DATA/server.log" || fail "no rebuild log line"
fe_stop_server "$DATA"
trap - EXIT
rm -rf "$DIR"
