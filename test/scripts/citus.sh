#!/usr/bin/env bash
# On Citus (SPEC §9): until distributed deployments exist, a deployment or
# index_scan over a table Citus distributes must fail, never answer from the
# coordinator's empty shell table (the issue's "silently wrong" case: count 1,
# the request row alone).  A deployment over a shard table (what a worker
# holds) reads that shard's rows.
#
# Single node: the coordinator holds the shards (citus_set_node_property
# shouldhaveshards), so no worker servers are needed.  Citus comes from the
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
DATA=$DIR/data
PORT=$(fe_free_port 55521)
trap 'fe_stop_server "$DATA" immediate; rm -rf "$DIR"' EXIT
fail() { echo "FAIL (citus): $*"; tail -5 "$DATA/server.log"; exit 1; }
fe_start_server "$DATA" "$PORT" "shared_preload_libraries = 'citus,feature_ext'"
q() { fe_psql "$PORT" -At -c "$1"; }
tryq() { local rc=0; out=$(fe_psql "$PORT" -At 2>&1 <<<"$1") || rc=$?; return $rc; }
q "CREATE EXTENSION citus" >/dev/null
q "CREATE EXTENSION feature_ext" >/dev/null
q "SELECT citus_set_coordinator_host('/tmp', $PORT)" >/dev/null
q "SELECT citus_set_node_property('/tmp', $PORT, 'shouldhaveshards', true)" >/dev/null
fe_psql "$PORT" -q <<'SQL' >/dev/null
SET citus.shard_count = 4;
CREATE TABLE txn (k text, v float8, ts timestamptz NOT NULL) USING feature_store;
SELECT create_distributed_table('txn', 'k');
INSERT INTO txn VALUES ('a', 1, '2026-01-01');
INSERT INTO txn VALUES ('a', 2, '2026-01-02');
-- The index on the coordinator's shell only, as a user can make it.
SET citus.enable_ddl_propagation = off;
CREATE INDEX txn_k ON txn USING skiplist (k, ts);
SQL
[ "$(q "SELECT count(*) FROM txn")" = 2 ] || fail "the distributed table does not hold 2 rows"
WIN="count(*) OVER w AS c FROM %s WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 5 PRECEDING)"
tryq "SELECT feature_ext.deploy('public.f', \$q\$SELECT k, $(printf "$WIN" txn)\$q\$)" &&
    fail "deploy over a distributed table succeeded (its shell is empty: features would be wrong)"
grep -q 'is a Citus distributed table' <<<"$out" || fail "deploy error: $out"
tryq "SELECT * FROM feature_ext.index_scan('txn_k', ARRAY['a'])" && fail "index_scan read the empty shell: $out"
grep -q 'is a Citus distributed table' <<<"$out" || fail "index_scan error: $out"
# The shard that holds key 'a' is an ordinary table: a deployment over it is exact.
shard=$(q "SELECT shard_name('txn'::regclass, get_shard_id_for_distribution_column('txn', 'a'))")
fe_psql "$PORT" -q <<SQL >/dev/null
SET citus.override_table_visibility = off;
CREATE INDEX ON $shard USING skiplist (k, ts);
SELECT feature_ext.deploy('public.fs', \$q\$SELECT k, $(printf "$WIN" "$shard")\$q\$);
SQL
got=$(fe_psql "$PORT" -At -c "SET citus.override_table_visibility = off" -c "SELECT c FROM fs('a', 3, '2026-01-03')")
[ "$got" = 3 ] || fail "deployment over shard $shard answered '$got', expected 3 (2 stored rows + the request)"
echo "citus: ok (Citus $(q "SELECT extversion FROM pg_extension WHERE extname = 'citus'"): deploy and index_scan refuse the distributed table; a deployment over its shard $shard is exact)"
