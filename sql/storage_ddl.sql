-- feature_store tables and skiplist indexes: DDL, options, layout.
SET client_min_messages = warning;
CREATE TABLE st_txn (card_id text, amount float8, merchant text, txn_time timestamptz NOT NULL)
  USING feature_store;
SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.relname = 'st_txn';

-- Build from existing rows.
INSERT INTO st_txn VALUES
  ('aaa', 22.0, 'm1', '2021-11-05 07:38:10+00'),
  ('aaa', 20.0, 'm2', '2021-11-05 07:28:10+00'),
  ('bbb', 1.5, NULL, '2021-11-05 07:28:10+00');
CREATE INDEX st_card ON st_txn USING skiplist (card_id, txn_time);
SELECT index_name, table_name, keys, rows_in_memory, state FROM feature_ext.index_stats ORDER BY 1;
SELECT * FROM feature_ext.index_scan('st_card', '{aaa}');
SELECT * FROM feature_ext.index_scan('st_card', '{bbb}');
SELECT * FROM feature_ext.index_scan('st_card', '{nope}');

-- upto and max_rows
SELECT * FROM feature_ext.index_scan('st_card', '{aaa}', '2021-11-05 07:30:00+00');
SELECT * FROM feature_ext.index_scan('st_card', '{aaa}', NULL, 1);

-- INCLUDE: only the included columns are held.
CREATE INDEX st_card_merchant ON st_txn USING skiplist (card_id, merchant, txn_time) INCLUDE (amount)
  WITH (ttl_type = 'absorlat', ttl = '36500 days', ttl_rows = 100);
SELECT * FROM feature_ext.index_scan('st_card_merchant', '{aaa,m1}');
SELECT * FROM feature_ext.index_scan('st_card_merchant', ARRAY['bbb', NULL]);

-- Options are visible in the catalog and can be changed.
SELECT relname, reloptions FROM pg_class WHERE relname LIKE 'st_card%' ORDER BY 1;
ALTER INDEX st_card SET (ttl = '30 days');
SELECT reloptions FROM pg_class WHERE relname = 'st_card';
ALTER INDEX st_card RESET (ttl);

-- Integer (epoch ms), date and timestamp order columns; integer keys; a key-less index.
CREATE TABLE st_ev (uid int8, kind int2, ts int8, d date, t timestamp, v numeric) USING feature_store;
INSERT INTO st_ev VALUES (1, 1, 1636097890000, '2021-11-05', '2021-11-05 07:38:10', 1.25),
                         (1, 2, 1636097290000, '2021-11-04', '2021-11-05 07:28:10', NULL),
                         (2, 1, 1636097290000, '2021-11-03', '2021-11-05 07:28:10', 3);
CREATE INDEX st_ev_ms ON st_ev USING skiplist (uid, ts);
CREATE INDEX st_ev_date ON st_ev USING skiplist (uid, kind, d);
CREATE INDEX st_ev_ts ON st_ev USING skiplist (uid, t) INCLUDE (v);
CREATE INDEX st_ev_all ON st_ev USING skiplist (ts);
SELECT * FROM feature_ext.index_scan('st_ev_ms', '{1}');
SELECT * FROM feature_ext.index_scan('st_ev_date', '{1,2}');
SELECT * FROM feature_ext.index_scan('st_ev_ts', '{1}', '2021-11-05 07:30:00');
SELECT * FROM feature_ext.index_scan('st_ev_all', '{}');

-- A btree index on a feature_store table works as on a heap table.
CREATE INDEX st_txn_btree ON st_txn (card_id, txn_time);
SET enable_seqscan = off;
SELECT card_id, amount FROM st_txn WHERE card_id = 'aaa' ORDER BY txn_time;
RESET enable_seqscan;

-- The planner never picks a skiplist index for an executor scan.
EXPLAIN (COSTS OFF) SELECT * FROM st_ev WHERE uid = 1 AND ts >= 0;

-- DROP INDEX / DROP TABLE release the in-memory index.
DROP INDEX st_ev_all;
SELECT index_name FROM feature_ext.index_stats WHERE table_name = 'st_ev'::regclass ORDER BY 1;
DROP TABLE st_ev;
SELECT count(*) FROM feature_ext.index_stats WHERE index_name::text LIKE 'st_ev%';
SELECT indexes >= 2 AS has_indexes, used_bytes > 0 AS uses_memory, total_bytes = used_bytes + free_bytes AS adds_up
  FROM feature_ext.memory_usage();
-- where the free memory is (never-used, free lists, whole free segments,
-- not yet reusable): the parts never exceed the free bytes
SELECT never_used_bytes > 0 AS has_never_used,
       never_used_bytes + free_list_bytes + free_segment_bytes + segment_dead_bytes <= free_bytes AS parts_within_free,
       runs_per_key_max >= 0 AND runs_per_key_avg >= 0 AS runs_reported
  FROM feature_ext.memory_usage();

-- A rolled-back CREATE INDEX leaves nothing behind.
BEGIN;
CREATE INDEX st_tmp ON st_txn USING skiplist (merchant, txn_time);
SELECT count(*) FROM feature_ext.index_scan('st_tmp', '{m1}');
ROLLBACK;
SELECT count(*) FROM feature_ext.index_stats WHERE index_name::text = 'st_tmp';
-- Table rewrites rebuild the index.
VACUUM FULL st_txn;
CLUSTER st_txn USING st_txn_btree;
REINDEX TABLE st_txn;
SELECT * FROM feature_ext.index_scan('st_card', '{aaa}');
SELECT index_name, rows_in_memory, state FROM feature_ext.index_stats ORDER BY 1;
-- Re-creating the extension in the same session (new AM OIDs) keeps working.
DROP TABLE st_txn;
DROP EXTENSION feature_ext CASCADE;
CREATE EXTENSION feature_ext;
CREATE TABLE st_re (k text, ts int8) USING feature_store;
CREATE INDEX st_re_k ON st_re USING skiplist (k, ts);
INSERT INTO st_re VALUES ('a', 1);
SELECT * FROM feature_ext.index_scan('st_re_k', '{a}');
DROP TABLE st_re;
