#!/usr/bin/env bash
# Review cases for two-phase commit (each fails on 9d0939b):
#   many   COMMIT PREPARED of a transaction with 64 newer ones still prepared
#          reaches the index (resolve_prepared looked at 64 xids only)
#   failed a PREPARE that fails after pre-prepare (max_prepared_transactions = 0)
#          gives its shared memory back at once (held_abort did nothing once
#          the entries were attached)
#   xid2g  with xids past 2^31 the GC worker does not roll back the entries of
#          a transaction that is still prepared (TransactionIdIsInProgress
#          outside a transaction: RecentXmin = FirstNormalTransactionId)
#   ghost  a prepared insert committed during a load, then deleted by a plain
#          writer before the load ends, is not left in the index
#   newest a transaction prepared after the last completed one (its xid is
#          the load snapshot's xmax) when the load starts reaches the index
#          at COMMIT PREPARED (prepared_changes skipped xids >= xmax as if
#          the snapshot saw them; the twophase script hit it now and then)
# Usage: twophase_review.sh [case...]   (default: all)
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
DIR=$(fe_workdir)
DATA=$DIR/data
PORT=$(fe_free_port 56711)
trap 'fe_stop_server "$DATA" immediate; rm -rf "$DIR"' EXIT
failures=0
q() { fe_psql "$PORT" -At -c "$1"; }
pgctl() { "${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w "$@" >/dev/null; }
bad() { echo "FAIL ($case): $*"; failures=$((failures + 1)); }
fresh() {  # fresh [conf lines...]: a new cluster with table t, index t_k
    fe_stop_server "$DATA" immediate
    rm -rf "$DATA"
    fe_start_server "$DATA" "$PORT" "$@"
    q "CREATE EXTENSION feature_ext" >/dev/null
    q "CREATE TABLE t (k text, v int, ts int8 NOT NULL) USING feature_store" >/dev/null
    q "CREATE INDEX t_k ON t USING skiplist (k, ts)" >/dev/null
}
n_index() { q "SELECT count(*) FROM feature_ext.index_scan('t_k', ARRAY['$1'])"; }
n_table() { q "SELECT count(*) FROM t WHERE k = '$1'"; }

case_many() {
    fresh "max_prepared_transactions = 100"
    q "BEGIN; INSERT INTO t VALUES ('old', 1, 1); PREPARE TRANSACTION 'old'" >/dev/null
    for i in $(seq 1 64); do
        q "BEGIN; INSERT INTO t VALUES ('n$i', $i, $i); PREPARE TRANSACTION 'n$i'" >/dev/null
    done
    q "COMMIT PREPARED 'old'" >/dev/null
    q "SELECT feature_ext.run_gc()" >/dev/null  # the GC worker's safety net, run now
    [ "$(n_index old)" = "$(n_table old)" ] ||
        bad "committed row: table $(n_table old), index $(n_index old) (64 newer prepared transactions)"
    for i in $(seq 1 64); do q "ROLLBACK PREPARED 'n$i'" >/dev/null; done
}

case_failed() {
    fresh "max_prepared_transactions = 0" "feature_ext.ttl_gc_interval = 3600"
    q "INSERT INTO t SELECT 'k' || (i % 100), i, i FROM generate_series(1, 1000) i" >/dev/null
    local base after rb
    base=$(q "SELECT used_bytes FROM feature_ext.memory_usage()")
    q "BEGIN; INSERT INTO t SELECT 'p' || (i % 1000), i, i FROM generate_series(1, 100000) i; ROLLBACK" >/dev/null
    rb=$(q "SELECT used_bytes FROM feature_ext.memory_usage()")
    fe_psql "$PORT" -c "BEGIN" -c "INSERT INTO t SELECT 'p' || (i % 1000), i, i FROM generate_series(1, 100000) i" \
        -c "PREPARE TRANSACTION 'f'" >/dev/null 2>&1 && bad "PREPARE worked with max_prepared_transactions = 0"
    after=$(q "SELECT used_bytes FROM feature_ext.memory_usage()")
    echo "failed: used bytes: before $base, after ROLLBACK $rb, after the failed PREPARE $after"
    [ $((after - base)) -lt 1000000 ] || bad "a failed PREPARE kept $((after - base)) bytes of shared memory"
}

case_xid2g() {
    fe_stop_server "$DATA" immediate
    rm -rf "$DATA"
    "${RUN_AS[@]}" "$PG_BINDIR/initdb" -D "$DATA" -A trust -U postgres --no-sync >/dev/null
    # next xid 0x80100000 (past 2^31 + 3), in two steps with everything
    # frozen between (wraparound limits); each commit log segment must exist
    local x seg
    for x in 1499463680 2148532224; do
        seg=$(printf '%04X' $((x / 1048576)))
        "${RUN_AS[@]}" "$PG_BINDIR/pg_resetwal" -x $x -D "$DATA" >/dev/null
        "${RUN_AS[@]}" dd if=/dev/zero of="$DATA/pg_xact/$seg" bs=8192 count=32 status=none
        pgctl start -o "-p $PORT -k /tmp -c listen_addresses= -c autovacuum=off"
        q "UPDATE pg_database SET datallowconn = true WHERE datname = 'template0'" >/dev/null
        "${RUN_AS[@]}" "$PG_BINDIR/vacuumdb" -h /tmp -p "$PORT" -U postgres --all --freeze -q
        pgctl stop
    done
    {
        echo "port = $PORT"; echo "listen_addresses = ''"; echo "unix_socket_directories = '/tmp'"; echo "fsync = off"
        cat "$FE_ROOT/test/regress.conf"
        echo "max_prepared_transactions = 10"; echo "feature_ext.ttl_gc_interval = 1"; echo "autovacuum = off"
    } >> "$DATA/postgresql.conf"
    pgctl start
    q "CREATE EXTENSION feature_ext" >/dev/null
    q "CREATE TABLE t (k text, v int, ts int8 NOT NULL) USING feature_store" >/dev/null
    q "CREATE INDEX t_k ON t USING skiplist (k, ts)" >/dev/null
    q "BEGIN; INSERT INTO t VALUES ('x', 1, 1); PREPARE TRANSACTION 'x'" >/dev/null
    echo "xid2g: prepared transaction $(q "SELECT transaction FROM pg_prepared_xacts")"
    sleep 8  # GC worker rounds (ttl_gc_interval = 1 s; 5 s after a wake-up)
    q "COMMIT PREPARED 'x'" >/dev/null
    [ "$(n_index x)" = 1 ] || bad "row committed by COMMIT PREPARED missing from the index ($(n_index x) rows; table $(n_table x))"
}

case_ghost() {
    fresh "max_prepared_transactions = 10"
    q "INSERT INTO t SELECT 'k' || (i % 1000), i, i FROM generate_series(1, 1500000) i" >/dev/null
    q "BEGIN; INSERT INTO t VALUES ('x', 1, 1); PREPARE TRANSACTION 'x'" >/dev/null
    pgctl restart -m fast
    local i st
    for i in $(seq 1 600); do  # the load's table scan has begun (after its snapshot)
        st=$(q "SELECT state || ':' || rows_in_memory FROM feature_ext.index_stats" 2>/dev/null || true)
        case "$st" in loading:0 | "" | "not loaded:"*) sleep 0.02 ;; *) break ;; esac
    done
    q "COMMIT PREPARED 'x'" >/dev/null
    q "DELETE FROM t WHERE k = 'x'" >/dev/null
    st=$(q "SELECT state FROM feature_ext.index_stats")
    echo "ghost: COMMIT PREPARED and DELETE done while the index was '$st'"
    for i in $(seq 1 600); do [ "$(q "SELECT state FROM feature_ext.index_stats")" = ready ] && break; sleep 0.1; done
    [ "$(n_index x)" = "$(n_table x)" ] || bad "deleted row left in the index: table $(n_table x), index $(n_index x)"
}

case_newest() {
    fresh "max_prepared_transactions = 10"
    q "INSERT INTO t SELECT 'k' || (i % 10), i, i FROM generate_series(1, 1000) i" >/dev/null
    # A prepared transaction keeps its lock on the index across the restart
    # (COMMENT takes SHARE UPDATE EXCLUSIVE, as the loader does; writers
    # still write): the load waits until it is rolled back.
    q "BEGIN; COMMENT ON INDEX t_k IS 'held'; PREPARE TRANSACTION 'lock'" >/dev/null
    pgctl restart -m fast
    # The newest transaction to get an xid: prepared, nothing completes after it.
    q "BEGIN; INSERT INTO t SELECT 'new', i, i FROM generate_series(1, 20) i; PREPARE TRANSACTION 'new'" >/dev/null
    [ "$(q "SELECT state FROM feature_ext.index_stats")" != ready ] || bad "the index was loaded despite the lock"
    q "ROLLBACK PREPARED 'lock'" >/dev/null  # an older xid: the snapshot's xmax stays at 'new'
    local i
    for i in $(seq 1 300); do [ "$(q "SELECT state FROM feature_ext.index_stats")" = ready ] && break; sleep 0.1; done
    [ "$(q "SELECT state FROM feature_ext.index_stats")" = ready ] || bad "the index did not load after the lock went"
    q "COMMIT PREPARED 'new'" >/dev/null
    [ "$(n_index new)" = 20 ] || bad "rows of the newest prepared transaction: table $(n_table new), index $(n_index new)"
    [ "$(n_index k3)" = "$(n_table k3)" ] || bad "k3: table $(n_table k3), index $(n_index k3)"
}

cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(many failed xid2g ghost newest)
for case in "${cases[@]}"; do
    before=$failures
    "case_$case"
    [ $failures = "$before" ] && echo "ok ($case)"
done
[ $failures = 0 ] && echo "twophase_review: ok" || { echo "twophase_review: $failures failed"; exit 1; }
