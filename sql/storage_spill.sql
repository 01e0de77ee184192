-- A transaction's pending changes beyond maintenance_work_mem go to a
-- temporary file (bounded backend memory for big COPYs and INSERTs): the
-- index must end up exactly as for an in-memory transaction, with rolled-back
-- savepoints, deletes and updates of spilled rows, an index rebuilt in the
-- same transaction, and PREPARE TRANSACTION.
SET maintenance_work_mem = '1MB';  -- about 10,000 changes in memory
CREATE TABLE sp (k int, v int, ts int8) USING feature_store;
CREATE INDEX sp_k ON sp USING skiplist (k, ts);
CREATE FUNCTION sp_same() RETURNS TABLE (keys bigint, bad bigint, heap_rows bigint, index_rows bigint)
LANGUAGE sql AS $$
  WITH h AS (SELECT k, array_agg(ts || ':' || v ORDER BY ts DESC, v) AS r FROM sp GROUP BY k),
       i AS (SELECT k, (SELECT array_agg(order_value || ':' || substring(row_data from 'v=([0-9]+)')
                                         ORDER BY order_value::int8 DESC, substring(row_data from 'v=([0-9]+)')::int)
                          FROM feature_ext.index_scan('sp_k', ARRAY[k::text])) AS r FROM h)
  SELECT count(*), count(*) FILTER (WHERE h.r IS DISTINCT FROM i.r), (SELECT count(*) FROM sp),
         (SELECT rows_in_memory FROM feature_ext.index_stats WHERE index_name = 'sp_k'::regclass)
    FROM h JOIN i USING (k) $$;

SELECT temp_files AS temp_files_before FROM pg_stat_database WHERE datname = current_database() \gset
BEGIN;
INSERT INTO sp SELECT g % 100, g, g FROM generate_series(1, 50000) g;
SAVEPOINT a;
INSERT INTO sp SELECT g % 100, g, g FROM generate_series(50001, 80000) g;  -- spilled, then rolled back
ROLLBACK TO a;
SAVEPOINT b;
INSERT INTO sp SELECT g % 100, g, g FROM generate_series(80001, 90000) g;
RELEASE b;
DELETE FROM sp WHERE v % 10 = 0;                                          -- deletes of spilled rows
UPDATE sp SET k = k + 1000 WHERE v % 7 = 0;
COMMIT;
SELECT * FROM sp_same();
SELECT pg_stat_force_next_flush();
SELECT temp_files > :temp_files_before AS spilled FROM pg_stat_database WHERE datname = current_database();

-- aborted: nothing reaches the index, memory comes back
SELECT used_bytes AS used_before FROM feature_ext.memory_usage() \gset
BEGIN;
INSERT INTO sp SELECT g % 100, g, g FROM generate_series(100001, 150000) g;
ROLLBACK;
SELECT * FROM sp_same();
SELECT used_bytes <= :used_before AS memory_back FROM feature_ext.memory_usage();

-- an index rebuilt in the transaction (TRUNCATE of a table created in it)
BEGIN;
CREATE TABLE sp2 (k int, v int, ts int8) USING feature_store;
CREATE INDEX sp2_k ON sp2 USING skiplist (k, ts);
INSERT INTO sp2 SELECT g % 10, g, g FROM generate_series(1, 40000) g;
TRUNCATE sp2;
INSERT INTO sp2 SELECT g % 10, g, g FROM generate_series(1, 30000) g;
COMMIT;
SELECT (SELECT count(*) FROM sp2) AS heap_rows, rows_in_memory FROM feature_ext.index_stats WHERE index_name = 'sp2_k'::regclass;

-- two-phase commit
BEGIN;
INSERT INTO sp SELECT g % 100, g, g FROM generate_series(200001, 240000) g;
DELETE FROM sp WHERE v % 10 = 1 AND v < 90000;
PREPARE TRANSACTION 'sp_2pc';
SELECT * FROM sp_same();
COMMIT PREPARED 'sp_2pc';
SELECT * FROM sp_same();

DROP TABLE sp, sp2;
DROP FUNCTION sp_same();
