#!/usr/bin/env bash
# ALTER EXTENSION feature_ext UPDATE from the previous release (SPEC §8):
#   1. CREATE EXTENSION feature_ext VERSION '0.1.0' (the frozen install
#      script test/upgrade/feature_ext--0.1.0.sql, put beside this build's
#      scripts for the test) with this library; a table, a skiplist index,
#      rows, a deployment made there (without 0.2.0's bound_tree column).
#   2. ALTER EXTENSION feature_ext UPDATE: version 0.2.0; the same answers
#      from the deployment (request and batch) and the index; a redeploy
#      gets a bound tree and then follows a column rename.
#   3. The updated extension equals a fresh 0.2.0 install in another
#      database: every member object, every column of its tables, every
#      function's definition.
set -euo pipefail
[ -n "${FE_TRACE:-}" ] && set -x
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
DIR=$(fe_workdir)
DATA=$DIR/data
PORT=$(fe_free_port 55491)
EXTDIR=$("$PG_CONFIG" --sharedir)/extension
OLD=$EXTDIR/feature_ext--0.1.0.sql
placed=0
[ -e "$OLD" ] || { cp "$FE_ROOT/test/upgrade/feature_ext--0.1.0.sql" "$OLD"; placed=1; }
cleanup() { fe_stop_server "$DATA" immediate; [ $placed = 1 ] && rm -f "$OLD"; rm -rf "$DIR"; }
trap cleanup EXIT
fail() { echo "FAIL (upgrade): $*"; tail -20 "$DATA/server.log"; exit 1; }
q() { fe_psql "$PORT" -At -c "$1"; }
qd() { local db=$1; shift; fe_psql "$PORT" -d "$db" -At -c "$1"; }

fe_start_server "$DATA" "$PORT"
q "CREATE EXTENSION feature_ext VERSION '0.1.0'" >/dev/null
[ "$(q "SELECT extversion FROM pg_extension WHERE extname = 'feature_ext'")" = 0.1.0 ] || fail "0.1.0 not installed"
q "CREATE TABLE ev (k text, v float8, ts timestamptz NOT NULL) USING feature_store" >/dev/null
q "CREATE INDEX ev_k ON ev USING skiplist (k, ts)" >/dev/null
q "INSERT INTO ev SELECT 'k' || (i % 10), i, timestamptz '2026-01-01' + i * interval '1 minute'
     FROM generate_series(1, 1000) i" >/dev/null
q "SELECT feature_ext.deploy('public.f', \$q\$SELECT k, sum(v) OVER w AS s, count(*) OVER w AS c FROM ev
     WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 20 PRECEDING AND CURRENT ROW)\$q\$)" >/dev/null
CALL="SELECT s, c FROM f('k3', 1.5, '2026-01-02')"
before=$(q "$CALL"); batch_before=$(q "SELECT sum(s) FROM f_batch()")
rows_before=$(q "SELECT rows_in_memory FROM feature_ext.index_stats")
[ -n "$before" ] || fail "no answer before the update"

q "ALTER EXTENSION feature_ext UPDATE" >/dev/null
[ "$(q "SELECT extversion FROM pg_extension WHERE extname = 'feature_ext'")" = 0.2.0 ] || fail "not at 0.2.0 after UPDATE"
[ "$(q "SELECT feature_ext.version()")" = 0.2.0 ] || fail "library version is not the control file's"
[ "$(q "$CALL")" = "$before" ] || fail "deployment answers '$(q "$CALL")' after the update, '$before' before"
[ "$(q "SELECT sum(s) FROM f_batch()")" = "$batch_before" ] || fail "batch differs after the update"
[ "$(q "SELECT rows_in_memory FROM feature_ext.index_stats")" = "$rows_before" ] || fail "index rows changed"
q "INSERT INTO ev VALUES ('k3', 100, '2026-01-01 23:00')" >/dev/null
after_insert=$(q "$CALL")
[ "$after_insert" != "$before" ] || fail "a new row did not reach the deployment after the update"
# A redeploy writes the bound tree; a renamed column is then followed.
q "SELECT feature_ext.deploy('public.f', \$q\$SELECT k, sum(v) OVER w AS s, count(*) OVER w AS c FROM ev
     WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 20 PRECEDING AND CURRENT ROW)\$q\$, '{\"replace\": true}')" >/dev/null
[ "$(q "SELECT bound_tree IS NOT NULL FROM feature_ext.deployment WHERE name = 'f'")" = t ] || fail "no bound tree after redeploy"
q "ALTER TABLE ev RENAME COLUMN v TO amount" >/dev/null
[ "$(q "$CALL")" = "$after_insert" ] || fail "deployment broke after RENAME COLUMN: $(q "$CALL" 2>&1)"

# The updated extension = a fresh install of the current version.
q "CREATE DATABASE fresh" >/dev/null
qd fresh "CREATE EXTENSION feature_ext" >/dev/null
shape() {
    qd "$1" "SELECT pg_describe_object(classid, objid, objsubid) ||
                    coalesce(' = ' || CASE WHEN classid = 'pg_proc'::regclass THEN
                                             (SELECT prokind::text || ' ' || pg_get_function_result(p.oid) || ' ' || provolatile::text ||
                                                     proisstrict::text || proparallel::text || prosecdef::text || ' ' || coalesce(prosrc, '') ||
                                                     coalesce(' ' || array_to_string(proconfig, ','), '') ||
                                                     coalesce((SELECT ' agg ' || concat_ws(',', aggtransfn, aggfinalfn,
                                                                  aggcombinefn, aggmtransfn, aggkind::text, aggtranstype::regtype)
                                                                 FROM pg_aggregate WHERE aggfnoid = p.oid), '')
                                                FROM pg_proc p WHERE p.oid = objid)
                                           WHEN classid = 'pg_class'::regclass THEN
                                             (SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) ||
                                                                CASE WHEN attnotnull THEN ' not null' ELSE '' END,
                                                                ', ' ORDER BY attnum)
                                                FROM pg_attribute WHERE attrelid = objid AND attnum > 0 AND NOT attisdropped)
                                               || coalesce(' view ' || pg_get_viewdef(objid), '') END, '')
               FROM pg_depend WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
                AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'feature_ext')
              ORDER BY 1"
}
shape postgres > "$DIR/updated.txt"; shape fresh > "$DIR/fresh.txt"
diff "$DIR/fresh.txt" "$DIR/updated.txt" > "$DIR/shape.diff" || { head -30 "$DIR/shape.diff"; fail "the updated extension differs from a fresh install (above: fresh < > updated)"; }
echo "upgrade: ok ($(wc -l < "$DIR/fresh.txt") member objects compared; 0.1.0 -> 0.2.0 with data, index and deployment in place)"
