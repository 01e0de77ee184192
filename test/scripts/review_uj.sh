#!/usr/bin/env bash
# Adversarial review of branch uj (issue 16: WINDOW UNION over a LAST JOIN's
# result, union tables carrying the joined columns; OpenMLDB's UNION (SELECT
# ... FROM t3 LAST JOIN t4 ...) as feature_ext.window_union(rel, text,
# regclass)): test/scripts/review_uj.sql against PostgreSQL's executor (JIT
# on and off, batch(), training_set()), then a dump of the deployments
# restored into another database.  Prints "ok NAME", "NOTE NAME: ..." or
# "BUG NAME: observed ... / expected ..."; exits 1 on any BUG line.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
DIR=$(fe_workdir)
DATA=$DIR/data
PORT=$(fe_free_port "${FE_REVIEW_PORT:-56410}")
trap 'fe_stop_server "$DATA" immediate; rm -rf "$DIR"' EXIT
fe_make_readable "$FE_ROOT"
fe_start_server "$DATA" "$PORT"
fe_psql "$PORT" -c "CREATE EXTENSION feature_ext" >/dev/null
fe_psql "$PORT" -At -v ON_ERROR_STOP=0 -f "$FE_ROOT/test/scripts/review_uj.sql" 2>&1 | grep -E '^(ok|BUG|NOTE|ERROR|psql)' | grep -v 'NOTICE' | tee "$DIR/out" || true

# ---- ROWS frames (tie order, lag) over random inserts, JIT on and off
python3 "$FE_ROOT/test/scripts/review_uj_rows.py" --port "$PORT" --seeds "${FE_REVIEW_SEEDS:-40}" 2>&1 | tee -a "$DIR/out" || true

# ---- pg_dump of deployments using the 3-argument window_union / union tables
# carrying joined columns, restored into another database: the same answers
"${RUN_AS[@]}" "$PG_BINDIR/createdb" -h /tmp -p "$PORT" -U postgres rdb
"${RUN_AS[@]}" "$PG_BINDIR/pg_dump" -h /tmp -p "$PORT" -U postgres postgres > "$DIR/dump.sql"
"${RUN_AS[@]}" "$PG_BINDIR/psql" -X -q -h /tmp -p "$PORT" -U postgres -d rdb -f "$DIR/dump.sql" >"$DIR/restore.log" 2>&1 || true
for call in "SELECT row(x.*)::text FROM w8(99, 'a', 9, 7, ts(70)) x" \
            "SELECT row(x.*)::text FROM w1(99, 'a', 9, 7, ts(70)) x" \
            "SELECT row(x.*)::text FROM w10(99, 'a', 9, 7, ts(70)) x" \
            "SELECT row(x.*)::text FROM w15(99, 'a', 9, 7, ts(70)) x"; do
    a=$(fe_psql "$PORT" -At -c "$call" 2>&1 || true)
    b=$("${RUN_AS[@]}" "$PG_BINDIR/psql" -X -At -h /tmp -p "$PORT" -U postgres -d rdb -c "$call" 2>&1 || true)
    nm=restored_$(echo "$call" | sed -E 's/.*FROM (w[0-9]+)\(.*/\1/')
    if [ "$a" = "$b" ] && [ -n "$a" ] && [[ "$a" != *ERROR* ]]; then echo "ok $nm"
    else echo "BUG $nm: observed $b / expected $a" | tee -a "$DIR/out"; fi
done
if grep -qE '^(BUG|ERROR|psql)' "$DIR/out"; then echo "FAIL (review_uj): see the BUG lines above"; exit 1; fi
echo "review_uj: ok"
