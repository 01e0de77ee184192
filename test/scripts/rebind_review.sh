#!/usr/bin/env bash
# Review cases (review11) for the rename event trigger (_follow_renames) and
# the restore binding (_bind_inserted_deployment, _rebind,
# rebind_deployments()); each failed on 4fb0b17:
#   rr        an unrelated ALTER TABLE in a REPEATABLE READ transaction
#             whose snapshot predates a concurrent, committed rename of a
#             column a deployment reads failed with "could not serialize
#             access due to concurrent update": the event trigger compared
#             the snapshot's (old) bound text with today's names and
#             updated the row the rename's own trigger had updated already
#   template  a database made with CREATE DATABASE ... TEMPLATE carries the
#             deployments' dependencies (pg_depend is copied) but their
#             bound trees name the template's database: rebind_deployments()
#             there recorded every dependency a second time
# Usage: rebind_review.sh [case...]   (default: all)
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
CASES=${*:-rr template}
DIR=$(fe_workdir)
PORT=$(fe_free_port ${FE_REBIND_PORT:-55781})
trap 'fe_stop_server "$DIR/data" immediate; rm -rf "$DIR"' EXIT
fe_start_server "$DIR/data" "$PORT"
psql_db() { local db=$1; shift; "${RUN_AS[@]}" "$PG_BINDIR/psql" -X -q -At -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" -U postgres -d "$db" "$@"; }
"${RUN_AS[@]}" "$PG_BINDIR/createdb" -h /tmp -p "$PORT" -U postgres src
psql_db src >/dev/null <<'SQL'
CREATE EXTENSION feature_ext;
CREATE TABLE t (k int8, v float8, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX t_k ON t USING skiplist (k, ts);
INSERT INTO t SELECT g % 5, g, '2026-01-01'::timestamptz + g * interval '1 min' FROM generate_series(1, 50) g;
CREATE TABLE other (a int);
SELECT feature_ext.deploy('public.f', $$SELECT k, sum(v) OVER w AS s FROM t
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 10 PRECEDING)$$);
SQL
failures=0
bad() { echo "FAIL (rebind_review $case): $*"; failures=$((failures + 1)); }
# duplicated dependency rows of the deployment's functions
dups() {
    psql_db "$1" -c "SELECT count(*) FROM (SELECT d.objid, d.refclassid, d.refobjid, d.refobjsubid, d.deptype
                       FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid AND d.classid = 'pg_proc'::regclass
                      WHERE p.proname = 'f' GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1) x"
}
for case in $CASES; do
case $case in
rr)
    out=$(psql_db src -v ON_ERROR_STOP=0 2>&1 <<SQL
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) FROM feature_ext.deployment;
\\! "$PG_BINDIR/psql" -X -q -h /tmp -p $PORT -U postgres -d src -c "ALTER TABLE t RENAME COLUMN v TO v2"
ALTER TABLE other ADD COLUMN b int;
COMMIT;
SELECT 'cols', count(*) FROM pg_attribute WHERE attrelid = 'other'::regclass AND attname = 'b';
SQL
)
    grep -q '^cols|1$' <<<"$out" || bad "ALTER TABLE other in a REPEATABLE READ transaction failed: $out"
    grep -q 'v2' <<<"$(psql_db src -c "SELECT bound_query FROM feature_ext.deployment WHERE name = 'f'")" ||
        bad "the bound text does not name the renamed column"
    psql_db src -c "ALTER TABLE t RENAME COLUMN v2 TO v" >/dev/null
    ;;
template)
    [ "$(dups src)" = 0 ] || bad "duplicates in src already"
    "${RUN_AS[@]}" "$PG_BINDIR/createdb" -h /tmp -p "$PORT" -U postgres -T src copy
    n=$(psql_db copy -c "SELECT feature_ext.rebind_deployments()")
    d=$(dups copy)
    [ "$d" = 0 ] || bad "rebind_deployments() in a database copied from a template (bound $n) left $d duplicated dependency rows"
    got=$(psql_db copy -c "SELECT s FROM f(1, 0, '2030-01-01')")
    [ "$got" = "$(psql_db copy -c "SELECT sum(v) FROM (SELECT v FROM t WHERE k = 1 ORDER BY ts DESC LIMIT 10) x")" ] ||
        bad "f in the copy: $got"
    ;;
*) echo "rebind_review: unknown case $case"; exit 2 ;;
esac
done
[ "$failures" = 0 ] || { echo "rebind_review: $failures failure(s)"; exit 1; }
echo "rebind_review: ok ($CASES)"
