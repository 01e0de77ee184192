#!/usr/bin/env bash
# Compiled deployments give their memory back (issue 7): one session
# redeploys and calls a deployment N times with feature_ext.jit on (each
# redeploy compiles, each first call loads native code into a new JITDylib and
# the replaced plan's code is released), and again with it off; the backend's
# resident memory may not grow more with the JIT than without it.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
DIR=$(fe_workdir)
DATA=$DIR/data
PORT=$(fe_free_port 55481)
N=${FE_JIT_MEMORY_ROUNDS:-250}
trap 'fe_stop_server "$DATA" immediate; rm -rf "$DIR"' EXIT
fail() { echo "FAIL (jit_memory): $*"; exit 1; }

fe_start_server "$DATA" "$PORT"
fe_psql "$PORT" >/dev/null <<'SQL'
CREATE EXTENSION feature_ext;
CREATE TABLE t (k int, ts bigint, v float8) USING feature_store;
CREATE INDEX ON t USING skiplist (k, ts);
INSERT INTO t SELECT i % 5, i, i FROM generate_series(1, 500) i;
SQL

# growth MODE: RSS growth (kB) of one backend over N redeploy+call rounds
growth() {
    local mode=$1 script=$DIR/rounds_$1.sql i
    {
        echo "\\o $DIR/pid_$mode"
        echo "SELECT pg_backend_pid();"
        echo "\\o /dev/null"
        echo "SET feature_ext.jit = $mode;"
        for i in $(seq 1 "$N"); do
            echo "SELECT feature_ext.deploy('jm', \$q\$ SELECT k, sum(v) OVER w AS s, max(v) FILTER (WHERE v > $i) OVER w AS m,"
            echo "  count(*) OVER w AS c FROM t WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN $((i % 7 + 1)) PRECEDING AND CURRENT ROW) \$q\$,"
            echo "  '{\"replace\": true}');"
            echo "SELECT * FROM jm(1, 1000, 1.5);"
            [ "$i" = 20 ] && echo "\\! ps -o rss= -p \$(grep -o '[0-9]*' $DIR/pid_$mode | head -1) > $DIR/rss0_$mode"
        done
        echo "\\! ps -o rss= -p \$(grep -o '[0-9]*' $DIR/pid_$mode | head -1) > $DIR/rss1_$mode"
    } > "$script"
    chmod 644 "$script"
    fe_psql "$PORT" -f "$script" >/dev/null
    echo $(( $(cat "$DIR/rss1_$mode") - $(cat "$DIR/rss0_$mode") ))
}
on=$(growth on)
off=$(growth off)
explain=$(fe_psql "$PORT" -At -c "SELECT * FROM jm(1, 1000, 1.5)" -c "SELECT feature_ext.explain('jm', false)")
grep -q "JIT in this session: on, 3 aggregates native" <<<"$explain" || fail "the deployment did not run compiled: $explain"
echo "jit_memory: $N redeploys, backend RSS growth with JIT ${on} kB, without ${off} kB"
# A leaked JITDylib costs tens of kB per round (measured ~35 kB): 3 MB over 250 rounds catches it.
[ $((on - off)) -lt 3072 ] || fail "the JIT keeps $(( (on - off) / N )) kB per redeploy (growth $on kB vs $off kB)"
