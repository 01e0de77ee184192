#!/usr/bin/env bash
# The load after a restart with the bucket table sized from ANALYZE's
# n_distinct against one grown from 65,536 buckets (docs/STORAGE.md, "Keys
# at scale"): two feature_store tables with the same rows (default 4M rows
# over 1M keys), `a` vacuumed without statistics, `b` analysed; restarted
# --rounds times, the server log's load lines of both printed.  Builds
# nothing: run `make install` first.
#
#   bash bench/load_buckets.sh [--rows N] [--keys M] [--rounds R] [--port P]
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FE_ROOT/test/lib.sh"
ROWS=4000000 KEYS=1000000 ROUNDS=3 PORT=${BENCH_PORT:-56510}
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) ROWS=$2; shift 2 ;;
        --keys) KEYS=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --port) PORT=$2; shift 2 ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
    esac
done
PORT=$(fe_free_port "$PORT")
work=$(mktemp -d /tmp/fe_bench_lb.XXXXXX)
chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$work"
DATA=$work/data
trap 'fe_stop_server "$DATA" immediate; rm -rf "$work"' EXIT
fe_start_server "$DATA" "$PORT" "feature_ext.memory_limit = '3GB'" "feature_ext.ttl_gc_interval = '1h'" \
    "shared_buffers = '512MB'" "max_wal_size = '8GB'" "autovacuum = off"
q() { fe_psql "$PORT" -At "$@"; }
echo "$ROWS rows over $KEYS keys, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
q -c "CREATE EXTENSION feature_ext"
for t in a b; do
    q -c "CREATE TABLE $t (k text, v float8, ts timestamptz NOT NULL) USING feature_store" \
      -c "INSERT INTO $t SELECT 'k' || (i % $KEYS), i, '2026-01-01'::timestamptz + i * interval '1 s' FROM generate_series(0, $ROWS - 1) i" \
      -c "CREATE INDEX ${t}_k ON $t USING skiplist (k, ts)"
done
q -c "VACUUM a" -c "VACUUM ANALYZE b" -c CHECKPOINT
for round in $(seq 1 "$ROUNDS"); do
    n=$(wc -l < "$DATA/server.log")
    "${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    "${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w start >/dev/null
    for _ in $(seq 1 1500); do
        [ "$(q -c "SELECT count(*) FROM feature_ext.index_stats WHERE state = 'ready'")" = 2 ] && break
        sleep 0.2
    done
    echo "round $round:"
    tail -n +$((n + 1)) "$DATA/server.log" | grep -E 'loading skiplist|loaded skiplist' | sed 's/.*feature_ext: /  /'
done
