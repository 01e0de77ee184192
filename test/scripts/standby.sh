#!/usr/bin/env bash
# Physical standbys (SPEC §8, issue 18 part 4): a hot standby made by
# `pg_basebackup -R` serves index_scan and deployed functions with the rows
# replayed so far (docs/STORAGE.md, "Standbys").
#
#   1. primary with a feature_store table, two skiplist indexes and a
#      deployment; standby from pg_basebackup -R (indexes loaded from its heap)
#   2. streamed on the primary: single-row and batch inserts, COPY, UPDATE
#      (key and order changes), DELETE, a rolled-back transaction, a
#      savepoint rolled back, a prepared transaction committed and one
#      rolled back, TRUNCATE of a second table; requests on the standby
#      meanwhile never fail
#   3. after replay (replay LSN >= the primary's LSN): per key, index_scan on
#      the standby = the standby's table; 100 requests equal on both servers
#   4. the standby restarts (reloads from its heap) with a transaction
#      prepared on the primary, committed after the restart; more rows stream
#   5. a transaction prepared on the primary; the standby is promoted and
#      commits it; writes on it keep its index exact
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
. "$FE_ROOT/test/standby_lib.sh"
DIR=$(fe_workdir)
P1=$(fe_free_port 55721)
P2=$(fe_free_port $((P1 + 1)))
PRIM=$DIR/primary
STBY=$DIR/standby
trap 'fe_stop_server "$PRIM" immediate; fe_stop_server "$STBY" immediate; kill $(jobs -p) 2>/dev/null || true; rm -rf "$DIR"' EXIT
fail() {
    echo "FAIL (standby): $*"
    echo "--- standby log"; tail -25 "$STBY/server.log" 2>/dev/null || true
    echo "--- primary log"; tail -10 "$PRIM/server.log" 2>/dev/null || true
    cp "$STBY/server.log" /tmp/standby_fail.log 2>/dev/null; trap - EXIT; fe_stop_server "$PRIM" immediate; fe_stop_server "$STBY" immediate; exit 1
}
say() { [ -z "${FE_VERBOSE:-}" ] || echo "standby [$SECONDS s]: $*"; }
q1() { fe_psql "$P1" -At -c "$1"; }
q2() { fe_psql "$P2" -At -c "$1"; }

# ---------------------------------------------------------------- 1. setup
fe_start_server "$PRIM" "$P1" "wal_level = replica" "max_wal_senders = 4" "log_min_messages = warning"
fe_psql "$P1" >/dev/null <<'SQL'
CREATE EXTENSION feature_ext;
CREATE TABLE ev (id bigint, k text NOT NULL, m text, v float8, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ev_k ON ev USING skiplist (k, ts);
CREATE INDEX ev_km ON ev USING skiplist (k, m, ts) INCLUDE (v);
CREATE TABLE side (k text, ts int8 NOT NULL) USING feature_store;
CREATE INDEX side_k ON side USING skiplist (k, ts);
INSERT INTO side SELECT 's' || (i % 5), i FROM generate_series(1, 100) i;
CREATE TABLE big (k text, ts int8 NOT NULL, v int) USING feature_store;
CREATE INDEX big_k ON big USING skiplist (k, ts);
INSERT INTO big SELECT 'b' || (i % 1000), i, i FROM generate_series(1, 300000) i;
SELECT feature_ext.deploy('public.f', $q$SELECT k, count(*) OVER w AS c, sum(v) OVER w AS s, max(id) OVER w AS mx FROM ev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 50 PRECEDING AND CURRENT ROW)$q$);
SQL
ins() {  # FROM TO
    q1 "INSERT INTO ev SELECT i, 'k' || (i % 20), 'm' || (i % 3), i * 0.25,
               timestamptz '2026-01-01' + i * interval '1 second' FROM generate_series($1, $2) i" >/dev/null
}
ins 1 5000
"${RUN_AS[@]}" "$PG_BINDIR/pg_basebackup" -D "$STBY" -R -X stream -c fast -h /tmp -p "$P1" -U postgres \
    || fail "pg_basebackup"
echo "port = $P2" >> "$STBY/postgresql.conf"
"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$STBY" -l "$STBY/server.log" -w start >/dev/null || fail "standby start"
[ "$(q2 "SELECT pg_is_in_recovery()")" = t ] || fail "the standby is not in recovery"

wait_ready() { sb_wait_ready "$1" "$2" 4; }  # PORT LABEL
wait_replay() { sb_wait_replay "$P1" "$P2" "$1"; }  # LABEL
# check PORT LABEL INDEX KEYCOLS TABLE: per key, the index's rows = the table's (count and contents)
check_index() {  # PORT LABEL INDEX KEYCOLS [TABLE]
    sb_check_index "$@"
    say "$2: $3 = table (port $1)"
}
REQ="SELECT string_agg(r::text, ';' ORDER BY g) FROM generate_series(1, 100) g,
       LATERAL (SELECT f.* FROM f(0, 'k' || (g % 20), 'm0', 1.5, timestamptz '2026-01-01' + g * interval '97 seconds') f) r"
check_all() {  # LABEL: standby index = its table; the deployment answers as on the primary
    check_index "$P2" "$1" ev_k "k"
    check_index "$P2" "$1" ev_km "k, m"
    local a b
    a=$(q1 "$REQ"); b=$(q2 "$REQ") || fail "$1: request on the standby failed"
    [ -n "$a" ] && [ "$a" = "$b" ] || fail "$1: the deployment answers differently on primary and standby"
    [ "$(q1 "SELECT count(*), sum(v) FROM ev")" = "$(q2 "SELECT count(*), sum(v) FROM ev")" ] || fail "$1: tables differ"
}
wait_ready "$P2" "1"
check_all "1 (after base backup)"
say "1 ok"

# ---------------------------------------------------------------- 2. stream
stream() {  # BASE
    local b=$1 j
    for j in $(seq 0 9); do ins $((b + j * 50 + 1)) $((b + j * 50 + 50)); done
    q1 "COPY ev FROM PROGRAM 'seq $((b + 1000)) $((b + 1300)) | awk ''{print \$1 \"\tk\" (\$1 % 20) \"\tm1\t\" \$1 \"\t2026-02-01 00:00:00+00\"}'''" >/dev/null
    q1 "UPDATE ev SET v = v + 1000 WHERE id % 97 = 0" >/dev/null
    q1 "UPDATE ev SET k = 'moved', ts = ts + interval '1 day' WHERE id % 101 = 0 AND k <> 'moved'" >/dev/null
    q1 "DELETE FROM ev WHERE id % 89 = 0" >/dev/null
    fe_psql "$P1" >/dev/null <<SQL
BEGIN; INSERT INTO ev VALUES (-1, 'rolledback', 'm0', 1, now()); ROLLBACK;
BEGIN; INSERT INTO ev VALUES ($((b + 2000)), 'k3', 'm2', 7, '2026-03-01');
SAVEPOINT s; INSERT INTO ev VALUES (-2, 'rolledback', 'm0', 1, now()); ROLLBACK TO s;
DELETE FROM ev WHERE id % 83 = 0; COMMIT;
SQL
}
( stream 10000 ) & writer=$!
mid=0
while kill -0 $writer 2>/dev/null; do
    q2 "SELECT c FROM f(0, 'k3', 'm0', 1, '2026-01-02')" >/dev/null || fail "request on the standby failed during replay"
    mid=$((mid + 1))
done
wait $writer || fail "2: the writer failed"
# two-phase commit: one committed, one rolled back (decided on the primary)
fe_psql "$P1" >/dev/null <<'SQL'
BEGIN; INSERT INTO ev SELECT i, 'p' || (i % 3), 'm0', i, timestamptz '2026-04-01' + i * interval '1 s' FROM generate_series(1, 30) i;
DELETE FROM ev WHERE id % 79 = 0; PREPARE TRANSACTION 'g1';
BEGIN; INSERT INTO ev VALUES (-3, 'rolledback', 'm0', 1, now()); PREPARE TRANSACTION 'g2';
SQL
wait_replay "2 (prepared)"
[ "$(q2 "SELECT count(*) FROM feature_ext.index_scan('ev_k', '{p1}')")" = 0 ] || fail "2: a prepared row is visible on the standby"
q1 "COMMIT PREPARED 'g1'" >/dev/null
q1 "ROLLBACK PREPARED 'g2'" >/dev/null
# one transaction's changes over several WAL records (256 kB each)
q1 "INSERT INTO big SELECT 'b' || (i % 1000), i, i FROM generate_series(400001, 430000) i" >/dev/null
q1 "DELETE FROM big WHERE ts % 10 = 3" >/dev/null
# TRUNCATE and reload of another table
q1 "TRUNCATE side" >/dev/null
q1 "INSERT INTO side SELECT 't' || (i % 4), i FROM generate_series(1, 40) i" >/dev/null
wait_replay "2"
[ "$(q2 "SELECT count(*) FROM feature_ext.index_scan('ev_k', '{p1}')")" = 10 ] || fail "2: committed prepared rows missing on the standby"
[ "$(q2 "SELECT count(*) FROM feature_ext.index_scan('ev_k', '{rolledback}')")" = 0 ] || fail "2: rolled-back rows on the standby"
[ "$(q2 "SELECT count(*) FROM feature_ext.index_scan('side_k', '{t1}')")" = 10 ] || fail "2: TRUNCATE + insert not followed"
check_all "2 (streamed)"
check_index "$P2" "2 (big transactions)" big_k "k" big
say "2 ok ($mid requests on the standby during replay)"

# ---------------------------------------------------------------- 3. lock modes on the standby
locks=$(q2 "BEGIN; SELECT count(*) FROM feature_ext.index_scan('ev_k', '{k1}');
            SELECT string_agg(DISTINCT mode, ',') FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation'; COMMIT" | tail -1)
[ "$locks" = AccessShareLock ] || fail "3: a request on the standby took $locks"

# the standby followed through WAL: ev's indexes were loaded once (side_k
# again after its TRUNCATE)
n=$(grep -c 'loaded skiplist index "ev_k"' "$STBY/server.log" || true)
[ "$n" = 1 ] || fail "3: ev_k was loaded $n times on the standby (expected once, then followed through WAL)"

# ---------------------------------------------------------------- 4. standby restart
# a transaction prepared before the restart and committed after it: the
# standby's loader holds its rows (found in the table), the replayed
# COMMIT PREPARED applies them
fe_psql "$P1" >/dev/null <<'SQL'
BEGIN; INSERT INTO ev SELECT 40000 + i, 'q' || (i % 2), 'm0', i, timestamptz '2026-05-01' + i * interval '1 s' FROM generate_series(1, 20) i;
DELETE FROM ev WHERE id % 73 = 0; PREPARE TRANSACTION 'g3';
SQL
wait_replay "4 (prepared)"
echo "feature_ext.ttl_gc_interval = '1s'" >> "$STBY/postgresql.conf"  # the standby worker's GC pass
"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$STBY" -l "$STBY/server.log" -w -m fast restart >/dev/null || fail "standby restart"
wait_ready "$P2" "4"
check_all "4 (after the standby's restart, g3 prepared)"
q1 "COMMIT PREPARED 'g3'" >/dev/null
# the standby restarts again while the primary streams: its loads run
# beside replay (replayed changes go to the loading indexes' catch-up queues)
( stream 20000; for j in $(seq 0 19); do ins $((25000 + j * 200 + 1)) $((25000 + j * 200 + 200)); done ) & writer=$!
( for j in $(seq 1 60); do
      q1 "INSERT INTO big SELECT 'b' || (i % 1000), i, i FROM generate_series($((300000 + j * 300 + 1)), $((300000 + j * 300 + 300))) i;
          DELETE FROM big WHERE ts % 997 = $j" >/dev/null
  done ) & writer2=$!
sleep 0.5
"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$STBY" -l "$STBY/server.log" -w -m fast restart >/dev/null || fail "standby restart under writes"
wait_ready "$P2" "4 (restarted under writes)"
wait $writer || fail "4: the writer failed"
wait $writer2 || fail "4: the writer of big failed"
wait_replay "4"
check_index "$P2" "4 (loaded beside replay)" big_k "k" big
say "4: standby loads: $(grep -o 'loaded skiplist index "big_k".*' "$STBY/server.log" | sed 's/.*rows in [^,]*, //' | tr '\n' ';')"
[ "$(q2 "SELECT count(*) FROM feature_ext.index_scan('ev_k', '{q1}')")" = 10 ] || fail "4: g3's rows missing on the standby"
check_all "4 (after the standby's restart)"
for i in $(seq 1 50); do
    [ "$(q2 "SELECT count(*) FROM feature_ext.index_stats WHERE last_gc IS NOT NULL")" -ge 4 ] && break
    sleep 0.2
done
[ "$(q2 "SELECT count(*) FROM feature_ext.index_stats WHERE last_gc IS NOT NULL")" -ge 4 ] || fail "4: no GC pass on the standby"
say "4 ok"

# a transaction prepared on the primary, decided on the promoted standby
fe_psql "$P1" >/dev/null <<'SQL'
BEGIN; INSERT INTO ev SELECT 50000 + i, 'r' || (i % 2), 'm0', i, timestamptz '2026-06-01' + i * interval '1 s' FROM generate_series(1, 20) i;
DELETE FROM ev WHERE id % 71 = 0; PREPARE TRANSACTION 'g4';
SQL
wait_replay "5 (prepared)"

# ---------------------------------------------------------------- 5. promotion
fe_stop_server "$PRIM" fast
q2 "SELECT pg_promote(true, 60)" >/dev/null || fail "promotion"
[ "$(q2 "SELECT pg_is_in_recovery()")" = f ] || fail "5: still in recovery after promotion"
P1=$P2  # check_all compares the promoted server with itself from here on
wait_ready "$P2" "5"
check_all "5 (promoted, g4 prepared)"
[ "$(q2 "SELECT count(*) FROM feature_ext.index_scan('ev_k', '{r1}')")" = 0 ] || fail "5: g4's rows visible before COMMIT PREPARED"
q2 "COMMIT PREPARED 'g4'" >/dev/null
[ "$(q2 "SELECT count(*) FROM feature_ext.index_scan('ev_k', '{r1}')")" = 10 ] || fail "5: g4's rows missing after COMMIT PREPARED on the promoted server"
check_all "5 (promoted, g4 committed)"
for j in $(seq 0 9); do ins $((30000 + j * 50 + 1)) $((30000 + j * 50 + 50)); done
q2 "UPDATE ev SET v = v + 1 WHERE id % 7 = 0" >/dev/null
q2 "DELETE FROM ev WHERE id % 13 = 0" >/dev/null
check_all "5 (writes on the promoted server)"
check_index "$P2" "5" side_k "k" side
echo "standby: ok ($(q2 "SELECT count(*) FROM ev") rows; $mid requests on the standby during replay; restart and promotion)"
