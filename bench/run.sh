#!/usr/bin/env bash
# feature_ext benchmark (SPEC §6): feature_ext vs PostgreSQL side by side, one
# server, one run.  Builds nothing: run `make install` first.
#
#   bash bench/run.sh [--scale N] [--duration S] [--reps N] [--port P]
#
#   --scale N      N × 1,000 rows per key (1,000 keys; default 1 = 1M rows).
#                  The density stays ~16.7 rows/day, so the data span is 60·N days.
#   --duration S   seconds per pgbench run (default 10; scaling runs use S/2)
#   --reps N       pgbench repetitions per measurement; medians reported (default 3)
#   --port P       server port (default 55471, or $BENCH_PORT)
#   --only LIST    run only these sections (comma list of check,1,2,3,4,5,6,7,8,9);
#                  results go to bench/results/partial.json, no plot
#   --stream N     section 9: rows streamed (default 2000000), curve every N/8
#
# Starts ONE throwaway server as the postgres OS user (test/lib.sh), with
# shared_preload_libraries=feature_ext, feature_ext.memory_limit=2GB,
# shared_buffers=512MB and fsync=off (nothing here measures durability; COPY
# numbers would be lower with fsync on for both sides).  Prints the machine,
# each measurement as feature_ext vs baseline and their ratio, writes
# bench/results/latest.json and bench/results/latency_vs_window.png (gnuplot).
# The server is stopped and the temp dir removed on exit.  docs/BENCH.md
# explains every line.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FE_ROOT/test/lib.sh"

SCALE=1
ONLY=
NLONG=2000000
DURATION=10
REPS=3
PORT=${BENCH_PORT:-55471}
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) SCALE=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --reps) REPS=$2; shift 2 ;;
        --port) PORT=$2; shift 2 ;;
        --only) ONLY=$2; shift 2 ;;
        --stream) NLONG=$2; shift 2 ;;
        -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
    esac
done
KEYS=1000
RPK=$((1000 * SCALE))            # rows per key
ROWS=$((KEYS * RPK))
STEP=5184                        # seconds between a key's rows: 60 days / 1000
SDUR=$(( DURATION / 2 > 2 ? DURATION / 2 : 2 ))   # duration of the window-scaling runs
RESULTS="$FE_ROOT/bench/results"
mkdir -p "$RESULTS"
T_START=$(date +%s)

# own temp dir name (not /tmp/feature_ext.*: other jobs on a shared machine may sweep those)
work=$(mktemp -d /tmp/fe_bench_run.XXXXXX)
chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$work"
DATA="$work/data"
cleanup() {
    fe_stop_server "$DATA" immediate
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/pgb"

log() { printf '%s\n' "$*"; }
bad=0
want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
WSIZES="10 100 1000"
sec() { printf '\n== %s ==\n' "$*"; }
psqlc() { fe_psql "$PORT" -At "$@"; }
# sql_ms SQL -> server round-trip time of SQL in ms (psql \timing)
sql_ms() {
    psqlc -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# ---------------------------------------------------------------- results
declare -A R                      # flat key -> value, written to JSON at the end
declare -a JKEYS=()
put() { [ -z "${R[$1]+x}" ] && JKEYS+=("$1"); R[$1]=$2; }

# ---------------------------------------------------------------- machine
PGVER_CLI=$(pg_config --version)
sec "machine"
log "date        $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
log "nproc       $(nproc)"
log "memory      $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
log "cpu         $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
log "git         $(git -C "$FE_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') (installed library: $(date -u -r "$(pg_config --pkglibdir)/feature_ext.so" '+%Y-%m-%d %H:%M UTC'))"
log "load avg    $(cut -d' ' -f1-3 /proc/loadavg)  (other jobs on this machine make numbers noisy)"
put machine.date "$(date -u '+%Y-%m-%dT%H:%M:%SZ')"
put machine.nproc "$(nproc)"
put machine.mem_kb "$(awk '/MemTotal/ { print $2 }' /proc/meminfo)"
put machine.loadavg_start "$(cut -d' ' -f1 /proc/loadavg)"
put run.command "bash bench/run.sh --scale $SCALE --duration $DURATION --reps $REPS"

fe_start_server "$DATA" "$PORT" \
    "feature_ext.memory_limit = '2GB'" \
    "shared_buffers = '512MB'" \
    "work_mem = '256MB'" \
    "max_connections = 20"
PGVER=$(psqlc -c "SHOW server_version")
log "postgresql  $PGVER  (fsync=off, shared_buffers=512MB, work_mem=256MB, jit=$(psqlc -c 'SHOW jit'))"
put machine.postgresql "$PGVER"
psqlc -c "CREATE EXTENSION feature_ext" >/dev/null

# ---------------------------------------------------------------- dataset
sec "dataset"
# Key k = 'c<k>', its j-th row at 2025-01-01 + j·5184 s + (k·7919 + j·104729) mod 5000 s:
# strictly increasing per key (no ties on (card_id, txn_time)), ~16.7 rows/day, so a
# 1-day window holds ~17 rows and a 30-day window ~500.  Rows are written in global
# time order (interleaved across keys, as a live stream would arrive).
BASE="2025-01-01 00:00:00+00"
REQ_TS=$(psqlc -c "SELECT (timestamptz '$BASE' + make_interval(secs => $RPK::float8 * $STEP))::text")
CSV="$work/txn.csv"
t0=$(date +%s.%N)
psqlc -c "COPY (
  SELECT 'c' || k, (abs(hashint8(k::bigint * 1000003 + j)) % 100000) / 100.0::float8,
         'm' || (abs(hashint8(k::bigint * 7 + j * 13)) % 10),
         timestamptz '$BASE' + make_interval(secs => j::float8 * $STEP + (k::bigint * 7919 + j::bigint * 104729) % 5000) AS t
    FROM generate_series(0, $((KEYS - 1))) k, generate_series(0, $((RPK - 1))) j
   ORDER BY t, 1) TO '$CSV' WITH (FORMAT csv)"
psqlc >/dev/null <<SQL
CREATE TABLE txn (card_id text, amount float8, merchant text, txn_time timestamptz NOT NULL)
  USING feature_store;
CREATE INDEX txn_card ON txn USING skiplist (card_id, txn_time);     -- no TTL: all rows in memory
COPY txn FROM '$CSV' WITH (FORMAT csv);
CREATE TABLE txn_heap (card_id text, amount float8, merchant text, txn_time timestamptz NOT NULL);
COPY txn_heap FROM '$CSV' WITH (FORMAT csv);
CREATE INDEX txn_heap_card ON txn_heap (card_id, txn_time);
VACUUM ANALYZE txn;
VACUUM ANALYZE txn_heap;
-- steady state: the background worker's pass (every feature_ext.ttl_gc_interval,
-- 60 s by default) compacts keys whose rows arrived interleaved with other keys
SELECT feature_ext.run_gc();
SQL
log "$KEYS keys x $RPK rows = $ROWS rows, request time $REQ_TS (end of data)  [$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f s", b - a }')]"
log "txn:      feature_store + skiplist (card_id, txn_time), no TTL; one GC pass (compaction) as the worker would run"
log "txn_heap: heap + btree (card_id, txn_time)"
put dataset.keys "$KEYS"; put dataset.rows_per_key "$RPK"; put dataset.rows "$ROWS"

# ---------------------------------------------------------------- queries
# Feature list shared by the deployment, the native window query and the
# plain-PostgreSQL request queries.
FEATS="sum(amount) OVER w100 AS amount_sum_100,
         avg(amount) OVER w100 AS amount_avg_100,
         max(amount) OVER w100 AS amount_max_100,
         count(*)    OVER w1d  AS txn_count_1d,
         sum(amount) OVER w1d  AS amount_sum_1d,
         min(amount) OVER w1d  AS amount_min_1d,
         max(amount) OVER w1d  AS amount_max_1d,
         count(*)    OVER w30d AS txn_count_30d,
         avg(amount) OVER w30d AS amount_avg_30d,
         count(*) FILTER (WHERE merchant = 'm1') OVER w30d AS m1_count_30d"
FCOLS="amount_sum_100, amount_avg_100, amount_max_100, txn_count_1d, amount_sum_1d, amount_min_1d, amount_max_1d, txn_count_30d, amount_avg_30d, m1_count_30d"
WINS="WINDOW w100 AS (PARTITION BY card_id ORDER BY txn_time ROWS BETWEEN 100 PRECEDING AND CURRENT ROW),
         w1d  AS (PARTITION BY card_id ORDER BY txn_time RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW),
         w30d AS (PARTITION BY card_id ORDER BY txn_time RANGE BETWEEN INTERVAL '30 days' PRECEDING AND CURRENT ROW)"
DEPLOY_Q="SELECT card_id,
         $FEATS
  FROM txn
  $WINS"

# Request queries use placeholders @KEY@ @AMT@ @MER@ @TS@, instantiated for
# PREPARE ($1..$4) and for pgbench (:k and literals).
# (a) plain PG, window formulation = DEPLOY.md's definition: the request row
#     (last of its peers) UNION ALL the key's stored rows up to its time, the
#     window query over them, keep the request row's output.
PG_WIN_Q="SELECT card_id, $FCOLS FROM (
  SELECT card_id, is_req,
         $FEATS
    FROM (SELECT card_id, amount, merchant, txn_time, false AS is_req
            FROM txn_heap WHERE card_id = @KEY@ AND txn_time <= @TS@
          UNION ALL SELECT @KEY@, @AMT@, @MER@, @TS@, true) s
  WINDOW w100 AS (PARTITION BY card_id ORDER BY txn_time, is_req ROWS BETWEEN 100 PRECEDING AND CURRENT ROW),
         w1d  AS (PARTITION BY card_id ORDER BY txn_time RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW),
         w30d AS (PARTITION BY card_id ORDER BY txn_time RANGE BETWEEN INTERVAL '30 days' PRECEDING AND CURRENT ROW)
  ) w WHERE is_req"
# (b) plain PG, hand-optimised single pass: the same rows, one aggregate per
#     feature with FILTER for its frame, rows fed oldest first (so float sums
#     add in the window executor's order).  A stronger baseline than (a),
#     which computes every row's frames and throws all but one away.
PG_AGG_Q="SELECT @KEY@ AS card_id,
       sum(amount) FILTER (WHERE rn <= 101) AS amount_sum_100,
       avg(amount) FILTER (WHERE rn <= 101) AS amount_avg_100,
       max(amount) FILTER (WHERE rn <= 101) AS amount_max_100,
       count(*)    FILTER (WHERE txn_time >= @TS@ - interval '1 day') AS txn_count_1d,
       sum(amount) FILTER (WHERE txn_time >= @TS@ - interval '1 day') AS amount_sum_1d,
       min(amount) FILTER (WHERE txn_time >= @TS@ - interval '1 day') AS amount_min_1d,
       max(amount) FILTER (WHERE txn_time >= @TS@ - interval '1 day') AS amount_max_1d,
       count(*)    FILTER (WHERE txn_time >= @TS@ - interval '30 days') AS txn_count_30d,
       avg(amount) FILTER (WHERE txn_time >= @TS@ - interval '30 days') AS amount_avg_30d,
       count(*)    FILTER (WHERE txn_time >= @TS@ - interval '30 days' AND merchant = 'm1') AS m1_count_30d
  FROM (SELECT amount, merchant, txn_time,
               row_number() OVER (ORDER BY txn_time DESC, is_req DESC) AS rn
          FROM (SELECT amount, merchant, txn_time, false AS is_req
                  FROM txn_heap WHERE card_id = @KEY@ AND txn_time <= @TS@
                UNION ALL SELECT @AMT@, @MER@, @TS@, true) u
         ORDER BY txn_time, is_req) s"
FE_Q="SELECT * FROM fe_req(@KEY@, @AMT@, @MER@, @TS@)"

as_prepared() { sed -e 's/@KEY@/$1::text/g' -e 's/@AMT@/$2::float8/g' -e 's/@MER@/$3::text/g' -e 's/@TS@/$4::timestamptz/g' <<<"$1"; }
# pgbench script: random key per transaction, request time = end of data
pgb_script() {   # NAME QUERY [KEYS REQUEST_TIME]
    {
        echo "\\set k random(0, $((${3:-$KEYS} - 1)))"
        sed -e "s/@KEY@/('c' || :k)/g" -e 's/@AMT@/42.5::float8/g' -e "s/@MER@/'m1'::text/g" \
            -e "s/@TS@/'${4:-$REQ_TS}'::timestamptz/g" <<<"$2" | tr '\n' ' '
        echo ";"
    } > "$work/pgb/$1.sql"
}

psqlc -c "SELECT feature_ext.deploy('fe_req', \$q\$ $DEPLOY_Q \$q\$)" >/dev/null
echo "SELECT 1;" > "$work/pgb/select1.sql"
pgb_script fe "$FE_Q"
pgb_script pgw "$PG_WIN_Q"
pgb_script pga "$PG_AGG_Q"
NSTREAM=20   # section 8

# ---------------------------------------------------------------- correctness check
checks=0
check_one() {   # KEY AMT MER TS -> prints OK/MISMATCH line, sets rc
    local k=$1 a=$2 m=$3 t=$4 out fe pgw pga
    out=$(psqlc <<SQL
PREPARE fe(text, float8, text, timestamptz) AS $(as_prepared "$FE_Q");
PREPARE pgw(text, float8, text, timestamptz) AS $(as_prepared "$PG_WIN_Q");
PREPARE pga(text, float8, text, timestamptz) AS $(as_prepared "$PG_AGG_Q");
EXECUTE fe('$k', $a, '$m', '$t');
EXECUTE pgw('$k', $a, '$m', '$t');
EXECUTE pga('$k', $a, '$m', '$t');
SQL
)
    fe=$(sed -n 1p <<<"$out"); pgw=$(sed -n 2p <<<"$out"); pga=$(sed -n 3p <<<"$out")
    checks=$((checks + 1))
    if [ -n "$fe" ] && [ "$fe" = "$pgw" ] && [ "$fe" = "$pga" ]; then
        log "OK        $k @ $t: $fe"
    else
        bad=$((bad + 1))
        log "MISMATCH  $k @ $t"
        log "   feature_ext   : $fe"
        log "   plain window  : $pgw"
        log "   plain 1-pass  : $pga"
    fi
}
if want check; then
sec "check: plain-PostgreSQL queries return the deployed function's values"
mid_ts=$(psqlc -c "SELECT (timestamptz '$BASE' + make_interval(secs => $RPK::float8 * $STEP / 2))::text")
check_one c0 42.5 m1 "$REQ_TS"
check_one c123 999.99 m1 "$REQ_TS"
check_one c500 0 m3 "$REQ_TS"
check_one c999 17.25 m1 "$mid_ts"
check_one c42 500 m2 "$mid_ts"
# a request exactly at a stored row's time (the request is the last of its peers)
tie_ts=$(psqlc -c "SELECT txn_time::text FROM txn_heap WHERE card_id = 'c7' ORDER BY txn_time OFFSET $((RPK / 2)) LIMIT 1")
check_one c7 1.5 m1 "$tie_ts"
put check.requests "$checks"; put check.mismatches "$bad"
[ "$bad" = 0 ] && log "check: OK ($checks requests, all 10 features bit-identical)" || log "check: MISMATCH in $bad of $checks requests"

fi
# ---------------------------------------------------------------- pgbench helper
# bench_once SCRIPT CLIENTS DURATION -> prints "tps p50 p99" of one pgbench run (ms)
bench_once() {
    local script=$1 c=$2 d=$3 out tps
    rm -f "$work/pgb/log."*
    out=$(pgbench -h /tmp -p "$PORT" -U postgres -n -M prepared -c "$c" -j "$c" -T "$d" \
              --log --log-prefix="$work/pgb/log" -f "$work/pgb/$script.sql" postgres 2>&1) || {
        echo "$out" >&2; echo "pgbench failed: $script" >&2; exit 1; }
    tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$out")
    # latency = interval between consecutive completions on one connection (-j = -c:
    # one client per log file).  pgbench's own latency column reads a lazily
    # refreshed clock and logs 0 us for many sub-0.1 ms transactions here.
    for f in "$work/pgb/log."*; do
        awk '{ t = $5 * 1000000 + $6; if (NR > 1) print t - p; p = t }' "$f"; done | sort -n |
        awk -v tps="$tps" '{ v[NR] = $1 } END { i50 = int(NR * 0.50 + 0.999); i99 = int(NR * 0.99 + 0.999);
               printf "%s %.3f %.3f\n", tps, v[i50] / 1000, v[i99] / 1000 }'
}
# bench NAME SCRIPT CLIENTS DURATION -> sets B_TPS B_P50 B_P99 (medians over REPS; ms)
bench() {
    local name=$1 script=$2 c=$3 d=$4 i tps p50 p99 tl="" l50="" l99=""
    for i in $(seq 1 "$REPS"); do
        read -r tps p50 p99 < <(bench_once "$script" "$c" "$d")
        [ -n "$tps" ] || { echo "pgbench failed: $name" >&2; exit 1; }
        tl+=" $tps"; l50+=" $p50"; l99+=" $p99"
    done
    B_TPS=$(median <<<"$tl"); B_P50=$(median <<<"$l50"); B_P99=$(median <<<"$l99")
    put "$name.tps" "$B_TPS"; put "$name.p50_ms" "$B_P50"; put "$name.p99_ms" "$B_P99"
    put "$name.tps_reps" "$(sed 's/^ //' <<<"$tl")"
}
# bench_pairs NAME SCRIPT BASE_SCRIPT CLIENTS DURATION -> sets P_RATIO: the
# median over REPS of TPS(SCRIPT) / TPS(BASE_SCRIPT), each pair run back to
# back (the machine's drift between the two sides of a pair is small)
bench_pairs() {
    local name=$1 script=$2 base=$3 c=$4 d=$5 i a b x rl=""
    for i in $(seq 1 "$REPS"); do
        read -r b x x < <(bench_once "$base" "$c" "$d")
        read -r a x x < <(bench_once "$script" "$c" "$d")
        [ -n "$a" ] && [ -n "$b" ] || { echo "pgbench failed: $name" >&2; exit 1; }
        rl+=" $(ratio "$a" "$b")"
    done
    P_RATIO=$(median <<<"$rl")
    put "$name.pair_ratio" "$P_RATIO"; put "$name.pair_ratios" "$(sed 's/^ //' <<<"$rl")"
}
fmt_line() {   # LABEL TPS P50 P99
    printf '  %-34s %10.0f tps   p50 %8.3f ms   p99 %8.3f ms\n' "$1" "$2" "$3" "$4"
}

# ---------------------------------------------------------------- 1. request
if want 1; then
sec "1. request: 10 features, 3 windows (ROWS 100, RANGE 1 day, RANGE 30 days); pgbench -M prepared, ${DURATION}s x $REPS, medians"
# the output floor: one stored row with the request's 11 result columns and values
psqlc -c "SET client_min_messages = warning; DROP TABLE IF EXISTS req_shape; CREATE TABLE req_shape AS SELECT * FROM fe_req('c7', 42.5, 'm1', '$REQ_TS')" >/dev/null
echo "SELECT * FROM req_shape;" > "$work/pgb/shape.sql"
# the call floor: the same deployment with windows that hold only the request
# row (ROWS 1, RANGE 1 and 2 seconds; stored rows are minutes apart): the same
# output, the same call path, almost no rows to read
FLOOR_Q=$(sed -e 's/100 PRECEDING/1 PRECEDING/' -e "s/INTERVAL '1 day'/INTERVAL '1 second'/" \
              -e "s/INTERVAL '30 days'/INTERVAL '2 seconds'/" <<<"$DEPLOY_Q")
psqlc -c "SELECT feature_ext.deploy('fe_floor', \$q\$ $FLOOR_Q \$q\$)" >/dev/null
pgb_script floor "${FE_Q/fe_req/fe_floor}"
us() { awk -v t="$1" 'BEGIN { printf "%.1f", 1000000 / t }'; }
for c in 1 2; do
    bench "request.c$c.select1" select1 "$c" "$DURATION"; s1=$B_TPS
    fmt_line "SELECT 1 (protocol floor)" "$B_TPS" "$B_P50" "$B_P99"
    bench "request.c$c.shape" shape "$c" "$DURATION"; sh=$B_TPS
    fmt_line "SELECT * of the result's shape" "$B_TPS" "$B_P50" "$B_P99"
    put "request.c$c.shape_vs_select1" "$(ratio "$sh" "$s1")"
    bench "request.c$c.call_floor" floor "$c" "$DURATION"; fl=$B_TPS
    fmt_line "fe_floor(...): 1-row windows" "$B_TPS" "$B_P50" "$B_P99"
    put "request.c$c.call_floor_vs_select1" "$(ratio "$fl" "$s1")"
    bench "request.c$c.feature_ext" fe "$c" "$DURATION"; fe=$B_TPS; fe50=$B_P50
    fmt_line "feature_ext fe_req(...)" "$B_TPS" "$B_P50" "$B_P99"
    log "     1e6/TPS (us per transaction): SELECT 1 $(us "$s1"), shape $(us "$sh"), fe_floor $(us "$fl")," \
        "fe_req $(us "$fe") => reading and aggregating the windows' rows:" \
        "$(awk -v a="$fe" -v b="$fl" 'BEGIN { printf "%.1f", 1000000 / a - 1000000 / b }') us"
    bench "request.c$c.pg_window" pgw "$c" "$DURATION"; pw=$B_TPS; pw50=$B_P50
    fmt_line "plain PG, window query" "$B_TPS" "$B_P50" "$B_P99"
    bench "request.c$c.pg_1pass" pga "$c" "$DURATION"; pa=$B_TPS; pa50=$B_P50
    fmt_line "plain PG, 1-pass aggregate" "$B_TPS" "$B_P50" "$B_P99"
    put "request.c$c.ratio_vs_select1" "$(ratio "$fe" "$s1")"
    put "request.c$c.ratio_vs_pg_window" "$(ratio "$fe" "$pw")"
    put "request.c$c.ratio_vs_pg_1pass" "$(ratio "$fe" "$pa")"
    log "  => $c client(s): feature_ext/SELECT 1 = $(ratio "$fe" "$s1")x (target >= 0.8; the result's shape alone: $(ratio "$sh" "$s1")x, fe_floor: $(ratio "$fl" "$s1")x);" \
        "feature_ext/plain PG = $(ratio "$fe" "$pw")x window query, $(ratio "$fe" "$pa")x 1-pass (target >= 5)"
    bench_pairs "request.c$c.fe_vs_select1" fe select1 "$c" "$DURATION"
    log "     paired runs (SELECT 1 then fe_req, back to back, x$REPS): feature_ext/SELECT 1 = ${P_RATIO}x (median; runs: ${R[request.c$c.fe_vs_select1.pair_ratios]})"
done

fi
# ---------------------------------------------------------------- 2. window scaling
if want 2; then
WSIZES+=" 10000"
if [ "$RPK" -lt 10000 ]; then
    # A 10,000-row window needs keys with 10,000 rows: a side table of 20 such
    # keys from the same row generator (both sides read it).
    BIG_TS=$(psqlc -c "SELECT (timestamptz '$BASE' + make_interval(secs => 10000::float8 * $STEP))::text")
    psqlc >/dev/null <<SQL
CREATE TABLE txn10k (card_id text, amount float8, merchant text, txn_time timestamptz NOT NULL) USING feature_store;
CREATE INDEX txn10k_card ON txn10k USING skiplist (card_id, txn_time);
INSERT INTO txn10k
SELECT 'c' || k, (abs(hashint8(k::bigint * 1000003 + j)) % 100000) / 100.0::float8,
       'm' || (abs(hashint8(k::bigint * 7 + j * 13)) % 10),
       timestamptz '$BASE' + make_interval(secs => j::float8 * $STEP + (k::bigint * 7919 + j::bigint * 104729) % 5000) AS t
  FROM generate_series(0, 19) k, generate_series(0, 9999) j ORDER BY t, 1;
CREATE TABLE txn10k_heap AS SELECT * FROM txn10k;
CREATE INDEX txn10k_heap_card ON txn10k_heap (card_id, txn_time);
VACUUM ANALYZE txn10k; VACUUM ANALYZE txn10k_heap;
SELECT feature_ext.run_gc();
SQL
fi
sec "2. window-size scaling: single ROWS window (n PRECEDING), 6 features, 1 client, ${SDUR}s x $REPS, medians"
log "  plain PG here = 1-pass aggregate over the key's newest n rows (btree, ORDER BY txn_time DESC LIMIT n) + the request row"
printf '%s\n' "# n fe_p50 pg_p50 fe_p99 pg_p99 fe_tps pg_tps" > "$work/scaling.dat"
for n in $WSIZES; do
    tb=txn; th=txn_heap; nk=$KEYS; ts=$REQ_TS
    [ "$n" -gt "$RPK" ] && { tb=txn10k; th=txn10k_heap; nk=20; ts=$BIG_TS; }
    psqlc -c "SELECT feature_ext.deploy('fe_rows_$n', \$q\$
      SELECT card_id, count(*) OVER w AS c, sum(amount) OVER w AS s, avg(amount) OVER w AS a,
             max(amount) OVER w AS mx, min(amount) OVER w AS mn,
             count(*) FILTER (WHERE merchant = 'm1') OVER w AS m1
        FROM $tb WINDOW w AS (PARTITION BY card_id ORDER BY txn_time ROWS BETWEEN $n PRECEDING AND CURRENT ROW) \$q\$)" >/dev/null
    FEN_Q="SELECT * FROM fe_rows_$n(@KEY@, @AMT@, @MER@, @TS@)"
    PGN_Q="SELECT @KEY@ AS card_id, count(*) AS c, sum(amount) AS s, avg(amount) AS a, max(amount) AS mx, min(amount) AS mn,
             count(*) FILTER (WHERE merchant = 'm1') AS m1
        FROM (SELECT amount, merchant, txn_time, o FROM (
                SELECT amount, merchant, txn_time, 0 AS o FROM (
                    SELECT amount, merchant, txn_time FROM $th WHERE card_id = @KEY@ AND txn_time <= @TS@
                     ORDER BY txn_time DESC LIMIT $n) r
                UNION ALL SELECT @AMT@, @MER@, @TS@, 1) u ORDER BY txn_time, o) s"
    out=$(psqlc <<SQL
PREPARE a(text, float8, text, timestamptz) AS $(as_prepared "$FEN_Q");
PREPARE b(text, float8, text, timestamptz) AS $(as_prepared "$PGN_Q");
EXECUTE a('c7', 42.5, 'm1', '$ts');
EXECUTE b('c7', 42.5, 'm1', '$ts');
SQL
)
    if [ "$(sed -n 1p <<<"$out")" = "$(sed -n 2p <<<"$out")" ]; then chk=OK; else chk=MISMATCH; bad=$((bad + 1)); fi
    pgb_script "fen$n" "$FEN_Q" "$nk" "$ts"; pgb_script "pgn$n" "$PGN_Q" "$nk" "$ts"
    bench "scaling.rows$n.feature_ext" "fen$n" 1 "$SDUR"; f50=$B_P50; f99=$B_P99; ft=$B_TPS
    bench "scaling.rows$n.pg_1pass" "pgn$n" 1 "$SDUR"; g50=$B_P50; g99=$B_P99; gt=$B_TPS
    put "scaling.rows$n.check" "$chk"
    put "scaling.rows$n.ratio_tps" "$(ratio "$ft" "$gt")"
    printf '  ROWS %-6s feature_ext p50 %7.3f ms p99 %7.3f ms | plain PG p50 %7.3f ms p99 %7.3f ms | tps ratio %6sx | check %s\n' \
        "$n" "$f50" "$f99" "$g50" "$g99" "$(ratio "$ft" "$gt")" "$chk"
    echo "$n $f50 $g50 $f99 $g99 $ft $gt" >> "$work/scaling.dat"
done
cp "$work/scaling.dat" "$RESULTS/scaling.dat"

fi
# ---------------------------------------------------------------- 4. memory (before ingest adds tables)
if want 4; then
sec "4. memory: skiplist index bytes per row vs raw column bytes"
read -r keys rim bytes < <(psqlc -F ' ' -c "SELECT keys, rows_in_memory, bytes_used FROM feature_ext.index_stats WHERE index_name = 'txn_card'::regclass")
raw=$(psqlc -c "SELECT round(avg(octet_length(card_id) + 8 + octet_length(merchant) + 8), 2) FROM txn")
bpr=$(awk -v b="$bytes" -v r="$rim" 'BEGIN { printf "%.2f", b / r }')
ovh=$(awk -v a="$bpr" -v b="$raw" 'BEGIN { printf "%.2f", a - b }')
heapb=$(psqlc -c "SELECT round(pg_relation_size('txn_heap_card')::numeric / $ROWS, 2)")
log "  txn_card: $keys keys, $rim rows, $bytes bytes = $bpr bytes/row; raw column bytes $raw/row"
log "  => overhead beyond column bytes $ovh bytes/row (target <= 48; OpenMLDB ~70); btree (card_id, txn_time) on disk: $heapb bytes/row"
put memory.bytes_per_row "$bpr"; put memory.raw_bytes_per_row "$raw"; put memory.overhead_per_row "$ovh"
put memory.btree_bytes_per_row "$heapb"

fi
# ---------------------------------------------------------------- 6. offline
if want 6; then
sec "6. offline: fe_req_batch('txn') vs PostgreSQL's native window query, whole table ($ROWS rows)"
CHK="count(*) || ' ' || sum(txn_count_1d) || ' ' || sum(txn_count_30d) || ' ' || sum(m1_count_30d) || ' ' ||
     sum(amount_sum_100::numeric) || ' ' || sum(amount_avg_30d::numeric) || ' ' || sum(amount_min_1d::numeric)"
t0=$(date +%s.%N)
cb=$(psqlc -c "SELECT $CHK FROM fe_req_batch('txn')")
t1=$(date +%s.%N)
cn=$(psqlc -c "SELECT $CHK FROM ($DEPLOY_Q) s")
t2=$(date +%s.%N)
tb=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
tn=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')
[ "$cb" = "$cn" ] && ochk=OK || { ochk=MISMATCH; bad=$((bad + 1)); }
log "  batch  $tb s   native $tn s   => native/batch = $(ratio "$tn" "$tb")x (target >= 3)"
log "  check (row count and checksums of 6 features): $ochk  [$cb]"
[ "$ochk" = OK ] || log "  native: [$cn]"
put offline.batch_s "$tb"; put offline.native_s "$tn"; put offline.ratio "$(ratio "$tn" "$tb")"; put offline.check "$ochk"

fi
# ---------------------------------------------------------------- 3. ingest
if want 3; then
sec "3. ingest: COPY into feature_store + skiplist vs heap + btree"
ING_DONE=0
if [ -f "$FE_ROOT/bench/ingest.sh" ]; then
    log "  running bench/ingest.sh (its own server on port $((PORT + 1)))"
    if out=$(BENCH_PORT=$((PORT + 1)) timeout 600 bash "$FE_ROOT/bench/ingest.sh" 2>&1); then
        sed 's/^/  | /' <<<"$out"
        r=$(sed -n 's|.*ratio feature_store / heap *\([0-9.]*\).*|\1|p' <<<"$out" | tail -1)
        rf=$(sed -n 's|.*COPY feature_store + skiplist.* \([0-9]*\) rows/s.*|\1|p' <<<"$out" | head -1)
        rh=$(sed -n 's|.*COPY heap + btree (card_id, txn_time) *\([0-9]*\) rows/s.*|\1|p' <<<"$out" | head -1)
        put ingest.source "bench/ingest.sh"; put ingest.ratio "${r:-n/a}"
        [ -n "$rf" ] && put ingest.fs_rows_per_s "$rf"
        [ -n "$rh" ] && put ingest.heap_rows_per_s "$rh"
        log "  => feature_store/heap = ${r:-n/a}x (target >= 0.8)"
        ING_DONE=1
    else
        sed 's/^/  | /' <<<"$out" | tail -5
        log "  bench/ingest.sh failed; measuring here instead"
    fi
else
    log "  bench/ingest.sh not present; measuring here"
fi
if [ "$ING_DONE" = 0 ]; then
    ICSV="$work/ingest.csv"
    head -n 1000000 "$CSV" > "$ICSV"; chown postgres "$ICSV" 2>/dev/null || true
    IROWS=$(wc -l < "$ICSV")
    tf=""; th=""
    for i in $(seq 1 "$REPS"); do
        psqlc -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS ing_fs, ing_heap" -c "CREATE TABLE ing_fs (LIKE txn) USING feature_store" \
              -c "CREATE INDEX ON ing_fs USING skiplist (card_id, txn_time)" \
              -c "CREATE TABLE ing_heap (LIKE txn) USING heap" -c "CREATE INDEX ON ing_heap (card_id, txn_time)" -c CHECKPOINT >/dev/null
        tf+=" $(sql_ms "COPY ing_fs FROM '$ICSV' WITH (FORMAT csv)")"
        th+=" $(sql_ms "COPY ing_heap FROM '$ICSV' WITH (FORMAT csv)")"
    done
    psqlc -c "DROP TABLE IF EXISTS ing_fs, ing_heap" >/dev/null
    mf=$(median <<<"$tf"); mh=$(median <<<"$th")
    rf=$(awk -v n="$IROWS" -v t="$mf" 'BEGIN { printf "%.0f", n / t * 1000 }')
    rh=$(awk -v n="$IROWS" -v t="$mh" 'BEGIN { printf "%.0f", n / t * 1000 }')
    log "  COPY $IROWS rows (time-ordered, 1,000 keys), median of $REPS:"
    log "  feature_store + skiplist $rf rows/s   heap + btree $rh rows/s   => $(ratio "$rf" "$rh")x (target >= 0.8)"
    put ingest.source "bench/run.sh"; put ingest.fs_rows_per_s "$rf"; put ingest.heap_rows_per_s "$rh"
    put ingest.ratio "$(ratio "$rf" "$rh")"
fi
# single-row INSERTs, one per transaction (autocommit), random key, the
# current time as order value: feature_store + skiplist vs heap + btree
psqlc >/dev/null <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS ins_fs, ins_heap;
CREATE TABLE ins_fs (LIKE txn) USING feature_store;
CREATE INDEX ins_fs_card ON ins_fs USING skiplist (card_id, txn_time);
CREATE TABLE ins_heap (LIKE txn) USING heap;
CREATE INDEX ins_heap_card ON ins_heap (card_id, txn_time);
SQL
for t in fs heap; do
    printf '%s\n' "\\set k random(0, $((KEYS - 1)))" \
        "INSERT INTO ins_$t VALUES ('c' || :k, 12.5, 'm1', clock_timestamp());" > "$work/pgb/ins_$t.sql"
done
for c in 1 2; do
    bench "insert.c$c.feature_store" ins_fs "$c" "$SDUR"; fi_fs=$B_TPS
    bench "insert.c$c.heap" ins_heap "$c" "$SDUR"; fi_h=$B_TPS
    put "insert.c$c.ratio" "$(ratio "$fi_fs" "$fi_h")"
    log "  single-row INSERT, $c client(s) (pgbench -M prepared, ${SDUR}s x $REPS, medians): feature_store + skiplist" \
        "$(printf '%.0f' "$fi_fs") tps, heap + btree $(printf '%.0f' "$fi_h") tps => $(ratio "$fi_fs" "$fi_h")x"
done
psqlc -c "DROP TABLE ins_fs, ins_heap" >/dev/null

fi
# ---------------------------------------------------------------- 5. restart
if want 5; then
sec "5. restart: stop, start, time the first request (waits for the background load)"
# sql_ms2 SQL -> "first second" times (ms) of SQL run twice in one new session
sql_ms2() {
    psqlc -c '\timing on' -c "$1" -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -2 | paste -sd' '
}
RQ="SELECT * FROM fe_req('c7', 42.5, 'm1', '$REQ_TS')"
read -r b1 b2 < <(sql_ms2 "$RQ")
loglines=$(wc -l < "$DATA/server.log")
"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w start >/dev/null
state=$(psqlc -c "SELECT state FROM feature_ext.index_stats WHERE index_name = 'txn_card'::regclass")
read -r first after < <(sql_ms2 "$RQ")
line=$(tail -n +"$((loglines + 1))" "$DATA/server.log" | grep 'loaded skiplist index' | tail -1 || true)
rps=$(sed -n 's/.*(\([0-9.]*\) rows\/s).*/\1/p' <<<"$line")
log "  index state after restart: $state; first request $first ms (waits for the load), second $after ms"
log "  (before the restart, a new session: first request $b1 ms, second $b2 ms: the first call of a session plans the deployment)"
log "  server log: ${line#*LOG:  }"
log "  => rebuild $(awk -v r="${rps:-0}" 'BEGIN { printf "%.2f", r / 1e6 }') M rows/s (target >= 1 M rows/s)"
put restart.first_request_ms "$first"; put restart.second_request_ms "$after"
put session.first_call_ms "$b1"; put session.second_call_ms "$b2"; put restart.rows_per_s "${rps:-}"

fi
# ---------------------------------------------------------------- 7. JIT
if want 7; then
sec "7. JIT: the same requests with feature_ext.jit on vs off (1 client, ${SDUR}s x $REPS, medians; bench/jit.sh has more)"
for pair in "fe:10 features, 3 windows" "fen1000:ROWS 1000 window, 6 features"; do
    scr=${pair%%:*}; label=${pair#*:}
    if [ ! -f "$work/pgb/$scr.sql" ]; then   # fen1000 comes from section 2
        log "  $label: skipped (its deployment is made by section 2)"; continue; fi
    PGOPTIONS='-c feature_ext.jit=on' bench "jit.$scr.on" "$scr" 1 "$SDUR"; jon=$B_TPS; jon50=$B_P50
    PGOPTIONS='-c feature_ext.jit=off' bench "jit.$scr.off" "$scr" 1 "$SDUR"; joff=$B_TPS; joff50=$B_P50
    put "jit.$scr.ratio" "$(ratio "$jon" "$joff")"
    printf '  %-34s jit on %8.0f tps (p50 %6.3f ms) | off %8.0f tps (p50 %6.3f ms) | %sx\n' \
        "$label" "$jon" "$jon50" "$joff" "$joff50" "$(ratio "$jon" "$joff")"
done

fi
# ---------------------------------------------------------------- 8. live stream
if want 8; then
sec "8. after a live stream: $NSTREAM rounds of one new row per key (interleaved across keys, as a stream arrives), a GC pass after each"
# Rows of one key arriving one at a time are allocated among other keys'
# rows; each lands alone, away from the key's run.  The GC pass (every
# feature_ext.ttl_gc_interval) compacts the newest runs (docs/STORAGE.md).
# The same rows go into txn_heap, so both sides still hold the same data
# (half-second times: no ties with the stored rows, which have whole seconds).
for r in $(seq 1 "$NSTREAM"); do
    psqlc >/dev/null <<SQL
CREATE TEMP TABLE s AS SELECT 'c' || k AS card_id, 10.0::float8 + $r AS amount, 'm' || (k % 10) AS merchant,
       timestamptz '$REQ_TS' - interval '1 day' + make_interval(secs => $r * 60 + k % 50 + 0.5) AS txn_time
  FROM generate_series(0, $((KEYS - 1))) k;
INSERT INTO txn SELECT * FROM s;
INSERT INTO txn_heap SELECT * FROM s;
SELECT feature_ext.run_gc();
SQL
done
check_one c0 42.5 m1 "$REQ_TS"
check_one c321 7.5 m1 "$REQ_TS"
bench "stream.c1.select1" select1 1 "$SDUR"; s1=$B_TPS
fmt_line "SELECT 1 (protocol floor)" "$B_TPS" "$B_P50" "$B_P99"
bench "stream.c1.feature_ext" fe 1 "$SDUR"; fe=$B_TPS
fmt_line "feature_ext fe_req(...)" "$B_TPS" "$B_P50" "$B_P99"
put "stream.c1.ratio_vs_select1" "$(ratio "$fe" "$s1")"
log "  => after the stream: feature_ext/SELECT 1 = $(ratio "$fe" "$s1")x at 1 client" \
    "(section 1, on freshly compacted keys: ${R[request.c1.ratio_vs_select1]:-n/a}x)"

fi
# ---------------------------------------------------------------- 9. long live stream
if want 9; then
# Its own server with the default feature_ext.memory_limit (256MB), so that
# memory is what limits compaction: the same 1,000 x 1,000 rows in a table
# whose index keeps 31 days (event clock: ~517 rows per key), then NLONG
# single-row INSERTs (one per transaction, 1 client) continuing every key at
# the data's density (key n % 1000, 5.184 s apart: one row per key every
# 5,184 s, as in the dataset).  After every NLONG/8 rows: a GC pass (as the
# worker runs it; the fresh measurement also follows one), request TPS and
# p99 at the stream's current time, and memory_usage().  The worker wakes
# every 10 s here (the stream moves ~1,000x faster per key than a real one).
# autovacuum is off there: VACUUM of the growing table is the heap's work,
# not the store's, and on 2 cores it would land inside some measurements.
sec "9. long live stream: $NLONG single-row INSERTs onto $ROWS rows, index TTL 31 days (event clock), memory_limit 256MB; requests 1 client, ${SDUR}s x $REPS, medians"
MPORT=$PORT
PORT=$((MPORT + 2))
SDATA="$work/sdata"
fe_start_server "$SDATA" "$PORT" \
    "shared_buffers = '256MB'" \
    "max_connections = 20" \
    "autovacuum = off" \
    "feature_ext.ttl_gc_interval = '10s'"
cleanup9() { fe_stop_server "$SDATA" immediate; }
trap 'cleanup9; cleanup' EXIT
psqlc >/dev/null <<SQL
CREATE EXTENSION feature_ext;
CREATE TABLE txn (card_id text, amount float8, merchant text, txn_time timestamptz NOT NULL) USING feature_store;
CREATE INDEX txn_card ON txn USING skiplist (card_id, txn_time) WITH (ttl = '31 days', ttl_clock = 'event');
COPY txn FROM '$CSV' WITH (FORMAT csv);
CREATE SEQUENCE stream_seq;
VACUUM ANALYZE txn;
SELECT feature_ext.run_gc();
SQL
psqlc -c "SELECT feature_ext.deploy('fe_req', \$q\$ $DEPLOY_Q \$q\$)" >/dev/null
printf '%s\n' "INSERT INTO txn SELECT 'c' || (n % $KEYS), (abs(hashint8(n)) % 100000) / 100.0::float8, 'm' || (n % 10), timestamptz '$REQ_TS' + make_interval(secs => n * ($STEP::float8 / $KEYS)) FROM (SELECT nextval('stream_seq') AS n) s;" > "$work/pgb/stream.sql"
mem9() { psqlc -F ' ' -c "SELECT used_bytes, never_used_bytes, free_segment_bytes, segment_dead_bytes, runs_per_key_max, round(runs_per_key_avg::numeric, 2) FROM feature_ext.memory_usage()"; }
ts_at() { psqlc -c "SELECT (timestamptz '$REQ_TS' + make_interval(secs => $1 * ($STEP::float8 / $KEYS)))::text"; }
line9() {   # ROWS TPS P99 SELECT1_TPS -> one curve line
    local u nu fs dead rmax ravg
    read -r u nu fs dead rmax ravg < <(mem9)
    printf '  %9s rows  %6.0f tps (SELECT 1 %6.0f: %sx)  p99 %6.3f ms  used %5.1f MB  never-used %5.1f MB  free segments %4.1f MB  dead %4.1f MB  runs/key max %s avg %s\n' \
        "$1" "$2" "$4" "$(ratio "$2" "$4")" "$3" "$(awk -v b="$u" 'BEGIN { print b / 1048576 }')" "$(awk -v b="$nu" 'BEGIN { print b / 1048576 }')" \
        "$(awk -v b="$fs" 'BEGIN { print b / 1048576 }')" "$(awk -v b="$dead" 'BEGIN { print b / 1048576 }')" "$rmax" "$ravg"
    put "stream9.r$1.tps" "$2"; put "stream9.r$1.p99_ms" "$3"; put "stream9.r$1.select1_tps" "$4"; put "stream9.r$1.used_bytes" "$u"
    put "stream9.r$1.never_used_bytes" "$nu"; put "stream9.r$1.dead_bytes" "$dead"; put "stream9.r$1.runs_max" "$rmax"
}
pgb_script fe9 "$FE_Q" "$KEYS" "$REQ_TS"
# Each point: SELECT 1 then the requests, so that the machine's load of that
# minute (a shared machine) can be told apart from the store's state.
bench stream9.r0.select1 select1 1 "$SDUR"; s0=$B_TPS
bench stream9.fresh fe9 1 "$SDUR"; tps0=$B_TPS
log "  curve (GC pass, then SELECT 1 and requests at the stream's current time; memory_usage() after them):"
line9 0 "$B_TPS" "$B_P99" "$s0"
CHUNK=$((NLONG / 8)); done9=0; t9=$(date +%s)
while [ "$done9" -lt "$NLONG" ]; do
    c0=$(date +%s.%N)
    pgbench -h /tmp -p "$PORT" -U postgres -n -M prepared -c 1 -j 1 -t "$CHUNK" -f "$work/pgb/stream.sql" postgres >"$work/pgb/stream.out" 2>&1 ||
        { cat "$work/pgb/stream.out" >&2; echo "stream failed" >&2; exit 1; }
    c1=$(date +%s.%N)
    done9=$((done9 + CHUNK))
    psqlc -c "SELECT feature_ext.run_gc()" >/dev/null
    pgb_script fe9 "$FE_Q" "$KEYS" "$(ts_at "$done9")"
    bench "stream9.r$done9.select1" select1 1 "$SDUR"; s1=$B_TPS
    bench "stream9.r$done9" fe9 1 "$SDUR"
    line9 "$done9" "$B_TPS" "$B_P99" "$s1"
    log "            (the $CHUNK INSERTs took $(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.1f", b - a }') s)"
done
tps1=$B_TPS
r9=$(ratio "$tps1" "$tps0")
n9=$(awk -v a="$tps1" -v b="$s1" -v c="$tps0" -v d="$s0" 'BEGIN { printf "%.2f", (a / b) / (c / d) }')
put stream9.rows "$NLONG"; put stream9.ratio "$r9"; put stream9.ratio_vs_select1 "$n9"; put stream9.seconds "$(( $(date +%s) - t9 ))"
log "  => request TPS after $NLONG streamed rows / fresh = ${r9}x; each against SELECT 1 of its minute: ${n9}x (target >= 0.9)"
# Answers still exact: the deployment vs PostgreSQL's window query over the same table
# (the windows reach 30 days back, inside the 31-day TTL).
END9=$(ts_at "$done9")
for k in c0 c321 c999; do
    a=$(psqlc -c "SELECT * FROM fe_req('$k', 42.5, 'm1', '$END9')")
    b=$(psqlc <<SQL
PREPARE pgw(text, float8, text, timestamptz) AS $(as_prepared "${PG_WIN_Q//txn_heap/txn}");
EXECUTE pgw('$k', 42.5, 'm1', '$END9');
SQL
)
    checks=$((checks + 1))
    if [ -n "$a" ] && [ "$a" = "$b" ]; then log "  OK        $k @ $END9: $a"
    else bad=$((bad + 1)); log "  MISMATCH  $k @ $END9"; log "     feature_ext: $a"; log "     plain PG   : $b"; fi
done
# Mixed load: requests (1 client) while one client streams vs alone, same
# duration.  The streamer runs flat out (its backend and pgbench take a core
# of the machine's 2), or at 2,000 rows/s (pgbench -R); the same flat-out
# stream into a heap + btree table shows what the machine alone adds.
psqlc >/dev/null <<SQL
CREATE TABLE txn_hs (card_id text, amount float8, merchant text, txn_time timestamptz NOT NULL);
CREATE INDEX ON txn_hs (card_id, txn_time);
SQL
sed 's/INSERT INTO txn /INSERT INTO txn_hs /' "$work/pgb/stream.sql" > "$work/pgb/stream_heap.sql"
MD=$((SDUR * 2))
bench stream9.alone fe9 1 "$MD"; a99=$B_P99; atps=$B_TPS
mixed9() {   # NAME STREAM_SCRIPT [pgbench rate option] -> sets W99 WTPS
    local name=$1 scr=$2 rate=${3:-} i bgp t5 x p99 l99="" ltps=""
    for i in $(seq 1 "$REPS"); do
        pgbench -h /tmp -p "$PORT" -U postgres -n -M prepared -c 1 -j 1 $rate -T $((MD + 2)) -f "$work/pgb/$scr.sql" postgres >"$work/pgb/bg.out" 2>&1 &
        bgp=$!
        sleep 1
        read -r t5 x p99 < <(bench_once fe9 1 "$MD")
        wait "$bgp" || { cat "$work/pgb/bg.out" >&2; exit 1; }
        l99+=" $p99"; ltps+=" $t5"
    done
    W99=$(median <<<"$l99"); WTPS=$(median <<<"$ltps")
    put "stream9.mixed.$name.p99_ms" "$W99"; put "stream9.mixed.$name.tps" "$WTPS"; put "stream9.mixed.$name.p99_ratio" "$(ratio "$W99" "$a99")"
}
log "  mixed load (1 request client, ${MD}s x $REPS, medians): alone $(printf '%.0f' "$atps") tps, p99 $a99 ms"
put stream9.mixed.alone_p99_ms "$a99"
mixed9 flat stream
log "    while 1 client streams into txn flat out:       $(printf '%6.0f' "$WTPS") tps, p99 $W99 ms => $(ratio "$W99" "$a99")x (target <= 2)"
put stream9.mixed.p99_ratio "$(ratio "$W99" "$a99")"
mixed9 rate2k stream "-R 2000"
log "    while 1 client streams into txn at 2,000 rows/s: $(printf '%6.0f' "$WTPS") tps, p99 $W99 ms => $(ratio "$W99" "$a99")x"
mixed9 heap stream_heap
log "    (machine baseline) the same flat-out stream into heap + btree: $(printf '%6.0f' "$WTPS") tps, p99 $W99 ms => $(ratio "$W99" "$a99")x"
cleanup9
trap cleanup EXIT
PORT=$MPORT

fi
# ---------------------------------------------------------------- summary, JSON, plot
put machine.loadavg_end "$(cut -d' ' -f1 /proc/loadavg)"
put run.seconds "$(( $(date +%s) - T_START ))"
put run.mismatches "$bad"
sec "summary (ratio = feature_ext / baseline, higher is better; targets from SPEC §6)"
printf '  %-52s %9s  %s\n' "measurement" "ratio" "target"
printf '  %-52s %9s  %s\n' "request TPS vs SELECT 1, 1 client" "${R[request.c1.ratio_vs_select1]:-}x" ">= 0.8"
printf '  %-52s %9s  %s\n' "request TPS vs SELECT 1, 2 clients" "${R[request.c2.ratio_vs_select1]:-}x" ">= 0.8"
printf '  %-52s %9s  %s\n' "  the same, paired back-to-back runs, 1 client" "${R[request.c1.fe_vs_select1.pair_ratio]:-}x" ">= 0.8"
printf '  %-52s %9s  %s\n' "  the same, paired back-to-back runs, 2 clients" "${R[request.c2.fe_vs_select1.pair_ratio]:-}x" ">= 0.8"
printf '  %-52s %9s  %s\n' "  floors: result's shape / fe_floor (1-row windows), 1 client" "${R[request.c1.shape_vs_select1]:-}x / ${R[request.c1.call_floor_vs_select1]:-}x" ""
printf '  %-52s %9s  %s\n' "  floors: result's shape / fe_floor (1-row windows), 2 clients" "${R[request.c2.shape_vs_select1]:-}x / ${R[request.c2.call_floor_vs_select1]:-}x" ""
printf '  %-52s %9s  %s\n' "  after a live stream ($NSTREAM rows/key, GC after each), 1 client" "${R[stream.c1.ratio_vs_select1]:-}x" ">= 0.8"
printf '  %-52s %9s  %s\n' "long stream: request TPS after $NLONG rows / fresh" "${R[stream9.ratio]:-}x" ">= 0.9"
printf '  %-52s %9s  %s\n' "  the same, each against SELECT 1 of its minute" "${R[stream9.ratio_vs_select1]:-}x" ">= 0.9"
printf '  %-52s %9s  %s\n' "  requests' p99 while 1 client streams / alone" "${R[stream9.mixed.p99_ratio]:-}x" "<= 2"
printf '  %-52s %9s  %s\n' "request TPS vs plain PG window query, 1 client" "${R[request.c1.ratio_vs_pg_window]:-}x" ">= 5"
printf '  %-52s %9s  %s\n' "request TPS vs plain PG window query, 2 clients" "${R[request.c2.ratio_vs_pg_window]:-}x" ">= 5"
printf '  %-52s %9s  %s\n' "request TPS vs plain PG 1-pass aggregate, 1 client" "${R[request.c1.ratio_vs_pg_1pass]:-}x" "(stronger baseline)"
printf '  %-52s %9s  %s\n' "request TPS vs plain PG 1-pass aggregate, 2 clients" "${R[request.c2.ratio_vs_pg_1pass]:-}x" "(stronger baseline)"
for n in $WSIZES; do
printf '  %-52s %9s  %s\n' "ROWS $n window TPS vs plain PG (1 client)" "${R[scaling.rows$n.ratio_tps]:-}x" ""
done
printf '  %-52s %9s  %s\n' "ingest COPY rows/s vs heap + btree" "${R[ingest.ratio]:-}x" ">= 0.8"
printf '  %-52s %9s  %s\n' "single-row INSERT TPS vs heap + btree, 1 / 2 clients" "${R[insert.c1.ratio]:-}x / ${R[insert.c2.ratio]:-}x" ""
printf '  %-52s %9s  %s\n' "memory: bytes/row beyond column bytes" "${R[memory.overhead_per_row]:-}" "<= 48"
printf '  %-52s %9s  %s\n' "restart: index rebuild rows/s" "${R[restart.rows_per_s]:-}" ">= 1000000"
printf '  %-52s %9s  %s\n' "offline batch vs native window query (time ratio)" "${R[offline.ratio]:-}x" ">= 3"
printf '  %-52s %9s  %s\n' "JIT vs interpreter, ROWS 1000 window, 6 features" "${R[jit.fen1000.ratio]:-}x" "(SPEC's >= 2 is for 10 features: bench/jit.sh)"
printf '  %-52s %9s  %s\n' "JIT vs interpreter, 10-feature deployment" "${R[jit.fe.ratio]:-}x" ""
log "  correctness checks: $([ "$bad" = 0 ] && echo "all OK" || echo "$bad MISMATCH")"

json="$RESULTS/latest.json"
[ -n "$ONLY" ] && json="$RESULTS/partial.json"
{
    echo "{"
    n=${#JKEYS[@]}; i=0
    for k in "${JKEYS[@]}"; do
        i=$((i + 1)); v=${R[$k]:-}
        if [[ "$v" =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then q="$v"; else q="\"${v//\"/\\\"}\""; fi
        printf '  "%s": %s%s\n' "$k" "$q" "$([ $i -lt $n ] && echo ,)"
    done
    echo "}"
} > "$json"
log "wrote $json"

if [ -z "$ONLY" ] && ! command -v gnuplot >/dev/null 2>&1; then
    log "gnuplot missing: installing gnuplot-nox"
    { apt-get install -y -qq gnuplot-nox >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq gnuplot-nox >/dev/null 2>&1; }; } || true
fi
if [ -n "$ONLY" ]; then
    log "--only: no plot"
elif command -v gnuplot >/dev/null 2>&1; then
    png="$RESULTS/latency_vs_window.png"
    gnuplot <<GP
set terminal pngcairo size 900,600 font ",11" noenhanced
set output "$png"
set title "Request latency vs window size (ROWS n PRECEDING, 6 features, 1 client, $ROWS rows)\n$(date -u '+%Y-%m-%d'), $(nproc) cores, PostgreSQL $PGVER, shared machine (noisy)"
set xlabel "window size n (rows)"
set ylabel "latency per request (ms)"
set logscale xy
set xrange [$(awk 'NR > 1 { if (min == "" || $1 < min) min = $1; if ($1 > max) max = $1 } END { printf "%g:%g", min / 2, max * 2 }' "$work/scaling.dat")]
set grid
set key top left
set xtics ($(tr ' ' '\n' <<<"$WSIZES" | awk '{ printf "%s\"%s\" %s", (NR > 1 ? ", " : ""), $1, $1 }'))
plot "$work/scaling.dat" using 1:2 with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "feature_ext p50", \
     "" using 1:4 with linespoints lw 1 dt 2 pt 6 lc rgb "#1f77b4" title "feature_ext p99", \
     "" using 1:3 with linespoints lw 2 pt 5 lc rgb "#d62728" title "plain PostgreSQL p50 (heap + btree, 1-pass aggregate)", \
     "" using 1:5 with linespoints lw 1 dt 2 pt 4 lc rgb "#d62728" title "plain PostgreSQL p99"
GP
    log "wrote $png"
else
    log "gnuplot not available: no plot"
fi
log "total $(( $(date +%s) - T_START )) s"
