#!/usr/bin/env bash
# On Citus (SPEC §9), a coordinator and two workers on this machine:
#   1. skiplist indexes and every write go through the coordinator (they use
#      two-phase commit on the workers): CREATE INDEX propagated to the
#      shards, create_distributed_table of a table that has one, multi-row
#      INSERT, COPY, multi-shard UPDATE / DELETE, DROP INDEX; after each,
#      every shard's index on each worker = that shard's rows;
#   2. a transaction Citus left prepared on a worker is committed by
#      recover_prepared_transactions() (its recovery daemon's path) and its
#      rows reach the shard's index;
#   3. deploy() over the distributed table on the coordinator makes the
#      deployment on every worker; calls on any node (feature_ext forwards
#      them to the key's worker, as the caller) and on the key's worker are
#      exact for 10 keys, in both forms; inside a transaction block or in a
#      backend serving forwarded calls a call on another node names the
#      key's node; rows inserted through the coordinator are in the next
#      answer; undeploy() removes it everywhere; index_scan still refuses
#      the coordinator's empty shell; a deployment over a shard is exact;
#      key_owner() names the shard and worker that hold a key;
#      cluster_index_stats() / cluster_memory_usage() show every node's;
#      batch() and training_set() (as_of, insertion, a label query) on every
#      node equal a single node's over the same rows; a window not
#      partitioned by the distribution column is refused (deploy, call);
#      deployments that also read a colocated table (LAST JOIN), a
#      reference table (dimension lookup) and a colocated union table are
#      exact on every node (10 keys, against SQL) and see new rows of those
#      tables; a non-colocated table, a colocated one joined by another
#      column and a local table are refused naming them; batch() over the
#      whole table computes on the shards' nodes (single- and multi-table
#      deployments, on every node, equal to a single node's; with
#      feature_ext.citus_parallel_batch off on the calling node), and so
#      does training_set() (as_of, insertion, typed); multi-table
#      deployments' other sources are refused;
#   4. retention (table option) applied by the coordinator's DELETE on every
#      shard; 5. TRUNCATE and DROP TABLE through the coordinator.
# Citus comes from the
# PostgreSQL install if present, else it is built once from
# ../shared/vendor/citus-13.2.2.tar.gz (or FE_CITUS_TARBALL) and installed;
# the build (~5 min on 2 cores) is cached in $FE_PG_CACHE/citus-13.2.2-pg<major>.
# Inside the roots of scripts/pg_major.sh the same (pg_major.sh copies the
# tarball into the root; the build is cached there).  Skipped (77) on
# PostgreSQL 18 (Citus 13.2.2 supports 15 to 17) and where neither Citus nor
# its source is available.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
case "$FE_PG_MAJOR" in 15|16|17) ;; *) echo "citus: skipped: Citus 13.2.2 supports PostgreSQL 15 to 17, this is $FE_PG_MAJOR"; exit 77 ;; esac
LIBDIR=$("$PG_CONFIG" --pkglibdir)
if [ ! -e "$LIBDIR/citus.so" ]; then
    TARBALL=${FE_CITUS_TARBALL:-}
    for t in "$FE_ROOT/../shared/vendor/citus-13.2.2.tar.gz" /work/shared/vendor/citus-13.2.2.tar.gz; do
        [ -n "$TARBALL" ] || { [ -f "$t" ] && TARBALL=$t; } || true
    done
    [ -n "$TARBALL" ] && [ -f "$TARBALL" ] ||
        { echo "citus: skipped: Citus is not installed and its source (shared/vendor/citus-13.2.2.tar.gz, or FE_CITUS_TARBALL) is not here"; exit 77; }
    CACHE=${FE_PG_CACHE:-/var/cache/feature_ext}/citus-13.2.2-pg$FE_PG_MAJOR
    if [ ! -e "$CACHE/src/src/backend/distributed/citus.so" ]; then
        echo "citus: building Citus 13.2.2 into $CACHE (once per machine)"
        export DEBIAN_FRONTEND=noninteractive
        for p in liblz4-dev libzstd-dev libkrb5-dev libicu-dev; do
            dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
                apt-get install -y -qq --no-install-recommends "$p" >/dev/null || { echo "citus: skipped: cannot install $p"; exit 77; }
        done
        rm -rf "$CACHE" && mkdir -p "$CACHE/src"
        tar xzf "$TARBALL" -C "$CACHE/src" --strip-components=1
        # PostgreSQL 15.20 exports have_createdb_privilege(); Citus's copy for < 16 is renamed.
        [ "$FE_PG_MAJOR" = 15 ] &&
        sed -i 's/^#define have_createdb_privilege() have_createdb_privilege()$/#define have_createdb_privilege() citus_have_createdb_privilege()/;
                s/^have_createdb_privilege(void)$/citus_have_createdb_privilege(void)/' "$CACHE/src/src/include/pg_version_compat.h"
        ( cd "$CACHE/src" && ./configure PG_CONFIG="$PG_CONFIG" --without-libcurl >"$CACHE/build.log" 2>&1 &&
          make -j"$(nproc)" with_llvm=no >>"$CACHE/build.log" 2>&1 ) || { tail -20 "$CACHE/build.log"; echo "FAIL (citus): the Citus build failed"; exit 1; }
    fi
    make -C "$CACHE/src" install PG_CONFIG="$PG_CONFIG" >/dev/null 2>&1 || { echo "FAIL (citus): make install of Citus"; exit 1; }
fi

DIR=$(fe_workdir)
PORT0=${FE_CITUS_PORT:-55521}
PORTS=($(fe_free_port $PORT0) $(fe_free_port $((PORT0 + 3))) $(fe_free_port $((PORT0 + 6))))
trap 'for i in 0 1 2; do fe_stop_server "$DIR/d$i" immediate; done; rm -rf "$DIR"' EXIT
fail() { echo "FAIL (citus): $*"; for i in 0 1 2; do tail -3 "$DIR/d$i/server.log"; done; exit 1; }
for i in 0 1 2; do
    fe_start_server "$DIR/d$i" "${PORTS[$i]}" "shared_preload_libraries = 'citus,feature_ext'" \
        "max_prepared_transactions = 50" "log_min_messages = warning" "citus.local_hostname = '/tmp'"
    fe_psql "${PORTS[$i]}" -c "CREATE EXTENSION citus" -c "CREATE EXTENSION feature_ext" >/dev/null
done
C=${PORTS[0]}
q() { fe_psql "$C" -At -c "$1"; }
tryq() { local rc=0; out=$(fe_psql "$C" -At 2>&1 <<<"$1") || rc=$?; return $rc; }
q "SELECT citus_set_coordinator_host('/tmp', $C)" >/dev/null
q "SELECT citus_add_node('/tmp', ${PORTS[1]})" >/dev/null
q "SELECT citus_add_node('/tmp', ${PORTS[2]})" >/dev/null

# check LABEL: on each worker, every shard's skiplist indexes hold exactly the
# shard's rows (count, and order values per key); the shards of txn_k hold
# the distributed table's rows.
check() {
    local label=$1 p res sum=0
    for p in "${PORTS[1]}" "${PORTS[2]}"; do
        res=$(fe_psql "$p" -At -c "SET citus.override_table_visibility = off" -c "
DO \$\$ DECLARE r record; bad int := 0; heap bigint := 0; n bigint; ok bool; BEGIN
  FOR r IN SELECT s.index_name::text AS i, s.table_name::regclass AS t, s.rows_in_memory AS m
             FROM feature_ext.index_stats s
            WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition d WHERE d.logicalrelid = s.table_name) LOOP
    EXECUTE format('SELECT count(*) FROM %s', r.t) INTO n;
    EXECUTE format('SELECT bool_and((SELECT array_agg(order_value::timestamptz ORDER BY order_value::timestamptz)
                                       FROM feature_ext.index_scan(%L, ARRAY[k]))
                                    IS NOT DISTINCT FROM
                                    (SELECT array_agg(ts ORDER BY ts) FROM %s x WHERE x.k = kk.k))
                      FROM (SELECT DISTINCT k FROM %s) kk', r.i, r.t, r.t) INTO ok;
    IF n <> r.m OR ok IS FALSE THEN bad := bad + 1; END IF;
    IF r.i ~ '^txn_k_[0-9]+$' THEN heap := heap + n; END IF;
  END LOOP;
  RAISE NOTICE 'result %|%', bad, heap;
END \$\$;" 2>&1 | sed -n 's/.*result //p') || fail "$label: check on port $p"
        [ -n "$res" ] || fail "$label: check on port $p printed nothing"
        [ "${res%%|*}" = 0 ] || fail "$label: ${res%%|*} shard indexes on port $p differ from their shard"
        sum=$((sum + ${res#*|}))
    done
    [ "$sum" = "$(q "SELECT count(*) FROM txn")" ] || fail "$label: shards hold $sum rows, the table $(q "SELECT count(*) FROM txn")"
}

# ---------------------------------------------------------------- 1. writes through the coordinator
q "CREATE TABLE txn (k text, v float8, ts timestamptz NOT NULL) USING feature_store" >/dev/null
q "INSERT INTO txn SELECT 'k' || (i % 10), i, '2026-01-01'::timestamptz + i * interval '1 min' FROM generate_series(1, 500) i" >/dev/null
q "CREATE INDEX txn_k ON txn USING skiplist (k, ts)" >/dev/null
tryq "SET citus.shard_count = 8; SELECT create_distributed_table('txn', 'k')" || fail "create_distributed_table: $out"
check "create_distributed_table"
# index_stats on a worker shows its shard indexes (Citus hides shards from
# pg_class queries of ordinary clients; the view does not depend on that).
for p in "${PORTS[1]}" "${PORTS[2]}"; do
    [ "$(fe_psql "$p" -At -c "SELECT count(*) FROM feature_ext.index_stats WHERE index_name::text ~ '^txn_k_[0-9]+$'")" = 4 ] ||
        fail "index_stats on port $p does not show the worker's 4 shard indexes"
done
# ... and the coordinator sees every node's: cluster_index_stats() lists the 8
# shard indexes (4 per worker) holding the table's rows; cluster_memory_usage()
# one row per node.
[ "$(q "SELECT count(*) || '/' || count(DISTINCT node_port) || '/' || sum(rows_in_memory) FROM feature_ext.cluster_index_stats() WHERE index_name ~ '^txn_k_[0-9]+$'")" = "8/2/$(q "SELECT count(*) FROM txn")" ] ||
    fail "cluster_index_stats: $(q "SELECT string_agg(node_port || ':' || index_name || ':' || rows_in_memory, ' ') FROM feature_ext.cluster_index_stats()")"
[ "$(q "SELECT count(*) FROM feature_ext.cluster_memory_usage() WHERE used_bytes > 0")" = 3 ] ||
    fail "cluster_memory_usage: $(q "SELECT string_agg(node_port || ':' || used_bytes, ' ') FROM feature_ext.cluster_memory_usage()")"
q "INSERT INTO txn SELECT 'k' || (i % 10), i, '2026-02-01'::timestamptz + i * interval '1 min' FROM generate_series(1, 1000) i" >/dev/null
q "COPY txn FROM PROGRAM 'seq 1 100 | awk ''{print \"k\" (\$1 % 7) \"\t\" \$1 \"\t2026-03-01\"}'''" >/dev/null
check "INSERT and COPY"
q "CREATE INDEX txn_k2 ON txn USING skiplist (k, ts) INCLUDE (v)" >/dev/null || fail "propagated CREATE INDEX"
q "DELETE FROM txn WHERE v < 50" >/dev/null
q "UPDATE txn SET ts = '2026-06-01', v = v + 0.5 WHERE v > 900" >/dev/null
check "CREATE INDEX, DELETE, UPDATE"
q "DROP INDEX txn_k2" >/dev/null
check "DROP INDEX"
[ "$(fe_psql "${PORTS[1]}" -At -c "SELECT count(*) FROM feature_ext.index_stats WHERE index_name::text LIKE 'txn_k2%'")" = 0 ] ||
    fail "DROP INDEX left shard indexes in memory"

# ---------------------------------------------------------------- 2. Citus's recovery commits a prepared transaction
sid=$(q "SELECT get_shard_id_for_distribution_column('txn', 'k3')")
shard=$(q "SELECT shard_name('txn'::regclass, $sid)")
wport=$(q "SELECT nodeport FROM pg_dist_placement JOIN pg_dist_node USING (groupid) WHERE shardid = $sid")
group=$(q "SELECT groupid FROM pg_dist_node WHERE nodeport = $wport")
gid="citus_0_$$_1_1"
inidx() { fe_psql "$wport" -At -c "SELECT count(*) FROM feature_ext.index_scan('txn_k_$sid', ARRAY['k3'])"; }
before=$(inidx)
fe_psql "$wport" >/dev/null <<SQL || fail "prepare on worker $wport"
BEGIN; INSERT INTO $shard VALUES ('k3', -1, '2026-05-01'), ('k3', -2, '2026-05-02'); PREPARE TRANSACTION '$gid';
SQL
[ "$(inidx)" = "$before" ] || fail "prepared rows visible before the commit"
# As if the coordinator had committed: its record says so; recovery commits on the worker.
q "INSERT INTO pg_dist_transaction (groupid, gid) VALUES ($group, '$gid')" >/dev/null
q "SELECT recover_prepared_transactions()" >/dev/null
[ "$(fe_psql "$wport" -At -c "SELECT count(*) FROM pg_prepared_xacts")" = 0 ] || fail "recovery left the transaction prepared"
[ "$(inidx)" = $((before + 2)) ] || fail "rows committed by Citus's recovery are not in the index ($(inidx), expected $((before + 2)))"
check "recover_prepared_transactions"

# ---------------------------------------------------------------- 3. deployments
WIN="count(*) OVER w AS c, sum(v) OVER w AS s FROM %s WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 5 PRECEDING)"
# index_scan still refuses the coordinator's empty shell.
tryq "SELECT * FROM feature_ext.index_scan('txn_k', ARRAY['k3'])" && fail "index_scan read the empty shell: $out"
grep -q 'is a Citus distributed table' <<<"$out" || fail "index_scan error: $out"
# A deployment over the distributed table, on every node: each request is
# routed to the plan of the shard that holds its key; a node without that
# shard says which node has it (never an answer from the empty shell).
# deploy() on the coordinator makes it on every worker (catalog row
# included); a request whose key is on another node is forwarded there by
# feature_ext's forwarder (src/deploy/citus_forward_pg.cpp).
tryq "SELECT feature_ext.deploy('public.fd', \$q\$SELECT k, $(printf "$WIN" txn)\$q\$)" || fail "deploy on the coordinator: $out"
for p in "${PORTS[1]}" "${PORTS[2]}"; do
    [ "$(fe_psql "$p" -At -c "SELECT count(*) FROM feature_ext.deployments WHERE name = 'public.fd'")" = 1 ] ||
        fail "deploy on the coordinator did not reach worker $p"
done
for i in 0 1 2 3 4 5 6 7 8 9; do
    IFS='|' read -r osid oshard ohost oport <<<"$(q "SELECT * FROM feature_ext.key_owner('txn', 'k$i'::text)")"
    want=$(q "SELECT count(*) + 1 || '|' || sum(v) + 3.5 FROM (SELECT v FROM txn WHERE k = 'k$i' AND ts <= '2026-02-15' ORDER BY ts DESC LIMIT 5) x")
    got=$(fe_psql "$oport" -At -c "SELECT c || '|' || s FROM fd('k$i', 3.5, '2026-02-15')") || fail "call of key k$i on its node $oport: $(fe_psql "$oport" -At -c "SET search_path = pg_catalog, pg_temp" -c "SELECT s.shardid, pg_catalog.shard_name(s.logicalrelid, s.shardid), pg_catalog.to_regclass(pg_catalog.shard_name(s.logicalrelid, s.shardid)) FROM pg_dist_shard s WHERE s.shardid = $osid" 2>&1)"
    [ "$got" = "$want" ] || fail "fd('k$i') on its node $oport: $got, expected $want"
    # through the coordinator (forwarded to the key's worker)
    got=$(q "SELECT c || '|' || s FROM fd('k$i', 3.5, '2026-02-15')" 2>&1) || fail "fd('k$i') on the coordinator: $got"
    [ "$got" = "$want" ] || fail "fd('k$i') on the coordinator: $got, expected $want"
    got=$(q "SELECT fd('k$i', 3.5, '2026-02-15')" 2>&1) || fail "SELECT fd('k$i') on the coordinator: $got"
    [ "$got" = "(k$i,${want%%|*},${want#*|})" ] || fail "SELECT fd('k$i') on the coordinator: $got, expected (k$i,${want%%|*},${want#*|})"
    other=${PORTS[1]}; [ "$oport" = "${PORTS[1]}" ] && other=${PORTS[2]}
    # on the other worker the request is forwarded as well, in both forms ...
    got=$(fe_psql "$other" -At -c "SELECT c || '|' || s FROM fd('k$i', 3.5, '2026-02-15')" 2>&1) || fail "fd('k$i') on port $other: $got"
    [ "$got" = "$want" ] || fail "fd('k$i') on port $other (not its node): $got, expected $want"
    got=$(fe_psql "$other" -At -c "SELECT c || '|' || s FROM fd(ROW('k$i', 3.5, '2026-02-15')::txn)" 2>&1) ||
        fail "fd(row of 'k$i') on port $other: $got"
    [ "$got" = "$want" ] || fail "fd(row of 'k$i') on port $other (not its node): $got, expected $want"
    # ... but not inside a transaction block (the forwarded call could not see
    # its writes), nor by a backend serving forwarded requests (no ping-pong
    # when two nodes' metadata disagree): the node says whose the key is
    out=$(fe_psql "$other" -At -c "BEGIN" -c "SELECT c FROM fd('k$i', 3.5, '2026-02-15')" 2>&1) &&
        fail "fd('k$i') in a transaction block on port $other answered: $out"
    grep -q "held by Citus node .*:$oport" <<<"$out" || fail "fd('k$i') in a transaction block on port $other: $out"
    out=$(fe_psql "$other" -At -c "SET application_name = 'feature_ext forwarder'" \
              -c "SELECT c FROM fd('k$i', 3.5, '2026-02-15')" 2>&1) &&
        fail "fd('k$i') in a forwarded backend on port $other answered: $out"
    grep -q "is held by node .*:$oport" <<<"$out" || fail "fd('k$i') in a forwarded backend on port $other: $out"
done
# Values cross to the node as text: a caller's DateStyle, IntervalStyle,
# extra_float_digits and TimeZone must not change the answer (the request's
# time is 10:00 in Kolkata, not in UTC).
for i in 0 3 7; do
    IFS='|' read -r ec es <<<"$(q "SELECT count(*) + 1 || '|' || sum(v) + 3.5 FROM (SELECT v FROM txn WHERE k = 'k$i'
                                    AND ts <= '2026-02-15 10:00+05:30' ORDER BY ts DESC LIMIT 5) y")"
    out=$(fe_psql "$C" -At -c "SET datestyle = 'SQL, DMY'" -c "SET intervalstyle = sql_standard" \
              -c "SET extra_float_digits = -3" -c "SET timezone = 'Asia/Kolkata'" \
              -c "SELECT c = $ec AND s = $es FROM fd('k$i', 3.5, '2026-02-15 10:00')" 2>&1) || true
    [ "$out" = t ] || fail "forwarded request for k$i under other date/float styles and time zone: $out (expected $ec|$es)"
done
# A forwarded request runs as the caller on the key's node (the node then
# checks that role's rights): the forwarder's connection is the role's.
q "CREATE ROLE fwd_reader LOGIN" >/dev/null
q "GRANT SELECT ON txn TO fwd_reader" >/dev/null
want=$(q "SELECT c FROM fd('k1', 3.5, '2026-02-15')")
out=$(fe_psql "$C" -At -c "SET ROLE fwd_reader" -c "SELECT c FROM fd('k1', 3.5, '2026-02-15')" -c "RESET ROLE" \
          -c "SELECT string_agg(result, ';') FROM run_command_on_workers(\$\$SELECT string_agg(DISTINCT usename, ',')
              FROM pg_stat_activity WHERE application_name = 'feature_ext forwarder'\$\$)" 2>&1) ||
    fail "fd() as fwd_reader: $out"
[ "$(head -1 <<<"$out")" = "$want" ] || fail "fd() as fwd_reader answered $out, expected $want"
grep -q "fwd_reader" <<<"$(tail -1 <<<"$out")" || fail "the forwarder did not connect as fwd_reader: $out"
q "REVOKE SELECT ON txn FROM fwd_reader" >/dev/null
out=$(fe_psql "$C" -At -c "SET ROLE fwd_reader" -c "SELECT c FROM fd('k1', 3.5, '2026-02-15')" 2>&1) &&
    fail "fd() as a role without SELECT answered: $out"
grep -q "permission denied" <<<"$out" || fail "fd() as a role without SELECT: $out"
# A client that routes by key_owner() (test/clients/citus_route.py) gets the
# coordinator's answers from the workers directly.  FE_CITUS_BENCH_SECONDS=S
# also prints calls/s through the coordinator, routed (request function and
# row form), over a plain table on one node (the same rows and deployment),
# and two references for the coordinator's path (Citus's cached router
# query, a dblink forwarder), with each path's server CPU and time inside
# feature_ext per call: bench figures only (docs/DEPLOY.md, Citus).
fe_psql "${PORTS[1]}" -q >/dev/null <<SQL || fail "single-node table on worker ${PORTS[1]}"
CREATE TABLE txn_local (k text, v float8, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX txn_local_k ON txn_local USING skiplist (k, ts);
SELECT feature_ext.deploy('public.fl', \$q\$SELECT k, $(printf "$WIN" txn_local)\$q\$);
SQL
q "COPY txn TO STDOUT" | fe_psql "${PORTS[1]}" -c "COPY txn_local FROM STDIN" >/dev/null || fail "copy into txn_local"
PY=/usr/bin/python3  # Debian's python, where python3-psycopg lives
$PY -c "import psycopg" 2>/dev/null ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-psycopg >/dev/null 2>&1 || true
if $PY -c "import psycopg" 2>/dev/null; then
    out=$($PY "$FE_ROOT/test/clients/citus_route.py" --coordinator "$C" --deployment public.fd --table txn \
              --keys k0,k1,k2,k3,k4,k5,k6,k7,k8,k9 --seconds "${FE_CITUS_BENCH_SECONDS:-0}" \
              --single "${PORTS[1]}:public.fl" ${FE_CITUS_BENCH_SECONDS:+--compare} 2>&1) || fail "routing client: $out"
    echo "$out"
else
    echo "citus: routing client skipped: python3-psycopg is not installed"
fi
# batch() and training_set() over the distributed table, called on the
# coordinator and on each worker, equal the same deployment over a plain
# table with the same rows (txn_local on worker 1, copied from txn): the
# sorted rows compared.  (Both read the table through Citus, one node
# computing; a source streams the shards one after another, and each key's
# rows keep their shard's order, which is all the windows depend on: they are
# partitioned by the distribution column, as deploy() requires.)
TS_COLS="AS t(k text, v float8, ts timestamptz, k_feature text, c bigint, s float8)"
LAB_COLS="AS t(k text, v float8, ts timestamptz, lab bool, k_feature text, c bigint, s float8)"
LAB_SRC='SELECT k, v, ts, (v::int % 2 = 0) AS lab FROM TABLE WHERE v::int % 7 = 0'
digest() {  # PORT QUERY [SETTING]: "rows|md5 of the sorted rows"
    fe_psql "$1" -At -c "${3:-SELECT 1}" -c "SELECT count(*) || '|' || md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM ($2) x" | tail -1
}
nrows=$(q "SELECT count(*) FROM txn")
# A label table in a schema the caller's search_path finds (a Citus table:
# every node reads it, so the nodes holding shards compute its rows), and a
# plain table of the coordinator alone (computed there).  public.labs on
# worker 1 (a plain table): the same rows, for the single node.
q "CREATE SCHEMA lab" >/dev/null
q "CREATE TABLE lab.labs (k text, v float8, ts timestamptz NOT NULL, lab bool)" >/dev/null
q "SELECT create_distributed_table('lab.labs', 'k', colocate_with => 'none')" >/dev/null || fail "distributing lab.labs"
q "INSERT INTO lab.labs SELECT k, v + 0.5, ts + interval '30 s', v::int % 3 = 0 FROM txn WHERE v::int % 5 = 0" >/dev/null
q "CREATE TABLE labs_plain AS SELECT * FROM lab.labs" >/dev/null
fe_psql "${PORTS[1]}" -c "CREATE TABLE public.labs (k text, v float8, ts timestamptz NOT NULL, lab bool)" >/dev/null || fail "public.labs on worker 1"
q "COPY lab.labs TO STDOUT" | fe_psql "${PORTS[1]}" -c "COPY public.labs FROM STDIN" >/dev/null || fail "copy into public.labs"
LABT="SELECT k, v, ts, lab FROM labs UNION ALL SELECT NULL, 1, '2026-02-01', true"
nlab=$(($(q "SELECT count(*) FROM lab.labs") + 1))
for form in "batch(NULL)" "batch(table)" "batch(query)" "training_set as_of" "training_set insertion" "training_set as_of, label query" \
            "training_set as_of, label table" "training_set insertion, label table" "training_set, plain table"; do
    pre="SELECT 1" spre="SELECT 1"
    case $form in
        "batch(NULL)") d="SELECT * FROM fd_batch(NULL)"; s="SELECT * FROM fl_batch(NULL)"; n=$nrows;;
        "batch(table)") d="SELECT * FROM fd_batch('txn')"; s="SELECT * FROM fl_batch('txn_local')"; n=$nrows;;
        "training_set as_of")
            d="SELECT * FROM feature_ext.training_set('public.fd', 'txn') $TS_COLS"
            s="SELECT * FROM feature_ext.training_set('public.fl', 'txn_local') $TS_COLS"; n=$nrows;;
        "training_set insertion")
            d="SELECT * FROM feature_ext.training_set('public.fd', 'txn', mode => 'insertion') $TS_COLS"
            s="SELECT * FROM feature_ext.training_set('public.fl', 'txn_local', mode => 'insertion') $TS_COLS"; n=$nrows;;
        "batch(query)")
            d="SELECT * FROM fd_batch('SELECT * FROM txn WHERE v::int % 3 = 0')"
            s="SELECT * FROM fl_batch('SELECT * FROM txn_local WHERE v::int % 3 = 0')"; n=$(q "SELECT count(*) FROM txn WHERE v::int % 3 = 0");;
        "training_set as_of, label query")
            d="SELECT * FROM feature_ext.training_set('public.fd', \$s\$${LAB_SRC//TABLE/txn}\$s\$) $LAB_COLS"
            s="SELECT * FROM feature_ext.training_set('public.fl', \$s\$${LAB_SRC//TABLE/txn_local}\$s\$) $LAB_COLS"
            n=$(q "SELECT count(*) FROM txn WHERE v::int % 7 = 0");;
        "training_set "*", label table")
            m=${form#training_set }; m=${m%%,*}
            pre="SET search_path = lab, public; SET client_min_messages = warning" spre="SET search_path = public; SET client_min_messages = warning"
            d="SELECT * FROM feature_ext.training_set('public.fd', \$s\$$LABT\$s\$, mode => '$m') $LAB_COLS"
            s="SELECT * FROM feature_ext.training_set('public.fl', \$s\$$LABT\$s\$, mode => '$m') $LAB_COLS"; n=$nlab;;
        *)  # the coordinator's plain table: read there (a worker has no such table)
            d="SELECT * FROM feature_ext.training_set('public.fd', 'labs_plain') $LAB_COLS"
            s="SELECT * FROM feature_ext.training_set('public.fl', 'public.labs') $LAB_COLS"; n=$((nlab - 1));;
    esac
    want=$(digest "${PORTS[1]}" "$s" "$spre" 2>&1) || fail "single-node $form: $want"
    [ "${want%%|*}" = "$n" ] || fail "single-node $form: ${want%%|*} rows, expected $n"
    for p in "$C" "${PORTS[1]}" "${PORTS[2]}"; do
        [ "$form" = "training_set, plain table" ] && [ "$p" != "$C" ] && continue
        got=$(digest "$p" "$d" "$pre" 2>&1) || fail "$form over the distributed table on port $p: $got"
        [ "$got" = "$want" ] || fail "$form over the distributed table on port $p: $got, single node $want"
        # batch() and training_set() over the whole table or a source every
        # node reads compute on the shards' nodes by default; with
        # feature_ext.citus_parallel_batch off, here.
        got=$(digest "$p" "$d" "$pre; SET feature_ext.citus_parallel_batch = off" 2>&1) || fail "$form (not parallel) on port $p: $got"
        [ "$got" = "$want" ] || fail "$form (not parallel) on port $p: $got, single node $want"
    done
done
# A source calling a volatile function is read once, on the calling node:
# nodes each drawing their own random keys would lose or repeat rows.
for p in "$C" "${PORTS[1]}"; do
    got=$(fe_psql "$p" -At -c "SELECT count(*) FROM fd_batch(\$s\$SELECT 'k' || floor(random() * 10)::int, v, ts FROM txn ORDER BY v LIMIT 1000\$s\$)" 2>&1)
    [ "$got" = 1000 ] || fail "batch() of a source with random keys on port $p: $got rows, expected 1000"
done
# A window not partitioned by the distribution column is refused: a request
# reads the shard of its key, which holds only part of such a partition
# (it counted that part alone before).  Deployed before the table was
# distributed, its next call says so; deployed after, deploy() does.
q "CREATE TABLE t2 (k text, g text, v float8, ts timestamptz NOT NULL) USING feature_store" >/dev/null
q "CREATE INDEX t2_k ON t2 USING skiplist (k, ts)" >/dev/null
q "CREATE INDEX t2_g ON t2 USING skiplist (g, ts)" >/dev/null
q "INSERT INTO t2 SELECT 'k' || (i % 10), 'g' || (i % 3), i, '2026-01-01'::timestamptz + i * interval '1 min' FROM generate_series(1, 300) i" >/dev/null
GWIN="SELECT k, count(*) OVER w AS c, count(*) OVER w2 AS c2 FROM t2 WINDOW w AS (PARTITION BY g ORDER BY ts ROWS 1000 PRECEDING), w2 AS (PARTITION BY k ORDER BY ts ROWS 1000 PRECEDING)"
tryq "SELECT feature_ext.deploy('public.fg', \$q\$$GWIN\$q\$)" || fail "deploy over the local t2: $out"
tryq "SELECT create_distributed_table('t2', 'k')" || fail "create_distributed_table('t2'): $out"
tryq "SELECT c FROM fg('k1', 'g1', 1, '2026-02-15')" && fail "a window partitioned by g answered from one shard: $out"
grep -q 'is partitioned by (g), not by the distribution column "k"' <<<"$out" || fail "fg over the distributed t2: $out"
tryq "SELECT feature_ext.deploy('public.fg2', \$q\$$GWIN\$q\$)" && fail "deploy of a window partitioned by g over the distributed t2: $out"
grep -q 'is partitioned by (g), not by the distribution column "k"' <<<"$out" || fail "deploy fg2: $out"
q "SELECT feature_ext.undeploy('public.fg')" >/dev/null || fail "undeploy fg"
# Multi-table deployments over a distributed table: each request runs on
# its key's node and reads every table there, so the other tables must be
# colocated (and joined by / union-mapped on their distribution column) or
# reference tables.  side: colocated with txn; dim: a reference table; u2:
# colocated, a union window's second table.  Each answer on the coordinator
# (forwarded), on the key's worker and on the other worker equals the same
# features computed by SQL over the tables.
q "CREATE TABLE side (k text, s text, ts timestamptz NOT NULL) USING feature_store" >/dev/null
q "CREATE INDEX side_k ON side USING skiplist (k, ts)" >/dev/null
q "CREATE INDEX side_s ON side USING skiplist (s, ts)" >/dev/null
tryq "SELECT create_distributed_table('side', 'k', colocate_with => 'txn')" || fail "create_distributed_table('side'): $out"
q "INSERT INTO side SELECT 'k' || (i % 10), 's' || i, '2026-01-20'::timestamptz + i * interval '7 min' FROM generate_series(1, 9000) i" >/dev/null
q "CREATE TABLE dim (m text PRIMARY KEY, label text)" >/dev/null
tryq "SELECT create_reference_table('dim')" || fail "create_reference_table('dim'): $out"
q "INSERT INTO dim SELECT 'k' || i, 'label ' || i FROM generate_series(0, 8) i" >/dev/null
q "CREATE TABLE u2 (k text, v float8, ts timestamptz NOT NULL) USING feature_store" >/dev/null
q "CREATE INDEX u2_k ON u2 USING skiplist (k, ts)" >/dev/null
tryq "SELECT create_distributed_table('u2', 'k', colocate_with => 'txn')" || fail "create_distributed_table('u2'): $out"
q "INSERT INTO u2 SELECT 'k' || (i % 10), 1000 + i, '2026-02-10'::timestamptz + i * interval '7 min' FROM generate_series(1, 900) i" >/dev/null
FJ="SELECT txn.k, j.s, d.label, count(*) OVER w AS c, sum(txn.v) OVER w AS s2 FROM txn
      LEFT JOIN LATERAL (SELECT side.s FROM side WHERE side.k = txn.k AND side.ts <= txn.ts ORDER BY side.ts DESC LIMIT 1) j ON true
      LEFT JOIN dim d ON d.m = txn.k
    WINDOW w AS (PARTITION BY txn.k ORDER BY txn.ts ROWS 5 PRECEDING)"
tryq "SELECT feature_ext.deploy('public.fj', \$q\$$FJ\$q\$)" || fail "deploy of a LAST JOIN and a reference lookup over txn: $out"
FU="SELECT k, count(*) OVER w AS c, sum(v) OVER w AS s FROM (SELECT k, v, ts FROM txn UNION ALL SELECT k, v, ts FROM u2) u
    WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '3 days' PRECEDING AND CURRENT ROW)"
tryq "SELECT feature_ext.deploy('public.fu', \$q\$$FU\$q\$)" || fail "deploy of a union window over txn and u2: $out"
for p in "${PORTS[1]}" "${PORTS[2]}"; do
    [ "$(fe_psql "$p" -At -c "SELECT count(*) FROM feature_ext.deployments WHERE name IN ('public.fj', 'public.fu')")" = 2 ] ||
        fail "the multi-table deployments did not reach worker $p"
done
for i in 0 1 2 3 4 5 6 7 8 9; do
    IFS='|' read -r osid oshard ohost oport <<<"$(q "SELECT * FROM feature_ext.key_owner('txn', 'k$i'::text)")"
    other=${PORTS[1]}; [ "$oport" = "${PORTS[1]}" ] && other=${PORTS[2]}
    wj=$(q "SELECT coalesce((SELECT s FROM side WHERE k = 'k$i' AND ts <= '2026-02-15' ORDER BY ts DESC LIMIT 1), '-')
               || '|' || coalesce((SELECT label FROM dim WHERE m = 'k$i'), '-')
               || '|' || (SELECT count(*) + 1 || '|' || sum(v) + 3.5 FROM (SELECT v FROM txn WHERE k = 'k$i' AND ts <= '2026-02-15' ORDER BY ts DESC LIMIT 5) x)")
    wu=$(q "SELECT count(*) + 1 || '|' || coalesce(sum(v), 0) + 3.5 FROM (SELECT v, ts FROM txn WHERE k = 'k$i' UNION ALL SELECT v, ts FROM u2 WHERE k = 'k$i') x
             WHERE ts BETWEEN '2026-02-15'::timestamptz - interval '3 days' AND '2026-02-15'")
    for port in "$C" "$oport" "$other"; do
        got=$(fe_psql "$port" -At -c "SELECT coalesce(s, '-') || '|' || coalesce(label, '-') || '|' || c || '|' || s2 FROM fj('k$i', 3.5, '2026-02-15')" 2>&1) ||
            fail "fj('k$i') on port $port: $got"
        [ "$got" = "$wj" ] || fail "fj('k$i') on port $port: $got, expected $wj"
        got=$(fe_psql "$port" -At -c "SELECT c || '|' || s FROM fu('k$i', 3.5, '2026-02-15')" 2>&1) || fail "fu('k$i') on port $port: $got"
        [ "$got" = "$wu" ] || fail "fu('k$i') on port $port: $got, expected $wu"
    done
done
# New rows of the other tables are in the next answer (their shards' indexes).
q "INSERT INTO side VALUES ('k4', 'newest', '2026-02-14 23:59:59')" >/dev/null
q "INSERT INTO u2 VALUES ('k4', 77, '2026-02-14 23:30')" >/dev/null
got=$(q "SELECT s FROM fj('k4', 3.5, '2026-02-15')")
[ "$got" = newest ] || fail "fj('k4') after a side row: $got"
want=$(q "SELECT count(*) + 1 || '|' || sum(v) + 3.5 FROM (SELECT v, ts FROM txn WHERE k = 'k4' UNION ALL SELECT v, ts FROM u2 WHERE k = 'k4') x
          WHERE ts BETWEEN '2026-02-15'::timestamptz - interval '3 days' AND '2026-02-15'")
got=$(q "SELECT c || '|' || s FROM fu('k4', 3.5, '2026-02-15')")
[ "$got" = "$want" ] || fail "fu('k4') after a u2 row: $got, expected $want"
# Offline: batch() over the whole table or over a query computes on the
# shards' nodes (each node's joins and unions reading its colocated shards),
# equal to the same deployments over plain copies of the tables on worker 1;
# computed on the calling node (setting off) it would read this node's empty
# shells: refused.
fe_psql "${PORTS[1]}" -c "TRUNCATE txn_local" >/dev/null || fail "truncate txn_local"
q "COPY txn TO STDOUT" | fe_psql "${PORTS[1]}" -c "COPY txn_local FROM STDIN" >/dev/null || fail "copy into txn_local"
fe_psql "${PORTS[1]}" >/dev/null <<SQL || fail "the single-node copies on worker 1"
CREATE TABLE side_l (k text, s text, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX side_l_k ON side_l USING skiplist (k, ts);
CREATE TABLE dim_l (m text PRIMARY KEY, label text);
CREATE TABLE u2_l (k text, v float8, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX u2_l_k ON u2_l USING skiplist (k, ts);
SQL
for t in side dim u2; do
    q "COPY $t TO STDOUT" | fe_psql "${PORTS[1]}" -c "COPY ${t}_l FROM STDIN" >/dev/null || fail "copy into ${t}_l"
done
FJL=${FJ//side/side_l}; FJL=${FJL//dim d/dim_l d}; FJL=${FJL//txn/txn_local}
FUL=${FU//u2/u2_l}; FUL=${FUL//txn/txn_local}
fe_psql "${PORTS[1]}" -c "SELECT feature_ext.deploy('public.fjl', \$q\$$FJL\$q\$)" -c "SELECT feature_ext.deploy('public.ful', \$q\$$FUL\$q\$)" >/dev/null ||
    fail "the single-node deployments on worker 1"
for f in fj fu; do
    want=$(digest "${PORTS[1]}" "SELECT * FROM ${f}l_batch('txn_local')" 2>&1) || fail "single-node ${f}l_batch: $want"
    [ "${want%%|*}" = "$nrows" ] || fail "single-node ${f}l_batch: ${want%%|*} rows, expected $nrows"
    for p in "$C" "${PORTS[1]}" "${PORTS[2]}"; do
        got=$(digest "$p" "SELECT * FROM ${f}_batch('txn')" 2>&1) || fail "${f}_batch('txn') on port $p: $got"
        [ "$got" = "$want" ] || fail "${f}_batch('txn') on port $p: $got, single node $want"
    done
done
for f in fj fu; do
    want=$(digest "${PORTS[1]}" "SELECT * FROM ${f}l_batch('SELECT * FROM txn_local WHERE v > 10')" 2>&1) || fail "single-node ${f}l_batch(query): $want"
    for p in "$C" "${PORTS[1]}" "${PORTS[2]}"; do
        got=$(digest "$p" "SELECT * FROM ${f}_batch('SELECT * FROM txn WHERE v > 10')" 2>&1) || fail "${f}_batch(query) on port $p: $got"
        [ "$got" = "$want" ] || fail "${f}_batch(query) on port $p: $got, single node $want"
    done
done
tryq "SET feature_ext.citus_parallel_batch = off; SELECT count(*) FROM fj_batch('SELECT * FROM txn WHERE v > 10')" &&
    fail "batch() of a query over a multi-table Citus deployment answered on the calling node: $out"
grep -q 'reads several Citus tables' <<<"$out" || fail "fj_batch(query), not parallel: $out"
# training_set() over the whole table too (as of each row's time, and in
# insertion order), typed and with a column list, and over a label query.
for f in fj fu; do
    cols=$(fe_psql "${PORTS[1]}" -At -c "SELECT feature_ext.training_set_columns('public.${f}l', 'txn_local')")
    for m in as_of insertion; do
        want=$(digest "${PORTS[1]}" "SELECT * FROM feature_ext.training_set('public.${f}l', 'txn_local', mode => '$m') AS t$cols" 2>&1) ||
            fail "single-node training_set of ${f}l ($m): $want"
        [ "${want%%|*}" = "$nrows" ] || fail "single-node training_set of ${f}l ($m): ${want%%|*} rows, expected $nrows"
        for p in "$C" "${PORTS[1]}" "${PORTS[2]}"; do
            got=$(digest "$p" "SELECT * FROM feature_ext.training_set('public.$f', 'txn', mode => '$m') AS t$cols" 2>&1) ||
                fail "training_set of $f ($m) on port $p: $got"
            [ "$got" = "$want" ] || fail "training_set of $f ($m) on port $p: $got, single node $want"
        done
    done
done
q "CREATE TYPE fu_row AS (k text, v float8, ts timestamptz, c bigint, s float8)" >/dev/null
fe_psql "${PORTS[1]}" -c "CREATE TYPE fu_row AS (k text, v float8, ts timestamptz, c bigint, s float8)" >/dev/null 2>&1 || true
want=$(digest "${PORTS[1]}" "SELECT * FROM feature_ext.training_set('public.ful', 'txn_local', NULL::fu_row)" 2>&1) || fail "typed single-node training_set: $want"
got=$(digest "$C" "SELECT * FROM feature_ext.training_set('public.fu', 'txn', NULL::fu_row)" 2>&1) || fail "typed training_set of fu: $got"
[ "$got" = "$want" ] || fail "typed training_set of fu: $got, single node $want"
want=$(digest "${PORTS[1]}" "SELECT * FROM feature_ext.training_set('public.ful', 'SELECT * FROM txn_local WHERE v > 10', NULL::fu_row)" 2>&1) ||
    fail "typed single-node training_set of a query: $want"
for p in "$C" "${PORTS[1]}" "${PORTS[2]}"; do
    got=$(digest "$p" "SELECT * FROM feature_ext.training_set('public.fu', 'SELECT * FROM txn WHERE v > 10', NULL::fu_row)" 2>&1) ||
        fail "typed training_set of fu over a query on port $p: $got"
    [ "$got" = "$want" ] || fail "typed training_set of fu over a query on port $p: $got, single node $want"
done
for f in fj fu; do
    cols=$(fe_psql "${PORTS[1]}" -At -c "SELECT feature_ext.training_set_columns('public.${f}l', 'SELECT * FROM txn_local WHERE v > 10')")
    want=$(digest "${PORTS[1]}" "SELECT * FROM feature_ext.training_set('public.${f}l', 'SELECT * FROM txn_local WHERE v > 10') AS t$cols" 2>&1) ||
        fail "single-node training_set of ${f}l over a query: $want"
    got=$(digest "$C" "SELECT * FROM feature_ext.training_set('public.$f', 'SELECT * FROM txn WHERE v > 10') AS t$cols" 2>&1) ||
        fail "training_set of $f over a query: $got"
    [ "$got" = "$want" ] || fail "training_set of $f over a query: $got, single node $want"
done
tryq "SET feature_ext.citus_parallel_batch = off; SELECT count(*) FROM feature_ext.training_set('public.fu', 'SELECT * FROM txn WHERE v > 10') AS t(k text, v float8, ts timestamptz, k_feature text, c bigint, s float8)" &&
    fail "training_set() of a label query over a multi-table Citus deployment answered on the calling node: $out"
grep -q 'reads several Citus tables' <<<"$out" || fail "training_set of fu over a query, not parallel: $out"
q "DROP TYPE fu_row" >/dev/null
fe_psql "${PORTS[1]}" -c "SELECT feature_ext.undeploy('public.fjl')" -c "SELECT feature_ext.undeploy('public.ful')" \
    -c "DROP TABLE side_l, dim_l, u2_l" >/dev/null || fail "dropping the single-node copies"
# FE_CITUS_BENCH_SECONDS also times batch() over 400,000 rows (40 keys, 8
# shards, 10 features over ROWS 100): on the shards' nodes vs on the
# calling node (feature_ext.citus_parallel_batch off), medians of 3, and a
# single node's batch() over the same rows (worker 1).
if [ -n "${FE_CITUS_BENCH_SECONDS:-}" ]; then
    BW="count(*) OVER w AS c, sum(v) OVER w AS s, avg(v) OVER w AS a, max(v) OVER w AS mx, min(v) OVER w AS mn,
        sum(v * 2) OVER w AS s2, count(*) FILTER (WHERE v > 100) OVER w AS cf, max(v + 1) OVER w AS m1,
        sum(v) FILTER (WHERE v < 50) OVER w AS sf, avg(v * 3) OVER w AS a3
        FROM %s WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 100 PRECEDING)"
    for port in "$C" "${PORTS[1]}"; do
        t=bt; [ "$port" = "$C" ] || t=bt_l
        fe_psql "$port" -q >/dev/null <<SQL || fail "batch bench tables"
CREATE TABLE $t (k text, v float8, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ${t}_k ON $t USING skiplist (k, ts);
SQL
    done
    tryq "SET citus.shard_count = 8; SELECT create_distributed_table('bt', 'k')" || fail "bt: $out"
    q "INSERT INTO bt SELECT 'k' || (i % 40), (i * 37) % 1009, '2026-01-01'::timestamptz + i * interval '1 s' FROM generate_series(1, 400000) i" >/dev/null
    q "COPY bt TO STDOUT" | fe_psql "${PORTS[1]}" -c "COPY bt_l FROM STDIN" >/dev/null || fail "copy into bt_l"
    q "SELECT feature_ext.deploy('public.fb', \$q\$SELECT k, $(printf "$BW" bt)\$q\$)" >/dev/null || fail "deploy fb"
    fe_psql "${PORTS[1]}" -c "SELECT feature_ext.deploy('public.fbl', \$q\$SELECT k, $(printf "$BW" bt_l)\$q\$)" >/dev/null || fail "deploy fbl"
    bms() {  # PORT SETTING QUERY -> ms of the query (median of 3)
        local r t l=""
        for r in 1 2 3; do
            t=$(fe_psql "$1" -At -c "$2" -c '\timing on' -c "$3" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)
            l+=" $t"
        done
        tr ' ' '\n' <<<"$l" | grep -v '^$' | sort -g | sed -n 2p
    }
    par=$(bms "$C" "SELECT 1" "SELECT count(*) FROM fb_batch('bt')")
    one=$(bms "$C" "SET feature_ext.citus_parallel_batch = off" "SELECT count(*) FROM fb_batch('bt')")
    single=$(bms "${PORTS[1]}" "SELECT 1" "SELECT count(*) FROM fbl_batch('bt_l')")
    echo "citus: batch() of 400,000 rows, 10 features: on the shards' nodes $par ms, on the coordinator $one ms, a single node $single ms ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
    q "SELECT feature_ext.undeploy('public.fb')" >/dev/null
    q "DROP TABLE bt" >/dev/null
    fe_psql "${PORTS[1]}" -c "SELECT feature_ext.undeploy('public.fbl')" -c "DROP TABLE bt_l" >/dev/null
fi
# Refused at deploy, naming the table: t2 is distributed but not colocated
# with txn (32 shards vs 8); side joined on another column than its
# distribution column; a local table (not on the workers).
tryq "SELECT feature_ext.deploy('public.fx', \$q\$SELECT txn.k, j.v, count(*) OVER w AS c FROM txn LEFT JOIN LATERAL (SELECT t2.v FROM t2 WHERE t2.k = txn.k ORDER BY t2.ts DESC LIMIT 1) j ON true WINDOW w AS (PARTITION BY txn.k ORDER BY txn.ts ROWS 5 PRECEDING)\$q\$)" &&
    fail "a LAST JOIN of a non-colocated table was deployed: $out"
grep -q 'joins the Citus table t2, which is not colocated with txn' <<<"$out" || fail "LAST JOIN of t2: $out"
tryq "SELECT feature_ext.deploy('public.fx', \$q\$SELECT txn.k, j.k AS jk, count(*) OVER w AS c FROM txn LEFT JOIN LATERAL (SELECT side.k FROM side WHERE side.s = txn.k ORDER BY side.ts DESC LIMIT 1) j ON true WINDOW w AS (PARTITION BY txn.k ORDER BY txn.ts ROWS 5 PRECEDING)\$q\$)" &&
    fail "a LAST JOIN of side on s was deployed: $out"
grep -q 'without matching its distribution column "k" with the request' <<<"$out" || fail "LAST JOIN of side on s: $out"
q "CREATE TABLE loc (k text, s text, ts timestamptz NOT NULL) USING feature_store" >/dev/null
q "CREATE INDEX loc_k ON loc USING skiplist (k, ts)" >/dev/null
tryq "SELECT feature_ext.deploy('public.fx', \$q\$SELECT txn.k, j.s, count(*) OVER w AS c FROM txn LEFT JOIN LATERAL (SELECT loc.s FROM loc WHERE loc.k = txn.k ORDER BY loc.ts DESC LIMIT 1) j ON true WINDOW w AS (PARTITION BY txn.k ORDER BY txn.ts ROWS 5 PRECEDING)\$q\$)" &&
    fail "a LAST JOIN of a local table from txn was deployed: $out"
grep -q 'which is neither a Citus reference table nor a distributed table colocated with it' <<<"$out" || fail "LAST JOIN of loc: $out"
# ... and a Citus table joined from an ordinary deployment is an empty shell.
tryq "SELECT feature_ext.deploy('public.fj2', \$q\$SELECT loc.k, j.v FROM loc LEFT JOIN LATERAL (SELECT t2.v FROM t2 WHERE t2.k = loc.k ORDER BY t2.ts DESC LIMIT 1) j ON true\$q\$)" &&
    fail "a LAST JOIN of the distributed t2 from a local table was deployed: $out"
grep -qi 'citus' <<<"$out" || fail "LAST JOIN of t2 from loc: $out"
for f in fj fu; do q "SELECT feature_ext.undeploy('public.$f')" >/dev/null || fail "undeploy $f"; done
for p in "${PORTS[1]}" "${PORTS[2]}"; do
    [ "$(fe_psql "$p" -At -c "SELECT count(*) FROM feature_ext.deployments WHERE name IN ('public.fj', 'public.fu')")" = 0 ] ||
        fail "undeploy left the multi-table deployments on worker $p"
done
q "DROP TABLE side, dim, u2, loc" >/dev/null
q "DROP TABLE t2" >/dev/null
# A row streamed in through the coordinator is in the next answer; the
# deployment can be removed and made again under the same name.
q "INSERT INTO txn VALUES ('k3', 100000, '2026-02-14 12:00')" >/dev/null
want=$(q "SELECT count(*) + 1 || '|' || sum(v) + 3.5 FROM (SELECT v FROM txn WHERE k = 'k3' AND ts <= '2026-02-15' ORDER BY ts DESC LIMIT 5) x")
got=$(q "SELECT c || '|' || s FROM fd('k3', 3.5, '2026-02-15')")
[ "$got" = "$want" ] || fail "fd('k3') after an insert: $got, expected $want"
q "SELECT feature_ext.undeploy('public.fd')" >/dev/null || fail "undeploy"
tryq "SELECT feature_ext.deploy('public.fd', \$q\$SELECT k, $(printf "$WIN" txn)\$q\$)" || fail "deploy again: $out"
got=$(q "SELECT c || '|' || s FROM fd('k3', 3.5, '2026-02-15')")
[ "$got" = "$want" ] || fail "fd('k3') deployed again: $got, expected $want"
# Redeployed with another result type while this session's forwarder holds
# the old statement prepared on the key's node: the next call prepares it
# again there and answers (it failed once with "cached plan must not change
# result type" before).
WIN2="count(*) OVER w AS c, sum(v) OVER w AS s, max(v) OVER w AS mx FROM %s WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 5 PRECEDING)"
out=$(fe_psql "$C" -At -c "SELECT c FROM fd('k3', 3.5, '2026-02-15')" \
          -c "SELECT feature_ext.deploy('public.fd', \$q\$SELECT k, $(printf "$WIN2" txn)\$q\$, '{\"replace\": true}')" \
          -c "SELECT c || '|' || s || '|' || mx FROM fd('k3', 3.5, '2026-02-15')" 2>&1) || fail "a call after a redeploy with another result type: $out"
wmx=$(q "SELECT max(v) FROM (SELECT v FROM txn WHERE k = 'k3' AND ts <= '2026-02-15' ORDER BY ts DESC LIMIT 5) x")
[ "$(tail -1 <<<"$out")" = "$want|$(q "SELECT greatest($wmx, 3.5)")" ] || fail "fd('k3') after a redeploy with another result type: $out"
tryq "SELECT feature_ext.deploy('public.fd', \$q\$SELECT k, $(printf "$WIN" txn)\$q\$, '{\"replace\": true}')" || fail "deploy back: $out"
# A deployment over one shard on the worker that holds it stays exact too.
sid=$(q "SELECT get_shard_id_for_distribution_column('txn', 'k3')")
shard=$(q "SELECT shard_name('txn'::regclass, $sid)")
wport=$(q "SELECT nodeport FROM pg_dist_placement JOIN pg_dist_node USING (groupid) WHERE shardid = $sid")
fe_psql "$wport" -q <<SQL >/dev/null || fail "deploy over shard $shard"
SET citus.override_table_visibility = off;
SELECT feature_ext.deploy('public.fs', \$q\$SELECT k, $(printf "$WIN" "$shard")\$q\$);
SQL
got=$(fe_psql "$wport" -At -c "SET citus.override_table_visibility = off" -c "SELECT c FROM fs('k3', 3, '2027-01-01')")
[ "$got" = 6 ] || fail "deployment over shard $shard answered '$got', expected 6 (5 stored rows + the request)"

# key_owner(): the shard and worker that hold a key; that worker's shard
# table and shard index hold exactly the key's rows.
for i in 0 3 7; do
    IFS='|' read -r osid oshard ohost oport <<<"$(q "SELECT * FROM feature_ext.key_owner('txn', 'k$i'::text)")"
    [ -n "$ohost" ] && [ -n "$oport" ] || fail "key_owner('k$i'): no node"
    want=$(q "SELECT count(*) FROM txn WHERE k = 'k$i'")
    got=$(fe_psql "$oport" -At -c "SET citus.override_table_visibility = off" -c "SELECT count(*) FROM $oshard WHERE k = 'k$i'")
    [ "$got" = "$want" ] || fail "key_owner('k$i') named $oshard on port $oport holding $got rows, the table has $want"
    got=$(fe_psql "$oport" -At -c "SELECT count(*) FROM feature_ext.index_scan('txn_k_$osid', ARRAY['k$i'])")
    [ "$got" = "$want" ] || fail "key_owner('k$i'): index txn_k_$osid on port $oport holds $got rows, expected $want"
done
q "CREATE TABLE loc (k text, ts int8) USING feature_store" >/dev/null
tryq "SELECT * FROM feature_ext.key_owner('loc', 'a'::text)" && fail "key_owner of a local table answered: $out"
grep -q 'not a hash-distributed or reference Citus table' <<<"$out" || fail "key_owner error: $out"
q "DROP TABLE loc" >/dev/null

# ---------------------------------------------------------------- 4. retention through the coordinator
# Rows older than the retention are deleted by the coordinator's DELETE on
# the distributed table (Citus runs it on every shard, two-phase), and leave
# every shard's index.
q "ALTER TABLE txn SET (retention = '30 days')" >/dev/null || fail "ALTER TABLE ... SET (retention)"
q "INSERT INTO txn SELECT 'k' || (i % 10), i, now() - interval '1 hour' * i FROM generate_series(1, 50) i" >/dev/null
old_rows=$(q "SELECT count(*) FROM txn WHERE ts < now() - interval '30 days'")
deleted=$(q "SELECT feature_ext.run_retention()") || fail "run_retention on the coordinator"
[ "$deleted" = "$old_rows" ] || fail "run_retention deleted $deleted rows, expected $old_rows"
[ "$(q "SELECT count(*) FROM txn")" = 50 ] || fail "retention left $(q "SELECT count(*) FROM txn") rows, expected the 50 recent ones"
check "retention"

# ---------------------------------------------------------------- 4b. a shard move under a streaming writer
# Citus copies the shard to the other worker (its skiplist index is built
# there from the copied rows) while a client keeps inserting; after Citus's
# cleanup drops the source's copy, every shard index = its shard, and calls
# for every key (through the coordinator, delegated to the new owner) work.
sid=$(q "SELECT shardid FROM pg_dist_shard WHERE logicalrelid = 'txn'::regclass ORDER BY shardid LIMIT 1")
src=$(q "SELECT n.nodeport FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid) WHERE p.shardid = $sid")
dst=${PORTS[1]}; [ "$src" = "${PORTS[1]}" ] && dst=${PORTS[2]}
( for j in $(seq 1 40); do
      q "INSERT INTO txn SELECT 'k' || (i % 10), i, now() - interval '1 minute' * ($j * 50 + i) FROM generate_series(1, 50) i" >/dev/null || exit 1
  done ) & mover_writer=$!
sleep 0.2
q "SELECT citus_move_shard_placement($sid, '/tmp', $src, '/tmp', $dst, 'block_writes')" >/dev/null || fail "shard move"
wait $mover_writer || fail "the writer failed during the shard move"
q "CALL citus_cleanup_orphaned_resources()" >/dev/null || fail "citus_cleanup_orphaned_resources"
[ "$(q "SELECT n.nodeport FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid) WHERE p.shardid = $sid")" = "$dst" ] ||
    fail "the shard did not move"
check "shard move under a streaming writer"
for i in $(seq 0 9); do
    q "SELECT count(*) FROM fd('k$i', 1, now())" >/dev/null || fail "a call for key k$i after the shard move"
done

# ---------------------------------------------------------------- 5. TRUNCATE and DROP TABLE
q "TRUNCATE txn" >/dev/null
check "TRUNCATE"
q "SELECT feature_ext.undeploy('public.fd')" >/dev/null || fail "undeploy on the coordinator"
for p in "${PORTS[1]}" "${PORTS[2]}"; do
    [ "$(fe_psql "$p" -At -c "SELECT count(*) FROM feature_ext.deployments WHERE name = 'public.fd'")" = 0 ] ||
        fail "undeploy on the coordinator left it on worker $p"
done
fe_psql "$wport" -At -c "SELECT feature_ext.undeploy('public.fs')" >/dev/null || fail "undeploy of fs"
fe_psql "${PORTS[1]}" -At -c "SELECT feature_ext.undeploy('public.fl')" -c "DROP TABLE txn_local" >/dev/null ||
    fail "dropping txn_local"
q "DROP TABLE txn" >/dev/null
for p in "${PORTS[1]}" "${PORTS[2]}"; do
    [ "$(fe_psql "$p" -At -c "SELECT count(*) FROM feature_ext.index_stats")" = 0 ] || fail "DROP TABLE left indexes on port $p"
done
echo "citus: ok (Citus $(q "SELECT extversion FROM pg_extension WHERE extname = 'citus'"), coordinator + 2 workers: skiplist indexes, INSERT, COPY, UPDATE, DELETE, TRUNCATE, DROP through the coordinator (two-phase commit) exact on every shard, also after a shard move under a streaming writer; Citus's recovery commits a prepared transaction into its index; deployments over the distributed table made on every node from the coordinator, exact through the coordinator and on each worker (10 keys), a node without the key's shard names its node; index_scan refuses the coordinator's shell; a deployment over a shard is exact on its worker; key_owner() names the worker and shard that hold a key; batch() and training_set() on every node equal a single node's; a window not partitioned by the distribution column refused; LAST JOIN of a colocated table, a reference table lookup and a union window with a colocated table exact on every node, other tables refused naming them; batch() and training_set() on the shards' nodes in parallel, equal to a single node's)"
