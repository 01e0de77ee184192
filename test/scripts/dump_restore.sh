#!/usr/bin/env bash
# pg_dump / pg_restore keep feature_store tables, skiplist indexes and
# deployments working: the restored database answers requests exactly as the
# original does.
set -euo pipefail
FE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$FE_ROOT/test/lib.sh"
DIR=$(fe_workdir)
PORT=$(fe_free_port 55471)
trap 'fe_stop_server "$DIR/data" immediate; rm -rf "$DIR"' EXIT
fe_start_server "$DIR/data" "$PORT"
psql_db() { local db=$1; shift; "${RUN_AS[@]}" "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" -U postgres -d "$db" "$@"; }
"${RUN_AS[@]}" "$PG_BINDIR/createdb" -h /tmp -p "$PORT" -U postgres src
psql_db src >/dev/null <<'SQL'
CREATE EXTENSION feature_ext;
CREATE TABLE txn (card_id text, amount float8, merchant text, txn_time timestamptz NOT NULL) USING feature_store;
CREATE INDEX txn_card ON txn USING skiplist (card_id, txn_time) WITH (ttl = '36500 days');
CREATE INDEX txn_card_merchant ON txn USING skiplist (card_id, merchant, txn_time) INCLUDE (amount)
  WITH (ttl_type = 'absandlat', ttl = '36500 days', ttl_rows = 10);
INSERT INTO txn SELECT 'c' || (g % 10), g, 'm' || (g % 3), '2024-01-01'::timestamptz + g * interval '1 hour'
  FROM generate_series(1, 500) g;
CREATE TABLE old_rows (k text, ts timestamptz NOT NULL) USING feature_store WITH (retention = '90 days');
CREATE INDEX old_rows_k ON old_rows USING skiplist (k, ts);
CREATE SCHEMA feats;
SELECT feature_ext.deploy('feats.f1', $$
  SELECT card_id, sum(amount) OVER w3 AS s3, count(*) OVER w1d AS c1d, max(amount) OVER w1d AS m1d
    FROM txn
  WINDOW w3 AS (PARTITION BY card_id ORDER BY txn_time ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW),
         w1d AS (PARTITION BY card_id ORDER BY txn_time RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('f2', $$
  SELECT avg(amount) OVER w AS a FROM txn WINDOW w AS (PARTITION BY card_id, merchant ORDER BY txn_time ROWS 5 PRECEDING)$$);
SELECT feature_ext.deploy('f2', $$
  SELECT avg(amount) OVER w AS a, count(*) OVER w AS n FROM txn
  WINDOW w AS (PARTITION BY card_id, merchant ORDER BY txn_time ROWS 5 PRECEDING)$$, '{"replace": true}');
-- a multi-table deployment (LAST JOIN + dimension lookup): restored from its bound text
CREATE TABLE acct (card_id text, status text, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX acct_card ON acct USING skiplist (card_id, ts);
INSERT INTO acct SELECT 'c' || (g % 10), 's' || g, '2024-01-01'::timestamptz + g * interval '3 hours'
  FROM generate_series(1, 100) g;
CREATE TABLE merch (id text PRIMARY KEY, category text);
INSERT INTO merch VALUES ('m0', 'food'), ('m1', 'travel');
SELECT feature_ext.deploy('f3', $$
  SELECT count(*) OVER w AS n3, a.status, m.category FROM txn t
    LEFT JOIN LATERAL (SELECT acct.status FROM acct WHERE acct.card_id = t.card_id AND acct.ts <= t.txn_time
                        ORDER BY acct.ts DESC LIMIT 1) a ON true
    LEFT JOIN merch m ON m.id = t.merchant
  WINDOW w AS (PARTITION BY t.card_id ORDER BY t.txn_time ROWS 5 PRECEDING)$$);
-- renames after deploy (followed as a view follows them): the joined table
-- renamed and its name reused by another table, columns of the deployment's
-- table and of the dimension table renamed; the dump must bind the same
-- tables and columns (the rename event trigger keeps bound_query current)
ALTER TABLE acct RENAME TO acct_hist;
CREATE TABLE acct (card_id text, status text, ts timestamptz NOT NULL) USING feature_store;
CREATE INDEX acct_card2 ON acct USING skiplist (card_id, ts);
INSERT INTO acct SELECT 'c' || (g % 10), 'other', '2024-01-01'::timestamptz + g * interval '1 hour'
  FROM generate_series(1, 100) g;
ALTER TABLE txn RENAME COLUMN amount TO amt;
ALTER TABLE merch RENAME COLUMN category TO cat;
SQL
query="SELECT f.*, g.*, h.* FROM generate_series(0, 9) k,
         LATERAL feats.f1('c' || k, 1, 'm1', '2024-01-20') f, LATERAL f2('c' || k, 1, 'm1', '2024-01-20') g,
         LATERAL f3('c' || k, 1, 'm1', '2024-01-08') h"
psql_db src -At -c "$query" > "$DIR/before.txt"
"${RUN_AS[@]}" "$PG_BINDIR/pg_dump" -h /tmp -p "$PORT" -U postgres -Fc -f "$DIR/src.dump" src
"${RUN_AS[@]}" "$PG_BINDIR/createdb" -h /tmp -p "$PORT" -U postgres dst
"${RUN_AS[@]}" "$PG_BINDIR/pg_restore" -h /tmp -p "$PORT" -U postgres -d dst "$DIR/src.dump"
psql_db dst -At -c "$query" > "$DIR/after.txt"
if ! cmp -s "$DIR/before.txt" "$DIR/after.txt"; then
    echo "FAIL: features differ after restore"; diff "$DIR/before.txt" "$DIR/after.txt" | head; exit 1
fi
[ "$(wc -l < "$DIR/after.txt")" = 10 ] || { echo "FAIL: expected 10 rows"; cat "$DIR/after.txt"; exit 1; }
names=$(psql_db dst -At -c "SELECT string_agg(name, ',' ORDER BY name) FROM feature_ext.deployments")
[ "$names" = "feats.f1,public.f2,public.f3" ] || { echo "FAIL: deployments after restore: $names"; exit 1; }
psql_db dst -At -c "SELECT feature_ext.explain('feats.f1')" | grep -q "read index txn_card" \
    || { echo "FAIL: explain after restore"; exit 1; }
# restored deployments are bound here as deploy() binds them (the catalog's
# insert trigger): each has a tree of this database, so a rename in the
# restored database is followed, and their functions depend on what they
# read and on the extension (a dump carries no pg_depend rows)
local_trees=$(psql_db dst -At -c "SELECT count(*) FROM feature_ext.deployment
                                  WHERE feature_ext._bound_text(bound_tree) IS NOT NULL")
[ "$local_trees" = 3 ] || { echo "FAIL: $local_trees of 3 restored deployments bound here"; exit 1; }
psql_db dst -c "ALTER TABLE txn RENAME COLUMN amt TO amount_eur" >/dev/null
psql_db dst -At -c "$query" > "$DIR/after2.txt"
cmp -s "$DIR/before.txt" "$DIR/after2.txt" || { echo "FAIL: features differ after a rename in the restored database"; exit 1; }
for obj in "TABLE acct_hist" "TABLE merch" "EXTENSION feature_ext"; do
    if out=$(psql_db dst -c "DROP $obj" 2>&1); then
        echo "FAIL: DROP $obj succeeded under restored deployments"; exit 1
    fi
    echo "$out" | grep -q "depend" || { echo "FAIL: DROP $obj: $out"; exit 1; }
done
psql_db dst -c "DROP TABLE merch CASCADE" >/dev/null 2>&1
names=$(psql_db dst -At -c "SELECT string_agg(name, ',' ORDER BY name) FROM feature_ext.deployments")
[ "$names" = "feats.f1,public.f2" ] || { echo "FAIL: after DROP TABLE merch CASCADE: $names"; exit 1; }
# a catalog no INSERT brought (pg_upgrade carries the table over): rebind_deployments()
psql_db dst -c "UPDATE feature_ext.deployment SET bound_tree = 'elsewhere:' || bound_tree" >/dev/null
n=$(psql_db dst -At -c "SELECT feature_ext.rebind_deployments()")
[ "$n" = 2 ] || { echo "FAIL: rebind_deployments() bound $n of 2"; exit 1; }
[ "$(psql_db dst -At -c "SELECT feature_ext.rebind_deployments()")" = 0 ] || { echo "FAIL: rebind twice"; exit 1; }
# a restored deployment can be replaced and undeployed
psql_db dst -c "SELECT feature_ext.undeploy('f2')" >/dev/null
psql_db dst -c "SELECT feature_ext.deploy('feats.f1', \$\$SELECT count(*) OVER w AS n FROM txn
  WINDOW w AS (PARTITION BY card_id ORDER BY txn_time ROWS 3 PRECEDING)\$\$, '{\"replace\": true}')" >/dev/null
n=$(psql_db dst -At -c "SELECT n FROM feats.f1('c1', 1, 'm1', '2024-01-20')")
[ "$n" = 4 ] || { echo "FAIL: redeployed function returned $n"; exit 1; }
# the table option retention (feature_ext.table_options) comes back with its table
opt=$(psql_db dst -At -c "SELECT relid::text || ' ' || retention FROM feature_ext.table_options")
[ "$opt" = "old_rows 90 days" ] || { echo "FAIL: table options after restore: '$opt'"; exit 1; }
echo "dump/restore: ok"
