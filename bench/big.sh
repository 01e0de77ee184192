#!/usr/bin/env bash
# feature_ext on a big table (issue 17 part 3): the same data layout at two
# sizes in one server, one run, so that every number has its baseline beside
# it.  Builds nothing: run `make install` first.
#
#   bash bench/big.sh [--rows N] [--keys M] [--base-rows N0] [--duration S] [--reps R] [--port P]
#
#   --rows N        rows of the big table (default 20000000)
#   --keys M        its keys (default 1000000): N / M rows per key
#   --base-rows N0  rows of the baseline table (default 1000000), with the same
#                   rows per key (N0 * M / N keys: 50,000 by default), so that a
#                   request reads as many rows in both and only the size differs
#   --duration S    seconds per pgbench run (default 10)
#   --reps R        pgbench runs per table, alternating base / big (default 3)
#
# One throwaway server as the postgres OS user (test/lib.sh):
# feature_ext.memory_limit = 4GB, shared_buffers = 1GB, fsync = off,
# feature_ext.ttl_gc_interval = 1h (the passes measured are the ones run
# here).  Key k = 'c<k>', its j-th row at 2025-01-01 + j * 5184 s + a jitter
# below 5,000 s (no ties), rows in global time order, interleaved across keys
# as a stream arrives.  Prints, for the baseline and the big table:
#   - ingest: COPY into feature_store + skiplist (card_id, txn_time) and into
#     heap + btree on the same columns, both indexes made before the COPY,
#     rows/s and their ratio;
#   - memory: bytes per row in shared memory (memory_usage().used_bytes
#     after the table's COPY and GC pass, minus before), and the GC pass
#     after the COPY (ms);
#   - requests: pgbench -M prepared, 1 client, a random key per call of a
#     deployment (count / sum / avg / max over ROWS 100, count / sum over
#     RANGE 1 day, a FILTER count over RANGE 30 days), request time at the
#     end of the data; TPS, p50, p99 (interval between completions, as
#     bench/run.sh measures), medians; big / base p99 (SPEC §6: <= 1.5x);
#   - restart: pg_ctl restart -m fast, then the time until every skiplist
#     index is ready (the background loader), its rows/s from the log, and
#     the first request after it.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FE_ROOT/test/lib.sh"

ROWS=20000000
KEYS=1000000
BROWS=1000000
DUR=10
REPS=3
PORT=${BENCH_PORT:-55491}
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) ROWS=$2; shift 2 ;;
        --keys) KEYS=$2; shift 2 ;;
        --base-rows) BROWS=$2; shift 2 ;;
        --duration) DUR=$2; shift 2 ;;
        --reps) REPS=$2; shift 2 ;;
        --port) PORT=$2; shift 2 ;;
        -h|--help) sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
    esac
done
RPK=$((ROWS / KEYS))
BKEYS=$((BROWS / RPK))
[ "$RPK" -ge 1 ] && [ "$BKEYS" -ge 1 ] || { echo "big: --rows must be at least --keys, --base-rows at least rows per key" >&2; exit 2; }
PORT=$(fe_free_port "$PORT")
work=$(mktemp -d /tmp/fe_bench_big.XXXXXX)
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
sql_ms() { psqlc -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
persec() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", n / (ms / 1000) }'; }

fe_start_server "$DATA" "$PORT" \
    "feature_ext.memory_limit = '4GB'" \
    "feature_ext.ttl_gc_interval = '1h'" \
    "shared_buffers = '1GB'" \
    "max_wal_size = '16GB'" \
    "max_connections = 20"
lib=$("$PG_CONFIG" --pkglibdir)/feature_ext.so
echo "postgresql $(psqlc -c 'SHOW server_version'), installed feature_ext.so md5 $(md5sum "$lib" | cut -c1-12)" \
     "(this checkout: $(git -C "$FE_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))," \
     "$(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "big: $ROWS rows over $KEYS keys; base: $BROWS rows over $BKEYS keys ($RPK rows per key in both)"
psqlc -c "CREATE EXTENSION feature_ext" >/dev/null

BASE="2025-01-01 00:00:00+00"
STEP=5184
REQ_TS=$(psqlc -c "SELECT (timestamptz '$BASE' + make_interval(secs => $RPK::float8 * $STEP))::text")
gen() {  # NAME KEYS -> $work/NAME.csv
    psqlc -c "COPY (
      SELECT 'c' || k, (abs(hashint8(k::bigint * 1000003 + j)) % 100000) / 100.0::float8,
             'm' || (abs(hashint8(k::bigint * 7 + j * 13)) % 10),
             timestamptz '$BASE' + make_interval(secs => j::float8 * $STEP + (k::bigint * 7919 + j::bigint * 104729) % 5000) AS t
        FROM generate_series(0, $(($2 - 1))) k, generate_series(0, $((RPK - 1))) j
       ORDER BY t, 1) TO '$work/$1.csv' WITH (FORMAT csv)" >/dev/null
}
used() { psqlc -c "SELECT used_bytes FROM feature_ext.memory_usage()"; }

# load NAME KEYS NROWS: both tables, COPY timed; sets the results in L_*
load() {
    local name=$1 keys=$2 n=$3 t0 ms_fe ms_heap ms_gc before after
    t0=$(date +%s.%N)
    gen "$name" "$keys"
    echo "$name: data file written in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f s", b - a }')"
    psqlc -c "CREATE TABLE $name (card_id text, amount float8, merchant text, txn_time timestamptz NOT NULL) USING feature_store" \
          -c "CREATE INDEX ${name}_card ON $name USING skiplist (card_id, txn_time)" \
          -c "CREATE TABLE ${name}_heap (card_id text, amount float8, merchant text, txn_time timestamptz NOT NULL)" \
          -c "CREATE INDEX ${name}_heap_card ON ${name}_heap (card_id, txn_time)" >/dev/null
    psqlc -c CHECKPOINT >/dev/null
    before=$(used)
    ms_fe=$(sql_ms "COPY $name FROM '$work/$name.csv' WITH (FORMAT csv)")
    ms_gc=$(sql_ms "SELECT feature_ext.run_gc()")
    after=$(used)
    psqlc -c CHECKPOINT >/dev/null
    ms_heap=$(sql_ms "COPY ${name}_heap FROM '$work/$name.csv' WITH (FORMAT csv)")
    psqlc -c "VACUUM ANALYZE $name" -c "VACUUM ANALYZE ${name}_heap" >/dev/null
    rm -f "$work/$name.csv"
    L_FE=$(persec "$n" "$ms_fe"); L_HEAP=$(persec "$n" "$ms_heap")
    L_BPR=$(awk -v a="$after" -v b="$before" -v n="$n" 'BEGIN { printf "%.1f", (a - b) / n }')
    echo "$name: COPY feature_store + skiplist $L_FE rows/s ($ms_fe ms), heap + btree $L_HEAP rows/s ($ms_heap ms):" \
         "$(ratio "$L_FE" "$L_HEAP")x; shared memory $L_BPR B/row; GC pass after the COPY $ms_gc ms"
}
load base "$BKEYS" "$BROWS"; B_FE=$L_FE; B_HEAP=$L_HEAP; B_BPR=$L_BPR
load big "$KEYS" "$ROWS"; G_FE=$L_FE; G_HEAP=$L_HEAP; G_BPR=$L_BPR
psqlc -c "SELECT index_name, keys, rows_in_memory, bytes_used FROM feature_ext.index_stats ORDER BY 1" | sed 's/^/  /'

FEATURES="count(*) OVER w1 AS n100, sum(amount) OVER w1 AS s100, avg(amount) OVER w1 AS a100, max(amount) OVER w1 AS x100,
  count(*) OVER d1 AS n1d, sum(amount) OVER d1 AS s1d, count(*) FILTER (WHERE merchant = 'm1') OVER d30 AS m30"
WINDOWS="w1 AS (PARTITION BY card_id ORDER BY txn_time ROWS BETWEEN 100 PRECEDING AND CURRENT ROW),
  d1 AS (PARTITION BY card_id ORDER BY txn_time RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW),
  d30 AS (PARTITION BY card_id ORDER BY txn_time RANGE BETWEEN INTERVAL '30 days' PRECEDING AND CURRENT ROW)"
mkdir -p "$work/pgb"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$work/pgb"
for t in base big; do
    psqlc -c "SELECT feature_ext.deploy('fe_$t', \$q\$SELECT card_id, $FEATURES FROM $t WINDOW $WINDOWS\$q\$)" >/dev/null
    keys=$BKEYS; [ "$t" = big ] && keys=$KEYS
    { echo "\\set k random(0, $((keys - 1)))"
      echo "SELECT * FROM fe_$t(('c' || :k), 42.5::float8, 'm1'::text, '$REQ_TS'::timestamptz);"; } > "$work/pgb/$t.sql"
    # the deployment equals PostgreSQL's window query over the key's rows + the request
    chk=$(psqlc -c "SELECT (SELECT row(f.*)::text FROM fe_$t('c7', 42.5, 'm1', '$REQ_TS') f) =
                           (SELECT row(x.card_id, x.n100, x.s100, x.a100, x.x100, x.n1d, x.s1d, x.m30)::text FROM (
                              SELECT card_id, $FEATURES, r FROM (SELECT *, 0 AS r FROM ${t}_heap WHERE card_id = 'c7'
                                UNION ALL SELECT 'c7', 42.5, 'm1', '$REQ_TS', 1) u WINDOW $WINDOWS) x WHERE r = 1)")
    [ "$chk" = t ] || { echo "big: fe_$t('c7') differs from PostgreSQL's window query" >&2; exit 1; }
done
echo "check: fe_base('c7') and fe_big('c7') equal PostgreSQL's window query over the heap copies"
bench_once() {  # SCRIPT -> "tps p50 p99" (ms)
    local out tps
    rm -f "$work/pgb/log."*
    out=$("${RUN_AS[@]}" "$PG_BINDIR/pgbench" -h /tmp -p "$PORT" -U postgres -n -M prepared -c 1 -j 1 -T "$DUR" \
              --log --log-prefix="$work/pgb/log" -f "$work/pgb/$1.sql" postgres 2>&1) || { echo "$out" >&2; exit 1; }
    tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$out")
    for f in "$work/pgb/log."*; do
        awk '{ t = $5 * 1000000 + $6; if (NR > 1) print t - p; p = t }' "$f"; done | sort -n |
        awk -v tps="$tps" '{ v[NR] = $1 } END { i50 = int(NR * 0.50 + 0.999); i99 = int(NR * 0.99 + 0.999);
               printf "%s %.3f %.3f\n", tps, v[i50] / 1000, v[i99] / 1000 }'
}
declare -A TPS P50 P99
for _ in $(seq 1 "$REPS"); do
    for t in base big; do
        read -r a b c < <(bench_once "$t")
        TPS[$t]+=" $a"; P50[$t]+=" $b"; P99[$t]+=" $c"
    done
done
for t in base big; do
    echo "requests on $t (1 client, ${DUR} s x $REPS): TPS$(echo "${TPS[$t]}") p50$(echo "${P50[$t]}") p99$(echo "${P99[$t]}") ms;" \
         "medians $(echo "${TPS[$t]}" | median) TPS, $(echo "${P50[$t]}" | median) / $(echo "${P99[$t]}" | median) ms"
done
RP99=$(ratio "$(echo "${P99[big]}" | median)" "$(echo "${P99[base]}" | median)")
RP50=$(ratio "$(echo "${P50[big]}" | median)" "$(echo "${P50[base]}" | median)")

loglines=$(wc -l < "$DATA/server.log")
"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
t0=$(date +%s.%N)
"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w start >/dev/null
ready=
for _ in $(seq 1 3000); do
    if [ "$(psqlc -c "SELECT count(*) FILTER (WHERE state = 'ready') || '/' || count(*) FROM feature_ext.index_stats" 2>/dev/null)" = 2/2 ]; then
        ready=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'); break
    fi
    sleep 0.2
done
first=$(sql_ms "SELECT * FROM fe_big('c12345', 42.5, 'm1', '$REQ_TS')")
echo "restart: every index ready ${ready:-never (10 min)} s after pg_ctl start; first request then $first ms"
tail -n +"$((loglines + 1))" "$DATA/server.log" | grep 'loaded skiplist index' | sed 's/.*LOG: *//; s/^/  /' || true

echo
echo "summary ($ROWS vs $BROWS rows, $RPK rows per key):"
echo "  ingest, COPY rows/s vs heap + btree:  big $G_FE vs $G_HEAP = $(ratio "$G_FE" "$G_HEAP")x;  base $B_FE vs $B_HEAP = $(ratio "$B_FE" "$B_HEAP")x  (SPEC §6: >= 0.8x)"
echo "  shared memory per row:                big $G_BPR B;  base $B_BPR B"
echo "  request p99 big / base:               ${RP99}x (p50 ${RP50}x)  (target <= 1.5x)"
echo "  restart to ready:                     ${ready:-never} s"
