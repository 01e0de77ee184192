#!/usr/bin/env bash
# Adversarial review of deploy()'s FROM subquery computing the deployment's
# columns (branch fromsub): test/scripts/review_fr.sql against PostgreSQL's
# own executor (JIT on and off), then a dump restored into another database
# (the bound text's path).  Prints "ok NAME", "NOTE NAME: ..." or
# "BUG NAME: observed ... / expected ..."; exits 1 on any BUG line.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
fe_review_start review_fr 56510
fe_review_sql "$FE_ROOT/test/scripts/review_fr.sql"

# ---- dump restored into another database: planned from the bound text
fe_review_restore
for call in "SELECT row(x.*)::text FROM p_ua(9, 'k1', 1.6, 90, '2020-05-29 15:00:45', 2) x" \
            "SELECT row(x.*)::text FROM p_fn(1, 'k0', 1.5, 500, 'x', 4) x"; do
    fe_review_same_restored "restored_${call:30:4}" "$call"
done
# ---- a computed column calling a function with a text DEFAULT argument left out
# (last: a crash restarts the server)
b=$(fe_psql "$PORT" -At -c "SELECT hdef(3)" 2>&1 || true)
a=$(fe_psql "$PORT" -At -c "SELECT x FROM p_def_text(1, 'k0', 1.5, 200, 'x', 3)" 2>&1 || true)
if [ "$a" = "$b" ]; then echo "ok computed_default_arg_text"
else echo "BUG computed_default_arg_text: observed $(echo "$a" | head -2 | tr '\n' ' ') / expected $b" | tee -a "$DIR/out"; fi
fe_review_verdict
