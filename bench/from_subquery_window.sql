-- Cost of a deployment whose FROM subquery has its own window (docs/DEPLOY.md,
-- "A FROM subquery with its own window"): 5,000 requests over 100 keys x 200
-- rows, outer window ROWS 10 PRECEDING, next to the same outer window over a
-- plain column; inner frames ROWS 1, 5 and 20 PRECEDING (each stored row the
-- outer window reads runs one inner request: ~ outer x inner rows read).
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
\timing off
SELECT feature_ext.undeploy(d) FROM unnest(ARRAY['bfw_plain', 'bfw_in1', 'bfw_in5', 'bfw_in20']) d;
DROP TABLE bfw CASCADE;
