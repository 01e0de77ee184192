# Shared helpers for feature_ext test and demo scripts (sourced, not run).
# The server refuses to run as root, so everything that starts a server runs
# as the `postgres` OS user on a temp data directory, a private port and a
# unix socket in /tmp.

# The PostgreSQL under test: $PG_CONFIG if set, else the pg_config on PATH
# (scripts/test.sh: PostgreSQL 15; scripts/pg_major.sh: 17 or 18 in its root).
PG_CONFIG=${PG_CONFIG:-pg_config}
PG_BINDIR=$("$PG_CONFIG" --bindir)
PGXS_DIR=$(dirname "$("$PG_CONFIG" --pgxs)")/..
FE_PG_MAJOR=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
PG_REGRESS="$PGXS_DIR/test/regress/pg_regress"
PG_ISOLATION_REGRESS="$PGXS_DIR/test/isolation/pg_isolation_regress"
RUN_AS=(runuser -u postgres --)
[ "$(id -u)" != 0 ] && RUN_AS=()

# A work directory the postgres user can write into.
fe_workdir() {
    local d
    d=$(mktemp -d /tmp/feature_ext.XXXXXX)
    chmod 755 "$d"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$d"
    echo "$d"
}

# Make the checkout readable by the postgres user (pg_regress reads sql/ and expected/).
fe_make_readable() {
    local dir=$1
    chmod -R a+rX "$dir" 2>/dev/null || true
    local p=$dir
    while [ "$p" != / ]; do chmod a+x "$p" 2>/dev/null || true; p=$(dirname "$p"); done
}

# fe_start_server DATADIR PORT [extra conf lines...]
fe_start_server() {
    local data=$1 port=$2; shift 2
    "${RUN_AS[@]}" "$PG_BINDIR/initdb" -D "$data" -A trust -U postgres --no-sync >/dev/null
    {
        echo "port = $port"
        echo "listen_addresses = ''"
        echo "unix_socket_directories = '/tmp'"
        echo "fsync = off"
        cat "$FE_ROOT/test/regress.conf"
        for l in "$@"; do echo "$l"; done
    } >> "$data/postgresql.conf"
    "${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$data" -l "$data/server.log" -w start >/dev/null
}

fe_stop_server() {
    local data=$1 mode=${2:-fast}
    "${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$data" -m "$mode" -w stop >/dev/null 2>&1 || true
}

# fe_psql PORT [psql args...]
fe_psql() {
    local port=$1; shift
    "${RUN_AS[@]}" "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h /tmp -p "$port" -U postgres -d postgres "$@"
}

# fe_free_port START: the first port from START with no socket in /tmp.
fe_free_port() {
    local p=$1
    while [ -e "/tmp/.s.PGSQL.$p" ] || [ -e "/tmp/.s.PGSQL.$p.lock" ]; do p=$((p + 1)); done
    echo "$p"
}

# ---- the adversarial review scripts (test/scripts/review_*.sh): each prints
# "ok NAME" / "BUG NAME: observed ... / expected ..." (and NOTE / known) lines
# and keeps the lines that decide in $DIR/out.
# fe_review_start NAME DEFAULT_PORT: a throwaway server (port $FE_REVIEW_PORT
# or the first free one from DEFAULT_PORT) with the extension in database
# postgres; sets REVIEW, DIR, DATA, PORT; removes it all on exit.
fe_review_start() {
    REVIEW=$1
    DIR=$(fe_workdir)
    DATA=$DIR/data
    PORT=$(fe_free_port "${FE_REVIEW_PORT:-$2}")
    trap 'fe_stop_server "$DATA" immediate; rm -rf "$DIR"' EXIT
    fe_make_readable "$FE_ROOT"
    fe_start_server "$DATA" "$PORT"
    fe_psql "$PORT" -c "CREATE EXTENSION feature_ext" >/dev/null
}
# fe_review_sql FILE [PREFIXES]: runs the review's .sql (not stopping at
# errors); prints and keeps its lines starting with PREFIXES (an ERE
# alternation, default ok|BUG|NOTE|ERROR|psql), but psql's NOTICE lines.
fe_review_sql() {
    fe_psql "$PORT" -At -v ON_ERROR_STOP=0 -f "$1" 2>&1 | grep -E "^(${2:-ok|BUG|NOTE|ERROR|psql})" | grep -v '^psql:.*NOTICE:' | tee "$DIR/out" || true
}
# fe_review_verdict: exits 1 on any BUG / ERROR / psql line kept.
fe_review_verdict() {
    if grep -qE '^(BUG|ERROR|psql)' "$DIR/out"; then echo "FAIL ($REVIEW): see the BUG lines above"; exit 1; fi
    echo "$REVIEW: ok"
}
# fe_review_restore: pg_dump of database postgres restored into a new
# database rdb (the restore's output in $DIR/restore.log).
fe_review_restore() {
    "${RUN_AS[@]}" "$PG_BINDIR/createdb" -h /tmp -p "$PORT" -U postgres rdb
    "${RUN_AS[@]}" "$PG_BINDIR/pg_dump" -h /tmp -p "$PORT" -U postgres postgres > "$DIR/dump.sql"
    "${RUN_AS[@]}" "$PG_BINDIR/psql" -X -q -h /tmp -p "$PORT" -U postgres -d rdb -f "$DIR/dump.sql" >"$DIR/restore.log" 2>&1 || true
}
# fe_review_same_restored NAME SQL: "ok NAME" when SQL answers the same
# (non-empty, no error) in postgres and in the restored rdb, else a BUG line.
fe_review_same_restored() {
    local a b
    a=$(fe_psql "$PORT" -At -c "$2" 2>&1 || true)
    b=$("${RUN_AS[@]}" "$PG_BINDIR/psql" -X -At -h /tmp -p "$PORT" -U postgres -d rdb -c "$2" 2>&1 || true)
    if [ "$a" = "$b" ] && [ -n "$a" ] && [[ "$a" != *ERROR* ]]; then echo "ok $1"
    else echo "BUG $1: observed $b / expected $a" | tee -a "$DIR/out"; fi
}
