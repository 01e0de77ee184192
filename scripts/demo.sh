#!/usr/bin/env bash
# Installs and builds feature_ext, starts a throwaway PostgreSQL server (as the
# postgres OS user, private port, socket in /tmp), runs the demo in
# scripts/demo.sql, and removes the server again.  Run as root.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
bash "$ROOT/scripts/install.sh"
export PATH=/usr/lib/postgresql/15/bin:$PATH
FE_ROOT=$ROOT
. "$ROOT/test/lib.sh"
DIR=$(fe_workdir)
PORT=${PORT:-55499}
trap 'fe_stop_server "$DIR/data"; rm -rf "$DIR"' EXIT
fe_start_server "$DIR/data" "$PORT"
fe_make_readable "$ROOT"
"${RUN_AS[@]}" "$PG_BINDIR/psql" -X -h /tmp -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -e \
    -f "$ROOT/scripts/demo.sql"
echo "demo finished; the throwaway server is being removed"
