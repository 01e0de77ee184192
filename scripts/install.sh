#!/usr/bin/env bash
# Installs what feature_ext needs on Debian 12 (or the official postgres:15
# image), then builds and installs the extension into PostgreSQL 15.
# Run as root.  Used by scripts/demo.sh, scripts/test.sh and docker/Dockerfile.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PKGS=(postgresql-15 postgresql-server-dev-15 g++ make libboost-dev libgtest-dev python3-yaml python3-psycopg)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
export PATH=/usr/lib/postgresql/15/bin:$PATH
cd "$ROOT"
make -s -j"$(nproc)" PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config >/dev/null
make -s install PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config >/dev/null
echo "feature_ext built and installed into $(/usr/lib/postgresql/15/bin/pg_config --pkglibdir)"
