#!/usr/bin/env bash
# The background retention launcher (feature_ext.retention_interval = 1s here):
# in every database that has the extension, rows of feature_store tables past
# their table option `retention` disappear without anyone calling
# run_retention(); tables without the option and databases without the
# extension are left alone; DROP DATABASE still works while the launcher runs,
# and the launcher frees the dropped database's in-memory indexes.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
DIR=$(fe_workdir)
PORT=$(fe_free_port 55481)
DATA="$DIR/data"
trap 'fe_stop_server "$DATA" immediate; rm -rf "$DIR"' EXIT
fail() { echo "FAIL (retention): $*"; tail -20 "$DATA/server.log" 2>/dev/null || true; exit 1; }
fe_start_server "$DATA" "$PORT" "feature_ext.retention_interval = '1s'" "log_min_messages = log"
psql_db() { local db=$1; shift; "${RUN_AS[@]}" "$PG_BINDIR/psql" -X -q -At -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" -U postgres -d "$db" "$@"; }
for db in a b plain; do "${RUN_AS[@]}" "$PG_BINDIR/createdb" -h /tmp -p "$PORT" -U postgres "$db"; done
for db in a b; do
    psql_db "$db" >/dev/null <<'SQL'
CREATE EXTENSION feature_ext;
CREATE TABLE t (k text, v int, ts timestamptz NOT NULL) USING feature_store WITH (retention = '7 days');
CREATE INDEX t_idx ON t USING skiplist (k, ts);
INSERT INTO t SELECT 'k' || (i % 5), i, now() - make_interval(days => i) + interval '1 hour' FROM generate_series(1, 20) i;
CREATE TABLE keep (k text, ts timestamptz NOT NULL) USING feature_store;   -- no retention
INSERT INTO keep VALUES ('k', now() - interval '3 years');
SQL
done
# "plain" has no extension: the launcher visits it and leaves
# wait for the launcher (up to 30 s)
for i in $(seq 1 60); do
    na=$(psql_db a -c "SELECT count(*) FROM t")
    nb=$(psql_db b -c "SELECT count(*) FROM t")
    [ "$na" = 7 ] && [ "$nb" = 7 ] && break
    sleep 0.5
done
[ "$na" = 7 ] || fail "database a: $na rows left, expected 7 (rows 1..7 days old)"
[ "$nb" = 7 ] || fail "database b: $nb rows left, expected 7"
[ "$(psql_db a -c "SELECT rows_in_memory FROM feature_ext.index_stats WHERE index_name = 't_idx'::regclass")" = 7 ] ||
    fail "the in-memory index did not follow the DELETE"
[ "$(psql_db a -c "SELECT count(*) FROM keep")" = 1 ] || fail "rows of a table without retention were deleted"
grep -q "feature_ext: retention deleted 13 rows older than 7 days" "$DATA/server.log" || fail "no retention log line"
# DROP DATABASE while the launcher keeps visiting databases
for i in 1 2 3; do
    "${RUN_AS[@]}" "$PG_BINDIR/dropdb" -h /tmp -p "$PORT" -U postgres b 2>/dev/null && break
    sleep 1
done
[ -z "$(psql_db postgres -c "SELECT 1 FROM pg_database WHERE datname = 'b'")" ] || fail "DROP DATABASE b failed"
# the launcher also frees the in-memory indexes of the dropped database
for i in $(seq 1 30); do
    grep -q "feature_ext: freed 1 in-memory indexes of dropped databases" "$DATA/server.log" && break
    sleep 0.5
done
grep -q "feature_ext: freed 1 in-memory indexes of dropped databases" "$DATA/server.log" ||
    fail "the index of the dropped database was not freed"
[ "$(psql_db a -c "SELECT indexes FROM feature_ext.memory_usage()")" = 1 ] || fail "memory_usage still counts the dropped database's index"
grep -Eq "PANIC|terminated by signal" "$DATA/server.log" && fail "server log shows a crash"
echo "retention: ok"
