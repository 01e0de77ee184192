-- deploy(): the OpenMLDB dialect (translated to PostgreSQL's before planning).
SET client_min_messages = warning;

-- OpenMLDB's test_window_exclude_current_time.yaml id 0 / 3 data (ms order column).
CREATE TABLE dom (c1 text, c3 int4, c4 float8, c7 int8) USING feature_store;
CREATE INDEX dom_c1 ON dom USING skiplist (c1, c7);
INSERT INTO dom VALUES ('aa', 1, 1.0, 1590738990000), ('aa', 2, 1.0, 1590738990000),
  ('aa', 3, 1.0, 1590738992000), ('aa', 4, 1.0, 1590738993000), ('aa', 5, 1.0, 1590738994000);
SELECT feature_ext.deploy('dom_w', $$
  SELECT c1, c3, sum(c4) OVER w1 AS w1_sum, count(c4) OVER w1 AS w1_n,
         sum(c3) OVER w2 AS w2_sum, avg(c3) OVER w2 AS w2_avg, lag(c3, 2) OVER w2 AS w2_lag2,
         last_value(c3) OVER w3 AS w3_last, first_value(c3) OVER w3 AS w3_first,
  FROM `dom` WINDOW
    w1 AS (PARTITION BY `dom`.c1 ORDER BY `dom`.c7 ROWS_RANGE BETWEEN 4s OPEN PRECEDING AND CURRENT ROW EXCLUDE CURRENT_TIME),
    w2 AS (PARTITION BY dom.c1 ORDER BY dom.c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT_ROW),
    w3 AS (PARTITION BY c1 ORDER BY c7 ROWS_RANGE BETWEEN 3s PRECEDING AND 0 OPEN PRECEDING);
$$);
-- request at ...994000 (as row 6 of case 0): w1 = rows 3, 4, 5 (tie) excluded, request: 3
SELECT * FROM dom_w('aa', 6, 1.0, 1590738994000);
SELECT * FROM dom_w('zz', 6, 1.0, 1590738994000);
-- result types are OpenMLDB's: sum keeps its argument's type, avg is double
SELECT format_type(atttypid, atttypmod), attname FROM pg_attribute
 WHERE attrelid = 'dom_w_result'::regclass ORDER BY attnum;
-- the catalog keeps the OpenMLDB text; explain shows the translation
SELECT query LIKE '%ROWS_RANGE%' AS original_kept FROM feature_ext.deployments WHERE name = 'public.dom_w';
SELECT feature_ext.explain('dom_w', timing => false);

-- timestamp order column: offsets become intervals (a day is 24 hours)
CREATE TABLE dts (k text, v int8, ts timestamp) USING feature_store;
CREATE INDEX dts_k ON dts USING skiplist (k, ts);
INSERT INTO dts VALUES ('a', 1, '2021-01-01 00:00:00'), ('a', 2, '2021-01-02 00:00:00'),
  ('a', 4, '2021-01-02 23:59:59.999');
SELECT feature_ext.deploy('dts_w', $$SELECT k, sum(v) OVER w AS s, sum(v) OVER w2 AS s2 FROM dts
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 1d PRECEDING AND CURRENT ROW),
         w2 AS (PARTITION BY k ORDER BY ts ROWS_RANGE BETWEEN 1d OPEN PRECEDING AND CURRENT ROW)$$);
SELECT * FROM dts_w('a', 8, '2021-01-03 00:00:00');

-- OpenMLDB function names alone select the dialect (no other OpenMLDB syntax)
SELECT feature_ext.deploy('dts_fn', $$SELECT k, sum_where(v, v > 1) OVER w AS s, distinct_count(v) OVER w AS d,
  first_value(v, true) OVER w AS f FROM dts WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)$$);
SELECT * FROM dts_fn('a', 8, '2021-01-03 00:00:00');
SELECT feature_ext.undeploy('dts_fn');
-- ROWS from UNBOUNDED to n PRECEDING with EXCLUDE CURRENT_TIME: the request's
-- same-time rows go before the rows are counted back
INSERT INTO dts VALUES ('b', 1, '2021-01-01 00:00:00'), ('b', 2, '2021-01-02 00:00:00');
SELECT feature_ext.deploy('dts_ect', $$SELECT count(v) OVER w AS n, sum(v) OVER w AS s FROM dts
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND 1 OPEN PRECEDING EXCLUDE CURRENT_TIME)$$);
SELECT * FROM dts_ect('b', 5, '2021-01-02 00:00:00');
SELECT feature_ext.undeploy('dts_ect');

-- refused constructs name themselves and their position
\set VERBOSITY default
SELECT feature_ext.deploy('dom_bad', $$SELECT sum(c4) OVER w AS s FROM dom WINDOW w AS (UNION (SELECT int(k) AS c1 FROM dts) PARTITION BY c1 ORDER BY c7 ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW)$$);
SELECT feature_ext.deploy('dom_bad', $$SELECT sum(v) OVER w AS s FROM dts WINDOW w AS (PARTITION BY k ORDER BY k ROWS_RANGE BETWEEN 3s PRECEDING AND CURRENT ROW)$$);
SELECT name FROM feature_ext.deployments WHERE name LIKE 'public.d%' ORDER BY 1;

SELECT feature_ext.undeploy('dom_w');
SELECT feature_ext.undeploy('dts_w');
DROP TABLE dom, dts;
