#!/usr/bin/env bash
# A request's (and batch()'s, training_set()'s) peak memory does not grow
# with what each row's aggregate ARGUMENT expression allocates, nor with what
# a union table's computed column allocates per row: the interpreter
# evaluates them in a per-row context reset after every row, as PostgreSQL's
# window executor does (docs/DEPLOY.md, "Memory of a request").
#
# One key holds N stored rows (default 200,000) in table t and in union table
# u.  Each case runs twice, each time in a fresh backend: with an argument
# that allocates ~2 kB per row (repeat(s, 500)) and, as the control, with one
# that allocates nothing (s).  The backend's peak resident memory (VmHWM of
# /proc/self/status, read by the backend itself after the call) may exceed
# the control's by at most FE_AGG_MEM_BOUND_MB (default 64 MB).  Before the
# per-row contexts (2026-12-05) the excess was 400 MB to 850 MB per case.
# Cases: a request (JIT on: count(*) compiled beside the interpreted
# aggregates; and JIT off), batch() over a union window (each source row reads
# u's N rows), training_set() with one label row over t's N rows, and a union
# window whose union branch computes a column (octet_length(repeat(s, 500))),
# and a LAST JOIN whose condition allocates per row of the key it walks (the
# match is the key's oldest row: every row tested; before 2026-12-05 the
# excess was ~600 MB).
# The request's results are checked against PostgreSQL's own window query,
# the LAST JOIN's against the row it must take.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
N=${FE_AGG_MEM_ROWS:-200000}
BOUND_MB=${FE_AGG_MEM_BOUND_MB:-64}
if ! grep -q '^VmHWM:' /proc/self/status 2>/dev/null; then
    echo "skipped (agg_arg_memory): no VmHWM in /proc/self/status here (the peak memory this test measures)"
    exit 77
fi
DIR=$(fe_workdir)
DATA=$DIR/data
PORT=$(fe_free_port "${FE_AGG_MEM_PORT:-55497}")
trap 'fe_stop_server "$DATA" immediate; rm -rf "$DIR"' EXIT
fail() { echo "FAIL (agg_arg_memory): $*"; exit 1; }
t0=$SECONDS

fe_start_server "$DATA" "$PORT"
fe_psql "$PORT" >/dev/null <<SQL
CREATE EXTENSION feature_ext;
CREATE TABLE t (k int, ts int8, s text) USING feature_store;
CREATE INDEX ON t USING skiplist (k, ts);
CREATE TABLE u (k int, ts int8, s text) USING feature_store;
CREATE INDEX ON u USING skiplist (k, ts);
-- the union windows' main table: its rows are batch()'s source
CREATE TABLE t2 (k int, ts int8, s text, l int) USING feature_store;
CREATE INDEX ON t2 USING skiplist (k, ts);
INSERT INTO t SELECT 1, i, 'v' || (i * 7919 % 100000) FROM generate_series(1, $N) i;
INSERT INTO u SELECT 1, i, 'u' || (i * 6007 % 100000) FROM generate_series(1, $N) i;
INSERT INTO t2 SELECT 1, $N + i, 'b' || i, i FROM generate_series(1, 3) i;
SQL
echo "agg_arg_memory: loaded ($((SECONDS - t0)) s)"

W="WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
# deploy NAME ARG: the deployments of one variant (ARG: the argument text)
deploy() {
    local n=$1 a=$2
    fe_psql "$PORT" >/dev/null <<SQL
SELECT feature_ext.deploy('req_$n', \$q\$SELECT k, count(*) OVER w AS c, sum(octet_length($a)) OVER w AS l,
  max($a) OVER w AS mx, min($a) OVER w AS mn FROM t $W\$q\$);
SELECT feature_ext.deploy('bat_$n', \$q\$SELECT k, count(*) OVER w AS c, sum(octet_length($a)) OVER w AS l,
  max($a) OVER w AS mx FROM (SELECT k, ts, s, l FROM t2 UNION ALL SELECT k, ts, s, 0 FROM u) x $W\$q\$);
SELECT feature_ext.deploy('uc_$n', \$q\$SELECT k, count(*) OVER w AS c, sum(l) OVER w AS sl
  FROM (SELECT k, ts, s, l FROM t2 UNION ALL SELECT k, ts, s, octet_length($a) FROM u) x $W\$q\$);
SET client_min_messages = warning;
SELECT feature_ext.deploy('lj_$n', \$q\$SELECT t2.k, x.ts AS xts, x.s AS xs FROM t2 LAST JOIN t x ORDER BY x.ts
  ON t2.k = x.k AND octet_length($a) > 0 AND x.ts = 1\$q\$);
SQL
}
deploy rep 'repeat(s, 500)'
deploy ctl 's'

# peak VARIANT JIT SQL: the backend's VmHWM (kB) after running SQL (the
# variant's deployments named by {n})
peak() {
    local n=$1 jit=$2 q=${3//\{n\}/$1}
    fe_psql "$PORT" -At <<SQL | tail -1
SET feature_ext.jit = $jit;
\o /dev/null
$q;
\o
SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\s+(\d+) kB'))[1];
SQL
}

CASES=(
    "request (JIT on)|on|SELECT * FROM req_{n}(1, $N + 1, 'zz')"
    "request (JIT off)|off|SELECT * FROM req_{n}(1, $N + 1, 'zz')"
    "batch() over a union window|on|SELECT * FROM bat_{n}_batch('t2')"
    "training_set(), one label|on|SELECT * FROM feature_ext.training_set('req_{n}', 'SELECT 1 AS k, $N::int8 + 1 AS ts, ''zz''::text AS s', NULL::req_{n}_result)"
    "union window, computed column|on|SELECT * FROM uc_{n}(1, $N + 1, 'zz', 0)"
    "LAST JOIN condition|on|SELECT * FROM lj_{n}(1, $N + 1, 'zz', 0)"
)
bad=0
for c in "${CASES[@]}"; do
    IFS='|' read -r name jit q <<<"$c"
    rep=$(peak rep "$jit" "$q")
    ctl=$(peak ctl "$jit" "$q")
    [[ "$rep" =~ ^[0-9]+$ && "$ctl" =~ ^[0-9]+$ ]] || fail "$name: no VmHWM read ($rep / $ctl)"
    excess=$(( (rep - ctl) / 1024 ))
    echo "agg_arg_memory: $name ($((SECONDS - t0)) s): peak $((rep / 1024)) MB, control $((ctl / 1024)) MB, excess $excess MB (bound $BOUND_MB MB)"
    [ "$excess" -le "$BOUND_MB" ] || { echo "FAIL (agg_arg_memory): $name: the argument's allocations are kept ($excess MB over the control)"; bad=1; }
done

# The request's answer is PostgreSQL's (its frame is every row of the key:
# the plain aggregates over the same rows).
same=$(fe_psql "$PORT" -At <<SQL
SET feature_ext.jit = off;
SELECT (SELECT row(x.*)::text FROM req_rep(1, $N + 1, 'zz') x) =
  (SELECT row(1, count(*), sum(octet_length(repeat(s, 500))), max(repeat(s, 500)), min(repeat(s, 500)))::text
     FROM (SELECT s FROM t WHERE k = 1 UNION ALL SELECT 'zz') r);
SQL
)
[ "$same" = t ] || fail "the request's result differs from PostgreSQL's window query"
got=$(fe_psql "$PORT" -At -c "SELECT row(x.*)::text FROM lj_rep(1, $N + 1, 'zz', 0) x")
[ "$got" = "(1,1,v7919)" ] || fail "the LAST JOIN took $got, not the key's oldest row (1,1,v7919)"
[ $bad = 0 ] || exit 1
echo "agg_arg_memory: ok ($N rows of one key, $((SECONDS - t0)) s)"
