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
#   3. until distributed deployments exist, a deployment or index_scan over
#      the distributed table fails on the coordinator (its table there is an
#      empty shell: the issue's "silently wrong" case, count 1), while a
#      deployment over a shard on the worker that holds it is exact;
#      key_owner() names the shard and worker that hold a key;
#      cluster_index_stats() / cluster_memory_usage() show every node's;
#   4. retention (table option) applied by the coordinator's DELETE on every
#      shard; 5. TRUNCATE and DROP TABLE through the coordinator.
# Citus comes from the
# PostgreSQL install if present, else it is built once from
# ../shared/vendor/citus-13.2.2.tar.gz (or FE_CITUS_TARBALL) and installed;
# the build (~5 min on 2 cores) is cached in $FE_PG_CACHE/citus-13.2.2-pg<major>.
# Skipped (77) inside the roots of scripts/pg_major.sh (Citus is built for the
# host's PostgreSQL) and where neither Citus nor its source is available.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
[ "${FE_IN_MAJOR_ROOT:-}" = 1 ] && { echo "citus: skipped: Citus is built for the host's PostgreSQL only"; exit 77; }
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
        for p in liblz4-dev libzstd-dev libkrb5-dev; do
            dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
                apt-get install -y -qq --no-install-recommends "$p" >/dev/null || { echo "citus: skipped: cannot install $p"; exit 77; }
        done
        rm -rf "$CACHE" && mkdir -p "$CACHE/src"
        tar xzf "$TARBALL" -C "$CACHE/src" --strip-components=1
        # PostgreSQL 15.20 exports have_createdb_privilege(); Citus's copy for < 16 is renamed.
        sed -i 's/^#define have_createdb_privilege() have_createdb_privilege()$/#define have_createdb_privilege() citus_have_createdb_privilege()/;
                s/^have_createdb_privilege(void)$/citus_have_createdb_privilege(void)/' "$CACHE/src/src/include/pg_version_compat.h"
        ( cd "$CACHE/src" && ./configure PG_CONFIG="$PG_CONFIG" --without-libcurl >"$CACHE/build.log" 2>&1 &&
          make -j"$(nproc)" with_llvm=no >>"$CACHE/build.log" 2>&1 ) || { tail -20 "$CACHE/build.log"; echo "FAIL (citus): the Citus build failed"; exit 1; }
    fi
    make -C "$CACHE/src" install PG_CONFIG="$PG_CONFIG" >/dev/null 2>&1 || { echo "FAIL (citus): make install of Citus"; exit 1; }
fi

DIR=$(fe_workdir)
PORTS=($(fe_free_port 55521) $(fe_free_port 55524) $(fe_free_port 55527))
trap 'for i in 0 1 2; do fe_stop_server "$DIR/d$i" immediate; done; rm -rf "$DIR"' EXIT
fail() { echo "FAIL (citus): $*"; for i in 0 1 2; do tail -3 "$DIR/d$i/server.log"; done; exit 1; }
for i in 0 1 2; do
    fe_start_server "$DIR/d$i" "${PORTS[$i]}" "shared_preload_libraries = 'citus,feature_ext'" \
        "max_prepared_transactions = 50" "log_min_messages = warning"
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
WIN="count(*) OVER w AS c FROM %s WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 5 PRECEDING)"
tryq "SELECT feature_ext.deploy('public.f', \$q\$SELECT k, $(printf "$WIN" txn)\$q\$)" &&
    fail "deploy over a distributed table succeeded (its shell is empty: features would be wrong)"
grep -q 'is a Citus distributed table' <<<"$out" || fail "deploy error: $out"
tryq "SELECT * FROM feature_ext.index_scan('txn_k', ARRAY['k3'])" && fail "index_scan read the empty shell: $out"
grep -q 'is a Citus distributed table' <<<"$out" || fail "index_scan error: $out"
# The shard that holds key 'k3' is an ordinary table on its worker: a deployment over it is exact.
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

# ---------------------------------------------------------------- 5. TRUNCATE and DROP TABLE
q "TRUNCATE txn" >/dev/null
check "TRUNCATE"
q "DROP TABLE txn" >/dev/null
for p in "${PORTS[1]}" "${PORTS[2]}"; do
    [ "$(fe_psql "$p" -At -c "SELECT count(*) FROM feature_ext.index_stats")" = 0 ] || fail "DROP TABLE left indexes on port $p"
done
echo "citus: ok (Citus $(q "SELECT extversion FROM pg_extension WHERE extname = 'citus'"), coordinator + 2 workers: skiplist indexes, INSERT, COPY, UPDATE, DELETE, TRUNCATE, DROP through the coordinator (two-phase commit) exact on every shard; Citus's recovery commits a prepared transaction into its index; deploy and index_scan refuse the distributed table on the coordinator; a deployment over a shard is exact on its worker; key_owner() names the worker and shard that hold a key)"
