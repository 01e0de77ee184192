#!/usr/bin/env bash
# citus_review3: adversarial review of batch() / training_set() of a source
# on the shards' nodes (feature_ext.citus_source_shards, commit 341d484;
# the bugs below fixed since), kept as regression probes (in the suite).  A coordinator and two workers as in citus.sh
# (which installs Citus; skipped (77) where Citus is not installed).  Each
# probe prints "ok <name>" or "BUG <name>: observed ... / expected ...";
# the reference is the same call with feature_ext.citus_parallel_batch = off
# (computed on the calling node).
#   spill      a node's share of the source larger than work_mem: the node
#              crashed (SIGSEGV in tuplestore_gettupleslot, a tuple freed by
#              run_batch's per-row context reset, then by the slot)
#   limit      LIMIT without a total order: each node picks its own rows
#   fnlocal    a SQL function reading a table of the calling node alone (an
#              error on the nodes; silently their own rows where they have such a table)
#   tempfn     a function in the caller's pg_temp
#   datestyle  the caller's DateStyle (and IntervalStyle) when the nodes parse the source
#   scs        the caller's standard_conforming_strings = off
#   rowtype    training_set()'s row type of a table of the calling node alone
#   dupshard   citus_source_shards() with a shard listed twice
#   notice     batch()'s NOTICE about skipped rows was raised on the node that
#              computes and not relayed: the nodes' NOTICEs are now relayed
#              (with "on Citus node host:port"), their counts adding up
#   sideeffect a volatile function's side effect, once per node holding shards
#   (fine:) searchpath quoting intkey uuidkey nullkey view citustables unpriv
#   direct rls guc err cancel
#   FE_CITUS_PORT=56600 bash test/scripts/citus_review3.sh [probe ...]
set -uo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
case "$FE_PG_MAJOR" in 15|16|17) ;; *) echo "citus_review3: skipped: Citus 13.2.2 supports PostgreSQL 15 to 17, this is $FE_PG_MAJOR"; exit 77 ;; esac
[ -e "$("$PG_CONFIG" --pkglibdir)/citus.so" ] || { echo "citus_review3: skipped: Citus is not installed (test/scripts/citus.sh installs it)"; exit 77; }
PROBES=${*:-"spill limit fnlocal tempfn datestyle scs rowtype dupshard searchpath quoting intkey uuidkey nullkey view citustables unpriv direct rls guc err cancel sideeffect notice"}
DIR=$(fe_workdir)
PORT0=${FE_CITUS_PORT:-56600}
PORTS=($(fe_free_port $PORT0) $(fe_free_port $((PORT0 + 3))) $(fe_free_port $((PORT0 + 6))))
trap '[ -n "${KEEP:-}" ] && { echo "kept: $DIR ports ${PORTS[*]}"; exit; }; for i in 0 1 2; do fe_stop_server "$DIR/d$i" immediate; done; rm -rf "$DIR"' EXIT
for i in 0 1 2; do
    fe_start_server "$DIR/d$i" "${PORTS[$i]}" "shared_preload_libraries = 'citus,feature_ext'" \
        "max_prepared_transactions = 50" "log_min_messages = warning" "citus.local_hostname = '/tmp'"
    fe_psql "${PORTS[$i]}" -c "CREATE EXTENSION citus" -c "CREATE EXTENSION feature_ext" >/dev/null
done
C=${PORTS[0]}; W1=${PORTS[1]}; W2=${PORTS[2]}
q() { fe_psql "$C" -At -c "$1"; }
q "SELECT citus_set_coordinator_host('/tmp', $C)" >/dev/null
q "SELECT citus_add_node('/tmp', $W1)" >/dev/null
q "SELECT citus_add_node('/tmp', $W2)" >/dev/null
bugs=0
bug() { echo "BUG $1: observed: $2"; echo "    expected: $3"; bugs=$((bugs + 1)); }
ok() { echo "ok $1"; }

# txn: distributed (8 shards) by k text; fd over it; labs: a distributed label table.
fe_psql "$C" -q >/dev/null <<'SQL' || { echo "setup failed"; exit 2; }
CREATE TABLE txn (k text, v float8, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ON txn USING skiplist (k, ts);
SET citus.shard_count = 8;
SELECT create_distributed_table('txn', 'k');
INSERT INTO txn SELECT 'k' || (i % 10), i, '2026-01-01'::timestamptz + i * interval '1 hour' FROM generate_series(1, 1000) i;
SELECT feature_ext.deploy('public.fd', $q$SELECT k, count(*) OVER w AS c, sum(v) OVER w AS s FROM txn WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 5 PRECEDING)$q$);
CREATE TABLE labs (k text, ts timestamptz NOT NULL, lab bool);
SELECT create_distributed_table('labs', 'k', colocate_with => 'none');
INSERT INTO labs SELECT 'k' || (i % 10), '2026-01-01'::timestamptz + i * interval '7 hour', i % 2 = 0 FROM generate_series(1, 140) i;
SQL
LCOLS="AS t(k text, ts timestamptz, lab bool, k_feature text, c bigint, s float8)"
# dig PORT QUERY [SETTINGS]: "rows|md5 of the sorted rows" (or the error)
dig() {
    local out rc=0
    out=$(fe_psql "$1" -At -c "${3:-SELECT 1}" -c "SELECT count(*) || '|' || md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM ($2) x" 2>&1) || rc=$?
    if [ $rc != 0 ]; then grep -m1 -E 'ERROR|FATAL|server closed|lost the connection' <<<"$out" || echo "rc $rc"; else tail -1 <<<"$out"; fi
}
# cmp NAME QUERY [SETTINGS] [PORT]: parallel (default) vs feature_ext.citus_parallel_batch = off
cmp() {
    local on off
    on=$(dig "${4:-$C}" "$2" "${3:-SELECT 1}")
    off=$(dig "${4:-$C}" "$2" "${3:-SELECT 1}; SET feature_ext.citus_parallel_batch = off")
    echo "    $1: parallel $on; off $off"
    [ "$on" = "$off" ] && ok "$1" || bug "$1" "parallel: $on" "$off (feature_ext.citus_parallel_batch = off, computed on the calling node)"
}

for probe in $PROBES; do case $probe in
sideeffect)
    # A volatile function with a side effect (a row into a plain table of
    # the node running it): the source runs once per node holding shards.
    for p in $C $W1 $W2; do fe_psql "$p" -q -c "SET citus.enable_ddl_propagation = off" -c "CREATE TABLE public.hits (k text)" >/dev/null; done
    q "CREATE FUNCTION hit(t text) RETURNS bool LANGUAGE plpgsql VOLATILE AS \$f\$BEGIN INSERT INTO public.hits VALUES (t); RETURN true; END\$f\$" >/dev/null
    for setting in on off; do
        for p in $C $W1 $W2; do fe_psql "$p" -q -c "TRUNCATE public.hits"; done
        r=$(fe_psql "$C" -At -c "SET feature_ext.citus_parallel_batch = $setting" -c "SELECT count(*) FROM fd_batch(\$s\$SELECT * FROM txn WHERE k = 'k1' AND hit(k)\$s\$)" 2>&1)
        [ "$r" = 100 ] || echo "    sideeffect ($setting): $r"
        hits=$(for p in $C $W1 $W2; do fe_psql "$p" -At -c 'SELECT count(*) FROM public.hits'; done | awk '{ s += $1 } END { print s + 0 }')
        printf -v "h_$setting" '%s' "$hits"
    done
    echo "    sideeffect: function ran $h_on times parallel, $h_off off"
    [ "$h_on" = "$h_off" ] && [ "${h_off:-0}" -gt 0 ] && ok sideeffect || bug sideeffect "parallel: the function ran $h_on times" "$h_off (once per source row, as computed on the calling node)"
    ;;
notice)
    # batch()'s NOTICE about skipped rows (NULL key or order value) is raised
    # on the node that computes; the calling node relays the nodes' NOTICEs
    # (CONTEXT: on Citus node ...), so the counts shown add up to the rows
    # skipped, as when the calling node computes them all.
    for setting in on off; do
        out=$(fe_psql "$C" -At -v SHOW_CONTEXT=always -c "SET feature_ext.citus_parallel_batch = $setting" -c "SELECT count(*) FROM fd_batch(\$s\$SELECT k, v, CASE WHEN v::int % 5 = 0 THEN NULL ELSE ts END FROM txn\$s\$)" 2>&1)
        n=$(printf '%s\n' "$out" | sed -n 's/.*batch skipped \([0-9]*\) source rows.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
        ctx=$(printf '%s\n' "$out" | grep -c 'on Citus node')
        if [ "$setting" = on ]; then n_on=$n; ctx_on=$ctx; else n_off=$n; fi
    done
    echo "    notice: rows skipped in NOTICEs: $n_on parallel ($ctx_on from nodes), $n_off off"
    [ "$n_on" = 200 ] && [ "$n_off" = 200 ] && [ "$ctx_on" -gt 0 ] && ok notice || bug notice "parallel: $n_on rows in NOTICEs ($ctx_on relayed)" "200 in both, relayed from the nodes"
    ;;
spill)
    # A node's part of a source larger than work_mem: the shard's tuplestore
    # spills to a file; reading it back (tuplestore_gettupleslot, copy =
    # false) hands the slot a tuple that run_batch's per-row context frees
    # before the slot does: the node's backend crashes (SIGSEGV), and with
    # it every session of that node (crash recovery).  2M generated rows
    # (no relation: every node computes) under the workers' default
    # work_mem of 4MB.  (600,000 rows: a node's shards hold more than 4MB.)
    SRC="SELECT 'k' || (i % 1000) AS k, i::float8 AS v, '2026-01-01'::timestamptz + i * interval '1 s' AS ts FROM generate_series(1, 600000) i"
    cmp spill "SELECT * FROM fd_batch(\$s\$$SRC\$s\$)"
    sleep 3
    LSRC="SELECT 'k' || (i % 1000) AS k, '2026-01-01'::timestamptz + i * interval '1 s' AS ts, true AS lab FROM generate_series(1, 600000) i"
    cmp spill_train "SELECT * FROM feature_ext.training_set('public.fd', \$s\$$LSRC\$s\$) $LCOLS"
    sleep 3
    for i in 1 2; do grep -h "terminated by signal" "$DIR/d$i/server.log" | sed "s/^/    node ${PORTS[$i]}: /" | cut -c1-160; done
    ;;
tempfn)
    # A function of the caller's pg_temp schema: not a relation of the
    # source, so every node runs it, where it does not exist.
    cmp tempfn "SELECT * FROM fd_batch('SELECT * FROM txn WHERE k IN (SELECT pg_temp.tk())')" "SET client_min_messages = error; CREATE FUNCTION pg_temp.tk() RETURNS SETOF text LANGUAGE sql AS \$\$SELECT 'k3'::text\$\$"
    ;;
scs)
    # standard_conforming_strings = off on the caller: 'k1\x' is k1x here, k1\x on the nodes.
    cmp scs "SELECT * FROM fd_batch(\$s\$SELECT * FROM txn WHERE k || 'x' <> 'k1\\x'\$s\$)" "SET standard_conforming_strings = off; SET client_min_messages = error"
    ;;
dupshard)
    # citus_source_shards called directly with a shard twice: its rows twice.
    sh=$(fe_psql "$W1" -At -c "SET citus.override_table_visibility = off" -c "SELECT relname FROM pg_class WHERE relname ~ '^txn_[0-9]+\$' ORDER BY 1 LIMIT 1")
    one=$(fe_psql "$W1" -At -c "SELECT count(*) FROM feature_ext.citus_source_shards('public.fd', ARRAY['$sh'], 'SELECT * FROM txn', ARRAY['search_path', 'public'], 'batch') AS t(k text, c bigint, s float8)" 2>&1)
    two=$(fe_psql "$W1" -At -c "SELECT count(*) FROM feature_ext.citus_source_shards('public.fd', ARRAY['$sh', '$sh'], 'SELECT * FROM txn', ARRAY['search_path', 'public'], 'batch') AS t(k text, c bigint, s float8)" 2>&1)
    [ "$one" = "$two" ] || grep -q ERROR <<<"$two" && ok dupshard || bug dupshard "shard listed twice: $two rows (once: $one)" "$one rows, or an error"
    ;;
citustables)
    # sources over a Citus local table and a partitioned distributed table
    q "CREATE TABLE lt (k text, ts timestamptz NOT NULL, lab bool)" >/dev/null
    q "SELECT citus_add_local_table_to_metadata('lt')" >/dev/null
    q "INSERT INTO lt SELECT * FROM labs" >/dev/null
    cmp citus_local "SELECT * FROM feature_ext.training_set('public.fd', 'SELECT * FROM lt') $LCOLS"
    fe_psql "$C" -q >/dev/null <<'SQL'
CREATE TABLE lp (k text, ts timestamptz NOT NULL, lab bool) PARTITION BY RANGE (ts);
CREATE TABLE lp1 PARTITION OF lp FOR VALUES FROM ('2026-01-01') TO ('2026-01-20');
CREATE TABLE lp2 PARTITION OF lp FOR VALUES FROM ('2026-01-20') TO ('2027-01-01');
SELECT create_distributed_table('lp', 'k', colocate_with => 'none');
INSERT INTO lp SELECT * FROM labs;
SQL
    cmp partitioned "SELECT * FROM feature_ext.training_set('public.fd', 'lp') $LCOLS"
    ;;
cancel)
    got=$(fe_psql "$C" -At -c "SET statement_timeout = '1s'" -c "SELECT count(*) FROM fd_batch(\$s\$SELECT 'k' || (i % 10), i::float8, '2026-01-01'::timestamptz + i * interval '1 s' FROM generate_series(1, 100000000) i\$s\$)" 2>&1)
    sleep 1
    left=$(for p in $W1 $W2; do fe_psql $p -At -c "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%citus_source_shards%' AND pid <> pg_backend_pid()"; done | awk '{ s += $1 } END { print s + 0 }')
    after=$(q "SELECT count(*) FROM fd_batch('SELECT * FROM txn WHERE v < 10')" 2>&1)
    grep -q "statement timeout" <<<"$got" && [ "$left" = 0 ] && [ "$after" = 9 ] && ok cancel || bug cancel "$got; still running on the nodes: $left; next call: $after" "statement timeout, nothing left running, 9"
    ;;
limit)
    # LIMIT without a total order: each node evaluates the source on its
    # own, so each picks its own 100 rows.
    # (which rows such a source gives is not defined, through Citus on one
    # node either: the number of rows is what must agree)
    cmp limit "SELECT count(*) FROM fd_batch('SELECT * FROM txn LIMIT 100')"
    cmp limit_train "SELECT count(*) FROM feature_ext.training_set('public.fd', 'SELECT * FROM labs LIMIT 20') $LCOLS"
    cmp limit_order "SELECT * FROM fd_batch('SELECT * FROM txn ORDER BY ts LIMIT 100')"
    ;;
fnlocal)
    # A SQL function reading a table of the coordinator alone: the prepared
    # source's relationOids do not list it, so every node runs the source.
    q "CREATE TABLE only_here (k text)" >/dev/null
    q "INSERT INTO only_here VALUES ('k1'), ('k2')" >/dev/null
    q "CREATE FUNCTION here_keys() RETURNS SETOF text LANGUAGE sql STABLE AS 'SELECT k FROM public.only_here'" >/dev/null
    cmp fnlocal "SELECT * FROM fd_batch('SELECT * FROM txn WHERE k IN (SELECT here_keys())')"
    cmp fnlocal_train "SELECT * FROM feature_ext.training_set('public.fd', 'SELECT * FROM labs WHERE k IN (SELECT here_keys())') $LCOLS"
    # ... and where each node has a plain table of that name (its own rows): silently other rows
    for p in $W1 $W2; do fe_psql "$p" -q -c "CREATE TABLE public.only_here (k text)" -c "INSERT INTO public.only_here VALUES ('k4')" >/dev/null; done
    cmp fnlocal_silent "SELECT * FROM fd_batch('SELECT * FROM txn WHERE k IN (SELECT here_keys())')"
    ;;
datestyle)
    # The source's text is parsed again on each node, whose connection has
    # DateStyle ISO, MDY: a caller's DMY literal means another day there.
    cmp datestyle "SELECT * FROM feature_ext.training_set('public.fd', \$s\$SELECT k, '05/02/2026'::timestamptz AS ts, true AS lab FROM labs\$s\$) $LCOLS" "SET datestyle = 'ISO, DMY'"
    # (a source without relations: Citus's own deparsing of the interval
    # under IntervalStyle sql_standard is another matter)
    cmp intervalstyle "SELECT * FROM feature_ext.training_set('public.fd', \$s\$SELECT 'k' || i AS k, '2026-01-10'::timestamptz + '-1 12:00:00'::interval AS ts FROM generate_series(0, 9) i\$s\$) AS t(k text, ts timestamptz, k_feature text, c bigint, s float8)" "SET intervalstyle = sql_standard"
    ;;
rowtype)
    # training_set()'s typed form with the row type of a table of the coordinator alone.
    q "CREATE TABLE out_here (k text, ts timestamptz, lab bool, c bigint)" >/dev/null
    cmp rowtype "SELECT * FROM feature_ext.training_set('public.fd', 'SELECT * FROM labs', NULL::out_here)"
    q "CREATE TYPE out_t AS (k text, ts timestamptz, lab bool, c bigint, s float8)" >/dev/null
    cmp rowtype_type "SELECT * FROM feature_ext.training_set('public.fd', 'SELECT * FROM labs', NULL::out_t)"
    ;;
searchpath)
    # quoted schema names, "$user", pg_temp in the caller's search_path
    q "CREATE SCHEMA \"Lab X\"" >/dev/null
    q "CREATE TABLE \"Lab X\".lx (k text, ts timestamptz NOT NULL, lab bool)" >/dev/null
    q "SELECT create_distributed_table('\"Lab X\".lx', 'k', colocate_with => 'none')" >/dev/null
    q "INSERT INTO \"Lab X\".lx SELECT * FROM labs WHERE lab" >/dev/null
    cmp searchpath_quoted "SELECT * FROM feature_ext.training_set('public.fd', 'SELECT * FROM lx') $LCOLS" "SET search_path = \"\$user\", \"Lab X\", public, pg_temp"
    q "CREATE SCHEMA postgres" >/dev/null
    q "CREATE TABLE postgres.lx (k text, ts timestamptz NOT NULL, lab bool)" >/dev/null
    q "SELECT create_distributed_table('postgres.lx', 'k', colocate_with => 'none')" >/dev/null
    q "INSERT INTO postgres.lx SELECT * FROM labs WHERE NOT lab" >/dev/null
    cmp searchpath_user "SELECT * FROM feature_ext.training_set('public.fd', 'SELECT * FROM lx') $LCOLS" "SET search_path = \"\$user\", \"Lab X\", public"
    q "DROP SCHEMA postgres CASCADE" >/dev/null 2>&1  # later probes create their objects in public again
    ;;
quoting)
    cmp quoting "SELECT * FROM fd_batch(\$s\$SELECT * FROM txn WHERE k <> E'a\\\\b''c' AND k <> \$\$x\$\$ -- comment ' \" \$\$
\$s\$)"
    ;;
intkey|uuidkey)
    [ $probe = intkey ] && T=bigint E="i % 13" || T=uuid E="md5((i % 13)::text)::uuid"
    fe_psql "$C" -q >/dev/null <<SQL || { bug $probe "setup failed" "-"; continue; }
CREATE TABLE t_$probe (k $T, v float8, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ON t_$probe USING skiplist (k, ts);
SET citus.shard_count = 6;
SELECT create_distributed_table('t_$probe', 'k', colocate_with => 'none');
INSERT INTO t_$probe SELECT $E, i, '2026-01-01'::timestamptz + i * interval '1 hour' FROM generate_series(1, 600) i;
SELECT feature_ext.deploy('public.f_$probe', \$q\$SELECT k, count(*) OVER w AS c, sum(v) OVER w AS s FROM t_$probe WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 5 PRECEDING)\$q\$);
CREATE TABLE l_$probe (k $T, ts timestamptz NOT NULL);
SELECT create_reference_table('l_$probe');
INSERT INTO l_$probe SELECT $E, '2026-01-03'::timestamptz + i * interval '5 hour' FROM generate_series(1, 60) i;
SQL
    cmp $probe "SELECT * FROM f_${probe}_batch('SELECT * FROM t_$probe WHERE v::int % 2 = 0')"
    cmp ${probe}_train "SELECT * FROM feature_ext.training_set('public.f_$probe', 'SELECT * FROM l_$probe') AS t(k $T, ts timestamptz, k_feature $T, c bigint, s float8)"
    ;;
nullkey)
    cmp nullkey "SELECT * FROM fd_batch(\$s\$SELECT CASE WHEN v::int % 5 = 0 THEN NULL ELSE k END, v, ts FROM txn\$s\$)"
    ;;
view)
    q "CREATE VIEW labs_v AS SELECT * FROM labs WHERE lab" >/dev/null
    cmp view "SELECT * FROM feature_ext.training_set('public.fd', 'SELECT * FROM labs_v') $LCOLS"
    ;;
unpriv)
    # a role with SELECT on txn but not on labs: refused (both ways); with it: equal
    q "CREATE ROLE rv3 LOGIN" >/dev/null
    q "GRANT SELECT ON txn TO rv3" >/dev/null
    on=$(fe_psql "$C" -At -U rv3 -c "SELECT count(*) FROM feature_ext.training_set('public.fd', 'SELECT * FROM labs') $LCOLS" 2>&1)
    grep -q "permission denied" <<<"$on" && ok unpriv_nolabel || bug unpriv_nolabel "$on" "permission denied for table labs"
    q "GRANT SELECT ON labs TO rv3" >/dev/null
    on=$(fe_psql "$C" -At -U rv3 -c "SELECT count(*) FROM feature_ext.training_set('public.fd', 'SELECT * FROM labs') $LCOLS" 2>&1)
    off=$(fe_psql "$C" -At -U rv3 -c "SET feature_ext.citus_parallel_batch = off" -c "SELECT count(*) FROM feature_ext.training_set('public.fd', 'SELECT * FROM labs') $LCOLS" 2>&1)
    [ "$on" = "$off" ] && ok unpriv_label || bug unpriv_label "$on" "$off"
    ;;
direct)
    # citus_source_shards called directly on a worker by a role without SELECT on txn
    q "CREATE ROLE rv4 LOGIN" >/dev/null 2>&1
    sh=$(fe_psql "$W1" -At -c "SET citus.override_table_visibility = off" -c "SELECT string_agg(quote_literal(relname), ',') FROM pg_class WHERE relname ~ '^txn_[0-9]+\$'")
    got=$(fe_psql "$W1" -At -U rv4 -c "SELECT count(*) FROM feature_ext.citus_source_shards('public.fd', ARRAY[$sh], \$s\$SELECT 'k1'::text AS k, 1::float8 AS v, '2026-02-01'::timestamptz AS ts\$s\$, ARRAY['search_path', 'public'], 'batch') AS t(k text, c bigint, s float8)" 2>&1)
    grep -q "permission denied" <<<"$got" && ok direct_nosel || bug direct_nosel "$got" "permission denied for table txn"
    ;;
rls)
    # RLS on the label table: each node applies the caller's policies
    q "CREATE ROLE rv5 LOGIN" >/dev/null 2>&1
    q "GRANT SELECT ON txn, labs TO rv5" >/dev/null
    q "ALTER TABLE labs ENABLE ROW LEVEL SECURITY" >/dev/null
    q "CREATE POLICY p5 ON labs FOR SELECT TO rv5 USING (k IN ('k1', 'k2', 'k7'))" >/dev/null
    on=$(fe_psql "$C" -At -U rv5 -c "SELECT count(*) || '/' || count(DISTINCT k) FROM feature_ext.training_set('public.fd', 'SELECT * FROM labs') $LCOLS" 2>&1)
    off=$(fe_psql "$C" -At -U rv5 -c "SET feature_ext.citus_parallel_batch = off" -c "SELECT count(*) || '/' || count(DISTINCT k) FROM feature_ext.training_set('public.fd', 'SELECT * FROM labs') $LCOLS" 2>&1)
    echo "    rls: parallel $on; off $off"
    [ "$on" = "$off" ] && ok rls || bug rls "$on" "$off"
    q "ALTER TABLE labs DISABLE ROW LEVEL SECURITY" >/dev/null
    ;;
guc)
    # direct call on a worker whose source fails inside a plpgsql
    # exception block: the search_path it set is undone
    got=$(fe_psql "$W1" -At -c "SET search_path = public" -c "DO \$\$ BEGIN PERFORM * FROM feature_ext.citus_source_shards('public.fd', '{}', 'SELECT 1/0', ARRAY['search_path', 'pg_catalog'], 'batch') AS t(k text, c bigint, s float8); EXCEPTION WHEN OTHERS THEN RAISE NOTICE '%', SQLERRM; END \$\$" -c "SHOW search_path" 2>&1 | tail -1)
    [ "$got" = "public" ] && ok guc || bug guc "search_path after: $got" "public"
    got=$(fe_psql "$W1" -At -c "SET search_path = public" -c "SELECT count(*) FROM feature_ext.citus_source_shards('public.fd', '{}', 'SELECT * FROM txn', ARRAY['search_path', 'pg_catalog, public'], 'batch') AS t(k text, c bigint, s float8)" -c "SHOW search_path" 2>&1 | tail -1)
    [ "$got" = "public" ] && ok guc2 || bug guc2 "search_path after: $got" "public"
    ;;
err)
    # an error on one node only (a value on one shard), then the session works
    got=$(fe_psql "$C" -At -v ON_ERROR_STOP=0 -c "SELECT count(*) FROM fd_batch(\$s\$SELECT k, 100 / (v::int - 557) + v, ts FROM txn\$s\$)" -c "SELECT 'again:' || count(*) FROM fd_batch('SELECT * FROM txn WHERE v < 10')" 2>&1 | tr '\n' ' ')
    grep -q "division by zero" <<<"$got" && grep -q "again:9" <<<"$got" && ok err || bug err "$got" "division by zero, then again:9"
    ;;
esac; done
echo "citus_review3: $bugs bug(s)"
[ "$bugs" = 0 ]
