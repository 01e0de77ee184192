#!/usr/bin/env bash
# Installs, builds, and runs the whole test suite (unit, pg_regress, isolation,
# restart/crash scripts).  Ends with "N passed, M failed".  Run as root.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
bash "$ROOT/scripts/install.sh"
export PATH=/usr/lib/postgresql/15/bin:$PATH
exec bash "$ROOT/test/run_all.sh"
