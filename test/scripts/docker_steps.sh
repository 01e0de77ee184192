#!/usr/bin/env bash
# The Docker image's build steps, run here (no Docker engine on the test
# machines): docker/build.sh stages the built extension and lists the runtime
# packages it needs; the staged files are what `make install` installed; a
# fresh server loads the library and the image's init script creates the
# extension.  Also checks that the Dockerfile pins a Debian 12 base image and
# copies only files that exist.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
DIR=$(fe_workdir)
PORT=$(fe_free_port 55490)
trap 'fe_stop_server "$DIR/data" immediate; rm -rf "$DIR"' EXIT
fail() { echo "FAIL (docker_steps): $*"; exit 1; }
image_major=$(sed -n 's/^ARG PG_MAJOR=//p' "$FE_ROOT/docker/Dockerfile")
if [ "$FE_PG_MAJOR" != "$image_major" ]; then  # scripts/pg_major.sh runs the suite on other majors
    echo "docker_steps: skipped: the image is PostgreSQL $image_major on Debian 12, this is PostgreSQL $FE_PG_MAJOR"
    exit 77
fi

grep -q '^FROM postgres:${PG_MAJOR}-bookworm AS build$' "$FE_ROOT/docker/Dockerfile" || fail "builder stage not pinned to bookworm"
[ "$(grep -c '^FROM postgres:${PG_MAJOR}-bookworm' "$FE_ROOT/docker/Dockerfile")" = 2 ] || fail "runtime stage not pinned to bookworm"
for f in docker/build.sh docker/initdb/10-feature_ext.sql scripts/install.sh; do
    [ -f "$FE_ROOT/$f" ] || fail "$f missing"
done

bash "$FE_ROOT/docker/build.sh" "$DIR/out" > "$DIR/build.log" 2>&1 || { tail -20 "$DIR/build.log"; fail "docker/build.sh failed"; }
libdir=$(pg_config --pkglibdir)
extdir=$(pg_config --sharedir)/extension
cmp -s "$DIR/out$libdir/feature_ext.so" "$libdir/feature_ext.so" || fail "staged library differs from the installed one"
ls "$DIR/out$extdir"/feature_ext--*.sql >/dev/null || fail "install script not staged"
grep -qx libllvm14 "$DIR/out/runtime-packages.txt" || fail "runtime packages miss libllvm14: $(cat "$DIR/out/runtime-packages.txt")"
ldd "$DIR/out$libdir/feature_ext.so" | grep -q "not found" && fail "unresolved libraries"

fe_start_server "$DIR/data" "$PORT"
out=$(fe_psql "$PORT" -At -f "$FE_ROOT/docker/initdb/10-feature_ext.sql")
[ "$out" = "$(fe_psql "$PORT" -At -c 'SELECT feature_ext.version()')" ] || fail "init script: $out"
echo "docker_steps: ok (runtime packages: $(tr '\n' ' ' < "$DIR/out/runtime-packages.txt"))"
