#!/usr/bin/env bash
# Union window benchmark (issue 16, SPEC §4.1): a request whose window merges
# two tables next to the same request over one table holding the same rows.
#
#   bash bench/union.sh [--duration S] [--reps N] [--keys K] [--rows R] [--port P]
#
# Data: K keys (default 1,000) x R rows (default 1,000) with distinct times;
# `single` holds all of them, `half_a` / `half_b` (same columns) every other
# row each.  Deployments (10 features: sum / avg / max / min / count over
# ROWS 100 and RANGE 1 day, the same features as bench/run.sh's mix):
#   single: ... FROM single WINDOW w AS (PARTITION BY k ORDER BY ts ...)
#   union : ... FROM (SELECT ... FROM half_a UNION ALL SELECT ... FROM half_b) u WINDOW w AS (PARTITION BY k ...)
# Both see the same window rows, so the answers must be equal (checked on 50
# keys, jit on and off).  pgbench -M prepared, 1 client, S seconds (default
# 5) x N reps (default 3), alternating, medians; feature_ext.jit on and off.
# Prints TPS, latency and the cost ratio union / single.  Run `make install` first.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FE_ROOT/test/lib.sh"

DURATION=5
REPS=3
KEYS=1000
ROWS=1000
PORT=${BENCH_PORT:-$(fe_free_port 55495)}
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION=$2; shift 2 ;;
        --reps) REPS=$2; shift 2 ;;
        --keys) KEYS=$2; shift 2 ;;
        --rows) ROWS=$2; shift 2 ;;
        --port) PORT=$2; shift 2 ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
    esac
done
work=$(fe_workdir)
trap 'fe_stop_server "$work/data" immediate; rm -rf "$work"' EXIT
fe_start_server "$work/data" "$PORT" "shared_buffers = '256MB'" "feature_ext.memory_limit = '2GB'"
psqlc() { fe_psql "$PORT" -At "$@"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

psqlc -c "CREATE EXTENSION feature_ext" >/dev/null
for t in single half_a half_b; do
    psqlc -c "CREATE TABLE $t (k int, ts timestamp, amount float8, qty int) USING feature_store" >/dev/null
    psqlc -c "CREATE INDEX ON $t USING skiplist (k, ts)" >/dev/null
done
GEN="SELECT i % $KEYS AS k, timestamp '2026-01-01' + (i / $KEYS) * interval '1 minute' AS ts,
            ((i::bigint * 7919) % 1000) / 10.0 AS amount, (i % 7)::int AS qty, i
       FROM generate_series(0, $KEYS * $ROWS - 1) i"
psqlc -c "INSERT INTO single SELECT k, ts, amount, qty FROM ($GEN) g" >/dev/null
psqlc -c "INSERT INTO half_a SELECT k, ts, amount, qty FROM ($GEN) g WHERE (i / $KEYS) % 2 = 0" >/dev/null
psqlc -c "INSERT INTO half_b SELECT k, ts, amount, qty FROM ($GEN) g WHERE (i / $KEYS) % 2 = 1" >/dev/null

FEATS="sum(amount) OVER w1 AS s1, avg(amount) OVER w1 AS a1, max(amount) OVER w1 AS m1, min(qty) OVER w1 AS q1,
       count(*) OVER w1 AS c1, sum(amount) OVER w2 AS s2, avg(amount) OVER w2 AS a2, max(amount) OVER w2 AS m2,
       min(qty) OVER w2 AS q2, count(*) OVER w2 AS c2"
psqlc -c "SELECT feature_ext.deploy('f_single', \$q\$SELECT $FEATS FROM single
  WINDOW w1 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 100 PRECEDING AND CURRENT ROW),
         w2 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW)\$q\$)" >/dev/null
psqlc -c "SELECT feature_ext.deploy('f_union', \$q\$SELECT $FEATS
  FROM (SELECT k, ts, amount, qty FROM half_a UNION ALL SELECT k, ts, amount, qty FROM half_b) u
  WINDOW w1 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 100 PRECEDING AND CURRENT ROW),
         w2 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW)\$q\$)" >/dev/null

# the same answers (the request's time is after every stored row)
REQ_TS="timestamp '2026-01-01' + $ROWS * interval '1 minute'"
for mode in on off; do
    a=$(PGOPTIONS="-c feature_ext.jit=$mode" psqlc -c "SELECT string_agg(row(x.*)::text, ';' ORDER BY k)
          FROM generate_series(0, 49) k, f_single(k, $REQ_TS, 12.5, 3) x")
    b=$(PGOPTIONS="-c feature_ext.jit=$mode" psqlc -c "SELECT string_agg(row(x.*)::text, ';' ORDER BY k)
          FROM generate_series(0, 49) k, f_union(k, $REQ_TS, 12.5, 3) x")
    [ "$a" = "$b" ] && echo "check jit=$mode: single and union answers equal on 50 keys" \
                    || { echo "check jit=$mode: DIFFERENT answers"; echo "$a" | cut -c1-300; echo "$b" | cut -c1-300; exit 1; }
done
psqlc -c "SELECT feature_ext.explain('f_union', false)" | grep -E "union window|JIT: [0-9]" | sed 's/^ */  /'

for f in single union; do
    printf '%s\n' "\\set k random(0, $((KEYS - 1)))" \
        "SELECT * FROM f_$f(:k, timestamp '2026-01-01' + $ROWS * interval '1 minute', 12.5, 3);" > "$work/$f.sql"
done
declare -A TL=()
for r in $(seq 1 "$REPS"); do
    for mode in on off; do
        for f in single union; do
            out=$(PGOPTIONS="-c feature_ext.jit=$mode" "$PG_BINDIR/pgbench" -h /tmp -p "$PORT" -U postgres -n -M prepared \
                      -c 1 -j 1 -T "$DURATION" -f "$work/$f.sql" postgres 2>&1)
            TL[$f.$mode]+=" $(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$out")"
        done
    done
done
echo "keys=$KEYS rows/key=$ROWS (union: $((ROWS / 2)) per table), 10 features over ROWS 100 and RANGE 1 day;"
echo "pgbench -M prepared, 1 client, ${DURATION}s x $REPS, medians"
for mode in on off; do
    ts=$(median <<<"${TL[single.$mode]}")
    tu=$(median <<<"${TL[union.$mode]}")
    awk -v m="$mode" -v ts="$ts" -v tu="$tu" 'BEGIN {
        printf "jit=%-3s single %8.0f TPS (%.3f ms)   union %8.0f TPS (%.3f ms)   cost union/single = %.2fx\n",
               m, ts, 1000 / ts, tu, 1000 / tu, ts / tu }'
done
