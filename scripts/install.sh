#!/usr/bin/env bash
# Installs what feature_ext needs on Debian 12 (or the official postgres:15
# image), then builds and installs the extension into PostgreSQL 15.
# Run as root.  Used by scripts/demo.sh, scripts/test.sh and docker/Dockerfile.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PKGS=(postgresql-15 postgresql-server-dev-15 g++ make libboost-dev libgtest-dev python3-yaml python3-psycopg)
install_missing() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}
install_missing "${PKGS[@]}"
# The deploy JIT builds against the LLVM PostgreSQL itself was built with
# (LLVM_CONFIG in PGXS's Makefile.global; llvm-config-14 on Debian 12).
PGXS_MK=$(/usr/lib/postgresql/15/bin/pg_config --pgxs)
LLVM_VER=$(sed -n 's/^LLVM_CONFIG *= *.*llvm-config-\([0-9]*\).*/\1/p' "$(dirname "$PGXS_MK")/../Makefile.global")
install_missing "llvm-${LLVM_VER:-14}-dev"
export PATH=/usr/lib/postgresql/15/bin:$PATH
cd "$ROOT"
make -s -j"$(nproc)" PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config >/dev/null
make -s install PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config >/dev/null
echo "feature_ext built and installed into $(/usr/lib/postgresql/15/bin/pg_config --pkglibdir)"
