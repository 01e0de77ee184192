#!/usr/bin/env bash
# Logical replication between two servers (SPEC §8): a feature_store table
# published on one and subscribed on the other keeps the subscriber's
# skiplist index exact while rows stream in, and a deployment answers the
# same on both.  DELETE and UPDATE replicate through the table's replica
# identity (here its primary key; docs/STORAGE.md).
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
DIR=$(fe_workdir)
P1=$(fe_free_port 55501)
P2=$(fe_free_port $((P1 + 1)))
trap 'fe_stop_server "$DIR/pub" immediate; fe_stop_server "$DIR/sub" immediate; kill $(jobs -p) 2>/dev/null || true; rm -rf "$DIR"' EXIT
fail() { echo "FAIL (logical_replication): $*"; tail -5 "$DIR/sub/server.log"; exit 1; }
fe_start_server "$DIR/pub" "$P1" "wal_level = logical"
fe_start_server "$DIR/sub" "$P2"
SCHEMA="CREATE EXTENSION feature_ext;
CREATE TABLE ev (id bigint PRIMARY KEY, k text NOT NULL, v float8, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX ev_k ON ev USING skiplist (k, ts);
SELECT feature_ext.deploy('public.f', \$q\$SELECT k, count(*) OVER w AS c, sum(v) OVER w AS s FROM ev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 50 PRECEDING AND CURRENT ROW)\$q\$);"
fe_psql "$P1" -q -c "$SCHEMA" >/dev/null
fe_psql "$P2" -q -c "$SCHEMA" >/dev/null
ins() {  # FROM TO
    fe_psql "$P1" -q -c "INSERT INTO ev SELECT i, 'k' || (i % 20), i * 0.25,
                         timestamptz '2026-01-01' + i * interval '1 second' FROM generate_series($1, $2) i"
}
ins 1 5000
fe_psql "$P1" -q -c "CREATE PUBLICATION fe_pub FOR TABLE ev"
fe_psql "$P2" -q -c "CREATE SUBSCRIPTION fe_sub CONNECTION 'host=/tmp port=$P1 user=postgres dbname=postgres'
                     PUBLICATION fe_pub" 2>/dev/null
# Streamed meanwhile: single-row and batch inserts, updates, deletes.
( for b in $(seq 0 19); do ins $((5001 + b * 100)) $((5100 + b * 100)); done
  fe_psql "$P1" -q -c "UPDATE ev SET v = v + 1000 WHERE id % 97 = 0"
  fe_psql "$P1" -q -c "DELETE FROM ev WHERE id % 89 = 0" ) & writer=$!
# Requests on the subscriber while it applies: they must never fail.
mid=0
while kill -0 $writer 2>/dev/null; do
    fe_psql "$P2" -At -c "SELECT c FROM f(0, 'k3', 1, '2026-01-02')" >/dev/null || fail "request on the subscriber failed"
    mid=$((mid + 1))
done
wait $writer
want=$(fe_psql "$P1" -At -c "SELECT count(*), sum(v) FROM ev")
for i in $(seq 1 300); do
    [ "$(fe_psql "$P2" -At -c "SELECT count(*), sum(v) FROM ev")" = "$want" ] && break
    sleep 0.2
done
[ "$(fe_psql "$P2" -At -c "SELECT count(*), sum(v) FROM ev")" = "$want" ] || fail "subscriber did not catch up"
# Index = heap per key on the subscriber (row counts; the values are checked
# through the deployment's sums below).
bad=$(fe_psql "$P2" -At -c "
  WITH h AS (SELECT k, count(*) n FROM ev GROUP BY k)
  SELECT count(*) FROM h WHERE n <> (SELECT count(*) FROM feature_ext.index_scan('ev_k', ARRAY[k]))")
[ "$bad" = 0 ] || fail "$bad keys of the subscriber's index differ from its table"
# The deployment answers the same on both servers, for 100 requests.
REQ="SELECT string_agg(r::text, ';' ORDER BY g) FROM generate_series(1, 100) g,
       LATERAL (SELECT f.* FROM f(0, 'k' || (g % 20), g, timestamptz '2026-01-01' + g * interval '83 seconds') f) r"
a=$(fe_psql "$P1" -At -c "$REQ"); b=$(fe_psql "$P2" -At -c "$REQ")
[ -n "$a" ] && [ "$a" = "$b" ] || fail "the deployment answers differently on publisher and subscriber"
echo "logical_replication: ok ($(cut -d'|' -f1 <<<"$want") rows replicated with updates and deletes; $mid requests on the subscriber during apply; 100 requests equal on both)"
