#!/usr/bin/env bash
# Existing PostgreSQL clients calling a deployment (docs/CLIENTS.md):
# psycopg 3, pgJDBC, node-postgres and libpq, each a small program that calls
# one deployment with server-side prepared statements (column form, row form,
# batch) and checks every value and its client-side type; the same clients
# through PgBouncer in transaction mode; redeploys and ADD COLUMN under a
# client's prepared statements; the guide's snippets against the programs.
#
# Installs what is missing (Debian: python3-psycopg, libpostgresql-jdbc-java,
# default-jdk-headless, libpq-dev, gcc, nodejs, npm, pgbouncer; npm: pg 8 into
# $FE_NPM_DIR, default /var/cache/feature_ext/npm, outside the clone and
# reused between runs).  FE_CLIENTS_NO_INSTALL=1 installs nothing.  A client
# whose runtime is not there is skipped with the reason.  One throwaway server
# (as the postgres OS user, test/lib.sh).  Ends with one line
# "N passed, M failed, K skipped"; exits non-zero on any failure.  Run as root
# after scripts/install.sh.
set -uo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$FE_ROOT/test/clients
. "$FE_ROOT/test/lib.sh"
NPM_DIR=${FE_NPM_DIR:-/var/cache/feature_ext/npm}
PY=/usr/bin/python3                 # Debian's python, where python3-psycopg lives
JDBC_JAR=/usr/share/java/postgresql.jar
PQ_HEADER=$(pg_config --includedir)/libpq-fe.h
export PATH=$PATH:/usr/sbin:/sbin   # pgbouncer
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
elapsed() { local ms=$(( $(now_ms) - $1 )); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }
t_start=$(now_ms)

# ---------------------------------------------------------------- install
have_psycopg() { "$PY" -c 'import psycopg' 2>/dev/null; }
have_jdk() { command -v java >/dev/null && command -v javac >/dev/null; }
have_node_pg() { [ -f "$NPM_DIR/node_modules/pg/package.json" ] &&
    [ "$(node -p 'require(process.argv[1]).version.split(".")[0]' "$NPM_DIR/node_modules/pg/package.json" 2>/dev/null)" = 8 ]; }
declare -A present=(
    [python3-psycopg]=have_psycopg
    [libpostgresql-jdbc-java]="test -f $JDBC_JAR"
    [default-jdk-headless]=have_jdk
    [libpq-dev]="test -f $PQ_HEADER"
    [gcc]="command -v gcc"
    [nodejs]="command -v node"
    [npm]="command -v npm"
    [pgbouncer]="command -v pgbouncer"
)
t_install=$(now_ms)
missing=()
for p in python3-psycopg libpostgresql-jdbc-java default-jdk-headless libpq-dev gcc nodejs npm pgbouncer; do
    ${present[$p]} >/dev/null 2>&1 || missing+=("$p")
done
# (nodejs from NodeSource ships its own npm, which Debian's npm would conflict with:
# npm is only installed when there is no npm command)
if [ ${#missing[@]} -gt 0 ] && [ -z "${FE_CLIENTS_NO_INSTALL:-}" ]; then
    echo "=== installing Debian packages: ${missing[*]}"
    apt_install() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "$@" >>/tmp/feature_ext_clients_apt.log 2>&1; }
    if ! apt_install "${missing[@]}"; then
        apt-get -o DPkg::Lock::Timeout=300 update -q >>/tmp/feature_ext_clients_apt.log 2>&1
        apt_install "${missing[@]}" || for p in "${missing[@]}"; do
            apt_install "$p" || echo "    could not install $p (see /tmp/feature_ext_clients_apt.log)"
        done
    fi
fi
if command -v node >/dev/null && command -v npm >/dev/null && ! have_node_pg && [ -z "${FE_CLIENTS_NO_INSTALL:-}" ]; then
    echo "=== npm install pg@8 into $NPM_DIR"
    mkdir -p "$NPM_DIR"
    (cd "$NPM_DIR" && timeout 300 npm install --prefix "$NPM_DIR" --no-audit --no-fund --no-save \
        --no-package-lock --loglevel=error pg@8) || echo "    npm install pg@8 failed"
fi
echo "--- install step: $(elapsed "$t_install") s"

# ---------------------------------------------------------------- server
passed=0; failed=0; skipped=0; failures=(); skips=()
port_busy() { [ -e "/tmp/.s.PGSQL.$1" ] || [ -e "/tmp/.s.PGSQL.$1.lock" ] || (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p=$1; while port_busy "$p"; do p=$((p + 1)); done; echo "$p"; }
DIR=$(fe_workdir)
PORT=$(free_port 55720)
PGB_PID=
cleanup() {
    [ -n "$PGB_PID" ] && kill "$PGB_PID" 2>/dev/null
    fe_stop_server "$DIR/data" immediate
    rm -rf "$DIR"
}
trap cleanup EXIT
# TCP on 127.0.0.1 as well: pgJDBC has no unix sockets
if ! fe_start_server "$DIR/data" "$PORT" "listen_addresses = '127.0.0.1'" "timezone = 'UTC'"; then
    cat "$DIR/data/server.log" 2>/dev/null | tail -20
    echo "0 passed, 1 failed, 0 skipped"; exit 1
fi
if ! fe_psql "$PORT" < "$HERE/setup.sql" >/dev/null; then
    echo "setup.sql failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1
fi
DSN="host=/tmp port=$PORT dbname=postgres user=postgres"

step() {        # step NAME COMMAND...: passes when the command exits 0
    local name=$1; shift
    local t0; t0=$(now_ms)
    echo "=== $name"
    if timeout 300 bash -c '"$@"' "$name" "$@"; then
        passed=$((passed + 1)); echo "--- ok: $name ($(elapsed "$t0") s)"
    else
        failed=$((failed + 1)); failures+=("$name"); echo "--- FAILED: $name ($(elapsed "$t0") s)"
    fi
}
skip() {
    skipped=$((skipped + 1)); skips+=("$1: $2"); echo "=== $1"; echo "--- skipped: $1 ($2)"
}

# ---------------------------------------------------------------- clients
java_run() { java -Duser.timezone=UTC -cp "$JDBC_JAR" "$HERE/JdbcClient.java" "$@"; }
libpq_build() { gcc -Wall -Werror -O1 -o "$DIR/libpq_client" "$HERE/libpq_client.c" -I"$(pg_config --includedir)" -lpq; }
libpq_run() { libpq_build && "$DIR/libpq_client" "$@"; }
export -f java_run libpq_build libpq_run
export JDBC_JAR HERE DIR NODE_PATH=$NPM_DIR/node_modules

why_psycopg=; have_psycopg || why_psycopg="python3-psycopg not installed ($PY cannot import psycopg)"
why_jdbc=; { test -f "$JDBC_JAR" || why_jdbc="$JDBC_JAR missing (libpostgresql-jdbc-java)"; }
have_jdk || why_jdbc="${why_jdbc:+$why_jdbc; }no java/javac (default-jdk-headless)"
why_node=; command -v node >/dev/null || why_node="no node (nodejs)"
[ -z "$why_node" ] && ! have_node_pg && why_node="npm package pg 8 not in $NPM_DIR/node_modules (npm install failed or no npm)"
why_libpq=; test -f "$PQ_HEADER" || why_libpq="$PQ_HEADER missing (libpq-dev)"
command -v gcc >/dev/null || why_libpq="${why_libpq:+$why_libpq; }no gcc"

if [ -z "$why_psycopg" ]; then step "psycopg" env FE_DSN="$DSN" "$PY" "$HERE/psycopg_client.py"
else skip "psycopg" "$why_psycopg"; fi
if [ -z "$why_jdbc" ]; then step "jdbc" java_run "$PORT"
else skip "jdbc" "$why_jdbc"; fi
if [ -z "$why_node" ]; then step "node-postgres" node "$HERE/node_client.js" "$PORT"
else skip "node-postgres" "$why_node"; fi
if [ -z "$why_libpq" ]; then step "libpq" libpq_run "$DSN options='-c TimeZone=UTC'"
else skip "libpq" "$why_libpq"; fi

# ---------------------------------------------------------------- pgbouncer
# Transaction pooling, one server connection for two client connections
# (test/clients/pgbouncer.ini).
if command -v pgbouncer >/dev/null; then
    PGB_PORT=$(free_port $((PORT + 1)))
    B=$DIR/pgbouncer
    mkdir -p "$B"
    sed -e "s|@PG_PORT@|$PORT|" -e "s|@PGB_PORT@|$PGB_PORT|" -e "s|@DIR@|$B|" \
        "$HERE/pgbouncer.ini" > "$B/pgbouncer.ini"
    echo '"postgres" ""' > "$B/userlist.txt"
    chown -R postgres:postgres "$B"
    "${RUN_AS[@]}" pgbouncer -d "$B/pgbouncer.ini" >/dev/null 2>&1
    for _ in $(seq 50); do [ -s "$B/pgbouncer.pid" ] && port_busy "$PGB_PORT" && break; sleep 0.1; done
    PGB_PID=$(cat "$B/pgbouncer.pid" 2>/dev/null)
    if [ -z "$PGB_PID" ]; then
        echo "pgbouncer did not start:"; tail -5 "$B/pgbouncer.log" 2>/dev/null
        failed=$((failed + 1)); failures+=("pgbouncer start")
    else
        echo "=== $(pgbouncer --version 2>/dev/null | head -1) on 127.0.0.1:$PGB_PORT, pool_mode = transaction, default_pool_size = 1"
        PGB_DSN="host=127.0.0.1 port=$PGB_PORT dbname=postgres user=postgres"
        if [ -z "$why_psycopg" ]; then step "pgbouncer: psycopg" env FE_PGB_DSN="$PGB_DSN" "$PY" "$HERE/psycopg_client.py"
        else skip "pgbouncer: psycopg" "$why_psycopg"; fi
        if [ -z "$why_jdbc" ]; then step "pgbouncer: jdbc" java_run "$PORT" "$PGB_PORT"
        else skip "pgbouncer: jdbc" "$why_jdbc"; fi
        if [ -z "$why_node" ]; then step "pgbouncer: node-postgres" node "$HERE/node_client.js" "$PORT" "$PGB_PORT"
        else skip "pgbouncer: node-postgres" "$why_node"; fi
        if [ -z "$why_libpq" ]; then step "pgbouncer: libpq" "$DIR/libpq_client" "$PGB_DSN" pgbouncer
        else skip "pgbouncer: libpq" "$why_libpq"; fi
    fi
else
    skip "pgbouncer" "pgbouncer not installed"
fi

# ---------------------------------------------------------------- redeploys, docs
if [ -z "$why_psycopg" ]; then step "redeploys and ADD COLUMN (psycopg)" env FE_DSN="$DSN" "$PY" "$HERE/redeploy_psycopg.py"
else skip "redeploys and ADD COLUMN (psycopg)" "$why_psycopg"; fi
step "docs/CLIENTS.md snippets = test code" "$PY" "$HERE/check_docs.py" "$FE_ROOT"

echo
[ $failed -gt 0 ] && echo "failed: ${failures[*]}"
for s in "${skips[@]}"; do echo "skipped: $s"; done
echo "total $(elapsed "$t_start") s"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
