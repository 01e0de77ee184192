#!/usr/bin/env bash
# Review cases for deployments over Citus distributed tables (each fails on
# 3c7094c), on a coordinator and two workers:
#   moved    after citus_move_shard_placement the source worker still holds
#            the old shard table until Citus's deferred cleanup drops it; a
#            call there (the row form, or a client routing by a key_owner()
#            answer it cached) answered from that orphaned copy, missing the
#            rows written since, instead of naming the key's new node (the
#            route took "the shard table exists here" for "this node holds
#            the shard"; it now reads the node's placements, and forwards
#            the request to the key's new node)
#   rollback deploy() / undeploy() on the coordinator inside a transaction
#            block that then rolls back: the workers' side
#            (run_command_on_workers) had committed on its own, leaving the
#            coordinator's deployment delegating calls to workers without it
#            (or the workers with a deployment the coordinator does not
#            have); both are now refused in a transaction block there
#   quoted   undeploy() on the coordinator of a deployment whose schema (or
#            name) needs quoting ("Sales".f) failed on every worker: the
#            worker command passed the unquoted view name to undeploy()
#   leak     calls over a table whose shards lack its dropped column (here
#            on a coordinator that holds shards) grew the session by a plan
#            each when they were refused; since 2026-12-04 the columns are
#            bound by name and the calls answer: no memory is left behind
#   role     deploy() on the coordinator by a role that is not a superuser
#            made the workers' copies, then failed in Citus's
#            create_distributed_function ("permission denied for language
#            c" on a worker: Citus recreates the function there as the
#            caller), leaving those copies; since the forwarder replaced
#            Citus's delegation (2026-12-04) nothing needs a superuser: her
#            deploy() reaches every node and her calls through the
#            coordinator are exact
#   styles   (review11) a request forwarded through the coordinator by a
#            session with DateStyle 'SQL, DMY' or extra_float_digits 0: the
#            forwarder wrote the request values with the caller's styles and
#            the node read them with its own (ISO, MDY): a timestamp's day and
#            month swapped or "out of range", a float8 rounded to 15 digits,
#            unlike the same call answered locally
#   authinfo (review11) a role whose password for every node is in
#            pg_dist_authinfo under nodeid 0 (Citus's "all nodes" entry):
#            the forwarder looked for nodeid -1 (Citus's loopback entry)
#            instead, connected without the password and failed where
#            Citus's own connections succeed
#   timezone (review11) a deployment whose answer depends on the session's
#            TimeZone (the hour of a timestamptz): forwarded through the
#            coordinator it was computed in the node connection's default
#            zone, not the caller's, unlike the same call on the key's node
#   secondary (review11) a worker's group with a secondary node (a hot
#            standby, citus_add_secondary_node) whose node id is lower than
#            its primary's: the route took "the first active node of the
#            placement's group" and forwarded requests to the standby (here
#            a port nobody listens on) instead of the primary
#            (key_owner() already named the primary)
# Skipped (77) like citus.sh when Citus is neither installed nor buildable
# (citus.sh builds it; it runs first).
# Usage: citus_review.sh [case...]   (default: all)
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
case "$FE_PG_MAJOR" in 15|16|17) ;; *) echo "citus_review: skipped: Citus 13.2.2 supports PostgreSQL 15 to 17, this is $FE_PG_MAJOR"; exit 77 ;; esac
if [ ! -e "$("$PG_CONFIG" --pkglibdir)/citus.so" ]; then
    # citus.sh installs Citus (from its source tarball) or skips.
    rc=0; bash "$FE_ROOT/test/scripts/citus.sh" >/dev/null 2>&1 || rc=$?
    [ -e "$("$PG_CONFIG" --pkglibdir)/citus.so" ] || { echo "citus_review: skipped: Citus is not available (citus.sh: $rc)"; exit 77; }
fi
CASES=${*:-moved rollback quoted leak role styles authinfo timezone doblock secondary}
DIR=$(fe_workdir)
PORT0=${FE_CITUS_PORT:-56621}
PORTS=($(fe_free_port $PORT0) $(fe_free_port $((PORT0 + 3))) $(fe_free_port $((PORT0 + 6))))
trap 'for i in 0 1 2; do fe_stop_server "$DIR/d$i" immediate; done; rm -rf "$DIR"' EXIT
for i in 0 1 2; do
    # Citus's shard moves connect to the node itself: over the socket here.
    fe_start_server "$DIR/d$i" "${PORTS[$i]}" "shared_preload_libraries = 'citus,feature_ext'" \
        "max_prepared_transactions = 50" "log_min_messages = warning" "citus.local_hostname = '/tmp'"
    fe_psql "${PORTS[$i]}" -c "CREATE EXTENSION citus" -c "CREATE EXTENSION feature_ext" >/dev/null
done
C=${PORTS[0]}
W1=${PORTS[1]}
W2=${PORTS[2]}
q() { fe_psql "$C" -At -c "$1"; }
tryq() { local rc=0; out=$(fe_psql "$C" -At 2>&1 <<<"$1") || rc=$?; return $rc; }
onw() { local p=$1; shift; fe_psql "$p" -At "$@"; }
failures=0
bad() { echo "FAIL (citus_review $case): $*"; failures=$((failures + 1)); }
q "SELECT citus_set_coordinator_host('/tmp', $C)" >/dev/null
q "SELECT citus_add_node('/tmp', $W1)" >/dev/null
q "SELECT citus_add_node('/tmp', $W2)" >/dev/null
fe_psql "$C" -q >/dev/null <<'SQL'
SET citus.shard_count = 4;
CREATE TABLE t (k int8, v float8, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX t_k ON t USING skiplist (k, ts);
SELECT create_distributed_table('t', 'k');
INSERT INTO t SELECT i % 20, i, '2026-01-01'::timestamptz + i * interval '1 min' FROM generate_series(1, 200) i;
SQL
Q='SELECT k, count(*) OVER w AS c, sum(v) OVER w AS s FROM t WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 100 PRECEDING)'
tryq "SELECT feature_ext.deploy('public.f', \$q\$$Q\$q\$)" || { echo "FAIL (citus_review): deploy: $out"; exit 1; }
# want K: count|sum of key K's rows plus the request (v = 0)
want() { q "SELECT count(*) + 1 || '|' || sum(v) FROM t WHERE k = $1"; }
owner() { q "SELECT node_port FROM feature_ext.key_owner('t', $1::int8)"; }

for case in $CASES; do
case $case in
moved)
    key=3
    src=$(owner $key)
    dst=$W1; [ "$src" = "$W1" ] && dst=$W2
    sid=$(q "SELECT shard_id FROM feature_ext.key_owner('t', $key::int8)")
    got=$(onw "$src" -c "SELECT c || '|' || s FROM f(ROW($key, 0, '2030-01-01')::t)" 2>&1) || true
    [ "$got" = "$(want $key)" ] || bad "before the move, on the key's node $src: $got, expected $(want $key)"
    q "SELECT citus_move_shard_placement($sid, '/tmp', $src, '/tmp', $dst, 'block_writes')" >/dev/null ||
        { bad "citus_move_shard_placement failed"; continue; }
    q "INSERT INTO t VALUES ($key, 1000, '2026-06-01'), ($key, 2000, '2026-06-02')" >/dev/null
    [ "$(owner $key)" = "$dst" ] || bad "key_owner after the move: $(owner $key), expected $dst"
    # the old placement still exists on $src until Citus's deferred cleanup
    # (pg_dist_cleanup) drops it: an answer from it would miss the two new
    # rows; the old node forwards the request to the new one
    got=$(onw "$src" -c "SELECT c || '|' || s FROM f(ROW($key, 0, '2030-01-01')::t)" 2>&1) || true
    [ "$got" = "$(want $key)" ] || bad "the key's old node $src: $got (the table: $(want $key))"
    # ... and a backend that may not forward says which node holds the key
    got=$(onw "$src" -c "SET application_name = 'feature_ext forwarder'" -c "SELECT c FROM f(ROW($key, 0, '2030-01-01')::t)" 2>&1) &&
        bad "the key's old node $src answered from its orphaned shard copy: $got (the table: $(want $key))"
    grep -q "is held by node .*:$dst" <<<"$got" || bad "on the old node $src: $got"
    got=$(onw "$dst" -c "SELECT c || '|' || s FROM f(ROW($key, 0, '2030-01-01')::t)" 2>&1) || true
    [ "$got" = "$(want $key)" ] || bad "on the key's new node $dst: $got, expected $(want $key)"
    got=$(q "SELECT c || '|' || s FROM f($key, 0, '2030-01-01')" 2>&1) || true
    [ "$got" = "$(want $key)" ] || bad "through the coordinator: $got, expected $(want $key)"
    # a session that planned before the move sees it too (Citus invalidates the table)
    key=4
    src=$(owner $key)
    dst=$W1; [ "$src" = "$W1" ] && dst=$W2
    sid=$(q "SELECT shard_id FROM feature_ext.key_owner('t', $key::int8)")
    out=$(fe_psql "$src" -At -v ON_ERROR_STOP=0 2>&1 <<SQL
SELECT 'before', c FROM f(ROW($key, 0, '2030-01-01')::t);
\\! $PG_BINDIR/psql -X -q -h /tmp -p $C -U postgres -d postgres -c "SELECT citus_move_shard_placement($sid, '/tmp', $src, '/tmp', $dst, 'block_writes')" -c "INSERT INTO t VALUES ($key, 5, '2026-06-01')" >/dev/null
SELECT 'after', c FROM f(ROW($key, 0, '2030-01-01')::t);
SQL
)
    b=$(sed -n 's/^before|//p' <<<"$out")
    a=$(sed -n 's/^after|//p' <<<"$out")
    [ -n "$b" ] || bad "same session, before the move: $out"
    # the old node's old plan would miss the row inserted after the move
    [ "$a" = $((b + 1)) ] || bad "same session, after the move, the old node's answer misses the new row: $out"
    ;;
rollback)
    # undeploy rolled back: the deployment must still answer through the coordinator
    out=$(fe_psql "$C" -At -v ON_ERROR_STOP=0 2>&1 <<'SQL'
BEGIN;
SELECT feature_ext.undeploy('public.f');
ROLLBACK;
SQL
) || true
    for p in "$W1" "$W2"; do
        [ "$(onw "$p" -c "SELECT count(*) FROM feature_ext.deployments WHERE name = 'public.f'")" = 1 ] ||
            bad "undeploy() rolled back on the coordinator removed the deployment from worker $p"
    done
    got=$(q "SELECT c || '|' || s FROM f(5, 0, '2030-01-01')" 2>&1) || true
    [ "$got" = "$(want 5)" ] || bad "after a rolled-back undeploy(), through the coordinator: $got"
    # deploy rolled back: nothing is left on the workers
    out=$(fe_psql "$C" -At -v ON_ERROR_STOP=0 2>&1 <<SQL
BEGIN;
SELECT feature_ext.deploy('public.frb', \$q\$$Q\$q\$);
ROLLBACK;
SQL
) || true
    for p in "$W1" "$W2"; do
        [ "$(onw "$p" -c "SELECT count(*) FROM feature_ext.deployments WHERE name = 'public.frb'")" = 0 ] ||
            bad "deploy() rolled back on the coordinator left a deployment on worker $p"
    done
    # outside a transaction block both still work
    tryq "SELECT feature_ext.deploy('public.frb', \$q\$$Q\$q\$)" || bad "deploy(): $out"
    tryq "SELECT feature_ext.undeploy('public.frb')" || bad "undeploy(): $out"
    ;;
quoted)
    q 'CREATE SCHEMA "Sales"' >/dev/null
    tryq "SELECT feature_ext.deploy('\"Sales\".\"F\"', \$q\$$Q\$q\$)" || { bad "deploy of \"Sales\".\"F\": $out"; continue; }
    got=$(q "SELECT c || '|' || s FROM \"Sales\".\"F\"(6, 0, '2030-01-01')" 2>&1) || true
    [ "$got" = "$(want 6)" ] || bad "\"Sales\".\"F\" through the coordinator: $got"
    tryq "SELECT feature_ext.undeploy('\"Sales\".\"F\"')" || bad "undeploy of \"Sales\".\"F\": $out"
    for p in "$C" "$W1" "$W2"; do
        [ "$(onw "$p" -c "SELECT count(*) FROM feature_ext.deployment WHERE schema_name = 'Sales'")" = 0 ] ||
            bad "undeploy left \"Sales\".\"F\" on port $p"
    done
    ;;
leak)
    fe_psql "$C" -q >/dev/null <<'SQL'
SELECT citus_set_node_property('/tmp', pg_catalog.current_setting('port')::int, 'shouldhaveshards', true);
SET citus.shard_count = 4;
CREATE TABLE td (k int8, junk int, v float8, ts timestamptz NOT NULL) USING feature_store;
ALTER TABLE td DROP COLUMN junk;
CREATE INDEX td_k ON td USING skiplist (k, ts);
SELECT create_distributed_table('td', 'k', colocate_with => 'none');
INSERT INTO td SELECT i % 20, i, '2026-01-01' FROM generate_series(1, 100) i;
SQL
    tryq "SELECT feature_ext.deploy('public.fdd', \$q\$SELECT k, count(*) OVER w AS c FROM td WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 5 PRECEDING)\$q\$)" ||
        { bad "deploy over td: $out"; continue; }
    key=$(q "SELECT k FROM generate_series(0, 19) k, feature_ext.key_owner('td', k::int8) o WHERE o.node_port = $C LIMIT 1")
    [ -n "$key" ] || { bad "no key of td on the coordinator"; continue; }
    out=$(fe_psql "$C" -At -v ON_ERROR_STOP=0 2>&1 <<SQL
SELECT c FROM fdd(ROW($key, 0, '2027-01-01')::td);
SELECT 'before', count(*) FROM pg_backend_memory_contexts WHERE name LIKE 'feature_ext%';
DO \$\$ BEGIN FOR i IN 1..100 LOOP
  BEGIN PERFORM fdd(ROW($key, 0, '2027-01-01')::td); EXCEPTION WHEN feature_not_supported THEN NULL; END;
END LOOP; END \$\$;
SELECT 'after', count(*) FROM pg_backend_memory_contexts WHERE name LIKE 'feature_ext%';
SQL
)
    # (Refused before 2026-12-04 evening: the shards lack the dropped column;
    # now bound by name, the call answers: 5 stored rows of the key + the request.)
    [ "$(head -1 <<<"$out")" = 6 ] || bad "the call over td: $out"
    b=$(sed -n 's/^before|//p' <<<"$out"); a=$(sed -n 's/^after|//p' <<<"$out")
    [ -n "$b" ] && [ -n "$a" ] && [ $((a - b)) -lt 10 ] ||
        bad "100 refused calls left $((a - b)) more feature_ext memory contexts in the session ($b before, $a after)"
    ;;
role)
    fe_psql "$C" -q >/dev/null <<'SQL'
CREATE ROLE alice LOGIN;
GRANT CREATE ON SCHEMA public TO alice;
SET ROLE alice;
SET citus.shard_count = 4;
CREATE TABLE ta (k int8, v float8, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ta_k ON ta USING skiplist (k, ts);
SELECT create_distributed_table('ta', 'k', colocate_with => 'none');
INSERT INTO ta SELECT i % 20, i, '2026-01-01' FROM generate_series(1, 100) i;
SQL
    rc=0
    out=$(fe_psql "$C" -At -c "SET ROLE alice" \
          -c "SELECT feature_ext.deploy('public.fa', \$q\$SELECT k, count(*) OVER w AS c FROM ta WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 5 PRECEDING)\$q\$)" 2>&1) || rc=$?
    if [ "$rc" = 0 ]; then
        got=$(fe_psql "$C" -At -c "SET ROLE alice" -c "SELECT c FROM fa(3, 0, '2030-01-01')" 2>&1) || true
        [ "$got" = "$(q "SELECT count(*) + 1 FROM ta WHERE k = 3")" ] || bad "alice's deployment through the coordinator: $got"
        for p in "$W1" "$W2"; do
            [ "$(onw "$p" -c "SELECT count(*) FROM feature_ext.deployments WHERE name = 'public.fa'")" = 1 ] ||
                bad "alice's deploy() did not reach worker $p"
        done
    else
        grep -q 'must be run by a superuser' <<<"$out" || bad "alice's deploy() failed without saying why: $out"
        for p in "$W1" "$W2"; do
            [ "$(onw "$p" -c "SELECT count(*) FROM feature_ext.deployments WHERE name = 'public.fa'")" = 0 ] ||
                bad "alice's failed deploy() left a deployment on worker $p"
        done
    fi
    ;;
styles)
    tryq "SELECT feature_ext.deploy('public.fst', \$q\$SELECT k, min(v) OVER w AS mn, count(*) OVER w AS c FROM t WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 1000 PRECEDING)\$q\$)" ||
        { bad "deploy of fst: $out"; continue; }
    key=7
    [ "$(owner $key)" != "$C" ] || { bad "key $key is on the coordinator"; continue; }
    # day 13: read as a month by a node with DateStyle MDY
    got=$(fe_psql "$C" -At -c "SET datestyle = 'SQL, DMY'" \
          -c "SELECT c FROM fst($key, 0, '2030-06-13 10:00+00')" 2>&1) || true
    [ "$got" = "$(q "SELECT count(*) + 1 FROM t WHERE k = $key")" ] ||
        bad "through the coordinator with DateStyle 'SQL, DMY': $got"
    # 1 + 2^-52 written with 15 digits is 1
    got=$(fe_psql "$C" -At -c "SET extra_float_digits = 0" \
          -c "SELECT mn = '-1.0000000000000002'::float8 FROM fst($key, '-1.0000000000000002', '2030-01-01')" 2>&1) || true
    [ "$got" = t ] || bad "through the coordinator with extra_float_digits 0, the request's float8 was rounded: $got"
    # the answer read back with the caller's styles
    got=$(fe_psql "$C" -At -c "SET datestyle = 'German, DMY'" -c "SET extra_float_digits = 0" \
          -c "SELECT mn = '-1.0000000000000002'::float8 FROM fst($key, '-1.0000000000000002', '2030-01-01')" 2>&1) || true
    [ "$got" = t ] || bad "through the coordinator with DateStyle German: $got"
    ;;
authinfo)
    # pw logs in to the workers with a password only
    q "CREATE ROLE pw LOGIN PASSWORD 'sekrit'" >/dev/null
    q "GRANT SELECT ON t TO pw" >/dev/null
    for p in "$W1" "$W2"; do
        d=$(onw "$p" -c "SHOW data_directory")
        { echo "local all pw scram-sha-256"; cat "$d/pg_hba.conf"; } >"$d/pg_hba.conf.new"
        mv "$d/pg_hba.conf.new" "$d/pg_hba.conf"
        chown postgres "$d/pg_hba.conf" 2>/dev/null || true
        onw "$p" -c "SELECT pg_reload_conf()" >/dev/null
    done
    q "INSERT INTO pg_dist_authinfo (nodeid, rolename, authinfo) VALUES (0, 'pw', 'password=sekrit')" >/dev/null
    tryq "SELECT feature_ext.deploy('public.fpw', \$q\$SELECT k, count(*) OVER w AS c FROM t WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 1000 PRECEDING)\$q\$)" ||
        { bad "deploy of fpw: $out"; continue; }
    # Citus itself reaches the workers as pw with that entry
    got=$(fe_psql "$C" -At -c "SET ROLE pw" -c "SELECT count(*) FROM t WHERE k = 8" 2>&1) || true
    [ "$got" = "$(q "SELECT count(*) FROM t WHERE k = 8")" ] || bad "Citus's query as pw: $got"
    got=$(fe_psql "$C" -At -c "SET ROLE pw" -c "SELECT c FROM fpw(8, 0, '2030-01-01')" 2>&1) || true
    [ "$got" = "$(q "SELECT count(*) + 1 FROM t WHERE k = 8")" ] ||
        bad "pw's request forwarded through the coordinator (all-nodes authinfo): $got"
    ;;
timezone)
    tryq "SELECT feature_ext.deploy('public.ftz', \$q\$SELECT k, count(*) OVER w AS c, date_part('hour', ts) AS h FROM t WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 1000 PRECEDING)\$q\$)" ||
        { bad "deploy of ftz: $out"; continue; }
    key=9
    own=$(owner $key)
    [ "$own" != "$C" ] || { bad "key $key is on the coordinator"; continue; }
    for tz in Asia/Tokyo America/New_York; do
        local_h=$(onw "$own" -c "SET TimeZone = '$tz'" -c "SELECT h FROM ftz($key, 0, '2030-01-01 00:00+00')" 2>&1) || true
        got=$(fe_psql "$C" -At -c "SET TimeZone = '$tz'" -c "SELECT h FROM ftz($key, 0, '2030-01-01 00:00+00')" 2>&1) || true
        [ "$got" = "$local_h" ] && [ -n "$got" ] ||
            bad "TimeZone $tz: through the coordinator $got, on the key's node $local_h"
    done
    # the same session changes its zone between calls
    got=$(fe_psql "$C" -At -c "SET TimeZone = 'Asia/Tokyo'" -c "SELECT h FROM ftz($key, 0, '2030-01-01 00:00+00')" \
          -c "SET TimeZone = 'UTC'" -c "SELECT h FROM ftz($key, 0, '2030-01-01 00:00+00')" 2>&1 | tr '\n' ' ') || true
    [ "$got" = "9 0 " ] || bad "one session, Tokyo then UTC: $got"
    ;;
doblock)
    # one transaction without a transaction block: a DO block writes a row
    # of the key through Citus, then asks for the key's features
    key=11
    [ "$(owner $key)" != "$C" ] || { bad "key $key is on the coordinator"; continue; }
    out=$(fe_psql "$C" -At -v ON_ERROR_STOP=0 2>&1 <<SQL
DO \$\$ DECLARE n int; BEGIN
  INSERT INTO t VALUES ($key, 1, '2026-06-01');
  SELECT x.c INTO n FROM f($key, 0, '2030-01-01') x;
  RAISE NOTICE 'got=%', n;
END \$\$;
SQL
)
    got=$(sed -n 's/.*got=//p' <<<"$out")
    if [ -n "$got" ]; then
        [ "$got" = "$(want $key | cut -d'|' -f1)" ] ||
            bad "a DO block's request after its own write through Citus: $got, the table (after commit) $(want $key | cut -d'|' -f1)"
    else
        grep -q 'transaction' <<<"$out" || bad "a DO block's request: $out"
    fi
    ;;
secondary)
    key=12
    own=$(owner $key)
    [ "$own" != "$C" ] || { bad "key $key is on the coordinator"; continue; }
    dead=$(fe_free_port 55797)
    q "SELECT citus_add_secondary_node('/tmp', $dead, '/tmp', $own)" >/dev/null ||
        { bad "citus_add_secondary_node failed"; continue; }
    # a standby re-registered before its primary (on the coordinator's metadata)
    q "UPDATE pg_dist_node SET nodeid = -7 WHERE noderole = 'secondary' AND nodeport = $dead" >/dev/null
    [ "$(owner $key)" = "$own" ] || bad "key_owner names $(owner $key), expected the primary $own"
    tryq "SELECT feature_ext.deploy('public.fsec', \$q\$SELECT k, count(*) OVER w AS c FROM t WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 1000 PRECEDING)\$q\$)" ||
        { bad "deploy of fsec: $out"; }
    got=$(q "SELECT c FROM fsec($key, 0, '2030-01-01')" 2>&1) || true
    [ "$got" = "$(q "SELECT count(*) + 1 FROM t WHERE k = $key")" ] ||
        bad "through the coordinator with a secondary in the key's group: $got"
    q "DELETE FROM pg_dist_node WHERE noderole = 'secondary' AND nodeport = $dead" >/dev/null
    ;;
*) echo "citus_review: unknown case $case"; exit 2 ;;
esac
done
[ "$failures" = 0 ] || { echo "citus_review: $failures failure(s)"; exit 1; }
echo "citus_review: ok ($CASES)"
