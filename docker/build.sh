#!/usr/bin/env bash
# The builder stage of docker/Dockerfile, and the tested install steps: runs
# scripts/install.sh (packages, make, make install) in the image, then copies
# what `make install` installed into OUT (default /out), laid out by their
# absolute paths, for the runtime stage to copy over an image without
# compilers.  On a Debian 12 machine with PostgreSQL 15 this is exactly what
# test/scripts/docker_steps.sh runs.
#   bash docker/build.sh [OUT]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-/out}
bash "$ROOT/scripts/install.sh"
PG_CONFIG=/usr/lib/postgresql/${PG_MAJOR:-15}/bin/pg_config
libdir=$("$PG_CONFIG" --pkglibdir)
extdir=$("$PG_CONFIG" --sharedir)/extension
mkdir -p "$OUT$libdir" "$OUT$extdir"
cp "$libdir/feature_ext.so" "$OUT$libdir/"
cp "$extdir"/feature_ext.control "$extdir"/feature_ext--*.sql "$OUT$extdir/"
# The shared libraries feature_ext.so needs beyond what the server has (the
# runtime stage installs the packages that provide them).
for lib in $(ldd "$libdir/feature_ext.so" | awk '/=>/ {print $3}'); do
    dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null || true
done | cut -d: -f1 | sort -u > "$OUT/runtime-packages.txt"
echo "staged into $OUT: $(cd "$OUT" && find . -type f ! -name runtime-packages.txt | sort | tr '\n' ' ')"
echo "runtime packages: $(tr '\n' ' ' < "$OUT/runtime-packages.txt")"
