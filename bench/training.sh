#!/usr/bin/env bash
# Label-table training set benchmark (issue 16 part 4, SPEC §5.1): the
# features of every label row as of its time, by feature_ext.training_set()
# and by PostgreSQL's own window query for the same features.
#
#   bash bench/training.sh [--reps N] [--keys K] [--rows R] [--labels L] [--port P]
#
# Data: K keys (default 5,000) x R events each (default 100; distinct times,
# one a minute) in `ev` (feature_store, skiplist index (k, ts)) and in a heap
# copy `evh` with a btree on (k, ts); L label rows (default 50,000) in `lab`
# (id, k, ts, label), at times between events, random keys.  The deployment:
# count(*), sum(v), max(v) over RANGE 1 hour and avg(v), count(v) over RANGE
# 1 day.  training_set() takes the label table as it is (a label row is a
# request row: count(*) counts it, v is NULL).  PostgreSQL's query: the label
# rows and the events in one window query (no event shares a label's time),
# aggregates FILTERed to the events (+ 1 for count(*)), the label rows kept.  The answers are checked equal first; then REPS (default 3)
# alternating runs of each, wall time (clock_timestamp in the server),
# medians, ratio native / training_set.  Run `make install` first.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FE_ROOT/test/lib.sh"

REPS=3
KEYS=5000
ROWS=100
LABELS=50000
PORT=${BENCH_PORT:-$(fe_free_port 55496)}
while [ $# -gt 0 ]; do
    case "$1" in
        --reps) REPS=$2; shift 2 ;;
        --keys) KEYS=$2; shift 2 ;;
        --rows) ROWS=$2; shift 2 ;;
        --labels) LABELS=$2; shift 2 ;;
        --port) PORT=$2; shift 2 ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
    esac
done
work=$(fe_workdir)
trap 'fe_stop_server "$work/data" immediate; rm -rf "$work"' EXIT
fe_start_server "$work/data" "$PORT" "shared_buffers = '256MB'" "feature_ext.memory_limit = '2GB'" "work_mem = '64MB'"
psqlc() { fe_psql "$PORT" -At "$@"; }

t0=$SECONDS
psqlc -q <<SQL
CREATE EXTENSION feature_ext;
CREATE TABLE ev (k int, ts int8, v int8) USING feature_store;
CREATE INDEX ON ev USING skiplist (k, ts);
INSERT INTO ev SELECT k, 1700000000000 + i * 60000 + k % 500, (k * 7919 + i * 104729) % 1000
  FROM generate_series(1, $ROWS) i, generate_series(1, $KEYS) k;
CREATE TABLE evh AS SELECT * FROM ev;
CREATE INDEX ON evh (k, ts);
CREATE TABLE lab AS SELECT g AS id, (1 + (g::int8 * 7919) % $KEYS)::int AS k,
  1700000000000 + ((g::int8 * 104729) % ($ROWS * 60)) * 1000 + 500 AS ts, g % 2 AS label
  FROM generate_series(1, $LABELS) g;
ANALYZE ev, evh, lab;
SELECT feature_ext.deploy('tfeat', \$q\$SELECT k, count(*) OVER h AS c_1h, sum(v) OVER h AS s_1h, max(v) OVER h AS m_1h,
  avg(v) OVER d AS a_1d, count(v) OVER d AS n_1d
  FROM ev WINDOW h AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 3600000 PRECEDING AND CURRENT ROW),
                 d AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 86400000 PRECEDING AND CURRENT ROW)\$q\$) \g /dev/null
CREATE VIEW via_fe AS SELECT id, label, c_1h, s_1h, m_1h, a_1d, n_1d
  FROM feature_ext.training_set('tfeat', 'SELECT id, k, ts, label FROM lab', progress => 0)
       AS t(id int, k int, ts int8, label int, k_feature int, c_1h int8, s_1h numeric, m_1h int8, a_1d numeric, n_1d int8);
CREATE VIEW via_pg AS SELECT id, label, c_1h, s_1h, m_1h, a_1d, n_1d FROM (
  SELECT src, id, label,
         count(*) FILTER (WHERE src = 0) OVER h + 1 AS c_1h, sum(v) FILTER (WHERE src = 0) OVER h AS s_1h,
         max(v) FILTER (WHERE src = 0) OVER h AS m_1h, avg(v) FILTER (WHERE src = 0) OVER d AS a_1d,
         count(v) FILTER (WHERE src = 0) OVER d AS n_1d
    FROM (SELECT 0 AS src, NULL::int AS id, NULL::int AS label, k, ts, v FROM evh
          UNION ALL SELECT 1, id, label, k, ts, NULL FROM lab) u
  WINDOW h AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 3600000 PRECEDING AND CURRENT ROW),
         d AS (PARTITION BY k ORDER BY ts RANGE BETWEEN 86400000 PRECEDING AND CURRENT ROW)) z
  WHERE src = 1;
SQL
echo "training: loaded $((KEYS * ROWS)) events over $KEYS keys, $LABELS labels ($((SECONDS - t0)) s)"
same=$(psqlc -c "SELECT count(*) FROM ((SELECT * FROM via_fe EXCEPT ALL SELECT * FROM via_pg) UNION ALL (SELECT * FROM via_pg EXCEPT ALL SELECT * FROM via_fe)) x")
[ "$same" = 0 ] || { echo "FAIL (bench/training.sh): training_set() and PostgreSQL's query differ on $same rows"; exit 1; }
echo "training: answers equal ($LABELS label rows)"

# ms VIEW: the wall time in the server of reading every column of the view's
# rows (a bare count(*) would let PostgreSQL drop the unread window columns)
ms() {
    psqlc -c "DO \$\$ DECLARE t0 timestamptz := clock_timestamp(); n int8; BEGIN
      EXECUTE 'SELECT count(*) FROM $1 v WHERE v::text IS NOT NULL' INTO n;
      RAISE NOTICE 'ms=%', round(extract(epoch FROM clock_timestamp() - t0) * 1000); END \$\$" 2>&1 | sed -n 's/.*ms=\([0-9]*\).*/\1/p'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
fe=(); pg=()
for r in $(seq 1 "$REPS"); do
    fe+=("$(ms via_fe)")
    pg+=("$(ms via_pg)")
    echo "training: rep $r: training_set() ${fe[-1]} ms, PostgreSQL's query ${pg[-1]} ms"
done
mfe=$(printf '%s\n' "${fe[@]}" | median)
mpg=$(printf '%s\n' "${pg[@]}" | median)
echo "training: $LABELS labels over $((KEYS * ROWS)) events ($KEYS keys), medians of $REPS: training_set() $mfe ms, PostgreSQL's window query $mpg ms, ratio $(awk -v a="$mpg" -v b="$mfe" 'BEGIN { printf "%.2f", a / b }')x (load $(cut -d' ' -f1-3 /proc/loadavg))"
