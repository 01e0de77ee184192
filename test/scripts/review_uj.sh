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
fe_review_start review_uj 56410
fe_review_sql "$FE_ROOT/test/scripts/review_uj.sql"

# ---- ROWS frames (tie order, lag) over random inserts, JIT on and off
python3 "$FE_ROOT/test/scripts/review_uj_rows.py" --port "$PORT" --seeds "${FE_REVIEW_SEEDS:-40}" 2>&1 | tee -a "$DIR/out" || true

# ---- pg_dump of deployments using the 3-argument window_union / union tables
# carrying joined columns, restored into another database: the same answers
fe_review_restore
for call in "SELECT row(x.*)::text FROM w8(99, 'a', 9, 7, ts(70)) x" \
            "SELECT row(x.*)::text FROM w1(99, 'a', 9, 7, ts(70)) x" \
            "SELECT row(x.*)::text FROM w10(99, 'a', 9, 7, ts(70)) x" \
            "SELECT row(x.*)::text FROM w15(99, 'a', 9, 7, ts(70)) x"; do
    nm=restored_$(echo "$call" | sed -E 's/.*FROM (w[0-9]+)\(.*/\1/')
    fe_review_same_restored "$nm" "$call"
done
fe_review_verdict
