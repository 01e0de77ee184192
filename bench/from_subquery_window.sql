-- Cost of a deployment whose FROM subquery has its own window (docs/DEPLOY.md,
-- "A FROM subquery with its own window"): 5,000 requests over 100 keys x 200
-- rows, outer window ROWS 10 PRECEDING, next to the same outer window over a
-- plain column; inner frames ROWS 1, 5 and 20 PRECEDING (each stored row the
-- outer window reads runs one inner request: ~ outer x inner rows read).
-- Offline: <name>_batch() over the table's 20,000 rows in time order and
-- with every 10th row arriving 500 rows late or in seven interleaved passes
-- (stored rows' inner windows computed again), training_set() (as_of) over
-- the table, and PostgreSQL's nested window query over the table.
-- Run against a server with feature_ext (psql -f bench/from_subquery_window.sql);
-- it creates and drops table bfw.  Each timing three times (\timing).
SET client_min_messages = warning;
DROP TABLE IF EXISTS bfw CASCADE;
CREATE TABLE bfw (id int4, k int4, ts int8, v int8) USING feature_store;
CREATE INDEX ON bfw USING skiplist (k, ts);
INSERT INTO bfw SELECT n, n % 100, n, n % 17 FROM generate_series(1, 20000) n;
SELECT feature_ext.deploy('bfw_plain', $$SELECT id, sum(v) OVER w AS s FROM bfw
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('bfw_in1', $$SELECT id, sum(s2) OVER w AS s FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM bfw
  WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('bfw_in5', $$SELECT id, sum(s2) OVER w AS s FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM bfw
  WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('bfw_in20', $$SELECT id, sum(s2) OVER w AS s FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM bfw
  WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 20 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)$$);
-- warm up (plans, compiled code)
SELECT count(bfw_plain(n, n % 100, 30000 + n, 1)), count(bfw_in1(n, n % 100, 30000 + n, 1)),
       count(bfw_in5(n, n % 100, 30000 + n, 1)), count(bfw_in20(n, n % 100, 30000 + n, 1))
  FROM generate_series(1, 500) n;
\timing on
\echo plain
SELECT count(bfw_plain(n, n % 100, 30000 + n, 1)) FROM generate_series(1, 5000) n;
SELECT count(bfw_plain(n, n % 100, 30000 + n, 1)) FROM generate_series(1, 5000) n;
SELECT count(bfw_plain(n, n % 100, 30000 + n, 1)) FROM generate_series(1, 5000) n;
\echo inner ROWS 1
SELECT count(bfw_in1(n, n % 100, 30000 + n, 1)) FROM generate_series(1, 5000) n;
SELECT count(bfw_in1(n, n % 100, 30000 + n, 1)) FROM generate_series(1, 5000) n;
SELECT count(bfw_in1(n, n % 100, 30000 + n, 1)) FROM generate_series(1, 5000) n;
\echo inner ROWS 5
SELECT count(bfw_in5(n, n % 100, 30000 + n, 1)) FROM generate_series(1, 5000) n;
SELECT count(bfw_in5(n, n % 100, 30000 + n, 1)) FROM generate_series(1, 5000) n;
SELECT count(bfw_in5(n, n % 100, 30000 + n, 1)) FROM generate_series(1, 5000) n;
\echo inner ROWS 20
SELECT count(bfw_in20(n, n % 100, 30000 + n, 1)) FROM generate_series(1, 5000) n;
SELECT count(bfw_in20(n, n % 100, 30000 + n, 1)) FROM generate_series(1, 5000) n;
SELECT count(bfw_in20(n, n % 100, 30000 + n, 1)) FROM generate_series(1, 5000) n;
\echo offline: _batch in time order, plain / inner ROWS 1 / inner ROWS 20
SELECT count(*) FROM bfw_plain_batch('SELECT * FROM bfw ORDER BY id');
SELECT count(*) FROM bfw_plain_batch('SELECT * FROM bfw ORDER BY id');
SELECT count(*) FROM bfw_plain_batch('SELECT * FROM bfw ORDER BY id');
SELECT count(*) FROM bfw_in1_batch('SELECT * FROM bfw ORDER BY id');
SELECT count(*) FROM bfw_in1_batch('SELECT * FROM bfw ORDER BY id');
SELECT count(*) FROM bfw_in1_batch('SELECT * FROM bfw ORDER BY id');
SELECT count(*) FROM bfw_in20_batch('SELECT * FROM bfw ORDER BY id');
SELECT count(*) FROM bfw_in20_batch('SELECT * FROM bfw ORDER BY id');
SELECT count(*) FROM bfw_in20_batch('SELECT * FROM bfw ORDER BY id');
\echo offline: _batch inner ROWS 1, every 10th row 500 rows late
SELECT count(*) FROM bfw_in1_batch('SELECT * FROM bfw ORDER BY CASE WHEN id % 10 = 0 THEN id + 500 ELSE id END, id');
SELECT count(*) FROM bfw_in1_batch('SELECT * FROM bfw ORDER BY CASE WHEN id % 10 = 0 THEN id + 500 ELSE id END, id');
SELECT count(*) FROM bfw_in1_batch('SELECT * FROM bfw ORDER BY CASE WHEN id % 10 = 0 THEN id + 500 ELSE id END, id');
\echo offline: _batch inner ROWS 1, seven interleaved passes in time order (id % 7, id): most rows late
SELECT count(*) FROM bfw_in1_batch('SELECT * FROM bfw ORDER BY id % 7, id');
SELECT count(*) FROM bfw_in1_batch('SELECT * FROM bfw ORDER BY id % 7, id');
SELECT count(*) FROM bfw_in1_batch('SELECT * FROM bfw ORDER BY id % 7, id');
\echo offline: training_set as_of over the table, plain / inner ROWS 1
SELECT count(*) FROM feature_ext.training_set('bfw_plain', 'bfw', NULL::bfw_plain_result);
SELECT count(*) FROM feature_ext.training_set('bfw_plain', 'bfw', NULL::bfw_plain_result);
SELECT count(*) FROM feature_ext.training_set('bfw_plain', 'bfw', NULL::bfw_plain_result);
SELECT count(*) FROM feature_ext.training_set('bfw_in1', 'bfw', NULL::bfw_in1_result);
SELECT count(*) FROM feature_ext.training_set('bfw_in1', 'bfw', NULL::bfw_in1_result);
SELECT count(*) FROM feature_ext.training_set('bfw_in1', 'bfw', NULL::bfw_in1_result);
\echo PostgreSQL's window query, inner ROWS 1
SELECT count(s) FROM (SELECT sum(s2) OVER w AS s FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM bfw
  WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)) y;
SELECT count(s) FROM (SELECT sum(s2) OVER w AS s FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM bfw
  WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)) y;
SELECT count(s) FROM (SELECT sum(s2) OVER w AS s FROM (SELECT id, k, ts, v, sum(v) OVER w2 AS s2 FROM bfw
  WINDOW w2 AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) x
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)) y;
\timing off
SELECT feature_ext.undeploy(d) FROM unnest(ARRAY['bfw_plain', 'bfw_in1', 'bfw_in5', 'bfw_in20']) d;
DROP TABLE bfw CASCADE;
