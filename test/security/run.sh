#!/usr/bin/env bash
# The security suite (docs/SECURITY.md): pg_regress files in test/security/sql
# (several roles, attacks by shadowing, owner triggers, policies, table
# changes under deployments) on a temporary instance, then the scripts in
# test/security/*.sh that need a server of their own (background workers).
# Usage: test/security/run.sh [test names...]   (default: all of them;
# FE_SECURITY_PORT: the pg_regress port, default 55442)
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
rc=0
FE_REGRESS_DIR="$FE_ROOT/test/security" FE_REGRESS_PORT=${FE_SECURITY_PORT:-55442} FE_REGRESS_DB=security_regression \
    FE_REGRESS_DIFFS=security.diffs bash "$FE_ROOT/test/run_regress.sh" "$@" || rc=$?
if [ $# -eq 0 ]; then
    for s in "$FE_ROOT"/test/security/*.sh; do
        [ "$(basename "$s")" = run.sh ] && continue
        [ -e "$s" ] || continue
        echo "--- $(basename "$s")"
        bash "$s" || rc=1
    done
fi
exit $rc
