-- Window modifiers of deployed queries: feature_ext.maxsize(n) (OpenMLDB's
-- MAXSIZE) and feature_ext.exclude_current_time() (OpenMLDB's EXCLUDE
-- CURRENT_TIME on ROWS frames: the stored rows with the request's order value
-- are dropped before the frame counts its rows).  string_agg shows which rows
-- each frame holds (values are the row numbers), the sums run compiled.
CREATE TABLE ms (k text, ts bigint, v int) USING feature_store;
CREATE INDEX ms_idx ON ms USING skiplist (k, ts);
-- ts 10, 20, 30, 30, 40, 50, 50, 60 (two pairs of ties); v = row number
INSERT INTO ms VALUES ('a', 10, 1), ('a', 20, 2), ('a', 30, 3), ('a', 30, 4),
                      ('a', 40, 5), ('a', 50, 6), ('a', 50, 7), ('a', 60, 8), ('b', 10, 100);

SELECT feature_ext.deploy('ms_f', $$
SELECT k, ts,
       string_agg(v::text, ',') OVER w_cap AS cap2, sum(v) OVER w_cap AS cap2_sum,
       string_agg(v::text, ',') OVER w_cap_x AS cap2_excl, sum(v) OVER w_cap_x AS cap2_excl_sum,
       string_agg(v::text, ',') OVER w_hist AS hist3, count(*) OVER w_hist AS hist3_n,
       string_agg(v::text, ',') OVER w_big AS cap9, sum(v) OVER w_big AS cap9_sum,
       string_agg(v::text, ',') OVER w_ties AS ties_cap3,
       string_agg(v::text, ',') OVER w_time AS rows2_time, sum(v) OVER w_time AS rows2_time_sum,
       string_agg(v::text, ',') OVER w_time_x AS rows2_time_excl
  FROM ms
WINDOW w_cap    AS (PARTITION BY k, feature_ext.maxsize(2) ORDER BY ts RANGE BETWEEN 30 PRECEDING AND CURRENT ROW),
       w_cap_x  AS (PARTITION BY k, feature_ext.maxsize(2) ORDER BY ts RANGE BETWEEN 30 PRECEDING AND CURRENT ROW
                    EXCLUDE CURRENT ROW),
       w_hist   AS (PARTITION BY k, feature_ext.maxsize(3) ORDER BY ts RANGE BETWEEN 50 PRECEDING AND 10 PRECEDING),
       w_big    AS (PARTITION BY feature_ext.maxsize(9), k ORDER BY ts RANGE BETWEEN 30 PRECEDING AND CURRENT ROW),
       w_ties   AS (PARTITION BY k, feature_ext.maxsize(3) ORDER BY ts RANGE BETWEEN 30 PRECEDING AND CURRENT ROW
                    EXCLUDE TIES),
       w_time   AS (PARTITION BY k, feature_ext.exclude_current_time() ORDER BY ts ROWS 2 PRECEDING),
       w_time_x AS (PARTITION BY k, feature_ext.exclude_current_time() ORDER BY ts ROWS 2 PRECEDING
                    EXCLUDE CURRENT ROW)
$$);

-- Requests (v = 0 marks the request row).  At ts 50: RANGE 30 holds
-- 2,3,4,5,6,7 + request; MAXSIZE 2 keeps 7 and the request; excluding the
-- request keeps 6,7; ROWS 2 PRECEDING past the peers 6,7 holds 4,5.
SELECT * FROM ms_f('a', 50, 0);
SELECT * FROM ms_f('a', 30, 0);
SELECT * FROM ms_f('a', 5, 0);
SELECT * FROM ms_f('b', 10, 0);
SELECT * FROM ms_f('c', 10, 0);

-- The interpreter gives the same answers as the compiled code.
CREATE TEMP TABLE ms_req AS SELECT * FROM (VALUES (50), (30), (5), (10), (55), (60), (61), (100)) r(ts);
CREATE TEMP TABLE ms_jit AS SELECT r.ts AS req, f.* FROM ms_req r, LATERAL ms_f('a', r.ts, 0) f;
SET feature_ext.jit = off;
SELECT count(*) AS differences FROM (
  (SELECT r.ts AS req, f.* FROM ms_req r, LATERAL ms_f('a', r.ts, 0) f EXCEPT SELECT * FROM ms_jit)
  UNION ALL
  (SELECT * FROM ms_jit EXCEPT SELECT r.ts AS req, f.* FROM ms_req r, LATERAL ms_f('a', r.ts, 0) f)) d;
RESET feature_ext.jit;

-- Batch: every row against the rows inserted before it.
SELECT * FROM ms_f_batch('ms') ORDER BY k, ts, cap2;

SELECT feature_ext.explain('ms_f', false) ~ 'MAXSIZE 2' AS explains_maxsize,
       feature_ext.explain('ms_f', false) ~ 'EXCLUDE CURRENT_TIME' AS explains_time;

-- OpenMLDB dialect: MAXSIZE and EXCLUDE CURRENT_TIME on a ROWS frame
-- (OpenMLDB's test_current_row.yaml id 14 and window_attributes.yaml id 9).
CREATE TABLE om (c1 text, c3 int, c4 bigint, c7 timestamp) USING feature_store;
CREATE INDEX om_idx ON om USING skiplist (c1, c7);
SELECT feature_ext.deploy('om_f', $$
SELECT c1, c3, sum(c4) OVER w1 AS w1_c4_sum, lag(c4, 1) OVER w2 AS l1, count(c4) OVER w2 AS n2 FROM om
WINDOW w1 AS (PARTITION BY om.c1 ORDER BY om.c7 ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW MAXSIZE 2 EXCLUDE CURRENT_ROW),
       w2 AS (PARTITION BY `c1` ORDER BY `c7` ROWS BETWEEN 3 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME EXCLUDE CURRENT_ROW)
$$);
INSERT INTO om VALUES ('aa', 20, 30, '2020-05-29 07:56:30'), ('aa', 21, 31, '2020-05-29 07:56:31'),
                      ('aa', 22, 32, '2020-05-29 07:56:32'), ('aa', 23, 33, '2020-05-29 07:56:33'),
                      ('aa', 24, 34, '2020-05-29 07:56:33'), ('bb', 25, 35, '2020-05-29 07:56:34');
-- Replayed in order (batch): each row against the rows before it.
SELECT * FROM om_f_batch('om') ORDER BY c3;
-- A request at the last time: MAXSIZE 2 keeps 33, 34; ROWS 3 past the peers 33, 34 holds 30, 31, 32.
SELECT * FROM om_f('aa', 26, 36, '2020-05-29 07:56:33');

-- Errors.
SELECT feature_ext.deploy('ms_bad', $$SELECT sum(v) OVER (PARTITION BY k, feature_ext.maxsize(0) ORDER BY ts ROWS 2 PRECEDING) FROM ms$$);
SELECT feature_ext.deploy('ms_bad', $$SELECT sum(v) OVER (PARTITION BY k, feature_ext.maxsize(v) ORDER BY ts ROWS 2 PRECEDING) FROM ms$$);
SELECT feature_ext.deploy('ms_bad', $$SELECT sum(v) OVER (PARTITION BY k, feature_ext.maxsize(NULL) ORDER BY ts ROWS 2 PRECEDING) FROM ms$$);
SELECT feature_ext.deploy('ms_bad', $$SELECT sum(c4) OVER w FROM om WINDOW w AS (PARTITION BY c1 ORDER BY c7 ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW MAXSIZE -1)$$);
SELECT feature_ext.deploy('ms_bad', $$SELECT sum(c4) OVER w FROM om WINDOW w AS (PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 3 PRECEDING AND CURRENT ROW MAXSIZE 2)$$);
-- Outside a deployment the modifiers refuse to run (never a silent constant partition).
SELECT sum(v) OVER (PARTITION BY k, feature_ext.maxsize(2) ORDER BY ts) FROM ms;

SELECT feature_ext.undeploy('ms_f');
SELECT feature_ext.undeploy('om_f');
DROP TABLE ms, om;
