#!/usr/bin/env bash
# Physical standbys beyond the one hot standby of standby.sh (issue 18 part 4,
# docs/STORAGE.md "Standbys"):
#
#   1. primary -> hot standby A -> cascading hot standby B (pg_basebackup
#      from A, streaming from A), and a warm standby W (hot_standby = off:
#      no connections, feature_ext's redo ignores its records, nothing loads)
#   2. streamed on the primary: inserts, COPY, UPDATE (key and order changes),
#      DELETE, a prepared transaction committed and one rolled back,
#      TRUNCATE + reload; requests on B meanwhile never fail
#   3. after replay: on A and on B, per key, index = table for both indexes;
#      100 requests equal to the primary's
#   4. W is promoted: its indexes load from its table; index = table, the
#      100 requests equal to the primary's; writes on W keep its index exact
#   5. B restarts (its indexes load from its own table while A streams to it)
#      and follows again
#   6. a standby L with a small feature_ext.memory_limit runs out while
#      replaying a big transaction: a WARNING in its log, requests fail with
#      53200 (never a stale answer); restarted with more memory, it loads its
#      indexes from its table and equals the primary again
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
. "$FE_ROOT/test/standby_lib.sh"
DIR=$(fe_workdir)
P0=$(fe_free_port 55741)
PA=$(fe_free_port $((P0 + 1)))
PB=$(fe_free_port $((PA + 1)))
PW=$(fe_free_port $((PB + 1)))
PL=$(fe_free_port $((PW + 1)))
PRIM=$DIR/primary; SA=$DIR/a; SB=$DIR/b; SW=$DIR/w; SL=$DIR/l
stop_all() { for d in "$SL" "$SB" "$SA" "$SW" "$PRIM"; do fe_stop_server "$d" immediate; done; }
trap 'stop_all; kill $(jobs -p) 2>/dev/null || true; rm -rf "$DIR"' EXIT
fail() {
    echo "FAIL (standby_cascade): $*"
    for d in "$SL" "$SB" "$SA" "$SW" "$PRIM"; do echo "--- $(basename "$d") log"; tail -8 "$d/server.log" 2>/dev/null || true; done
    [ -n "${FE_KEEP_LOGS:-}" ] && cp -r "$DIR" /tmp/standby_cascade_fail
    trap - EXIT; stop_all; exit 1
}
say() { [ -z "${FE_VERBOSE:-}" ] || echo "standby_cascade [$SECONDS s]: $*"; }
q() { local p=$1; shift; fe_psql "$p" -At -c "$1"; }

# ---------------------------------------------------------------- 1. setup
fe_start_server "$PRIM" "$P0" "wal_level = replica" "max_wal_senders = 6" "log_min_messages = warning"
fe_psql "$P0" >/dev/null <<'SQL'
CREATE EXTENSION feature_ext;
CREATE TABLE ev (id bigint, k text NOT NULL, m text, v float8, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ev_k ON ev USING skiplist (k, ts);
CREATE INDEX ev_km ON ev USING skiplist (k, m, ts) INCLUDE (v);
CREATE TABLE side (k text, ts int8 NOT NULL) USING feature_store;
CREATE INDEX side_k ON side USING skiplist (k, ts);
INSERT INTO side SELECT 's' || (i % 5), i FROM generate_series(1, 100) i;
SELECT feature_ext.deploy('public.f', $q$SELECT k, count(*) OVER w AS c, sum(v) OVER w AS s, max(id) OVER w AS mx FROM ev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 50 PRECEDING AND CURRENT ROW)$q$);
SQL
ins() {  # FROM TO
    q "$P0" "INSERT INTO ev SELECT i, 'k' || (i % 20), 'm' || (i % 3), i * 0.25,
               timestamptz '2026-01-01' + i * interval '1 second' FROM generate_series($1, $2) i" >/dev/null
}
ins 1 3000
backup() {  # FROM_PORT DIR PORT [conf lines...]
    local from=$1 dir=$2 port=$3; shift 3
    "${RUN_AS[@]}" "$PG_BINDIR/pg_basebackup" -D "$dir" -R -X stream -c fast -h /tmp -p "$from" -U postgres \
        || fail "pg_basebackup into $(basename "$dir")"
    : > "$dir/server.log"  # the copy of the source's own log (it lives in its data directory)
    echo "port = $port" >> "$dir/postgresql.conf"
    for l in "$@"; do echo "$l" >> "$dir/postgresql.conf"; done
    "${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$dir" -l "$dir/server.log" -w start >/dev/null || fail "start $(basename "$dir")"
}
backup "$P0" "$SA" "$PA"
backup "$P0" "$SW" "$PW" "hot_standby = off"
# the cascading standby is a backup of A, streaming from A
backup "$PA" "$SB" "$PB"
grep -q "port=$PA" "$SB/postgresql.auto.conf" || fail "B does not stream from A: $(grep primary_conninfo "$SB/postgresql.auto.conf")"
[ "$(q "$PB" "SELECT pg_is_in_recovery()")" = t ] || fail "B is not in recovery"
[ "$(q "$PA" "SELECT count(*) FROM pg_stat_replication")" = 1 ] || fail "A has no walsender for B"
q "$PW" "SELECT 1" >/dev/null 2>&1 && fail "W (hot_standby = off) accepts connections"

wait_ready() { sb_wait_ready "$1" "$2" 3; }  # PORT LABEL
wait_replay() { sb_wait_replay "$P0" "$1" "$2"; }  # PORT LABEL
check_index() { sb_check_index "$@"; }  # PORT LABEL INDEX KEYCOLS [TABLE]
REQ="SELECT string_agg(r::text, ';' ORDER BY g) FROM generate_series(1, 100) g,
       LATERAL (SELECT f.* FROM f(0, 'k' || (g % 20), 'm0', 1.5, timestamptz '2026-01-01' + g * interval '97 seconds') f) r"
check_all() {  # PORT LABEL [REFERENCE_PORT]: index = table; requests as on the reference
    local port=$1 label=$2 ref=${3:-$P0} a b
    check_index "$port" "$label" ev_k "k"
    check_index "$port" "$label" ev_km "k, m"
    check_index "$port" "$label" side_k "k" side
    a=$(q "$ref" "$REQ"); b=$(q "$port" "$REQ") || fail "$label: requests failed on port $port"
    [ -n "$a" ] && [ "$a" = "$b" ] || fail "$label: the deployment answers differently on ports $ref and $port"
    [ "$(q "$ref" "SELECT count(*), sum(v) FROM ev")" = "$(q "$port" "SELECT count(*), sum(v) FROM ev")" ] ||
        fail "$label: tables differ"
    say "$label: port $port ok"
}
wait_ready "$PA" "1 (A)"
wait_ready "$PB" "1 (B)"
check_all "$PA" "1 (A after base backup)"
check_all "$PB" "1 (B after base backup)"

# ---------------------------------------------------------------- 2. stream
stream() {  # BASE
    local b=$1 j
    for j in $(seq 0 9); do ins $((b + j * 50 + 1)) $((b + j * 50 + 50)); done
    q "$P0" "COPY ev FROM PROGRAM 'seq $((b + 1000)) $((b + 1300)) | awk ''{print \$1 \"\tk\" (\$1 % 20) \"\tm1\t\" \$1 \"\t2026-02-01 00:00:00+00\"}'''" >/dev/null
    q "$P0" "UPDATE ev SET v = v + 1000 WHERE id % 97 = 0" >/dev/null
    q "$P0" "UPDATE ev SET k = 'moved', ts = ts + interval '1 day' WHERE id % 101 = 0 AND k <> 'moved'" >/dev/null
    q "$P0" "DELETE FROM ev WHERE id % 89 = 0" >/dev/null
}
( stream 10000 ) & writer=$!
mid=0
while kill -0 $writer 2>/dev/null; do
    q "$PB" "SELECT c FROM f(0, 'k3', 'm0', 1, '2026-01-02')" >/dev/null || fail "2: a request on B failed during replay"
    mid=$((mid + 1))
done
wait $writer || fail "2: the writer failed"
fe_psql "$P0" >/dev/null <<'SQL'
BEGIN; INSERT INTO ev SELECT i, 'p' || (i % 3), 'm0', i, timestamptz '2026-04-01' + i * interval '1 s' FROM generate_series(1, 30) i;
DELETE FROM ev WHERE id % 79 = 0; PREPARE TRANSACTION 'g1';
BEGIN; INSERT INTO ev VALUES (-3, 'rolledback', 'm0', 1, now()); PREPARE TRANSACTION 'g2';
SQL
wait_replay "$PB" "2 (prepared, B)"
[ "$(q "$PB" "SELECT count(*) FROM feature_ext.index_scan('ev_k', '{p1}')")" = 0 ] || fail "2: a prepared row is visible on B"
q "$P0" "COMMIT PREPARED 'g1'" >/dev/null
q "$P0" "ROLLBACK PREPARED 'g2'" >/dev/null
q "$P0" "TRUNCATE side" >/dev/null
q "$P0" "INSERT INTO side SELECT 't' || (i % 4), i FROM generate_series(1, 40) i" >/dev/null
wait_replay "$PA" "3 (A)"
wait_replay "$PB" "3 (B)"
[ "$(q "$PB" "SELECT count(*) FROM feature_ext.index_scan('ev_k', '{p1}')")" = 10 ] || fail "3: committed prepared rows missing on B"
[ "$(q "$PB" "SELECT count(*) FROM feature_ext.index_scan('ev_k', '{rolledback}')")" = 0 ] || fail "3: rolled-back rows on B"
check_all "$PA" "3 (A after the stream)"
check_all "$PB" "3 (B, cascaded, after the stream)"
# B followed through WAL: ev_k was loaded once there (at its start)
n=$(grep -c 'loaded skiplist index "ev_k"' "$SB/server.log" || true)
[ "$n" = 1 ] || fail "3: ev_k was loaded $n times on B (expected once, then followed through the cascaded WAL)"
say "3 ok ($mid requests on B during replay)"

# ---------------------------------------------------------------- 4. promote the warm standby
lsn=$(q "$P0" "SELECT pg_current_wal_lsn()")
# W accepts no connections: wait until its log shows it streamed, then give
# it time to replay (checked after promotion: its table equals the primary's)
for i in $(seq 1 100); do grep -q "started streaming WAL" "$SW/server.log" && break; sleep 0.1; done
grep -q "started streaming WAL" "$SW/server.log" || fail "4: W never streamed"
grep -q 'loaded skiplist index' "$SW/server.log" && fail "4: W (hot_standby = off) loaded an index before promotion"
q "$P0" "CHECKPOINT" >/dev/null
sleep 2
"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$SW" -w promote >/dev/null || fail "4: promote W"
[ "$(q "$PW" "SELECT pg_is_in_recovery()")" = f ] || fail "4: W still in recovery after promotion"
[ "$(q "$PW" "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn') >= 0")" = t ] || fail "4: W is behind the primary"
wait_ready "$PW" "4 (W promoted)"
check_all "$PW" "4 (W promoted)"
for j in $(seq 0 4); do
    q "$PW" "INSERT INTO ev SELECT i, 'k' || (i % 20), 'w', i, timestamptz '2026-07-01' + i * interval '1 s'
             FROM generate_series($((60000 + j * 40 + 1)), $((60000 + j * 40 + 40))) i" >/dev/null
done
q "$PW" "DELETE FROM ev WHERE id % 11 = 0" >/dev/null
check_index "$PW" "4 (writes on W)" ev_k "k"
check_index "$PW" "4 (writes on W)" ev_km "k, m"
say "4 ok"

# ---------------------------------------------------------------- 5. restart the cascading standby
( stream 20000 ) & writer=$!
sleep 0.3
"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$SB" -l "$SB/server.log" -w -m fast restart >/dev/null || fail "5: restart B"
wait_ready "$PB" "5 (B restarted)"
wait $writer || fail "5: the writer failed"
wait_replay "$PB" "5 (B)"
check_all "$PB" "5 (B after its restart under a stream)"
say "5 ok"

# ---------------------------------------------------------------- 6. out of memory while replaying
backup "$P0" "$SL" "$PL" "feature_ext.memory_limit = '16MB'"
wait_ready "$PL" "6 (L)"
check_all "$PL" "6 (L before the big transaction)"
q "$P0" "INSERT INTO ev SELECT 100000 + i, 'k' || (i % 20), 'big', i, timestamptz '2026-08-01' + i * interval '1 s'
         FROM generate_series(1, 150000) i" >/dev/null
wait_replay "$PL" "6 (L)"
for i in $(seq 1 100); do grep -q "stop following the primary" "$SL/server.log" && break; sleep 0.1; done
grep -q "stop following the primary" "$SL/server.log" || fail "6: no warning in L's log after running out of memory"
err=$(fe_psql "$PL" -At -v VERBOSITY=verbose -c "SELECT c FROM f(0, 'k3', 'm0', 1, '2026-09-01')" 2>&1) &&
    fail "6: a request on L answered although its indexes stopped following: $err"
grep -q "53200" <<<"$err" || fail "6: L's request failed without SQLSTATE 53200: $err"
sed -i "s/^feature_ext.memory_limit = '16MB'/feature_ext.memory_limit = '256MB'/" "$SL/postgresql.conf"
"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$SL" -l "$SL/server.log" -w -m fast restart >/dev/null || fail "6: restart L"
wait_ready "$PL" "6 (L restarted with more memory)"
wait_replay "$PL" "6 (L restarted)"
check_all "$PL" "6 (L restarted with more memory)"
echo "standby_cascade: ok (cascading hot standby, restart under a stream; warm standby promoted; replay out of memory then restart; $mid requests on B during replay)"
