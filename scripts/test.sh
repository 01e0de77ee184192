#!/usr/bin/env bash
# Installs, builds, and runs the whole test suite (unit, pg_regress, isolation,
# restart/crash scripts) on PostgreSQL 15, then on 17 and 18 in Debian roots
# (scripts/pg_major.sh; a major whose root cannot be made is skipped).  Ends
# with "majors: ..." and "N passed, M failed, K skipped".  Run as root.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
bash "$ROOT/scripts/install.sh"
export PATH=/usr/lib/postgresql/15/bin:$PATH
export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
exec bash "$ROOT/test/run_all.sh"
