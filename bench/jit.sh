#!/usr/bin/env bash
# feature_ext JIT benchmark (issue 7, SPEC §6): request latency with native
# code vs the interpreter, and compile / load cost per deployment size.
#
#   bash bench/jit.sh [--duration S] [--reps N] [--port P] [--compile-only | --first-only | --mix-only]
#                     [--features "10 100 1000"] [--first-features "10 100"] [--conns N]
#
#   1. request: 10 features over one ROWS window of 100, 1,000 and 10,000
#      rows (20 keys x 10,000 rows), pgbench -M prepared, 1 client, S seconds
#      (default 5) x N reps (default 3), medians; feature_ext.jit on vs off in
#      the same server, results checked equal.
#   2. compile: deploy() of 10, 100 and 1,000 features (--features); the
#      code generator's own time (jit_compile_ms in feature_ext.deployment),
#      deploy()'s wall time, and a new connection's first call with the
#      stored object vs with feature_ext.jit = off (plan only).
#      --compile-only runs this section alone.
#   3. request: as 1, with 10 OpenMLDB-dialect features (sum / avg of
#      float8 and bigint, min_where / max_where, sum_where / avg_where).
#   4. first call in a new connection (SPEC §6: <= 5 ms): for 10 and 100
#      features (--first-features; section 2's deployments), N rounds
#      (--conns, default 30) of four new connections each: the first query
#      `SELECT 1`, a first plain query on the deployment's table (PostgreSQL's
#      own floor), and the deployment's first call with feature_ext.jit on
#      and off; each call's extra time is its time minus the round's
#      `SELECT 1` (psql's \timing of the query, not the connection); median
#      and p90 over the rounds; and the pages the call's backend touched
#      beyond a `SELECT 1` backend's (Linux: /proc/self/stat, superuser).
#      --first-only runs this section alone.
#   5. request: a realistic 10-feature mix over ROWS 1,000 (issue 17): sum,
#      avg of an expression, max of an expression, min, a filtered count, a
#      bigint sum, stddev_samp, a CASE sum, count, avg; jit on vs off, the
#      ratio and how many aggregates compile (--mix-only: this section alone).
# Writes bench/results/jit.json.  Run `make install` first.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FE_ROOT/test/lib.sh"

DURATION=5
REPS=3
ONLY_COMPILE=0
ONLY_FIRST=0
ONLY_MIX=0
FEATURES="10 100 1000"
FIRST_FEATURES="10 100"
CONNS=30
PORT=${BENCH_PORT:-$(fe_free_port 55491)}
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION=$2; shift 2 ;;
        --reps) REPS=$2; shift 2 ;;
        --port) PORT=$2; shift 2 ;;
        --compile-only) ONLY_COMPILE=1; shift ;;
        --mix-only) ONLY_MIX=1; shift ;;
        --features) FEATURES=$2; shift 2 ;;
        --first-only) ONLY_FIRST=1; shift ;;
        --first-features) FIRST_FEATURES=$2; shift 2 ;;
        --conns) CONNS=$2; shift 2 ;;
        -h|--help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
    esac
done
DEPLOYED=""
RESULTS="$FE_ROOT/bench/results"
mkdir -p "$RESULTS"
work=$(mktemp -d /tmp/fe_bench_jit.XXXXXX)
chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$work"
DATA="$work/data"
cleanup() { fe_stop_server "$DATA" immediate; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

psqlc() { fe_psql "$PORT" -At "$@"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
json=()

echo "machine: $(nproc) cores, $(pg_config --version), $(llvm-config-14 --version 2>/dev/null | sed 's/^/LLVM /'), load $(cut -d' ' -f1 /proc/loadavg)"
fe_start_server "$DATA" "$PORT" "shared_buffers = 256MB" "feature_ext.memory_limit = '1GB'" "max_connections = 20"
psqlc <<'SQL' >/dev/null
CREATE EXTENSION feature_ext;
CREATE TABLE jtx (k int, ts bigint, amount float8, qty int, merchant text) USING feature_store;
CREATE INDEX jtx_idx ON jtx USING skiplist (k, ts);
INSERT INTO jtx SELECT i % 20, i, (i * 37 % 1009) / 8.0, i % 17, 'm' || (i % 5) FROM generate_series(1, 200000) i;
-- section 5: jtx plus a bigint column
CREATE TABLE jmix (k int, ts bigint, amount float8, qty int, merchant text, cents bigint) USING feature_store;
CREATE INDEX jmix_idx ON jmix USING skiplist (k, ts);
INSERT INTO jmix SELECT i % 20, i, (i * 37 % 1009) / 8.0, i % 17, 'm' || (i % 5), i * 7919 % 100003
  FROM generate_series(1, 200000) i;
SELECT feature_ext.run_gc();  -- steady state: the worker's pass compacts interleaved keys
SQL

feats() {  # N WINDOWS -> N feature expressions cycling over kinds and windows
    local n=$1 nw=$2 i w out=""
    local kinds=("sum(amount)" "avg(amount)" "max(amount)" "min(amount)" "count(*)"
                 "count(*) FILTER (WHERE merchant = 'm1')" "sum(qty)" "max(qty)"
                 "sum(amount * 2 - qty) FILTER (WHERE qty > 3)" "avg(amount) FILTER (WHERE merchant <> 'm2')")
    for i in $(seq 0 $((n - 1))); do
        w=$((i % nw))
        out+="${out:+, }${kinds[$((i % 10))]} OVER w$w AS f$i"
    done
    echo "$out"
}
windows() {  # NW ROWS -> WINDOW clause
    local nw=$1 rows=$2 i out=""
    for i in $(seq 0 $((nw - 1))); do
        out+="${out:+, }w$i AS (PARTITION BY k ORDER BY ts ROWS BETWEEN $((rows + i)) PRECEDING AND CURRENT ROW)"
    done
    echo "$out"
}

# onoff_tps SCRIPT -> T[on], T[off]: median pgbench TPS (1 client) with
# feature_ext.jit on and off
declare -A T=()
onoff_tps() {
    local mode r tl out
    for mode in on off; do
        tl=""
        for r in $(seq 1 "$REPS"); do
            out=$(PGOPTIONS="-c feature_ext.jit=$mode" pgbench -h /tmp -p "$PORT" -U postgres -n -M prepared -c 1 -j 1 \
                      -T "$DURATION" -f "$1" postgres 2>&1)
            tl+=" $(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$out")"
        done
        T[$mode]=$(median <<<"$tl")
    done
}

if [ "$ONLY_COMPILE" = 0 ] && [ "$ONLY_FIRST" = 0 ] && [ "$ONLY_MIX" = 0 ]; then
echo
echo "== 1. request latency, 10 features, one ROWS window; jit on vs off (1 client, ${DURATION}s x $REPS, medians)"
printf '%s\n' "\\set k random(0, 19)" "SELECT * FROM jw_@N@(:k, 300000, 12.5, 3, 'm1');" > "$work/req.tmpl"
for n in 100 1000 10000; do
    psqlc -c "SELECT feature_ext.deploy('jw_$n', \$q\$ SELECT k, $(feats 10 1) FROM jtx WINDOW $(windows 1 "$n") \$q\$)" >/dev/null
    sed "s/@N@/$n/" "$work/req.tmpl" > "$work/req_$n.sql"
    on=$(PGOPTIONS='-c feature_ext.jit=on' psqlc -c "SELECT * FROM jw_$n(7, 300000, 12.5, 3, 'm1')")
    off=$(PGOPTIONS='-c feature_ext.jit=off' psqlc -c "SELECT * FROM jw_$n(7, 300000, 12.5, 3, 'm1')")
    [ "$on" = "$off" ] && chk=same || chk=DIFFERENT
    onoff_tps "$work/req_$n.sql"
    lat_on=$(awk -v t="${T[on]}" 'BEGIN { printf "%.3f", 1000 / t }')
    lat_off=$(awk -v t="${T[off]}" 'BEGIN { printf "%.3f", 1000 / t }')
    printf '  ROWS %-6s jit on %8.0f tps (%s ms) | jit off %8.0f tps (%s ms) | speedup %sx | results %s\n' \
        "$n" "${T[on]}" "$lat_on" "${T[off]}" "$lat_off" "$(ratio "${T[on]}" "${T[off]}")" "$chk"
    json+=("\"request.rows$n\": {\"jit_on_tps\": ${T[on]}, \"jit_off_tps\": ${T[off]}, \"speedup\": $(ratio "${T[on]}" "${T[off]}"), \"check\": \"$chk\"}")
done

fi

deploy_jc() {  # NF -> deployment jc_NF (3 windows), once
    psqlc -c "SELECT feature_ext.deploy('jc_$1', \$q\$ SELECT k, $(feats "$1" 3) FROM jtx WINDOW $(windows 3 100) \$q\$)"
}
if [ "$ONLY_FIRST" = 0 ] && [ "$ONLY_MIX" = 0 ]; then
echo
echo "== 2. compile and load cost per deployment (3 windows)"
for nf in $FEATURES; do
    q="SELECT k, $(feats "$nf" 3) FROM jtx WINDOW $(windows 3 100)"
    dep_ms=$(psqlc -c '\timing on' -c "SELECT feature_ext.deploy('jc_$nf', \$q\$ $q \$q\$)" |
             sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
    DEPLOYED+=" $nf"
    read -r cms nagg bytes < <(psqlc -F ' ' -c "SELECT round(jit_compile_ms::numeric, 1), jit_aggregates, octet_length(jit_object) FROM feature_ext.deployment WHERE name = 'jc_$nf'")
    first_on=$(PGOPTIONS='-c feature_ext.jit=on' psqlc -c '\timing on' -c "SELECT 1 FROM jc_$nf(7, 300000, 12.5, 3, 'm1')" |
               sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
    first_off=$(PGOPTIONS='-c feature_ext.jit=off' psqlc -c '\timing on' -c "SELECT 1 FROM jc_$nf(7, 300000, 12.5, 3, 'm1')" |
                sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
    printf '  %4s features: compile %8s ms (%s aggregates native, %s bytes) | deploy() %8s ms | first call in a new connection: jit on %7s ms, jit off %7s ms\n' \
        "$nf" "$cms" "$nagg" "$bytes" "$dep_ms" "$first_on" "$first_off"
    json+=("\"compile.features$nf\": {\"compile_ms\": $cms, \"deploy_ms\": $dep_ms, \"object_bytes\": $bytes, \"first_call_jit_on_ms\": $first_on, \"first_call_jit_off_ms\": $first_off}")
done
fi

if [ "$ONLY_COMPILE" = 0 ] && [ "$ONLY_FIRST" = 0 ] && [ "$ONLY_MIX" = 0 ]; then
echo
echo "== 3. request latency, 10 OpenMLDB-dialect features, one ROWS window; jit on vs off (1 client, ${DURATION}s x $REPS, medians)"
omfeats() {
    local kinds=("sum(amount)" "avg(amount)" "min_where(amount, qty > 3)" "max_where(amount, merchant == \"m1\")"
                 "sum_where(amount, qty > 5)" "avg_where(amount, merchant != \"m2\")" "min_where(qty, qty > 2)"
                 "max_where(qty, merchant == \"m0\")" "sum(qty)" "avg(ts)")
    local i out=""
    for i in "${!kinds[@]}"; do out+="${out:+, }${kinds[$i]} OVER w AS o$i"; done
    echo "$out"
}
for n in 100 1000 10000; do
    psqlc -c "SELECT feature_ext.deploy('jo_$n', \$q\$ SELECT k, $(omfeats) FROM jtx WINDOW w AS (PARTITION BY \`k\` ORDER BY \`ts\` ROWS BETWEEN $n PRECEDING AND CURRENT ROW) \$q\$)" >/dev/null
    nat=$(psqlc -c "SELECT substring(feature_ext.explain('jo_$n', timing => false) FROM 'JIT: ([0-9]+ of [0-9]+)')")
    sed "s/jw_@N@/jo_$n/" "$work/req.tmpl" > "$work/reqo_$n.sql"
    on=$(PGOPTIONS='-c feature_ext.jit=on' psqlc -c "SELECT * FROM jo_$n(7, 300000, 12.5, 3, 'm1')")
    off=$(PGOPTIONS='-c feature_ext.jit=off' psqlc -c "SELECT * FROM jo_$n(7, 300000, 12.5, 3, 'm1')")
    [ "$on" = "$off" ] && chk=same || chk=DIFFERENT
    onoff_tps "$work/reqo_$n.sql"
    printf '  ROWS %-6s jit on %8.0f tps | jit off %8.0f tps | speedup %sx | %s aggregates native | results %s\n' \
        "$n" "${T[on]}" "${T[off]}" "$(ratio "${T[on]}" "${T[off]}")" "$nat" "$chk"
    json+=("\"openmldb.rows$n\": {\"jit_on_tps\": ${T[on]}, \"jit_off_tps\": ${T[off]}, \"speedup\": $(ratio "${T[on]}" "${T[off]}"), \"native\": \"$nat\", \"check\": \"$chk\"}")
done
fi

if [ "$ONLY_COMPILE" = 0 ]; then
echo
if [ "$ONLY_MIX" = 0 ]; then
echo "== 4. first call in a new connection, extra time over the first query \`SELECT 1\` ($CONNS rounds of new connections; median / p90 ms)"
# first_ms PGOPTIONS SQL -> the query's time (ms) as the first of a new connection
first_ms() { PGOPTIONS="$1" psqlc -c '\timing on' -c "$2" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | head -1; }
# stats "d1 d2 ..." -> "median p90"
stats() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f %.2f", v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.999)] }'; }
psqlc -c "SELECT 1 FROM jtx WHERE k = 7 LIMIT 1" >/dev/null  # the index is loaded
for nf in $FIRST_FEATURES; do
    case " $DEPLOYED " in *" $nf "*) ;; *) deploy_jc "$nf" >/dev/null ;; esac
    call="SELECT 1 FROM jc_$nf(7, 300000, 12.5, 3, 'm1')"
    psqlc -c "$call" >/dev/null  # (not timed) anything first of all in the server
    sel="" plain="" d_plain="" d_on="" d_off="" t_on="" t_off=""
    for r in $(seq 1 "$CONNS"); do
        s1=$(first_ms "" "SELECT 1")
        pl=$(first_ms "" "SELECT count(*) FROM jtx WHERE k = 7 AND false")
        if [ $((r % 2)) = 0 ]; then  # alternate which of the two goes first
            on=$(first_ms "-c feature_ext.jit=on" "$call"); off=$(first_ms "-c feature_ext.jit=off" "$call")
        else
            off=$(first_ms "-c feature_ext.jit=off" "$call"); on=$(first_ms "-c feature_ext.jit=on" "$call")
        fi
        sel+=" $s1"; t_on+=" $on"; t_off+=" $off"
        d_plain+=" $(awk -v a="$pl" -v b="$s1" 'BEGIN { print a - b }')"
        d_on+=" $(awk -v a="$on" -v b="$s1" 'BEGIN { print a - b }')"
        d_off+=" $(awk -v a="$off" -v b="$s1" 'BEGIN { print a - b }')"
    done
    read -r s_med s_p90 <<<"$(stats <<<"$sel")"
    read -r p_med p_p90 <<<"$(stats <<<"$d_plain")"
    read -r on_med on_p90 <<<"$(stats <<<"$d_on")"
    read -r off_med off_p90 <<<"$(stats <<<"$d_off")"
    read -r ton_med _ <<<"$(stats <<<"$t_on")"
    read -r toff_med _ <<<"$(stats <<<"$t_off")"
    # Pages the backend touched for the first time (minor faults, from
    # /proc/self/stat after the query) beyond SELECT 1's: each costs a few
    # microseconds on a virtual machine.
    pages() { PGOPTIONS="$1" psqlc -c "$2" -c "SELECT split_part(pg_read_file('/proc/self/stat'), ' ', 10)" 2>/dev/null | tail -1; }
    f_sel=$(pages "" "SELECT 1"); f_on=$(pages "-c feature_ext.jit=on" "$call"); f_off=$(pages "-c feature_ext.jit=off" "$call")
    pg_on=$(awk -v a="$f_on" -v b="$f_sel" 'BEGIN { if (a == "" || b == "") print "n/a"; else print a - b }')
    pg_off=$(awk -v a="$f_off" -v b="$f_sel" 'BEGIN { if (a == "" || b == "") print "n/a"; else print a - b }')
    printf '  %4s features: first call +%s ms (p90 %s) with jit on, +%s ms (p90 %s) with jit off | SELECT 1 %s ms (p90 %s); a first plain query on the table +%s ms (p90 %s) | target +5 ms | pages touched beyond SELECT 1: %s / %s\n' \
        "$nf" "$on_med" "$on_p90" "$off_med" "$off_p90" "$s_med" "$s_p90" "$p_med" "$p_p90" "$pg_on" "$pg_off"
    json+=("\"first_call.features$nf\": {\"conns\": $CONNS, \"extra_jit_on_ms\": $on_med, \"extra_jit_on_p90_ms\": $on_p90, \"extra_jit_off_ms\": $off_med, \"extra_jit_off_p90_ms\": $off_p90, \"select1_ms\": $s_med, \"plain_table_extra_ms\": $p_med, \"first_call_jit_on_ms\": $ton_med, \"first_call_jit_off_ms\": $toff_med, \"pages_jit_on\": \"$pg_on\", \"pages_jit_off\": \"$pg_off\"}")
done
fi

if [ "$ONLY_FIRST" = 0 ]; then
echo
echo "== 5. request latency, a realistic 10-feature mix over ROWS 1,000; jit on vs off (1 client, ${DURATION}s x $REPS, medians)"
MIX="sum(amount) OVER w AS f0, avg(amount * 1.1) OVER w AS f1, max(amount - qty) OVER w AS f2,
     min(amount) OVER w AS f3, count(*) FILTER (WHERE merchant = 'm1') OVER w AS f4, sum(cents) OVER w AS f5,
     stddev_samp(amount) OVER w AS f6, sum(CASE WHEN qty > 5 THEN amount ELSE 0 END) OVER w AS f7,
     count(*) OVER w AS f8, avg(amount) OVER w AS f9"
psqlc -c "SELECT feature_ext.deploy('jmix', \$q\$ SELECT k, $MIX FROM jmix
          WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1000 PRECEDING AND CURRENT ROW) \$q\$)" >/dev/null
nat=$(psqlc -c "SELECT substring(feature_ext.explain('jmix', timing => false) FROM 'JIT: ([0-9]+ of [0-9]+)')")
printf '%s\n' "\\set k random(0, 19)" "SELECT * FROM jmix(:k, 300000, 12.5, 3, 'm1', 500);" > "$work/reqm.sql"
on=$(PGOPTIONS='-c feature_ext.jit=on' psqlc -c "SELECT * FROM jmix(7, 300000, 12.5, 3, 'm1', 500)")
off=$(PGOPTIONS='-c feature_ext.jit=off' psqlc -c "SELECT * FROM jmix(7, 300000, 12.5, 3, 'm1', 500)")
[ "$on" = "$off" ] && chk=same || chk=DIFFERENT
onoff_tps "$work/reqm.sql"
printf '  ROWS 1000  jit on %8.0f tps (%s ms) | jit off %8.0f tps (%s ms) | speedup %sx (target >= 2) | %s aggregates native | results %s\n' \
    "${T[on]}" "$(awk -v t="${T[on]}" 'BEGIN { printf "%.3f", 1000 / t }')" "${T[off]}" \
    "$(awk -v t="${T[off]}" 'BEGIN { printf "%.3f", 1000 / t }')" "$(ratio "${T[on]}" "${T[off]}")" "$nat" "$chk"
json+=("\"mix.rows1000\": {\"jit_on_tps\": ${T[on]}, \"jit_off_tps\": ${T[off]}, \"speedup\": $(ratio "${T[on]}" "${T[off]}"), \"native\": \"$nat\", \"check\": \"$chk\"}")
fi
fi

{
    echo "{"
    echo "  \"date\": \"$(date -u +%FT%TZ)\", \"cores\": $(nproc),"
    for i in "${!json[@]}"; do
        sep=,; [ "$i" = $((${#json[@]} - 1)) ] && sep=
        echo "  ${json[$i]}$sep"
    done
    echo "}"
} > "$RESULTS/jit.json"
echo
echo "wrote bench/results/jit.json"
