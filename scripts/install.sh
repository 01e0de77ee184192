#!/usr/bin/env bash
# Installs what feature_ext needs on Debian 12 (or the official
# postgres:<major>-bookworm image), then builds and installs the extension
# into PostgreSQL $PG_MAJOR (default 15: Debian 12's; the image's Dockerfile
# passes its own major, whose packages come from the image's PGDG sources).
# Run as root.  Used by scripts/demo.sh, scripts/test.sh and docker/build.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
M=${PG_MAJOR:-15}
PKGS=(postgresql-$M postgresql-server-dev-$M g++ make libboost-dev libgtest-dev python3-yaml python3-psycopg)
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
# The deploy JIT builds against the LLVM PostgreSQL itself was built with:
# PGXS's Makefile.global names it by LLVM_CONFIG (15: llvm-config-14 on
# Debian 12) or only by LLVM_BINPATH (16+, e.g. /usr/lib/llvm-19/bin).
BIN=/usr/lib/postgresql/$M/bin
GLOBAL_MK=$(dirname "$("$BIN/pg_config" --pgxs)")/../Makefile.global
LLVM_VER=$(sed -n 's/^LLVM_CONFIG *= *.*llvm-config-\([0-9]*\).*/\1/p' "$GLOBAL_MK")
[ -n "$LLVM_VER" ] || LLVM_VER=$(sed -n 's|^LLVM_BINPATH *= *.*/llvm-\([0-9]*\)/bin.*|\1|p' "$GLOBAL_MK")
install_missing "llvm-${LLVM_VER:-14}-dev"
export PATH=$BIN:$PATH
cd "$ROOT"
make -s -j"$(nproc)" PG_CONFIG="$BIN/pg_config" >/dev/null
make -s install PG_CONFIG="$BIN/pg_config" >/dev/null
echo "feature_ext built and installed into $("$BIN/pg_config" --pkglibdir) (PostgreSQL $M, LLVM ${LLVM_VER:-14})"
