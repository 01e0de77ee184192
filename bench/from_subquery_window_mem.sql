-- Peak backend memory (VmHWM, each form in a fresh session) of the offline
-- forms of a deployment whose FROM subquery has its own window (docs/DEPLOY.md,
-- "A FROM subquery with its own window", Offline): the source (and for
-- training_set() as of the table, the table) is held in memory, next to the
-- same batch() of a plain deployment.  200,000 rows, 100 keys.
-- Run as a superuser (pg_read_file of /proc) against a server with feature_ext:
--   psql -f bench/from_subquery_window_mem.sql   (creates and drops table bm)
SET client_min_messages = warning;
CREATE TABLE bm (id int4, k int4, ts int8, v int8) USING feature_store;
CREATE INDEX ON bm USING skiplist (k, ts);
INSERT INTO bm SELECT n, n % 100, n, n % 17 FROM generate_series(1, 200000) n;
SELECT feature_ext.deploy('bm_plain', $$SELECT id, sum(v) OVER w AS s FROM bm
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)$$) IS NOT NULL;
SELECT feature_ext.deploy('bm_in1', $$SELECT id, sum(s2) OVER w AS s FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM bm
  WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)$$) IS NOT NULL;
\c
\timing on
SELECT count(*) FROM bm_plain_batch('SELECT * FROM bm ORDER BY id');
\timing off
SELECT substring(pg_read_file('/proc/' || pg_backend_pid() || '/status') FROM 'VmHWM:\s*(\d+ kB)') AS plain_batch_hwm;
\c
\timing on
SELECT count(*) FROM bm_in1_batch('SELECT * FROM bm ORDER BY id');
\timing off
SELECT substring(pg_read_file('/proc/' || pg_backend_pid() || '/status') FROM 'VmHWM:\s*(\d+ kB)') AS in1_batch_hwm;
\c
\timing on
SELECT count(*) FROM feature_ext.training_set('bm_in1', 'bm', NULL::bm_in1_result);
\timing off
SELECT substring(pg_read_file('/proc/' || pg_backend_pid() || '/status') FROM 'VmHWM:\s*(\d+ kB)') AS in1_training_hwm;
\c
SELECT count(*) FROM bm_in1(1, 1, 1, 1);
SELECT substring(pg_read_file('/proc/' || pg_backend_pid() || '/status') FROM 'VmHWM:\s*(\d+ kB)') AS one_request_hwm;
SELECT feature_ext.undeploy(d) FROM unnest(ARRAY['bm_plain', 'bm_in1']) d;
DROP TABLE bm CASCADE;
