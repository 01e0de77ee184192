#!/usr/bin/env bash
# Loading after a restart beside writers (SPEC §8, storage/loader_pg.cpp):
#   1. 1.5M rows over 1,000 keys; pg_ctl restart; 2 writers stream single-row
#      INSERTs (pgbench, every transaction's latency logged) and a request loop
#      reads one key while the background loader loads the index.
#      Checked: the index was seen 'loading' and turned 'ready' by itself (no
#      request loaded it); every request either failed with 55000 or read at
#      least every row the key had before the restart (never a partial
#      index); afterwards index = heap per key, content included, also for the
#      rows streamed during the load.  Printed: the load's time (server log)
#      and the slowest writer transaction during it; a writer waiting half
#      the load or more fails the test (the old load blocked writers for all
#      of it).
#   2. memory_limit too small for the table: the load fails, index_stats says
#      'failed', INSERT fails with 53200, DELETE works, a request fails with
#      55000; restarted with room, the index loads and equals the heap.
#   3. A table held locked in one database does not keep a load round from
#      serving a request in a database created afterwards.
#   4. An analysed table's index loads into a bucket table sized for its keys.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
DIR=$(fe_workdir)
DATA=$DIR/data
PORT=$(fe_free_port 55481)
trap 'fe_stop_server "$DATA" immediate; kill $(jobs -p) 2>/dev/null || true; rm -rf "$DIR"' EXIT
fail() { echo "FAIL (restart_load): $*"; echo "server log: $DATA/server.log (tail below)"; tail -20 "$DATA/server.log"; trap - EXIT; fe_stop_server "$DATA" immediate; exit 1; }
say() { echo "restart_load: $*"; }
pgctl() { "${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w "$@" >/dev/null; }
q() { fe_psql "$PORT" -At -c "$1"; }

fe_start_server "$DATA" "$PORT" "log_min_messages = log" "feature_ext.ttl_gc_interval = 3600"
q "CREATE EXTENSION feature_ext" >/dev/null
q "CREATE TABLE t (k text, v float8, ts timestamptz NOT NULL) USING feature_store" >/dev/null
q "CREATE INDEX t_k ON t USING skiplist (k, ts)" >/dev/null
q "INSERT INTO t SELECT 'c' || (i % 1000), i * 0.5, timestamptz '2024-01-01' + i * interval '1 second'
     FROM generate_series(1, 1500000) i" >/dev/null
before_c1=$(q "SELECT count(*) FROM t WHERE k = 'c1'")

check() {  # LABEL: per key, index rows = heap rows (count and content); echoes heap rows
    local res
    res=$(fe_psql "$PORT" -At <<'SQL'
WITH h AS (SELECT k, count(*) AS n, md5(string_agg(ts::text || '|v=' || v, E'\n' ORDER BY ts::text, v::text)) AS m
             FROM t GROUP BY k),
     i AS (SELECT k, (SELECT count(*) FROM feature_ext.index_scan('t_k', ARRAY[k])) AS n,
                  (SELECT md5(string_agg(order_value || '|' || row_data, E'\n' ORDER BY order_value, row_data))
                     FROM feature_ext.index_scan('t_k', ARRAY[k])) AS m FROM h)
SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM h JOIN i USING (k) WHERE h.n <> i.n OR h.m IS DISTINCT FROM i.m),
       (SELECT state || ':' || rows_in_memory FROM feature_ext.index_stats WHERE index_name = 't_k'::regclass);
SQL
) || fail "$1: verification query failed"
    local total bad stats
    IFS='|' read -r total bad stats <<<"$res"
    [ "$bad" = 0 ] || fail "$1: $bad keys differ between the index and the heap"
    [ "$stats" = "ready:$total" ] || fail "$1: index_stats '$stats', expected ready:$total"
    echo "$total"
}

# ------------------------------------------------------------ 1. load beside writers
cat > "$DIR/w.sql" <<'SQL'
INSERT INTO t VALUES ('c' || (random() * 999)::int, random(), now() + random() * interval '1 day');
SQL
chmod 644 "$DIR/w.sql"; chmod 777 "$DIR"
pgctl restart -m fast
t0=$(date +%s%N)
( cd "$DIR" && "${RUN_AS[@]}" "$PG_BINDIR/pgbench" -n -h /tmp -p "$PORT" -U postgres -c 2 -j 2 -T 6 -l \
      --log-prefix="$DIR/wlog" -f "$DIR/w.sql" postgres >"$DIR/pgbench.out" 2>&1 ) & wpid=$!
# Requests (load_wait 0: fail at once while loading) and the state seen.
ok=0; notyet=0; partial=0; states=""
for i in $(seq 1 200); do
    out=$(fe_psql "$PORT" -At -c "SET feature_ext.load_wait = 0" \
          -c "SELECT count(*) FROM feature_ext.index_scan('t_k', ARRAY['c1'])" 2>&1) && rc=0 || rc=$?
    if [ $rc = 0 ]; then
        ok=$((ok + 1)); [ "$out" -ge "$before_c1" ] || partial=$((partial + 1))
    elif grep -q "is still being loaded\|is not loaded" <<<"$out"; then
        notyet=$((notyet + 1))
    else
        fail "request failed unexpectedly: $out"
    fi
    s=$(q "SELECT state FROM feature_ext.index_stats WHERE index_name = 't_k'::regclass" 2>/dev/null || true)
    case ",$states," in *",$s,"*) ;; *) states="$states${states:+,}$s" ;; esac
    [ $ok -ge 20 ] && break
    sleep 0.05
done
wait $wpid || { cat "$DIR/pgbench.out"; fail "pgbench writers failed"; }
[ $partial = 0 ] || fail "$partial requests read fewer rows of key c1 than it had before the restart"
[ $ok -gt 0 ] || fail "no request succeeded after the load"
case ",$states," in *",loading,"*) ;; *) fail "index_stats never showed the load (states seen: $states)" ;; esac
load_line=$(grep "loaded skiplist index \"t_k\"" "$DATA/server.log" | tail -1)
[ -n "$load_line" ] || fail "no load log line"
load_ms=$(sed -E 's/.* in ([0-9.]+) ms.*/\1/' <<<"$load_line" | cut -d. -f1)
caught=$(sed -E 's/.* ([0-9]+) changes caught up.*/\1/' <<<"$load_line")
# Slowest writer transaction (pgbench log: 3rd field = latency in µs).
max_us=$(cat "$DIR"/wlog.* | awk '$3 > m {m = $3} END {print m + 0}')
txns=$(cat "$DIR"/wlog.* | wc -l)
n=$(check "after the load beside writers")
say "load of 1.5M rows: ${load_ms} ms, $caught changes caught up; writers: $txns transactions, slowest ${max_us} µs; requests: $notyet refused while loading, $ok read; states seen: $states"
[ "$caught" -gt 0 ] || fail "no change was caught up: the writers did not overlap the load"
[ $((max_us / 1000)) -lt $((load_ms / 2)) ] || fail "a writer waited $((max_us / 1000)) ms during a ${load_ms} ms load"
[ "$n" -gt 1500000 ] || fail "heap has $n rows: the writers inserted nothing"

# ------------------------------------------------------------ 2. a load that does not fit
echo "feature_ext.memory_limit = 32MB" >> "$DATA/postgresql.conf"
pgctl restart -m fast
for i in $(seq 1 100); do
    s=$(q "SELECT state FROM feature_ext.index_stats WHERE index_name = 't_k'::regclass")
    [ "$s" = failed ] && break
    sleep 0.1
done
[ "$s" = failed ] || fail "index_stats state '$s' after a load that cannot fit, expected 'failed'"
out=$(q "INSERT INTO t VALUES ('c1', 1, now())" 2>&1) && fail "INSERT into a table whose index cannot load succeeded"
grep -q "could not be loaded within feature_ext.memory_limit" <<<"$out" || fail "INSERT error: $out"
out=$(fe_psql "$PORT" -At -v VERBOSITY=verbose -c "INSERT INTO t VALUES ('c1', 1, now())" 2>&1) || true
grep -q "53200" <<<"$out" || fail "INSERT error has no SQLSTATE 53200: $out"
q "DELETE FROM t WHERE k = 'c999'" >/dev/null || fail "DELETE refused"
out=$(fe_psql "$PORT" -At -c "SET feature_ext.load_wait = 200" \
      -c "SELECT count(*) FROM feature_ext.index_scan('t_k', ARRAY['c1'])" 2>&1) && fail "request read an index that is not loaded"
grep -q "is not loaded\|is still being loaded" <<<"$out" || fail "request error: $out"
say "memory_limit 32MB: load failed, state 'failed', INSERT refused with 53200, DELETE ran, request refused"
sed -i '/feature_ext.memory_limit = 32MB/d' "$DATA/postgresql.conf"
pgctl restart -m fast
n2=$(check "after a restart with room")
[ "$n2" -lt "$n" ] || fail "DELETE removed nothing"
q "INSERT INTO t VALUES ('c1', 1, now())" >/dev/null || fail "INSERT after the load"
# ------------------------------------------------------------ 3. a locked table does not stop other loads
# Databases copied from a template have no index loaded.  A load round stuck
# on a table someone holds locked leaves it to a later round: a request in a
# database created afterwards is served within its load_wait.
q "CREATE DATABASE tmpl" >/dev/null
fe_psql "$PORT" -d tmpl -q -c "CREATE EXTENSION feature_ext" \
  -c "CREATE TABLE e (k text, ts timestamptz NOT NULL) USING feature_store" \
  -c "CREATE INDEX e_k ON e USING skiplist (k, ts)" -c "INSERT INTO e VALUES ('a', now())" >/dev/null
q "CREATE DATABASE locked TEMPLATE tmpl" >/dev/null
fe_psql "$PORT" -d locked -q -c "BEGIN" -c "LOCK TABLE e IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(45)" \
  -c "COMMIT" >/dev/null 2>&1 & lockpid=$!
sleep 0.5
served() {  # DB: a request there, waiting up to 30 s for the load; echoes the seconds it took
    local t0=$SECONDS out
    q "CREATE DATABASE $1 TEMPLATE tmpl" >/dev/null
    out=$(fe_psql "$PORT" -d "$1" -At -c "SET feature_ext.load_wait = 30000" \
          -c "SELECT count(*) FROM feature_ext.index_scan('e_k', ARRAY['a'])" 2>&1) ||
        fail "request in database $1 while a table is locked in another: $out"
    [ "$out" = 1 ] || fail "index_scan in database $1: $out"
    echo $((SECONDS - t0))
}
s1=$(served other1)   # round 1: 'locked' cannot load, other1 does
s2=$(served other2)   # round 2 must not wait for round 1's locked table
say "a table held locked in one database: requests in new databases served after $s1 s and $s2 s"
kill $lockpid 2>/dev/null || true; wait $lockpid 2>/dev/null || true
# ------------------------------------------------------------ 4. the bucket table sized from ANALYZE
# A load after a restart (and a build) starts the index's hash table at the
# number of keys ANALYZE saw, not at the buckets option's 65,536 (growing it
# key by key relinks every key at each doubling): u has 150,000 keys.
q "CREATE TABLE u (k text, ts timestamptz NOT NULL) USING feature_store" >/dev/null
q "INSERT INTO u SELECT 'k' || (i % 150000), timestamptz '2024-01-01' + i * interval '1 s' FROM generate_series(1, 300000) i" >/dev/null
q "CREATE INDEX u_k ON u USING skiplist (k, ts)" >/dev/null
q "ANALYZE u" >/dev/null
pgctl restart -m fast
q "SET feature_ext.load_wait = 30000; SELECT count(*) FROM feature_ext.index_scan('u_k', ARRAY['k7'])" >/dev/null || fail "request on u after the restart"
nb=$(grep -o 'loading skiplist index "u_k" of table "u" ([0-9]* buckets)' "$DATA/server.log" | tail -1 | grep -o '[0-9]* buckets' | cut -d' ' -f1)
[ -n "$nb" ] && [ "$nb" -ge 131072 ] || fail "u_k (150,000 keys, analysed) loaded with ${nb:-?} buckets, expected at least 131,072"
[ "$(q "SELECT count(*) FROM feature_ext.index_scan('u_k', ARRAY['k7'])")" = 2 ] || fail "u_k: key k7 does not have its 2 rows"
say "an analysed table of 150,000 keys loads into $nb buckets"
say "ok"
