#!/usr/bin/env bash
# WAL written for standbys (docs/STORAGE.md, "Standbys"): 100,000 rows into a
# feature_store table without and with one skiplist index.
set -e
FE_ROOT=$(cd "$(dirname "$0")/.." && pwd)

. $FE_ROOT/test/lib.sh
D=$(fe_workdir); P=$(fe_free_port 55791)
trap 'fe_stop_server $D/d immediate; rm -rf $D' EXIT
fe_start_server $D/d $P "wal_level = replica"
fe_psql $P -c "CREATE EXTENSION feature_ext; CREATE TABLE a (k text, m text, v float8, ts timestamptz NOT NULL) USING feature_store; CREATE TABLE b (LIKE a) USING feature_store; CREATE INDEX ON b USING skiplist (k, ts); CHECKPOINT" >/dev/null
for t in a b; do
 l0=$(fe_psql $P -At -c "SELECT pg_current_wal_lsn()")
 fe_psql $P -c "INSERT INTO $t SELECT 'k' || (i % 1000), 'm' || (i % 3), i * 0.5, timestamptz '2026-01-01' + i * interval '1 s' FROM generate_series(1, 100000) i"
 l1=$(fe_psql $P -At -c "SELECT pg_current_wal_lsn()")
 echo "$t: $(fe_psql $P -At -c "SELECT pg_wal_lsn_diff('$l1', '$l0')") WAL bytes for 100000 rows"
done
