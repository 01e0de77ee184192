-- Table option retention: rows older than now - retention are deleted (here
-- on demand with feature_ext.run_retention(); test/scripts/retention.sh checks
-- the background launcher).  The in-memory index follows like any DELETE.
CREATE TABLE rt (card text, amount float8, ts timestamptz NOT NULL) USING feature_store WITH (retention = '30 days');
CREATE INDEX rt_idx ON rt USING skiplist (card, ts);
INSERT INTO rt SELECT 'c' || (i % 3), i, now() - make_interval(days => i) FROM generate_series(1, 60) i;
-- epoch-millisecond order column, named explicitly
CREATE TABLE rms (k int, v int, ts_ms int8, other timestamptz) USING feature_store
  WITH (retention = '1 hour', retention_column = 'ts_ms');
CREATE INDEX rms_idx ON rms USING skiplist (k, ts_ms);
INSERT INTO rms SELECT i % 2, i, (extract(epoch FROM now()) * 1000)::bigint - i * 600000, now() FROM generate_series(1, 12) i;
-- only feature_store tables take the option
CREATE TABLE rheap (ts timestamptz) WITH (retention = '1 day');
CREATE TABLE rheap (ts timestamptz);
ALTER TABLE rheap SET (retention = '1 day');
ALTER TABLE rheap SET (fillfactor = 50);

SELECT feature_ext.run_retention() AS deleted;
SELECT count(*) AS rows, min(amount), max(amount) FROM rt;
SELECT keys, rows_in_memory FROM feature_ext.index_stats WHERE index_name = 'rt_idx'::regclass;
SELECT count(*) AS rows, min(v), max(v) FROM rms;
SELECT relid, retention, retention_column FROM feature_ext.table_options ORDER BY relid::text;
SELECT feature_ext.run_retention() AS deleted_again;

-- changing it
ALTER TABLE rt SET (retention = '10 days', fillfactor = 90);
SELECT reloptions FROM pg_class WHERE oid = 'rt'::regclass;
SELECT feature_ext.run_retention() AS deleted;
SELECT count(*) AS rows, max(amount) FROM rt;
ALTER TABLE rt RESET (retention);
INSERT INTO rt VALUES ('c1', 999, now() - interval '400 days');
SELECT feature_ext.run_retention() AS deleted_without_option;

-- a table whose indexes disagree on the order column needs retention_column
CREATE TABLE r2 (k text, t1 timestamptz, t2 timestamptz) USING feature_store WITH (retention = '1 day');
CREATE INDEX r2_a ON r2 USING skiplist (k, t1);
CREATE INDEX r2_b ON r2 USING skiplist (k, t2);
INSERT INTO r2 VALUES ('a', now() - interval '5 days', now());
SELECT feature_ext.run_retention() AS deleted;
ALTER TABLE r2 SET (retention_column = 't1');
SELECT feature_ext.run_retention() AS deleted;
ALTER TABLE r2 SET (retention_column = 'nope');
SELECT relid, retention, retention_column FROM feature_ext.table_options ORDER BY relid::text;
SELECT feature_ext.run_retention() AS deleted;

-- bad values
CREATE TABLE rbad (ts timestamptz) USING feature_store WITH (retention = 'soon');
CREATE TABLE rbad (ts timestamptz) USING feature_store WITH (retention = '-1 day');
CREATE TABLE rbad (ts timestamptz) USING feature_store WITH (retention = '0');
ALTER TABLE rt SET (retention_column = '');
ALTER TABLE IF EXISTS no_such_table SET (retention = '1 day');
ALTER TABLE no_such_table SET (retention = '1 day');

-- non-owners may not set it
CREATE ROLE rt_other;
GRANT ALL ON rt TO rt_other;
SET ROLE rt_other;
ALTER TABLE rt SET (retention = '1 day');
RESET ROLE;
DROP TABLE rt, rms, rheap, r2;
DROP ROLE rt_other;
SELECT count(*) AS options_left FROM feature_ext.table_options;
