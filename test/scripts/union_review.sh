#!/usr/bin/env bash
# Review cases for union windows (issue 16 part 2; each fails on a6c907b):
#   restore_rename  a union table renamed after deploy (and its old name
#                   reused by another table), then pg_dump / pg_restore: the
#                   restored deployment must read the renamed table, as the
#                   original does (the main table follows `relid`; union
#                   tables were bound by the name in bound_query, so the
#                   restore read the other table)
#   restore_column  (not union-specific, the same cause) RENAME COLUMN of a
#                   deployment's table, then pg_dump / pg_restore: the restored
#                   deployment fails (42703): bound_query keeps the old name
#   rename_column   ALTER TABLE ... RENAME COLUMN of the deployment's table
#                   under a PostgreSQL-form union deployment keeps it working
#                   (docs/SECURITY.md: renames are followed, as for a view);
#                   the generated column list 'k, ts, v' named columns by name
#   inherit         a union table with an inheritance child: PostgreSQL's
#                   executor reads the child's rows too; the deployment must
#                   answer the same or refuse (0A000), not silently leave
#                   them out
#   tablesample     TABLESAMPLE in a UNION ALL branch must not be silently
#                   ignored (the same answer as the executor, or 0A000)
#   other_window    a column read only by a plain window of the same
#                   deployment is not demanded from the union tables of
#                   another window (was refused, 42703)
#   dup_col         a UNION ALL branch selecting one column twice: the
#                   executor's answer or an honest 0A000 (was 42703 "the
#                   union does not select column v", which it does)
# Usage: union_review.sh [case...]   (default: all)
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
DIR=$(fe_workdir)
DATA=$DIR/data
PORT=$(fe_free_port "${FE_UNION_REVIEW_PORT:-56811}")
trap 'fe_stop_server "$DATA" immediate; rm -rf "$DIR"' EXIT
failures=0
fe_start_server "$DATA" "$PORT"
qd() { local db=$1; shift; fe_psql "$PORT" -d "$db" -At -c "$1"; }
# qe DB SQL: "ok:<output>" or "err:<sqlstate>"
qe() {
    local db=$1 out
    if out=$("${RUN_AS[@]}" "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" \
        -U postgres -d "$db" -At -c "\\set VERBOSITY sqlstate" -c "$2" 2>&1); then
        echo "ok:$out"
    else
        echo "err:$(echo "$out" | grep -oE 'ERROR: +[0-9A-Z]{5}' | head -1 | grep -oE '[0-9A-Z]{5}$')"
    fi
}
bad() { echo "FAIL ($case): $*"; failures=$((failures + 1)); }
n=0
fresh() {  # fresh: a new database with tables a (main) and b (union), same columns
    n=$((n + 1))
    db=r$n
    "${RUN_AS[@]}" "$PG_BINDIR/createdb" -h /tmp -p "$PORT" -U postgres "$db"
    fe_psql "$PORT" -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION feature_ext;
CREATE TABLE a (k text, ts int8, v int) USING feature_store;
CREATE TABLE b (k text, ts int8, v int) USING feature_store;
CREATE INDEX ON a USING skiplist (k, ts);
CREATE INDEX ON b USING skiplist (k, ts);
INSERT INTO a VALUES ('x', 1, 1), ('x', 2, 2), ('x', 5, 5);
INSERT INTO b VALUES ('x', 1, 10), ('x', 3, 30), ('x', 6, 60);
SQL
}
# The executor's answer for request ('x', 5, 100) over FROM (<branches>) u
native() {  # native DB BRANCHES FEATS FRAME
    qd "$1" "SELECT $3 FROM ($2 UNION ALL SELECT 'x', 5, 100, 1) u
             WINDOW w AS (PARTITION BY k ORDER BY ts $4) ORDER BY r DESC LIMIT 1"
}

case_restore_rename() {
    fresh
    qd "$db" "SELECT feature_ext.deploy('d1', \$\$SELECT sum(v) OVER w AS s FROM (SELECT k, ts, v FROM a
               UNION ALL SELECT k, ts, v FROM b) u WINDOW w AS (PARTITION BY k ORDER BY ts
               RANGE BETWEEN 3 PRECEDING AND CURRENT ROW)\$\$)" >/dev/null
    qd "$db" "SELECT feature_ext.deploy('d2', \$\$SELECT sum(v) OVER w AS s FROM a WINDOW w AS (UNION b
               PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 3 PRECEDING AND CURRENT ROW)\$\$)" >/dev/null
    local before after
    before=$(qd "$db" "SELECT (SELECT s FROM d1('x', 5, 100)) || ',' || (SELECT s FROM d2('x', 5, 100))")
    qd "$db" "ALTER TABLE b RENAME TO b_old; CREATE TABLE b (k text, ts int8, v int) USING feature_store;
              CREATE INDEX ON b USING skiplist (k, ts); INSERT INTO b VALUES ('x', 4, 1000000)" >/dev/null
    [ "$(qd "$db" "SELECT (SELECT s FROM d1('x', 5, 100)) || ',' || (SELECT s FROM d2('x', 5, 100))")" = "$before" ] ||
        bad "the source database changed its answer after the rename"
    "${RUN_AS[@]}" "$PG_BINDIR/pg_dump" -h /tmp -p "$PORT" -U postgres -Fc -f "$DIR/$db.dump" "$db"
    "${RUN_AS[@]}" "$PG_BINDIR/createdb" -h /tmp -p "$PORT" -U postgres "${db}_restored"
    "${RUN_AS[@]}" "$PG_BINDIR/pg_restore" -h /tmp -p "$PORT" -U postgres -d "${db}_restored" "$DIR/$db.dump"
    after=$(qe "${db}_restored" "SELECT (SELECT s FROM d1('x', 5, 100)) || ',' || (SELECT s FROM d2('x', 5, 100))")
    [ "$after" = "ok:$before" ] || bad "restored deployments answer '$after', the original 'ok:$before' (union table renamed)"
}

case_restore_column() {
    fresh
    qd "$db" "SELECT feature_ext.deploy('d0', \$\$SELECT sum(v) OVER w AS s FROM a WINDOW w AS (PARTITION BY k
               ORDER BY ts RANGE BETWEEN 3 PRECEDING AND CURRENT ROW)\$\$)" >/dev/null
    qd "$db" "ALTER TABLE a RENAME COLUMN v TO amount" >/dev/null
    local before after
    before=$(qd "$db" "SELECT s FROM d0('x', 5, 100)")
    "${RUN_AS[@]}" "$PG_BINDIR/pg_dump" -h /tmp -p "$PORT" -U postgres -Fc -f "$DIR/$db.dump" "$db"
    "${RUN_AS[@]}" "$PG_BINDIR/createdb" -h /tmp -p "$PORT" -U postgres "${db}_restored"
    "${RUN_AS[@]}" "$PG_BINDIR/pg_restore" -h /tmp -p "$PORT" -U postgres -d "${db}_restored" "$DIR/$db.dump"
    after=$(qe "${db}_restored" "SELECT s FROM d0('x', 5, 100)")
    [ "$after" = "ok:$before" ] || bad "restored deployment answers '$after', the original 'ok:$before' (column renamed)"
}

case_rename_column() {
    fresh
    qd "$db" "SELECT feature_ext.deploy('d1', \$\$SELECT sum(v) OVER w AS s FROM (SELECT k, ts, v FROM a
               UNION ALL SELECT k, ts, v FROM b) u WINDOW w AS (PARTITION BY k ORDER BY ts
               RANGE BETWEEN 3 PRECEDING AND CURRENT ROW)\$\$)" >/dev/null
    local before after
    before=$(qd "$db" "SELECT s FROM d1('x', 5, 100)")
    qd "$db" "ALTER TABLE a RENAME COLUMN v TO amount" >/dev/null
    after=$(qe "$db" "SELECT s FROM d1('x', 5, 100)")
    [ "$after" = "ok:$before" ] || bad "after RENAME COLUMN of the main table: '$after', before 'ok:$before'"
    qd "$db" "ALTER TABLE a RENAME COLUMN amount TO v; ALTER TABLE b RENAME COLUMN v TO amount" >/dev/null
    after=$(qe "$db" "SELECT s FROM d1('x', 5, 100)")
    [ "$after" = "ok:$before" ] || bad "after RENAME COLUMN of the union table: '$after', before 'ok:$before'"
}

case_inherit() {
    fresh
    qd "$db" "CREATE TABLE bchild () INHERITS (b) USING feature_store; INSERT INTO bchild VALUES ('x', 4, 400000)" >/dev/null
    local got ref
    got=$(qe "$db" "SELECT feature_ext.deploy('d1', \$\$SELECT sum(v) OVER w AS s FROM (SELECT k, ts, v FROM a
               UNION ALL SELECT k, ts, v FROM b) u WINDOW w AS (PARTITION BY k ORDER BY ts
               RANGE BETWEEN 3 PRECEDING AND CURRENT ROW)\$\$); SELECT s FROM d1('x', 5, 100)")
    ref=$(native "$db" "SELECT k, ts, v, 0 AS r FROM a UNION ALL SELECT k, ts, v, 0 FROM b" "sum(v) OVER w" \
        "RANGE BETWEEN 3 PRECEDING AND CURRENT ROW")
    case "$got" in
        err:0A000) ;;
        *) [ "$got" = "ok:public.d1"$'\n'"$ref" ] || bad "deployment '$got', executor $ref (child rows of the union table)" ;;
    esac
    # the OpenMLDB form / the modifier: the same table
    got=$(qe "$db" "SELECT feature_ext.deploy('d2', \$\$SELECT sum(v) OVER w AS s FROM a WINDOW w AS (PARTITION BY k,
               feature_ext.window_union('b'::regclass) ORDER BY ts RANGE BETWEEN 3 PRECEDING AND CURRENT ROW)\$\$);
               SELECT s FROM d2('x', 5, 100)")
    case "$got" in
        err:0A000) ;;
        *) [ "$got" = "ok:public.d2"$'\n'"$ref" ] || bad "modifier form: '$got', executor $ref" ;;
    esac
    # a child added after deploy: the next call refuses (or answers as the executor)
    qd "$db" "DROP TABLE bchild" >/dev/null
    qd "$db" "SELECT feature_ext.deploy('d3', \$\$SELECT sum(v) OVER w AS s FROM a WINDOW w AS (PARTITION BY k,
               feature_ext.window_union('b'::regclass) ORDER BY ts RANGE BETWEEN 3 PRECEDING AND CURRENT ROW)\$\$)" >/dev/null
    qd "$db" "SELECT s FROM d3('x', 5, 100)" >/dev/null
    qd "$db" "CREATE TABLE bchild2 () INHERITS (b) USING feature_store; INSERT INTO bchild2 VALUES ('x', 4, 400000)" >/dev/null
    got=$(qe "$db" "SELECT s FROM d3('x', 5, 100)")
    case "$got" in
        err:0A000) ;;
        *) [ "$got" = "ok:$ref" ] || bad "child added after deploy: '$got', executor $ref" ;;
    esac
}

case_tablesample() {
    fresh
    local got ref
    got=$(qe "$db" "SELECT feature_ext.deploy('d1', \$\$SELECT sum(v) OVER w AS s FROM (SELECT k, ts, v FROM a
               UNION ALL SELECT k, ts, v FROM b TABLESAMPLE SYSTEM (0)) u WINDOW w AS (PARTITION BY k ORDER BY ts
               RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)\$\$); SELECT s FROM d1('x', 5, 100)")
    ref=$(native "$db" "SELECT k, ts, v, 0 AS r FROM a UNION ALL SELECT k, ts, v, 0 FROM b TABLESAMPLE SYSTEM (0)" \
        "sum(v) OVER w" "RANGE BETWEEN 10 PRECEDING AND CURRENT ROW")
    case "$got" in
        err:0A000) ;;
        *) bad "TABLESAMPLE in a branch accepted: '$got', executor $ref" ;;
    esac
    got=$(qe "$db" "SELECT feature_ext.deploy('d2', \$\$SELECT sum(v) OVER w AS s FROM (SELECT k, ts, v FROM a
               TABLESAMPLE SYSTEM (0) UNION ALL SELECT k, ts, v FROM b) u WINDOW w AS (PARTITION BY k ORDER BY ts
               RANGE BETWEEN 10 PRECEDING AND CURRENT ROW)\$\$)")
    [ "$got" = err:0A000 ] || bad "TABLESAMPLE in the first branch accepted: '$got'"
}

case_other_window() {
    fresh
    qd "$db" "CREATE TABLE c3 (k text, ts int8, v int, note text) USING feature_store;
              CREATE TABLE c4 (k text, ts int8, v int) USING feature_store;
              CREATE INDEX ON c3 USING skiplist (k, ts); CREATE INDEX ON c4 USING skiplist (k, ts);
              INSERT INTO c3 VALUES ('x', 1, 1, 'n1'), ('x', 2, 2, 'n2'); INSERT INTO c4 VALUES ('x', 3, 30)" >/dev/null
    local got
    got=$(qe "$db" "SELECT feature_ext.deploy('d1', \$\$SELECT sum(v) OVER w AS s, string_agg(note, ',') OVER p AS n
               FROM c3 WINDOW w AS (UNION (SELECT k, ts, v FROM c4) PARTITION BY k ORDER BY ts
               ROWS BETWEEN 3 PRECEDING AND CURRENT ROW),
               p AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)\$\$);
               SET feature_ext.jit = on; SELECT s || '|' || n FROM d1('x', 5, 100, 'n3');
               SET feature_ext.jit = off; SELECT s || '|' || n FROM d1('x', 5, 100, 'n3');
               SELECT string_agg(s || '|' || n, ';') FROM d1_batch()")
    [ "$got" = "ok:public.d1"$'\n'"133|n1,n2,n3"$'\n'"133|n1,n2,n3"$'\n'"1|n1;3|n1,n2" ] ||
        bad "a column only a plain window reads: '$got'"
    # a union window that reads it is still refused (c4 does not provide it)
    got=$(qe "$db" "SELECT feature_ext.deploy('d2', \$\$SELECT string_agg(note, ',') OVER w AS n
               FROM c3 WINDOW w AS (UNION (SELECT k, ts, v FROM c4) PARTITION BY k ORDER BY ts
               ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)\$\$)")
    [ "$got" = err:42703 ] || bad "a union window reading a column the union table does not provide: '$got'"
}

case_dup_col() {
    fresh
    qd "$db" "CREATE TABLE r1 (k text, ts int8, v int, x int) USING feature_store;
              CREATE TABLE r2 (k text, ts int8, v int) USING feature_store;
              CREATE INDEX ON r1 USING skiplist (k, ts); CREATE INDEX ON r2 USING skiplist (k, ts);
              INSERT INTO r1 VALUES ('x', 1, 1, 10); INSERT INTO r2 VALUES ('x', 2, 5)" >/dev/null
    local got ref
    got=$(qe "$db" "SELECT feature_ext.deploy('d1', \$\$SELECT sum(v) OVER w AS sv, sum(x) OVER w AS sx FROM
               (SELECT k, ts, v, x FROM r1 UNION ALL SELECT k, ts, v, v FROM r2) u
               WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 3 PRECEDING)\$\$);
               SELECT sv || ',' || sx FROM d1('x', 3, 100, 1000)")
    ref=$(qd "$db" "SELECT sum(v) OVER w || ',' || sum(x) OVER w FROM (SELECT k, ts, v, x, 0 r FROM r1 UNION ALL
               SELECT k, ts, v, v, 0 FROM r2 UNION ALL SELECT 'x', 3, 100, 1000, 1) u
               WINDOW w AS (PARTITION BY k ORDER BY ts ROWS 3 PRECEDING) ORDER BY r DESC LIMIT 1")
    case "$got" in
        err:0A000) ;;
        *) [ "$got" = "ok:public.d1"$'\n'"$ref" ] || bad "a branch selecting v twice: '$got', executor $ref" ;;
    esac
}

cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(restore_rename restore_column rename_column inherit tablesample other_window dup_col)
for case in "${cases[@]}"; do
    before=$failures
    "case_$case"
    [ $failures = "$before" ] && echo "ok ($case)"
done
[ $failures = 0 ] && echo "union_review: ok" || { echo "union_review: $failures failed"; exit 1; }
