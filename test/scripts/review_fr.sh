#!/usr/bin/env bash
# Adversarial review of deploy()'s FROM subquery computing the deployment's
# columns (branch fromsub): test/scripts/review_fr.sql against PostgreSQL's
# own executor (JIT on and off), then a dump restored into another database
# (the bound text's path).  Prints "ok NAME", "NOTE NAME: ..." or
# "BUG NAME: observed ... / expected ..."; exits 1 on any BUG line.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
DIR=$(fe_workdir)
DATA=$DIR/data
PORT=$(fe_free_port "${FE_REVIEW_PORT:-56510}")
trap 'fe_stop_server "$DATA" immediate; rm -rf "$DIR"' EXIT
fe_make_readable "$FE_ROOT"
fe_start_server "$DATA" "$PORT"
fe_psql "$PORT" -c "CREATE EXTENSION feature_ext" >/dev/null
fe_psql "$PORT" -At -v ON_ERROR_STOP=0 -f "$FE_ROOT/test/scripts/review_fr.sql" 2>&1 | grep -E '^(ok|BUG|NOTE|ERROR|psql)' | tee "$DIR/out" || true

# ---- dump restored into another database: planned from the bound text
"${RUN_AS[@]}" "$PG_BINDIR/createdb" -h /tmp -p "$PORT" -U postgres rdb
"${RUN_AS[@]}" "$PG_BINDIR/pg_dump" -h /tmp -p "$PORT" -U postgres postgres > "$DIR/dump.sql"
"${RUN_AS[@]}" "$PG_BINDIR/psql" -X -q -h /tmp -p "$PORT" -U postgres -d rdb -f "$DIR/dump.sql" >/dev/null 2>&1 || true
for call in "SELECT row(x.*)::text FROM p_ua(9, 'k1', 1.6, 90, '2020-05-29 15:00:45', 2) x" \
            "SELECT row(x.*)::text FROM p_fn(1, 'k0', 1.5, 500, 'x', 4) x"; do
    a=$(fe_psql "$PORT" -At -c "$call" 2>&1 || true)
    b=$("${RUN_AS[@]}" "$PG_BINDIR/psql" -X -At -h /tmp -p "$PORT" -U postgres -d rdb -c "$call" 2>&1 || true)
    if [ "$a" = "$b" ] && [ -n "$a" ] && [[ "$a" != *ERROR* ]]; then echo "ok restored_${call:30:4}"
    else echo "BUG restored_${call:30:4}: observed $b / expected $a" | tee -a "$DIR/out"; fi
done
# ---- a computed column calling a function with a text DEFAULT argument left out
# (last: a crash restarts the server)
b=$(fe_psql "$PORT" -At -c "SELECT hdef(3)" 2>&1 || true)
a=$(fe_psql "$PORT" -At -c "SELECT x FROM p_def_text(1, 'k0', 1.5, 200, 'x', 3)" 2>&1 || true)
if [ "$a" = "$b" ]; then echo "ok computed_default_arg_text"
else echo "BUG computed_default_arg_text: observed $(echo "$a" | head -2 | tr '\n' ' ') / expected $b" | tee -a "$DIR/out"; fi
if grep -qE '^(BUG|ERROR|psql)' "$DIR/out"; then echo "FAIL (review_fr): see the BUG lines above"; exit 1; fi
echo "review_fr: ok"
