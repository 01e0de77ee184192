#!/usr/bin/env bash
# Adversarial probes of a LAST JOIN over a subquery with its own window
# (merge 1fb8c15): each request against PostgreSQL's executor running the
# same LATERAL query right after the request row is inserted.
# Prints "ok NAME" or "BUG NAME: observed ... / expected ..." (BUG
# documented(...): a difference docs/DEPLOY.md states); kept in the suite.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
DIR=$(fe_workdir)
DATA=$DIR/data
PORT=$(fe_free_port "${FE_LJ_REVIEW_PORT:-56020}")
trap 'fe_stop_server "$DATA" immediate; rm -rf "$DIR"' EXIT
fe_start_server "$DATA" "$PORT"
"${RUN_AS[@]}" "$PG_BINDIR/createdb" -h /tmp -p "$PORT" -U postgres ljr
cp "$FE_ROOT/test/scripts/lj_subwin_review.sql" "$DIR/p.sql"; chmod a+r "$DIR/p.sql"
fe_psql "$PORT" -d ljr -At -f "$DIR/p.sql" 2>&1 | grep -vE '^(t|f|)$' | tee "$DIR/out" || true
# In the suite: any BUG line but the documented differences fails it.
if grep -E '^BUG |^psql:' "$DIR/out" | grep -vq '^BUG documented('; then echo "FAIL (lj_subwin_review)"; exit 1; fi
echo "lj_subwin_review: ok"
