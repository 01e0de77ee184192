#!/usr/bin/env bash
# feature_ext at scale (issue 18 part 6): many keys in one index, and the
# cost of a GC pass with and without work.  Builds nothing: run `make
# install` first.
#
#   bash bench/scale.sh [--rows N] [--keys M] [--buckets B] [--reqs R] [--port P]
#
#   --rows N     rows in the table (default 5000000)
#   --keys M     distinct keys of the index t_k (default 1000000); a second
#                index t_g has 50,000 keys (N / 50,000 rows each)
#   --buckets B  CREATE INDEX t_k ... WITH (buckets = B) (default: not set)
#   --reqs R     requests per timed loop (default 50000)
#
# One throwaway server as the postgres OS user (test/lib.sh) with
# feature_ext.memory_limit=3GB, feature_ext.ttl_gc_interval=1h (so that the
# worker does not run beside the timed passes; no transaction here publishes
# the 10,000 rows that would wake it), fsync=off.  Prints:
#   - CREATE INDEX t_k rows/s (the load from the table, and compaction);
#   - request time server-side: a LATERAL loop of R calls of a deployment
#     over t_k (count and sum over the 10 newest rows of a random key), the
#     statement's time / R, median of 3;
#   - GC pass time (SELECT feature_ext.run_gc(), both indexes, all passes in
#     one session as the worker runs them): idle (right after a pass; median
#     of 3), after 9,000 rows inserted into random keys, after an ALTER
#     INDEX ... SET (ttl) that expires a fifth of the rows, and idle again;
#   - the background load after a restart (the loader's rows/s from the log).
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FE_ROOT/test/lib.sh"

ROWS=5000000
KEYS=1000000
BUCKETS=
REQS=50000
PORT=${BENCH_PORT:-55481}
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) ROWS=$2; shift 2 ;;
        --keys) KEYS=$2; shift 2 ;;
        --buckets) BUCKETS=$2; shift 2 ;;
        --reqs) REQS=$2; shift 2 ;;
        --port) PORT=$2; shift 2 ;;
        -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
    esac
done
PORT=$(fe_free_port "$PORT")
work=$(mktemp -d /tmp/fe_bench_scale.XXXXXX)
chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$work"
DATA="$work/data"
cleanup() {
    fe_stop_server "$DATA" immediate
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

psqlc() { fe_psql "$PORT" -At "$@"; }
# sql_ms SQL -> the statement's time in ms (psql \timing)
sql_ms() { psqlc -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

fe_start_server "$DATA" "$PORT" \
    "feature_ext.memory_limit = '3GB'" \
    "feature_ext.ttl_gc_interval = '1h'" \
    "shared_buffers = '512MB'" \
    "max_wal_size = '8GB'" \
    "max_connections = 20"
# What is measured is the installed library, whatever the checkout.
lib=$("$PG_CONFIG" --pkglibdir)/feature_ext.so
echo "postgresql $(psqlc -c 'SHOW server_version'), installed feature_ext.so md5 $(md5sum "$lib" | cut -c1-12)" \
     "(this checkout: $(git -C "$FE_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))," \
     "$(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "rows $ROWS, keys $KEYS, buckets ${BUCKETS:-(not set)}"
psqlc -c "CREATE EXTENSION feature_ext" >/dev/null
# Key i % M; its rows 0..4 days old (row j of a key: j days), so a TTL of
# 3.5 days expires one row in five.
psqlc -c "CREATE TABLE t (k text, g int4, v float8, ts timestamptz NOT NULL) USING feature_store" \
      -c "INSERT INTO t SELECT 'k' || (i % $KEYS), i % 50000, i * 0.5,
                 now() - ((i / $KEYS) % 5) * interval '1 day' - (i % 1000) * interval '1 second'
          FROM generate_series(0, $ROWS - 1) i" \
      -c "VACUUM ANALYZE t" >/dev/null
opt="ttl = '30 days'"
[ -n "$BUCKETS" ] && opt="$opt, buckets = $BUCKETS"
ms=$(sql_ms "CREATE INDEX t_k ON t USING skiplist (k, ts) WITH ($opt)")
echo "CREATE INDEX t_k: $ms ms = $(awk -v n="$ROWS" -v ms="$ms" 'BEGIN { printf "%.0f", n / (ms / 1000) }') rows/s"
ms=$(sql_ms "CREATE INDEX t_g ON t USING skiplist (g, ts) WITH (ttl = '30 days')")
echo "CREATE INDEX t_g: $ms ms = $(awk -v n="$ROWS" -v ms="$ms" 'BEGIN { printf "%.0f", n / (ms / 1000) }') rows/s"
psqlc -c "SELECT index_name, keys, rows_in_memory FROM feature_ext.index_stats ORDER BY 1" | sed 's/^/  /'

psqlc -c "SELECT feature_ext.deploy('fe_scale', \$q\$
  SELECT k, count(*) OVER w AS n, sum(v) OVER w AS s FROM t
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW) \$q\$)" >/dev/null
REQ="SELECT count(*) FROM generate_series(1, $REQS) i,
       LATERAL fe_scale(k => 'k' || ((i::int8 * 7919) % $KEYS), g => 0, v => 1.0,
                        ts => now()) x"
psqlc -c "$REQ" >/dev/null   # plan + warm
req=()
for _ in 1 2 3; do req+=("$(sql_ms "$REQ")"); done
rms=$(echo "${req[*]}" | median)
echo "requests: $REQS in ${req[*]} ms => $(awk -v ms="$rms" -v n="$REQS" 'BEGIN { printf "%.1f", ms * 1000 / n }') us per request (median)"

# The GC passes run in ONE session, as the worker's do: a new backend's
# first pass also pays a page fault for every page of shared memory it
# touches for the first time (~1 us each here), which the worker pays once.
# Each pass is tagged; the per-index split (DEBUG1, when the library reports
# it) goes to $work/gc.log.
GC="SELECT feature_ext.run_gc()"
fe_psql "$PORT" -At -c 'SET client_min_messages = debug1' -c '\timing on' \
    -c '\echo @first' -c "$GC" \
    -c '\echo @idle' -c "$GC" -c '\echo @idle' -c "$GC" -c '\echo @idle' -c "$GC" \
    -c "INSERT INTO t SELECT 'k' || ((i::int8 * 104729) % $KEYS), i % 50000, 1.0, now() - interval '12 hours'
        FROM generate_series(1, 9000) i" \
    -c '\echo @insert' -c "$GC" -c '\echo @idle2' -c "$GC" \
    -c "ALTER INDEX t_k SET (ttl = '3 days 12 hours')" -c "ALTER INDEX t_g SET (ttl = '3 days 12 hours')" \
    -c "SELECT count(*) FROM feature_ext.index_scan('t_k', '{k1}')" \
    -c "SELECT count(*) FROM feature_ext.index_scan('t_g', '{1}')" \
    -c '\echo @expire' -c "$GC" -c '\echo @idle3' -c "$GC" -c '\echo @idle3' -c "$GC" \
    2>"$work/gc.log" > "$work/gc.out"
# tag -> "ms ms ..." of the passes with that tag; cut rows of the expiring pass
times() { awk -v t="@$1" '/^@/ { cur = $0; w = 1; next } w && /^Time:/ { if (cur == t) printf "%s ", $2; w = 0 }' "$work/gc.out"; }
cut=$(awk '/^@expire/ { getline; print; exit }' "$work/gc.out")
idle=$(times idle)
echo "GC pass (one session): first after the build $(times first)ms; idle ${idle}ms (median $(echo "$idle" | median))"
echo "GC pass after 9,000 rows inserted into random keys: $(times insert)ms; idle again $(times idle2)ms"
echo "GC pass that expires rows (TTL lowered to 3.5 days): $(times expire)ms, $cut rows cut; idle again $(times idle3)ms"
psqlc -c "SELECT index_name, keys, rows_in_memory FROM feature_ext.index_stats ORDER BY 1" | sed 's/^/  /'
if grep -q 'GC pass of index' "$work/gc.log"; then
    echo "GC passes, per index (in the order above, one line per index):"
    sed -n 's/.*feature_ext: GC pass of index /  /p' "$work/gc.log"
fi

loglines=$(wc -l < "$DATA/server.log")
"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w start >/dev/null
for _ in $(seq 1 600); do
    [ "$(psqlc -c "SELECT count(*) FROM feature_ext.index_stats WHERE state = 'ready'")" = 2 ] && break
    sleep 0.5
done
tail -n +"$((loglines + 1))" "$DATA/server.log" | grep 'loaded skiplist index' | sed 's/.*LOG: *//; s/^/restart: /'
