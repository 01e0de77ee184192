#!/usr/bin/env bash
# Multi-table request cost (issue 16, docs/DEPLOY.md "Multi-table
# deployments"): the same window features alone, with one LAST JOIN, and with
# one LAST JOIN plus one dimension lookup, same server, same data, same run.
#
#   bash bench/join_request.sh [keys] [rows_per_key] [seconds] [reps]   (defaults: 1000 100 5 3)
#
# Needs `make install` first.  Starts a throwaway server (test/lib.sh) and
# runs pgbench -M prepared, 1 client, a random key per request; the reps
# alternate the four deployments; medians of the tps are reported with the
# cost ratio to the single-table request.
#   single : count / sum / max over ROWS 50 PRECEDING on txn (feature_store)
#   join   : the same + a LAST JOIN on acct (feature_store, keys x 20 rows,
#            a.ts <= t.ts, newest first through skiplist (card, ts))
#   join2  : the same + LEFT JOIN merchant (heap, primary key btree)
#   joinw  : f_join with the LAST JOIN over a subquery with its own window
#            (count / sum over ROWS 9 PRECEDING of acct, partitioned by card:
#            the row taken's window, docs/DEPLOY.md)
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$FE_ROOT/test/lib.sh"
KEYS=${1:-1000}
PER=${2:-100}
SECS=${3:-5}
REPS=${4:-3}
PORT=${BENCH_PORT:-55481}
work=$(fe_workdir)
trap 'fe_stop_server "$work/data" immediate; rm -rf "$work"' EXIT
fe_start_server "$work/data" "$PORT" "feature_ext.memory_limit = '1GB'"
psqlc() { fe_psql "$PORT" -At "$@"; }
psqlc -c "CREATE EXTENSION feature_ext" >/dev/null
psqlc >/dev/null <<SQL
CREATE TABLE txn (card int, merchant int, amount float8, ts int8 NOT NULL) USING feature_store;
CREATE INDEX ON txn USING skiplist (card, ts);
INSERT INTO txn SELECT i % $KEYS, (i * 7) % 500, (i % 97) * 1.5, i FROM generate_series(1, $KEYS * $PER) i;
CREATE TABLE acct (card int, status text, limit_left float8, ts int8 NOT NULL) USING feature_store;
CREATE INDEX ON acct USING skiplist (card, ts);
INSERT INTO acct SELECT i % $KEYS, 's' || (i % 5), i * 0.5, i * 5 FROM generate_series(1, $KEYS * 20) i;
CREATE TABLE merchant (id int PRIMARY KEY, category text);
INSERT INTO merchant SELECT i, 'c' || (i % 17) FROM generate_series(0, 499) i;
ANALYZE merchant;
SET client_min_messages = warning;
SELECT feature_ext.deploy('f_single', \$\$SELECT count(*) OVER w AS c, sum(t.amount) OVER w AS s, max(t.amount) OVER w AS m
  FROM txn t WINDOW w AS (PARTITION BY t.card ORDER BY t.ts ROWS BETWEEN 50 PRECEDING AND CURRENT ROW)\$\$);
SELECT feature_ext.deploy('f_join', \$\$SELECT count(*) OVER w AS c, sum(t.amount) OVER w AS s, max(t.amount) OVER w AS m,
       a.status, a.limit_left
  FROM txn t LEFT JOIN LATERAL (SELECT acct.status, acct.limit_left FROM acct WHERE acct.card = t.card AND acct.ts <= t.ts
                                 ORDER BY acct.ts DESC LIMIT 1) a ON true
  WINDOW w AS (PARTITION BY t.card ORDER BY t.ts ROWS BETWEEN 50 PRECEDING AND CURRENT ROW)\$\$);
SELECT feature_ext.deploy('f_join2', \$\$SELECT count(*) OVER w AS c, sum(t.amount) OVER w AS s, max(t.amount) OVER w AS m,
       a.status, a.limit_left, mc.category
  FROM txn t LEFT JOIN LATERAL (SELECT acct.status, acct.limit_left FROM acct WHERE acct.card = t.card AND acct.ts <= t.ts
                                 ORDER BY acct.ts DESC LIMIT 1) a ON true
  LEFT JOIN merchant mc ON mc.id = t.merchant
  WINDOW w AS (PARTITION BY t.card ORDER BY t.ts ROWS BETWEEN 50 PRECEDING AND CURRENT ROW)\$\$);
SELECT feature_ext.deploy('f_joinw', \$\$SELECT count(*) OVER w AS c, sum(t.amount) OVER w AS s, max(t.amount) OVER w AS m,
       a.status, a.limit_left, a.n10, a.sum10
  FROM txn t LEFT JOIN LATERAL (SELECT * FROM (SELECT acct.card, acct.status, acct.limit_left, acct.ts,
                                                     count(*) OVER aw AS n10, sum(acct.limit_left) OVER aw AS sum10
                                                FROM acct WINDOW aw AS (PARTITION BY acct.card ORDER BY acct.ts
                                                                        ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)) a2
                                 WHERE a2.card = t.card AND a2.ts <= t.ts ORDER BY a2.ts DESC LIMIT 1) a ON true
  WINDOW w AS (PARTITION BY t.card ORDER BY t.ts ROWS BETWEEN 50 PRECEDING AND CURRENT ROW)\$\$);
SQL
NOW=$((KEYS * PER + 1))
for f in f_single f_join f_join2 f_joinw; do
    printf '\\set k random(0, %d)\n\\set m random(0, 499)\nSELECT * FROM %s(:k, :m, 1.0, %d);\n' \
        $((KEYS - 1)) "$f" "$NOW" > "$work/$f.sql"
done
declare -A tps
for r in $(seq "$REPS"); do
    for f in f_single f_join f_join2 f_joinw; do
        t=$("$PG_BINDIR/pgbench" -h /tmp -p "$PORT" -U postgres -n -M prepared -c 1 -j 1 -T "$SECS" -f "$work/$f.sql" postgres 2>&1 |
            sed -n 's/^tps = \([0-9.]*\).*/\1/p')
        [ -n "$t" ] || { echo "pgbench failed for $f" >&2; exit 1; }
        tps[$f]="${tps[$f]:-} $t"
    done
done
med() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
s=$(echo "${tps[f_single]}" | med)
echo "keys=$KEYS rows/key=$PER seconds=$SECS reps=$REPS (1 client, pgbench -M prepared; tps per rep:"
for f in f_single f_join f_join2 f_joinw; do
    m=$(echo "${tps[$f]}" | med)
    printf '  %-9s tps median %10s  (%s)  cost vs single %.2f x\n' "$f" "$m" "${tps[$f]# }" "$(echo "$s / $m" | bc -l)"
done
