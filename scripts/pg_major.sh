#!/usr/bin/env bash
# scripts/pg_major.sh MAJOR: build, install and run the whole suite
# (test/run_all.sh) against PostgreSQL MAJOR (17 or 18) on this Debian 12
# machine, which only packages PostgreSQL 15.
#
# How: a Debian root with Debian's own postgresql-MAJOR, made once per machine
# with debootstrap from the mirror apt already uses (17: trixie, 18: sid) and
# cached outside the clone (FE_PG_CACHE, default /var/cache/feature_ext); the
# checkout's files are copied into it and built, installed and tested under
# chroot, as Debian builds for other releases.  About 2.5 minutes and 2 GB
# per root the first time; later runs reuse it.
#
# The suite runs there with FE_IN_MAJOR_ROOT=1 (test/run_all.sh): no other
# majors from inside the root, and the clients step reports skipped (the
# clients run once, on the host's PostgreSQL); so does docker_steps (the
# image is PostgreSQL 15).
# Prints the suite's output, then its closing line prefixed with the major
# ("PostgreSQL 17: 12 passed, 0 failed, 2 skipped").  Exit status: the
# suite's (0 passed, 1 failed), 2 usage, 77 skipped: the root cannot be made
# here (not root, no debootstrap, no space, the mirror lacks the release);
# the reason is printed as "PostgreSQL MAJOR: skipped: ...".
# Everything it mounts is unmounted on exit, failure or interrupt included.
# Safe to re-run, and to run twice at once (a lock per root).
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
MAJOR=${1:-}
SKIP=77
case "$MAJOR" in
    17) RELEASE=trixie ;;
    18) RELEASE=sid ;;
    *) echo "usage: $0 17|18" >&2; exit 2 ;;
esac
CACHE=${FE_PG_CACHE:-/var/cache/feature_ext}
ROOT=$CACHE/pg$MAJOR-$RELEASE
BINDIR=/usr/lib/postgresql/$MAJOR/bin
# What the suite needs inside (postgresql-server-dev-MAJOR pulls the LLVM its
# Makefile.global names; checked below).
PKGS=(postgresql-$MAJOR postgresql-server-dev-$MAJOR g++ make libboost-dev libgtest-dev python3 python3-yaml
      python3-psycopg procps)
MIN_FREE_KB=$((3 * 1024 * 1024))

skip() { echo "PostgreSQL $MAJOR: skipped: $*"; exit $SKIP; }

[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, chroot, mount)"
mkdir -p "$CACHE" 2>/dev/null || skip "cannot create $CACHE"
exec 9>"$CACHE/pg$MAJOR.lock"
flock 9

# The mirror apt already uses (deb822 sources or a classic sources.list).
mirror() {
    local u=${FE_DEBIAN_MIRROR:-}
    [ -n "$u" ] || u=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [ -n "$u" ] || u=$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    echo "${u:-http://deb.debian.org/debian}"
}

# Unmount everything mounted under $1 (deepest first) and stop processes whose
# root is $1 (servers a killed suite left behind), by their id.
release_root() {
    local r=$1 p m
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$r" ] && kill -9 "${p#/proc/}" 2>/dev/null || true
    done
    awk -v r="$r" '$5 == r || index($5, r "/") == 1 {print $5}' /proc/self/mountinfo | sort -r |
        while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" || true; done
}

mounted=0
cleanup() { [ $mounted = 1 ] && release_root "$ROOT"; mounted=0; }
trap cleanup EXIT
trap 'exit 130' INT TERM

mount_root() {
    mounted=1
    mount -t proc proc "$ROOT/proc"
    mount -t tmpfs -o mode=1777 shm "$ROOT/dev/shm"   # PostgreSQL's dynamic shared memory
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
}

# in_root CMD...: run CMD in the root with a clean environment.
in_root() {
    chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
        PATH=$BINDIR:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        PG_CONFIG=$BINDIR/pg_config MAKEFLAGS= FE_IN_MAJOR_ROOT=1 "$@"
}

make_root() {
    local part=$ROOT.partial log=$CACHE/pg$MAJOR-$RELEASE.log uri avail
    if ! command -v debootstrap >/dev/null; then
        echo "installing debootstrap"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 ||
            skip "debootstrap is not installed and cannot be installed"
    fi
    [ -e "/usr/share/debootstrap/scripts/$RELEASE" ] || skip "this debootstrap does not know Debian $RELEASE"
    avail=$(df -Pk "$CACHE" | awk 'NR == 2 {print $4}')
    [ "${avail:-0}" -ge $MIN_FREE_KB ] || skip "less than 3 GB free in $CACHE (df -h $CACHE)"
    uri=$(mirror)
    echo "making the PostgreSQL $MAJOR root (Debian $RELEASE from $uri) in $ROOT, log $log"
    release_root "$part"
    rm -rf --one-file-system "$part"
    if ! debootstrap --variant=minbase --include="$(IFS=,; echo "${PKGS[*]}")" "$RELEASE" "$part" "$uri" \
            >"$log" 2>&1; then
        release_root "$part"
        rm -rf --one-file-system "$part"
        tail -5 "$log"
        skip "debootstrap of Debian $RELEASE with postgresql-$MAJOR failed (log: $log)"
    fi
    release_root "$part"
    [ -x "$part$BINDIR/pg_config" ] || skip "Debian $RELEASE has no postgresql-server-dev-$MAJOR"
    printf '%s\n' "${PKGS[@]}" > "$part/.feature_ext-packages"
    mv "$part" "$ROOT"
    echo "PostgreSQL $MAJOR: root made in $((SECONDS - t0)) s ($(du -sh --one-file-system "$ROOT" | cut -f1))"
}

# A root made by an older version of this script lacks newly listed packages.
update_root() {
    if [ "$(printf '%s\n' "${PKGS[@]}")" != "$(cat "$ROOT/.feature_ext-packages" 2>/dev/null)" ]; then
        echo "adding packages to $ROOT"
        in_root apt-get update -qq && in_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >/dev/null ||
            skip "cannot add the packages the suite needs to $ROOT"
        printf '%s\n' "${PKGS[@]}" > "$ROOT/.feature_ext-packages"
    fi
}

t0=$SECONDS
[ -d "$ROOT" ] || make_root
release_root "$ROOT"   # anything a killed earlier run left
mount_root
update_root

# The LLVM this PostgreSQL was built with (Makefile.global's LLVM_BINPATH).
mk=$(dirname "$(in_root pg_config --pgxs)")/../Makefile.global
llvm_bin=$(sed -n 's/^LLVM_BINPATH *= *//p' "$ROOT$mk")
[ -x "$ROOT$llvm_bin/llvm-config" ] || skip "no llvm-config in $llvm_bin inside $ROOT"

# The checkout's files (tracked and new, not build products), fresh each run.
rm -rf --one-file-system "$ROOT/build/feature_ext"
mkdir -p "$ROOT/build/feature_ext"
if git -C "$FE_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$FE_ROOT" ls-files -z -co --exclude-standard |
        (cd "$FE_ROOT" && while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done) |
        tar -C "$FE_ROOT" --null -T - -cf - | tar -C "$ROOT/build/feature_ext" -xf -
else
    tar -C "$FE_ROOT" --exclude=.git --exclude='*.o' --exclude='*.so' -cf - . | tar -C "$ROOT/build/feature_ext" -xf -
fi

# Citus's source for test/scripts/citus.sh, where it looks for it
# (../shared/vendor beside the checkout).
for t in "${FE_CITUS_TARBALL:-}" "$FE_ROOT/../shared/vendor/citus-13.2.2.tar.gz" /work/shared/vendor/citus-13.2.2.tar.gz; do
    if [ -n "$t" ] && [ -f "$t" ]; then
        mkdir -p "$ROOT/build/shared/vendor"
        cmp -s "$t" "$ROOT/build/shared/vendor/citus-13.2.2.tar.gz" || cp "$t" "$ROOT/build/shared/vendor/citus-13.2.2.tar.gz"
        break
    fi
done

echo "building feature_ext for $(in_root pg_config --version) with $(in_root "$llvm_bin/llvm-config" --version | sed 's/^/LLVM /')"
out=$CACHE/pg$MAJOR-suite.log
t1=$SECONDS
# In the background and waited for, so that an interrupt runs the cleanup at
# once (bash defers traps until a foreground command ends).
(in_root bash -c 'cd /build/feature_ext && make -s -j"$(nproc)" >/dev/null && make -s install >/dev/null &&
                  bash test/run_all.sh' 2>&1 | tee "$out"; exit "${PIPESTATUS[0]}") &
rc=0
wait $! || rc=$?
closing=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
echo "PostgreSQL $MAJOR: build and suite took $((SECONDS - t1)) s"
echo "PostgreSQL $MAJOR: ${closing:-build failed (exit $rc), no closing line}"
[ $rc = 0 ] && [ -n "$closing" ] && exit 0
exit 1
