#!/usr/bin/env bash
# Cost of a FROM subquery's computed column read over stored rows
# (docs/DEPLOY.md, "A FROM subquery over the table"): the same feature
# written as sum(v * 2) OVER w over the table and as sum(d) OVER w over
# FROM (SELECT k, ts, v, v * 2 AS d FROM t) s (d computed per stored row by
# PostgreSQL's evaluator), 100 keys x 1,000 rows, ROWS 100 PRECEDING;
# N requests each (default 20000), JIT off and on, best of 3 runs.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
DIR=$(fe_workdir)
DATA=$DIR/data
PORT=$(fe_free_port "${FE_BENCH_PORT:-56520}")
N=${N:-20000}
trap 'fe_stop_server "$DATA" immediate; rm -rf "$DIR"' EXIT
fe_make_readable "$FE_ROOT"
fe_start_server "$DATA" "$PORT"
fe_psql "$PORT" -q <<SQL >/dev/null
CREATE EXTENSION feature_ext;
CREATE TABLE bt (k int4, ts int8, v int8) USING feature_store;
CREATE INDEX ON bt USING skiplist (k, ts);
INSERT INTO bt SELECT g % 100, g, (g * 7919) % 1000 FROM generate_series(1, 100000) g;
SELECT feature_ext.deploy('b_plain', \$\$SELECT sum(v * 2) OVER w AS s FROM bt
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 100 PRECEDING AND CURRENT ROW)\$\$);
SELECT feature_ext.deploy('b_comp', \$\$SELECT sum(d) OVER w AS s FROM (SELECT k, ts, v, v * 2 AS d FROM bt) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 100 PRECEDING AND CURRENT ROW)\$\$);
SQL
for jit in off on; do
  for dep in b_plain b_comp; do
    best=""
    for run in 1 2 3; do
      ms=$(fe_psql "$PORT" -At 2>&1 <<SQL
SET feature_ext.jit = $jit;
DO \$\$ DECLARE t0 timestamptz := clock_timestamp(); x int8;
BEGIN
  FOR i IN 1..$N LOOP SELECT s INTO x FROM $dep(i % 100, 200000, 1); END LOOP;
  RAISE NOTICE 'ms=%', round(extract(epoch FROM clock_timestamp() - t0) * 1000);
END \$\$;
SQL
      )
      ms=$(echo "$ms" | sed -n 's/.*ms=\([0-9]*\).*/\1/p')
      if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "jit=$jit $dep: $N requests in $best ms"
  done
done
# the two deployments agree (and the timing is of real answers)
fe_psql "$PORT" -At -c "SELECT 'answers differ: ' || count(*) FILTER (WHERE (SELECT s FROM b_plain(k, 200000, 1)) IS DISTINCT FROM (SELECT s FROM b_comp(k, 200000, 1))) || ' of ' || count(*) || ' keys, sum ' || sum((SELECT s FROM b_comp(k, 200000, 1))) FROM generate_series(0, 99) k"
