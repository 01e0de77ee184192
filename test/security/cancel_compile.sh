#!/usr/bin/env bash
# statement_timeout and cancel are honoured while deploy() compiles: a
# deployment of 1,500 features compiles for seconds here; with a 300 ms
# statement_timeout the same deploy() must end with SQLSTATE 57014 in well
# under the time the full compile took in this run (it once ran the whole
# compile and only then noticed the timeout).  The comparison is against the
# uncancelled compile measured first, in the same run, on the same server.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
DIR=$(fe_workdir)
PORT=$(fe_free_port 55475)
DATA="$DIR/data"
trap 'fe_stop_server "$DATA" immediate; rm -rf "$DIR"' EXIT
fe_start_server "$DATA" "$PORT"
python3 - > "$DIR/setup.sql" <<'PY'
aggs = ['sum', 'avg', 'min', 'max', 'count']
feats = ", ".join("%s(v%d) FILTER (WHERE v%d > %d) OVER w AS f%d" % (aggs[i % 5], i % 8, (i + 1) % 8, i % 7, i)
                  for i in range(1500))
print("CREATE EXTENSION feature_ext;")
print("CREATE TABLE big (k text, %s, ts timestamptz NOT NULL) USING feature_store;" % ", ".join("v%d float8" % i for i in range(8)))
print("CREATE INDEX ON big USING skiplist (k, ts);")
print("CREATE FUNCTION deploy_ms() RETURNS text LANGUAGE plpgsql AS $f$")
print("DECLARE t0 timestamptz := clock_timestamp(); BEGIN")
print("  BEGIN")
print("    PERFORM feature_ext.deploy('big_f', $q$SELECT k, %s FROM big WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1000 PRECEDING AND CURRENT ROW)$q$, '{\"replace\": true}');" % feats)
print("    RETURN 'ok ' || round(extract(epoch FROM clock_timestamp() - t0) * 1000);")
print("  EXCEPTION WHEN query_canceled THEN")
print("    RETURN '57014 ' || round(extract(epoch FROM clock_timestamp() - t0) * 1000);")
print("  END;")
print("END $f$;")
PY
fe_psql "$PORT" -f "$DIR/setup.sql" >/dev/null
full=$(fe_psql "$PORT" -At -c "SELECT deploy_ms()")
cut=$(printf "SET statement_timeout = '300ms';\nSELECT deploy_ms();\n" | fe_psql "$PORT" -At)
echo "full compile: $full ms; with statement_timeout = 300ms: $cut ms"
read -r s1 ms1 <<<"$full"
read -r s2 ms2 <<<"$cut"
if [ "$s1" != ok ] || [ "$s2" != 57014 ]; then
    echo "FAIL (cancel_compile): expected ok then 57014"; exit 1
fi
if [ "$ms1" -lt 1500 ]; then
    echo "cancel_compile: the full compile took only $ms1 ms here; nothing to compare (skipped check)"; exit 0
fi
if [ $((ms2 * 2)) -ge "$ms1" ]; then
    echo "FAIL (cancel_compile): the cancelled deploy took $ms2 ms, not well under the full $ms1 ms"; exit 1
fi
echo "cancel_compile: ok"
