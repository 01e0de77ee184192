-- OpenMLDB aggregate library: *_where, distinct_count, GROUP BY use, NULLs,
-- empty windows, types.  Expected values come from OpenMLDB's cases
-- (cases/function/function/test_udaf_function.yaml "id: N" and
-- cases/query/udaf_query.yaml), converted to PostgreSQL windows: OpenMLDB's
-- "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW" over ts is the same frame here.
SET search_path = public, feature_ext;
SET timezone = 'Asia/Shanghai';

CREATE TABLE agg_t1 (id int, c1 text, c2 int2, c3 int4, c4 int8, c5 float4, c6 float8,
                     c7 timestamptz, c8 date, c9 text, c10 bool);
-- test_udaf_function id 13/14/17 data (id 0 only in id 13)
INSERT INTO agg_t1 VALUES
  (0, '00', 5, 3, 10, 1.0, 4.4, to_timestamp(1590738990), '2020-05-01', 'a', false),
  (1, 'aa', 1, 1, 30, 1.1, 2.1, to_timestamp(1590738990), '2020-05-01', 'a', true),
  (2, 'aa', 4, 4, 33, 1.4, 2.4, to_timestamp(1590738991), '2020-05-03', 'c', false),
  (3, 'aa', 3, 3, 32, 1.3, 2.3, to_timestamp(1590738992), '2020-05-02', 'b', true),
  (4, 'aa', NULL, NULL, NULL, NULL, NULL, to_timestamp(1590738993), NULL, NULL, NULL);

-- id 13 MAX_WHERE-normal: [0,00,NULL,3,NULL,1.0,NULL] [1,aa,1,1,30,1.1,2.1] [2,aa,1,1,30,1.1,2.1]
--                          [3,aa,3,3,32,1.3,2.3] [4,aa,3,3,32,1.3,2.3]
SELECT id, c1, max_where(c2, c2 < 4) OVER w1 m2, max_where(c3, c3 < 4) OVER w1 m3, max_where(c4, c10) OVER w1 m4,
       max_where(c5, c5 <= 1.3) OVER w1 m5, max_where(c6, c6 <= 2.3) OVER w1 m6
FROM agg_t1 WINDOW w1 AS (PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
ORDER BY id;
-- result types follow the value type
SELECT pg_typeof(max_where(c2, true)), pg_typeof(max_where(c3, true)), pg_typeof(max_where(c4, true)),
       pg_typeof(max_where(c5, true)), pg_typeof(max_where(c6, true)), pg_typeof(sum_where(c2, true)),
       pg_typeof(avg_where(c2, true)), pg_typeof(count_where(c2, true))
FROM agg_t1;

-- id 14 MIN_WHERE-normal: [1,aa,NULL,NULL,30,1.1,2.1] [2,aa,4,4,30,1.1,2.1] [3,aa,3,3,30,1.1,2.1]
--                          [4,aa,3,3,32,1.3,2.3]
SELECT id, c1, min_where(c2, c2 > 2) OVER w1 m2, min_where(c3, c3 >= 3) OVER w1 m3, min_where(c4, c4 < 33) OVER w1 m4,
       min_where(c5, c5 <= 2) OVER w1 m5, min_where(c6, c10) OVER w1 m6
FROM agg_t1 WHERE id > 0 WINDOW w1 AS (PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
ORDER BY id;

-- id 17 COUNT_WHERE-normal: every column 1,1,2,1 (count_where(*, cond) is count_where(cond))
SELECT id, c1, count_where(c2, c2 < 4) OVER w1 m2, count_where(c3, c3 < 4) OVER w1 m3, count_where(c4, c4 < 33) OVER w1 m4,
       count_where(c5, c5 <= 1.3) OVER w1 m5, count_where(c6, c10) OVER w1 m6, count_where(c7, c10) OVER w1 m7,
       count_where(c8, c10) OVER w1 m8, count_where(c9, c10) OVER w1 m9, count_where(c10, c3 < 4) OVER w1 m10,
       count_where(c3 < 4) OVER w1 m11
FROM agg_t1 WHERE id > 0 WINDOW w1 AS (PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
ORDER BY id;

CREATE TABLE agg_t2 (id int, c1 text, c2 int2, c3 int4, c4 int8, c5 float4, c6 float8,
                     c7 timestamptz, c8 date, c9 text, c10 bool);
-- id 15 SUM_WHERE-normal data
INSERT INTO agg_t2 VALUES
  (1, 'aa', 1, 1, 30, NULL, 2.1, to_timestamp(1590738990), '2020-05-01', 'a', true),
  (2, 'aa', 4, 4, NULL, 1.4, 2.4, to_timestamp(1590738991), '2020-05-03', 'c', false),
  (3, 'aa', 3, NULL, 33, 1.3, 2.3, to_timestamp(1590738992), '2020-05-02', 'b', true),
  (4, 'aa', NULL, 3, 32, 1.1, NULL, to_timestamp(1590738993), NULL, NULL, NULL);
-- id 15: [1,aa,1,1,30,NULL,2.1,NULL] [2,aa,1,1,30,NULL,2.1,NULL] [3,aa,4,1,30,1.3,4.4,NULL]
--        [4,aa,3,3,32,2.4,2.3,NULL]
SELECT id, c1, sum_where(c2, c2 < 4) OVER w1 m2, sum_where(c3, c3 < 4) OVER w1 m3, sum_where(c4, c4 < 33) OVER w1 m4,
       sum_where(c5, c5 <= 1.3) OVER w1 m5, sum_where(c6, c10) OVER w1 m6, sum_where(c2, c2 = NULL) OVER w1 m7
FROM agg_t2 WINDOW w1 AS (PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
ORDER BY id;

-- id 16 AVG_WHERE-normal (c3/c4 of rows 3,4 swapped w.r.t. id 15):
--   [1,aa,1,1,30,NULL,2.1,NULL] [2,aa,1,1,30,NULL,2.1,NULL] [3,aa,2,1,31,1.2999999523162842,2.2,NULL]
--   [4,aa,3,3,32,1.199999988079071,2.3,NULL]
UPDATE agg_t2 SET c4 = 32 WHERE id = 3;
UPDATE agg_t2 SET c4 = 33 WHERE id = 4;
SELECT id, c1, avg_where(c2, c2 < 4) OVER w1 m2, avg_where(c3, c3 < 4) OVER w1 m3, avg_where(c4, c4 < 33) OVER w1 m4,
       avg_where(c5, c5 <= 1.3) OVER w1 m5, avg_where(c6, c10) OVER w1 m6, avg_where(c3, c3 = NULL) OVER w1 m7
FROM agg_t2 WINDOW w1 AS (PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
ORDER BY id;

-- udaf_query id 4: count_where(inc(c2), c2<4), sum_where(nvl(c3,14), nvl(c3,14) > 4)
--   [1,aa,1,NULL] [2,aa,1,NULL] [3,aa,2,NULL] [4,aa,1,14]
SELECT id, c1, count_where(c2 + 1, c2 < 4) OVER w1 m2, sum_where(coalesce(c3, 14), coalesce(c3, 14) > 4) OVER w1 m3
FROM agg_t1 WHERE id > 0 WINDOW w1 AS (PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
ORDER BY id;

-- id 45 aggregate where: ROWS 10 PRECEDING
CREATE TABLE agg_t3 (id bigint, c1 float8, c2 float4, c3 bigint);
INSERT INTO agg_t3 VALUES (1, 1.0, 1.1, 0), (2, 2.0, 7.7, 0), (3, NULL, 0.1, 0), (4, 3.0, NULL, 0),
  (5, 4.0, 5.5, 0), (6, 5.0, 3.3, 1), (7, NULL, 2.2, 1), (8, 7.0, NULL, 1), (9, 8.0, 4.4, 1);
-- [1,1,1.0,0,NULL] [2,2,1.5,1,7.6999998092651367] [3,2,1.5,1,7.69..] [4,2,1.5,1,7.69..]
-- [5,3,2.3333333333333335,2,6.5999999046325684] [6..8,0,NULL,0,NULL] [9,0,NULL,1,4.4000000953674316]
SELECT id, count_where(c1, c1 < c2) OVER w1 cw1, avg_where(c1, c1 < c2) OVER w1 aw1,
       count_where(c2, c2 > 4) OVER w1 cw2, avg_where(c2, c2 > 4) OVER w1 aw2
FROM agg_t3 WINDOW w1 AS (PARTITION BY c3 ORDER BY id ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)
ORDER BY id;

-- id 5 distinct_count (NULL counts as one value): 1,2,2,2 for every type
CREATE TABLE agg_t5 (id int, c1 text, c2 int2, c3 int4, c4 int8, c5 float4, c6 float8,
                     c7 timestamptz, c8 date, c9 text, c10 bool, ts timestamp);
INSERT INTO agg_t5 VALUES
  (1, 'aa', 1, 1, 30, 1.1, 2.1, to_timestamp(1590738990), '2020-05-01', 'a', true, '2020-05-29 15:56:30'),
  (2, 'aa', 4, 4, 33, 1.4, 2.4, to_timestamp(1590738991), '2020-05-02', 'c', false, '2020-05-29 15:56:31'),
  (3, 'aa', 4, 4, 33, 1.4, 2.4, to_timestamp(1590738991), '2020-05-02', 'c', true, '2020-05-29 15:56:32'),
  (4, 'aa', NULL, NULL, NULL, NULL, NULL, to_timestamp(1590738993), NULL, NULL, NULL, '2020-05-29 15:56:33');
SELECT id, distinct_count(c2) OVER w1 m2, distinct_count(c3) OVER w1 m3, distinct_count(c4) OVER w1 m4, distinct_count(c5) OVER w1 m5,
       distinct_count(c6) OVER w1 m6, distinct_count(c7) OVER w1 m7, distinct_count(c8) OVER w1 m8, distinct_count(c9) OVER w1 m9,
       distinct_count(ts) OVER w1 m_ts
FROM agg_t5 WINDOW w1 AS (PARTITION BY c1 ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
ORDER BY id;
-- id 6 (level 5) count/distinct_count of bool: [1,1,1] [2,2,2] [3,3,2] [4,2,2]; here row 4 is 3:
-- NULL is its own value (SPEC section 3), OpenMLDB folds NULL into false (see docs/AGGREGATES.md)
SELECT id, count(c10) OVER w1, distinct_count(c10) OVER w1 FROM agg_t1
WHERE id > 0 WINDOW w1 AS (PARTITION BY c1 ORDER BY c7 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
ORDER BY id;

-- udaf_query id 0: ROWS_RANGE 3s = RANGE '3 seconds' PRECEDING
--   [1,5,1,1,1] [2,5,2,1,1] [3,55,1,1,1] [4,55,2,1,1] [5,55,3,1,2]
CREATE TABLE agg_t6 (col0 text, col1 int, col2 int2, col6 text, std_ts timestamptz);
INSERT INTO agg_t6 VALUES ('0', 1, 5, '1', to_timestamp(1590115420)), ('0', 2, 5, '22', to_timestamp(1590115421)),
  ('1', 3, 55, '333', to_timestamp(1590115422)), ('1', 4, 55, '4444', to_timestamp(1590115423)),
  ('2', 5, 55, 'aaaa', to_timestamp(1590115424));
SELECT col1 AS id, col2, count(col2) OVER w1 cnt, distinct_count(col2) OVER w1 dc2,
       distinct_count(col0) OVER w1 dc0
FROM agg_t6 WINDOW w1 AS (PARTITION BY col2 ORDER BY std_ts RANGE BETWEEN '3 seconds' PRECEDING AND CURRENT ROW)
ORDER BY id;

-- id 52: distinct_count over three windows, two of them ending before the
-- current row (empty windows give 0)
CREATE TABLE agg_t7 (id int, pk text, col1 int, std_ts timestamptz);
INSERT INTO agg_t7 VALUES (1,'A',1,to_timestamp(1590115420)), (2,'A',1,to_timestamp(1590115430)),
  (3,'A',2,to_timestamp(1590115440)), (4,'A',2,to_timestamp(1590115450)), (5,'A',2,to_timestamp(1590115460)),
  (6,'A',3,to_timestamp(1590115470)), (7,'A',3,to_timestamp(1590115480)), (8,'A',3,to_timestamp(1590115490)),
  (9,'A',3,to_timestamp(1590115500)), (10,'B',1,to_timestamp(1590115420)), (11,'B',2,to_timestamp(1590115430)),
  (12,'B',3,to_timestamp(1590115440)), (13,'B',4,to_timestamp(1590115450)), (14,'B',5,to_timestamp(1590115460));
-- a1: 1,1,2,2,1,2,2,1,1,1,2,3,3,3  a2: 0,0,0,1,1,2,1,1,2,0,0,0,1,2  a3: 0,0,0,0,0,1,1,2,1,0,0,0,0,0
SELECT id, distinct_count(col1) OVER w1 a1, distinct_count(col1) OVER w2 a2, distinct_count(col1) OVER w3 a3
FROM agg_t7 WINDOW
  w1 AS (PARTITION BY pk ORDER BY std_ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW),
  w2 AS (PARTITION BY pk ORDER BY std_ts ROWS BETWEEN 4 PRECEDING AND 3 PRECEDING),
  w3 AS (PARTITION BY pk ORDER BY std_ts ROWS BETWEEN 6 PRECEDING AND 5 PRECEDING)
ORDER BY id;

-- id 53 (parts expressible in PostgreSQL): sum_where/count_where/avg_where with a
-- condition on another column, topn_frequency with NULL padding
--   a3: NULL,NULL,NULL,4,9  a4: 0,0,0,1,2  a5: NULL,NULL,NULL,4.0,4.5
--   a8: "1,NULL,NULL" "1,2,NULL" "1,2,3" "2,3,4" "3,4,5"
SELECT id, distinct_count(col1) OVER w a2,
       sum_where(col1, std_ts > to_timestamp(1590115440)) OVER w a3,
       count_where(col1, std_ts > to_timestamp(1590115440)) OVER w a4,
       avg_where(col1, std_ts > to_timestamp(1590115440)) OVER w a5,
       topn_frequency(id, 3) OVER w a8
FROM (SELECT id, pk, id AS col1, std_ts FROM agg_t7 WHERE id <= 5) s
WINDOW w AS (PARTITION BY pk ORDER BY std_ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
ORDER BY id;

-- Empty input: count_where/distinct_count 0, numeric results NULL
SELECT count_where(c2, true), count_where(true), sum_where(c2, true), avg_where(c2, true),
       min_where(c2, true), max_where(c6, true), distinct_count(c9)
FROM agg_t1 WHERE false;
-- All-NULL input
SELECT count_where(c2, true), sum_where(c2, true), min_where(c5, true), distinct_count(c9)
FROM agg_t1 WHERE id = 4;

-- GROUP BY
SELECT c1, count_where(c2, c10), sum_where(c4, c10), avg_where(c6, c10), min_where(c3, true),
       max_where(c5, true), distinct_count(c8)
FROM agg_t1 GROUP BY c1 ORDER BY c1;
SELECT c3, sum_where(id, true), count_where(c1 IS NOT NULL), distinct_count(c1)
FROM agg_t3 GROUP BY c3 ORDER BY c3;

-- numeric values go through float8 (sum_where(numeric) returns double precision)
SELECT sum_where(v, v > 0), pg_typeof(sum_where(v, v > 0)), avg_where(v, true), max_where(v, true)
FROM (VALUES (1.25::numeric), (2.5), (-1)) AS x(v);
-- integer overflow of the result type is an error, not a wrap-around
SELECT sum_where(v, true) FROM (VALUES (32767::int2), (1::int2)) AS x(v);
SELECT sum_where(v, true) FROM (VALUES (9223372036854775807::int8), (-5::int8)) AS x(v);
-- float sums are exact before the final rounding (no cancellation error)
SELECT sum_where(v, true) FROM (VALUES (1e300::float8), (1.0), (-1e300)) AS x(v);
SELECT s FROM (SELECT id, sum_where(v, true) OVER (ORDER BY id ROWS 1 PRECEDING) s
               FROM (VALUES (1, 1e300::float8), (2, 1.0), (3, 2.0), (4, 3.0)) AS x(id, v)) q ORDER BY id;

-- wrong argument types: no such function
SELECT sum_where(c9, true) FROM agg_t1;
SELECT min_where(c2, 1) FROM agg_t1;
SELECT avg_where(c8, true) FROM agg_t1;

DROP TABLE agg_t1, agg_t2, agg_t3, agg_t5, agg_t6, agg_t7;
