#!/usr/bin/env bash
# citus_review2: the adversarial review of the Citus multi-table deployments
# and of batch() / training_set() on the shards' nodes (session 12), kept as
# regression probes.  A coordinator and two workers as in citus.sh (which
# runs first and installs Citus; skipped (77) where Citus is not installed).
# Each probe prints "ok <name>" or "BUG <name>: observed ... / expected ...":
#   encoding  a parallel batch() under client_encoding LATIN1 over UTF8 keys
#             equals the one computed on the calling node
#   schema    a table and deployment in a schema that needs quotes
#   cancel    statement_timeout while a node is blocked: an error, the server up
#   divergent a node whose copy of the deployment returns other types: an
#             error naming the node, never misread values
#   move      after moving shards, cached shard plans answer exactly; a
#             moved-away copy (before Citus's cleanup) is refused by batch()
#   nodeerr   one node's error is raised, the next parallel batch() works
#   role      a non-superuser's parallel batch() equals its non-parallel one
#   parallel  (not by default) timeline of the nodes' shards while gathered
#   dropcol   a column dropped after distribution, then a shard move (the new
#             placement lacks it): requests (single- and multi-table) and
#             batch() answer as before the move
#   many      a deployment looking up 70 reference tables: every one is read
#             through its shard on the key's node (64 were, the rest silently
#             read the node's empty shell)
#   FE_CITUS_PORT=56300 bash test/scripts/citus_review2.sh [probe ...]
set -uo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
case "$FE_PG_MAJOR" in 15|16|17) ;; *) echo "citus_review2: skipped: Citus 13.2.2 supports PostgreSQL 15 to 17, this is $FE_PG_MAJOR"; exit 77 ;; esac
[ -e "$("$PG_CONFIG" --pkglibdir)/citus.so" ] || { echo "citus_review2: skipped: Citus is not installed (test/scripts/citus.sh installs it)"; exit 77; }
PROBES=${*:-"encoding schema cancel divergent move nodeerr role dropcol many"}
DIR=$(fe_workdir)
PORT0=${FE_CITUS_PORT:-55581}
PORTS=($(fe_free_port $PORT0) $(fe_free_port $((PORT0 + 3))) $(fe_free_port $((PORT0 + 6))))
trap '[ -n "${KEEP:-}" ] && exit; for i in 0 1 2; do fe_stop_server "$DIR/d$i" immediate; done; rm -rf "$DIR"' EXIT
for i in 0 1 2; do
    fe_start_server "$DIR/d$i" "${PORTS[$i]}" "shared_preload_libraries = 'citus,feature_ext'" \
        "max_prepared_transactions = 50" "log_min_messages = warning" "citus.local_hostname = '/tmp'"
    fe_psql "${PORTS[$i]}" -c "CREATE EXTENSION citus" -c "CREATE EXTENSION feature_ext" >/dev/null
done
C=${PORTS[0]}; W1=${PORTS[1]}; W2=${PORTS[2]}
q() { fe_psql "$C" -At -c "$1"; }
tryq() { local rc=0; out=$(fe_psql "$C" -At 2>&1 <<<"$1") || rc=$?; return $rc; }
q "SELECT citus_set_coordinator_host('/tmp', $C)" >/dev/null
q "SELECT citus_add_node('/tmp', $W1)" >/dev/null
q "SELECT citus_add_node('/tmp', $W2)" >/dev/null
bugs=0
bug() { echo "BUG $1: observed: $2"; echo "    expected: $3"; bugs=$((bugs + 1)); }
ok() { echo "ok $1"; }

WIN="count(*) OVER w AS c, sum(v) OVER w AS s FROM %s WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 5 PRECEDING)"
mk() {  # mk QUALIFIED_TABLE DEPLOYMENT: a distributed feature_store table (8 shards) and a deployment over it
    fe_psql "$C" -q >/dev/null <<SQL || { echo "setup of $1 failed"; exit 2; }
CREATE TABLE $1 (k text, v float8, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ON $1 USING skiplist (k, ts);
SET citus.shard_count = 8;
SELECT create_distributed_table('$1', 'k');
INSERT INTO $1 SELECT 'k' || chr(228) || (i % 10), i, '2026-01-01'::timestamptz + i * interval '1 min' FROM generate_series(1, 400) i;
SELECT feature_ext.deploy('$2', \$q\$SELECT k, $(printf "$WIN" "$1")\$q\$);
SQL
}

for probe in $PROBES; do case $probe in
encoding)
    # batch() rows cross in binary: textrecv converts from the CALLER's
    # client_encoding, but the node sent them in the database encoding.
    mk public.enc public.fenc
    K="'k' || chr(228) || '3'"
    # (Citus 13.2.2's own binary protocol has the same defect when it pulls
    # rows to the coordinator: citus.enable_binary_protocol off isolates
    # feature_ext's gather.)
    for setting in on off; do
        got=$(fe_psql "$C" -At -c "SET client_encoding = 'LATIN1'" -c "SET citus.enable_binary_protocol = off" -c "SET feature_ext.citus_parallel_batch = $setting" \
              -c "SELECT count(*) FILTER (WHERE k = $K) || '/' || count(*) || '/' || md5(string_agg(k, ',' ORDER BY k, c)) FROM fenc_batch()" 2>&1)
        eval "enc_$setting=\$got"
    done
    utf=$(fe_psql "$C" -At -c "SET feature_ext.citus_parallel_batch = on" \
          -c "SELECT count(*) FILTER (WHERE k = $K) || '/' || count(*) || '/' || md5(string_agg(k, ',' ORDER BY k, c)) FROM fenc_batch()" 2>&1)
    if [ "$enc_on" != "$enc_off" ] || [ "$enc_on" != "$utf" ]; then
        bug encoding "client_encoding=LATIN1 (Citus binary protocol off), parallel on: $enc_on; parallel off: $enc_off; UTF8 client, parallel on: $utf" \
            "the same rows (40 of key k<a-umlaut>3 of 400) whatever the caller's client_encoding"
        echo "    sample key under LATIN1 (hex of the UTF8 value): $(fe_psql "$C" -At -c "SET client_encoding = 'LATIN1'" -c "SELECT encode(convert_to(k, 'UTF8'), 'hex') FROM fenc_batch() LIMIT 1")  (expected 6bc3a4..)"
    else ok encoding; fi
    ;;
schema)
    # A table in a schema whose name needs quotes: the shard name sent to
    # the nodes contains a space, so <name>_batch() there takes it for a query.
    q "CREATE SCHEMA \"My Schema\"" >/dev/null
    mk '"My Schema".t' '"My Schema".fs'
    want=$(fe_psql "$C" -At -c "SET feature_ext.citus_parallel_batch = off" -c "SELECT count(*) FROM \"My Schema\".fs_batch()" 2>&1)
    got=$(fe_psql "$C" -At -c "SELECT count(*) FROM \"My Schema\".fs_batch()" 2>&1)
    if [ "$got" != "$want" ]; then bug schema "parallel batch(): $got" "$want (as with feature_ext.citus_parallel_batch = off)"; else ok schema; fi
    ;;
nodeerr)
    # One node's batch() fails (division by zero for v = 57, on one shard);
    # the error is raised and the session's next parallel batch() works.
    mk public.ne public.fne
    q "SELECT feature_ext.deploy('public.fz', \$q\$SELECT k, sum(100 / (v::int - 57)) OVER w AS z FROM ne WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 5 PRECEDING)\$q\$)" >/dev/null
    got=$(fe_psql "$C" -At -v ON_ERROR_STOP=0 -c "SELECT count(*) FROM fz_batch()" -c "SELECT 'again:' || count(*) FROM fne_batch()" 2>&1)
    echo "    nodeerr: $got" | tr '\n' ' '; echo
    grep -q "division by zero" <<<"$got" && grep -q "again:400" <<<"$got" && ok nodeerr || bug nodeerr "$got" "ERROR division by zero, then again:400"
    # A node without the deployment (a worker added later has none until the
    # next deploy): the error names it.
    fe_psql "$W2" -At -c "SELECT feature_ext.undeploy('public.fne')" >/dev/null 2>&1
    got=$(fe_psql "$C" -At -c "SELECT count(*) FROM fne_batch()" -c "SELECT 'again'" 2>&1)
    echo "    node without the deployment: $(tr '\n' ' ' <<<"$got")"
    ;;
cancel)
    # statement_timeout while the gather waits for a node's answer (the node
    # blocks on a lock held on one of its shards).  wait_result() drops the
    # connection on the interrupt, and citus_gather's PG_CATCH then cancels
    # and drops the same (freed) connection again.
    mk public.cx public.fcx
    shard=$(q "SELECT shard_name('cx'::regclass, s.shardid) FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n USING (groupid) WHERE s.logicalrelid = 'cx'::regclass AND n.nodeport = $W1 LIMIT 1")
    fe_psql "$W1" -c "SET citus.enable_manual_changes_to_shards = on" -c "BEGIN" -c "LOCK TABLE $shard IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(8)" -c "COMMIT" >"$DIR/locker.log" 2>&1 &
    locker=$!
    sleep 1
    got=$(fe_psql "$C" -At -c "SET statement_timeout = '2s'" -c "SELECT count(*) FROM fcx_batch()" 2>&1)
    wait $locker; echo "    locker: $shard $(tr "\n" " " <"$DIR/locker.log")"
    sleep 2
    after=$(fe_psql "$C" -At -c "SELECT 'alive:' || count(*) FROM fcx_batch()" 2>&1)
    crash=$(grep -E "terminated by signal|double free|corrupted|was terminated" "$DIR/d0/server.log" | head -3)
    if [ -n "$crash" ] || ! grep -q "statement timeout" <<<"$got"; then
        bug cancel "batch under statement_timeout: $got | next call: $after | coordinator log: $crash" \
            "ERROR: canceling statement due to statement timeout, the server up, next call alive:400"
    else ok cancel; fi
    ;;
divergent)
    # A node whose copy of the deployment has other output types (a failed
    # deploy() "may leave copies on workers", docs/DEPLOY.md): the rows cross
    # in binary and are read with the calling node's types, unchecked.
    mk public.dv public.fdv
    want=$(q "SELECT round(sum(s)) FROM fdv_batch()")
    fe_psql "$W2" -At -c "SELECT feature_ext.deploy('public.fdv', \$q\$SELECT k, count(*) OVER w AS c, count(*) OVER w AS s FROM dv WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 5 PRECEDING)\$q\$, '{\"replace\": true}')" >/dev/null 2>&1 || echo "    (redeploy on W2 failed)"
    got=$(q "SELECT round(sum(s)) || ' ' || min(s) || ' ' || max(s) FROM fdv_batch()" 2>&1)
    if [ "$got" != "$want" ] && ! grep -q "Citus node .* answered with other columns" <<<"$got"; then bug divergent "sum(s) before $want, after W2's copy changed s to bigint: $got (float8recv of int8 bytes)" \
        "an error naming the node whose rows have other types (the forwarder per request reads text with input functions)"; else ok divergent; fi
    ;;
move)
    # Colocated shards moved while one session's forwarder connections (and
    # the nodes' backends behind them) hold cached shard plans.
    mk public.mv public.fmv
    fe_psql "$C" -q >/dev/null <<SQL
CREATE TABLE mside (k text, s text, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ON mside USING skiplist (k, ts);
SELECT create_distributed_table('mside', 'k', colocate_with => 'mv');
INSERT INTO mside SELECT 'k' || chr(228) || (i % 10), 's' || i, '2026-01-01'::timestamptz + i * interval '3 min' FROM generate_series(1, 300) i;
SELECT feature_ext.deploy('public.fmj', \$q\$SELECT mv.k, j.s, count(*) OVER w AS c FROM mv LEFT JOIN LATERAL (SELECT mside.s FROM mside WHERE mside.k = mv.k AND mside.ts <= mv.ts ORDER BY mside.ts DESC LIMIT 1) j ON true WINDOW w AS (PARTITION BY mv.k ORDER BY mv.ts ROWS 5 PRECEDING)\$q\$);
SQL
    calls="SELECT string_agg(coalesce(s, '-'), ',' ORDER BY i) FROM generate_series(0, 9) i, LATERAL fmj('k' || chr(228) || i, 1, '2026-01-01 20:00') f"
    oldsid=$(q "SELECT s.shardid FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n USING (groupid) WHERE s.logicalrelid = 'mv'::regclass AND n.nodeport = $W1 AND s.shardid IN (SELECT get_shard_id_for_distribution_column('mv', k) FROM (SELECT DISTINCT k FROM mv) x) LIMIT 1")
    oldshard=$(q "SELECT shard_name('mv'::regclass, $oldsid)")
    moves=""
    for sid in $(q "SELECT s.shardid FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n USING (groupid) WHERE s.logicalrelid = 'mv'::regclass AND n.nodeport = $W1"); do
        moves+="SELECT citus_move_shard_placement($sid, '/tmp', $W1, '/tmp', $W2, 'block_writes');"
    done
    out=$(fe_psql "$C" -At -v ON_ERROR_STOP=0 <<SQL 2>&1
$calls;
\\! $PG_BINDIR/psql -X -q -h /tmp -p $C -U postgres -d postgres -c "$moves" >/dev/null 2>&1
INSERT INTO mside SELECT 'k' || chr(228) || i, 'after' || i, '2026-01-01 19:59' FROM generate_series(0, 9) i;
$calls;
SELECT 'on W1 after: ' || count(*) FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid) JOIN pg_dist_shard s USING (shardid) WHERE s.logicalrelid = 'mv'::regclass AND n.nodeport = $W1;
SELECT count(*) FROM fmj_batch();
SQL
)
    echo "    move: $(tr '\n' ' ' <<<"$out")"
    after=$(sed -n 2p <<<"$out"); want=after0,after1,after2,after3,after4,after5,after6,after7,after8,after9
    [ -n "$after" ] && [ "$after" = "$want" ] && ok move || bug move "after the move: $after" "$want"
    # The old node keeps its copy until Citus's deferred cleanup: a request
    # there refuses (not an active placement); <name>_batch('<that shard>')
    # there (what a parallel batch() sends) computes over the stale copy.
    q "INSERT INTO mv SELECT k, 1, '2026-03-01' FROM (SELECT DISTINCT k FROM mv) x" >/dev/null
    fresh=$(q "SELECT count(*) FROM mv WHERE get_shard_id_for_distribution_column('mv', k) = $oldsid")
    stale=$(fe_psql "$W1" -At -c "SELECT count(*) FROM fmv_batch('public.$oldshard')" 2>&1)
    orphan=$(q "SELECT count(*) FROM pg_dist_cleanup" 2>&1)
    echo "    orphan: stale=$stale fresh=$fresh cleanup=$orphan"
    [ "$stale" = "$fresh" ] || grep -q ERROR <<<"$stale" && ok orphan-batch ||
        bug orphan-batch "fmv_batch('$oldshard') on the old node: $stale rows (the shard now has $fresh; cleanup records $orphan)" \
            "an error (the shard is not an active placement there), as a request there gives"
    ;;
parallel)
    # docs/DEPLOY.md: "the first FETCH goes to every node before any answer
    # is read, so the nodes compute at the same time".  A node's query is
    # SELECT * FROM f('s1') UNION ALL SELECT * FROM f('s2') ...: a FETCH of
    # 20,000 rows computes the shards only until it has 20,000 rows; the
    # rest wait for FETCHes sent when the calling node reads that node.
    # Shown by the shard tables each node's forwarded backend has opened
    # (locks held to its transaction's end) while the gather runs.
    fe_psql "$C" -q >/dev/null <<SQL
CREATE TABLE pb (k text, v float8, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ON pb USING skiplist (k, ts);
SET citus.shard_count = 8;
SELECT create_distributed_table('pb', 'k', colocate_with => 'none');
INSERT INTO pb SELECT 'k' || (i % 64), i, '2026-01-01'::timestamptz + i * interval '1 s' FROM generate_series(1, 480000) i;
SELECT feature_ext.deploy('public.fpb', \$q\$SELECT k, $(printf "$WIN" pb)\$q\$);
SQL
    for p in $W1 $W2; do
        fe_psql "$p" -At -c "SET citus.override_table_visibility = off" -c "SET client_min_messages = notice" -c "
DO \$\$ DECLARE last text := ''; cur text; t0 timestamptz := clock_timestamp(); seen bool := false; BEGIN
  LOOP
    PERFORM pg_stat_clear_snapshot();
    SELECT string_agg(a.state || '/' || (SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                                          WHERE l.pid = a.pid AND c.relkind = 'r' AND c.relname ~ '^pb_[0-9]+\$'), ',')
      INTO cur FROM pg_stat_activity a WHERE a.application_name = 'feature_ext forwarder' AND a.query ~ 'FETCH|DECLARE';
    cur := coalesce(cur, 'none');
    IF cur <> 'none' THEN seen := true; END IF;
    IF cur <> last THEN RAISE NOTICE 'T % %', round(extract(epoch FROM clock_timestamp() - t0)::numeric, 2), cur; last := cur; END IF;
    EXIT WHEN (seen AND cur = 'none') OR clock_timestamp() - t0 > interval '60 s';
    PERFORM pg_sleep(0.02);
  END LOOP;
END \$\$" 2>&1 | sed -n 's/.*NOTICE:  T /'"$p"' /p' >"$DIR/pb.$p" &
    done
    sleep 1
    fe_psql "$C" -At -c "SELECT count(*) FROM fpb_batch()" >"$DIR/pb.out" 2>&1
    wait
    echo "    parallel: result $(cat "$DIR/pb.out"); per node: seconds, state/shards opened (of 4):"
    sort -k2 -g "$DIR/pb.$W1" "$DIR/pb.$W2" | sed 's/^/      /'
    grep -qE "idle in transaction/[123]$" "$DIR/pb.$W1" "$DIR/pb.$W2" &&
        bug parallel "a node sat idle in its cursor's transaction with only part of its 4 shards computed while the gather ran (above)" \
            "each node computes all its shards at once (docs/DEPLOY.md: the nodes compute at the same time)" || ok parallel
    ;;
dropcol)
    # A column dropped after distribution is dropped in every shard (same
    # layout); a shard move makes the new placement from the table's current
    # definition, without the dropped column: the multi-table deployment
    # binds the moved shards' columns by name (it failed for them before).
    fe_psql "$C" -q >/dev/null <<SQL
CREATE TABLE dc (k text, junk int, v float8, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ON dc USING skiplist (k, ts);
SET citus.shard_count = 4;
SELECT create_distributed_table('dc', 'k', colocate_with => 'none');
CREATE TABLE dside (k text, s text, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ON dside USING skiplist (k, ts);
SELECT create_distributed_table('dside', 'k', colocate_with => 'dc');
ALTER TABLE dc DROP COLUMN junk;
INSERT INTO dc SELECT 'k' || (i % 10), i, '2026-01-01'::timestamptz + i * interval '1 min' FROM generate_series(1, 400) i;
INSERT INTO dside SELECT 'k' || (i % 10), 's' || i, '2026-01-01'::timestamptz + i * interval '3 min' FROM generate_series(1, 300) i;
SELECT feature_ext.deploy('public.fdc', \$q\$SELECT dc.k, j.s, count(*) OVER w AS c, sum(v) OVER w AS sv FROM dc LEFT JOIN LATERAL (SELECT dside.s FROM dside WHERE dside.k = dc.k AND dside.ts <= dc.ts ORDER BY dside.ts DESC LIMIT 1) j ON true WINDOW w AS (PARTITION BY dc.k ORDER BY dc.ts ROWS 5 PRECEDING)\$q\$);
SELECT feature_ext.deploy('public.fdc1', \$q\$SELECT k, count(*) OVER w AS c, sum(v) OVER w AS sv FROM dc WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 5 PRECEDING)\$q\$);
SQL
    calls="SELECT string_agg(coalesce(f.s, '-') || '/' || f.sv || '/' || g.sv, ',' ORDER BY i) FROM generate_series(0, 9) i, LATERAL fdc('k' || i, 1, '2026-01-01 20:00') f, LATERAL fdc1('k' || i, 1, '2026-01-01 20:00') g
           UNION ALL SELECT count(*) || '/' || sum(sv) FROM fdc_batch() UNION ALL SELECT count(*) || '/' || sum(sv) FROM fdc1_batch()"
    before=$(q "$calls" 2>&1)
    for sid in $(q "SELECT s.shardid FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n USING (groupid) WHERE s.logicalrelid = 'dc'::regclass AND n.nodeport = $W1"); do
        q "SELECT citus_move_shard_placement($sid, '/tmp', $W1, '/tmp', $W2, 'block_writes')" >/dev/null 2>&1 || echo "    (move of $sid failed)"
    done
    after=$(q "$calls" 2>&1)
    echo "    dropcol: before the move: $before; after: $after"
    [ "$before" = "$after" ] && ok dropcol || bug dropcol "after moving dc's shards (junk dropped after distribution): $after" "$before (as before the move)"
    ;;
role)
    # A non-superuser with SELECT on the table: the parallel batch() (as the
    # caller on each node) and the calling node's computation agree.
    mk public.rl public.frl
    q "CREATE ROLE rev12 LOGIN" >/dev/null
    q "GRANT SELECT ON rl TO rev12" >/dev/null
    on=$(fe_psql "$C" -At -U rev12 -c "SELECT count(*) FROM frl_batch()" 2>&1)
    off=$(fe_psql "$C" -At -U rev12 -c "SET feature_ext.citus_parallel_batch = off" -c "SELECT count(*) FROM frl_batch()" 2>&1)
    echo "    role: parallel $on; off $off"
    [ "$on" = "$off" ] && ok role || bug role "as rev12, parallel: $on" "$off (as computed on the calling node)"
    ;;
many)
    # Dimension lookups of 70 reference tables: each shard plan maps all of
    # them to their shard on the key's node (the list had room for 64).
    N=70
    { echo "CREATE TABLE mt (k text, v int, ts timestamptz NOT NULL) USING feature_store;"
      echo "CREATE INDEX ON mt USING skiplist (k, ts);"
      echo "SET citus.shard_count = 4;"
      echo "SELECT create_distributed_table('mt', 'k', colocate_with => 'none');"
      echo "INSERT INTO mt SELECT 'k' || (i % 10), i, '2026-01-01'::timestamptz + i * interval '1 min' FROM generate_series(1, 100) i;"
      for i in $(seq 1 $N); do
          echo "CREATE TABLE mdim$i (id text PRIMARY KEY, v int); SELECT create_reference_table('mdim$i');"
          echo "INSERT INTO mdim$i SELECT 'k' || j, $i FROM generate_series(0, 9) j;"
      done
      joins=""; total="0"
      for i in $(seq 1 $N); do joins="$joins LEFT JOIN mdim$i d$i ON d$i.id = mt.k"; total="$total + d$i.v"; done
      echo "SELECT feature_ext.deploy('public.fmt', \$q\$SELECT mt.k, $total AS total, count(*) OVER w AS c FROM mt$joins WINDOW w AS (PARTITION BY mt.k ORDER BY mt.ts ROWS 5 PRECEDING)\$q\$);"
    } | fe_psql "$C" -q >/dev/null 2>"$DIR/many.err" || { bug many "setup failed: $(head -3 "$DIR/many.err")" "a deployment over 70 reference tables"; continue; }
    want=$((N * (N + 1) / 2))
    got=$(q "SELECT string_agg(f.total || '/' || f.c, ',' ORDER BY i) FROM generate_series(0, 9) i, LATERAL fmt('k' || i, 1, '2026-01-02') f
             UNION ALL SELECT count(*) FILTER (WHERE total = $want) || '/' || count(*) FROM fmt_batch()" 2>&1)
    exp="$(for i in $(seq 0 9); do printf '%s%s/6' "$([ $i = 0 ] || echo ,)" $want; done)
100/100"
    echo "    many: $(echo $got | cut -c1-60)..."
    [ "$got" = "$exp" ] && ok many || bug many "$got" "$exp (every key's total $want: each of the $N tables read)"
    ;;
esac; done
if [ "$bugs" = 0 ]; then echo "citus_review2: ok ($PROBES)"; else echo "FAIL (citus_review2): $bugs probe(s) found a bug"; fi
[ "$bugs" = 0 ]
